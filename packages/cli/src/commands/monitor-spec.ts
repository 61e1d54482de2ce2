import { readFile } from "node:fs/promises";
import type { monitoring } from "@gyre/sdk";
import { UsageError } from "../usage-error.js";

type SpecInput = Record<string, unknown>;

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. */
export function durationSeconds(flag: string, text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || "s"]! : Number.NaN;
  if (!(seconds > 0)) throw new UsageError(`${flag} takes a duration like 90s, 15m, 1h or 7d, got '${text}'`);
  return seconds;
}

/** `metric=number` pairs of --min / --max. */
function bounds(flag: string, items: readonly string[] | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const text of items ?? []) {
    const at = text.indexOf("=");
    const value = at > 0 ? Number(text.slice(at + 1)) : Number.NaN;
    if (!(at > 0) || text.slice(at + 1).trim() === "" || !Number.isFinite(value))
      throw new UsageError(`${flag} takes METRIC=NUMBER, e.g. accuracy=0.9, got '${text}'`);
    out.set(text.slice(0, at), value);
  }
  return out;
}

/** A time for --window-end and reference windows: ms since the epoch or an ISO 8601 date. */
export function timeOf(flag: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new UsageError(`${flag} takes an ISO 8601 time or ms since the epoch, got '${text}'`);
  return ms;
}

/** `training` | `dataset:name@3` | `window:START/END` (ISO times or ms). */
function reference(text: string): SpecInput {
  if (text === "training") return { kind: "training" };
  if (text.startsWith("dataset:")) return { kind: "dataset", dataset: text.slice("dataset:".length) };
  if (text.startsWith("window:")) {
    const [start, end] = text.slice("window:".length).split("/");
    if (start === undefined || end === undefined)
      throw new UsageError(`--reference window: takes START/END, got '${text}'`);
    return { kind: "window", start: timeOf("--reference", start), end: timeOf("--reference", end) };
  }
  throw new UsageError(`--reference is training, dataset:NAME[@VERSION] or window:START/END, got '${text}'`);
}

export interface MonitorFlags {
  model?: string | undefined;
  deployment?: string | undefined;
  version?: string | undefined;
  arm?: string | undefined;
  schedule?: string | undefined;
  window?: string | undefined;
  min?: string[] | undefined;
  max?: string[] | undefined;
  task?: string | undefined;
  reference?: string | undefined;
  "fire-after"?: string | undefined;
  "resolve-after"?: string | undefined;
  webhook?: string[] | undefined;
  "webhook-secret"?: string | undefined;
  "no-drift"?: boolean | undefined;
  method?: string[] | undefined;
  "target-column"?: string | undefined;
  spec?: string | undefined;
}

/** `column=method` pairs of --method. */
function methods(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of items) {
    const at = text.lastIndexOf("=");
    if (!(at > 0) || at === text.length - 1)
      throw new UsageError(`--method takes COLUMN=METHOD, e.g. age=psi, got '${text}'`);
    out[text.slice(0, at)] = text.slice(at + 1);
  }
  return out;
}

/**
 * A monitor spec from flags, on top of an optional JSON file (--spec); the server validates the
 * result and names any bad field. Thresholds: --min accuracy=0.9 breaches below 0.9, --max
 * latency_p99_ms=50 above 50.
 */
export async function specFromFlags(flags: MonitorFlags): Promise<monitoring.MonitorSpecInput> {
  const base: SpecInput = flags.spec ? (JSON.parse(await readFile(flags.spec, "utf8")) as SpecInput) : {};
  const target: SpecInput = { ...(base.target as SpecInput | undefined) };
  if (flags.model !== undefined) target.model = flags.model;
  if (flags.deployment !== undefined) target.deployment = flags.deployment;
  if (flags.version !== undefined) target.version = flags.version;
  if (flags.arm !== undefined) target.arm = flags.arm;
  if (target.model === undefined && target.deployment === undefined)
    throw new UsageError("name what to monitor: --model NAME or --deployment NAME");
  const spec: SpecInput = { ...base, target };
  if (flags.schedule !== undefined) spec.schedule = flags.schedule;
  if (flags.window !== undefined) spec.window_seconds = durationSeconds("--window", flags.window);
  if (flags.task !== undefined) spec.task = flags.task;
  if (flags.reference !== undefined) spec.reference = reference(flags.reference);
  const mins = bounds("--min", flags.min);
  const maxs = bounds("--max", flags.max);
  if (mins.size + maxs.size > 0) {
    const metrics = [...new Set([...mins.keys(), ...maxs.keys()])];
    spec.thresholds = [
      ...((base.thresholds as unknown[] | undefined) ?? []),
      ...metrics.map((metric) => ({
        metric,
        ...(mins.has(metric) ? { min: mins.get(metric) } : {}),
        ...(maxs.has(metric) ? { max: maxs.get(metric) } : {}),
      })),
    ];
  }
  const alert = { ...(base.alert as SpecInput | undefined) };
  if (flags["fire-after"] !== undefined) alert.fire_after = Number(flags["fire-after"]);
  if (flags["resolve-after"] !== undefined) alert.resolve_after = Number(flags["resolve-after"]);
  if (Object.keys(alert).length > 0) spec.alert = alert;
  if (flags.webhook?.length) {
    spec.webhooks = [
      ...((base.webhooks as unknown[] | undefined) ?? []),
      ...flags.webhook.map((url) => ({
        url,
        ...(flags["webhook-secret"] ? { secret: flags["webhook-secret"] } : {}),
      })),
    ];
  } else if (flags["webhook-secret"]) throw new UsageError("--webhook-secret goes with --webhook");
  const drift: SpecInput = { ...(base.drift as SpecInput | undefined) };
  if (flags["no-drift"]) drift.enabled = false;
  if (flags["target-column"] !== undefined) drift.target_column = flags["target-column"];
  if (flags.method?.length)
    drift.methods = { ...(drift.methods as SpecInput | undefined), ...methods(flags.method) };
  if (Object.keys(drift).length > 0) spec.drift = drift;
  return spec as monitoring.MonitorSpecInput;
}
