import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/**
 * Seeded random streams, one per named entity ("card/17", "link/3"). A
 * stream's state is derived only from (seed, name), so adding an entity never
 * changes the draws of the others, and the order in which streams are created
 * does not matter. Generator: xoroshiro128+ from pure-rand.
 */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, found ${seed}`);
  }

  /** The stream of one entity; the same object on every call with the same name. */
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new RandomStream(seedState(this.seed, name));
      this.streams.set(name, s);
    }
    return s;
  }
}

export class RandomStream {
  private readonly rng: RandomGenerator;

  constructor(state: readonly number[]) {
    this.rng = xoroshiro128plusFromState(state);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** Standard normal, by Box-Muller (one draw per call, two uniforms). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Lognormal: exp(mu + sigma * N(0,1)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }
}

/** Mixes (seed, name) into four non-zero 32-bit words (FNV-1a, then murmur3's fmix32). */
function seedState(seed: number, name: string): number[] {
  let h = 0x811c9dc5 ^ (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const words: number[] = [];
  for (let k = 0; k < 4; k++) {
    h = fmix32((h + Math.imul(k + 1, 0x9e3779b9)) | 0);
    words.push(h | 0);
  }
  if (words.reduce((a, w) => a | w, 0) === 0) words[0] = 1;
  return words;
}

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
