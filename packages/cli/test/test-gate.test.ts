import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accuracy,
  type FittedPipeline,
  frameFromArrays,
  HistGradientBoostingClassifier,
  logLoss,
  ordEncoding,
  Pipeline,
  rocAuc,
  toModelDir,
} from "@gyre/ml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { runCliCaptured } from "./support/run-cli.js";

/**
 * `gyre test` end to end on real ONNX models: two @gyre/ml classifiers registered as champion and
 * challenger, one CSV holdout. The figures must equal @gyre/ml's metrics computed on the fitted
 * pipelines' own probabilities (ONNX computes in float64 too, so they agree to 1e-9), and the exit
 * code must follow the thresholds.
 */

const ROWS = 600;
const SEGMENTS = ["north", "south", "east"] as const;

/** Deterministic data: `late` depends on x and on the segment ("east" is noisy). */
function dataset(seed: number) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const x: number[] = [];
  const segment: string[] = [];
  const late: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const s = SEGMENTS[i % 3]!;
    const value = Math.round((random() * 4 - 2) * 1000) / 1000;
    const noise = s === "east" ? 1.5 : 0.4;
    x.push(value);
    segment.push(s);
    late.push(value + (random() - 0.5) * 2 * noise > 0.2 ? 1 : 0);
  }
  return { x, segment, late };
}

let server: TestServer;
let work: string;
let holdoutCsv: string;
let good: FittedPipeline;
let weak: FittedPipeline;
let holdout: ReturnType<typeof dataset>;

async function register(gyre: Gyre, fitted: FittedPipeline, alias: string): Promise<void> {
  const dir = join(work, alias);
  await toModelDir(fitted, dir);
  const run = await gyre.startRun({ experiment: "gate" });
  await run.logParams({ target: "late" });
  const uri = await run.logModel(dir);
  await run.end();
  const version = await gyre.registerModel(uri, "gate");
  await gyre.setAlias("gate", alias, version.version);
}

beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  work = mkdtempSync(join(tmpdir(), "gyre-test-gate-"));
  const train = dataset(1);
  const frame = frameFromArrays({ x: train.x, segment: train.segment });
  const target = { codes: Int32Array.from(train.late), classes: ["0", "1"] };
  good = new Pipeline(ordEncoding(), new HistGradientBoostingClassifier({ maxIter: 30 })).fit(frame, target);
  // Weak: only three shallow trees with a tiny learning rate.
  weak = new Pipeline(
    ordEncoding(),
    new HistGradientBoostingClassifier({ maxIter: 3, learningRate: 0.01, maxLeafNodes: 2 }),
  ).fit(frame, target);
  const gyre = new Gyre({ trackingUri: server.baseUrl });
  await register(gyre, good, "champion");
  await register(gyre, weak, "challenger");
  holdout = dataset(2);
  holdoutCsv = join(work, "holdout.csv");
  writeFileSync(
    holdoutCsv,
    `x,segment,late\n${holdout.x.map((x, i) => `${x},${holdout.segment[i]},${holdout.late[i]}`).join("\n")}\n`,
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function gyreTest(...args: string[]) {
  return runCliCaptured(["test", ...args], { GYRE_TRACKING_URI: server.baseUrl });
}

/** `gyre test` of the challenger against the champion on the holdout CSV, with `extra` options. */
function gateAgainstChampion(file: string, ...extra: string[]) {
  return gyreTest(
    "models:/gate@challenger",
    "--against",
    "@champion",
    "--thresholds",
    file,
    "--data",
    holdoutCsv,
    ...extra,
  );
}

function thresholds(name: string, value: unknown): string {
  const file = join(work, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

function reference(fitted: FittedPipeline, rows?: number[]) {
  const pick = <T>(a: T[]) => (rows ? rows.map((r) => a[r]!) : a);
  const frame = frameFromArrays({ x: pick(holdout.x), segment: pick(holdout.segment) });
  const proba = (fitted as FittedPipeline<any>).predictProba(frame);
  const y = Int32Array.from(pick(holdout.late));
  const p1 = Float64Array.from({ length: y.length }, (_, i) => proba[2 * i + 1]!);
  const predicted = Int32Array.from(p1, (p, i) => (p > proba[2 * i]! ? 1 : 0));
  return { roc_auc: rocAuc(y, p1), accuracy: accuracy(y, predicted), log_loss: logLoss(y, proba) };
}

describe("gyre test", () => {
  it("reports both models' metrics exactly and passes lenient thresholds (exit 0)", async () => {
    const file = thresholds("lenient.json", {
      roc_auc: { max_drop: 0.5 },
      log_loss: { max_increase: 1 },
      latency_p99_ms: { max: 10_000 },
    });
    const result = await gateAgainstChampion(file, "--latency-samples", "20", "--json");
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.passed).toBe(true);
    expect(report.holdout).toEqual({ source: holdoutCsv, rows: ROWS, target: "late" });
    for (const [model, fitted] of [
      [report.challenger, weak],
      [report.champion, good],
    ] as const) {
      const expected = reference(fitted);
      expect(model.metrics.roc_auc).toBeCloseTo(expected.roc_auc, 9);
      expect(model.metrics.accuracy).toBe(expected.accuracy);
      expect(model.metrics.log_loss).toBeCloseTo(expected.log_loss, 9);
      expect(model.metrics.latency_p99_ms).toBeGreaterThan(0);
    }
    expect(report.challenger.model).toBe("gate version 2");
    expect(report.champion.model).toBe("gate version 1");
    const auc = report.checks.find((c: any) => c.name === "roc_auc");
    expect(auc).toMatchObject({ rule: "max_drop 0.5", status: "pass" });
    expect(auc.limit).toBeCloseTo(report.champion.metrics.roc_auc - 0.5, 12);
  });

  it("fails (exit 1) when the challenger drops more than allowed, naming the failed checks", async () => {
    const file = thresholds("strict.yaml", "roc_auc:\n  max_drop: 0.002\naccuracy:\n  min: 0.5\n");
    const result = await gateAgainstChampion(file, "--target", "late", "--latency-samples", "0");
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n").slice(-2)).toEqual(["error: gate failed: 1 check failed (roc_auc)", ""]);
    expect(result.stdout).toContain("Challenger: gate version 2\nChampion:   gate version 1\n");
    expect(result.stdout).toMatch(/\nroc_auc +max_drop 0\.002 +\S+ +\S+ +\S+ +FAIL\n/);
    expect(result.stdout).toMatch(/\naccuracy +min 0\.5 +0\.\d{4} +0\.\d{4} +0\.5000 +pass\n/);
    expect(result.stdout).toContain("FAILED: 1 passed, 1 failed, 0 skipped");
  });

  it("checks every slice of a column and lists the failing ones", async () => {
    const file = thresholds("slices.json", {
      slices: { column: "segment", metric: "accuracy", max_drop: 0.0, min_rows: 1 },
    });
    const result = await gateAgainstChampion(file, "--latency-samples", "0", "--json");
    const report = JSON.parse(result.stdout);
    const rowsOf = (segment: string) => holdout.segment.flatMap((s, i) => (s === segment ? [i] : []));
    for (const segment of SEGMENTS) {
      const check = report.checks.find((c: any) => c.name === `accuracy[segment=${segment}]`);
      const mine = reference(weak, rowsOf(segment)).accuracy;
      const theirs = reference(good, rowsOf(segment)).accuracy;
      expect(check).toMatchObject({
        challenger: mine,
        champion: theirs,
        status: mine >= theirs ? "pass" : "fail",
      });
    }
    expect(report.passed).toBe(report.checks.every((c: any) => c.status !== "fail"));
    expect(result.code).toBe(report.passed ? 0 : 1);
  });

  it("skips relative rules without a champion and judges absolute ones", async () => {
    const file = thresholds("first.json", { roc_auc: { max_drop: 0.002, min: 0.99 } });
    const result = await gyreTest(
      "models:/gate@champion",
      "--thresholds",
      file,
      "--data",
      holdoutCsv,
      "--latency-samples",
      "0",
      "--json",
    );
    const report = JSON.parse(result.stdout);
    expect(report.champion).toBeNull();
    expect(report.checks.map((c: any) => [c.rule, c.status])).toEqual([
      ["min 0.99", "fail"],
      ["max_drop 0.002", "skip"],
    ]);
    expect(result.code).toBe(1);
  });

  it("finds the holdout and target the challenger's run logged, and reads a registered dataset", async () => {
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const dataset = await gyre.registerDataset(holdoutCsv, { name: "gate-holdout" });
    const dir = join(work, "logged");
    await toModelDir(weak, dir);
    const run = await gyre.startRun({ experiment: "gate" });
    await run.logParams({ target: "late" });
    await run.logInput(dataset, { context: "holdout" });
    const version = await gyre.registerModel(await run.logModel(dir), "gate");
    await run.end();
    await gyre.setAlias("gate", "logged", version.version);
    const file = thresholds("logged.json", { accuracy: { min: 0 } });
    const args = ["--against", "1", "--thresholds", file, "--latency-samples", "0", "--json"];
    const logged = JSON.parse((await gyreTest("models:/gate@logged", ...args)).stdout);
    expect(logged.holdout).toEqual({ source: dataset.uri, rows: ROWS, target: "late" });
    expect(logged.champion.model).toBe("gate version 1");
    const explicit = JSON.parse((await gyreTest("models:/gate/2", "--data", dataset.uri, ...args)).stdout);
    expect(explicit.holdout).toEqual({ source: dataset.uri, rows: ROWS, target: "late" });
    // The same rows as the CSV, so the same figures.
    expect(logged.challenger.metrics).toEqual(explicit.challenger.metrics);
    expect(logged.challenger.metrics.accuracy).toBe(reference(weak).accuracy);
    const missing = await gyreTest("models:/gate@champion", "--thresholds", file);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "error: missing --data: the challenger's run logged no dataset with the context 'holdout'",
    );
  });

  it("rejects bad thresholds with exit 2, naming the field and the rule", async () => {
    const cases: [unknown, string][] = [
      [{ auc: { max_drop: 0.1 } }, "unknown key 'auc'"],
      [{ roc_auc: { max_drop: -1 } }, "roc_auc.max_drop: must be ≥ 0"],
      [{ log_loss: { max_drop: 0.1 } }, "log_loss.max_drop: log_loss is better when lower"],
      [{ roc_auc: {} }, "roc_auc: needs at least one of min, max, max_drop, max_increase"],
      [
        { slices: { metric: "accuracy", max_drop: 0.1 } },
        "slices.0.column: Invalid input: expected string, received undefined",
      ],
    ];
    for (const [index, [value, message]] of cases.entries()) {
      const file = thresholds(`bad-${index}.json`, value);
      const result = await gyreTest("models:/gate@challenger", "--thresholds", file, "--data", holdoutCsv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
    const missingTarget = await gyreTest(
      "models:/gate@challenger",
      "--thresholds",
      thresholds("ok.json", { accuracy: { min: 0 } }),
      "--data",
      holdoutCsv,
      "--target",
      "nope",
    );
    expect(missingTarget.code).toBe(1);
    expect(missingTarget.stderr).toContain("The target column 'nope' is not in");
  });
});
