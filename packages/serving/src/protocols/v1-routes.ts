import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Prediction } from "../runtime/predictor.js";
import { describeIssues, v1PredictRequest } from "./contracts.js";
import { invalid } from "./decode.js";
import {
  acceptRawBodies,
  bodyOf,
  contextOf,
  installErrorJson,
  modelsOf,
  noRoute,
  notServed,
  resolveModel,
} from "./http.js";
import { decodeInstances, parseJsonBody } from "./mlflow.js";
import { Observation, requestIdOf } from "./observe.js";
import type { ServingRoutesOptions } from "./routes.js";
import { flatJson, nest } from "./tensors-json.js";

const PREDICT_SUFFIX = ":predict";

/** One prediction per row: the single output's row, or an object of every output's row. */
function v1Predictions(prediction: Prediction): unknown[] {
  const outputs = prediction.outputs.map((o) => ({
    name: o.name,
    rows: nest(flatJson(o.data, o.type), o.shape) as unknown[],
  }));
  if (outputs.length === 1) return outputs[0]!.rows;
  return Array.from({ length: prediction.rows }, (_, r) =>
    Object.fromEntries(outputs.map((o) => [o.name, o.rows[r]])),
  );
}

/** KServe's V1 protocol, mounted under /v1; failures are `{"error": "..."}`. */
export function registerV1Routes(scope: FastifyInstance, options: ServingRoutesOptions): void {
  const viewOf = modelsOf(options.models);
  const observation = Observation.install(scope, "v1", options.observer);
  acceptRawBodies(scope, options.bodyLimitBytes);
  installErrorJson(scope, observation);

  scope.get(
    "/models/:model_name",
    (request: FastifyRequest<{ Params: { model_name: string } }>, reply: FastifyReply) => {
      const name = request.params.model_name;
      const served = viewOf(request).resolve(name, undefined, contextOf(request, reply));
      if (!served) throw notServed(name, undefined);
      return reply.send({ name, ready: served.predictor.ready });
    },
  );

  // The model name and the verb share one path segment ("churn:predict"), so match it here.
  scope.post(
    "/models/:target",
    async (request: FastifyRequest<{ Params: { target: string } }>, reply: FastifyReply) => {
      const { target } = request.params;
      if (!target.endsWith(PREDICT_SUFFIX)) {
        return reply.status(404).send({ error: noRoute(request) });
      }
      const name = target.slice(0, -PREDICT_SUFFIX.length);
      const record = observation.start(request, reply);
      const served = resolveModel(viewOf(request), name, undefined, contextOf(request, reply));
      if (record) record.served = served;
      const parsed = v1PredictRequest.safeParse(parseJsonBody(bodyOf(request).toString("utf8")));
      if (!parsed.success) throw invalid(`Invalid predict request: ${describeIssues(parsed.error)}`);
      const batch = decodeInstances(served.predictor.schema, parsed.data.instances);
      const prediction = await served.predictor.predict(batch);
      if (record) {
        record.batch = batch;
        record.prediction = prediction;
      }
      reply.type("application/json").send(
        JSON.stringify({
          predictions: v1Predictions(prediction),
          request_id: requestIdOf(request, reply),
        }),
      );
      observation.finish(request, reply);
      return reply;
    },
  );
}
