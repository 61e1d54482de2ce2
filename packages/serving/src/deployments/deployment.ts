import { setImmediate as nextTurn } from "node:timers/promises";
import { GyreError } from "@gyre/core";
import type { PredictionRecorder } from "../prediction-log/record.js";
import type { RequestContext, ServedModel } from "../registry-view.js";
import type { BatchingOptions } from "../runtime/batcher.js";
import { ModelRuntime } from "../runtime/model-runtime.js";
import { Mirror, MirroringPredictor, type ShadowOutcome } from "./mirror.js";
import { RoutingTable } from "./routing-table.js";
import {
  type DeploymentSpec,
  type DeploymentSpecInput,
  describeSpec,
  parseDeploymentSpec,
  specVersions,
} from "./spec.js";

/** Where a deployment gets a version's files. */
export interface ModelVersionSource {
  /** A local model directory for the version (downloaded first if need be). */
  modelDir(version: string): Promise<string>;
}

/** What a deployment tells the outside (metrics, logs); every hook is optional and must not throw. */
export interface DeploymentObserver {
  /** Asked before a version loads: a callback for the row count of each of its model runs. */
  batchObserver?(deployment: string, version: string | undefined): ((rows: number) => void) | undefined;
  loaded?(deployment: string, version: string | undefined, runtime: ModelRuntime): void;
  released?(deployment: string, version: string | undefined, runtime: ModelRuntime): void;
  /** A configuration went live (`versioned` false: the versions are internal keys, not reported). */
  applied?(deployment: string, spec: DeploymentSpec, versioned: boolean): void;
  failed?(deployment: string, error: GyreError): void;
  shadow?(outcome: ShadowOutcome): void;
}

export interface DeploymentOptions {
  readonly name: string;
  readonly source: ModelVersionSource;
  readonly batching?: Omit<BatchingOptions, "onRun">;
  /**
   * Whether versions are reported (V2 `model_version`, version paths, metrics labels). False for
   * a model directory served as is: its "version" is only an internal key.
   */
  readonly versioned?: boolean;
  /** Where shadow answers are logged (the routes log the answers that are returned). */
  readonly predictionLog?: PredictionRecorder;
  readonly observer?: DeploymentObserver;
  /** Uniform numbers in [0, 1) for weighted routing and mirroring; default Math.random. */
  readonly random?: () => number;
}

export interface ApplyResult {
  readonly spec: DeploymentSpec;
  readonly previous: DeploymentSpec;
  /** Versions loaded and warmed for this change, and versions drained and released after it. */
  readonly loaded: readonly string[];
  readonly released: readonly string[];
}

export interface DeploymentStatus {
  readonly name: string;
  readonly spec: DeploymentSpec;
  /** What `rollback()` would restore. */
  readonly previous: DeploymentSpec | undefined;
  readonly lastError: { readonly message: string; readonly at: string } | undefined;
}

/** Rollback history kept per deployment. */
const HISTORY = 20;

/**
 * One endpoint name routed across model versions: weighted arms (canary), optional sticky keys,
 * and mirrored shadows. A change loads and warms every new version first, then swaps the
 * routing table in one assignment, then drains and releases the versions it no longer uses; a
 * version that fails to load leaves the current table serving (Triton's explicit-mode rule).
 */
export class Deployment {
  private table: RoutingTable;
  private readonly runtimes = new Map<string, ModelRuntime>();
  private readonly history: DeploymentSpec[] = [];
  private readonly mirror: Mirror;
  private readonly random: () => number;
  private readonly versioned: boolean;
  /** Changes run one at a time, in call order. */
  private changes: Promise<unknown> = Promise.resolve();
  private error: DeploymentStatus["lastError"];
  private closed = false;

  private constructor(
    private readonly options: DeploymentOptions,
    spec: DeploymentSpec,
    runtimes: ReadonlyMap<string, ModelRuntime>,
  ) {
    this.versioned = options.versioned ?? true;
    this.random = options.random ?? Math.random;
    for (const [version, runtime] of runtimes) this.runtimes.set(version, runtime);
    this.table = new RoutingTable(options.name, spec, this.runtimes, this.versioned);
    this.mirror = new Mirror(options.name, options.predictionLog, (outcome) =>
      options.observer?.shadow?.(outcome),
    );
  }

  /** Loads and warms every version of the spec; nothing is served if any of them fails. */
  static async create(options: DeploymentOptions, input: DeploymentSpecInput): Promise<Deployment> {
    const spec = parseDeploymentSpec(input);
    const loaded = await loadAll(options, specVersions(spec), new Map());
    const deployment = new Deployment(options, spec, loaded);
    options.observer?.applied?.(options.name, spec, options.versioned ?? true);
    return deployment;
  }

  get name(): string {
    return this.options.name;
  }

  get spec(): DeploymentSpec {
    return this.table.spec;
  }

  get status(): DeploymentStatus {
    return {
      name: this.name,
      spec: this.table.spec,
      previous: this.history.at(-1),
      lastError: this.error,
    };
  }

