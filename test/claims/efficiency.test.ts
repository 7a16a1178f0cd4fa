import { describe, expect, it } from "vitest";
import { largestLoss, linearity, lossContributions, scalingEfficiency } from "../../src/claims/efficiency.js";
import { compareBound } from "../../src/claims/evaluate.js";
import { resizeSets } from "../../src/claims/resize.js";
import { loadScenario } from "../../src/scenario/load-scenario.js";

const TINY = "test/claims/fixtures/tiny.yaml";

describe("scaling efficiency and linearity (hand-computed)", () => {
  it("weak scaling 8 -> 64 cards: 800 -> 6,000 tokens/s is 93.75% by both definitions", () => {
    const base = { cards: 8, tokensPerSecond: 800 };
    const n = { cards: 64, tokensPerSecond: 6000 };
    // (6000/64) / (800/8) = 93.75 / 100
    expect(scalingEfficiency(base, n)).toBeCloseTo(0.9375, 12);
    // (6000/800) / (64/8) = 7.5 / 8
    expect(linearity(base, n)).toBeCloseTo(0.9375, 12);
  });

  it("a superlinear point is above 100%; a flat throughput halves per doubling", () => {
    expect(scalingEfficiency({ cards: 4, tokensPerSecond: 100 }, { cards: 8, tokensPerSecond: 210 })).toBeCloseTo(
      1.05,
      12,
    );
    expect(scalingEfficiency({ cards: 4, tokensPerSecond: 100 }, { cards: 8, tokensPerSecond: 100 })).toBeCloseTo(
      0.5,
      12,
    );
  });

  it("loss contributions sum to 1 - efficiency and name the category that grew", () => {
    // Base: 8 cards, 1 s steps of 800 tokens (compute 0.8 s, dpComm 0.2 s).
    // N: 64 cards, 6,400 tokens per step at 6,000 tokens/s = 1.0667 s (compute 0.8 s, dpComm 0.2667 s).
    const base = {
      cards: 8,
      tokensPerSecond: 800,
      stepTimeSeconds: 1,
      breakdownSeconds: { compute: 0.8, dpComm: 0.2 },
    };
    const stepN = 6400 / 6000;
    const n = {
      cards: 64,
      tokensPerSecond: 6000,
      stepTimeSeconds: stepN,
      breakdownSeconds: { compute: 0.8, dpComm: stepN - 0.8 },
    };
    const c = lossContributions(base, n);
    expect(c.compute).toBeCloseTo(0, 12);
    expect(c.dpComm).toBeCloseTo(0.0625, 12);
    expect((c.compute ?? 0) + (c.dpComm ?? 0)).toBeCloseTo(1 - scalingEfficiency(base, n), 12);
    expect(largestLoss(c)).toEqual({ category: "dpComm", value: c.dpComm });
    expect(largestLoss({ compute: 0.5, bubble: 0.1 }, ["compute"])?.category).toBe("bubble");
    expect(largestLoss({ compute: -0.1 })).toBeUndefined();
  });

  it("compares with the bound both ways; margin is positive when the claim holds", () => {
    expect(compareBound({ metric: "scalingEfficiency", op: ">=", value: 0.95 }, 0.96).holds).toBe(true);
    expect(compareBound({ metric: "scalingEfficiency", op: ">=", value: 0.95 }, 0.94).margin).toBeCloseTo(-0.01, 12);
    expect(compareBound({ metric: "stepTimeSeconds", op: "<=", value: 12 }, 10)).toEqual({ holds: true, margin: 2 });
    expect(compareBound({ metric: "stepTimeSeconds", op: "<=", value: 12 }, 13).holds).toBe(false);
  });
});

describe("resizing a scenario", () => {
  const s = loadScenario(TINY);
  it("weak keeps micro-batches per replica; strong keeps the global batch", () => {
    // The file: dp 16, global batch 32, micro-batch 1 -> 2 micro-batches per replica.
    const weak = resizeSets(s, 8, "weak");
    expect(weak).toMatchObject({ ok: true, dp: 8, globalBatchSize: 16 });
    const strong = resizeSets(s, 8, "strong");
    expect(strong).toMatchObject({ ok: true, dp: 8, globalBatchSize: 32 });
    if (weak.ok)
      expect(weak.sets).toEqual([
        "topology.nodes=1",
        "topology.cards=8",
        "parallel.dp=8",
        "parallel.globalBatchSize=16",
      ]);
  });
  it("says why a size cannot exist", () => {
    const t = loadScenario(TINY, ["parallel.tp=2"]);
    expect(resizeSets(t, 12, "weak")).toEqual({ ok: false, reason: expect.stringContaining("not whole nodes") });
    expect(resizeSets(t, 9, "weak")).toEqual({
      ok: false,
      reason: expect.stringContaining("data parallelism not integral"),
    });
    // 64 cards, tp 1: dp 64 does not divide a global batch of 32 (strong scaling).
    expect(resizeSets(s, 64, "strong")).toEqual({ ok: false, reason: expect.stringContaining("strong scaling") });
  });
});
