import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { GyreError, invalidParameter } from "@gyre/core";
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
  private constructor(
    /** Real paths of the allowed directories; undefined allows any path. */
    private readonly roots: readonly string[] | undefined,
    /** The directories as configured, for messages. */
    private readonly configured: readonly string[],
  ) {}

  /** Any absolute path. */
  static unrestricted(): ServerPaths {
    return new ServerPaths(undefined, []);
  }

  /** Only paths inside `directories`, each of which must exist (a typo would refuse everything). */
  static async within(directories: readonly string[]): Promise<ServerPaths> {
    const roots: string[] = [];
    for (const directory of directories) {
      if (!isAbsolute(directory)) {
        throw invalidParameter(`allowed path '${directory}' must be absolute.`);
      }
      roots.push(
        await realpath(directory).catch(() => {
          throw invalidParameter(`allowed path '${directory}' does not exist.`);
        }),
      );
    }
    return new ServerPaths(roots, directories);
  }

  get restricted(): boolean {
    return this.roots !== undefined;
  }

  /** The data files at a path a request names for the server to read. */
  async files(path: string, field: string): Promise<DataFile[]> {
    return listDataFiles(await this.readable(path, field));
  }

  /** A path a request names for the server to read, checked. */
  async readable(path: string, field: string): Promise<string> {
    return this.check(path, field, "read");
  }

  /** A path a request names for the server to write, checked; its directory may not exist yet. */
  async writable(path: string, field: string): Promise<string> {
    return this.check(path, field, "write");
  }

  private async check(path: string, field: string, access: "read" | "write"): Promise<string> {
    if (!isAbsolute(path)) {
      throw invalidParameter(`${field} '${path}' must be absolute (the server ${access}s it).`);
    }
    if (this.roots === undefined) return path;
    const real = await realPathOf(resolve(path));
    if (!this.roots.some((root) => real === root || isInside(real, root))) {
      throw new GyreError(
        "PERMISSION_DENIED",
        this.configured.length === 0
          ? `${field} '${path}': this server takes no paths of its own in requests (--allowed-paths is empty); upload the files instead.`
          : `${field} '${path}' is outside the directories this server may ${access} for requests (--allowed-paths ${this.configured.join(",")}).`,
      );
    }
    return path;
  }
}

function isInside(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest !== "" && !rest.startsWith(`..${sep}`) && rest !== ".." && !isAbsolute(rest);
}

/**
 * The path with every symbolic link resolved: of the path itself when it exists, else of its
 * nearest existing ancestor with the missing rest appended (an output file not written yet).
 */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOf(parent), basename(path));
  }
}
