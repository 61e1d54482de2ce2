import { GyreError } from "@gyre/core";
import type { FastifyInstance } from "fastify";
import { parseCsv } from "./csv.js";
import { tableToBatch } from "./decode.js";
import { acceptRawBodies, asGyreError, bodyOf, contextOf, modelsOf, setRetryAfter } from "./http.js";
import { decodeMlflowJson, type MlflowInput, mlflowPredictions, parseJsonBody } from "./mlflow.js";
import { Observation, requestIdOf } from "./observe.js";
import type { ServingRoutesOptions } from "./routes.js";

/** The MLflow version whose scoring protocol we speak, answered by GET /version. */
export const DEFAULT_MLFLOW_VERSION = "2.16.2";

const CONTENT_TYPES = "['text/csv', 'application/json']";

/** MLflow's 415 for content types: plain text, before any parsing. */
class UnsupportedMediaType extends Error {}

/** The media type, or an UnsupportedMediaType with MLflow's wording. */
function mediaTypeOf(header: string | undefined): "json" | "csv" {
  const [mime = "", ...params] = (header ?? "").split(";").map((p) => p.trim());
  const values = new Map(
    params.filter(Boolean).map((p) => [p.split("=")[0]!.trim().toLowerCase(), p.split("=")[1]?.trim() ?? ""]),
  );
  const charset = values.get("charset");
  if (charset !== undefined && charset.toLowerCase().replace(/"/g, "") !== "utf-8") {
    throw new UnsupportedMediaType("The scoring server only supports UTF-8");
  }
  values.delete("charset");
  if (values.size > 0) {
    throw new UnsupportedMediaType(`Unrecognized content type parameters: ${[...values.keys()].join(", ")}.`);
  }
  const type = mime.toLowerCase();
  if (type === "application/json") return "json";
  // MLflow's code accepts text/csv; its documentation shows application/csv: accept both.
  if (type === "text/csv" || type === "application/csv") return "csv";
  throw new UnsupportedMediaType(
    `This predictor only supports the following content types: Types: ${CONTENT_TYPES}. Got '${header ?? ""}'.`,
  );
}

/** MLflow's scoring routes: /invocations, /ping, /health, /version. Errors are `{error_code, message}`. */
export function registerMlflowRoutes(scope: FastifyInstance, options: ServingRoutesOptions): void {
  const viewOf = modelsOf(options.models);
  const observation = Observation.install(scope, "mlflow", options.observer);
  acceptRawBodies(scope, options.bodyLimitBytes);
  scope.setErrorHandler((error, request, reply) => {
    requestIdOf(request, reply);
    if (error instanceof UnsupportedMediaType) {
      reply.status(415).type("text/plain").send(error.message);
    } else {
      const gyre = asGyreError(error, request);
      setRetryAfter(reply, gyre);
      reply.status(gyre.status).send(gyre.toJSON());
    }
    observation.finish(request, reply);
    return reply;
  });

  const health = (request: Parameters<typeof contextOf>[0], reply: Parameters<typeof contextOf>[1]) => {
    const served = viewOf(request).defaultModel(contextOf(request, reply));
    return reply
      .status(served?.predictor.ready ? 200 : 404)
      .type("application/json")
      .send("\n");
  };
  scope.get("/ping", health);
  scope.get("/health", health);
  const version = options.mlflowVersion ?? DEFAULT_MLFLOW_VERSION;
  scope.get("/version", (_request, reply) => reply.type("application/json").send(version));

  scope.post("/invocations", async (request, reply) => {
    const record = observation.start(request, reply);
    const media = mediaTypeOf(request.headers["content-type"]);
    const served = viewOf(request).defaultModel(contextOf(request, reply));
    if (!served)
      throw new GyreError("RESOURCE_DOES_NOT_EXIST", "No default model is served at /invocations.");
    if (record) record.served = served;
    if (!served.predictor.ready)
      throw new GyreError("TEMPORARILY_UNAVAILABLE", `Model '${served.name}' is not ready.`);
    const predictor = served.predictor;
    const text = bodyOf(request).toString("utf8");
    const input: MlflowInput =
      media === "csv"
        ? { batch: tableToBatch(predictor.schema, parseCsv(text)), form: "table" }
        : decodeMlflowJson(predictor.schema, parseJsonBody(text));
    let prediction: Awaited<ReturnType<typeof predictor.predict>>;
    try {
      prediction = await predictor.predict(input.batch);
      if (record) {
        record.batch = input.batch;
        record.prediction = prediction;
      }
    } catch (error) {
      // MLflow reports a model that raised as a client error with this message.
      if (error instanceof GyreError && error.code === "INTERNAL_ERROR") {
        throw new GyreError(
          "BAD_REQUEST",
          `Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference. ${error.message}`,
        );
      }
      throw error;
    }
    reply.type("application/json").send(
      JSON.stringify({
        predictions: mlflowPredictions(predictor, prediction, input.form),
        request_id: requestIdOf(request, reply),
      }),
    );
    observation.finish(request, reply);
    return reply;
  });
}
