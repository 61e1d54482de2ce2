import type { ServingMetrics } from "./metrics/serving-metrics.js";
import type { PredictionRecorder } from "./prediction-log/record.js";
import type { InferenceOutcome, ServingObserver } from "./protocols/observe.js";

/**
 * The routes' observer in a served process: every inference outcome goes to the metrics, and
 * every successful prediction to the prediction log with the request id, the model version and
 * arm that answered, and the request's latency.
 */
export class ServingTelemetry implements ServingObserver {
  constructor(
    private readonly metrics: ServingMetrics | undefined,
    private readonly log: PredictionRecorder | undefined,
  ) {}

  onInference(outcome: InferenceOutcome): void {
    this.metrics?.observeInference(outcome);
    const { served, batch, prediction } = outcome;
    if (!this.log || !served || !batch || !prediction) return;
    this.log.record({
      requestId: outcome.requestId,
      receivedAt: outcome.receivedAt,
      model: served.name,
      version: served.version,
      arm: served.arm,
      latencyMs: outcome.latencyMs,
      schema: served.predictor.schema,
      batch,
      prediction,
    });
  }
}
