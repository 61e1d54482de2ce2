import { GyreError, pipelines } from "@gyre/core";
import type { Gyre, Run } from "@gyre/sdk";
import { type Kind, kindProblem, type ValueOf } from "./kinds.js";
import { orderSteps } from "./validate.js";

const REF = Symbol.for("gyre.pipelines.ref");
const PIPELINE = Symbol.for("gyre.pipelines.definition");

/** An output of a step, used as another step's input: the edge the DAG is inferred from. */
export interface OutputRef<K extends Kind = Kind> {
  readonly [REF]: "output";
  readonly step: string;
  readonly output: string;
  readonly kind: K;
  /** The builder that made the reference; a reference into another pipeline is an error. */
  readonly owner: object;
}

/** A pipeline parameter, set per run (`--param name=value`) or defaulted. */
export interface ParamRef<K extends Kind = Kind> {
  readonly [REF]: "param";
  readonly name: string;
  readonly kind: K;
  readonly owner: object;
}

export type Ref = OutputRef | ParamRef;
/** A step input: another step's output, a parameter, or a literal JSON value. */
export type InputSpec =
  | Ref
  | string
  | number
  | boolean
  | null
  | readonly unknown[]
  | { readonly [k: string]: unknown };
export type InputsSpec = Record<string, InputSpec>;
export type OutputsSpec = Record<string, Kind>;

export type InputValue<T> =
  T extends OutputRef<infer K> ? ValueOf<K> : T extends ParamRef<infer K> ? ValueOf<K> : T;
export type ResolvedInputs<I extends InputsSpec> = { [N in keyof I]: InputValue<I[N]> };
export type StepOutputs<O extends OutputsSpec> = { [N in keyof O]: ValueOf<O[N]> };

export function isRef(value: unknown): value is Ref {
  return typeof value === "object" && value !== null && REF in value;
}
export function isOutputRef(value: unknown): value is OutputRef {
  return isRef(value) && value[REF] === "output";
}
export function isParamRef(value: unknown): value is ParamRef {
  return isRef(value) && value[REF] === "param";
}

/** What a step function receives. */
export interface StepContext<I extends InputsSpec = InputsSpec> {
  readonly inputs: ResolvedInputs<I>;
  /** Every pipeline parameter of this run. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The step's child MLflow run: log params, metrics, inputs, models to it. */
  readonly run: Run;
  readonly gyre: Gyre;
  /** Aborted when the step times out or the pipeline is cancelled. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly pipelineRunId: string;
  readonly step: string;
  /** A line in the step's log (streamed, and stored as the step run's artifact). */
  log(...parts: unknown[]): void;
}

/** What a step function returns: its outputs, or nothing when it declares none. */
export type StepReturn<O extends OutputsSpec> = [keyof O] extends [never]
  ? // biome-ignore lint/suspicious/noConfusingVoidType: a step without outputs may be a function returning nothing
    void | Record<never, never>
  : StepOutputs<O>;

export type StepFunction<I extends InputsSpec, O extends OutputsSpec> = (
  context: StepContext<I>,
) => StepReturn<O> | Promise<StepReturn<O>>;

export interface RetryPolicy {
  /** Attempts after the first; default 0. */
  retries: number;
  /** Delay before the first retry, doubled for each further one; default 1000 ms. */
  backoffMs: number;
  /** Longest delay between attempts; default 60 s. */
  maxBackoffMs: number;
  /** Per attempt; the step is aborted (its process killed) when it runs longer. */
  timeoutMs: number | undefined;
}

export interface Resources {
  /** CPU cores the step uses; executors run steps in parallel while their sum fits. Default 1. */
  cpu: number;
  /** Memory the step needs, in MiB; executors keep the sum within their budget. Default 0 (not counted). */
  memoryMb: number;
}

export interface StepOptions<I extends InputsSpec, O extends OutputsSpec> {
  inputs?: I;
  outputs?: O;
  /** Kinds the inputs must have: checked against the connected output or literal at definition time. */
  expects?: { [N in keyof I]?: Kind };
  /** Steps that must finish first although no data flows from them. */
  after?: readonly (string | StepHandle<OutputsSpec>)[];
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  resources?: Partial<Resources>;
  /** Part of the cache key: bump it to invalidate cached outputs when something the code uses changed. */
  version?: string;
  /** false: never reuse or store outputs of this step. Default true. */
  cache?: boolean;
  /**
   * Run a function step in a child process of its own: its memory is its own and a cancel or
   * timeout kills it. Needs the pipeline to be run from a module (the child imports it). Shell
   * steps always are processes.
   */
  isolate?: boolean;
}

