import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ExpertRoutingSpec,
  expectedDistinctExperts,
  expertLoadImbalance,
  expertRouting,
} from "../../src/workload/serving/expert-routing.js";

/** Pangu Pro MoE's routed experts (arXiv:2505.21411 Table 1): 64 experts, 8 per token, 8 groups. */
const PANGU = { experts: 64, topK: 8 } as const;
const SQRT_PI = Math.sqrt(Math.PI);

describe("expected distinct experts, E·(1 − (1 − k/E)^T)", () => {
  it("matches hand-computed values for plain top-k", () => {
    const d = (tokens: number) => expectedDistinctExperts({ ...PANGU, groups: 1, tokens });
    expect(d(0)).toBe(0);
    expect(d(1)).toBeCloseTo(8, 12); // one token: exactly its k experts
    expect(d(2)).toBeCloseTo(15, 12); // 64·(1 − (7/8)²) = 64 − 49
    expect(d(3)).toBeCloseTo(21.125, 12); // 64·(1 − 343/512) = 169/8
    // DeepSeek-V3 routed experts (256, top-8) at 128 decode tokens: 256·(1 − (31/32)^128) = 251.60
    expect(expectedDistinctExperts({ experts: 256, topK: 8, groups: 1, tokens: 128 })).toBeCloseTo(251.6, 1);
  });

  it("is the same with groups: (k/G)/(E/G) = k/E per expert, summed over G groups", () => {
    for (const tokens of [1, 2, 3, 17, 456]) {
      const plain = expectedDistinctExperts({ ...PANGU, groups: 1, tokens });
      const grouped = expectedDistinctExperts({ ...PANGU, groups: 8, tokens });
      expect(grouped).toBeCloseTo(plain, 10);
    }
  });
});

describe("expected load of the busiest EP rank over the mean", () => {
  const f = (s: Partial<ExpertRoutingSpec> & Pick<ExpertRoutingSpec, "ep" | "tokens">) =>
    expertLoadImbalance({ ...PANGU, groups: 1, ...s });

  it("plain top-k: 1 + e(ep)·sqrt(ep·(E − k) / (T·k·(E − 1))), by hand", () => {
    // ep = 2: e(2) = 1/√π; sqrt(2·56 / (16·8·63)) = sqrt(1/72).
    expect(f({ ep: 2, tokens: 16 })).toBeCloseTo(1 + Math.sqrt(1 / 72) / SQRT_PI, 9); // 1.066490
    // ep = 8: e(8) = 1.4236003 (expected maximum of 8 standard normals); sqrt(8·56 / (64·8·63)) = sqrt(1/72).
    expect(f({ ep: 8, tokens: 64 })).toBeCloseTo(1 + 1.4236003 * Math.sqrt(1 / 72), 6); // 1.167773
  });

  it("grouped: exactly 1 when every rank holds whole groups (G a multiple of ep)", () => {
    for (const ep of [1, 2, 4, 8]) {
      expect(f({ groups: 8, ep, tokens: 1 })).toBe(1);
      expect(f({ groups: 8, ep, tokens: 456 })).toBe(1);
    }
  });

  it("grouped with 2 ranks per group: 1 + sqrt(16/15)·e(16)·sqrt((j − 1)(E' − k')/(T·k'·(E' − 1))), by hand", () => {
    // G = 8, ep = 16: j = 2, E' = 8, k' = 1, T = 64: σ/μ = sqrt(7 / (64·7)) = 1/8; e(16) = 1.7659914.
    expect(f({ groups: 8, ep: 16, tokens: 64 })).toBeCloseTo(1 + Math.sqrt(16 / 15) * 1.7659914 * 0.125, 6); // 1.227989
  });

  it("is 1 with one rank, no tokens, or every expert picked by every token", () => {
    expect(f({ ep: 1, tokens: 100 })).toBe(1);
    expect(f({ ep: 8, tokens: 0 })).toBe(1);
    expect(expertLoadImbalance({ experts: 8, topK: 8, groups: 1, ep: 4, tokens: 3 })).toBe(1);
  });

  it("is capped at the largest possible load: ep·min(k', E/ep)/k", () => {
    // One token, 2 of 4 experts, one expert per rank: the busiest rank has 1 of a mean 0.5, exactly 2
    // (the normal model alone would say 1 + e(4)·sqrt(4·2/(2·3)) = 2.19).
    expect(expertLoadImbalance({ experts: 4, topK: 2, groups: 1, ep: 4, tokens: 1 })).toBe(2);
  });

  it("reports both statistics and the mean load together", () => {
    const r = expertRouting({ ...PANGU, groups: 8, ep: 16, tokens: 64 });
    expect(r.meanAssignmentsPerRank).toBe(32); // 64·8/16
    expect(r.distinctExperts).toBeCloseTo(64 * (1 - (7 / 8) ** 64), 10);
    expect(r.imbalanceFactor).toBe(expertLoadImbalance({ ...PANGU, groups: 8, ep: 16, tokens: 64 }));
  });

  it("rejects specs it cannot place, naming the parameter", () => {
    const bad = (s: Partial<ExpertRoutingSpec>) => () =>
      expertLoadImbalance({ ...PANGU, groups: 1, ep: 8, tokens: 8, ...s });
    expect(bad({ groups: 3 })).toThrow(/groups 3 must divide experts 64/);
    expect(bad({ groups: 16 })).toThrow(/groups 16 must divide topK 8/);
    expect(bad({ ep: 3 })).toThrow(/ep 3 must divide experts 64/);
    expect(bad({ ep: 64, experts: 96 })).toThrow(/ep 64 must divide experts 96/);
    expect(bad({ groups: 8, ep: 12, experts: 96 })).toThrow(/ep 12 and groups 8 must be multiples/);
    expect(bad({ topK: 65 })).toThrow(/topK 65 exceeds experts 64/);
    expect(bad({ tokens: -1 })).toThrow(/tokens must be a finite number >= 0/);
    expect(bad({ ep: 0 })).toThrow(/ep must be an integer >= 1/);
  });
});

