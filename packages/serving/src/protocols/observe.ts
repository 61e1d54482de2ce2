import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServedModel } from "../registry-view.js";
import type { InputBatch } from "../runtime/input-schema.js";
import type { Prediction } from "../runtime/predictor.js";
import { REQUEST_ID_HEADER } from "./http.js";

export type Protocol = "v2" | "v1" | "mlflow";

/** What one inference request came to, told to the observer once its answer has been sent. */
export interface InferenceOutcome {
  readonly protocol: Protocol;
  readonly requestId: string;
  readonly status: number;
  /** Arrival, milliseconds since the epoch. */
  readonly receivedAt: number;
  /** From arrival until the answer was written. */
  readonly latencyMs: number;
  /** The model chosen for the request; absent when it failed before (unknown model, bad media type). */
  readonly served: ServedModel | undefined;
  /** The decoded inputs and the answer, when the prediction succeeded. */
  readonly batch: InputBatch | undefined;
  readonly prediction: Prediction | undefined;
}

/** Metrics and the prediction log hang off this; both must be cheap, and neither may throw. */
export interface ServingObserver {
  onInference(outcome: InferenceOutcome): void;
}

/** Filled in by an inference handler as it goes; read once the answer is out. */
export class InferenceRecord {
  served: ServedModel | undefined = undefined;
  batch: InputBatch | undefined = undefined;
  prediction: Prediction | undefined = undefined;
}

/**
 * A request decoration rather than a WeakMap or an ad-hoc property: Fastify declares it on its
 * request class, so every request object keeps one shape and the hot path stays monomorphic.
 */
const RECORD = "gyreInference";
type Carrier = { [RECORD]?: InferenceRecord | null };

/**
 * Observes a protocol scope's inference requests: handlers mark them with `startInference`, and
 * an onResponse hook hands the outcome to the observer. Without an observer nothing is installed,
 * so unobserved serving pays nothing.
 */
export function installObservation(
  scope: FastifyInstance,
  protocol: Protocol,
  observer: ServingObserver | undefined,
): void {
  if (!observer) return;
  scope.decorateRequest(RECORD, null);
  scope.addHook("onResponse", (request, reply, done) => {
    const record = (request as unknown as Carrier)[RECORD];
    if (record) notify(observer, protocol, record, reply);
    done();
  });
}

function notify(
  observer: ServingObserver,
  protocol: Protocol,
  record: InferenceRecord,
  reply: FastifyReply,
): void {
  const latencyMs = reply.elapsedTime;
  try {
    observer.onInference({
      protocol,
      requestId: String(reply.getHeader(REQUEST_ID_HEADER) ?? ""),
      status: reply.statusCode,
      receivedAt: Date.now() - latencyMs,
      latencyMs,
      served: record.served,
      batch: record.batch,
      prediction: record.prediction,
    });
  } catch {
    // Observation must never turn into a failed request; the observer counts its own troubles.
  }
}

/** Marks the request as an inference; undefined when the scope is not observed. */
export function startInference(request: FastifyRequest): InferenceRecord | undefined {
  const carrier = request as unknown as Carrier;
  if (carrier[RECORD] === undefined) return undefined;
  const record = new InferenceRecord();
  carrier[RECORD] = record;
  return record;
}
