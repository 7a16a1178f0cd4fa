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

/**
 * Mean and variance of the failures and the wall time of one run, from the same renewal
 * model as Daly's exact form (a test-side oracle, written independently of the code under
 * test). With λ = 1/M, a segment of work + write w succeeds with probability p = e^{−λw};
 * the failed attempts a ~ Geometric(p) (P(a = k) = (1 − p)^k·p); each failure is followed by
 * a recovery R that itself restarts on failure, b ~ Geometric(q = e^{−λR}) failures each.
 * - Failures K = Σ_{i≤a} (1 + b_i): E = E[a]/q, Var = E[a]·Var[b] + Var[a]/q².
 * - Wall time T = w + Σ_{i≤a} (X_i + D_i), X the time to a failure given it falls within w
 *   (exponential truncated to [0, w)), D the time to complete a recovery; Var by the same
 *   compound-sum rule, with Var[D] = (e^{2λR} − 1 − 2λR·e^{λR})/λ² (time to get R failure-free).
 * Segments are independent (memoryless failures), so means and variances add over them.
 */
function renewalMoments(p: { mtbfS: number; intervalS: number; writeS: number; recoveryS: number }, usefulS: number) {
  const lam = 1 / p.mtbfS;
  const R = p.recoveryS;
  const segment = (w: number) => {
    const pw = Math.exp(-lam * w);
    const q = Math.exp(-lam * R);
    const ea = (1 - pw) / pw;
    const va = (1 - pw) / (pw * pw);
    const failures = { mean: ea / q, variance: (ea * (1 - q)) / (q * q) + va / (q * q) };
    const ex = 1 / lam - w / Math.expm1(lam * w);
    const vx = 1 / lam ** 2 - (w * w * Math.exp(lam * w)) / Math.expm1(lam * w) ** 2;
    const eD = Math.expm1(lam * R) / lam;
    const vD = (Math.exp(2 * lam * R) - 1 - 2 * lam * R * Math.exp(lam * R)) / lam ** 2;
    const wall = { mean: w + ea * (ex + eD), variance: ea * (vx + vD) + va * (ex + eD) ** 2 };
    return { failures, wall };
  };
  const full = Math.floor(usefulS / p.intervalS);
  const lastS = usefulS - full * p.intervalS;
  const a = segment(p.intervalS + p.writeS);
  const b =
    lastS > 0 ? segment(lastS + p.writeS) : { failures: { mean: 0, variance: 0 }, wall: { mean: 0, variance: 0 } };
  const sum = (k: "failures" | "wall") => ({
    mean: full * a[k].mean + b[k].mean,
    variance: full * a[k].variance + b[k].variance,
  });
  return { failures: sum("failures"), wall: sum("wall") };
}

describe("simulateJob", () => {
  it("on a 90-day 16k-card job, matches Daly's exact goodput and λ·E[wall] failures within 4 standard errors (32 seeds)", () => {
    // M = 11,135 s, τ = 1,282 s (Daly), δ = 80 s, R = 940 s: ~859 failures per run.
    const seeds = 32;
    const runs = Array.from({ length: seeds }, (_, i) => simulateJob(spec, bigJob, i + 1));
    const params = runs[0]?.params ?? expect.fail("no run");
    const closed = goodputClosedForm(params, bigJob.usefulS);
    const moments = renewalMoments(params, bigJob.usefulS);
    // The oracle's means are Daly's: E[wall] = the closed form's, E[failures] = λ·E[wall] (Wald).
    expect(moments.wall.mean / closed.wallS - 1).toBeCloseTo(0, 9);
    expect(moments.failures.mean / closed.expectedFailures - 1).toBeCloseTo(0, 9);
    expect(closed.expectedFailures).toBeCloseTo(858.7, 1);
    // Standard errors of the 32-seed means: failures 33.6/√32 = 5.9 (±24, 2.8%, at 4 SE);
    // goodput (delta method) 0.53%/√32 = 0.094% relative (±0.37%). E[U/T] differs from U/E[T]
    // by ~Var[T]/E[T]² = 3e-5 relative, negligible against these.
    const failuresSe = Math.sqrt(moments.failures.variance / seeds);
    const goodputSeRel = Math.sqrt(moments.wall.variance) / moments.wall.mean / Math.sqrt(seeds);
    expect(failuresSe).toBeCloseTo(5.95, 2);
    const failures = mean(runs.map((r) => r.failures));
    expect(Math.abs(failures - closed.expectedFailures)).toBeLessThan(4 * failuresSe);
    const goodput = mean(runs.map((r) => r.goodput));
    expect(Math.abs(goodput / closed.goodput - 1)).toBeLessThan(4 * goodputSeRel);
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
    // Each arrival of the superposed process is a card failure with probability p = 0.04/0.0525,
    // independently: within 4 standard errors sqrt(p(1 − p)/n) = 0.0067 (±0.027).
    const p = 0.04 / 0.0525;
    expect(Math.abs(cards / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });
});
