import { GyreError, monitoring } from "@gyre/core";
import type { Gyre } from "@gyre/sdk";

/**
 * The online half of the gate: once the challenger serves a share of live traffic (canary) or
 * mirrors it (shadow), compare both versions on the labelled predictions the prediction store holds.
 */

export interface OnlineJudgeInput {
  readonly gyre: Gyre;
  readonly deployment: string;
  readonly championVersion: string;
  readonly challengerVersion: string;
  /** `accuracy` or `log_loss` (needs a `probabilities` output). */
  readonly metric: string;
  /** How much worse than the champion the challenger may be, in the metric's units. */
  readonly maxDrop: number;
  /** Labelled predictions each version needs before a verdict. */
  readonly minLabels: number;
  /** Without enough labels by then, the challenger is rolled back. */
  readonly timeoutMs: number;
  /** Only predictions from this time on (ms) count: the challenger's time in traffic. */
  readonly since: number;
  readonly signal: AbortSignal;
  log(...parts: unknown[]): void;
  /** Between polls of the prediction store; default 1000 ms. */
  readonly pollMs?: number;
}

export interface OnlineVerdict {
  readonly promote: boolean;
  readonly reason: string;
  readonly champion?: OnlineFigure;
  readonly challenger?: OnlineFigure;
}

export interface OnlineFigure {
  readonly labelled: number;
  readonly value: number;
}

type StoredPrediction = { outputs: Record<string, unknown>; label?: unknown };

/** Accuracy of the `label` output, or log loss of `probabilities` against the class index, over labelled rows. */
export function onlineMetric(metric: string, rows: readonly StoredPrediction[]): number {
  if (metric === "accuracy") {
    let hits = 0;
    for (const row of rows) if (String(row.outputs.label) === String(row.label)) hits++;
    return rows.length === 0 ? Number.NaN : hits / rows.length;
  }
  if (metric === "log_loss") {
    const eps = 2.220446049250313e-16;
    let total = 0;
    for (const row of rows) {
      const probabilities = row.outputs.probabilities as number[] | undefined;
      const index = Number(row.label);
      const p = probabilities?.[index];
      if (p === undefined)
        throw new GyreError(
          "INVALID_PARAMETER_VALUE",
          "log_loss needs a 'probabilities' output and integer class labels.",
        );
      total -= Math.log(Math.min(1 - eps, Math.max(eps, p)));
    }
    return rows.length === 0 ? Number.NaN : total / rows.length;
  }
  throw new GyreError(
    "INVALID_PARAMETER_VALUE",
    `Parameter 'online_metric' is accuracy or log_loss, got '${metric}'.`,
  );
}

async function labelled(input: OnlineJudgeInput, version: string): Promise<StoredPrediction[]> {
  const { predictions } = await input.gyre.client.call(monitoring.searchPredictions, {
    deployment: input.deployment,
    version,
    start_time: input.since,
    labeled_only: true,
    max_results: 100_000,
  });
  return predictions;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** Polls the prediction store until both versions have `minLabels` labelled predictions, then compares. */
export async function judgeByMonitoring(input: OnlineJudgeInput): Promise<OnlineVerdict> {
  const deadline = Date.now() + input.timeoutMs;
  const lowerIsBetter = input.metric === "log_loss";
  for (;;) {
    input.signal.throwIfAborted();
    const [theirs, mine] = await Promise.all([
      labelled(input, input.championVersion),
      labelled(input, input.challengerVersion),
    ]);
    if (theirs.length >= input.minLabels && mine.length >= input.minLabels) {
      const champion = { labelled: theirs.length, value: onlineMetric(input.metric, theirs) };
      const challenger = { labelled: mine.length, value: onlineMetric(input.metric, mine) };
      const worse = lowerIsBetter ? challenger.value - champion.value : champion.value - challenger.value;
      const promote = worse <= input.maxDrop;
      const reason = `online ${input.metric} ${challenger.value.toFixed(4)} (${challenger.labelled} labelled) vs champion ${champion.value.toFixed(4)} (${champion.labelled}); allowed worsening ${input.maxDrop}`;
      return { promote, reason, champion, challenger };
    }
    input.log(
      `waiting for labels: champion ${theirs.length}, challenger ${mine.length} of ${input.minLabels}`,
    );
    if (Date.now() >= deadline) {
      return {
        promote: false,
        reason: `not enough labelled traffic within ${Math.round(input.timeoutMs / 1000)} s (champion ${theirs.length}, challenger ${mine.length}, need ${input.minLabels})`,
      };
    }
    await sleep(input.pollMs ?? 1000, input.signal);
  }
}
