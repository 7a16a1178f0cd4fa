import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../../src/engine/rng.js";
import { gammaVariate, interArrivalSampler } from "../../../src/workload/serving/arrivals.js";
import { type TrafficSpec, TrafficSpecSchema } from "../../../src/workload/serving/serving-spec.js";

const lengths = { inputTokens: { mean: 100 }, outputTokens: { mean: 100 } };
const traffic = (t: Record<string, unknown>): TrafficSpec =>
  TrafficSpecSchema.parse({ requests: 10, ...lengths, ...t });

function meanAndCv(xs: Float64Array): { mean: number; cv: number } {
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  let sq = 0;
  for (const x of xs) sq += (x - mean) ** 2;
  return { mean, cv: Math.sqrt(sq / (xs.length - 1)) / mean };
}

const sample = (draw: () => number, n: number) => Float64Array.from({ length: n }, draw);

describe("gammaVariate (Marsaglia & Tsang 2000)", () => {
  it.each([0.1, 0.5, 1, 2.5, 10])("shape %d: mean shape and variance shape", (shape) => {
    const rng = new RandomStreams(3).stream("gamma");
    const { mean, cv } = meanAndCv(sample(() => gammaVariate(shape, rng), 200_000));
    expect(Math.abs(mean / shape - 1)).toBeLessThan(0.03);
    expect(Math.abs(cv / (1 / Math.sqrt(shape)) - 1)).toBeLessThan(0.03);
  });

  it("draws are positive and finite", () => {
    const rng = new RandomStreams(4).stream("gamma");
    const xs = Array.from(sample(() => gammaVariate(0.05, rng), 10_000));
    expect(xs.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
    expect(xs.some((x) => x > 0)).toBe(true);
  });
});

describe("interArrivalSampler", () => {
  it.each([0.5, 1, 3])("gamma cv %d: mean 1/rate and CV cv within 3%% over 200k draws", (cv) => {
    const rate = 40;
    const draw = interArrivalSampler(
      traffic({ arrival: "gamma", ratePerS: rate, cv }),
      new RandomStreams(9).stream("a"),
    );
    const stats = meanAndCv(sample(draw, 200_000));
    expect(Math.abs(stats.mean * rate - 1)).toBeLessThan(0.03);
    expect(Math.abs(stats.cv / cv - 1)).toBeLessThan(0.03);
  });

  it("poisson: exponential with mean 1/rate (CV 1)", () => {
    const draw = interArrivalSampler(traffic({ arrival: "poisson", ratePerS: 5 }), new RandomStreams(9).stream("a"));
    const stats = meanAndCv(sample(draw, 200_000));
    expect(Math.abs(stats.mean * 5 - 1)).toBeLessThan(0.02);
    expect(Math.abs(stats.cv - 1)).toBeLessThan(0.02);
  });

  it("constant: exactly 1/rate", () => {
    const draw = interArrivalSampler(traffic({ arrival: "constant", ratePerS: 8 }), new RandomStreams(9).stream("a"));
    expect(Array.from(sample(draw, 4))).toEqual([0.125, 0.125, 0.125, 0.125]);
  });

  it("same seed and stream: the same sequence; another stream name: another", () => {
    const t = traffic({ arrival: "gamma", ratePerS: 10, cv: 2 });
    const seq = (seed: number, name: string) =>
      Array.from(sample(interArrivalSampler(t, new RandomStreams(seed).stream(name)), 100));
    expect(seq(42, "traffic/arrivals")).toEqual(seq(42, "traffic/arrivals"));
    expect(seq(42, "traffic/arrivals")).not.toEqual(seq(42, "other"));
    expect(seq(42, "traffic/arrivals")).not.toEqual(seq(43, "traffic/arrivals"));
  });

  it("rejects kinds without an inter-arrival distribution", () => {
    const offline = traffic({ arrival: "offline" });
    expect(() => interArrivalSampler({ ...offline, ratePerS: 1 }, new RandomStreams(1).stream("a"))).toThrow(
      RangeError,
    );
  });
});
