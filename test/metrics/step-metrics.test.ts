import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BREAKDOWN_TOLERANCE, type StepMetricsInput, stepMetrics } from "../../src/metrics/step-metrics.js";
import { type StepRecord, TIME_CATEGORIES, type TimeCategory } from "../../src/system/ports.js";

/** A step's mean-over-actors category times: the given ones, every other category 0. */
function meanS(parts: Partial<Record<TimeCategory, number>>): Record<TimeCategory, number> {
  return Object.fromEntries(TIME_CATEGORIES.map((c) => [c, parts[c] ?? 0])) as Record<TimeCategory, number>;
}

function sumOfBreakdown(b: Record<string, number>): number {
  return Object.values(b).reduce((s, v) => s + v, 0);
}

/**
 * A hand-built run: 4 cards, 3 steps starting at t = 10 s and ending at 11.5, 13.25
 * and 14.5 s, so the step times are 1.5, 1.75 and 1.25 s (mean 1.5 s). The workload is a
 * dense model of N = 1e9 matrix parameters trained on 3 sequences of 2,048 tokens per step.
 */
const N = 1e9;
const TOKENS = 3 * 2048; // 6,144 tokens per step
const CARDS = 4;
const PEAK = 12.288e12; // FLOP/s per card
const handRecords: StepRecord[] = [
  { endS: 11.5, meanS: meanS({ compute: 1, dpComm: 0.25, optimizer: 0.125 }) }, // 1.375 of 1.5 s
  { endS: 13.25, meanS: meanS({ compute: 1, straggler: 0.25, dpComm: 0.375, optimizer: 0.125 }) }, // 1.75 s
  { endS: 14.5, meanS: meanS({ compute: 1, dpComm: 0.125, optimizer: 0.125 }) }, // 1.25 s
];
const handInput: StepMetricsInput = {
  records: handRecords,
  startS: 10,
  cards: CARDS,
  tokensPerStep: TOKENS,
  modelFlopsPerStep: 6 * N * TOKENS, // forward 2N + backward 4N per token
  hardwareFlopsPerStep: 8 * N * TOKENS, // plus the recomputed forward (full recomputation)
  megatronFlopsPerStep: 5e13,
  peakFlopsPerS: PEAK,
};

describe("stepMetrics: headline metrics by hand", () => {
  const { stepTimes, metrics, breakdownS } = stepMetrics(handInput);

  it("takes step times from consecutive end times, the first from startS", () => {
    expect(stepTimes).toEqual([1.5, 1.75, 1.25]);
    expect(metrics.steps).toBe(3);
    expect(metrics.cards).toBe(4);
    expect(metrics.stepTimeSeconds).toBe(1.5);
    // Sorted 1.25, 1.5, 1.75; position (n − 1)·q: 1 → 1.5; 1.9 → 1.5 + 0.9·0.25; 1.98 → 1.5 + 0.98·0.25.
    expect(metrics.stepTimeP50Seconds).toBe(1.5);
    expect(metrics.stepTimeP95Seconds).toBeCloseTo(1.725, 14);
    expect(metrics.stepTimeP99Seconds).toBeCloseTo(1.745, 14);
  });

  it("tokens/s = 6,144 tokens / 1.5 s = 4,096", () => {
    expect(metrics.tokensPerSecond).toBeCloseTo(4096, 9);
  });

  it("TFLOP/s per card: 6·1e9·6,144 = 3.6864e13 FLOP per step / (1.5 s · 4 cards) = 6.144 TFLOP/s", () => {
    expect(metrics.tflopsPerCard).toBeCloseTo(6.144, 12);
    // Hardware FLOPs 8·N per token: 4.9152e13 / 6 s·cards = 8.192 TFLOP/s.
    expect(metrics.hardwareTflopsPerCard).toBeCloseTo(8.192, 12);
    // Megatron formula's count: 5e13 / 6 = 8.333... TFLOP/s.
    expect(metrics.megatronTflopsPerCard).toBeCloseTo(50 / 6, 12);
  });

  it("MFU = 6.144 / 12.288 = 0.5 and HFU = 8.192 / 12.288 = 2/3", () => {
    expect(metrics.mfu).toBeCloseTo(0.5, 14);
    expect(metrics.hfu).toBeCloseTo(2 / 3, 14);
  });

  it("breakdown: means over steps, idle the rest of the mean step time", () => {
    expect(breakdownS.compute).toBeCloseTo(1, 14);
    expect(breakdownS.straggler).toBeCloseTo(0.25 / 3, 14);
    expect(breakdownS.dpComm).toBeCloseTo((0.25 + 0.375 + 0.125) / 3, 14);
    expect(breakdownS.optimizer).toBeCloseTo(0.125, 14);
    for (const c of ["tpComm", "epComm", "ppComm", "bubble", "paramGather"] as const) expect(breakdownS[c]).toBe(0);
    // Through step 3 the categories sum to 4.375 s of the 4.5 s elapsed: idle = 0.125 / 3 steps.
    expect(breakdownS.idle).toBeCloseTo(0.125 / 3, 14);
    expect(sumOfBreakdown(breakdownS)).toBeCloseTo(1.5, 14);
  });
});

