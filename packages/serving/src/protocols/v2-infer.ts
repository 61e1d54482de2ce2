import type { ModelRegistryView, RequestContext } from "../registry-view.js";
import { HEADER_LENGTH_HEADER } from "./binary-tensors.js";
import type { V2InferenceRequest } from "./contracts.js";
import { invalid } from "./decode.js";
import { resolveModel } from "./http.js";
import type { InferenceRecord } from "./observe.js";
import { decodeV2Inputs, encodeV2Response } from "./v2.js";
import { parseV2InferenceRequest } from "./v2-request.js";

/** One inference request, whichever HTTP layer received it. */
export interface V2Call {
  readonly view: ModelRegistryView;
  readonly name: string;
  readonly version: string | undefined;
  readonly context: RequestContext;
  readonly body: Buffer;
  /** Filled in as the call goes, when the request is observed. */
  readonly record: InferenceRecord | undefined;
}

/** The successful answer: JSON text, or the JSON header and binary outputs. */
export interface V2Reply {
  readonly contentType: "application/json" | "application/octet-stream";
  readonly payload: string | Buffer;
  /** The JSON header's byte length, for `inference-header-content-length` (binary answers). */
  readonly headerLength: number | undefined;
}

/** The JSON header and the binary part of an inference request body. */
function splitBody(
  body: Buffer,
  header: string | string[] | undefined,
): { json: V2InferenceRequest; binary: Uint8Array | undefined } {
  let text: string;
  let binary: Uint8Array | undefined;
  if (header === undefined) {
    text = body.toString("utf8");
  } else {
    const length = Number(header);
    if (!Number.isInteger(length) || length < 0 || length > body.length) {
      throw invalid(
        `${HEADER_LENGTH_HEADER} ${JSON.stringify(header)} is not a length within the ${body.length}-byte body.`,
      );
    }
    text = body.toString("utf8", 0, length);
    binary = body.subarray(length);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`Malformed JSON request body: ${(error as Error).message}`);
  }
  return { json: parseV2InferenceRequest(parsed), binary };
}

/**
 * Open Inference Protocol inference, independent of the HTTP layer: the Fastify route and
 * `gyre serve`'s raw fast path both answer through it. Failures throw GyreErrors.
 */
export async function inferV2(call: V2Call): Promise<V2Reply> {
  const { record, context } = call;
  const served = resolveModel(call.view, call.name, call.version, context);
  if (record) record.served = served;
  const { json, binary } = splitBody(call.body, context.headers[HEADER_LENGTH_HEADER]);
  const predictor = served.predictor;
  const batch = decodeV2Inputs(predictor.schema, json, binary);
  const prediction = await predictor.predict(batch);
  if (record) {
    record.batch = batch;
    record.prediction = prediction;
  }
  const answer = encodeV2Response(
    json,
    prediction,
    { name: served.name, version: served.version, outputs: predictor.outputs },
    context.requestId,
  );
  if (answer.binary.length === 0) {
    return { contentType: "application/json", payload: answer.json, headerLength: undefined };
  }
  const header = Buffer.from(answer.json, "utf8");
  return {
    contentType: "application/octet-stream",
    payload: Buffer.concat([header, ...answer.binary]),
    headerLength: header.length,
  };
}
