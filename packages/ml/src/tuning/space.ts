/**
 * A typed search space: a record of named parameter distributions, in declaration order (a
 * conditional parameter names an earlier one). `ParamsOf<S>` is the type of one point of the space,
 * so an objective gets `{ alpha: number; solver: "a" | "b"; l1?: number | undefined }` and not a
 * bag of unknowns.
 */

export type ParamValue = number | string | boolean;

export interface UniformParam {
  readonly kind: "uniform";
  readonly low: number;
  readonly high: number;
  /** Points a grid search tries (default: evenly spaced, see the grid sampler). */
  readonly grid?: readonly number[];
}

/** Uniform in log(x): for scales such as a regularisation strength. */
export interface LogUniformParam {
  readonly kind: "log_uniform";
  readonly low: number;
  readonly high: number;
  readonly grid?: readonly number[];
}

/** An integer in [low, high], both included; `log` spreads samples evenly in log(x). */
export interface IntParam {
  readonly kind: "int";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly grid?: readonly number[];
}

export interface CategoricalParam<T extends ParamValue = ParamValue> {
  readonly kind: "categorical";
  readonly choices: readonly T[];
}

export type BaseParam = UniformParam | LogUniformParam | IntParam | CategoricalParam;

/** Active only when the earlier parameter `on` took one of `values`; otherwise undefined. */
export interface ConditionalParam<P extends BaseParam = BaseParam> {
  readonly kind: "conditional";
  readonly param: P;
  readonly on: string;
  readonly values: readonly ParamValue[];
}

export type Param = BaseParam | ConditionalParam;

export type SearchSpace = Readonly<Record<string, Param>>;

type BaseValueOf<P> = P extends CategoricalParam<infer T> ? T : number;

export type ValueOf<P> = P extends ConditionalParam<infer Q> ? BaseValueOf<Q> | undefined : BaseValueOf<P>;

export type ParamsOf<S extends SearchSpace> = { readonly [K in keyof S]: ValueOf<S[K]> };

/** A point of any space, for code that does not know the space's type. */
export type AnyParams = Readonly<Record<string, ParamValue | undefined>>;

export function uniform(low: number, high: number, options: { grid?: readonly number[] } = {}): UniformParam {
  checkRange(low, high, "uniform");
  return { kind: "uniform", low, high, ...options };
}

export function logUniform(
  low: number,
  high: number,
  options: { grid?: readonly number[] } = {},
): LogUniformParam {
  checkRange(low, high, "logUniform");
  if (!(low > 0)) throw new Error(`logUniform: low must be > 0, got ${low}`);
  return { kind: "log_uniform", low, high, ...options };
}

export function int(
  low: number,
  high: number,
  options: { log?: boolean; grid?: readonly number[] } = {},
): IntParam {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low > high) {
    throw new Error(`int: bounds must be integers with low <= high, got [${low}, ${high}]`);
  }
  if (options.log && low < 1) throw new Error(`int: a log-scaled range must start at 1 or more, got ${low}`);
  return {
    kind: "int",
    low,
    high,
    log: options.log ?? false,
    ...(options.grid ? { grid: options.grid } : {}),
  };
}

export function categorical<const T extends ParamValue>(choices: readonly T[]): CategoricalParam<T> {
  if (choices.length === 0) throw new Error("categorical: needs at least one choice");
  return { kind: "categorical", choices };
}

export function conditional<P extends BaseParam>(
  param: P,
  when: { readonly on: string; readonly values: readonly ParamValue[] },
): ConditionalParam<P> {
  return { kind: "conditional", param, on: when.on, values: when.values };
}

function checkRange(low: number, high: number, what: string): void {
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new Error(`${what}: needs finite low < high, got [${low}, ${high}]`);
  }
}

/** The distribution behind a parameter (conditional or not). */
export function baseOf(param: Param): BaseParam {
  return param.kind === "conditional" ? param.param : param;
}

/** Whether `name` is active given the values chosen so far for the earlier parameters. */
export function isActive(param: Param, chosen: AnyParams): boolean {
  if (param.kind !== "conditional") return true;
  const parent = chosen[param.on];
  return parent !== undefined && param.values.includes(parent);
}

/** Checks that every conditional parameter refers to a parameter declared before it. */
export function validateSpace(space: SearchSpace): void {
  const seen = new Set<string>();
  for (const [name, param] of Object.entries(space)) {
    if (param.kind === "conditional" && !seen.has(param.on)) {
      throw new Error(`Search space: '${name}' depends on '${param.on}', which must be declared before it`);
    }
    seen.add(name);
  }
}

/**
 * Builds a point of the space in declaration order: `choose` picks each active parameter's value
 * given the values chosen so far; inactive parameters are undefined.
 */
export function buildParams<S extends SearchSpace>(
  space: S,
  choose: (name: string, param: BaseParam, chosen: AnyParams) => ParamValue,
): ParamsOf<S> {
  const chosen: Record<string, ParamValue | undefined> = {};
  for (const [name, param] of Object.entries(space)) {
    chosen[name] = isActive(param, chosen) ? choose(name, baseOf(param), chosen) : undefined;
  }
  return chosen as ParamsOf<S>;
}

/** The active parameters only: what a tracking run logs as its params. */
export function definedParams(params: AnyParams): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) out[name] = value;
  return out;
}
