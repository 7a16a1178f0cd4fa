import { describe, expect, it } from "vitest";
import {
  logGamma,
  mean,
  meanCi,
  meanCi95,
  percentile,
  regularizedIncompleteBeta,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  summarize,
} from "../../src/metrics/stats.js";

describe("mean, std, percentile", () => {
  it("match hand-computed values", () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    // Σ(x − 5)² = 32; sample variance 32/7.
    expect(sampleStd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(sampleStd([3])).toBe(0);
  });

  it("interpolates linearly between order statistics (numpy's default)", () => {
    const xs = [15, 20, 35, 40, 50]; // unsorted input is fine too
    expect(percentile(xs, 0)).toBe(15);
    expect(percentile(xs, 100)).toBe(50);
    expect(percentile(xs, 50)).toBe(35);
    // h = 4·0.4 = 1.6 → 20 + 0.6·15 = 29 (numpy.percentile([15,20,35,40,50], 40) = 29.0)
    expect(percentile([50, 40, 35, 20, 15], 40)).toBeCloseTo(29, 12);
    // h = 3·0.95 = 2.85 → 3 + 0.85·1 = 3.85
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    expect(percentile([7], 95)).toBe(7);
    const s = summarize([1, 2, 3, 4]);
    expect([s.p50, s.min, s.max, s.n]).toEqual([2.5, 1, 4, 4]);
  });

  it("rejects empty input and out-of-range percentiles", () => {
    expect(() => mean([])).toThrow(/at least 1/);
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\]/);
  });
});

describe("Student t", () => {
  it("matches the df = 1 and df = 2 closed forms", () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 11);
    }
  });

  it("matches standard table values of t_0.975 (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2)", () => {
    const table: Array<[number, number]> = [
      [3, 3.182],
      [4, 2.776],
      [5, 2.571],
      [10, 2.228],
      [20, 2.086],
      [30, 2.042],
      [100, 1.984],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5); // the normal quantile
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-studentTQuantile(0.975, 5), 12);
  });

  it("inverts its CDF, and the CDF agrees with df = 1 (Cauchy)", () => {
    for (const df of [1, 2.5, 7, 40]) {
      for (const p of [0.01, 0.3, 0.5, 0.8, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 11);
    }
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 13);
  });

  it("has a correct incomplete beta and log-gamma underneath", () => {
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedIncompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 12); // 1 − (1−x)^4 − 4x(1−x)^3
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe("meanCi95", () => {
  it("is mean ± t_{0.975,n−1}·s/sqrt(n)", () => {
    const xs = [1, 2, 3, 4, 5];
    const ci = meanCi95(xs);
    const hand = (studentTQuantile(0.975, 4) * Math.sqrt(2.5)) / Math.sqrt(5); // 2.776·1.5811/2.2361 ≈ 1.963
    expect(ci.mean).toBe(3);
    expect(ci.halfWidth).toBeCloseTo(hand, 14);
    expect(ci.halfWidth).toBeCloseTo(1.9632, 4);
    expect([ci.low, ci.high]).toEqual([3 - ci.halfWidth, 3 + ci.halfWidth]);
    expect(meanCi95([4]).halfWidth).toBeNaN();
    expect(meanCi(xs, 0.99).halfWidth).toBeGreaterThan(ci.halfWidth);
  });
});
