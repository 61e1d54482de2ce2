import { defineRoute, type RouteContract } from "@gyre/core";
import { z } from "zod";

/**
 * The JSON shapes of the serving protocols, one schema per route as in @gyre/core's contracts,
 * so the handlers validate with them and the OpenAPI document can include them.
 */

const OIP = "Open Inference Protocol v2";
const MLFLOW = "MLflow scoring";
const V1 = "KServe V1";

/** Parameter values of the Open Inference Protocol: string, number or boolean. */
const parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
/** Tensor data: row-major, flat or nested in the tensor's shape; numbers, strings or booleans. */
const tensorData = z.array(z.unknown());
const shape = z.array(z.number().int().min(0));

export const v2RequestInput = z.object({
  name: z.string(),
  shape,
  datatype: z.string(),
  parameters: parameters.optional(),
  /** Absent when the tensor travels as binary data (`parameters.binary_data_size`). */
  data: tensorData.optional(),
});

export const v2InferenceRequest = z.object({
  id: z.string().optional(),
  parameters: parameters.optional(),
  inputs: z.array(v2RequestInput).min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: parameters.optional() })).optional(),
});
export type V2InferenceRequest = z.output<typeof v2InferenceRequest>;

export const v2ResponseOutput = z.object({
  name: z.string(),
  shape,
  datatype: z.string(),
  parameters: parameters.optional(),
  data: tensorData.optional(),
});

export const v2InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string(),
  parameters: parameters.optional(),
  outputs: z.array(v2ResponseOutput),
});
export type V2InferenceResponse = z.output<typeof v2InferenceResponse>;

export const v2TensorMetadata = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()),
});

export const v2ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(v2TensorMetadata),
  outputs: z.array(v2TensorMetadata),
});
export type V2ModelMetadata = z.output<typeof v2ModelMetadata>;

export const v2ServerMetadata = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
});
export const v2Live = z.object({ live: z.boolean() });
export const v2Ready = z.object({ ready: z.boolean() });
export const v2ModelReady = z.object({ name: z.string(), ready: z.boolean() });
/** Every Open Inference Protocol (and V1) failure. */
export const v2Error = z.object({ error: z.string() });

export const dataframeSplit = z.object({
  columns: z.array(z.union([z.string(), z.number()])).optional(),
  index: z.array(z.unknown()).optional(),
  data: z.array(z.unknown()),
});

/** A JSON body with exactly one of the four input keys (checked by the handler, for MLflow's message). */
export const mlflowInvocationRequest = z.object({
  dataframe_split: dataframeSplit.optional(),
  dataframe_records: z.array(z.record(z.string(), z.unknown())).optional(),
  instances: z.array(z.unknown()).optional(),
  inputs: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  /** Accepted and ignored, as MLflow does for models without a params schema. */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type MlflowInvocationRequest = z.output<typeof mlflowInvocationRequest>;

/** Gyre's id of the request, beside the answer MLflow and KServe define (also the x-request-id header). */
const requestId = z
  .string()
  .describe("The request id: the x-request-id header's, and the prediction log's key.");

/** Records (one object per row) for DataFrame answers; output name → nested list for tensor answers. */
export const mlflowInvocationResponse = z.object({
  predictions: z.union([
    z.array(z.record(z.string(), z.unknown())),
    z.record(z.string(), z.array(z.unknown())),
  ]),
  request_id: requestId,
});

export const v1PredictRequest = z.object({ instances: z.array(z.unknown()) });
export const v1PredictResponse = z.object({ predictions: z.array(z.unknown()), request_id: requestId });
export const v1ModelStatus = z.object({ name: z.string(), ready: z.boolean() });

const none = z.object({});

export const servingRoutes = [
  defineRoute({
    operation: "v2ServerLive",
    methods: ["GET"],
    path: "/v2/health/live",
    tag: OIP,
    summary: "Server liveness.",
    request: none,
    response: v2Live,
  }),
  defineRoute({
    operation: "v2ServerReady",
    methods: ["GET"],
    path: "/v2/health/ready",
    tag: OIP,
    summary: "Server readiness: every model loaded.",
    request: none,
    response: v2Ready,
  }),
  defineRoute({
    operation: "v2ServerMetadata",
    methods: ["GET"],
    path: "/v2",
    tag: OIP,
    summary: "Server name, version and extensions.",
    request: none,
    response: v2ServerMetadata,
  }),
  defineRoute({
    operation: "v2ModelMetadata",
    methods: ["GET"],
    path: "/v2/models/{model_name}",
    tag: OIP,
    summary: "A model's inputs and outputs.",
    request: none,
    response: v2ModelMetadata,
  }),
  defineRoute({
    operation: "v2ModelVersionMetadata",
    methods: ["GET"],
    path: "/v2/models/{model_name}/versions/{model_version}",
    tag: OIP,
    summary: "A model version's inputs and outputs.",
    request: none,
    response: v2ModelMetadata,
  }),
  defineRoute({
    operation: "v2ModelReady",
    methods: ["GET"],
    path: "/v2/models/{model_name}/ready",
    tag: OIP,
    summary: "Model readiness.",
    request: none,
    response: v2ModelReady,
  }),
  defineRoute({
    operation: "v2ModelVersionReady",
    methods: ["GET"],
    path: "/v2/models/{model_name}/versions/{model_version}/ready",
    tag: OIP,
    summary: "Model version readiness.",
    request: none,
    response: v2ModelReady,
  }),
  defineRoute({
    operation: "v2ModelInfer",
    methods: ["POST"],
    path: "/v2/models/{model_name}/infer",
    tag: OIP,
    summary: "Inference (JSON, or JSON plus binary tensors).",
    request: v2InferenceRequest,
    response: v2InferenceResponse,
  }),
  defineRoute({
    operation: "v2ModelVersionInfer",
    methods: ["POST"],
    path: "/v2/models/{model_name}/versions/{model_version}/infer",
    tag: OIP,
    summary: "Inference on a model version.",
    request: v2InferenceRequest,
    response: v2InferenceResponse,
  }),
  defineRoute({
    operation: "mlflowInvocations",
    methods: ["POST"],
    path: "/invocations",
    tag: MLFLOW,
    summary: "MLflow scoring: dataframe_split, dataframe_records, instances, inputs, or text/csv.",
    request: mlflowInvocationRequest,
    response: mlflowInvocationResponse,
  }),
  defineRoute({
    operation: "v1Predict",
    methods: ["POST"],
    path: "/v1/models/{model_name}:predict",
    tag: V1,
    summary: "KServe V1 prediction.",
    request: v1PredictRequest,
    response: v1PredictResponse,
  }),
  defineRoute({
    operation: "v1ModelStatus",
    methods: ["GET"],
    path: "/v1/models/{model_name}",
    tag: V1,
    summary: "KServe V1 model readiness.",
    request: none,
    response: v1ModelStatus,
  }),
] as const satisfies readonly RouteContract[];

/** zod issues as one message naming each field: "inputs.0.shape: Invalid input: expected array". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(body)"}: ${issue.message}`)
    .join("; ");
}
