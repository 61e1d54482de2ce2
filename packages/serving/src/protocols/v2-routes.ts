import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HEADER_LENGTH_HEADER } from "./binary-tensors.js";
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
import { modelMetadata } from "./v2.js";
import { inferV2 } from "./v2-infer.js";

type ModelParams = { model_name: string; model_version?: string };

export const V2_EXTENSIONS = ["binary_tensor_data"];

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

  // No hooks on the hot path; the work itself is `inferV2`, shared with the raw fast path.
  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model_name: name, model_version: version } = request.params;
    const record = observation.start(request, reply);
    const answer = await inferV2({
      view: viewOf(request),
      name,
      version,
      context: contextOf(request, reply),
      body: bodyOf(request),
      record,
    });
    if (answer.headerLength !== undefined) reply.header(HEADER_LENGTH_HEADER, String(answer.headerLength));
    reply.type(answer.contentType).send(answer.payload);
    observation.finish(request, reply);
    return reply;
  };
  scope.post("/models/:model_name/infer", infer);
  scope.post("/models/:model_name/versions/:model_version/infer", infer);
}
