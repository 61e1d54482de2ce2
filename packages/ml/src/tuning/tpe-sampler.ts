/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl 2011). After a few random
 * trials, the observed trials are split at the gamma quantile of their scores into "good" (l) and
 * "bad" (g); for each parameter, candidates are drawn from the good trials' Parzen estimator and the
 * one with the largest l(x)/g(x) is taken: the expected-improvement criterion under the TPE model.
 * Parameters are modelled independently (univariate TPE, as hyperopt), a conditional parameter only
 * over the trials where it was active. Pruned trials count as bad: they stopped because they were
 * worse than the median.
 *
 * Deterministic: each trial's draws come from a stream derived from (seed, trial index), and the
 * tuner hands every trial the same history whatever the timing (see tune.ts).
 */
import type { Random } from "../split/random.js";
import { categoricalProbabilities, drawIndex, TruncatedGaussianMixture } from "./parzen.js";
import { drawUniform, fromInternal, internalRange, randomFor, toInternal } from "./random-draws.js";
import { type AnyParams, type BaseParam, buildParams, type ParamValue, type SearchSpace } from "./space.js";
import { compareValues, type Direction, type Sampler, type TrialRecord } from "./trial.js";

export interface TpeOptions {
  readonly seed?: number;
  /** Random trials before TPE takes over (default 10). */
  readonly startupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  readonly candidates?: number;
  /** The share of observed trials that counts as good (default 0.25)… */
  readonly gamma?: number;
  /** …but at most this many (default 25), so l(x) stays focused on the best region. */
  readonly maxGood?: number;
  /** Weight of the prior component / pseudo-count per choice (default 1). */
  readonly priorWeight?: number;
}

const TPE_STREAM = 2;

type NumericParam = Exclude<BaseParam, { kind: "categorical" }>;

export class TpeSampler<P extends AnyParams> implements Sampler<P> {
  private readonly seed: number;
  private readonly startupTrials: number;
  private readonly candidates: number;
  private readonly gamma: number;
  private readonly maxGood: number;
  private readonly priorWeight: number;

  constructor(
    private readonly space: SearchSpace,
    options: TpeOptions = {},
  ) {
    this.seed = options.seed ?? 42;
    this.startupTrials = options.startupTrials ?? 10;
    this.candidates = options.candidates ?? 24;
    this.gamma = options.gamma ?? 0.25;
    this.maxGood = options.maxGood ?? 25;
    this.priorWeight = options.priorWeight ?? 1;
  }

  sample(index: number, history: readonly TrialRecord<P>[], direction: Direction): P {
    const random = randomFor(this.seed, TPE_STREAM, index);
    const completed = history.filter((t) => t.status === "complete");
    if (completed.length < this.startupTrials) {
      return buildParams(this.space, (_, param) => drawUniform(param, random)) as unknown as P;
    }
    const { good, bad } = this.split(history, direction);
    return buildParams(this.space, (name, param) =>
      this.choose(param, valuesOf(good, name), valuesOf(bad, name), random),
    ) as unknown as P;
  }

  /** Best first: completed trials by score (ties by trial number), then pruned ones; failed are left out. */
  private split(history: readonly TrialRecord<P>[], direction: Direction) {
    const completed = history
      .filter((t) => t.status === "complete")
      .sort((a, b) => compareValues(a.value!, b.value!, direction) || a.number - b.number);
    const ranked = [...completed, ...history.filter((t) => t.status === "pruned")];
    const nGood = Math.min(this.maxGood, Math.max(1, Math.ceil(this.gamma * ranked.length)));
    return { good: ranked.slice(0, nGood), bad: ranked.slice(nGood) };
  }

  private choose(param: BaseParam, good: ParamValue[], bad: ParamValue[], random: Random): ParamValue {
    if (param.kind === "categorical") {
      const indexOf = (v: ParamValue) => param.choices.indexOf(v);
      const l = categoricalProbabilities(good.map(indexOf), param.choices.length, this.priorWeight);
      const g = categoricalProbabilities(bad.map(indexOf), param.choices.length, this.priorWeight);
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < this.candidates; i++) {
        const c = drawIndex(l, random);
        const score = Math.log(l[c]!) - Math.log(g[c]!);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      return param.choices[best]!;
    }
    return this.chooseNumber(param, good as number[], bad as number[], random);
  }

  private chooseNumber(param: NumericParam, good: number[], bad: number[], random: Random): number {
    const range = internalRange(param);
    const estimator = (values: number[]) =>
      TruncatedGaussianMixture.adaptive(
        values.map((v) => toInternal(param, v)),
        range.low,
        range.high,
        this.priorWeight,
      );
    const l = estimator(good);
    const g = estimator(bad);
    // Integers are scored by the probability of their cell [k − ½, k + ½], reals by density.
    const logLikelihood = (model: TruncatedGaussianMixture, x: number, value: number) =>
      range.integer
        ? model.logMass(toInternal(param, value - 0.5), toInternal(param, value + 0.5))
        : model.logPdf(x);
    let best = Number.NaN;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.candidates; i++) {
      const x = l.sample(random);
      const value = fromInternal(param, x);
      const score = logLikelihood(l, x, value) - logLikelihood(g, x, value);
      if (score > bestScore) {
        bestScore = score;
        best = value;
      }
    }
    return best;
  }
}

function valuesOf<P extends AnyParams>(trials: readonly TrialRecord<P>[], name: string): ParamValue[] {
  const out: ParamValue[] = [];
  for (const t of trials) {
    const v = t.params[name];
    if (v !== undefined) out.push(v);
  }
  return out;
}
