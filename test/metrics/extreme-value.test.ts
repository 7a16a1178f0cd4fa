import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import {
  expectedMaxLognormal,
  expectedMaxNormal,
  integrateOverMaxDensity,
  logNormalCdf,
  normalCdf,
  normalUpperTail,
} from "../../src/metrics/extreme-value.js";
import { mean, sampleStd } from "../../src/metrics/stats.js";

describe("normal tails", () => {
  it("match reference values of Q(z) = 1 − Φ(z) to 1e-12 relative, on both sides of the method switch at z = 3", () => {
    // Reference values: Q(z) = erfc(z/√2)/2 (e.g. scipy.stats.norm.sf, R pnorm(lower.tail = FALSE)).
    const reference: Array<[number, number]> = [
      [1, 0.15865525393145707],
      [3, 1.3498980316300946e-3],
      [5, 2.866515718791939e-7],
      [8, 6.22096057427178e-16],
      [10, 7.619853024160527e-24],
    ];
    for (const [z, q] of reference) expect(normalUpperTail(z) / q - 1, `z=${z}`).toBeCloseTo(0, 12);
    // Continuity across the switch from the erf series to the continued fraction.
    const below = normalUpperTail(3 - 1e-12);
    expect(below / normalUpperTail(3) - 1).toBeLessThan(1e-10);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1) + normalCdf(1)).toBeCloseTo(1, 15);
    expect(logNormalCdf(-10)).toBeCloseTo(Math.log(7.619853024160527e-24), 10);
  });
});

describe("expectedMaxNormal", () => {
  it("matches the closed forms for N = 2, 3 and Tippett's (1925) values for N = 4, 5, 10", () => {
    expect(expectedMaxNormal(1)).toBeCloseTo(0, 12);
    expect(expectedMaxNormal(2)).toBeCloseTo(1 / Math.sqrt(Math.PI), 12);
    expect(expectedMaxNormal(3)).toBeCloseTo(3 / (2 * Math.sqrt(Math.PI)), 12);
    expect(expectedMaxNormal(4)).toBeCloseTo(1.029375, 6);
    expect(expectedMaxNormal(5)).toBeCloseTo(1.162964, 6);
    expect(expectedMaxNormal(10)).toBeCloseTo(1.538753, 6);
  });
});

describe("expectedMaxLognormal", () => {
  it("is exp(mu + sigma²/2) for N = 1 and 2·exp(mu + sigma²/2)·Φ(sigma/√2) for N = 2", () => {
    for (const [mu, sigma] of [
      [0, 0.1],
      [0.3, 0.7],
      [-1, 2],
    ] as const) {
      const m1 = Math.exp(mu + (sigma * sigma) / 2);
      expect(expectedMaxLognormal(1, mu, sigma) / m1 - 1).toBeCloseTo(0, 12);
      expect(expectedMaxLognormal(2, mu, sigma) / (2 * m1 * normalCdf(sigma / Math.SQRT2)) - 1).toBeCloseTo(0, 12);
    }
    expect(expectedMaxLognormal(100, 0.5, 0)).toBe(Math.exp(0.5));
  });

  it("has converged to 1e-9 relative up to N = 16,384 (5× finer panels agree)", () => {
    for (const n of [8, 512, 4096, 16_384]) {
      for (const sigma of [0.02, 0.3, 1.5]) {
        const fine = integrateOverMaxDensity(n, sigma, (z) => sigma * z, 0.01);
        expect(expectedMaxLognormal(n, 0, sigma) / fine - 1, `N=${n} sigma=${sigma}`).toBeCloseTo(0, 9);
      }
    }
  });

  it("agrees with Monte Carlo within 4 standard errors (N = 64 and 4,096)", () => {
    const streams = new RandomStreams(2024);
    for (const [n, samples, sigma] of [
      [64, 4000, 0.3],
      [4096, 300, 0.1],
    ] as const) {
      const rng = streams.stream(`mc/${n}`);
      const maxima: number[] = [];
      for (let s = 0; s < samples; s++) {
        let m = 0;
        for (let i = 0; i < n; i++) m = Math.max(m, rng.lognormal(0.2, sigma));
        maxima.push(m);
      }
      const se = sampleStd(maxima) / Math.sqrt(samples);
      expect(Math.abs(mean(maxima) - expectedMaxLognormal(n, 0.2, sigma)), `N=${n}`).toBeLessThan(4 * se);
    }
  });

  it("grows with N as extreme-value theory says (mean of the max of normals ~ sqrt(2 ln N))", () => {
    const sigma = 0.05;
    let last = 0;
    for (const n of [8, 64, 512, 4096]) {
      const e = expectedMaxLognormal(n, 0, sigma);
      expect(e).toBeGreaterThan(last);
      // For small sigma, E[max X] ≈ exp(sigma·E[Z_max] + ...): check to first order.
      expect(Math.log(e) / (sigma * expectedMaxNormal(n))).toBeCloseTo(1, 1);
      last = e;
    }
  });

  it("rejects bad arguments", () => {
    expect(() => expectedMaxLognormal(0, 0, 1)).toThrow(/n must be an integer >= 1/);
    expect(() => expectedMaxLognormal(4, 0, -1)).toThrow(/sigma must be a finite number >= 0/);
  });
});