export interface ShellOptions<I extends InputsSpec, O extends OutputsSpec> extends StepOptions<I, O> {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working directory; default the directory of the pipeline module (else the current one). */
  cwd?: string;
}

export interface StepHandle<O extends OutputsSpec> {
  readonly name: string;
  readonly outputs: { readonly [N in keyof O]: OutputRef<O[N]> };
}

export interface StepDef {
  readonly name: string;
  readonly type: "function" | "shell";
  readonly fn?: (context: StepContext) => unknown;
  readonly command?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly outputs: Readonly<Record<string, Kind>>;
  readonly expects: Readonly<Record<string, Kind>>;
  /** Every step this one waits for: inferred from its inputs plus `after`. */
  readonly dependsOn: readonly string[];
  readonly after: readonly string[];
  readonly policy: RetryPolicy;
  readonly resources: Resources;
  readonly version: string | undefined;
  readonly cache: boolean;
  /** A function step run in a child process by the local executor. */
  readonly isolate: boolean;
  /** The step's code identity for the cache key: function source or command. */
  readonly code: string;
}

export interface ParamDef {
  readonly name: string;
  readonly kind: Kind;
  readonly default: unknown;
  readonly required: boolean;
}

export interface PipelineDef {
  readonly [PIPELINE]: true;
  readonly name: string;
  /** In a topological order (dependencies first, otherwise definition order). */
  readonly steps: readonly StepDef[];
  readonly params: readonly ParamDef[];
  step(name: string): StepDef;
}

export function isPipeline(value: unknown): value is PipelineDef {
  return typeof value === "object" && value !== null && PIPELINE in value;
}

export interface PipelineBuilder {
  /** A parameter; without a default it is required at run time. */
  param<K extends Kind>(name: string, kind: K, defaultValue?: ValueOf<K>): ParamRef<K>;
  /** A TypeScript step. */
  step<I extends InputsSpec = Record<never, never>, O extends OutputsSpec = Record<never, never>>(
    name: string,
    options: StepOptions<I, O>,
    fn: StepFunction<NoInfer<I>, NoInfer<O>>,
  ): StepHandle<O>;
  /**
   * A shell command (`sh -c`). It gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_EXPERIMENT_ID
   * (so MLflow's client logs into the step's run), GYRE_INPUT_<NAME> per input, and writes its
   * outputs as a JSON object to the file named by $GYRE_OUTPUTS.
   */
  shell<I extends InputsSpec = Record<never, never>, O extends OutputsSpec = Record<never, never>>(
    name: string,
    command: string,
    options?: ShellOptions<I, O>,
  ): StepHandle<O>;
  /** A reference to an output of a step defined later (or anywhere) by name. */
  output<K extends Kind>(step: string, output: string, kind: K): OutputRef<K>;
}

const DEFAULT_POLICY = { retries: 0, backoffMs: 1000, maxBackoffMs: 60_000 } as const;

/** Function source without indentation or blank lines: re-indenting code keeps its cache entries. */
function codeText(source: string): string {
  return source
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("\n");
}

