import type { InferenceOutcome, ServingObserver } from "@gyre/serving";
import type { PredictionStore, RequestCountRow } from "../store/prediction-store.js";
import type { ModelOf } from "./serving-sink.js";

const MINUTE = 60_000;
/** Distinct (minute, deployment, version, arm) keys held between flushes; more are dropped and counted. */
const MAX_KEYS = 10_000;

interface Tally {
  requests: number;
  errors: number;
  invalid: number;
}

/**
 * Per-minute request, error and signature-violation counts of the server's deployments: the
 * prediction log only holds successful predictions, so error rates come from here. Counting is
 * one map update after the answer has gone out; the counts are written every `flushMs` (and on
 * close). A failed write keeps the counts for the next try.
 */
export class RequestCounter implements ServingObserver {
  private tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  /** Outcomes not counted because the key table was full. */
  dropped = 0;

  constructor(
    private readonly store: PredictionStore,
    private readonly modelOf: ModelOf,
    flushMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  onInference(outcome: InferenceOutcome): void {
    const served = outcome.served;
    if (!served) return;
    const minute = Math.floor(outcome.receivedAt / MINUTE) * MINUTE;
    const key = `${minute}\u0001${served.name}\u0001${served.version ?? ""}\u0001${served.arm ?? ""}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      if (this.tallies.size >= MAX_KEYS) {
        this.dropped++;
        return;
      }
      tally = { requests: 0, errors: 0, invalid: 0 };
      this.tallies.set(key, tally);
    }
    tally.requests++;
    if (outcome.status >= 400) tally.errors++;
    // The model was chosen, then the inputs were refused: a signature violation.
    if (outcome.status === 400) tally.invalid++;
  }

  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.tallies.size === 0) return;
    const taken = this.tallies;
    this.tallies = new Map();
    const rows: RequestCountRow[] = [...taken].map(([key, tally]) => {
      const [minute, deployment, version, arm] = key.split("\u0001") as [string, string, string, string];
      return {
        minute: Number(minute),
        model: this.modelOf(deployment) ?? deployment,
        deployment,
        version: version || null,
        arm: arm || null,
        ...tally,
      };
    });
    try {
      await this.store.appendRequestCounts(rows);
    } catch (error) {
      // Put the counts back (merged with what arrived meanwhile) for the next flush.
      for (const [key, tally] of taken) {
        const now = this.tallies.get(key);
        if (now) {
          now.requests += tally.requests;
          now.errors += tally.errors;
          now.invalid += tally.invalid;
        } else this.tallies.set(key, tally);
      }
      this.onError(error);
    }
  }
}
