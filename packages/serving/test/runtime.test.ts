import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GyreError } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchFromColumns, ModelRuntime, type Prediction, writeModelDir } from "../src/index.js";
import {
  FEATURES,
  LOGREG_LOGITS,
  LOGREG_ROWS,
  logregColumnsDir,
  logregGraph,
  logregTensorDir,
  mlflowTreesDir,
  onnx,
  perColumnDir,
  sigmoid,
  treesGraph,
} from "./support/models.js";

let root: string;
let logreg: ModelRuntime;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gyre-runtime-"));
  logreg = await ModelRuntime.load(await logregTensorDir(path.join(root, "logreg")), { name: "logreg" });
});
afterAll(async () => {
  await logreg.release();
  await rm(root, { recursive: true, force: true });
});

/** Rows on a 1/4 grid in [−2, 2]: every logit is exact in float32 whatever the summation order. */
function gridRows(count: number, width: number, seed = 7): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * 17) / 4 - 2;
  };
  return Array.from({ length: count }, () => Array.from({ length: width }, next));
}

const rowsBatch = (runtime: ModelRuntime, rows: number[][]) =>
  batchFromColumns(
    runtime.schema,
    Object.fromEntries(rows[0]!.map((_, c) => [`c${c}`, rows.map((r) => r[c]!)])),
  );

const values = (prediction: Prediction, output = 0) =>
  Array.from(prediction.outputs[output]!.data as Float32Array);

