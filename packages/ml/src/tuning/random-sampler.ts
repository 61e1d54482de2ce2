/** Random search: each active parameter drawn from its own distribution, one seeded stream per trial. */
import { drawUniform, randomFor } from "./random-draws.js";
import { type AnyParams, buildParams, type SearchSpace } from "./space.js";
import type { Sampler } from "./trial.js";

/** Stream id of random search, so its draws differ from TPE's startup draws for the same seed. */
const RANDOM_STREAM = 1;

export class RandomSampler<P extends AnyParams> implements Sampler<P> {
  constructor(
    private readonly space: SearchSpace,
    private readonly seed = 42,
  ) {}

  sample(index: number): P {
    const random = randomFor(this.seed, RANDOM_STREAM, index);
    return buildParams(this.space, (_, param) => drawUniform(param, random)) as unknown as P;
  }
}
