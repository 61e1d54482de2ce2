import { describe, expect, it } from "vitest";
import { buildDesign, type DesignMatrix, toDenseRowMajor } from "../src/data/design-matrix.js";
import { frameFromArrays } from "../src/frame/build.js";
import { centeredGram } from "../src/linear/design-products.js";
import { minimizeLbfgs } from "../src/linear/lbfgs.js";
import { LinearRegression, LinearRegressor, Ridge } from "../src/linear/least-squares.js";
import { LogisticRegression, LogisticRegressionModel } from "../src/linear/logistic.js";
import { binaryLogisticObjective, multinomialLogisticObjective } from "../src/linear/logistic-loss.js";
import { mulberry32 } from "../src/split/random.js";
import { expectCloseTo } from "./reference-fixtures.js";

const rnd = mulberry32(5);
const n = 200;
const x1 = Array.from({ length: n }, () => rnd() * 4 - 2);
const x2 = Array.from({ length: n }, () => rnd() * 10);
const colour = Array.from({ length: n }, () => ["red", "green", "blue"][Math.floor(rnd() * 3)]!);
const size = Array.from({ length: n }, (_, i) =>
  i % 7 === 0 ? null : ["S", "M", "L", "XL"][Math.floor(rnd() * 4)]!,
);
const effect: Record<string, number> = { red: 1, green: -2, blue: 0.5 };
const truth = x1.map((v, i) => 3 + 2 * v - 0.5 * x2[i]! + effect[colour[i]!]!);
const frame = frameFromArrays({ x1, colour, x2, size });

/** The same matrix with every one-hot block expanded into dense columns. */
function denseTwin(design: DesignMatrix): DesignMatrix {
  return {
    nRows: design.nRows,
    nDense: design.nFeatures,
    dense: toDenseRowMajor(design),
    blocks: [],
    nFeatures: design.nFeatures,
  };
}

describe("sparse-aware products", () => {
  const design = buildDesign(frame);

  it("the centered Gram matrix equals the dense computation", () => {
    const sparse = centeredGram(design);
    const dense = centeredGram(denseTwin(design));
    expectCloseTo(sparse.mean, dense.mean, 1e-12, 1e-14);
    expectCloseTo(sparse.gram, dense.gram, 1e-10, 1e-10);
  });

  it("logistic losses and gradients equal the dense-expanded ones", () => {
    const p = design.nFeatures;
    const binaryY = Int32Array.from(truth, (t) => (t > 2 ? 1 : 0));
    const classY = Int32Array.from(colour, (c) => ["blue", "green", "red"].indexOf(c));
    const cases = [
      { k: 1, make: (d: DesignMatrix) => binaryLogisticObjective(d, binaryY, 0.7, true) },
      { k: 3, make: (d: DesignMatrix) => multinomialLogisticObjective(d, classY, 3, 0.7, true) },
    ];
    for (const { k, make } of cases) {
      const theta = Float64Array.from({ length: k * (p + 1) }, () => rnd() - 0.5);
      const [g1, g2] = [new Float64Array(theta.length), new Float64Array(theta.length)];
      expectCloseTo(make(design)(theta, g1), make(denseTwin(design))(theta, g2), 1e-13);
      expectCloseTo(g1, g2, 1e-11, 1e-12);
    }
  });

  it("the logistic gradient matches finite differences", () => {
    const objective = binaryLogisticObjective(
      design,
      Int32Array.from(truth, (t) => (t > 2 ? 1 : 0)),
      1,
      true,
    );
    const theta = Float64Array.from({ length: design.nFeatures + 1 }, () => rnd() - 0.5);
    const grad = new Float64Array(theta.length);
    objective(theta, grad);
    const h = 1e-6;
    for (let j = 0; j < theta.length; j++) {
      const plus = theta.slice();
      const minus = theta.slice();
      plus[j]! += h;
      minus[j]! -= h;
      const scratch = new Float64Array(theta.length);
      const numeric = (objective(plus, scratch) - objective(minus, scratch)) / (2 * h);
      expect(Math.abs(numeric - grad[j]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(grad[j]!)));
    }
  });
});