  /** The model answering this request: its arm, wrapped to mirror it when shadows draw it. */
  route(context: RequestContext): ServedModel {
    const table = this.table;
    const arm = table.pick(context.headers, this.random);
    if (table.shadows.length === 0) return arm;
    const mirrors = table.mirrorsFor(this.random);
    if (!mirrors) return arm;
    return { ...arm, predictor: new MirroringPredictor(arm, mirrors, context, this.mirror) };
  }

  /** A version this deployment holds (arm or shadow), served as is; undefined otherwise. */
  version(version: string): ServedModel | undefined {
    return this.table.version(version);
  }

  list(): readonly ServedModel[] {
    return this.table.all;
  }

  /** Switches to a new configuration with no failed request; rejects and keeps the current one on failure. */
  apply(input: DeploymentSpecInput): Promise<ApplyResult> {
    return this.serialised(async () => {
      const spec = parseDeploymentSpec(input);
      return this.switchTo(spec, true);
    });
  }

  /** Restores the configuration before the last change (repeatable, back through 20 changes). */
  rollback(): Promise<ApplyResult> {
    return this.serialised(async () => {
      const previous = this.history.at(-1);
      if (!previous) {
        throw new GyreError("INVALID_STATE", `Deployment ${this.name} has no previous configuration.`);
      }
      const result = await this.switchTo(previous, false);
      this.history.pop();
      return result;
    });
  }

  /** Stops routing changes, then drains and releases every version. */
  close(): Promise<void> {
    return this.serialised(async () => {
      if (this.closed) return;
      this.closed = true;
      await Promise.all([...this.runtimes].map(([version, runtime]) => this.release(version, runtime)));
      this.runtimes.clear();
    });
  }

  private serialised<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(() => {
      if (this.closed) throw new GyreError("INVALID_STATE", `Deployment ${this.name} is closed.`);
      return change();
    });
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async switchTo(spec: DeploymentSpec, remember: boolean): Promise<ApplyResult> {
    const previous = this.table.spec;
    const wanted = specVersions(spec);
    const missing = wanted.filter((v) => !this.runtimes.has(v));
    let loaded: Map<string, ModelRuntime>;
    try {
      loaded = await loadAll(this.options, missing, this.runtimes);
    } catch (error) {
      const failure = new GyreError(
        "INVALID_STATE",
        `${(error as Error).message}. Deployment ${this.name} still serves ${describeSpec(previous)}.`,
        { cause: error },
      );
      this.error = { message: failure.message, at: new Date().toISOString() };
      this.options.observer?.failed?.(this.name, failure);
      throw failure;
    }
    for (const [version, runtime] of loaded) this.runtimes.set(version, runtime);
    // The switch: one assignment. Requests that already chose an arm keep it; new ones see the new table.
    this.table = new RoutingTable(this.name, spec, this.runtimes, this.versioned);
    if (remember) {
      this.history.push(previous);
      if (this.history.length > HISTORY) this.history.shift();
    }
    this.error = undefined;
    this.options.observer?.applied?.(this.name, spec, this.versioned);

    const keep = new Set(wanted);
    const stale = [...this.runtimes].filter(([version]) => !keep.has(version));
    for (const [version] of stale) this.runtimes.delete(version);
    // A route handler resolves a model and submits to it in one synchronous stretch; one turn
    // later nothing can still be about to submit to a replaced version, and drain covers the rest.
    await nextTurn();
    await Promise.all(stale.map(([version, runtime]) => this.release(version, runtime)));
    return { spec, previous, loaded: [...loaded.keys()], released: stale.map(([version]) => version) };
  }

  private async release(version: string, runtime: ModelRuntime): Promise<void> {
    await runtime.release();
    this.options.observer?.released?.(this.name, this.versioned ? version : undefined, runtime);
  }
}

/**
 * Loads and warms versions one after another (a server under load keeps its other core), all or
 * nothing: on a failure the versions loaded so far are released again.
 */
async function loadAll(
  options: DeploymentOptions,
  versions: readonly string[],
  existing: ReadonlyMap<string, ModelRuntime>,
): Promise<Map<string, ModelRuntime>> {
  const loaded = new Map<string, ModelRuntime>();
  const versioned = options.versioned ?? true;
  try {
    for (const version of versions) {
      if (existing.has(version) || loaded.has(version)) continue;
      const reported = versioned ? version : undefined;
      let runtime: ModelRuntime;
      try {
        const dir = await options.source.modelDir(version);
        const onRun = options.observer?.batchObserver?.(options.name, reported);
        runtime = await ModelRuntime.load(dir, {
          name: versioned ? `${options.name} version ${version}` : options.name,
          batching: { ...options.batching, ...(onRun ? { onRun } : {}) },
        });
      } catch (error) {
        throw new GyreError(
          "INVALID_STATE",
          `Cannot load ${options.name} version ${version}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      loaded.set(version, runtime);
      options.observer?.loaded?.(options.name, reported, runtime);
    }
  } catch (error) {
    await Promise.all(
      [...loaded].map(async ([version, runtime]) => {
        await runtime.release();
        options.observer?.released?.(options.name, versioned ? version : undefined, runtime);
      }),
    );
    throw error;
  }
  return loaded;
}
