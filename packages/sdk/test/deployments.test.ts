import { registry } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gyre as Server } from "../../server/src/index.js";
import { type ScratchStore, scratchSqliteStore, startServingGyre } from "../../server/src/testing/index.js";
import { expectedProbability, registerVersionOn } from "../../serving/test/support/versions.js";
import { Gyre, GyreError } from "../src/index.js";

/** The SDK's deployment helpers against a real server that serves deployments (real onnxruntime). */
let store: ScratchStore;
let server: Server;
let gyre: Gyre;

const ROW = Array.from({ length: 20 }, (_, i) => (i % 4) / 4);

beforeAll(async () => {
  store = scratchSqliteStore("gyre-sdk-deployments-");
  const started = await startServingGyre(store);
  server = started.gyre;
  const url = started.url;
  gyre = new Gyre({ trackingUri: url, user: "ada", maxRetries: 0 });
  await gyre.client.call(registry.createRegisteredModel, { name: "churn" });
  for (const v of ["1", "2"]) await registerVersionOn(url, "churn", v);
});
afterAll(async () => {
  await server?.close();
  await store?.dispose();
});

const v2Request = (id?: string) => ({
  ...(id ? { id } : {}),
  inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: ROW }],
});

/** The GyreError a call must fail with. */
function failure(call: Promise<unknown>): Promise<GyreError> {
  return call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(GyreError);
      return error as GyreError;
    },
  );
}

describe("gyre.deployments", () => {
  it("creates, reads, lists, re-weights, rolls back and deletes a deployment", async () => {
    const created = await gyre.deployments.create("churn-api", {
      arms: [{ model_uri: "models:/churn/1", weight: 1 }],
    });
    expect(created).toMatchObject({ name: "churn-api", revision: 1, created_by: "ada" });
    expect(created.status?.arms).toEqual([
      { model_uri: "models:/churn/1", version: "1", role: "primary", share: 1 },
    ]);

    const updated = await gyre.deployments.update("churn-api", {
      arms: [
        { model_name: "churn", version: 1, weight: 9 },
        { model_uri: "models:/churn/2", weight: 1 },
      ],
      stickyHeader: "x-user",
    });
    expect(updated.revision).toBe(2);
    expect(updated.spec.sticky_header).toBe("x-user");
    expect(updated.status?.arms.map((a) => [a.version, a.role, a.share])).toEqual([
      ["1", "primary", 0.9],
      ["2", "canary", 0.1],
    ]);

    const { deployment, revisions } = await gyre.deployments.get("churn-api");
    expect(deployment.revision).toBe(2);
    expect(revisions.map((r) => [r.revision, r.action])).toEqual([
      [2, "update"],
      [1, "create"],
    ]);
    expect((await gyre.deployments.list()).map((d) => d.name)).toEqual(["churn-api"]);

    const rolledBack = await gyre.deployments.rollback("churn-api");
    expect([rolledBack.revision, rolledBack.spec.arms]).toEqual([
      3,
      [{ model_uri: "models:/churn/1", weight: 1 }],
    ]);

    await gyre.deployments.delete("churn-api");
    expect(await gyre.deployments.list()).toEqual([]);
  });

  it("predicts through the Open Inference Protocol and MLflow scoring, with request ids", async () => {
    await gyre.deployments.create("scorer", { arms: [{ model_uri: "models:/churn/2", weight: 1 }] });
    const v2 = await gyre.deployments.infer("scorer", v2Request("r-1"));
    expect(v2.body).toMatchObject({ model_name: "scorer", model_version: "2", id: "r-1" });
    expect(v2.body.outputs[0]!.data[0]).toBeCloseTo(expectedProbability("2", ROW), 6);
    expect(v2.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const traced = await gyre.deployments.infer("scorer", v2Request(), { requestId: "trace-7", version: 2 });
    expect([traced.requestId, traced.body.id, traced.body.model_version]).toEqual([
      "trace-7",
      "trace-7",
      "2",
    ]);

    const mlflow = await gyre.deployments.invocations("scorer", { inputs: [ROW] });
    const predictions = mlflow.body.predictions as Record<string, number[][]>;
    expect(predictions.probability![0]![0]).toBeCloseTo(expectedProbability("2", ROW), 6);
    expect(gyre.deployments.servingUrl("scorer")).toBe(`${gyre.client.trackingUri}/serving/scorer`);
    await gyre.deployments.delete("scorer");
  });

  it("fails with the server's codes and messages", async () => {
    const missing = await gyre.deployments.get("nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GyreError);
    expect((missing as GyreError).code).toBe("RESOURCE_DOES_NOT_EXIST");

    const bad = await failure(
      gyre.deployments.create("bad", { arms: [{ model_uri: "models:/churn/9", weight: 1 }] }),
    );
    expect([bad.code, bad.message]).toEqual([
      "INVALID_PARAMETER_VALUE",
      expect.stringContaining("spec.arms.0.model_uri"),
    ]);

    const notServed = await failure(gyre.deployments.infer("nope", v2Request()));
    expect([notServed.code, notServed.status]).toEqual(["ENDPOINT_NOT_FOUND", 404]);
    expect(notServed.message).toContain("Deployment 'nope' is not served here.");

    await gyre.deployments.create("shape", { arms: [{ model_uri: "models:/churn/1", weight: 1 }] });
    const wrong = await failure(
      gyre.deployments.infer("shape", {
        inputs: [{ name: "input", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }],
      }),
    );
    expect([wrong.code, wrong.status]).toEqual(["BAD_REQUEST", 400]);
    expect(wrong.message).toContain("Input 'input' has shape [1, 3]");
    await gyre.deployments.delete("shape");
  });
});
