import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildServingApp,
  type Deployment,
  DeploymentRegistry,
  type PredictionEntry,
  type PredictionRecorder,
  parseDeploymentSpec,
  routeKeyPoint,
  type ShadowOutcome,
} from "../src/index.js";
import { call } from "./support/served.js";
import { deploy, VersionDirs, v2Body, versionOfZeroRowAnswer } from "./support/versions.js";

let dirs: VersionDirs;
const open: { app?: FastifyInstance; deployment?: Deployment }[] = [];
beforeAll(async () => {
  dirs = await VersionDirs.create();
});
afterEach(async () => {
  for (const { app, deployment } of open.splice(0)) {
    await app?.close();
    await deployment?.close();
  }
});
afterAll(() => dirs.dispose());

class MemoryLog implements PredictionRecorder {
  readonly entries: PredictionEntry[] = [];
  record(entry: PredictionEntry): void {
    this.entries.push(entry);
  }
}

async function serve(deployment: Deployment): Promise<FastifyInstance> {
  const registry = new DeploymentRegistry();
  registry.add(deployment);
  const app = await buildServingApp({ models: registry });
  open.push({ app, deployment });
  return app;
}

/** The probability a V2 answer gives the zero row, and the version it reports. */
async function inferZero(app: FastifyInstance, headers: Record<string, string> = {}) {
  const answer = await call(app, "POST", "/v2/models/churn/infer", v2Body(), headers);
  expect(answer.status).toBe(200);
  const body = answer.body as { model_version: string; outputs: { data: number[] }[] };
  return { version: body.model_version, probability: body.outputs[0]!.data[0]! };
}

describe("deployment specs", () => {
  it("accepts integer and fractional weights alike, and names every problem", () => {
    expect(
      parseDeploymentSpec({
        arms: [
          { version: "1", weight: 0.9 },
          { version: "2", weight: 0.1 },
        ],
      }),
    ).toEqual({
      arms: [
        { version: "1", weight: 0.9 },
        { version: "2", weight: 0.1 },
      ],
      shadows: [],
    });
    expect(() => parseDeploymentSpec({ arms: [] })).toThrow("arms: a deployment needs at least one arm");
    expect(() =>
      parseDeploymentSpec({
        arms: [
          { version: "1", weight: -1 },
          { version: "1", weight: Number.POSITIVE_INFINITY },
        ],
      }),
    ).toThrow(
      "Invalid deployment: arms.0.weight: a weight cannot be negative; arms.1.weight: a weight is a finite number",
    );
    expect(() => parseDeploymentSpec({ arms: [{ version: "1", weight: 0 }] })).toThrow(
      "arms: the weights must add up to more than 0",
    );
    expect(() =>
      parseDeploymentSpec({ arms: [{ version: "1", weight: 1 }], shadows: [{ version: "1", percent: 150 }] }),
    ).toThrow(
      "shadows.0.percent: percent is from 0 to 100; shadows.0.version: version 1 appears twice (a version is one arm or one shadow)",
    );
    expect(() =>
      parseDeploymentSpec({ arms: [{ version: "1", weight: 1 }], stickyHeader: "bad header" }),
    ).toThrow("stickyHeader: a header name is an HTTP token");
  });
});

