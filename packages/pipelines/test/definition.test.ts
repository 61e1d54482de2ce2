import { describe, expect, it } from "vitest";
import { pipeline } from "../src/index.js";

function problemOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the definition to be rejected");
}

describe("pipeline definitions", () => {
  it("infers dependencies from data flow and orders steps topologically", () => {
    const def = pipeline("flow", (p) => {
      const threshold = p.param("threshold", "number", 0.5);
      const report = p.step(
        "report",
        { inputs: { auc: p.output("train", "auc", "number") } },
        () => undefined,
      );
      const load = p.step("load", { outputs: { data: "dataset", rows: "number" } }, () => ({
        data: "datasets:/flights/1",
        rows: 3,
      }));
      p.step(
        "train",
        { inputs: { data: load.outputs.data, threshold }, outputs: { auc: "number" } },
        ({ inputs }) => ({ auc: inputs.threshold }),
      );
      p.step("notify", { after: [report] }, () => undefined);
    });
    expect(def.steps.map((s) => s.name)).toEqual(["load", "train", "report", "notify"]);
    expect(def.step("train").dependsOn).toEqual(["load"]);
    expect(def.step("report").dependsOn).toEqual(["train"]);
    expect(def.step("notify").dependsOn).toEqual(["report"]);
    expect(def.params).toEqual([{ name: "threshold", kind: "number", default: 0.5, required: false }]);
  });

  it("rejects a cycle, naming the steps on it", () => {
    const message = problemOf(() =>
      pipeline("loop", (p) => {
        p.step("a", { inputs: { x: p.output("c", "z", "number") }, outputs: { y: "number" } }, () => ({
          y: 1,
        }));
        p.step("b", { inputs: { y: p.output("a", "y", "number") }, outputs: { z: "number" } }, () => ({
          z: 1,
        }));
        p.step("c", { inputs: { z: p.output("b", "z", "number") }, outputs: { z: "number" } }, () => ({
          z: 1,
        }));
        p.step("free", {}, () => undefined);
      }),
    );
    expect(message).toBe("Pipeline 'loop' is invalid:\n  - the steps form a cycle: a → c → b → a");
  });

  it("rejects a step that waits for itself", () => {
    expect(
      problemOf(() => pipeline("self", (p) => p.step("solo", { after: ["solo"] }, () => undefined))),
    ).toBe("Pipeline 'self' is invalid:\n  - the steps form a cycle: solo → solo");
  });

  it("rejects ill-typed connections, naming both steps", () => {
    const message = problemOf(() =>
      pipeline("typed", (p) => {
        const train = p.step("train", { outputs: { model: "model" } }, () => ({ model: "models:/m/1" }));
        p.step(
          "validate",
          { inputs: { data: train.outputs.model }, expects: { data: "dataset" } },
          () => undefined,
        );
        p.step("score", { inputs: { data: "not-a-uri" }, expects: { data: "dataset" } }, () => undefined);
        p.step("report", { inputs: { m: p.output("train", "metrics", "json") } }, () => undefined);
        p.step("late", { inputs: { m: p.output("ghost", "x", "json") } }, () => undefined);
        p.step("wrong", { inputs: { m: p.output("train", "model", "dataset") } }, () => undefined);
      }),
    );
    expect(message.split("\n")).toEqual([
      "Pipeline 'typed' is invalid:",
      "  - step 'validate' input 'data' expects a dataset but output 'model' of step 'train' is a model",
      "  - step 'score' input 'data' expects a dataset: the value given must be a dataset version URI like datasets:/name/3, got 'not-a-uri'",
      "  - step 'report' input 'm' refers to output 'metrics' of step 'train', which has no such output",
      "  - step 'late' input 'm' refers to step 'ghost', which does not exist",
      "  - step 'wrong' input 'm' takes output 'model' of step 'train' as a dataset, but it is declared a model",
    ]);
  });

  it("rejects a misspelt output at the point of use", () => {
    const message = problemOf(() =>
      pipeline("typo", (p) => {
        const load = p.step("load", { outputs: { data: "dataset" } }, () => ({ data: "datasets:/d/1" }));
        const outputs = load.outputs as Record<string, unknown>;
        p.step("train", { inputs: { data: outputs.dta as never } }, () => undefined);
      }),
    );
    expect(message).toBe(
      "Pipeline 'typo' is invalid:\n  - step 'load' has no output 'dta' (its outputs: data)",
    );
  });

  it("rejects duplicate and badly named steps, bad policies and references into other pipelines", () => {
    let foreign: unknown;
    pipeline("other", (p) => {
      foreign = p.step("src", { outputs: { v: "number" } }, () => ({ v: 1 })).outputs.v;
    });
    const message = problemOf(() =>
      pipeline("bad", (p) => {
        p.step("a", {}, () => undefined);
        p.step("a", { retries: -1 }, () => undefined);
        p.step("has space", { timeoutMs: 0 }, () => undefined);
        p.step("b", { inputs: { v: foreign as never }, resources: { cpu: 0 } }, () => undefined);
        p.shell("c", "  ");
      }),
    );
    expect(message.split("\n")).toEqual([
      "Pipeline 'bad' is invalid:",
      "  - step 'a' is defined twice",
      "  - step 'a': retries must be an integer ≥ 0",
      "  - step name 'has space' must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 128 characters)",
      "  - step 'has space': timeoutMs must be a positive number of milliseconds",
      "  - step 'b': resources.cpu must be positive",
      "  - step 'c' needs a non-empty shell command",
      "  - step 'b' input 'v' refers to output 'v' of step 'src' of another pipeline",
    ]);
  });
});
