import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServedModel } from "../registry-view.js";
import type { InputBatch } from "../runtime/input-schema.js";
import type { Prediction } from "../runtime/predictor.js";

export type Protocol = "v2" | "v1" | "mlflow";

/** What one inference request came to, told to the observer once its answer has been sent. */
export interface InferenceOutcome {
  readonly protocol: Protocol;
  readonly requestId: string;
  readonly status: number;
  /** Arrival, milliseconds since the epoch. */
  readonly receivedAt: number;
  /** From the handler's start (the request's arrival, for a body read in one turn) until the answer was written. */
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

export const REQUEST_ID_HEADER = "x-request-id";
/** A client-sent id is echoed only when it is short and printable (it goes back into a header). */
const SAFE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The request id of an answer, set once: the client's `x-request-id` when sane, else a new UUID.
 * Inference handlers set it first thing; error and not-found handlers set it if nobody did.
 */
export function requestIdOf(request: FastifyRequest, reply: FastifyReply): string {
  const set = reply.getHeader(REQUEST_ID_HEADER);
  if (typeof set === "string") return set;
  const id = requestIdFrom(request.headers);
  reply.header(REQUEST_ID_HEADER, id);
  return id;
}

/** The client's `x-request-id` when sane, else a new UUID. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const sent = headers[REQUEST_ID_HEADER];
  return typeof sent === "string" && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Filled in by an inference handler as it goes; read once the answer is out. */
export class InferenceRecord {
  served: ServedModel | undefined = undefined;
  batch: InputBatch | undefined = undefined;
  prediction: Prediction | undefined = undefined;
  /**
   * When the handler started (performance.now()): Fastify keeps no start time without hooks or
   * a logger, and a small body is read in the same event-loop turn the request arrives in.
   */
  readonly startedAt = performance.now();
  constructor(readonly requestId: string) {}
}

/**
 * A request decoration rather than a WeakMap or an ad-hoc property: Fastify declares it on its
 * request class, so every request object keeps one shape and the hot path stays monomorphic.
 */
const RECORD = "gyreInference";
type Carrier = { [RECORD]: InferenceRecord | null };

/**
 * A protocol scope's inference requests, observed without Fastify hooks (a hook costs every
 * request of the scope a few microseconds): a handler calls `start` first — the request gets its
 * id — and `finish` right after writing its answer; the scope's error handler calls `finish` for
 * the failures. Without an observer only the request id is set.
 */
export class Observation {
  private constructor(
    private readonly protocol: Protocol,
    private readonly observer: ServingObserver | undefined,
  ) {}

  static install(
    scope: FastifyInstance,
    protocol: Protocol,
    observer: ServingObserver | undefined,
  ): Observation {
    if (observer) scope.decorateRequest(RECORD, null);
    return new Observation(protocol, observer);
  }

  /** Marks the request as an inference; the record is undefined when nothing observes the scope. */
  start(request: FastifyRequest, reply: FastifyReply): InferenceRecord | undefined {
    const requestId = requestIdOf(request, reply);
    if (!this.observer) return undefined;
    const record = new InferenceRecord(requestId);
    (request as unknown as Carrier)[RECORD] = record;
    return record;
  }

  /** Tells the observer how an inference request ended; call once its answer has been written. */
  finish(request: FastifyRequest, reply: FastifyReply): void {
    const observer = this.observer;
    if (!observer) return;
    const carrier = request as unknown as Carrier;
    const record = carrier[RECORD];
    if (!record) return;
    carrier[RECORD] = null;
    report(observer, this.protocol, record, reply.statusCode);
  }
}

/** Hands one finished inference to the observer; never throws. */
export function report(
  observer: ServingObserver,
  protocol: Protocol,
  record: InferenceRecord,
  status: number,
): void {
  const latencyMs = performance.now() - record.startedAt;
  try {
    observer.onInference({
      protocol,
      requestId: record.requestId,
      status,
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
