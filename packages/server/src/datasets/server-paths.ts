import { isAbsolute } from "node:path";
import { GyreError, invalidParameter } from "@gyre/core";
import { AllowedDirectories } from "@gyre/core/paths";
import { type DataFile, listDataFiles } from "@gyre/data";

/**
 * The server's own files that API requests may name: a dataset's `path`, a feature source's
 * `path`, get-historical's `entity_path` (read) and `output_path` (written). Without
 * `--allowed-paths` any absolute path the server's user can reach is accepted — the laptop case,
 * where the caller is the server's user. With it, a path must lie inside one of those
 * directories once symbolic links are followed, or the request is refused with
 * PERMISSION_DENIED: anyone who can call the API of a shared server could otherwise read its
 * files as a dataset or overwrite them with a join's output.
 */
export class ServerPaths {
  /** @param allowed undefined allows any absolute path. */
  private constructor(private readonly allowed: AllowedDirectories | undefined) {}

  static unrestricted(): ServerPaths {
    return new ServerPaths(undefined);
  }

  static async within(directories: readonly string[]): Promise<ServerPaths> {
    return new ServerPaths(await AllowedDirectories.of(directories, "allowed path"));
  }

  /** The data files at a path a request names for the server to read. */
  async files(path: string, field: string): Promise<DataFile[]> {
    return listDataFiles(await this.check(path, field, "read"));
  }

  /** A path a request names for the server to write, checked; its directory may not exist yet. */
  async writable(path: string, field: string): Promise<string> {
    return this.check(path, field, "write");
  }

  private async check(path: string, field: string, access: "read" | "write"): Promise<string> {
    if (!isAbsolute(path)) {
      throw invalidParameter(`${field} '${path}' must be absolute (the server ${access}s it).`);
    }
    const allowed = this.allowed;
    if (allowed === undefined || (await allowed.contain(path))) return path;
    throw new GyreError(
      "PERMISSION_DENIED",
      allowed.configured.length === 0
        ? `${field} '${path}': this server takes no paths of its own in requests (--allowed-paths is empty); upload the files instead.`
        : `${field} '${path}' is outside the directories this server may ${access} for requests (--allowed-paths ${allowed.configured.join(",")}).`,
    );
  }
}
