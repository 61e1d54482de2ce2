/**
 * Grid search: every combination of the parameters' grid values, in declaration order with the last
 * parameter varying fastest. A conditional parameter multiplies only the combinations where it is
 * active, so `{ solver: ["a", "b"], x: conditional(…3 values…, on solver = "b") }` is 4 points,
 * not 6.
 */

import {
  type AnyParams,
  type BaseParam,
  baseOf,
  isActive,
  type ParamValue,
  type SearchSpace,
} from "./space.js";
import type { Sampler } from "./trial.js";

export interface GridOptions {
  /** Points for a continuous parameter without its own `grid` (default 5): evenly spaced, in log for log scales. */
  readonly pointsPerContinuous?: number;
  /** Largest integer range enumerated in full when an int parameter has no `grid` (default 1000). */
  readonly maxIntegers?: number;
}

export function gridValues(param: BaseParam, options: GridOptions = {}): readonly ParamValue[] {
  if (param.kind === "categorical") return param.choices;
  if (param.grid) return param.grid;
  if (param.kind === "int" && !param.log) {
    const count = param.high - param.low + 1;
    const limit = options.maxIntegers ?? 1000;
    if (count > limit) throw new Error(`Grid: int range of ${count} values; give it a grid`);
    return Array.from({ length: count }, (_, i) => param.low + i);
  }
  const points = options.pointsPerContinuous ?? 5;
  if (points < 2) return [param.low];
  const log = param.kind === "log_uniform" || (param.kind === "int" && param.log);
  const a = log ? Math.log(param.low) : param.low;
  const b = log ? Math.log(param.high) : param.high;
  const values = Array.from({ length: points }, (_, i) => {
    // The end points exactly, not exp(log(x)).
    if (i === 0) return param.low;
    if (i === points - 1) return param.high;
    const x = a + ((b - a) * i) / (points - 1);
    return log ? Math.exp(x) : x;
  });
  return param.kind === "int" ? [...new Set(values.map(Math.round))] : values;
}

/** Every point of the grid, in order. */
export function enumerateGrid(space: SearchSpace, options: GridOptions = {}): AnyParams[] {
  const names = Object.keys(space);
  const out: AnyParams[] = [];
  const walk = (i: number, chosen: Record<string, ParamValue | undefined>) => {
    if (i === names.length) {
      out.push({ ...chosen });
      return;
    }
    const name = names[i]!;
    const param = space[name]!;
    if (!isActive(param, chosen)) {
      walk(i + 1, { ...chosen, [name]: undefined });
      return;
    }
    for (const value of gridValues(baseOf(param), options)) walk(i + 1, { ...chosen, [name]: value });
  };
  walk(0, {});
  return out;
}

export class GridSampler<P extends AnyParams> implements Sampler<P> {
  private readonly points: readonly P[];
  constructor(space: SearchSpace, options: GridOptions = {}) {
    this.points = enumerateGrid(space, options) as P[];
  }

  get size(): number {
    return this.points.length;
  }

  sample(index: number): P | undefined {
    return this.points[index];
  }
}
