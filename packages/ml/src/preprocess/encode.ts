/**
 * Categorical encoders. Both fix a vocabulary at fit time and map any frame's codes onto it by level
 * name, so a frame read later (with its own dictionary) encodes the same way.
 *
 * The one-hot encoder's output column stays categorical: a one-hot *block* over the fitted
 * vocabulary (code -1 = the all-zero row). The design matrix expands blocks sparsely, so flights'
 * 456 airport indicators never exist as dense floats; `expandOneHot` materialises them when wanted.
 */
import { categoricalColumnOf, levelMapping, sameLevels } from "../frame/access.js";
import { compareCodePoints } from "../frame/build.js";
import type { CategoricalColumn, Column, Frame, NumericColumn } from "../frame/frame.js";
import { withColumns } from "../frame/rows.js";
import {
  arrayField,
  expectKind,
  type Json,
  type KindedJson,
  numberField,
  objectField,
  stringField,
  strings,
} from "../pipeline/json.js";
import { type FittedTransformer, resolveColumns, type Transformer } from "./transformer.js";

/** The level that stands for "missing" when missing values are encoded as a category of their own. */
export const MISSING_LEVEL = "__missing__";

export interface EncoderOptions {
  /** Default: every categorical column. */
  readonly columns?: readonly string[];
  /**
   * `observed` (default): the levels present in the training rows. `dictionary`: every level of the
   * column's dictionary, e.g. the whole CSV file's, as the reference encodings do.
   */
  readonly categories?: "observed" | "dictionary";
  /**
   * `zeros` (default): a missing value encodes as no level. `category`: as the level `__missing__`
   * (when the training rows have missing values).
   */
  readonly missing?: "category" | "zeros";
}

export interface OneHotEncoderOptions extends EncoderOptions {
  /** `ignore` (default): an unseen level encodes as all zeros. `error`: transform throws. */
  readonly handleUnknown?: "ignore" | "error";
}

export interface OrdinalEncoderOptions extends EncoderOptions {
  /** `encode` (default): an unseen level becomes `unknownValue`. `error`: transform throws. */
  readonly handleUnknown?: "encode" | "error";
  readonly unknownValue?: number;
}

interface Vocabulary {
  readonly column: string;
  readonly levels: readonly string[];
}

export class OneHotEncoder implements Transformer {
  readonly kind = "one_hot_encoder";
  constructor(private readonly options: OneHotEncoderOptions = {}) {}

  fit(frame: Frame): FittedOneHotEncoder {
    return new FittedOneHotEncoder(fitVocabularies(frame, this.options, "OneHotEncoder"), {
      handleUnknown: this.options.handleUnknown ?? "ignore",
    });
  }
}

export class FittedOneHotEncoder implements FittedTransformer {
  readonly kind = "one_hot_encoder";
  constructor(
    readonly vocabularies: readonly Vocabulary[],
    readonly settings: { readonly handleUnknown: "ignore" | "error" },
  ) {}

  transform(frame: Frame): Frame {
    return withColumns(
      frame,
      this.vocabularies.map((v): CategoricalColumn => {
        const c = categoricalColumnOf(frame, v.column);
        return {
          ...c,
          codes: recode(c, v.levels, this.settings.handleUnknown === "error"),
          levels: v.levels,
        };
      }),
    );
  }

  toJSON(): KindedJson {
    return { kind: this.kind, vocabularies: vocabulariesToJson(this.vocabularies), ...this.settings };
  }

  static fromJSON(json: KindedJson): FittedOneHotEncoder {
    expectKind(json, "one_hot_encoder");
    const handleUnknown = stringField(json.handleUnknown, "one_hot_encoder.handleUnknown");
    if (handleUnknown !== "ignore" && handleUnknown !== "error")
      throw new Error(`Bad handleUnknown '${handleUnknown}'`);
    return new FittedOneHotEncoder(vocabulariesFromJson(json), { handleUnknown });
  }
}

/** Integer codes (as numbers) of each level in the fitted vocabulary's sorted order. */
export class OrdinalEncoder implements Transformer {
  readonly kind = "ordinal_encoder";
  constructor(private readonly options: OrdinalEncoderOptions = {}) {}

  fit(frame: Frame): FittedOrdinalEncoder {
    return new FittedOrdinalEncoder(fitVocabularies(frame, this.options, "OrdinalEncoder"), {
      handleUnknown: this.options.handleUnknown ?? "encode",
      unknownValue: this.options.unknownValue ?? -1,
    });
  }
}

export class FittedOrdinalEncoder implements FittedTransformer {
  readonly kind = "ordinal_encoder";
  constructor(
    readonly vocabularies: readonly Vocabulary[],
    readonly settings: { readonly handleUnknown: "encode" | "error"; readonly unknownValue: number },
  ) {}