/** Uniform random routing, simulated: mean over batches of (max rank load)/(T·k/ep). */
function simulatedFactor(s: ExpertRoutingSpec, batches: number, seed: number): number {
  let state = seed >>> 0;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const perGroup = s.experts / s.groups;
  const kPerGroup = s.topK / s.groups;
  const perRank = s.experts / s.ep;
  const pool = new Int32Array(perGroup);
  const load = new Float64Array(s.ep);
  let sum = 0;
  for (let b = 0; b < batches; b++) {
    load.fill(0);
    for (let t = 0; t < s.tokens; t++) {
      for (let g = 0; g < s.groups; g++) {
        for (let i = 0; i < perGroup; i++) pool[i] = i;
        for (let i = 0; i < kPerGroup; i++) {
          const j = i + Math.floor(next() * (perGroup - i));
          const e = pool[j] as number;
          pool[j] = pool[i] as number;
          pool[i] = e;
          const rank = Math.floor((g * perGroup + e) / perRank);
          load[rank] = (load[rank] as number) + 1;
        }
      }
    }
    sum += Math.max(...load);
  }
  return sum / batches / ((s.tokens * s.topK) / s.ep);
}

describe("against simulated uniform routing (the normal approximation's accuracy)", () => {
  it.each([
    [{ ...PANGU, groups: 1, ep: 8, tokens: 64 }, 0.03], // model 1.168, simulated about 1.171
    [{ ...PANGU, groups: 8, ep: 16, tokens: 64 }, 0.03], // model 1.228, simulated about 1.222
    [{ ...PANGU, groups: 1, ep: 8, tokens: 456 }, 0.02], // Pangu's decode batch of 456 (Table 6)
  ])("%o within %d", (spec, tol) => {
    const model = expertLoadImbalance(spec);
    const simulated = simulatedFactor(spec, 1500, 7);
    expect(Math.abs(model / simulated - 1)).toBeLessThan(tol);
  });

  it("MoGE with one group per rank really is balanced: every rank gets exactly T·k/ep", () => {
    expect(simulatedFactor({ ...PANGU, groups: 8, ep: 8, tokens: 64 }, 50, 3)).toBe(1);
  });
});

/** Valid routing specs: G ∈ {1,2,4,8}, E = G·a, k = G·b (b <= a), ep a divisor of G or G·j with j | a. */
const specArb: fc.Arbitrary<ExpertRoutingSpec> = fc
  .record({
    groupsLog2: fc.integer({ min: 0, max: 3 }),
    perGroup: fc.integer({ min: 1, max: 32 }),
    topKFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    epPick: fc.nat(1000),
    tokens: fc.integer({ min: 1, max: 5000 }),
  })
  .map(({ groupsLog2, perGroup, topKFrac, epPick, tokens }) => {
    const groups = 2 ** groupsLog2;
    const kPerGroup = 1 + Math.floor(topKFrac * (perGroup - 1));
    const divisorsOfGroups = [1, 2, 4, 8].filter((d) => groups % d === 0);
    const multiples = Array.from({ length: perGroup }, (_, i) => i + 1)
      .filter((j) => perGroup % j === 0)
      .map((j) => groups * j);
    const eps = [...new Set([...divisorsOfGroups, ...multiples])];
    return {
      experts: groups * perGroup,
      topK: groups * kPerGroup,
      groups,
      ep: eps[epPick % eps.length] as number,
      tokens,
    };
  });

describe("properties", () => {
  it("the factor is >= 1 and at most the cap; distinct experts lie in [k, min(E, T·k)]", () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const r = expertRouting(s);
        expect(r.imbalanceFactor).toBeGreaterThanOrEqual(1);
        // Whole groups per rank: exactly balanced. Otherwise a rank (inside one group) gets at most
        // min(k/G, E/ep) of a token's picks, a mean of k/ep.
        const cap = s.groups % s.ep === 0 ? 1 : (s.ep * Math.min(s.topK / s.groups, s.experts / s.ep)) / s.topK;
        expect(r.imbalanceFactor).toBeLessThanOrEqual(cap + 1e-12);
        expect(r.distinctExperts).toBeGreaterThanOrEqual(s.topK - 1e-9);
        expect(r.distinctExperts).toBeLessThanOrEqual(Math.min(s.experts, s.tokens * s.topK) + 1e-9);
      }),
    );
  });

  it("grouped routing is never less balanced than plain top-k on the same experts, ranks and batch", () => {
    fc.assert(
      fc.property(specArb, (s) => {
        expect(expertLoadImbalance(s)).toBeLessThanOrEqual(expertLoadImbalance({ ...s, groups: 1 }) + 1e-12);
      }),
    );
  });

  it("the factor falls (never rises) as the batch grows", () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 1, max: 100_000 }), (s, more) => {
        expect(expertLoadImbalance({ ...s, tokens: s.tokens + more })).toBeLessThanOrEqual(
          expertLoadImbalance(s) + 1e-12,
        );
      }),
    );
  });
});
