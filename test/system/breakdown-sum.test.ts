import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stepMetrics } from "../../src/metrics/step-metrics.js";
import { runScenario } from "../../src/scenario/run.js";
import { noise, noisyTiming, program, runProgram } from "../stragglers/noise-harness.js";

/**
 * Issue 12 item 5: the time breakdown (executor categories + idle, via
 * src/metrics/step-metrics.ts) sums to the step time within 1e-9, on real
 * scenarios and on random executor programs; step-metrics throws on an
 * over-count, so a run that over-counts fails here too.
 */
const at = (p: string) => new URL(`../../${p}`, import.meta.url).pathname;
const ROW1 = at("topologies/published/megatron-2021/row-01-1.7b.yaml");

const SCENARIOS: Array<{ name: string; path: string; sets: string[] }> = [
  { name: "small-dp16", path: at("test/fixtures/scenarios/small-dp16.yaml"), sets: [] },
  { name: "small-moe (EP all-to-alls)", path: at("test/fixtures/scenarios/small-moe.yaml"), sets: [] },
  { name: "megatron-2021 row 1", path: ROW1, sets: [] },
  {
    name: "megatron-2021 row 1, PP 2 (bubbles, sends, an idle tail)",
    path: ROW1,
    sets: ["parallel.pp=2", "parallel.dp=16", "parallel.globalBatchSize=64"],
  },
  {
    name: "megatron-2021 row 1 with noise (straggler time)",
    path: ROW1,
    sets: [
      "parallel.globalBatchSize=64",
      "noise.persistent.sigma=0.05",
      "noise.jitter.sigma=0.05",
      "noise.pauses.ratePerCardPerS=2",
      "noise.pauses.meanPauseS=0.01",
    ],
  },
];

describe("breakdowns of real scenarios sum to the step time", () => {
  it.each(SCENARIOS)("$name", ({ path, sets }) => {
    const r = runScenario({ scenarioPath: path, sets, seed: 3, steps: 3 });
    if (!r.ok) throw new Error(`${r.kind}: ${r.error}`);
    const stepS = r.metrics.stepTimeSeconds as number;
    const breakdown = r.details.breakdownSeconds as Record<string, number>;
    const sum = Object.values(breakdown).reduce((s, v) => s + v, 0);
    expect(Math.abs(sum - stepS)).toBeLessThanOrEqual(1e-9 * stepS);
    expect(breakdown.idle).toBeGreaterThanOrEqual(0);
    expect(breakdown.compute).toBeGreaterThan(0);
    const times = r.details.stepTimesSeconds as number[];
    expect(times.reduce((s, v) => s + v, 0) / times.length).toBeCloseTo(stepS, 12);
  });
});

const shapeArb = fc.record({
  pp: fc.integer({ min: 1, max: 4 }),
  m: fc.integer({ min: 1, max: 6 }),
  replicas: fc.integer({ min: 1, max: 3 }),
  fS: fc.double({ min: 0.01, max: 2, noNaN: true }),
  bS: fc.double({ min: 0.01, max: 4, noNaN: true }),
  bucketS: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 2, noNaN: true })),
  ppSendS: fc.double({ min: 0, max: 0.5, noNaN: true }),
  optimizerS: fc.double({ min: 0, max: 1, noNaN: true }),
  overlap: fc.boolean(),
});

function metricsOf(records: ReturnType<typeof runProgram>) {
  return stepMetrics({
    records,
    startS: 0,
    cards: 1,
    tokensPerStep: 1,
    modelFlopsPerStep: 1,
    hardwareFlopsPerStep: 1,
    megatronFlopsPerStep: 1,
    peakFlopsPerS: 1,
  });
}

describe("breakdowns of random executor programs sum to the step time", () => {
  it("with and without noise, any shape: within 1e-9 relative, and step-metrics finds no over-count", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 1000 })),
        (shape, steps, noiseSeed) => {
          const p = program(shape);
          const timing =
            noiseSeed === null
              ? undefined
              : noisyTiming(
                  p,
                  noise({
                    persistent: { sigma: 0.1 },
                    jitter: { sigma: 0.1 },
                    pauses: { ratePerCardPerS: 1, meanPauseS: 0.05 },
                  }),
                  noiseSeed,
                );
          const r = metricsOf(runProgram(p, steps, timing));
          const mean = r.metrics.stepTimeSeconds as number;
          const sum = Object.values(r.breakdownS).reduce((s, v) => s + v, 0);
          expect(Math.abs(sum - mean)).toBeLessThanOrEqual(1e-9 * mean);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("one pipeline rank, no noise: every replica finishes with the last, so idle is 0 (no second unfiled)", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 1, max: 3 }), (shape, steps) => {
        const r = metricsOf(runProgram(program({ ...shape, pp: 1 }), steps));
        expect(r.breakdownS.idle).toBeLessThanOrEqual(1e-9 * (r.metrics.stepTimeSeconds as number));
      }),
      { numRuns: 100 },
    );
  });
});