describe("canary routing", () => {
  it("splits 10,000 requests 90/10 within binomial 4-sigma bounds", async () => {
    const deployment = await deploy(dirs, {
      arms: [
        { version: "1", weight: 90 },
        { version: "2", weight: 10 },
      ],
    });
    const app = await serve(deployment);
    const n = 10_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i += 100) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => inferZero(app)));
      for (const { version, probability } of answers) {
        // The answer's values come from the version it reports.
        expect(versionOfZeroRowAnswer(probability, ["1", "2"])).toBe(version);
        counts.set(version, (counts.get(version) ?? 0) + 1);
      }
    }
    const canary = counts.get("2") ?? 0;
    const sigma = Math.sqrt(n * 0.1 * 0.9);
    expect(canary).toBeGreaterThan(n * 0.1 - 4 * sigma);
    expect(canary).toBeLessThan(n * 0.1 + 4 * sigma);
    expect((counts.get("1") ?? 0) + canary).toBe(n);
  });

  it("labels the heavier arm primary and the others canary; a zero weight gets no traffic", async () => {
    const deployment = await deploy(dirs, {
      arms: [
        { version: "1", weight: 1 },
        { version: "2", weight: 3 },
        { version: "3", weight: 0 },
      ],
    });
    open.push({ deployment });
    expect(deployment.list().map((m) => [m.version, m.arm])).toEqual([
      ["1", "canary"],
      ["2", "primary"],
      ["3", "canary"],
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(deployment.route({ requestId: String(i), headers: {} }).version!);
    expect([...seen].sort()).toEqual(["1", "2"]);
    // Still loaded and addressable by its version path.
    expect(deployment.version("3")?.predictor.ready).toBe(true);
  });

  it("routes a sticky key to the same arm every time, and keys spread by weight", async () => {
    const deployment = await deploy(dirs, {
      arms: [
        { version: "1", weight: 0.5 },
        { version: "2", weight: 0.5 },
      ],
      stickyHeader: "X-Gyre-Route-Key",
    });
    const app = await serve(deployment);
    const byKey = new Map<string, Set<string>>();
    for (let key = 0; key < 200; key++) {
      for (let repeat = 0; repeat < 5; repeat++) {
        const { version } = await inferZero(app, { "x-gyre-route-key": `user-${key}` });
        const versions = byKey.get(`user-${key}`) ?? new Set();
        versions.add(version);
        byKey.set(`user-${key}`, versions);
      }
    }
    expect([...byKey.values()].every((versions) => versions.size === 1)).toBe(true);
    const toCanary = [...byKey.values()].filter((v) => v.has("2")).length;
    // 200 keys at 50/50: 4 sigma is ±28.
    expect(Math.abs(toCanary - 100)).toBeLessThan(28);
    // Deterministic: the same point for the same key, whatever the process.
    expect(routeKeyPoint("churn", "user-7")).toBe(routeKeyPoint("churn", "user-7"));
    expect(routeKeyPoint("churn", "user-7")).not.toBe(routeKeyPoint("other", "user-7"));
  });

  it("moves only the keys in the changed slice when a canary ramps up", async () => {
    const deployment = await deploy(dirs, {
      arms: [
        { version: "1", weight: 90 },
        { version: "2", weight: 10 },
      ],
      stickyHeader: "x-gyre-route-key",
    });
    open.push({ deployment });
    const armOf = (key: string) =>
      deployment.route({ requestId: key, headers: { "x-gyre-route-key": key } }).version;
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    const before = keys.map(armOf);
    await deployment.apply({
      ...deployment.spec,
      arms: [
        { version: "1", weight: 80 },
        { version: "2", weight: 20 },
      ],
    });
    const after = keys.map(armOf);
    // Keys already on the canary stay there; some primary keys join them.
    expect(keys.every((_, i) => before[i] !== "2" || after[i] === "2")).toBe(true);
    expect(after.filter((v) => v === "2").length).toBeGreaterThan(before.filter((v) => v === "2").length);
  });
});

