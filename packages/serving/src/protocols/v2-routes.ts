import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HEADER_LENGTH_HEADER } from "./binary-tensors.js";
import type { V2InferenceRequest } from "./contracts.js";
import { invalid } from "./decode.js";
import {
  acceptRawBodies,
  bodyOf,
  contextOf,
  installErrorJson,
  modelsOf,
  notServed,
  resolveModel,
} from "./http.js";
import { Observation } from "./observe.js";
import type { ServingRoutesOptions } from "./routes.js";
import { decodeV2Inputs, encodeV2Response, modelMetadata } from "./v2.js";
import { parseV2InferenceRequest } from "./v2-request.js";

type ModelParams = { model_name: string; model_version?: string };

export const V2_EXTENSIONS = ["binary_tensor_data"];

/** The JSON header and the binary part of an inference request body. */
function splitBody(request: FastifyRequest): { json: V2InferenceRequest; binary: Uint8Array | undefined } {
  const body = bodyOf(request);
  const header = request.headers[HEADER_LENGTH_HEADER];
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

/** Open Inference Protocol v2 routes, mounted under /v2; failures are `{"error": "..."}`. */
export function registerV2Routes(scope: FastifyInstance, options: ServingRoutesOptions): void {
  const viewOf = modelsOf(options.models);
  const observation = Observation.install(scope, "v2", options.observer);
  acceptRawBodies(scope, options.bodyLimitBytes);
  installErrorJson(scope, observation);

  const serverMetadata = JSON.stringify({
    name: options.serverName ?? "gyre",
    version: options.serverVersion ?? "0.1.0",
    extensions: V2_EXTENSIONS,
  });
  scope.get("/", (_request, reply) => reply.type("application/json").send(serverMetadata));
  scope.get("/health/live", (_request, reply) => reply.send({ live: true }));
  scope.get("/health/ready", (request, reply) => {
    const ready = viewOf(request)
      .list()
      .every((m) => m.predictor.ready);
    return reply.status(ready ? 200 : 503).send({ ready });
  });

  const metadata = (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model_name: name, model_version: version } = request.params;
    const served = resolveModel(viewOf(request), name, version, contextOf(request, reply));
    const versions = viewOf(request)
      .list()
      .filter((m) => m.name === name && m.version !== undefined)
      .map((m) => m.version!);
    return reply.send(modelMetadata(name, versions, served.predictor.schema, served.predictor.outputs));
  };
  scope.get("/models/:model_name", metadata);
  scope.get("/models/:model_name/versions/:model_version", metadata);

  const ready = (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model_name: name, model_version: version } = request.params;
    const served = viewOf(request).resolve(name, version, contextOf(request, reply));
    if (!served) throw notServed(name, version);
    const isReady = served.predictor.ready;
    return reply.status(isReady ? 200 : 503).send({ name, ready: isReady });
  };
  scope.get("/models/:model_name/ready", ready);
  scope.get("/models/:model_name/versions/:model_version/ready", ready);

  // The hot path: no hooks, the body parsed once and checked by hand, the answer written as text.
  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model_name: name, model_version: version } = request.params;
    const record = observation.start(request, reply);
    const context = contextOf(request, reply);
    const served = resolveModel(viewOf(request), name, version, context);
    if (record) record.served = served;
    const { json, binary } = splitBody(request);
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
      json.id ?? context.requestId,
    );
    if (answer.binary.length === 0) {
      reply.type("application/json").send(answer.json);
    } else {
      const header = Buffer.from(answer.json, "utf8");
      reply
        .header(HEADER_LENGTH_HEADER, String(header.length))
        .type("application/octet-stream")
        .send(Buffer.concat([header, ...answer.binary]));
    }
    observation.finish(request, reply);
    return reply;
  };
  scope.post("/models/:model_name/infer", infer);
  scope.post("/models/:model_name/versions/:model_version/infer", infer);
}
