import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../../src/engine/rng.js";
import { LengthSampler, maxLength } from "../../../src/workload/serving/lengths.js";
import { type LengthSpec, LengthSpecSchema } from "../../../src/workload/serving/serving-spec.js";

const spec = (s: Record<string, unknown>): LengthSpec => LengthSpecSchema.parse(s);
const rng = (name = "len", seed = 1) => new RandomStreams(seed).stream(name);

function meanAndCv(xs: number[]): { mean: number; cv: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, cv: Math.sqrt(variance) / mean };
}

const draws = (s: LengthSampler, n: number) => Array.from({ length: n }, () => s.next());

describe("LengthSampler", () => {
  it("fixed: round(mean), at least 1, at most maxTokens", () => {
    expect(draws(new LengthSampler(spec({ distribution: "fixed", mean: 127.6 }), 4096, rng()), 5)).toEqual([
      128, 128, 128, 128, 128,
    ]);
    expect(new LengthSampler(spec({ mean: 0.3 }), 4096, rng()).next()).toBe(1);
    expect(new LengthSampler(spec({ mean: 9000 }), 4096, rng()).next()).toBe(4096);
  });

  it("uniform: every integer of [min, max] and nothing else", () => {
    const xs = draws(new LengthSampler(spec({ distribution: "uniform", min: 3, max: 7 }), 4096, rng()), 5000);
    expect(new Set(xs)).toEqual(new Set([3, 4, 5, 6, 7]));
    const clipped = draws(new LengthSampler(spec({ distribution: "uniform", min: 5, max: 100 }), 10, rng()), 2000);
    expect(Math.max(...clipped)).toBe(10);
    expect(Math.min(...clipped)).toBe(5);
  });

  it.each([
    [500, 0.5],
    [300, 1],
  ])("lognormal mean %d, cv %d: sample mean and CV within 3%% over 200k draws", (mean, cv) => {
    const s = new LengthSampler(spec({ distribution: "lognormal", mean, cv }), 1_000_000, rng("lognormal"));
    const stats = meanAndCv(draws(s, 200_000));
    expect(Math.abs(stats.mean / mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(stats.cv / cv - 1)).toBeLessThan(0.03);
  });

  it("lognormal: far above the clip every draw is maxTokens", () => {
    const s = new LengthSampler(spec({ distribution: "lognormal", mean: 1e7, cv: 0.1 }), 2048, rng());
    expect(new Set(draws(s, 100))).toEqual(new Set([2048]));
  });

  const specArb: fc.Arbitrary<LengthSpec> = fc.oneof(
    fc.double({ min: 0.01, max: 1e6, noNaN: true }).map((mean) => spec({ distribution: "fixed", mean })),
    fc
      .tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }))
      .map(([min, extra]) => spec({ distribution: "uniform", min, max: min + extra })),
    fc
      .tuple(fc.double({ min: 0.5, max: 1e6, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }))
      .map(([mean, cv]) => spec({ distribution: "lognormal", mean, cv })),
  );

  it("property: every draw is an integer in [1, maxTokens], bounded by maxLength", () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 1, max: 200_000 }), fc.nat(1000), (s, maxTokens, seed) => {
        const sampler = new LengthSampler(s, maxTokens, rng("p", seed));
        const bound = maxLength(s, maxTokens);
        expect(bound).toBeGreaterThanOrEqual(1);
        expect(bound).toBeLessThanOrEqual(maxTokens);
        for (let i = 0; i < 50; i++) {
          const x = sampler.next();
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(1);
          expect(x).toBeLessThanOrEqual(bound);
        }
      }),
    );
  });

  it("maxLength: fixed round(mean), uniform max, lognormal maxTokens, all clipped", () => {
    expect(maxLength(spec({ mean: 127.4 }), 4096)).toBe(127);
    expect(maxLength(spec({ mean: 0.2 }), 4096)).toBe(1);
    expect(maxLength(spec({ distribution: "uniform", min: 1, max: 9000 }), 4096)).toBe(4096);
    expect(maxLength(spec({ distribution: "uniform", min: 1, max: 900 }), 4096)).toBe(900);
    expect(maxLength(spec({ distribution: "lognormal", mean: 10, cv: 1 }), 4096)).toBe(4096);
  });

  it("rejects maxTokens < 1", () => {
    expect(() => new LengthSampler(spec({ mean: 5 }), 0, rng())).toThrow(RangeError);
  });
});
