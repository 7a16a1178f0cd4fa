import { describe, expect, it } from "vitest";
import { mean } from "../../src/metrics/stats.js";
import { CARD_FAILURE, FailureArrivals } from "../../src/stragglers/failures-arrivals.js";
import { simulateJob } from "../../src/stragglers/failures-sim.js";
import { FailureSpecSchema } from "../../src/stragglers/failures-spec.js";
import { goodputClosedForm, goodputFirstOrder } from "../../src/stragglers/goodput-closed-form.js";

const DAY_S = 86_400;
// Llama 3 default failure rates, 8 TB checkpoints at 100 GB/s (δ = 82 s), recovery 15 min + restore.
const spec = FailureSpecSchema.parse({
  detectionS: 300,
  restartS: 600,
  checkpoint: { writeGBps: 100, readGBps: 200, sizeBytes: 8e12 },
});
const bigJob = { cards: 16_384, nodes: 2_048, usefulS: 90 * DAY_S };

describe("simulateJob", () => {
  it("on a 90-day 16k-card job, matches Daly's exact goodput within 1% (mean of 4 seeds, ~3,500 failures)", () => {
    const runs = [1, 2, 3, 4].map((seed) => simulateJob(spec, bigJob, seed));
    const closed = goodputClosedForm(runs[0]?.params ?? expect.fail("no run"), bigJob.usefulS);
    const simulated = mean(runs.map((r) => r.goodput));
    expect(mean(runs.map((r) => r.failures))).toBeGreaterThan(700);
    expect(Math.abs(simulated / closed.goodput - 1)).toBeLessThan(0.01);
    // Expected failures = λ·E[wall time] (Wald): within 5% of the 4-seed mean.
    expect(mean(runs.map((r) => r.failures)) / closed.expectedFailures).toBeCloseTo(1, 1);
  });

  it("matches the first-order goodput within 2% where that form is accurate (τ + δ + R ≪ M)", () => {
    // M = 1e6 h / 1000 cards = 1,000 h; δ = 80 s; τ = 2 h; R = 15.7 min; 20 years of work → ~170 failures.
    const quiet = FailureSpecSchema.parse({
      cardMtbfHours: 1e6,
      nodeMtbfHours: 1e9,
      detectionS: 300,
      restartS: 600,
      checkpoint: { intervalS: 7200, writeGBps: 100, readGBps: 200, sizeBytes: 8e12 },
    });
    const job = { cards: 1000, nodes: 0, usefulS: 20 * 365 * DAY_S };
    const runs = [1, 2, 3, 4].map((seed) => simulateJob(quiet, job, seed));
    const first = goodputFirstOrder(runs[0]?.params ?? expect.fail("no run"));
    expect(Math.abs(mean(runs.map((r) => r.goodput)) / first - 1)).toBeLessThan(0.02);
  });

  it("non-blocking checkpoints match their first-order goodput within 2%", () => {
    const nb = { ...spec, checkpoint: { ...spec.checkpoint, blocking: false, intervalS: 1200 } };
    const runs = [1, 2, 3].map((seed) => simulateJob(nb, bigJob, seed));
    const params = runs[0]?.params ?? expect.fail("no run");
    expect(params.blocking).toBe(false);
    expect(
      Math.abs(mean(runs.map((r) => r.goodput)) / goodputClosedForm(params, bigJob.usefulS).goodput - 1),
    ).toBeLessThan(0.02);
    for (const r of runs) expect(r.breakdown.checkpointS).toBeLessThan(2 * params.writeS); // only the final save waits
  });

  it("accounts for every second: compute + checkpoint + lost + restart = wall, compute = useful", () => {
    for (const blocking of [true, false]) {
      const s = { ...spec, checkpoint: { ...spec.checkpoint, blocking, intervalS: 1000 } };
      const r = simulateJob(s, { ...bigJob, usefulS: 20 * DAY_S }, 9);
      const b = r.breakdown;
      expect(b.computeS + b.checkpointS + b.lostS + b.restartS).toBeCloseTo(r.wallS, 3);
      expect(b.computeS).toBeCloseTo(r.usefulS, 3);
      expect(r.goodput).toBe(r.usefulS / r.wallS);
      expect(r.lostWorkS).toBeLessThanOrEqual(b.lostS + 1e-6);
      expect(r.cardFailures + r.nodeFailures).toBe(r.failures);
      expect(r.failures).toBeGreaterThan(0);
    }
  });

  it("without failures the wall time is the work plus one write per segment, exactly", () => {
    const r = simulateJob(spec, { cards: 0, nodes: 0, usefulS: 10_000, checkpointBytes: 1 }, 1, { intervalS: 3000 });
    expect(r.failures).toBe(0);
    expect(r.checkpointsWritten).toBe(4); // 3 × 3000 s + 1,000 s
    expect(r.wallS).toBeCloseTo(10_000 + 4 * 80, 9);
    expect(r.lostWorkS).toBe(0);
  });

  it("is deterministic: same seed, same numbers; another seed, other numbers", () => {
    const job = { ...bigJob, usefulS: 10 * DAY_S };
    const a = simulateJob(spec, job, 42);
    expect(simulateJob(spec, job, 42)).toEqual(a);
    expect(simulateJob(spec, job, 43).wallS).not.toBe(a.wallS);
  });
});

describe("FailureArrivals", () => {
  it("gives each card its own stream: adding cards leaves the old cards' failure times unchanged", () => {
    const rate = 1 / 1000;
    const cardTimes = (arrivals: FailureArrivals, count: number, maxCard: number) => {
      const out: Array<[number, number]> = [];
      for (let i = 0; out.length < count; i++) {
        if (arrivals.kind(i) === CARD_FAILURE && arrivals.component(i) < maxCard) {
          out.push([arrivals.component(i), arrivals.timeS(i)]);
        }
      }
      return out;
    };
    const small = new FailureArrivals(5, 10, 2, rate, rate);
    const large = new FailureArrivals(5, 50, 7, rate, rate);
    expect(cardTimes(large, 40, 10)).toEqual(cardTimes(small, 40, 10));
  });

  it("superposes the processes: failures arrive at cards·rate + nodes·rate", () => {
    const arrivals = new FailureArrivals(3, 200, 25, 1 / 5000, 1 / 2000);
    const n = 4000;
    const rate = n / arrivals.timeS(n - 1);
    expect(rate / (200 / 5000 + 25 / 2000)).toBeCloseTo(1, 1); // ±5% (1.6% standard error)
    let cards = 0;
    for (let i = 0; i < n; i++) if (arrivals.kind(i) === CARD_FAILURE) cards++;
    expect(cards / n).toBeCloseTo(0.04 / 0.0525, 1);
  });
});
