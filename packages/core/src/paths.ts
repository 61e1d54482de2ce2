/**
 * Directories a process confines the paths it is handed to: a server's paths named in requests,
 * a pipeline scheduler's or worker's modules named by triggers and jobs. Node-only (file system),
 * hence its own entry point, `@gyre/core/paths`, apart from the browser-safe rest of core.
 */
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { invalidParameter } from "./errors.js";

export class AllowedDirectories {
  private constructor(
    /** Real paths of the directories. */
    private readonly roots: readonly string[],
    /** As configured, for messages. */
    readonly configured: readonly string[],
  ) {}

  /** Each directory must exist (a typo would otherwise refuse everything, silently). */
  static async of(directories: readonly string[], what: string): Promise<AllowedDirectories> {
    const roots: string[] = [];
    for (const directory of directories) {
      if (!isAbsolute(directory)) throw invalidParameter(`${what} '${directory}' must be absolute.`);
      roots.push(
        await realpath(directory).catch(() => {
          throw invalidParameter(`${what} '${directory}' does not exist.`);
        }),
      );
    }
    return new AllowedDirectories(roots, directories);
  }

  /**
   * Whether `path` lies in one of the directories once every symbolic link is followed — of the
   * path itself, or of its nearest existing ancestor for a file not written yet — so a link cannot
   * lead out, and a missing path outside is refused like an existing one (nothing is revealed).
   */
  async contain(path: string): Promise<boolean> {
    const real = await realPathOf(resolve(path));
    return this.roots.some((root) => real === root || isInside(real, root));
  }
}

function isInside(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest !== "" && rest !== ".." && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}

async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOf(parent), basename(path));
  }
}
