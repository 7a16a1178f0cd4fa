import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { TIME_CATEGORIES, type TimeCategory } from "../../src/system/ports.js";
import { noise, noisyTiming, program, runProgram } from "./noise-harness.js";

/**
 * Issue 6 validation: one card ×1.5 slower (noise.persistent.slowCards) in one
 * data-parallel group. Expected step times are derived by hand below; the
 * executor's fixed-rate network makes them exact.
 */
const F_S = 1;
const B_S = 2;
const C_S = 0.5; // the one gradient allreduce per pipeline rank
const SLOW = 1.5;
const slowSpec = (cards: number[]) => noise({ persistent: { slowCards: cards, slowFactor: SLOW } });

function sumOfCategories(meanS: Record<TimeCategory, number>): number {
  return TIME_CATEGORIES.reduce((s, c) => s + meanS[c], 0);
}

describe("one slow card in a pure data-parallel job", () => {
  // pp = 1, 4 replicas of one card, m = 4 micro-batches; card 2 is slow.
  const shape = { pp: 1, m: 4, replicas: 4, fS: F_S, bS: B_S, bucketS: C_S, optimizerS: 0.25 };

  it("slows the whole step: step = 1.5 · (m(F + B) + optimizer) + C", () => {
    const p = program(shape);
    const quiet = runProgram(p, 1)[0];
    const slow = runProgram(p, 1, noisyTiming(p, slowSpec([2]), 7))[0];
    // Noise-free: 4·3 + 0.5 + 0.25 = 12.75. Slow card: its passes take 1.5× (18), every replica
    // waits for it at the allreduce (+0.5), then its optimizer takes 1.5 × 0.25.
    expect(quiet?.endS).toBeCloseTo(4 * (F_S + B_S) + C_S + 0.25, 12);
    expect(slow?.endS).toBeCloseTo(SLOW * 4 * (F_S + B_S) + C_S + SLOW * 0.25, 12);
  });

  it("names the waiting: straggler seconds on the slow card, dpComm waiting on the others", () => {
    const p = program(shape);
    const r = runProgram(p, 1, noisyTiming(p, slowSpec([2]), 7))[0];
    if (r === undefined) throw new Error("no step");
    const extraS = (SLOW - 1) * 4 * (F_S + B_S); // 6 s of extra compute on the slow card
    // Means over the 4 actors: only the slow one has straggler time; the 3 others wait
    // extraS + C at the allreduce, the slow one only C.
    expect(r.meanS.compute).toBeCloseTo(4 * (F_S + B_S), 12);
    expect(r.meanS.straggler).toBeCloseTo(extraS / 4, 12);
    expect(r.meanS.dpComm).toBeCloseTo((C_S + 3 * (extraS + C_S)) / 4, 12);
    expect(r.meanS.bubble).toBeCloseTo(0, 12);
    // The 3 fast actors idle while the slow one runs its longer optimizer.
    const idle = r.endS - sumOfCategories(r.meanS);
    expect(idle).toBeCloseTo((3 * (SLOW - 1) * 0.25) / 4, 12);
  });

  it("through runScenario (Megatron 1.7B, DP 32): step = 1.5 · (compute + optimizer) + exposed gradient sync", () => {
    const scenarioPath = new URL("../../topologies/published/megatron-2021/row-01-1.7b.yaml", import.meta.url).pathname;
    const sets = ["parallel.globalBatchSize=64"];
    const base = runScenario({ scenarioPath, sets, seed: 1, steps: 1 });
    const slow = runScenario({
      scenarioPath,
      sets: [...sets, "noise.persistent.slowCards=[5]", `noise.persistent.slowFactor=${SLOW}`],
      seed: 1,
      steps: 1,
    });
    if (!(base.ok && slow.ok)) throw new Error("run failed");
    const b = base.details.breakdownSeconds as Record<TimeCategory, number>;
    const s = slow.details.breakdownSeconds as Record<TimeCategory, number>;
    const cards = base.metrics.cards as number;
    const expectedS = SLOW * (b.compute + b.optimizer) + b.dpComm;
    // Exact up to how the real network hides gradient buckets; allow 0.5%.
    expect(slow.metrics.stepTimeSeconds as number).toBeGreaterThan(1.4 * (base.metrics.stepTimeSeconds as number));
    expect(Math.abs((slow.metrics.stepTimeSeconds as number) / expectedS - 1)).toBeLessThan(0.005);
    expect(s.straggler).toBeCloseTo(((SLOW - 1) * b.compute) / cards, 9);
    expect(s.dpComm).toBeGreaterThan(b.dpComm + ((cards - 1) / cards) * (SLOW - 1) * b.compute * 0.99);
    expect(slow.metrics.noiseFreeStepTimeSeconds).toBe(base.metrics.stepTimeSeconds);
    // Share of the noisy step lost to the straggler: (noisy − noise-free) / noisy.
    const baseS = base.metrics.stepTimeSeconds as number;
    expect(slow.metrics.stragglerShare).toBeCloseTo((expectedS - baseS) / expectedS, 2);
  });
});

