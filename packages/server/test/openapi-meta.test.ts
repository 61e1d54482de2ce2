import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allRoutes } from "../src/index.js";
import { sqliteBackend } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

describe("meta routes and the OpenAPI document", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(sqliteBackend);
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers /health with OK and /version with the MLflow API level as text", async () => {
    const health = await fetch(`${server.baseUrl}/health`);
    expect([health.status, await health.text()]).toEqual([200, "OK"]);
    const version = await fetch(`${server.baseUrl}/version`);
    expect(version.headers.get("content-type")).toContain("text/plain");
    expect(await version.text()).toMatch(/^2\.\d+\.\d+$/);
  });

  it("serves the same routes under /ajax-api as under /api", async () => {
    const { status, body } = await server.call("GET", "/ajax-api/2.0/mlflow/experiments/get", {
      experiment_id: "0",
    });
    expect(status).toBe(200);
    expect(body.experiment.name).toBe("Default");
  });

  it("documents every contract with its method, parameters and schemas", async () => {
    // The document is walked by path: its schema is what this test checks, not something to assume.
    const doc: any = await (await fetch(`${server.baseUrl}/api/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const route of allRoutes) {
      for (const method of route.methods) {
        const operation = doc.paths[route.path]?.[method.toLowerCase()];
        expect(operation, `${method} ${route.path}`).toBeDefined();
        expect(operation.responses["200"]).toBeDefined();
        expect(operation.responses["400"].content["application/json"].schema.required).toEqual([
          "error_code",
          "message",
        ]);
      }
    }
    const create = doc.paths["/api/2.0/mlflow/experiments/create"].post;
    expect(create.operationId).toBe("createExperiment");
    expect(create.requestBody.content["application/json"].schema.required).toEqual(["name"]);
    const getRun = doc.paths["/api/2.0/mlflow/runs/get"].get;
    expect(getRun.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      "query:run_id",
      "query:run_uuid",
    ]);
    const run = getRun.responses["200"].content["application/json"].schema.properties.run;
    expect(run.properties.info.required).toContain("run_id");
    // The registry: DELETE takes a JSON body, as MLflow's client sends it; one path, three methods.
    const deleteModel = doc.paths["/api/2.0/mlflow/registered-models/delete"].delete;
    expect(deleteModel.parameters).toBeUndefined();
    expect(deleteModel.requestBody.content["application/json"].schema.required).toEqual(["name"]);
    const alias = doc.paths["/api/2.0/mlflow/registered-models/alias"];
    expect(Object.keys(alias).sort()).toEqual(["delete", "get", "post"]);
    expect(alias.get.operationId).toBe("getModelVersionByAlias");
    expect(doc.paths["/api/2.0/gyre/registry/audit"].get.operationId).toBe("getRegistryAudit");
    const upload = doc.paths["/api/2.0/mlflow-artifacts/artifacts/{path}"].put;
    expect(upload.requestBody.content).toHaveProperty("application/octet-stream");
  });
});
