/**
 * Standard and min-max scaling of numeric columns. NaN passes through untouched (impute first or
 * after; both work). Statistics ignore NaN.
 */
import { numericColumnOf } from "../frame/access.js";
import type { Frame, NumericColumn } from "../frame/frame.js";
import { withColumns } from "../frame/rows.js";
import { expectKind, type KindedJson, numbers, strings } from "../pipeline/json.js";
import { type FittedTransformer, resolveColumns, type Transformer } from "./transformer.js";

export interface ScalerOptions {
  /** Default: every numeric column. */
  readonly columns?: readonly string[];
}

/** (x − mean) / std with the population std (ddof 0); a constant column gets std 1, as in scikit-learn. */
export class StandardScaler implements Transformer {
  readonly kind = "standard_scaler";
  constructor(private readonly options: ScalerOptions = {}) {}

  fit(frame: Frame): FittedAffineScaler {
    const names = resolveColumns(frame, this.options.columns, "numeric", "StandardScaler");
    const offset: number[] = [];
    const scale: number[] = [];
    for (const name of names) {
      const { mean, std } = meanAndStd(numericColumnOf(frame, name).values);
      if (Number.isNaN(mean)) throw new Error(`StandardScaler: column '${name}' has no observed value`);
      offset.push(mean);
      scale.push(std === 0 ? 1 : std);
    }
    return new FittedAffineScaler(this.kind, names, offset, scale);
  }
}

/** (x − min) / (max − min) mapped onto `featureRange`; a constant column maps to the range's low end. */
export class MinMaxScaler implements Transformer {
  readonly kind = "min_max_scaler";
  constructor(
    private readonly options: ScalerOptions & { readonly featureRange?: readonly [number, number] } = {},
  ) {}

  fit(frame: Frame): FittedAffineScaler {
    const names = resolveColumns(frame, this.options.columns, "numeric", "MinMaxScaler");
    const [low, high] = this.options.featureRange ?? [0, 1];
    const offset: number[] = [];
    const scale: number[] = [];
    for (const name of names) {
      const { min, max } = range(numericColumnOf(frame, name).values, name);
      const width = max - min;
      // Written as (x − offset) / scale with offset = min − low·(max−min)/(high−low).
      const s = width === 0 ? 1 / (high - low) : width / (high - low);
      scale.push(s);
      offset.push(min - low * s);
    }
    return new FittedAffineScaler(this.kind, names, offset, scale);
  }
}

/** Both scalers are x ↦ (x − offset) / scale per column; only how they are fitted differs. */
export class FittedAffineScaler implements FittedTransformer {
  constructor(
    readonly kind: "standard_scaler" | "min_max_scaler",
    readonly columns: readonly string[],
    readonly offset: readonly number[],
    readonly scale: readonly number[],
  ) {}

  transform(frame: Frame): Frame {
    return withColumns(
      frame,
      this.columns.map((name, j): NumericColumn => {
        const c = numericColumnOf(frame, name);
        const offset = this.offset[j]!;
        const scale = this.scale[j]!;
        const values = new Float64Array(c.values.length);
        for (let i = 0; i < values.length; i++) values[i] = (c.values[i]! - offset) / scale;
        return { ...c, values };
      }),
    );
  }

  toJSON(): KindedJson {
    return { kind: this.kind, columns: [...this.columns], offset: [...this.offset], scale: [...this.scale] };
  }

  static fromJSON(json: KindedJson): FittedAffineScaler {
    if (json.kind !== "min_max_scaler") expectKind(json, "standard_scaler");
    return new FittedAffineScaler(
      json.kind as "standard_scaler" | "min_max_scaler",
      strings(json.columns, `${json.kind}.columns`),
      numbers(json.offset, `${json.kind}.offset`),
      numbers(json.scale, `${json.kind}.scale`),
    );
  }
}

/** Two-pass mean and population standard deviation over the non-NaN values. */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(ss / n) };
}

function range(values: Float64Array, name: string): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) throw new Error(`MinMaxScaler: column '${name}' has no observed value`);
  return { min, max };
}
