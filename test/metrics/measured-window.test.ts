import { describe, expect, it } from "vitest";
import { measuredRequests } from "../../src/metrics/serving-metrics.js";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../src/scenario/run-serving.js";
import type { RunOk } from "../../src/scenario/types.js";

/**
 * Which requests a serving run measures (warmupRequests <= id < count − cooldownRequests) and the
 * window its rates are taken over: the fleet's work inside the measured arrival window, the work of
 * the warm-up requests still running in it included.
 */
const SERVING = "topologies/scenarios/llama3-8b-h100-serving.yaml";

function run(file: string, sets: string[]): RunOk {
  const r = runServingScenario(loadServingScenario(file, sets), 1, { keepRequests: true });
  if (!r.ok) throw new Error(r.error);
  return r;
}

describe("measured requests", () => {
  it("leaves out the first warm-up and the last cool-down requests, never a negative range", () => {
    expect(measuredRequests(100, 10, 20)).toEqual({ first: 10, end: 80 });
    expect(measuredRequests(100, 0, 0)).toEqual({ first: 0, end: 100 });
    expect(measuredRequests(5, 10, 0)).toEqual({ first: 5, end: 5 });
    expect(measuredRequests(30, 10, 25)).toEqual({ first: 10, end: 10 });
  });

  it("a stable Poisson run serves output tokens at the rate they arrive (within 4%)", () => {
    // 3,000 requests at 140 req/s, the first 500 (3.6 s, about ten request lifetimes) as warm-up:
    // the measured window is in steady state, so the fleet's output rate in it is the offered one.
    const r = run(SERVING, ["serving.traffic.requests=3000", "serving.traffic.warmupRequests=500"]);
    expect(r.metrics.overloaded).toBe(0);
    const q = r.details.requests as Record<string, number[]>;
    const arrivals = q.arrivalS as number[];
    const outputs = q.outputTokens as number[];
    const windowS = (arrivals.at(-1) as number) - (arrivals[0] as number);
    // Output tokens arriving per second over the window (the last request's tokens excluded: n − 1 gaps).
    const offered = outputs.slice(0, -1).reduce((a, b) => a + b, 0) / windowS;
    expect((r.metrics.outputTokensPerSecond as number) / offered).toBeGreaterThan(0.96);
    expect((r.metrics.outputTokensPerSecond as number) / offered).toBeLessThan(1.04);
  });

  it("cool-down requests are not in the statistics, and the rate window ends at the last measured arrival", () => {
    const all = run(SERVING, ["serving.traffic.requests=3000", "serving.traffic.warmupRequests=500"]);
    const cooled = run(SERVING, [
      "serving.traffic.requests=3000",
      "serving.traffic.warmupRequests=500",
      "serving.traffic.cooldownRequests=700",
    ]);
    expect(all.metrics.requests).toBe(2500);
    expect(cooled.metrics.requests).toBe(1800);
    const a = all.details.requests as Record<string, number[]>;
    const c = cooled.details.requests as Record<string, number[]>;
    // The same simulation: the cooled run's requests are the first 1,800 measured ones.
    expect(c.arrivalS).toEqual((a.arrivalS as number[]).slice(0, 1800));
    expect(c.finishS).toEqual((a.finishS as number[]).slice(0, 1800));
    const arrivalsC = c.arrivalS as number[];
    const ttft = (c.firstTokenS as number[]).map((f, i) => f - (arrivalsC[i] as number));
    expect(cooled.metrics.ttftMeanSeconds).toBeCloseTo(ttft.reduce((x, y) => x + y, 0) / ttft.length, 12);
    const ratio = (cooled.metrics.outputTokensPerSecond as number) / (all.metrics.outputTokensPerSecond as number);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
  });

  it("a cool-down that leaves nothing to measure is an input error at its field", () => {
    expect(() =>
      loadServingScenario(SERVING, [
        "serving.traffic.requests=3000",
        "serving.traffic.warmupRequests=1000",
        "serving.traffic.cooldownRequests=2000",
      ]),
    ).toThrow(
      /serving\.traffic\.cooldownRequests: expected warm-up \+ cool-down requests fewer than requests \(3000\), found 1000 \+ 2000/,
    );
  });
});