describe("LinearRegression and Ridge", () => {
  const y = Float64Array.from(truth);

  it("recovers exact coefficients through a rank-deficient one-hot design", () => {
    const model = new LinearRegression().fit(frame, y);
    // Dense x1, x2, then colour (3 levels) and size (4 levels, missing = all zeros): the colour
    // block sums to the intercept column, so one of its columns is dependent.
    expect(model.rank).toBe(model.coef.length - 1);
    expectCloseTo(model.predict(frame), y, 1e-12, 1e-12);
    expectCloseTo([model.coef[0]!, model.coef[1]!], [2, -0.5], 1e-10);
    const c = model.coef;
    expectCloseTo(
      [c[3]! - c[2]!, c[4]! - c[2]!],
      [effect.green! - effect.blue!, effect.red! - effect.blue!],
      1e-9,
    );
  });

  it("drops an exactly duplicated column instead of blowing up, whatever its scale", () => {
    const dup = frameFromArrays({ a: x1, b: x1.map((v) => 1e6 * v), c: x2 });
    const yy = Float64Array.from(x1, (v, i) => 1 + v + x2[i]!);
    const model = new LinearRegression().fit(dup, yy);
    expect(model.rank).toBe(2);
    expectCloseTo(model.predict(dup), yy, 1e-12, 1e-12);
    expect(model.coef.every(Number.isFinite)).toBe(true);
  });

  it("fits without an intercept when asked", () => {
    const f = frameFromArrays({ a: x1, b: x2 });
    const yy = Float64Array.from(x1, (v, i) => 2 * v + 3 * x2[i]!);
    const model = new LinearRegression({ fitIntercept: false }).fit(f, yy);
    expect(model.intercept).toBe(0);
    expectCloseTo(model.coef, [2, 3], 1e-12);
  });

  it("Ridge solves (XcᵀXc + αI) w = Xcᵀyc and shrinks towards the mean", () => {
    const f = frameFromArrays({ a: [1, 2, 3, 4], b: [2, 1, 4, 3] });
    const yy = Float64Array.of(1, 3, 2, 5);
    const model = new Ridge({ alpha: 2 }).fit(f, yy);
    // Centered a = (−1.5, −.5, .5, 1.5), b = (−.5, −1.5, 1.5, .5), y = (−1.75, .25, −.75, 2.25):
    // [[5 + 2, 3], [3, 5 + 2]] w = [5.5, 0.5] → w = (0.925, −0.325), b = 2.75 − 2.5·(w_a + w_b).
    expectCloseTo(model.coef, [0.925, -0.325], 1e-12);
    expectCloseTo(model.intercept, 1.25, 1e-12);
    const flat = new Ridge({ alpha: 1e12 }).fit(f, yy);
    expectCloseTo(flat.predict(f), [2.75, 2.75, 2.75, 2.75], 1e-9);
    expect(new Ridge({ alpha: 0 }).fit(frame, y).rank).toBe(new LinearRegression().fit(frame, y).rank);
  });

  it("saves and loads; predicts frames whose dictionaries differ, unseen levels as zeros", () => {
    const model = new Ridge().fit(frame, y);
    const loaded = LinearRegressor.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(loaded.predict(frame)).toEqual(model.predict(frame));
    const later = frameFromArrays({ x1: [0, 0], colour: ["red", "purple"], x2: [0, 0], size: ["S", "S"] });
    const [red, purple] = model.predict(later);
    const redCode = model.layout.oneHot[0]!.levels.indexOf("red");
    expectCloseTo(red! - purple!, model.coef[2 + redCode]!, 1e-12, 1e-12);
  });
});

describe("LogisticRegression", () => {
  it("predicts class codes and probabilities that sum to one", () => {
    const classes = ["blue", "green", "red"];
    const target = { codes: Int32Array.from(colour, (c) => classes.indexOf(c)), classes };
    const model = new LogisticRegression({ C: 10, maxIter: 500 }).fit(frameFromArrays({ x1, x2 }), target);
    const proba = model.predictProba(frameFromArrays({ x1, x2 }));
    for (let i = 0; i < n; i++)
      expectCloseTo(proba[3 * i]! + proba[3 * i + 1]! + proba[3 * i + 2]!, 1, 1e-12);
    expect(model.predict(frameFromArrays({ x1, x2 })).every((c) => c >= 0 && c < 3)).toBe(true);
    const loaded = LogisticRegressionModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(loaded.predictProba(frameFromArrays({ x1, x2 }))).toEqual(proba);
  });

  it("stays finite on separable data (the L2 penalty bounds the weights)", () => {
    const f = frameFromArrays({ x: [-3, -2, -1, 1, 2, 3] });
    const model = new LogisticRegression().fit(f, {
      codes: Int32Array.of(0, 0, 0, 1, 1, 1),
      classes: ["no", "yes"],
    });
    expect(model.fitReport?.converged).toBe(true);
    expect(Number.isFinite(model.coef[0]!)).toBe(true);
    expect(Array.from(model.predict(f))).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("rejects a single class and mismatched lengths", () => {
    const f = frameFromArrays({ x: [1, 2] });
    expect(() => new LogisticRegression().fit(f, { codes: Int32Array.of(0, 0), classes: ["a"] })).toThrow(
      /two classes/,
    );
    expect(() => new LogisticRegression().fit(f, { codes: Int32Array.of(0), classes: ["a", "b"] })).toThrow(
      /1 rows/,
    );
  });
});

describe("L-BFGS", () => {
  it("minimises the Rosenbrock function", () => {
    const rosenbrock = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = minimizeLbfgs(rosenbrock, Float64Array.of(-1.2, 1), {
      gtol: 1e-10,
      ftol: 0,
      maxIter: 1000,
    });
    expect(result.stop).toBe("gradient");
    expectCloseTo(result.x, [1, 1], 1e-8);
  });

  it("stops at maxIter and says so", () => {
    const quadratic = (x: Float64Array, g: Float64Array) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        g[i] = (i + 1) * x[i]!;
        f += 0.5 * (i + 1) * x[i]! ** 2;
      }
      return f;
    };
    const result = minimizeLbfgs(quadratic, new Float64Array(50).fill(1), {
      maxIter: 2,
      gtol: 1e-12,
      ftol: 0,
    });
    expect([result.iterations, result.stop, result.converged]).toEqual([2, "max-iter", false]);
  });
});