  transform(frame: Frame): Frame {
    const { handleUnknown, unknownValue } = this.settings;
    return withColumns(
      frame,
      this.vocabularies.map((v): NumericColumn => {
        const c = categoricalColumnOf(frame, v.column);
        const codes = recode(c, v.levels, handleUnknown === "error", UNKNOWN);
        const values = new Float64Array(codes.length);
        for (let i = 0; i < codes.length; i++) {
          const code = codes[i]!;
          values[i] = code >= 0 ? code : code === UNKNOWN ? unknownValue : Number.NaN;
        }
        return { kind: "numeric", name: c.name, values };
      }),
    );
  }

  toJSON(): KindedJson {
    return { kind: this.kind, vocabularies: vocabulariesToJson(this.vocabularies), ...this.settings };
  }

  static fromJSON(json: KindedJson): FittedOrdinalEncoder {
    expectKind(json, "ordinal_encoder");
    const handleUnknown = stringField(json.handleUnknown, "ordinal_encoder.handleUnknown");
    if (handleUnknown !== "encode" && handleUnknown !== "error")
      throw new Error(`Bad handleUnknown '${handleUnknown}'`);
    const unknownValue = numberField(json.unknownValue, "ordinal_encoder.unknownValue");
    return new FittedOrdinalEncoder(vocabulariesFromJson(json), { handleUnknown, unknownValue });
  }
}

/** One numeric 0/1 column per level, named `column=level`, in place of each categorical column. */
export function expandOneHot(frame: Frame): Frame {
  const columns: Column[] = [];
  for (const c of frame.columns) {
    if (c.kind === "numeric") {
      columns.push(c);
      continue;
    }
    c.levels.forEach((level, code) => {
      const values = new Float64Array(frame.nRows);
      for (let i = 0; i < values.length; i++) if (c.codes[i] === code) values[i] = 1;
      columns.push({ kind: "numeric", name: `${c.name}=${level}`, values });
    });
  }
  return { nRows: frame.nRows, columns };
}

const UNKNOWN = -2;

/**
 * Codes of `c` in `levels`: missing → the `__missing__` level when the vocabulary has one, else -1;
 * a level outside the vocabulary → `unknownCode` (or an error).
 */
function recode(
  c: CategoricalColumn,
  levels: readonly string[],
  unknownIsError: boolean,
  unknownCode = -1,
): Int32Array {
  const missingCode = levels.indexOf(MISSING_LEVEL);
  const mapping = sameLevels(c.levels, levels) ? undefined : levelMapping(c.levels, levels);
  if (!mapping && missingCode < 0) return c.codes;
  const out = new Int32Array(c.codes.length);
  for (let i = 0; i < out.length; i++) {
    const code = c.codes[i]!;
    if (code < 0) {
      out[i] = missingCode;
      continue;
    }
    const mapped = mapping ? mapping[code]! : code;
    if (mapped < 0 && unknownIsError)
      throw new Error(`Column '${c.name}': unknown level '${c.levels[code]}' at row ${i}`);
    out[i] = mapped < 0 ? unknownCode : mapped;
  }
  return out;
}

function fitVocabularies(frame: Frame, options: EncoderOptions, owner: string): Vocabulary[] {
  const names = resolveColumns(frame, options.columns, "categorical", owner);
  return names.map((name) => {
    const c = categoricalColumnOf(frame, name);
    const seen = new Uint8Array(c.levels.length);
    let anyMissing = false;
    for (let i = 0; i < c.codes.length; i++) {
      const code = c.codes[i]!;
      if (code < 0) anyMissing = true;
      else seen[code] = 1;
    }
    const levels =
      (options.categories ?? "observed") === "dictionary"
        ? [...c.levels]
        : c.levels.filter((_, code) => seen[code] === 1);
    if (anyMissing && options.missing === "category" && !levels.includes(MISSING_LEVEL))
      levels.push(MISSING_LEVEL);
    return { column: name, levels: levels.sort(compareCodePoints) };
  });
}

function vocabulariesToJson(vocabularies: readonly Vocabulary[]): Json[] {
  return vocabularies.map((v) => ({ column: v.column, levels: [...v.levels] }));
}

function vocabulariesFromJson(json: KindedJson): Vocabulary[] {
  return arrayField(json.vocabularies, `${json.kind}.vocabularies`).map((entry) => {
    const v = objectField(entry, "vocabulary");
    return {
      column: stringField(v.column, "vocabulary column"),
      levels: strings(v.levels, "vocabulary levels"),
    };
  });
}
