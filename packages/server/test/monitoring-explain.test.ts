import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecisionTreeClassifier, type Frame, rawOutputs, toModelDir } from "../../ml/src/index.js";
import type { Gyre } from "../src/index.js";
import { type ScratchStore, scratchSqliteStore } from "../src/testing/index.js";
import { gyreCli, postJson, registerModelDir, startServingGyre } from "./monitoring-support.js";

/**
 * Explanations of a served @gyre/ml tree model: TreeSHAP of one logged prediction adds up to the
 * model's raw output, and permutation importance on the labeled traffic finds the one feature the
 * label depends on. The label is x0 > 0, so the tree splits on x0 only: x1's attribution and
 * importance are exactly 0.
 */
const N = 24;
const x0 = Array.from({ length: N }, (_, i) => (i - N / 2 + 0.5) / N);
const x1 = Array.from({ length: N }, (_, i) => ((i * 7) % N) / N);
const y = x0.map((v) => (v > 0 ? 1 : 0));
const M = "/api/2.0/gyre/monitoring";

describe("monitoring explanations", () => {
  let store: ScratchStore;
  let gyre: Gyre;
  let url: string;
  const ids: string[] = [];
  const frame: Frame = {
    nRows: N,
    columns: [
      { kind: "numeric", name: "x0", values: Float64Array.from(x0) },
      { kind: "numeric", name: "x1", values: Float64Array.from(x1) },
    ],
  };
  const model = new DecisionTreeClassifier().fit(frame, { codes: Int32Array.from(y), classes: ["0", "1"] });

  const post = (path: string, body: unknown) => postJson(url, path, body);

  beforeAll(async () => {
    store = scratchSqliteStore("gyre-mon-explain-");
    ({ gyre, url } = await startServingGyre(store));
    const dir = await mkdtemp(join(tmpdir(), "gyre-mon-tree-"));
    await toModelDir(model, dir, { inputExample: frame });
    expect((await post("/api/2.0/mlflow/registered-models/create", { name: "tree" })).status).toBe(200);
    await registerModelDir(url, "tree", "1", dir);
    await rm(dir, { recursive: true, force: true });
    expect(
      (
        await post("/api/2.0/gyre/deployments/create", {
          name: "tree-prod",
          spec: { arms: [{ model_uri: "models:/tree/1", weight: 1 }] },
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < N; i++) {
      const answer = await post("/serving/tree-prod/invocations", {
        dataframe_split: { columns: ["x0", "x1"], data: [[x0[i], x1[i]]] },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      ids.push(answer.headers.get("x-request-id")!);
    }
    expect(
      (await post(`${M}/labels`, { labels: ids.map((id, i) => ({ request_id: id, value: y[i] })) })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
  });

  it("TreeSHAP of a logged prediction adds up to the model's raw output", async () => {
    const i = 3;
    const answer = await fetch(`${url}${M}/explain?request_id=${ids[i]}`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as any;
    expect(body).toMatchObject({
      request_id: ids[i],
      row: 0,
      model: "tree",
      version: "1",
      outputs: ["0", "1"],
    });
    const row: Frame = {
      nRows: 1,
      columns: [
        { kind: "numeric", name: "x0", values: Float64Array.of(x0[i]!) },
        { kind: "numeric", name: "x1", values: Float64Array.of(x1[i]!) },
      ],
    };
    const raw = rawOutputs(model.treeEnsemble(), row);
    for (let k = 0; k < 2; k++) {
      const total = body.attributions.reduce(
        (sum: number, a: any) => sum + a.values[k],
        body.expected_value[k],
      );
      expect(total).toBeCloseTo(raw[k]!, 12);
    }
    expect(body.attributions[0].feature).toBe("x0");
    expect(body.attributions.find((a: any) => a.feature === "x1").values).toEqual([0, 0]);
  });

  it("permutation importance on labeled traffic: the label's feature matters, the other not at all", async () => {
    const answer = await post(`${M}/importance`, { model: "tree", version: "1", n_repeats: 3, seed: 7 });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      model: "tree",
      version: "1",
      rows: N,
      metric: "accuracy",
      baseline_score: 1,
    });
    const [first, second] = answer.body.importances;
    expect(first.feature).toBe("x0");
    expect(first.mean).toBeGreaterThan(0.2);
    expect(second).toEqual({ feature: "x1", mean: 0, std: 0 });
  });

  it("gyre monitor explain and importance print the same", async () => {
    const explain = await gyreCli(["monitor", "explain", ids[3]!, "--tracking-uri", url], {});
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout.split("\n")[2]).toMatch(/^FEATURE\s+0\s+1$/);
    expect(explain.stdout.split("\n")[3]).toMatch(/^x0\s/);
    const importance = await gyreCli(["monitor", "importance", "tree", "1", "--tracking-uri", url], {});
    expect(importance.stdout).toContain(`tree version 1: ${N} labeled rows, accuracy 1`);
  });

  it("refuses what it cannot explain, naming why", async () => {
    expect((await fetch(`${url}${M}/explain?request_id=nope`)).status).toBe(404);
    const missing = await post(`${M}/importance`, { model: "tree", version: "9" });
    expect(missing.status).toBe(404);
    const empty = await post(`${M}/importance`, { model: "tree", version: "1", start_time: 0, end_time: 1 });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain("labeled prediction");
  });
});