describe("loading", () => {
  it("infers a tensor signature from the ONNX graph when the manifest has none", () => {
    expect(logreg.signatureDeclared).toBe(false);
    expect(logreg.signature).toEqual({
      inputs: [{ name: "input", type: "float32", shape: [-1, 20] }],
      outputs: [{ name: "probability", type: "float32", shape: [-1, 1] }],
    });
    expect(logreg.schema.feeds).toEqual([{ name: "input", type: "float32", rowShape: [20] }]);
  });

  it("maps a column signature onto one [n, k] input, in signature order", async () => {
    const churn = await ModelRuntime.load(await logregColumnsDir(path.join(root, "churn")));
    expect(churn.schema.kind).toBe("columns");
    expect(churn.schema.feeds).toEqual([{ name: "input", type: "float32", rowShape: [20] }]);
    expect(churn.schema.fields.map((f) => [f.name, f.type, f.typeName, f.feed, f.offset])).toEqual(
      FEATURES.map((name, i) => [name, "float64", "double", 0, i]),
    );
    await churn.release();
  });

  it("maps a column signature onto one ONNX input per column", async () => {
    const members = await ModelRuntime.load(await perColumnDir(path.join(root, "members")));
    expect(members.schema.feeds).toEqual([
      { name: "age", type: "int64", rowShape: [1] },
      { name: "income", type: "float32", rowShape: [1] },
      { name: "member", type: "bool", rowShape: [1] },
    ]);
    const prediction = await members.predict(
      batchFromColumns(members.schema, { member: [true, false], income: [100, 3], age: [30, 41] }),
    );
    // 2·age + income/2 + (member ? 10 : 0)
    expect(values(prediction)).toEqual([120, 83.5]);
    await members.release();
  });

  it("reads an MLflow directory with its declared signature", async () => {
    const trees = await ModelRuntime.load(await mlflowTreesDir(path.join(root, "mlflow")));
    expect(trees.signatureDeclared).toBe(true);
    expect(trees.model.flavor).toBe("mlflow");
    expect(trees.outputs).toEqual([
      { name: "label", type: "int64", shape: [-1] },
      { name: "probabilities", type: "float32", shape: [-1, 2] },
    ]);
    const prediction = await trees.predict(
      batchFromColumns(trees.schema, { f0: [0, 1, 1], f1: [0, 0.5, 2], f2: [0, -1, 1] }),
    );
    expect(Array.from(prediction.outputs[0]!.data as BigInt64Array)).toEqual([0n, 0n, 1n]);
    // By hand: tree sums 0, −0.125, 0.5 plus the base value −0.25.
    const p = [-0.25, -0.375, 0.25].map(sigmoid);
    for (const [i, v] of values(prediction, 1).entries()) {
      expect(Math.abs(v - (i % 2 ? p[i >> 1]! : 1 - p[i >> 1]!))).toBeLessThanOrEqual(2 ** -23);
    }
    await trees.release();
  });

  it("refuses files that are not ONNX and signatures that do not fit the graph", async () => {
    const garbage = path.join(root, "garbage");
    await writeModelDir(garbage, { onnxBytes: new TextEncoder().encode("not a model") });
    const error = await ModelRuntime.load(garbage).catch((e: unknown) => e as GyreError);
    expect((error as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
    expect((error as GyreError).message).toContain(
      `Cannot load the ONNX model ${path.join(garbage, "model.onnx")}:`,
    );

    const misfit = path.join(root, "misfit");
    await writeModelDir(misfit, {
      onnxBytes: onnx(logregGraph()),
      signature: {
        inputs: [
          { name: "a", type: "double" },
          { name: "b", type: "double" },
        ],
        outputs: [],
      },
    });
    await expect(ModelRuntime.load(misfit)).rejects.toThrow(
      "Cannot map the signature's 2 columns onto the ONNX inputs; the ONNX graph's inputs are 'input' float32[-1, 20]",
    );

    const strings = path.join(root, "strings");
    await writeModelDir(strings, {
      onnxBytes: onnx(treesGraph()),
      signature: { inputs: [{ name: "X", type: "string", shape: [-1, 3] }], outputs: [] },
    });
    await expect(ModelRuntime.load(strings)).rejects.toThrow(
      "The signature's input 'X' (string) cannot feed the ONNX input 'X' (float32)",
    );
  });
});

describe("predictions", () => {
  it("20-feature logistic regression: probabilities equal the hand-computed sigmoid of exact logits", async () => {
    const prediction = await logreg.predict(
      rowsBatch(logreg, [LOGREG_ROWS.a, LOGREG_ROWS.b, LOGREG_ROWS.zero]),
    );
    expect(prediction.rows).toBe(3);
    expect(prediction.outputs[0]!.shape).toEqual([3, 1]);
    const expected = [LOGREG_LOGITS.a, LOGREG_LOGITS.b, LOGREG_LOGITS.zero].map(sigmoid);
    expect(expected.map((p) => p.toFixed(6))).toEqual(["0.731059", "0.148047", "0.562177"]);
    for (const [i, v] of values(prediction).entries())
      expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(2 ** -23);
  });

  it("batches concurrent requests into fewer runs with exactly the unbatched per-request results", async () => {
    const rows = gridRows(200, 20);
    const unbatched: number[][] = [];
    for (const row of rows) unbatched.push(values(await logreg.predict(rowsBatch(logreg, [row]))));
    const before = { ...logreg.stats };
    const batched = await Promise.all(
      rows.map(async (row) => values(await logreg.predict(rowsBatch(logreg, [row])))),
    );
    const runs = logreg.stats.runs - before.runs;
    expect(batched).toEqual(unbatched);
    expect(runs).toBeLessThan(10);
    expect(logreg.stats.requests - before.requests).toBe(200);
  });

  it("keeps multi-row requests whole and in order inside a batch", async () => {
    const requests = [gridRows(3, 20, 1), gridRows(1, 20, 2), gridRows(5, 20, 3)];
    const alone: number[][] = [];
    for (const rows of requests) alone.push(values(await logreg.predict(rowsBatch(logreg, rows))));
    const together = await Promise.all(
      requests.map(async (rows) => values(await logreg.predict(rowsBatch(logreg, rows)))),
    );
    expect(together).toEqual(alone);
    expect(together.map((v) => v.length)).toEqual([3, 1, 5]);
  });

  it("bounds the queue: past maxQueueRows requests fail with TEMPORARILY_UNAVAILABLE", async () => {
    const small = await ModelRuntime.load(path.join(root, "logreg"), {
      name: "small",
      batching: { maxQueueRows: 4 },
    });
    const outcomes = await Promise.allSettled(
      gridRows(10, 20).map((row) => small.predict(rowsBatch(small, [row]))),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(4);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(rejected).toHaveLength(6);
    expect((rejected[0]!.reason as GyreError).code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(small.stats.rejected).toBe(6);
    await small.release();
  });

  it("finishes queued work on release, then refuses new requests", async () => {
    const runtime = await ModelRuntime.load(path.join(root, "logreg"), { name: "released" });
    const pending = runtime.predict(rowsBatch(runtime, [LOGREG_ROWS.a]));
    await runtime.release();
    expect(values(await pending)).toHaveLength(1);
    expect(runtime.ready).toBe(false);
    await expect(runtime.predict(rowsBatch(runtime, [LOGREG_ROWS.a]))).rejects.toThrow(
      "Model released has been unloaded",
    );
  });

  it("rejects values of the wrong type naming the column and the expected type", async () => {
    const members = await ModelRuntime.load(path.join(root, "members"));
    expect(() => batchFromColumns(members.schema, { age: [30.5], income: [1], member: [true] })).toThrow(
      "Invalid value 30.5 for column 'age' at row 0: expected long.",
    );
    expect(() => batchFromColumns(members.schema, { age: [30], income: ["1"], member: [true] })).toThrow(
      "Invalid value \"1\" for column 'income' at row 0: expected double.",
    );
    expect(() => batchFromColumns(members.schema, { age: [30], income: [1] })).toThrow(
      "Missing column 'member' (expected boolean).",
    );
    expect(() =>
      batchFromColumns(members.schema, { age: [30], income: [1], member: [true], zip: ["x"] }),
    ).toThrow("Unknown column 'zip': the model's columns are age, income, member.");
    await members.release();
  });
});
