import type { ModelCache } from "./serve-download.js";
import type { ServingTarget } from "./serve-engine.js";
import type { RegistryConnection } from "./serve-registry.js";
import { type ModelRef, resolveModel } from "./serve-source.js";

export interface FollowOptions {
  /** A models:/name@alias reference. */
  readonly ref: ModelRef & { kind: "registry" };
  readonly connection: RegistryConnection;
  readonly cache: ModelCache;
  readonly target: ServingTarget;
  readonly intervalMs: number;
  /** The version served when following starts. */
  readonly version: string;
  /** Progress (stdout) and problems (stderr), one line each. */
  readonly report: (line: string) => void;
  readonly warn: (line: string) => void;
}

/**
 * Polls the registry for the version an alias points at and hot-swaps to it when it moves. A
 * version that cannot be downloaded or loaded leaves the current one serving; it is tried again
 * at the next poll, and each distinct problem is reported once.
 */
export class AliasFollower {
  private version: string;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private lastProblem: string | undefined;
  /**
   * A version that downloaded but would not load: registered versions never change, so it is not
   * tried again until the alias moves elsewhere (a failed download is retried at every poll).
   */
  private unloadable: string | undefined;

  constructor(private readonly options: FollowOptions) {
    this.version = options.version;
  }

  /** The version being served. */
  get current(): string {
    return this.version;
  }

  start(): void {
    this.schedule();
  }

  /** Stops polling; waits for a swap in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    // A timeout per poll, not an interval: a slow download never overlaps the next poll.
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
  }

  private async poll(): Promise<void> {
    const { ref, connection, cache, target, report } = this.options;
    let stage = "resolve";
    let moved: string | undefined;
    try {
      const resolved = await resolveModel(ref, connection.client);
      if (resolved.version !== this.unloadable) this.unloadable = undefined;
      if (resolved.version === undefined || resolved.version === this.version) {
        this.lastProblem = undefined;
        return;
      }
      if (resolved.version === this.unloadable) return;
      moved = resolved.version;
      stage = "download";
      const dir = await cache.directoryOf(resolved, connection);
      if (this.stopped) return;
      stage = "load";
      await target.deploy({ version: resolved.version, dir });
      report(
        `Alias ${ref.alias} moved to version ${resolved.version}: now serving ${resolved.name} version ${resolved.version} (was ${this.version}).`,
      );
      this.version = resolved.version;
      this.lastProblem = undefined;
    } catch (error) {
      if (stage === "load") this.unloadable = moved;
      const message = error instanceof Error ? error.message : String(error);
      const problem =
        moved === undefined
          ? `cannot resolve ${ref.uri}: ${message}; still serving version ${this.version}`
          : `alias ${ref.alias} moved to version ${moved}, which could not be ${stage === "download" ? "downloaded" : "loaded"}: ${message}; still serving version ${this.version}`;
      if (problem !== this.lastProblem) this.options.warn(`error: ${problem}`);
      this.lastProblem = problem;
    }
  }
}