describe("stepMetrics: over-counted time fails loudly", () => {
  it("throws when a step's categories exceed the time elapsed so far", () => {
    // Step 1 over-counts compute by 0.25 s: 1.625 s of categories in a 1.5 s step.
    const records = handRecords.map((r, i) =>
      i === 0 ? { ...r, meanS: { ...r.meanS, compute: r.meanS.compute + 0.25 } } : r,
    );
    expect(() => stepMetrics({ ...handInput, records })).toThrow(/invariant violated.*steps 1-1.*over-count/);
  });

  it("throws when over-counts add up over several steps beyond the idle time", () => {
    // Through steps 1, 2, 3 the categories sum to 1.375 of 1.5, 3.125 of 3.25 and 4.375 of 4.5 s.
    // +0.1 s of tpComm in step 2 fits (3.225 of 3.25, 4.475 of 4.5 s); +0.1 s in steps 1 and 3
    // fits through step 2 (3.225 s) but not through step 3 (4.575 of 4.5 s).
    const add = (steps: number[]) =>
      handRecords.map((r, i) => (steps.includes(i) ? { ...r, meanS: { ...r.meanS, tpComm: 0.1 } } : r));
    expect(() => stepMetrics({ ...handInput, records: add([1]) })).not.toThrow();
    expect(() => stepMetrics({ ...handInput, records: add([0, 2]) })).toThrow(/steps 1-3 sum to 4\.57/);
  });

  it("tolerates rounding: an excess of 1e-12 relative gives idle 0, 1e-8 relative throws", () => {
    const elapsed = 4.5;
    const tail = 0.125; // categories sum to 4.375 s through step 3
    const withExcess = (rel: number) =>
      handRecords.map((r, i) =>
        i === 2 ? { ...r, meanS: { ...r.meanS, optimizer: r.meanS.optimizer + tail + rel * elapsed } } : r,
      );
    const ok = stepMetrics({ ...handInput, records: withExcess(1e-12) });
    expect(ok.breakdownS.idle).toBe(0);
    expect(Math.abs(sumOfBreakdown(ok.breakdownS) / (ok.metrics.stepTimeSeconds as number) - 1)).toBeLessThan(1e-9);
    expect(() => stepMetrics({ ...handInput, records: withExcess(1e-8) })).toThrow(/over-count/);
  });
});

/**
 * Random runs built as the executor books time: each actor files every second of its
 * step under one category and starts its next step when it finishes this one; a step
 * ends when its last actor finishes; records hold means over actors. Times are
 * multiples of 2^-10 s, so the end times are exact and only the means over actors round
 * (a run of 1e-300 s starting at 1e4 s would measure rounding, not the breakdown).
 */
const dyadic = (maxS: number) => fc.integer({ min: 0, max: maxS * 1024 }).map((x) => x / 1024);
const runArb = fc
  .record({
    actors: fc.integer({ min: 1, max: 6 }),
    steps: fc.integer({ min: 1, max: 5 }),
    startS: dyadic(1e4),
  })
  .chain(({ actors, steps, startS }) =>
    fc
      .array(
        fc.array(fc.array(dyadic(100), { minLength: TIME_CATEGORIES.length, maxLength: TIME_CATEGORIES.length }), {
          minLength: actors,
          maxLength: actors,
        }),
        { minLength: steps, maxLength: steps },
      )
      .map((times) => ({ actors, startS, times })),
  );

function recordsOf(run: { actors: number; startS: number; times: number[][][] }): StepRecord[] {
  const finish = new Array<number>(run.actors).fill(run.startS);
  return run.times.map((perActor) => {
    const sums = TIME_CATEGORIES.map(() => 0);
    perActor.forEach((cats, a) => {
      cats.forEach((s, c) => {
        sums[c] = (sums[c] as number) + s;
        finish[a] = (finish[a] as number) + s;
      });
    });
    const meanS = Object.fromEntries(TIME_CATEGORIES.map((c, i) => [c, (sums[i] as number) / run.actors]));
    return { endS: Math.max(...finish), meanS: meanS as Record<TimeCategory, number> };
  });
}

const input = (records: StepRecord[], startS: number): StepMetricsInput => ({
  ...handInput,
  records,
  startS,
});

describe("stepMetrics: breakdown property", () => {
  it("the categories and idle sum to the mean step time within 1e-9 relative", () => {
    fc.assert(
      fc.property(runArb, (run) => {
        const r = stepMetrics(input(recordsOf(run), run.startS));
        const mean = r.metrics.stepTimeSeconds as number;
        expect(Math.abs(sumOfBreakdown(r.breakdownS) - mean)).toBeLessThanOrEqual(1e-9 * mean);
        expect(r.breakdownS.idle).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it("a breakdown that over-counts by more than the idle tail (plus the tolerance) throws", () => {
    fc.assert(
      fc.property(
        runArb,
        fc.nat(),
        fc.nat(),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (run, stepPick, catPick, excessRel) => {
          const records = recordsOf(run);
          const last = records[records.length - 1] as StepRecord;
          const elapsed = last.endS - run.startS;
          const accounted = records.reduce((s, r) => s + TIME_CATEGORIES.reduce((t, c) => t + r.meanS[c], 0), 0);
          // Over-count one category of one step by the idle tail plus a margin >= 1e-6 relative
          // (at least 1e-6 s, so an all-zero run over-counts too).
          const extra = elapsed - accounted + Math.max(excessRel * elapsed, 1e-6);
          const k = stepPick % records.length;
          const c = TIME_CATEGORIES[catPick % TIME_CATEGORIES.length] as TimeCategory;
          const broken = records.map((r, i) =>
            i === k ? { ...r, meanS: { ...r.meanS, [c]: r.meanS[c] + extra } } : r,
          );
          expect(() => stepMetrics(input(broken, run.startS))).toThrow(/invariant violated/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the tolerance is 1e-9 relative", () => {
    expect(BREAKDOWN_TOLERANCE).toBe(1e-9);
  });
});
