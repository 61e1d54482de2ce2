/**
 * Search spaces and samplers: the grid enumerates exactly (conditionals included), random search and
 * TPE are deterministic for a seed (also with concurrent trials), and TPE finds better points than
 * random search at the same budget on a noisy 2-D quadratic.
 */
import { describe, expect, it } from "vitest";
import { enumerateGrid, gridValues } from "../src/tuning/grid-sampler.js";
import { categoricalProbabilities, TruncatedGaussianMixture } from "../src/tuning/parzen.js";
import { randomFor } from "../src/tuning/random-draws.js";
import {
  categorical,
  conditional,
  int,
  logUniform,
  type ParamsOf,
  type SearchSpace,
  uniform,
} from "../src/tuning/space.js";
import { type TuneOptions, tune } from "../src/tuning/tune.js";

describe("search spaces", () => {
  const space = {
    solver: categorical(["lbfgs", "newton", "sag"]),
    depth: int(1, 4),
    alpha: logUniform(1e-3, 10, { grid: [0.01, 1] }),
    momentum: conditional(uniform(0, 1, { grid: [0.5, 0.9] }), { on: "solver", values: ["sag"] }),
  };

  it("types a point of the space", () => {
    const point: ParamsOf<typeof space> = { solver: "sag", depth: 2, alpha: 0.1, momentum: undefined };
    // @ts-expect-error: "adam" is not a choice.
    const wrong: ParamsOf<typeof space> = { solver: "adam", depth: 2, alpha: 0.1, momentum: 0.5 };
    expect([point.solver, wrong.depth]).toEqual(["sag", 2]);
  });

  it("grid: every combination once, conditionals multiplying only where active, last parameter fastest", () => {
    const grid = enumerateGrid(space);
    // lbfgs, newton: 4 depths × 2 alphas each; sag: 4 × 2 × 2 momenta.
    expect(grid).toHaveLength(2 * 4 * 2 + 4 * 2 * 2);
    expect(new Set(grid.map((p) => JSON.stringify(p))).size).toBe(grid.length);
    expect(grid.slice(0, 3)).toEqual([
      { solver: "lbfgs", depth: 1, alpha: 0.01, momentum: undefined },
      { solver: "lbfgs", depth: 1, alpha: 1, momentum: undefined },
      { solver: "lbfgs", depth: 2, alpha: 0.01, momentum: undefined },
    ]);
    expect(
      grid.filter((p) => p.solver === "sag").every((p) => p.momentum === 0.5 || p.momentum === 0.9),
    ).toBe(true);
    expect(grid.filter((p) => p.solver !== "sag").every((p) => p.momentum === undefined)).toBe(true);
  });

  it("grid values of continuous and log-integer parameters without a grid", () => {
    expect(gridValues(uniform(0, 1), { pointsPerContinuous: 3 })).toEqual([0, 0.5, 1]);
    expect(
      gridValues(logUniform(1e-2, 1e2), { pointsPerContinuous: 5 }).map((v) =>
        Number((v as number).toPrecision(12)),
      ),
    ).toEqual([0.01, 0.1, 1, 10, 100]);
    expect(gridValues(int(1, 1000, { log: true }), { pointsPerContinuous: 4 })).toEqual([1, 10, 100, 1000]);
  });

  it("grid search runs the whole grid by default", async () => {
    const seen: string[] = [];
    const result = await tune({
      space,
      sampler: "grid",
      direction: "minimize",
      objective: (p) => {
        seen.push(JSON.stringify(p));
        return p.depth + (p.momentum ?? 0);
      },
    });
    expect(seen).toEqual(enumerateGrid(space).map((p) => JSON.stringify(p)));
    expect(result.bestValue).toBe(1);
  });

  it("rejects a conditional on a later parameter", async () => {
    const bad = { x: conditional(uniform(0, 1), { on: "y", values: ["a"] }), y: categorical(["a"]) };
    await expect(tune({ space: bad, trials: 1, direction: "minimize", objective: () => 0 })).rejects.toThrow(
      "must be declared before",
    );
  });
});

