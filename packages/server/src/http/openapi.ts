import type { RouteContract } from "@gyre/core";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

function schemaOf(type: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(type, { io, unrepresentable: "any" }) as JsonSchema;
  return schema;
}

const ERROR_RESPONSE = {
  description: "An error: error_code from Gyre's closed table, message naming the field and the rule.",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error_code", "message"],
        properties: { error_code: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

function operationOf(contract: RouteContract, method: string): Record<string, unknown> {
  const binaryBody = method === "put";
  const binaryResponse = contract.operation === "downloadArtifact";
  const pathParams = [...contract.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const request = schemaOf(contract.request, "input");
  const properties = (request.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((request.required as string[] | undefined) ?? []);
  const operation: Record<string, unknown> = {
    operationId:
      method === contract.methods[0]?.toLowerCase() ? contract.operation : `${contract.operation}_${method}`,
    summary: contract.summary,
    tags: [contract.tag],
    responses: {
      "200": binaryResponse
        ? {
            description: "The file's bytes",
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
          }
        : {
            description: "OK",
            content: { "application/json": { schema: schemaOf(contract.response, "output") } },
          },
      "400": ERROR_RESPONSE,
      "404": ERROR_RESPONSE,
    },
  };
  // GET takes its fields from the query string; every other method from a JSON body (MLflow's
  // registry DELETE routes included).
  const fields = Object.keys(properties).filter((k) => !pathParams.includes(k));
  const inQuery = method === "get" ? fields : [];
  const parameters = [
    ...pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...inQuery.map((name) => ({ name, in: "query", required: required.has(name), schema: properties[name] })),
  ];
  if (parameters.length > 0) operation.parameters = parameters;
  if (binaryBody) {
    operation.requestBody = {
      content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
    };
  } else if (method !== "get" && fields.length > 0) {
    operation.requestBody = { required: true, content: { "application/json": { schema: request } } };
  }
  return operation;
}

/** The OpenAPI 3.1 document, generated from the same contracts the server validates with. */
export function openApiDocument(routes: readonly RouteContract[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const contract of routes) {
    const entry = paths[contract.path] ?? {};
    for (const method of contract.methods)
      entry[method.toLowerCase()] = operationOf(contract, method.toLowerCase());
    paths[contract.path] = entry;
  }
  paths["/health"] = {
    get: {
      operationId: "health",
      summary: "Liveness: answers OK.",
      responses: { "200": { description: "OK", content: { "text/plain": { schema: { type: "string" } } } } },
    },
  };
  paths["/version"] = {
    get: {
      operationId: "version",
      summary: "The MLflow API level this server speaks.",
      responses: {
        "200": { description: "Version", content: { "text/plain": { schema: { type: "string" } } } },
      },
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Gyre API",
      version,
      description:
        "MLflow-compatible tracking and model registry API and artifact proxy served by Gyre, plus Gyre's registry routes (audit log, model URI resolution).",
    },
    paths,
  };
}
