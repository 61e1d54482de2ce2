import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelDir } from "../../serving/src/index.js";
import { onnx } from "../../serving/test/support/models.js";
import { expectedProbability, versionGraph } from "../../serving/test/support/versions.js";
import type { Gyre } from "../src/index.js";
import { callJson, type ScratchStore, startServingGyre } from "../src/testing/index.js";
import { availableBackends } from "./support/backends.js";

/**
 * Named deployments in the tracking server, on every backend: the deployments API (create, get,
 * list, update, rollback, delete) and serving under /serving/{name} with real onnxruntime
 * sessions. Model "versions" differ only in their bias (version v has bias v − 1), so a zero
 * row's answer tells which version gave it.
 */
const backends = await availableBackends();
const API = "/api/2.0/gyre/deployments";
const ZERO_ROW: number[] = new Array(20).fill(0);
const VERSIONS = ["1", "2", "3"];

type Body = Record<string, unknown>;
interface Answer {
  status: number;
  body: any;
}

/** Which version answered a zero row, from its probability. */
function versionOf(probability: number): string | undefined {
  return VERSIONS.find((v) => Math.abs(expectedProbability(v, ZERO_ROW) - probability) < 1e-6);
}

async function modelFiles(version: string): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(join(tmpdir(), "gyre-deploy-model-"));
  await writeModelDir(dir, { onnxBytes: onnx(versionGraph(version)) });
  const files = new Map<string, Buffer>();
  for (const name of await readdir(dir)) files.set(name, await readFile(join(dir, name)));
  await rm(dir, { recursive: true, force: true });
  return files;
}