describe("one slow card in a pipeline-parallel job", () => {
  /**
   * pp = 2, m = 4, 1F1B, 2 replicas; per stage F = 1, B = 2; sends take 0; one
   * allreduce of C per pipeline rank after the last pass; no optimizer time.
   * The slow card is stage 1 (the last stage) of replica 0: its F and B take
   * s·F and s·B. With s·(F + B) >= F + B the slow last stage is the bottleneck and
   * stage 0 runs in its shadow:
   *   stage 0: F0 [0, F]; then it can only run B_k after stage 1's B_k, so
   *   replica 0's passes end at  F + m·s·(F + B) + B            (= 1 + 18 + 2 = 21)
   *   noise-free:                 m·(F + B) + (pp − 1)·(F + B)   (= 12 + 3 = 15)
   * The whole step waits for the slowest replica at the gradient sync:
   *   step = F + m·s·(F + B) + B + C                             (= 21.5)
   * so the penalty is (s − 1)·m·(F + B) = 6 s: the slow stage's own compute
   * share (m·(F + B) = 12 s) times 0.5, not the whole step's 15 s times 0.5.
   */
  const shape = { pp: 2, m: 4, replicas: 2, fS: F_S, bS: B_S, bucketS: C_S };
  // Actor a = replica·pp + rank; the harness gives actor (replica 0, rank 1) = actor 1 card (1·2 + 0) = 2.
  const slowCard = 2;

  it("slows only its stage's share of the step, in proportion", () => {
    const p = program(shape);
    expect(p.actorCards(1)).toEqual([slowCard]);
    const m = shape.m;
    const quiet = runProgram(p, 1)[0];
    const slow = runProgram(p, 1, noisyTiming(p, slowSpec([slowCard]), 3))[0];
    expect(quiet?.endS).toBeCloseTo(m * (F_S + B_S) + (shape.pp - 1) * (F_S + B_S) + C_S, 12);
    expect(slow?.endS).toBeCloseTo(F_S + m * SLOW * (F_S + B_S) + B_S + C_S, 12);
    const penaltyS = (slow?.endS as number) - (quiet?.endS as number);
    expect(penaltyS).toBeCloseTo((SLOW - 1) * m * (F_S + B_S), 12);
    // Less than a pure-DP-style 1.5× of the whole noise-free pass time.
    expect(penaltyS).toBeLessThan((SLOW - 1) * ((quiet?.endS as number) - C_S));
  });

  it("names the waiting: straggler on the slow stage, bubble on its pipeline peer, dpComm on the other replica", () => {
    const p = program(shape);
    const r = runProgram(p, 1, noisyTiming(p, slowSpec([slowCard]), 3))[0];
    if (r === undefined) throw new Error("no step");
    const m = shape.m;
    const extraS = (SLOW - 1) * m * (F_S + B_S); // 6
    const replica0EndS = F_S + m * SLOW * (F_S + B_S) + B_S; // 21: stage 0 of replica 0 finishes its passes
    const slowStageEndS = replica0EndS - B_S; // 19: the slow stage finishes before stage 0's last B
    const quietEndS = m * (F_S + B_S) + (shape.pp - 1) * (F_S + B_S); // 15
    // Per actor (compute is m(F+B) = 12 everywhere):
    //  actor 0 (replica 0, stage 0): bubble = 21 − 12 = 9, dpComm = C
    //  actor 1 (replica 0, stage 1, slow): straggler 6, bubble F = 1 (waits for F0), dpComm = C
    //  actor 2 (replica 1, stage 0): bubble = 15 − 12 = 3, dpComm = 21 + C − 15 = 6.5
    //  actor 3 (replica 1, stage 1): bubble F = 1, ends at 15 − B = 13, dpComm = 19 + C − 13 = 6.5
    const compute = m * (F_S + B_S);
    const bubbles = [replica0EndS - compute, F_S, quietEndS - compute, F_S];
    const dpComm = [C_S, C_S, replica0EndS + C_S - quietEndS, slowStageEndS + C_S - (quietEndS - B_S)];
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.meanS.compute).toBeCloseTo(compute, 12);
    expect(r.meanS.straggler).toBeCloseTo(extraS / 4, 12);
    expect(r.meanS.bubble).toBeCloseTo(avg(bubbles), 12);
    expect(r.meanS.dpComm).toBeCloseTo(avg(dpComm), 12);
    // Noise-free, the same program has no straggler time and only the 1F1B bubble.
    const q = runProgram(p, 1)[0];
    expect(q?.meanS.straggler).toBe(0);
    expect(q?.meanS.bubble).toBeCloseTo(avg([quietEndS - compute, F_S, quietEndS - compute, F_S]), 12);
  });
});
