/**
 * The frame as an exported graph sees it: for each column, the graph value that holds it. Transformer
 * exporters read and replace columns here exactly as their `transform` does on a Frame; model
 * exporters read their features from it. Column order follows the TypeScript frame, so a standalone
 * transformer export outputs the columns in the order `transform` returns them.
 */
import { attr, TENSOR_DATA_TYPES } from "@gyre/onnx";
import {
  type CategoricalValues,
  categoricalToDouble,
  categoricalToInt64,
  categoricalToOneHot,
  categoricalToStrings,
  rawCategorical,
} from "./categorical.js";
import type { GraphBuilder } from "./graph-builder.js";
import {
  DEFAULT_MISSING_STRINGS,
  inputValueInfo,
  type OnnxColumnKind,
  type OnnxInputColumn,
} from "./input-convention.js";

/** A numeric column: a double [N, 1] value, NaN for missing. */
export interface NumericValues {
  readonly kind: "numeric";
  readonly tensor: string;
}

export type ColumnValues = NumericValues | CategoricalValues;

export interface NamedValues {
  readonly name: string;
  readonly values: ColumnValues;
}

/** A model feature: the same shape as the tree models' `FeatureSpec`, so their schema passes as is. */
export interface FeatureColumn {
  readonly name: string;
  readonly kind: OnnxColumnKind;
  /** Levels a categorical column's codes index (ignored for numeric columns). */
  readonly levels: readonly string[];
}

export interface OnnxFrameOptions {
  /**
   * The graph inputs, in order. Every one becomes an input even when nothing reads it, so a served
   * model accepts whole rows of the training data. Without it, inputs are created on first use,
   * with the kind the reading step expects.
   */
  readonly inputs?: readonly OnnxInputColumn[];
  /** Raw strings that mean "missing" in categorical inputs (default "" and "NA"). */
  readonly missingStrings?: readonly string[];
}

export class OnnxFrame {
  readonly missingStrings: readonly string[];
  /** The graph inputs so far, in order. */
  readonly inputs: OnnxInputColumn[] = [];
  private readonly columns: NamedValues[] = [];
  private readonly lazyInputs: boolean;
  /** Columns a step dropped; reading one again is an error, not a new input. */
  private readonly removed = new Set<string>();

  constructor(
    readonly graph: GraphBuilder,
    options: OnnxFrameOptions = {},
  ) {
    this.missingStrings = options.missingStrings ?? DEFAULT_MISSING_STRINGS;
    this.lazyInputs = options.inputs === undefined;
    for (const column of options.inputs ?? []) this.addInput(column);
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  get entries(): readonly NamedValues[] {
    return this.columns;
  }

  /** The column's values; a new graph input of `expected` kind when inputs are created on use. */
  get(name: string, expected?: OnnxColumnKind): ColumnValues {
    const found = this.columns.find((c) => c.name === name);
    if (found) {
      if (expected && found.values.kind !== expected) {
        throw new Error(`ONNX export: column '${name}' is ${found.values.kind}, expected ${expected}`);
      }
      return found.values;
    }
    if (!this.lazyInputs || this.removed.has(name) || !expected) {
      throw new Error(`ONNX export: no column '${name}' (columns: ${this.columnNames.join(", ")})`);
    }
    return this.addInput({ name, kind: expected });
  }

  /** double [N, 1]. */
  numeric(name: string): string {
    return (this.get(name, "numeric") as NumericValues).tensor;
  }

  categorical(name: string): CategoricalValues {
    return this.get(name, "categorical") as CategoricalValues;
  }

  /** Replaces a column in place, or appends it (as `withColumns` does). */
  set(name: string, values: ColumnValues): void {
    const at = this.columns.findIndex((c) => c.name === name);
    if (at >= 0) this.columns[at] = { name, values };
    else this.columns.push({ name, values });
    this.removed.delete(name);
  }

  /** Puts `replacements` where column `name` was (none: drops it). */
  replace(name: string, replacements: readonly NamedValues[]): void {
    const at = this.columns.findIndex((c) => c.name === name);
    if (at < 0) throw new Error(`ONNX export: no column '${name}' to replace`);
    this.columns.splice(at, 1, ...replacements);
    if (!replacements.some((r) => r.name === name)) this.removed.add(name);
  }

  /** int64 [N, 1]: the position of the column's value in `levels`; -1 for missing or another level. */
  codes(name: string, levels: readonly string[]): string {
    const position = new Map(levels.map((level, i) => [level, i]));
    return categoricalToInt64(this.graph, this.categorical(name), this.missingStrings, levels, (v) =>
      v === null ? -1 : (position.get(v) ?? -1),
    );
  }

  /** double [N, levels.length] indicators; all zeros for missing or another level. */
  oneHot(name: string, levels: readonly string[]): string {
    return categoricalToOneHot(this.graph, this.categorical(name), this.missingStrings, levels);
  }

  /**
   * double [N, 1]: any number per value (null: missing), e.g. ordinal codes with NaN for missing.
   * `levels` are the strings `numberOf` tells apart; every other string gets `numberOf` of an
   * unseen level.
   */
  lookup(name: string, levels: readonly string[], numberOf: (value: string | null) => number): string {
    return categoricalToDouble(this.graph, this.categorical(name), this.missingStrings, levels, numberOf);
  }

  /** string [N, 1]: the current level, "" for missing. */
  strings(name: string): string {
    return categoricalToStrings(this.graph, this.categorical(name), this.missingStrings);
  }

  /**
   * [N, features.length] in `elemType` (default double): numeric columns as they are, categorical
   * ones as their code in the feature's levels, NaN for missing or unseen levels. This is the matrix
   * tree models split on (trees/feature-schema.ts `rowMajorFeatures`).
   */
  featureMatrix(features: readonly FeatureColumn[], elemType: "double" | "float" = "double"): string {
    if (features.length === 0) throw new Error("ONNX export: a feature matrix needs at least one feature");
    const columns = features.map((f) => {
      if (f.kind === "numeric") return this.numeric(f.name);
      const position = new Map(f.levels.map((level, i) => [level, i]));
      return this.lookup(f.name, f.levels, (v) =>
        v === null ? Number.NaN : (position.get(v) ?? Number.NaN),
      );
    });
    const matrix =
      columns.length === 1
        ? columns[0]!
        : this.graph.op("Concat", columns, { axis: attr.int(1) }, { hint: "features" });
    return elemType === "double"
      ? matrix
      : this.graph.op("Cast", [matrix], { to: attr.int(TENSOR_DATA_TYPES.float) }, { hint: "features_f32" });
  }

  private addInput(column: OnnxInputColumn): ColumnValues {
    if (this.columns.some((c) => c.name === column.name)) {
      throw new Error(`ONNX export: duplicate input column '${column.name}'`);
    }
    const name = this.graph.input(inputValueInfo(column));
    this.inputs.push({ name: column.name, kind: column.kind });
    const values: ColumnValues =
      column.kind === "numeric" ? { kind: "numeric", tensor: name } : rawCategorical(name);
    this.columns.push({ name: column.name, values });
    return values;
  }
}