describe("shadows", () => {
  it("never returns a shadow's answer, and logs it with its diff against the primary", async () => {
    const log = new MemoryLog();
    const outcomes: ShadowOutcome[] = [];
    const deployment = await deploy(
      dirs,
      { arms: [{ version: "1", weight: 1 }], shadows: [{ version: "3", percent: 100 }] },
      { predictionLog: log, observer: { shadow: (o) => outcomes.push(o) } },
    );
    const app = await serve(deployment);
    for (let i = 0; i < 20; i++) {
      const { version, probability } = await inferZero(app, { "x-request-id": `req-${i}` });
      expect(version).toBe("1");
      expect(versionOfZeroRowAnswer(probability, ["1", "3"])).toBe("1");
    }
    await until(() => outcomes.length === 20);
    expect(outcomes.every((o) => o.ok && o.version === "3" && o.primaryVersion === "1")).toBe(true);
    expect(log.entries.map((e) => e.requestId).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `req-${i}`).sort(),
    );
    const entry = log.entries[0]!;
    expect(entry).toMatchObject({ model: "churn", version: "3", arm: "shadow" });
    // Bias 2 against bias 0 on a zero row: sigmoid(2) − sigmoid(0).
    const diff = entry.shadow!.diff!;
    expect(diff.equal).toBe(false);
    expect(diff.outputs).toHaveLength(1);
    expect(diff.outputs[0]).toMatchObject({
      name: "probability",
      shape_matches: true,
      compared: 1,
      changed: 1,
    });
    expect(diff.outputs[0]!.max_abs_diff).toBeCloseTo(1 / (1 + Math.exp(-2)) - 0.5, 6);
  });

  it("mirrors about the configured percentage", async () => {
    const outcomes: ShadowOutcome[] = [];
    const deployment = await deploy(
      dirs,
      { arms: [{ version: "1", weight: 1 }], shadows: [{ version: "2", percent: 25 }] },
      { observer: { shadow: (o) => outcomes.push(o) } },
    );
    const app = await serve(deployment);
    const n = 2000;
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, () => inferZero(app)));
    await until(() => outcomes.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sigma = Math.sqrt(n * 0.25 * 0.75);
    expect(Math.abs(outcomes.length - n * 0.25)).toBeLessThan(4 * sigma);
  });

  it("keeps a failing shadow's failure out of the response", async () => {
    dirs.narrow.add("4");
    const log = new MemoryLog();
    const outcomes: ShadowOutcome[] = [];
    const deployment = await deploy(
      dirs,
      { arms: [{ version: "1", weight: 1 }], shadows: [{ version: "4", percent: 100 }] },
      { predictionLog: log, observer: { shadow: (o) => outcomes.push(o) } },
    );
    const app = await serve(deployment);
    const { version } = await inferZero(app);
    expect(version).toBe("1");
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ ok: false, version: "4" });
    expect(outcomes[0]!.error).toContain("its inputs ('input' float32[-1, 3]) differ from version 1's");
    expect(log.entries[0]!.shadow!.error).toBe(outcomes[0]!.error);
    expect(log.entries[0]!.prediction).toBeUndefined();
  });
});

describe("changes", () => {
  it("rolls back to the previous configuration in one call, and back through the history", async () => {
    const deployment = await deploy(dirs, { arms: [{ version: "1", weight: 1 }] });
    const app = await serve(deployment);
    await deployment.apply({
      arms: [
        { version: "1", weight: 9 },
        { version: "2", weight: 1 },
      ],
    });
    const moved = await deployment.apply({ arms: [{ version: "2", weight: 1 }] });
    expect(moved).toMatchObject({ loaded: [], released: ["1"] });
    expect((await inferZero(app)).version).toBe("2");

    const back = await deployment.rollback();
    expect(back.spec.arms).toEqual([
      { version: "1", weight: 9 },
      { version: "2", weight: 1 },
    ]);
    expect(back.loaded).toEqual(["1"]);
    await deployment.rollback();
    expect(deployment.spec.arms).toEqual([{ version: "1", weight: 1 }]);
    expect((await inferZero(app)).version).toBe("1");
    await expect(deployment.rollback()).rejects.toThrow("Deployment churn has no previous configuration.");
  });

  it("keeps serving the old version when the new one fails to load, and reports why", async () => {
    dirs.broken.add("5");
    const failures: string[] = [];
    const deployment = await deploy(
      dirs,
      { arms: [{ version: "1", weight: 1 }] },
      {
        observer: { failed: (_name, error) => failures.push(error.message) },
      },
    );
    const app = await serve(deployment);
    const error = await deployment.apply({ arms: [{ version: "5", weight: 1 }] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^Cannot load churn version 5: Cannot load the ONNX model .*\. Deployment churn still serves 1 \(100%\)\.$/,
    );
    expect(failures).toEqual([(error as Error).message]);
    expect(deployment.status.lastError?.message).toBe((error as Error).message);
    expect(deployment.spec.arms).toEqual([{ version: "1", weight: 1 }]);
    expect((await inferZero(app)).version).toBe("1");
    // A failed change is not a step to roll back to.
    expect(deployment.status.previous).toBeUndefined();
  });

  it("refuses to start a deployment whose version cannot load", async () => {
    dirs.broken.add("6");
    await expect(deploy(dirs, { arms: [{ version: "6", weight: 1 }] })).rejects.toThrow(
      "Cannot load churn version 6: Cannot load the ONNX model",
    );
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