describe.each(backends)("deployments on $name", (backend) => {
  let store: ScratchStore;
  let gyre: Gyre;
  let baseUrl: string;

  const start = async () => {
    ({ gyre, url: baseUrl } = await startServingGyre(store, { deploymentPollMs: 100 }));
  };

  const call = (method: string, path: string, payload?: Body): Promise<Answer> =>
    callJson(baseUrl, method, path, payload, { "x-gyre-user": "alice" });

  /** One zero row through MLflow's /invocations; the version that answered. */
  const invoke = async (name: string, headers: Record<string, string> = {}) => {
    const answer = await fetch(`${baseUrl}/serving/${name}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ inputs: [ZERO_ROW] }),
    });
    const body = (await answer.json()) as { predictions: { probability: number[][] } };
    if (answer.status !== 200) throw new Error(`status ${answer.status}: ${JSON.stringify(body)}`);
    return versionOf(body.predictions.probability[0]![0]!);
  };

  /** `count` requests, `concurrency` at a time; the answering versions tallied. */
  const tally = async (name: string, count: number, concurrency = 25) => {
    const counts = new Map<string | undefined, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) {
          const version = await invoke(name);
          counts.set(version, (counts.get(version) ?? 0) + 1);
        }
      }),
    );
    return counts;
  };

  const registerVersion = async (model: string, version: string) => {
    for (const [file, bytes] of await modelFiles(version)) {
      const put = await fetch(
        `${baseUrl}/api/2.0/mlflow-artifacts/artifacts/models/${model}/v${version}/${file}`,
        {
          method: "PUT",
          body: bytes,
        },
      );
      expect(put.status).toBe(200);
    }
    const created = await call("POST", "/api/2.0/mlflow/model-versions/create", {
      name: model,
      source: `mlflow-artifacts:/models/${model}/v${version}`,
    });
    expect(created.status).toBe(200);
  };

  const setAlias = async (alias: string, version: string) => {
    const moved = await call("POST", "/api/2.0/mlflow/registered-models/alias", {
      name: "churn",
      alias,
      version,
    });
    expect(moved.status).toBe(200);
  };

  beforeAll(async () => {
    store = await backend.create();
    await start();
    expect((await call("POST", "/api/2.0/mlflow/registered-models/create", { name: "churn" })).status).toBe(
      200,
    );
    expect((await call("POST", "/api/2.0/mlflow/registered-models/create", { name: "other" })).status).toBe(
      200,
    );
    for (const v of VERSIONS) await registerVersion("churn", v);
    await registerVersion("other", "1");
    await setAlias("champion", "1");
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
  });

  it("creates a deployment through the API and serves it over MLflow scoring and V2", async () => {
    const created = await call("POST", `${API}/create`, {
      name: "churn-prod",
      spec: { arms: [{ model_uri: "models:/churn@champion", weight: 1 }] },
    });
    expect(created.status).toBe(200);
    expect(created.body.deployment).toMatchObject({
      name: "churn-prod",
      revision: 1,
      created_by: "alice",
      status: {
        model_name: "churn",
        arms: [{ model_uri: "models:/churn@champion", version: "1", role: "primary" }],
      },
    });

    expect(await invoke("churn-prod")).toBe("1");
    const v2 = await fetch(`${baseUrl}/serving/churn-prod/v2/models/churn-prod/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: ZERO_ROW }] }),
    });
    expect(v2.status).toBe(200);
    const answer = (await v2.json()) as {
      model_name: string;
      model_version: string;
      outputs: { data: number[] }[];
    };
    expect(answer).toMatchObject({ model_name: "churn-prod", model_version: "1" });
    expect(versionOf(answer.outputs[0]!.data[0]!)).toBe("1");
    expect((await fetch(`${baseUrl}/serving/churn-prod/v2/health/ready`)).status).toBe(200);
    // The tracking server's own /health and /version are untouched by the mount.
    expect(await (await fetch(`${baseUrl}/health`)).text()).toBe("OK");

    const listed = await call("GET", `${API}/list`);
    expect(listed.body.deployments.map((d: { name: string }) => d.name)).toEqual(["churn-prod"]);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gyre_serving_requests_total\{model="churn-prod",version="1",arm="primary",protocol="mlflow"\} [1-9]/,
    );
  });

  it("answers plain V2 inference over the network (ahead of Fastify) exactly as Fastify's route does", async () => {
    const path = "/serving/churn-prod/v2/models/churn-prod";
    const row = { name: "input", shape: [1, 20], datatype: "FP32", data: ZERO_ROW };
    const cases: [string, unknown][] = [
      [`${path}/infer`, { id: "a", inputs: [row] }],
      [`${path}/infer`, { inputs: [row] }],
      [`${path}/versions/1/infer`, { inputs: [row] }],
      [`${path}/versions/7/infer`, { inputs: [row] }],
      [`${path}/infer`, { inputs: [{ ...row, shape: [1, 3] }] }],
      ["/serving/churn-prod/v2/models/other-name/infer", { inputs: [row] }],
      ["/serving/nowhere/v2/models/nowhere/infer", { inputs: [row] }],
    ];
    // Three rounds: the first request of a revision goes through Fastify's feature-service hook,
    // which learns that this deployment names none; later ones take the fast path.
    for (let round = 0; round < 3; round++) {
      for (const [url, body] of cases) {
        const headers = { "content-type": "application/json", "x-request-id": `r-${round}` };
        const network = await fetch(`${baseUrl}${url}`, {
          method: "POST",
          headers,
          body: JSON.stringify(body),
        });
        const routed = await gyre.app.inject({ method: "POST", url, headers, payload: JSON.stringify(body) });
        const what = `round ${round}: ${url} ${JSON.stringify(body).slice(0, 40)}`;
        expect([network.status, await network.text()], what).toEqual([routed.statusCode, routed.payload]);
        expect(network.headers.get("content-type"), what).toBe(routed.headers["content-type"]);
        expect(network.headers.get("x-request-id"), what).toBe(`r-${round}`);
        expect(routed.headers["x-request-id"], what).toBe(`r-${round}`);
      }
    }
  });

  it("splits traffic by weight within statistical tolerance, and sticks by header", async () => {
    const created = await call("POST", `${API}/create`, {
      name: "canary",
      spec: {
        arms: [
          { model_name: "churn", version: "1", weight: 80 },
          { model_uri: "models:/churn/2", weight: 20 },
        ],
        sticky_header: "x-user",
      },
    });
    expect(created.status).toBe(200);
    const counts = await tally("canary", 1000);
    // Binomial(1000, 0.2): sd ≈ 12.6, so ±60 is nearly 5 sd.
    expect(counts.get("2") ?? 0).toBeGreaterThan(140);
    expect(counts.get("2") ?? 0).toBeLessThan(260);
    expect((counts.get("1") ?? 0) + (counts.get("2") ?? 0)).toBe(1000);
    const first = await invoke("canary", { "x-user": "customer-42" });
    for (let i = 0; i < 20; i++) expect(await invoke("canary", { "x-user": "customer-42" })).toBe(first);
  });

  it("changes weights and arms under concurrent load with zero failed requests; rollback is one call", async () => {
    const failures: unknown[] = [];
    const seen = new Set<string | undefined>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          seen.add(await invoke("canary"));
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    const changes: Body[] = [
      {
        arms: [
          { model_uri: "models:/churn/1", weight: 50 },
          { model_uri: "models:/churn/3", weight: 50 },
        ],
      },
      { arms: [{ model_uri: "models:/churn/3", weight: 1 }] },
      {
        arms: [
          { model_uri: "models:/churn/1", weight: 90 },
          { model_uri: "models:/churn/2", weight: 10 },
        ],
      },
    ];
    for (const change of changes) {
      const updated = await call("POST", `${API}/update`, { name: "canary", ...change });
      expect(updated.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(seen.has("3")).toBe(true);

    const before = await call("GET", `${API}/get`, { name: "canary" });
    expect(before.body.deployment.revision).toBe(4);
    // The sticky header was left out of every update, so it was kept.
    expect(before.body.deployment.spec.sticky_header).toBe("x-user");

    const rolled = await call("POST", `${API}/rollback`, { name: "canary" });
    expect(rolled.status).toBe(200);
    expect(rolled.body.deployment.revision).toBe(5);
    expect(rolled.body.deployment.spec.arms).toEqual([{ model_uri: "models:/churn/3", weight: 1 }]);
    expect(await invoke("canary")).toBe("3");
    // Rolling back again keeps walking back: to revision 2's spec.
    const again = await call("POST", `${API}/rollback`, { name: "canary" });
    expect(again.body.deployment.spec.arms.map((a: { model_uri: string }) => a.model_uri)).toEqual([
      "models:/churn/1",
      "models:/churn/3",
    ]);
    const history = await call("GET", `${API}/get`, { name: "canary" });
    expect(history.body.revisions.map((r: { action: string }) => r.action)).toEqual([
      "rollback",
      "rollback",
      "update",
      "update",
      "update",
      "create",
    ]);
  });

  it("follows an alias an arm names", async () => {
    await setAlias("champion", "2");
    const deadline = Date.now() + 5000;
    while ((await invoke("churn-prod")) !== "2" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await invoke("churn-prod")).toBe("2");
    const shown = await call("GET", `${API}/get`, { name: "churn-prod" });
    // Following an alias is not a change of spec: no new revision.
    expect(shown.body.deployment.revision).toBe(1);
    expect(shown.body.deployment.status.arms[0].version).toBe("2");
  });

  it("serves the deployments again after a restart", async () => {
    await gyre.close();
    await start();
    expect(await invoke("churn-prod")).toBe("2");
    const shown = await call("GET", `${API}/get`, { name: "canary" });
    expect(shown.body.deployment.revision).toBe(6);
    expect(await invoke("canary")).toMatch(/^[13]$/);
  });

  it("answers 404 for an unknown deployment in each protocol's error shape", async () => {
    const mlflow = await fetch(`${baseUrl}/serving/nope/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [ZERO_ROW] }),
    });
    expect(mlflow.status).toBe(404);
    expect(await mlflow.json()).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Deployment 'nope' is not served here.",
    });
    const v2 = await fetch(`${baseUrl}/serving/nope/v2/models/nope/infer`, { method: "POST", body: "{}" });
    expect(v2.status).toBe(404);
    expect(await v2.json()).toEqual({ error: "Deployment 'nope' is not served here." });
    // A fresh request id when the client sent none (the previous test checks an echoed one).
    expect(mlflow.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(v2.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const api = await call("GET", `${API}/get`, { name: "nope" });
    expect(api.status).toBe(404);
    expect(api.body).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Deployment 'nope' does not exist.",
    });
    expect((await call("POST", `${API}/rollback`, { name: "nope" })).status).toBe(404);
  });

  it("refuses bad specs with a 400 naming the field", async () => {
    const create = (spec: Body, name = "bad") => call("POST", `${API}/create`, { name, spec });
    const cases: [Body, string][] = [
      [{ arms: [{ model_uri: "models:/churn/1", weight: 0 }] }, "spec.arms"],
      [{ arms: [{ model_uri: "models:/churn/1", weight: -1 }] }, "spec.arms.0.weight"],
      [{ arms: [{ model_uri: "models:/missing/1", weight: 1 }] }, "spec.arms.0.model_uri"],
      [{ arms: [{ model_uri: "models:/churn/9", weight: 1 }] }, "spec.arms.0.model_uri"],
      [{ arms: [{ model_uri: "models:/churn@nobody", weight: 1 }] }, "spec.arms.0.model_uri"],
      [{ arms: [{ model_name: "churn", weight: 1 }] }, "spec.arms.0.model_uri"],
      [
        {
          arms: [{ model_uri: "models:/churn/1", weight: 1 }],
          shadows: [{ model_uri: "models:/churn/2", percent: 150 }],
        },
        "spec.shadows.0.percent",
      ],
      [
        {
          arms: [
            { model_uri: "models:/churn/1", weight: 1 },
            { model_uri: "models:/other/1", weight: 1 },
          ],
        },
        "spec.arms.1.model_uri",
      ],
      // A shadow on a version an arm serves would never be mirrored.
      [
        {
          arms: [
            { model_uri: "models:/churn/2", weight: 9 },
            { model_name: "churn", version: 1, weight: 1 },
          ],
          shadows: [{ model_uri: "models:/churn/1", percent: 100 }],
        },
        "spec.shadows.0.model_uri",
      ],
    ];
    for (const [spec, field] of cases) {
      const answer = await create(spec);
      expect(answer.status, JSON.stringify(spec)).toBe(400);
      expect(answer.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(answer.body.message).toContain(`'${field}'`);
    }
    expect((await create({ arms: [{ model_uri: "models:/churn/1", weight: 1 }] }, "no/slash")).status).toBe(
      400,
    );
    expect((await create({ arms: [{ model_uri: "models:/churn/1", weight: 1 }] }, "churn-prod")).status).toBe(
      400,
    );
    const update = await call("POST", `${API}/update`, {
      name: "canary",
      arms: [{ model_uri: "models:/churn/1", weight: 0 }],
    });
    expect(update.status).toBe(400);
    expect(update.body.message).toContain("'arms'");
    // create's shape sent to update, and an update that changes nothing: refused, not a new revision.
    const createShaped = await call("POST", `${API}/update`, {
      name: "canary",
      spec: { arms: [{ model_uri: "models:/churn/1", weight: 1 }] },
    });
    expect([createShaped.status, createShaped.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    expect(createShaped.body.message).toContain('Unrecognized key: "spec"');
    const unchanged = await call("POST", `${API}/update`, { name: "canary" });
    expect([unchanged.status, unchanged.body]).toEqual([
      400,
      {
        error_code: "INVALID_PARAMETER_VALUE",
        message:
          'Invalid value {"name":"canary"} for parameter \'(request body)\' supplied: give at least one of arms, shadows or sticky_header to change. See the API docs for more information about request parameters.',
      },
    ]);
    const shadowed = await call("POST", `${API}/update`, {
      name: "canary",
      shadows: [{ model_name: "churn", version: "1", percent: 10 }],
    });
    expect([shadowed.status, shadowed.body.message]).toEqual([
      400,
      "Invalid value 'models:/churn/1' for parameter 'shadows.0.version': version 1 is also arm arms.0, which answers for real; a shadow must be a version no arm serves.",
    ]);
    // Nothing was stored for the refused specs.
    expect((await call("GET", `${API}/get`, { name: "bad" })).status).toBe(404);
  });

  it("mirrors to shadows without returning their answers, then deletes", async () => {
    const created = await call("POST", `${API}/create`, {
      name: "shadowed",
      spec: {
        arms: [{ model_uri: "models:/churn/1", weight: 1 }],
        shadows: [{ model_uri: "models:/churn/3", percent: 100 }],
      },
    });
    expect(created.status).toBe(200);
    const counts = await tally("shadowed", 50, 5);
    expect([...counts.keys()]).toEqual(["1"]);
    expect((await call("DELETE", `${API}/delete`, { name: "shadowed" })).status).toBe(200);
    const gone = await fetch(`${baseUrl}/serving/shadowed/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [ZERO_ROW] }),
    });
    expect(gone.status).toBe(404);
  });
});
