/**
 * L2 logistic regression, scikit-learn's `LogisticRegression(solver="lbfgs")`: one coefficient
 * vector for two classes, a multinomial (softmax) model for more, C as the inverse penalty on the
 * summed log-loss, unpenalised intercepts, and L-BFGS with its gtol/ftol/max_iter stopping rules.
 * The multinomial intercepts are only defined up to a common constant; starting from zero, as
 * scikit-learn does, keeps their sum at zero, so both land on the same solution.
 */
import {
  buildDesign,
  type DesignLayout,
  type DesignMatrix,
  designLayoutOf,
  featureCount,
} from "../data/design-matrix.js";
import type { ClassTarget } from "../data/target.js";
import type { Frame } from "../frame/frame.js";
import { expectKind, type KindedJson, numbers, strings } from "../pipeline/json.js";
import { argmaxRows, type ClassifierEstimator, type FittedClassifier } from "../pipeline/model.js";
import { linearPredictor, linearPredictorMulti } from "./design-products.js";
import { layoutFromJson, layoutToJson } from "./layout-json.js";
import { type LbfgsStop, minimizeLbfgs } from "./lbfgs.js";
import {
  binaryLogisticObjective,
  multinomialLogisticObjective,
  sigmoid,
  softmaxRowInPlace,
} from "./logistic-loss.js";

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength: the penalty is ½‖w‖²/C (default 1). */
  readonly C?: number;
  /** L-BFGS iterations (scikit-learn's default 100; the reference benchmarks use 1000). */
  readonly maxIter?: number;
  /** Stop when every gradient component is at most this (default 1e-4, scikit-learn's `tol`). */
  readonly tol?: number;
  readonly fitIntercept?: boolean;
}

export interface FitReport {
  readonly iterations: number;
  readonly evaluations: number;
  readonly stop: LbfgsStop;
  readonly converged: boolean;
}

export class LogisticRegression implements ClassifierEstimator<LogisticRegressionModel> {
  readonly kind = "logistic_regression";
  constructor(private readonly options: LogisticRegressionOptions = {}) {}

  fit(frame: Frame, target: ClassTarget): LogisticRegressionModel {
    const layout = designLayoutOf(frame);
    return this.fitDesign(buildDesign(frame, layout), target, layout);
  }

  fitDesign(design: DesignMatrix, target: ClassTarget, layout: DesignLayout): LogisticRegressionModel {
    const k = target.classes.length;
    if (k < 2) throw new Error("LogisticRegression needs at least two classes");
    if (target.codes.length !== design.nRows)
      throw new Error(`Target has ${target.codes.length} rows, the design ${design.nRows}`);
    const C = this.options.C ?? 1;
    if (!(C > 0)) throw new Error(`LogisticRegression: C must be > 0, got ${C}`);
    const fitIntercept = this.options.fitIntercept ?? true;
    const p = design.nFeatures;
    const outputs = k === 2 ? 1 : k;
    const objective =
      k === 2
        ? binaryLogisticObjective(design, target.codes, 1 / C, fitIntercept)
        : multinomialLogisticObjective(design, target.codes, k, 1 / C, fitIntercept);
    const result = minimizeLbfgs(objective, new Float64Array(outputs * p + (fitIntercept ? outputs : 0)), {
      maxIter: this.options.maxIter ?? 100,
      gtol: this.options.tol ?? 1e-4,
    });
    const coef = result.x.slice(0, outputs * p);
    const intercept = fitIntercept ? result.x.slice(outputs * p) : new Float64Array(outputs);
    const report: FitReport = {
      iterations: result.iterations,
      evaluations: result.evaluations,
      stop: result.stop,
      converged: result.converged,
    };
    return new LogisticRegressionModel(layout, target.classes, coef, intercept, report);
  }
}

export class LogisticRegressionModel implements FittedClassifier {
  readonly kind = "logistic_regression";
  constructor(
    readonly layout: DesignLayout,
    readonly classes: readonly string[],
    /** One row per output (1 for two classes, else one per class) × nFeatures, row-major. */
    readonly coef: Float64Array,
    readonly intercept: Float64Array,
    readonly fitReport?: FitReport,
  ) {}

  predictProba(frame: Frame): Float64Array {
    return this.predictProbaDesign(buildDesign(frame, this.layout));
  }

  predict(frame: Frame): Int32Array {
    return argmaxRows(this.predictProba(frame), this.classes.length);
  }

  /** Row-major nRows × classes.length. */
  predictProbaDesign(design: DesignMatrix): Float64Array {
    const k = this.classes.length;
    const n = design.nRows;
    const out = new Float64Array(n * k);
    if (k === 2) {
      const margin = linearPredictor(design, this.coef, this.intercept[0]!, new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const p1 = sigmoid(margin[i]!);
        out[2 * i] = 1 - p1;
        out[2 * i + 1] = p1;
      }
      return out;
    }
    linearPredictorMulti(design, this.coef, this.intercept, out);
    for (let i = 0; i < n; i++) softmaxRowInPlace(out, i * k, k);
    return out;
  }

  toJSON(): KindedJson {
    return {
      kind: this.kind,
      layout: layoutToJson(this.layout),
      classes: [...this.classes],
      coef: Array.from(this.coef),
      intercept: Array.from(this.intercept),
    };
  }

  static fromJSON(json: KindedJson): LogisticRegressionModel {
    expectKind(json, "logistic_regression");
    const classes = strings(json.classes, "logistic_regression.classes");
    const coef = Float64Array.from(numbers(json.coef, "logistic_regression.coef"));
    const intercept = Float64Array.from(numbers(json.intercept, "logistic_regression.intercept"));
    const layout = layoutFromJson(json.layout);
    const outputs = classes.length === 2 ? 1 : classes.length;
    if (intercept.length !== outputs || coef.length !== outputs * featureCount(layout)) {
      throw new Error("logistic_regression: coefficient shapes do not match the classes and layout");
    }
    return new LogisticRegressionModel(layout, classes, coef, intercept);
  }
}
