import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ExpertTrafficShape, expertTrafficMatrix, nodesPerToken } from "../../src/workload/expert-traffic.js";

const nodesOf = (nodes: number, perNode: number) =>
  Array.from({ length: nodes }, (_, a) => Array.from({ length: perNode }, (_, r) => a * perNode + r));

const shape = (
  nodes: number,
  perNode: number,
  spec: Partial<ExpertTrafficShape["spec"]> = {},
  topK = 8,
): ExpertTrafficShape => ({
  nodes: nodesOf(nodes, perNode),
  topK,
  spec: { dispatchMode: "per-node", nodeSelection: "by-score", ...spec },
});

/** Bytes between cards of different nodes, and inside nodes. */
function split(s: ExpertTrafficShape, t: number, b: number): { cross: number; intra: number } {
  const { cards, matrix } = expertTrafficMatrix(s, t, b);
  const n = cards.length;
  const perNode = (s.nodes[0] as number[]).length;
  let cross = 0;
  let intra = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i * n + j] as number;
      if (Math.floor(i / perNode) === Math.floor(j / perNode)) intra += v;
      else cross += v;
    }
  }
  return { cross, intra };
}

describe("expert all-to-all traffic (node-pair granularity)", () => {
  it("expected nodes per token: k uniform picks over N nodes, capped by node-limited routing", () => {
    // 18 nodes, top-8: 18·(1 − (17/18)^8) = 6.61 nodes; DeepSeek-V3's limit of 4 binds.
    expect(nodesPerToken(18, 8, undefined)).toBeCloseTo(18 * (1 - (17 / 18) ** 8), 12);
    expect(nodesPerToken(18, 8, 4)).toBe(4);
    expect(nodesPerToken(1, 8, 4)).toBe(1);
    // 4 nodes: 4·(1 − 0.75^8) = 3.60 < 4.
    expect(nodesPerToken(4, 8, 4)).toBeCloseTo(4 * (1 - 0.75 ** 8), 12);
  });

  it("by hand: 2 nodes x 2 cards, top-2, per-node dispatch", () => {
    // N = 2, k = 2: m = 2·(1 − 0.5²) = 1.5; other node hit with p = m/N = 0.75; experts per node hit
    // k/m = 4/3; a node's card other than the arrival's gets f = 1 − (1/2)^(4/3) of each token.
    const s = shape(2, 2, {}, 2);
    const { matrix } = expertTrafficMatrix(s, 100, 10);
    const f = 1 - 0.5 ** (4 / 3);
    // card 0 -> card 2 (same rail on node 1): 100 tokens × 0.75 × 10 bytes.
    expect(matrix[0 * 4 + 2]).toBeCloseTo(750, 9);
    // card 0 -> card 3 (other rail): nothing, it goes through card 2.
    expect(matrix[0 * 4 + 3]).toBe(0);
    // card 0 -> card 1 (same node): t·m·f = 100 × 1.5 × f tokens × 10 bytes.
    expect(matrix[0 * 4 + 1]).toBeCloseTo(100 * 1.5 * f * 10, 9);
    expect(matrix[0]).toBe(0);
  });

  it("node-limited routing M = 1 with the token's own node first sends nothing across nodes", () => {
    for (const mode of ["per-node", "per-expert"] as const) {
      const s = shape(18, 8, { maxNodesPerToken: 1, nodeSelection: "local-first", dispatchMode: mode });
      const { cross, intra } = split(s, 64, 7168);
      expect(cross).toBe(0);
      expect(intra).toBeGreaterThan(0);
    }
  });

  it("a tighter node limit moves fewer bytes across nodes; per-expert copies move more than per-node", () => {
    const free = split(shape(18, 8), 64, 1).cross;
    const m4 = split(shape(18, 8, { maxNodesPerToken: 4 }), 64, 1).cross;
    const m2 = split(shape(18, 8, { maxNodesPerToken: 2 }), 64, 1).cross;
    expect(m4).toBeLessThan(free);
    expect(m2).toBeLessThan(m4);
    const perExpert = split(shape(18, 8, { maxNodesPerToken: 4, dispatchMode: "per-expert" }), 64, 1).cross;
    // Per-expert: k/m = 2 copies to each node hit instead of 1.
    expect(perExpert / m4).toBeCloseTo(2, 9);
  });

  it("conserves copies: per-expert dispatch delivers k copies of every token (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 16 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        (N, G, k, M) => {
          const s = shape(N, G, { dispatchMode: "per-expert", maxNodesPerToken: M }, k);
          const t = 10;
          const { cards, matrix } = expertTrafficMatrix(s, t, 1);
          // Cross-node copies leaving a card: t·(N − 1)·(m/N)·(k/m) = t·k·(N − 1)/N, whatever m (nodesPerToken).
          const n = cards.length;
          let crossOut = 0;
          for (let j = 0; j < n; j++) if (Math.floor(j / G) !== 0) crossOut += matrix[j] as number;
          expect(crossOut).toBeCloseTo((t * k * (N - 1)) / N, 6);
          for (let i = 0; i < n; i++) expect(matrix[i * n + i]).toBe(0);
        },
      ),
    );
  });
});