describe("Parzen estimators", () => {
  it("the truncated mixture is a density on its range and samples inside it", () => {
    const mixture = TruncatedGaussianMixture.adaptive([0.1, 0.15, 0.8], 0, 1);
    let integral = 0;
    const steps = 20_000;
    for (let i = 0; i < steps; i++) integral += Math.exp(mixture.logPdf((i + 0.5) / steps)) / steps;
    expect(integral).toBeCloseTo(1, 4);
    const random = randomFor(1);
    for (let i = 0; i < 1000; i++) {
      const x = mixture.sample(random);
      expect(x >= 0 && x <= 1).toBe(true);
    }
    expect(Math.exp(mixture.logMass(0, 1))).toBeCloseTo(1, 6);
  });

  it("categorical probabilities are counts plus the prior", () => {
    expect(Array.from(categoricalProbabilities([0, 0, 2], 3))).toEqual([3 / 6, 1 / 6, 2 / 6]);
  });
});

/** (x − 1.3)² + (y + 0.7)² + noise, on [−5, 5]²: its minimum is about 0. */
const quadraticSpace = { x: uniform(-5, 5), y: uniform(-5, 5) } satisfies SearchSpace;
function noisyQuadratic(seed: number) {
  return (p: ParamsOf<typeof quadraticSpace>, trial: { number: number }) => {
    const noise = 0.01 * (randomFor(seed, 99, trial.number)() - 0.5);
    return (p.x - 1.3) ** 2 + (p.y + 0.7) ** 2 + noise;
  };
}

const run = (options: Partial<TuneOptions<typeof quadraticSpace>> & { seed: number }) =>
  tune({
    space: quadraticSpace,
    direction: "minimize",
    trials: 40,
    objective: noisyQuadratic(options.seed),
    ...options,
  });

describe("determinism", () => {
  it.each(["random", "tpe"] as const)(
    "%s: the same seed gives the same trials, another seed others",
    async (sampler) => {
      const a = await run({ sampler, seed: 7 });
      const b = await run({ sampler, seed: 7 });
      const c = await run({ sampler, seed: 8 });
      expect(b.trials.map((t) => t.params)).toEqual(a.trials.map((t) => t.params));
      expect(c.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
    },
  );

  it("TPE with 3 concurrent trials finishing in random order gives the same trials every time", async () => {
    const jittered = (seed: number) => {
      const base = noisyQuadratic(seed);
      return async (p: ParamsOf<typeof quadraticSpace>, trial: { number: number }) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return base(p, trial);
      };
    };
    const first = await run({ sampler: "tpe", seed: 3, concurrency: 3, objective: jittered(3) });
    const second = await run({ sampler: "tpe", seed: 3, concurrency: 3, objective: jittered(3) });
    expect(second.trials.map((t) => t.params)).toEqual(first.trials.map((t) => t.params));
  });

  it("never has more than `concurrency` trials in flight", async () => {
    let inFlight = 0;
    let most = 0;
    await run({
      sampler: "random",
      seed: 1,
      concurrency: 4,
      objective: async (p) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return p.x;
      },
    });
    expect(most).toBe(4);
  });
});

describe("TPE against random search", () => {
  it("finds lower values of a noisy 2-D quadratic at the same budget, on average over 10 seeds", async () => {
    const seeds = Array.from({ length: 10 }, (_, i) => 100 + i);
    const best = async (sampler: "random" | "tpe") => {
      const values: number[] = [];
      for (const seed of seeds) values.push((await run({ sampler, seed })).bestValue);
      return values;
    };
    const random = await best("random");
    const tpe = await best("tpe");
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `noisy quadratic, 40 trials, 10 seeds: mean best value TPE ${mean(tpe).toFixed(4)}, random ${mean(random).toFixed(4)}; ` +
        `TPE better on ${tpe.filter((v, i) => v < random[i]!).length}/10 seeds`,
    );
    expect(mean(tpe)).toBeLessThan(mean(random) / 2);
    expect(tpe.filter((v, i) => v < random[i]!).length).toBeGreaterThanOrEqual(7);
  });
});
