import type { AnsweredFigures, OperationalFigures, OperationalRow } from "./prediction-store.js";
import { unblank } from "./sql-text.js";

type Row = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const maybe = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Joins per-(version, arm) latency figures (from the logged predictions, `OPERATIONAL_SELECT`'s
 * rows) with request counts (from serving's per-minute counters), both backends' rows alike;
 * sorted by version, then arm.
 */
export function mergeOperational(latency: readonly Row[], counts: readonly Row[]): OperationalFigures {
  const out = new Map<string, OperationalRow>();
  const key = (r: Row) => `${r.version ?? ""}\u0001${r.arm ?? ""}`;
  let answered: AnsweredFigures = { requests: 0, rows: 0, latency_p50_ms: null, latency_p99_ms: null };
  for (const r of latency) {
    if (r.answered === true) {
      answered = {
        requests: num(r.requests),
        rows: num(r.rows),
        latency_p50_ms: maybe(r.p50),
        latency_p99_ms: maybe(r.p99),
      };
      continue;
    }
    out.set(key(r), {
      version: unblank(r.version),
      arm: unblank(r.arm),
      requests: num(r.requests),
      rows: num(r.rows),
      latency_p50_ms: maybe(r.p50),
      latency_p99_ms: maybe(r.p99),
      counted_requests: 0,
      errors: 0,
      invalid: 0,
    });
  }
  for (const r of counts) {
    const k = key(r);
    const base = out.get(k) ?? {
      version: unblank(r.version),
      arm: unblank(r.arm),
      requests: 0,
      rows: 0,
      latency_p50_ms: null,
      latency_p99_ms: null,
      counted_requests: 0,
      errors: 0,
      invalid: 0,
    };
    out.set(k, {
      ...base,
      counted_requests: base.counted_requests + num(r.requests),
      errors: base.errors + num(r.errors),
      invalid: base.invalid + num(r.invalid),
    });
  }
  const byVersion = [...out.values()].sort(
    (a, b) => compare(a.version ?? "", b.version ?? "") || compare(a.arm ?? "", b.arm ?? ""),
  );
  return { by_version: byVersion, answered };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
