import { type RandomStream, RandomStreams } from "../engine/rng.js";
import type { AxisValue, RangeSpec } from "./sweep-spec.js";

/** One point of a block: field path → value, in the block's path order. */
export type Assignment = Array<readonly [path: string, value: AxisValue]>;

/**
 * `count` independent uniform samples of every range (log-uniform when `log`).
 * Each axis draws from its own seeded stream named after its path, so adding
 * an axis never changes another axis's draws.
 */
export function randomSamples(ranges: Record<string, RangeSpec>, count: number, seed: number): Assignment[] {
  const streams = new RandomStreams(seed);
  const columns = Object.entries(ranges).map(([path, range]) => {
    const stream = streams.stream(`sweep-random/${path}`);
    return [path, Array.from({ length: count }, () => fromUnit(range, stream.uniform()))] as const;
  });
  return transpose(columns, count);
}

/**
 * `count` Latin-hypercube samples: each axis's unit interval is cut into
 * `count` equal strata; a seeded permutation assigns one stratum to each
 * point and a uniform draw places the sample inside it. Every stratum of
 * every axis is used exactly once.
 */
export function latinHypercubeSamples(ranges: Record<string, RangeSpec>, count: number, seed: number): Assignment[] {
  const streams = new RandomStreams(seed);
  const columns = Object.entries(ranges).map(([path, range]) => {
    const strata = permutation(count, streams.stream(`sweep-lhs-perm/${path}`));
    const jitter = streams.stream(`sweep-lhs-offset/${path}`);
    return [path, strata.map((s) => fromUnit(range, (s + jitter.uniform()) / count))] as const;
  });
  return transpose(columns, count);
}

/** Maps u in [0, 1) to a value of the range. */
export function fromUnit(range: RangeSpec, u: number): AxisValue {
  if (range.values !== undefined) {
    const i = Math.min(range.values.length - 1, Math.floor(u * range.values.length));
    return range.values[i] as AxisValue;
  }
  const min = range.min ?? 0;
  const max = range.max ?? 1;
  if (range.log === true) {
    const x = Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
    return range.integer === true ? clamp(Math.round(x), Math.ceil(min), Math.floor(max)) : x;
  }
  if (range.integer === true) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    return clamp(lo + Math.floor(u * (hi - lo + 1)), lo, hi);
  }
  return min + u * (max - min);
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
function permutation(n: number, stream: RandomStream): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(stream.uniform() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

function transpose(columns: ReadonlyArray<readonly [string, AxisValue[]]>, count: number): Assignment[] {
  return Array.from({ length: count }, (_, i) =>
    columns.map(([path, values]) => [path, values[i] as AxisValue] as const),
  );
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