/** Raised for any definition mistake; lists every problem with the steps involved. */
function invalidPipeline(name: string, problems: readonly string[]): GyreError {
  return new GyreError(
    "INVALID_PARAMETER_VALUE",
    `Pipeline '${name}' is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
  );
}

/**
 * Defines a pipeline. The builder's steps are checked when it returns: names, references,
 * declared kinds and cycles; every problem is reported at once with the steps involved.
 */
export function pipeline(name: string, build: (p: PipelineBuilder) => void): PipelineDef {
  if (!pipelines.PIPELINE_NAME.test(name)) {
    throw invalidPipeline(name, [`the pipeline name ${pipelines.PIPELINE_NAME_RULE}`]);
  }
  const owner = {};
  const problems: string[] = [];
  const steps: StepDef[] = [];
  const params: ParamDef[] = [];
  const stepNames = new Set<string>();

  const outputsProxy = <O extends OutputsSpec>(step: string, outputs: O) =>
    new Proxy({} as { readonly [N in keyof O]: OutputRef<O[N]> }, {
      get(_target, property) {
        if (typeof property !== "string" || property === "then" || property === "toJSON") return undefined;
        const kind = outputs[property];
        if (kind === undefined) {
          const declared = Object.keys(outputs);
          throw invalidPipeline(name, [
            `step '${step}' has no output '${property}' (its outputs: ${declared.length ? declared.join(", ") : "none"})`,
          ]);
        }
        return { [REF]: "output", step, output: property, kind, owner } satisfies OutputRef;
      },
      ownKeys: () => Object.keys(outputs),
      getOwnPropertyDescriptor: (_t, property) =>
        typeof property === "string" && property in outputs
          ? { enumerable: true, configurable: true }
          : undefined,
    });

  const addStep = (
    stepName: string,
    type: StepDef["type"],
    options: ShellOptions<InputsSpec, OutputsSpec>,
    body: { fn?: StepDef["fn"]; command?: string },
  ): StepHandle<OutputsSpec> => {
    if (!pipelines.PIPELINE_NAME.test(stepName)) {
      problems.push(`step name '${stepName}' ${pipelines.PIPELINE_NAME_RULE}`);
    } else if (stepNames.has(stepName)) {
      problems.push(`step '${stepName}' is defined twice`);
    }
    stepNames.add(stepName);
    const outputs = { ...(options.outputs ?? {}) };
    const retries = options.retries ?? DEFAULT_POLICY.retries;
    if (!Number.isInteger(retries) || retries < 0)
      problems.push(`step '${stepName}': retries must be an integer ≥ 0`);
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      problems.push(`step '${stepName}': timeoutMs must be a positive number of milliseconds`);
    }
    const cpu = options.resources?.cpu ?? 1;
    const memoryMb = options.resources?.memoryMb ?? 0;
    if (!(cpu > 0)) problems.push(`step '${stepName}': resources.cpu must be positive`);
    if (!(memoryMb >= 0)) problems.push(`step '${stepName}': resources.memoryMb must be ≥ 0`);
    const after = (options.after ?? []).map((a) => (typeof a === "string" ? a : a.name));
    steps.push({
      name: stepName,
      type,
      fn: body.fn,
      command: body.command,
      env: { ...(options.env ?? {}) },
      cwd: options.cwd,
      inputs: { ...(options.inputs ?? {}) },
      outputs,
      expects: Object.fromEntries(
        Object.entries(options.expects ?? {}).filter((e): e is [string, Kind] => e[1] !== undefined),
      ),
      dependsOn: [],
      after,
      policy: {
        retries,
        backoffMs: options.backoffMs ?? DEFAULT_POLICY.backoffMs,
        maxBackoffMs: options.maxBackoffMs ?? DEFAULT_POLICY.maxBackoffMs,
        timeoutMs: options.timeoutMs,
      },
      resources: { cpu, memoryMb },
      version: options.version,
      cache: options.cache ?? true,
      isolate: type === "function" && options.isolate === true,
      code: body.command ?? codeText(String(body.fn)),
    });
    return { name: stepName, outputs: outputsProxy(stepName, outputs) };
  };

  const builder: PipelineBuilder = {
    param(paramName, kind, defaultValue) {
      if (params.some((p) => p.name === paramName))
        problems.push(`parameter '${paramName}' is defined twice`);
      if (defaultValue !== undefined) {
        const problem = kindProblem(kind, defaultValue);
        if (problem) problems.push(`parameter '${paramName}': its default ${problem}`);
      }
      params.push({ name: paramName, kind, default: defaultValue, required: defaultValue === undefined });
      return { [REF]: "param", name: paramName, kind, owner };
    },
    step(stepName, options, fn) {
      if (typeof fn !== "function") problems.push(`step '${stepName}' needs a function`);
      return addStep(stepName, "function", options as ShellOptions<InputsSpec, OutputsSpec>, {
        fn: fn as StepDef["fn"],
      }) as never;
    },
    shell(stepName, command, options = {}) {
      if (typeof command !== "string" || command.trim() === "") {
        problems.push(`step '${stepName}' needs a non-empty shell command`);
      }
      return addStep(stepName, "shell", options as ShellOptions<InputsSpec, OutputsSpec>, {
        command,
      }) as never;
    },
    output(step, output, kind) {
      return { [REF]: "output", step, output, kind, owner };
    },
  };

  build(builder);
  const ordered = orderSteps(steps, params, owner, problems);
  if (problems.length > 0) throw invalidPipeline(name, problems);
  const byName = new Map(ordered.map((s) => [s.name, s]));
  return {
    [PIPELINE]: true,
    name,
    steps: ordered,
    params,
    step(stepName) {
      const step = byName.get(stepName);
      if (!step)
        throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Pipeline '${name}' has no step '${stepName}'.`);
      return step;
    },
  };
}
