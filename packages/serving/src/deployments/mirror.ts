import type { PredictionRecorder } from "../prediction-log/record.js";
import type { RequestContext, ServedModel } from "../registry-view.js";
import type { InputBatch, InputSchema } from "../runtime/input-schema.js";
import type { Prediction, Predictor } from "../runtime/predictor.js";
import { diffPredictions, type PredictionDiff } from "./diff.js";
import type { ShadowRoute } from "./routing-table.js";

/** What became of one mirrored request. */
export interface ShadowOutcome {
  readonly deployment: string;
  /** The shadow's version, and the version whose answer was returned. */
  readonly version: string | undefined;
  readonly primaryVersion: string | undefined;
  readonly requestId: string;
  readonly latencyMs: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly diff?: PredictionDiff;
}

/** Whether a batch decoded for one model can be fed to another: the same feeds, in order. */
function sameFeeds(a: InputSchema, b: InputSchema): boolean {
  if (a === b) return true;
  return (
    a.feeds.length === b.feeds.length &&
    a.feeds.every((feed, i) => {
      const other = b.feeds[i]!;
      return (
        feed.name === other.name &&
        feed.type === other.type &&
        feed.rowShape.length === other.rowShape.length &&
        feed.rowShape.every((d, j) => d === other.rowShape[j] || d < 0 || other.rowShape[j]! < 0)
      );
    })
  );
}

/**
 * Sends copies of requests to shadow versions once the primary has answered, diffs the answers
 * and logs them. Nothing here can reach the client: the primary's answer is already settled,
 * and every shadow failure ends in the log and the outcome callback.
 */
export class Mirror {
  constructor(
    private readonly deployment: string,
    private readonly log: PredictionRecorder | undefined,
    private readonly onOutcome: ((outcome: ShadowOutcome) => void) | undefined,
  ) {}

  start(
    primary: ServedModel,
    shadows: readonly ShadowRoute[],
    batch: InputBatch,
    answer: Prediction,
    context: RequestContext,
  ): void {
    for (const shadow of shadows) void this.one(primary, shadow.served, batch, answer, context);
  }

  private async one(
    primary: ServedModel,
    shadow: ServedModel,
    batch: InputBatch,
    answer: Prediction,
    context: RequestContext,
  ): Promise<void> {
    const receivedAt = Date.now();
    const started = performance.now();
    let prediction: Prediction | undefined;
    let diff: PredictionDiff | undefined;
    let error: string | undefined;
    try {
      if (!sameFeeds(primary.predictor.schema, shadow.predictor.schema)) {
        throw new Error(
          `its inputs (${describeFeeds(shadow.predictor.schema)}) differ from version ${primary.version ?? "?"}'s (${describeFeeds(primary.predictor.schema)})`,
        );
      }
      prediction = await shadow.predictor.predict(batch);
      diff = diffPredictions(answer, prediction);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const latencyMs = performance.now() - started;
    try {
      this.log?.record({
        requestId: context.requestId,
        receivedAt,
        model: this.deployment,
        version: shadow.version,
        arm: "shadow",
        latencyMs,
        schema: shadow.predictor.schema,
        batch,
        prediction,
        shadow: { primaryVersion: primary.version, ...(diff ? { diff } : {}), ...(error ? { error } : {}) },
      });
      this.onOutcome?.({
        deployment: this.deployment,
        version: shadow.version,
        primaryVersion: primary.version,
        requestId: context.requestId,
        latencyMs,
        ok: error === undefined,
        ...(error === undefined ? {} : { error }),
        ...(diff ? { diff } : {}),
      });
    } catch {
      // A broken observer must not become an unhandled rejection.
    }
  }
}

function describeFeeds(schema: InputSchema): string {
  return schema.feeds.map((f) => `'${f.name}' ${f.type}[-1, ${f.rowShape.join(", ")}]`).join(", ");
}

/**
 * What a mirrored request is served by: the chosen arm's predictor, which starts the shadows
 * once it has answered. Made per mirrored request only; the others get the arm itself.
 */
export class MirroringPredictor implements Predictor {
  constructor(
    private readonly primary: ServedModel,
    private readonly shadows: readonly ShadowRoute[],
    private readonly context: RequestContext,
    private readonly mirror: Mirror,
  ) {}

  get schema() {
    return this.primary.predictor.schema;
  }
  get outputs() {
    return this.primary.predictor.outputs;
  }
  get signature() {
    return this.primary.predictor.signature;
  }
  get signatureDeclared() {
    return this.primary.predictor.signatureDeclared;
  }
  get ready() {
    return this.primary.predictor.ready;
  }

  predict(batch: InputBatch): Promise<Prediction> {
    const answer = this.primary.predictor.predict(batch);
    answer.then(
      (prediction) => this.mirror.start(this.primary, this.shadows, batch, prediction, this.context),
      // The primary's failure is the client's answer; there is nothing to compare a shadow with.
      () => undefined,
    );
    return answer;
  }
}
