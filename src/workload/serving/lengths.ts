import type { RandomStream } from "../../engine/rng.js";
import type { LengthSpec } from "./serving-spec.js";

/**
 * Integer token counts drawn from a `LengthSpec`, always clipped to
 * [1, maxTokens]:
 * - fixed: round(mean);
 * - uniform: an integer uniform in [min, max] (min + floor(u·(max − min + 1)));
 * - lognormal with mean m and coefficient of variation cv: exp(mu + sigma·N(0,1))
 *   with sigma² = ln(1 + cv²) and mu = ln(m) − sigma²/2 (so the unclipped mean
 *   is m and the unclipped std is cv·m), then rounded.
 */
export class LengthSampler {
  private readonly draw: () => number;

  constructor(spec: LengthSpec, maxTokens: number, rng: RandomStream) {
    checkMaxTokens(maxTokens);
    const clip = (tokens: number) => clipTokens(tokens, maxTokens);
    switch (spec.distribution) {
      case "fixed": {
        const tokens = clip(Math.round(required(spec, "mean")));
        this.draw = () => tokens;
        break;
      }
      case "uniform": {
        const min = required(spec, "min");
        const max = required(spec, "max");
        if (max < min) throw new RangeError(`uniform length: expected max >= min (${min}), found ${max}`);
        const span = max - min + 1;
        this.draw = () => clip(min + Math.floor(rng.uniform() * span));
        break;
      }
      case "lognormal": {
        const mean = required(spec, "mean");
        const cv = required(spec, "cv");
        const sigma2 = Math.log1p(cv * cv);
        const mu = Math.log(mean) - sigma2 / 2;
        const sigma = Math.sqrt(sigma2);
        this.draw = () => clip(Math.round(rng.lognormal(mu, sigma)));
        break;
      }
    }
  }

  /** The next token count: an integer in [1, maxTokens]. */
  next(): number {
    return this.draw();
  }
}

/** The largest count a `LengthSampler` can return: fixed round(mean), uniform max, lognormal maxTokens (all clipped). */
export function maxLength(spec: LengthSpec, maxTokens: number): number {
  checkMaxTokens(maxTokens);
  switch (spec.distribution) {
    case "fixed":
      return clipTokens(Math.round(required(spec, "mean")), maxTokens);
    case "uniform":
      return clipTokens(required(spec, "max"), maxTokens);
    case "lognormal":
      return maxTokens;
  }
}

function clipTokens(tokens: number, maxTokens: number): number {
  return Math.min(maxTokens, Math.max(1, tokens));
}

function checkMaxTokens(maxTokens: number): void {
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new RangeError(`maxTokens must be an integer >= 1, found ${maxTokens}`);
  }
}

/** A field the schema's refinement guarantees for this distribution. */
function required(spec: LengthSpec, key: "mean" | "cv" | "min" | "max"): number {
  const v = spec[key];
  if (v === undefined) throw new RangeError(`${spec.distribution} length distribution needs ${key}`);
  return v;
}
