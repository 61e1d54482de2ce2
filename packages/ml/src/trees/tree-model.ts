import type { Frame } from "../frame/frame.js";
import {
  expectKind,
  type Json,
  type KindedJson,
  objectField,
  stringField,
  strings,
} from "../pipeline/json.js";
import {
  argmaxRows,
  type FittedClassifier,
  type FittedRegressor,
  type ModelLoader,
} from "../pipeline/model.js";
import { type BinMapper, type BinMapperJSON, binMapperFromJSON, binMapperToJSON } from "./binning.js";
import {
  type CompiledEnsemble,
  compiledRawOutputOfRow,
  compiledRawOutputs,
  compileEnsemble,
} from "./compiled-ensemble.js";
import { type FlatTree, type FlatTreeJSON, flatTreeFromJSON, flatTreeToJSON } from "./flat-tree.js";
import { probabilitiesFromRaw, sigmoid, softmaxInto } from "./hgb/losses.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import {
  decodeFloat64,
  decodeInt32,
  type EncodedArray,
  encodeFloat64,
  encodeInt32,
} from "./typed-array-codec.js";

/**
 * Fitted tree models. Every tree learner (decision tree, forest, boosting) produces one of these two
 * classes: a TreeEnsemble plus the bin mapper it was grown on and the link from raw outputs to
 * predictions. They implement the package's FittedClassifier / FittedRegressor contract, so they slot
 * into a Pipeline, and save to one JSON document (`treeModelLoaders` loads them back).
 */

/** How raw ensemble outputs become class probabilities. */
export type OutputLink = "identity" | "logistic" | "softmax";

/** Boosting diagnostics: iterations built, and −loss per iteration when early stopping was on. */
export type BoostingHistory = {
  readonly nIter: number;
  readonly trainScore: readonly number[];
  readonly validationScore: readonly number[];
};

export const TREE_MODEL_FORMAT = "gyre-ml/trees@1";

type EnsembleJSON = {
  readonly kind: string;
  readonly format: string;
  readonly params: Json;
  readonly binMapper: BinMapperJSON;
  readonly trees: readonly FlatTreeJSON[];
  readonly treeOutput: EncodedArray | null;
  readonly treeWeight: number;
  readonly baseline: EncodedArray;
  readonly history: BoostingHistory | null;
};

function ensembleToJSON(
  kind: string,
  params: Json,
  mapper: BinMapper,
  ensemble: TreeEnsemble,
  history: BoostingHistory | null,
): EnsembleJSON {
  return {
    kind,
    format: TREE_MODEL_FORMAT,
    params,
    binMapper: binMapperToJSON(mapper),
    trees: ensemble.trees.map(flatTreeToJSON),
    treeOutput: ensemble.treeOutput ? encodeInt32(ensemble.treeOutput) : null,
    treeWeight: ensemble.treeWeight,
    baseline: encodeFloat64(ensemble.baseline),
    history,
  };
}

function ensembleFromJSON(json: KindedJson): {
  mapper: BinMapper;
  ensemble: TreeEnsemble;
  history: BoostingHistory | null;
  params: Json;
} {
  if (json.format !== TREE_MODEL_FORMAT)
    throw new Error(`${json.kind}: expected format ${TREE_MODEL_FORMAT}`);
  const saved = json as unknown as EnsembleJSON;
  objectField(json.binMapper, `${json.kind}.binMapper`);
  const mapper = binMapperFromJSON(saved.binMapper);
  const trees: FlatTree[] = saved.trees.map(flatTreeFromJSON);
  const baseline = decodeFloat64(saved.baseline);
  return {
    mapper,
    params: saved.params,
    history: saved.history,
    ensemble: {
      schema: mapper.schema,
      trees,
      nOutputs: baseline.length,
      treeOutput: saved.treeOutput ? decodeInt32(saved.treeOutput) : null,
      treeWeight: saved.treeWeight,
      baseline,
    },
  };
}

export class TreeClassifierModel implements FittedClassifier {
  /** Scratch for one-row prediction (raw outputs), so predictProbaRow allocates nothing. */
  private readonly rawRow: Float64Array;
  /** The trees packed for prediction, built on first use. */
  private packed: CompiledEnsemble | null = null;

  constructor(
    readonly kind: string,
    readonly params: Json,
    readonly classes: readonly string[],
    readonly binMapper: BinMapper,
    readonly ensemble: TreeEnsemble,
    readonly link: OutputLink,
    readonly history: BoostingHistory | null = null,
  ) {
    this.rawRow = new Float64Array(ensemble.nOutputs);
  }

  treeEnsemble(): TreeEnsemble {
    return this.ensemble;
  }

