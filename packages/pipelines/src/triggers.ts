import { resolve } from "node:path";
import { GyreError, type pipelines } from "@gyre/core";
import type { Gyre } from "@gyre/sdk";
import { PipelinesClient } from "@gyre/sdk";
import { Cron } from "croner";
import { loadPipelineModule } from "./module-loader.js";
import { resolveParams } from "./params.js";

export interface TriggerDefinition {
  /** The trigger's own name (unique). */
  name: string;
  /** The pipeline module (.ts/.js); stored as an absolute path. */
  module: string;
  /** The pipeline's name, when the module exports several. */
  pipeline?: string;
  /** When to run: `{kind: "cron", cron}`, `{kind: "dataset", dataset}`, `{kind: "registry", model, events?, alias?}`, `{kind: "alert", monitor?}`. */
  spec: pipelines.TriggerSpecInput;
  /** Parameters every fired run gets (text, as on the command line). */
  params?: Record<string, string>;
  /** "local" or "postgres": which executor the scheduler runs the fired pipeline with. */
  executor?: string;
}

/** Parameters a fired run receives besides its own: what the event was. */
export const EVENT_PARAMS = [
  "trigger_dataset",
  "trigger_model",
  "trigger_event",
  "trigger_alias",
  "trigger_alert_id",
  "trigger_monitor",
  "trigger_time",
] as const;

/** A croner schedule, or an error naming the field and the rule. */
export function parseCron(expression: string, timezone?: string): Cron {
  try {
    return new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
  } catch (error) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `spec.cron: '${expression}' is not a cron expression (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

/**
 * Registers a trigger after checking what can be checked here: the module loads and holds the
 * pipeline, the parameters fit it, the cron expression parses. Events before now never fire it.
 */
export async function createTrigger(
  gyre: Gyre,
  definition: TriggerDefinition,
): Promise<pipelines.PipelineTrigger> {
  const { def, module } = await loadPipelineModule(definition.module, definition.pipeline);
  const params = definition.params ?? {};
  // Event parameters are filled per event; the rest must fit the pipeline now.
  const declared = new Set(def.params.map((p) => p.name));
  const eventFilled = Object.fromEntries(
    EVENT_PARAMS.filter((name) => declared.has(name)).map((name) => [name, placeholder(def, name)]),
  );
  resolveParams(def, { ...eventFilled, ...params });
  if (definition.spec.kind === "cron") parseCron(definition.spec.cron, definition.spec.timezone);
  return new PipelinesClient(gyre.client).createTrigger({
    name: definition.name,
    pipeline: def.name,
    module: resolve(module),
    spec: definition.spec,
    params,
    executor: definition.executor ?? "local",
  });
}

/** A value of the parameter's kind, standing in for the event's until it happens. */
function placeholder(def: { params: readonly { name: string; kind: string }[] }, name: string): unknown {
  const kind = def.params.find((p) => p.name === name)?.kind;
  if (kind === "dataset") return "datasets:/placeholder/1";
  if (kind === "model") return "models:/placeholder/1";
  if (kind === "number") return 0;
  if (kind === "boolean") return false;
  return "placeholder";
}

/** The latest cron tick after `after` and no later than `now`, if any (missed ticks collapse into one). */
export function dueTick(cron: Cron, after: number, now: number): number | undefined {
  let due: number | undefined;
  let next = cron.nextRun(new Date(after));
  for (let i = 0; next && next.getTime() <= now && i < 10_000; i++) {
    due = next.getTime();
    next = cron.nextRun(next);
  }
  return due;
}
