import { GyreError } from "@gyre/core";
import type { Executor, PipelineDef, PipelineResult, RunPipelineOptions } from "@gyre/pipelines";
import { PipelinesClient } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { type CliContext, printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { PipelineView } from "./pipelines-progress.js";
import { withTrackingServer } from "./pipelines-tracking.js";

/** `--param k=v` flags as a record; a flag without '=' is a usage error naming it. */
export function parseParamFlags(flags: readonly string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const flag of flags ?? []) {
    const at = flag.indexOf("=");
    if (at <= 0) throw new UsageError(`--param must be NAME=VALUE, got '${flag}'`);
    params[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return params;
}

export interface ExecutorFlags {
  executor: string | undefined;
  queueUri: string | undefined;
  maxParallel: number | undefined;
}

/** The executor the flags name: local (default) or postgres (pg-boss queue at --queue-uri / $GYRE_QUEUE_URI). */
export async function executorFromFlags(flags: ExecutorFlags, context: CliContext): Promise<Executor> {
  const kind = flags.executor ?? "local";
  // Loaded when used: the pipelines engine (and pg-boss) stay out of every other command's start-up.
  const { LocalExecutor } = await import("@gyre/pipelines");
  if (kind === "local") return new LocalExecutor({ maxParallel: flags.maxParallel, env: context.env });
  if (kind !== "postgres") throw new UsageError(`--executor must be local or postgres, got '${kind}'`);
  const queueUri = flags.queueUri ?? context.env.GYRE_QUEUE_URI;
  if (!queueUri)
    throw new UsageError("--executor postgres needs --queue-uri postgresql://… (or $GYRE_QUEUE_URI)");
  if (!/^postgres(ql)?:\/\//i.test(queueUri)) {
    throw new UsageError("--queue-uri must be a postgresql:// URI");
  }
  const { PgBossExecutor } = await import("@gyre/pipelines");
  return PgBossExecutor.start({ connectionString: queueUri });
}

export const EXECUTOR_OPTIONS = {
  executor: { type: "string" },
  "queue-uri": { type: "string" },
  "max-parallel": { type: "string" },
} as const;

export const EXECUTOR_OPTION_HELP = [
  ["--executor KIND", "local (this process and its children; default) or postgres (gyre worker processes)"],
  ["--queue-uri URI", "postgresql://… of the job queue for --executor postgres (default: $GYRE_QUEUE_URI)"],
  ["--max-parallel N", "Local executor: CPU budget for steps running at once (default: the cores)"],
] as const;

export const pipelinesRunCommand = defineCommand({
  words: ["pipelines", "run"],
  arguments: ["FILE"],
  summary: "Run a pipeline module (.ts or .js): live per-step progress, logs, cached steps reused.",
  options: {
    param: { type: "string", multiple: true },
    "no-cache": { type: "boolean" },
    name: { type: "string" },
    experiment: { type: "string" },
    ...EXECUTOR_OPTIONS,
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--param NAME=VALUE", "A pipeline parameter; repeat for more"],
    ["--no-cache", "Re-run every step even when its inputs and code are unchanged"],
    ["--name PIPELINE", "The pipeline to run when the module exports several"],
    ["--experiment NAME", "MLflow experiment of the runs (default: the pipeline's name)"],
    ...EXECUTOR_OPTION_HELP,
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals }, context) {
    const [file = ""] = positionals;
    const params = parseParamFlags(values.param);
    const { loadPipelineModule, resolveParams } = await import("@gyre/pipelines");
    const { def, module } = await loadPipelineModule(file, values.name);
    try {
      resolveParams(def, params);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    await runWithView(def, module, values, context, {
      params,
      noCache: values["no-cache"] === true,
      experiment: values.experiment,
    });
  },
});

export const pipelinesResumeCommand = defineCommand({
  words: ["pipelines", "resume"],
  arguments: ["ID"],
  summary:
    "Resume a run whose coordinator stopped: finished steps keep their outputs, queued jobs are re-attached.",
  options: { ...EXECUTOR_OPTIONS, ...TRACKING_OPTIONS },
  optionHelp: [...EXECUTOR_OPTION_HELP, ...TRACKING_OPTION_HELP],
  async run({ values, positionals }, context) {
    const [id = ""] = positionals;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const record = await withTracking(target, (gyre) => new PipelinesClient(gyre.client).getRun(id));
    if (!record.module) {
      throw new GyreError(
        "INVALID_STATE",
        `Pipeline run '${id}' did not record its module; it cannot be resumed.`,
      );
    }
    const { loadPipelineModule } = await import("@gyre/pipelines");
    const { def, module } = await loadPipelineModule(record.module, record.name);
    await runWithView(def, module, { ...values, executor: values.executor ?? record.executor }, context, {
      resume: id,
    });
  },
});

interface RunFlags {
  executor?: string | undefined;
  "queue-uri"?: string | undefined;
  "max-parallel"?: string | undefined;
  "tracking-uri"?: string | undefined;
  json?: boolean | undefined;
}

/** Runs (or resumes) with the live view, prints the summary, and fails unless the run succeeded. */
async function runWithView(
  def: PipelineDef,
  module: string,
  values: RunFlags,
  context: CliContext,
  run: Pick<RunPipelineOptions, "params" | "noCache" | "experiment" | "resume">,
): Promise<void> {
  const maxParallel = integerFlag("max-parallel", values["max-parallel"], 1, 1024);
  const target = resolveTrackingTarget(values["tracking-uri"], context.env);
  const executor = await executorFromFlags(
    { executor: values.executor, queueUri: values["queue-uri"], maxParallel },
    context,
  );
  if (executor.kind !== "local" && target.kind === "in-process") {
    printLine(
      context.stderr,
      "note: the store is served on a loopback port while this runs, so only workers on this machine can log to it; give --tracking-uri http://… of a gyre server for workers elsewhere.",
    );
  }
  const { runPipeline } = await import("@gyre/pipelines");
  const view = new PipelineView(
    {
      write: values.json ? context.stderr : context.stdout,
      isTTY: !values.json && process.stdout.isTTY === true,
    },
    def.steps.map((s) => s.name),
  );
  const cancel = new AbortController();
  void context.untilShutdown().then(() => cancel.abort());
  let result: PipelineResult;
  try {
    view.start();
    result = await withTrackingServer(target, (uri, gyre) =>
      runPipeline(def, {
        ...run,
        trackingUri: uri,
        gyre,
        executor,
        module,
        signal: cancel.signal,
        onEvent: view.handle,
      }),
    );
  } finally {
    view.finish();
    await executor.close();
  }
  if (values.json) printJson(context, result);
  else printLine(context.stdout, summary(result));
  if (result.status !== "SUCCEEDED") {
    throw new GyreError(
      "INVALID_STATE",
      `pipeline run ${result.id} ${result.status}${result.error ? `: ${result.error}` : ""}`,
    );
  }
}

function summary(result: PipelineResult): string {
  const steps = Object.values(result.steps);
  const cached = steps.filter((s) => s.cached).length;
  return `Pipeline ${result.name} ${result.status}: run ${result.id} (MLflow run ${result.runId}), ${steps.length} steps${
    cached > 0 ? `, ${cached} cached` : ""
  }.${result.error ? ` ${result.error}.` : ""}\nShow it with: gyre pipelines show ${result.id}`;
}