  /** Raw outputs, row-major: class fractions (forests), log-odds (n × 1) or class scores (boosting). */
  decisionFunction(frame: Frame): Float64Array {
    return compiledRawOutputs(this.compiled(), frame);
  }

  /** The trees packed for prediction (compiled-ensemble.ts), built once. */
  compiled(): CompiledEnsemble {
    this.packed ??= compileEnsemble(this.ensemble, this.binMapper);
    return this.packed;
  }

  /** Class probabilities, row-major (n × classes). */
  predictProba(frame: Frame): Float64Array {
    const raw = this.decisionFunction(frame);
    return this.link === "identity" ? raw : probabilitiesFromRaw(raw, this.classes.length);
  }

  /** Class codes (indices into `classes`). */
  predict(frame: Frame): Int32Array {
    return argmaxRows(this.predictProba(frame), this.classes.length);
  }

  /**
   * Probabilities of one row given in schema order (numbers as they are, category codes of the
   * training levels as numbers, NaN for missing). Allocates nothing when `out` is given.
   */
  predictProbaRow(
    row: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.classes.length),
  ): Float64Array {
    const raw = this.rawRow;
    compiledRawOutputOfRow(this.compiled(), row, 0, raw);
    if (this.link === "identity") out.set(raw);
    else if (this.link === "logistic") {
      const p = sigmoid(raw[0]!);
      out[0] = 1 - p;
      out[1] = p;
    } else softmaxInto(raw, 0, this.classes.length, out, 0);
    return out;
  }

  toJSON(): KindedJson {
    return {
      ...ensembleToJSON(this.kind, this.params, this.binMapper, this.ensemble, this.history),
      classes: [...this.classes],
      link: this.link,
    };
  }

  static fromJSON(json: KindedJson): TreeClassifierModel {
    const { mapper, ensemble, history, params } = ensembleFromJSON(json);
    const classes = strings(json.classes, `${json.kind}.classes`);
    const link = stringField(json.link, `${json.kind}.link`);
    if (link !== "identity" && link !== "logistic" && link !== "softmax") {
      throw new Error(`${json.kind}: unknown output link '${link}'`);
    }
    return new TreeClassifierModel(json.kind, params, classes, mapper, ensemble, link, history);
  }
}

export class TreeRegressorModel implements FittedRegressor {
  private readonly rawRow = new Float64Array(1);
  private packed: CompiledEnsemble | null = null;

  constructor(
    readonly kind: string,
    readonly params: Json,
    readonly binMapper: BinMapper,
    readonly ensemble: TreeEnsemble,
    readonly history: BoostingHistory | null = null,
  ) {}

  treeEnsemble(): TreeEnsemble {
    return this.ensemble;
  }

  predict(frame: Frame): Float64Array {
    return compiledRawOutputs(this.compiled(), frame);
  }

  /** The trees packed for prediction (compiled-ensemble.ts), built once. */
  compiled(): CompiledEnsemble {
    this.packed ??= compileEnsemble(this.ensemble, this.binMapper);
    return this.packed;
  }

  /** Prediction for one row given in schema order (see TreeClassifierModel.predictProbaRow). */
  predictRow(row: ArrayLike<number>): number {
    compiledRawOutputOfRow(this.compiled(), row, 0, this.rawRow);
    return this.rawRow[0]!;
  }

  toJSON(): KindedJson {
    return ensembleToJSON(this.kind, this.params, this.binMapper, this.ensemble, this.history);
  }

  static fromJSON(json: KindedJson): TreeRegressorModel {
    const { mapper, ensemble, history, params } = ensembleFromJSON(json);
    return new TreeRegressorModel(json.kind, params, mapper, ensemble, history);
  }
}

export const TREE_CLASSIFIER_KINDS = [
  "decision_tree_classifier",
  "random_forest_classifier",
  "hist_gradient_boosting_classifier",
] as const;
export const TREE_REGRESSOR_KINDS = [
  "decision_tree_regressor",
  "random_forest_regressor",
  "hist_gradient_boosting_regressor",
] as const;

function loaderFor(
  kind: string,
  load: (json: KindedJson) => TreeClassifierModel | TreeRegressorModel,
): ModelLoader {
  return (json) => {
    expectKind(json, kind);
    return load(json);
  };
}

/** Loaders for saved tree models, for `FittedPipeline.fromJSON`. */
export const treeModelLoaders: Readonly<Record<string, ModelLoader>> = Object.fromEntries([
  ...TREE_CLASSIFIER_KINDS.map((kind) => [kind, loaderFor(kind, TreeClassifierModel.fromJSON)] as const),
  ...TREE_REGRESSOR_KINDS.map((kind) => [kind, loaderFor(kind, TreeRegressorModel.fromJSON)] as const),
]);
