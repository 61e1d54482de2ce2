/**
 * Seeded draws for the samplers: per-trial generators derived from one seed (so a trial's sample
 * does not depend on how many draws earlier trials made, nor on the order trials finish in),
 * Gaussian draws, and the uniform draw of each parameter kind.
 */
import { mulberry32, type Random } from "../split/random.js";
import type { BaseParam, ParamValue } from "./space.js";

/** A generator for (seed, stream…): an integer hash of the words (murmur3's finaliser) seeds mulberry32. */
export function randomFor(seed: number, ...stream: number[]): Random {
  let h = seed >>> 0;
  for (const word of stream) {
    h = Math.imul(h ^ (word >>> 0), 0x9e3779b1) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return mulberry32(h);
}

/** A standard normal draw (Box–Muller; 1 − u keeps the logarithm finite). */
export function gaussian(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Bounds of a numeric parameter in the space TPE models it in: log for log scales, ±½ around integers. */
export interface InternalRange {
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly integer: boolean;
}

export function internalRange(param: Exclude<BaseParam, { kind: "categorical" }>): InternalRange {
  const log = param.kind === "log_uniform" || (param.kind === "int" && param.log);
  const integer = param.kind === "int";
  const low = integer ? param.low - 0.5 : param.low;
  const high = integer ? param.high + 0.5 : param.high;
  return { low: log ? Math.log(low) : low, high: log ? Math.log(high) : high, log, integer };
}

/** An internal-space value back to the parameter's value (integers rounded and kept in range). */
export function fromInternal(param: Exclude<BaseParam, { kind: "categorical" }>, x: number): number {
  const value = internalRange(param).log ? Math.exp(x) : x;
  if (param.kind !== "int") return Math.min(param.high, Math.max(param.low, value));
  return Math.min(param.high, Math.max(param.low, Math.round(value)));
}

export function toInternal(param: Exclude<BaseParam, { kind: "categorical" }>, value: number): number {
  return internalRange(param).log ? Math.log(value) : value;
}

/** A draw from the parameter's own (prior) distribution. */
export function drawUniform(param: BaseParam, random: Random): ParamValue {
  if (param.kind === "categorical") return param.choices[Math.floor(random() * param.choices.length)]!;
  const range = internalRange(param);
  return fromInternal(param, range.low + random() * (range.high - range.low));
}
