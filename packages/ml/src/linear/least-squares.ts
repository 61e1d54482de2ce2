/**
 * Least-squares regression on the normal equations of the centered design (so the intercept is
 * never penalised and never part of the solve).
 *
 * - Ridge: Cholesky of XcᵀXc + αI, exactly scikit-learn's `cholesky` solver.
 * - LinearRegression: pivoted Cholesky of XcᵀXc scaled to unit diagonal, stopping at a relative
 *   pivot of `rankTolerance`. A one-hot design is rank-deficient (each block sums to the intercept
 *   column; ames has more exact dependencies), and scikit-learn's lstsq there keeps near-zero
 *   singular values and predicts garbage (R² ≈ −3·10¹⁸ on ames). Here the dependent columns get
 *   coefficient 0: a basic least-squares solution with the same fitted values as any other, and the
 *   same predictions on rows that obey the same dependencies (which one-hot rows always do).
 */
import { buildDesign, type DesignLayout, type DesignMatrix, designLayoutOf } from "../data/design-matrix.js";
import type { Frame } from "../frame/frame.js";
import { expectKind, type KindedJson, numberField, numbers } from "../pipeline/json.js";
import type { FittedRegressor, RegressorEstimator } from "../pipeline/model.js";
import { choleskyInPlace, choleskySolveInPlace, pivotedCholesky } from "./cholesky.js";
import { centeredCrossProduct, centeredGram, linearPredictor } from "./design-products.js";
import { layoutFromJson, layoutToJson } from "./layout-json.js";

export interface LinearRegressionOptions {
  readonly fitIntercept?: boolean;
  /**
   * Rank cut-off: a column is dropped when the share of its (centered) variance left unexplained by
   * the columns already chosen is below this (default 1e-10).
   */
  readonly rankTolerance?: number;
}

export interface RidgeOptions {
  readonly alpha?: number;
  readonly fitIntercept?: boolean;
}

export class LinearRegression implements RegressorEstimator<LinearRegressor> {
  readonly kind = "linear_regression";
  constructor(private readonly options: LinearRegressionOptions = {}) {}

  fit(frame: Frame, y: Float64Array): LinearRegressor {
    const layout = designLayoutOf(frame);
    return this.fitDesign(buildDesign(frame, layout), y, layout);
  }

  fitDesign(design: DesignMatrix, y: Float64Array, layout: DesignLayout): LinearRegressor {
    const system = normalEquations(design, y, this.options.fitIntercept ?? true);
    const { coef, rank } = solveRankRevealing(
      system.gram,
      system.rhs,
      design.nFeatures,
      this.options.rankTolerance ?? 1e-10,
    );
    return new LinearRegressor(this.kind, layout, coef, interceptFor(system, coef), rank);
  }
}

export class Ridge implements RegressorEstimator<LinearRegressor> {
  readonly kind = "ridge";
  constructor(private readonly options: RidgeOptions = {}) {}

  fit(frame: Frame, y: Float64Array): LinearRegressor {
    const layout = designLayoutOf(frame);
    return this.fitDesign(buildDesign(frame, layout), y, layout);
  }

  fitDesign(design: DesignMatrix, y: Float64Array, layout: DesignLayout): LinearRegressor {
    const alpha = this.options.alpha ?? 1;
    if (!(alpha >= 0)) throw new Error(`Ridge: alpha must be >= 0, got ${alpha}`);
    if (alpha === 0) {
      const plain = new LinearRegression({ fitIntercept: this.options.fitIntercept }).fitDesign(
        design,
        y,
        layout,
      );
      return new LinearRegressor(this.kind, layout, plain.coef, plain.intercept, plain.rank);
    }
    const p = design.nFeatures;
    const system = normalEquations(design, y, this.options.fitIntercept ?? true);
    for (let j = 0; j < p; j++) system.gram[j * p + j]! += alpha;
    choleskyInPlace(system.gram, p);
    const coef = choleskySolveInPlace(system.gram, p, system.rhs.slice());
    return new LinearRegressor(this.kind, layout, coef, interceptFor(system, coef), p);
  }
}

export class LinearRegressor implements FittedRegressor {
  constructor(
    readonly kind: "linear_regression" | "ridge",
    readonly layout: DesignLayout,
    readonly coef: Float64Array,
    readonly intercept: number,
    /** Number of features the solve used (the design's rank for LinearRegression). */
    readonly rank: number,
  ) {}

  predict(frame: Frame): Float64Array {
    return this.predictDesign(buildDesign(frame, this.layout));
  }

  predictDesign(design: DesignMatrix): Float64Array {
    return linearPredictor(design, this.coef, this.intercept, new Float64Array(design.nRows));
  }

  toJSON(): KindedJson {
    return {
      kind: this.kind,
      layout: layoutToJson(this.layout),
      coef: Array.from(this.coef),
      intercept: this.intercept,
      rank: this.rank,
    };
  }

  static fromJSON(json: KindedJson): LinearRegressor {
    if (json.kind !== "ridge") expectKind(json, "linear_regression");
    return new LinearRegressor(
      json.kind as "linear_regression" | "ridge",
      layoutFromJson(json.layout),
      Float64Array.from(numbers(json.coef, `${json.kind}.coef`)),
      numberField(json.intercept, `${json.kind}.intercept`),
      numberField(json.rank, `${json.kind}.rank`),
    );
  }
}

interface NormalEquations {
  readonly gram: Float64Array;
  readonly rhs: Float64Array;
  readonly mean: Float64Array;
  readonly yMean: number;
}

function normalEquations(design: DesignMatrix, y: Float64Array, fitIntercept: boolean): NormalEquations {
  if (y.length !== design.nRows) throw new Error(`Target has ${y.length} rows, the design ${design.nRows}`);
  let yMean = 0;
  if (fitIntercept) {
    for (let i = 0; i < y.length; i++) yMean += y[i]!;
    yMean /= y.length;
  }
  const { gram, mean } = centeredGram(design, fitIntercept);
  return { gram, mean, yMean, rhs: centeredCrossProduct(design, y, yMean) };
}

function interceptFor(system: NormalEquations, coef: Float64Array): number {
  let b = system.yMean;
  for (let j = 0; j < coef.length; j++) b -= system.mean[j]! * coef[j]!;
  return b;
}

/** Solves on the unit-diagonal (correlation) scaling so the rank test does not depend on column units. */
function solveRankRevealing(
  gram: Float64Array,
  rhs: Float64Array,
  p: number,
  tolerance: number,
): { coef: Float64Array; rank: number } {
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) scale[j] = gram[j * p + j]! > 0 ? 1 / Math.sqrt(gram[j * p + j]!) : 0;
  const scaled = new Float64Array(p * p);
  for (let r = 0; r < p; r++)
    for (let c = 0; c < p; c++) scaled[r * p + c] = gram[r * p + c]! * scale[r]! * scale[c]!;
  const { factor, perm, rank } = pivotedCholesky(scaled, p, tolerance);
  const z = new Float64Array(p);
  for (let i = 0; i < rank; i++) z[i] = rhs[perm[i]!]! * scale[perm[i]!]!;
  choleskySolveInPlace(factor, p, z, rank);
  const coef = new Float64Array(p);
  for (let i = 0; i < rank; i++) coef[perm[i]!] = z[i]! * scale[perm[i]!]!;
  return { coef, rank };
}
