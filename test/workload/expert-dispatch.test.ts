import { describe, expect, it } from "vitest";
import { expertDispatchTraffic } from "../../src/workload/training/expert-dispatch.js";
import { loadModel } from "./helpers.js";

/**
 * Training's expert all-to-all traffic (parallel.expertDispatch): the node-pair
 * model of expert-parallel serving, in the caller's card order, with an
 * all-to-all's sizeBytes (tokens · topK · bytes per copy) as its unit.
 */
const model = loadModel("deepseek-v3"); // top-8 of 256 experts
const cluster = { scaleUpDomainOf: (card: number) => Math.floor(card / 8) };
const cards = Array.from({ length: 64 }, (_, i) => i); // EP 64 over 8 nodes of 8
const sizeBytes = 8 * 7168 * 1000; // 1,000 tokens per card, 7,168 bytes per copy

/** EP 64 over 8 nodes, per-node dispatch to at most 4 nodes (DeepSeek-V3's routing), a fresh memo each call. */
const perNodeTraffic = () =>
  expertDispatchTraffic(
    model,
    { ep: 64, expertDispatch: { mode: "per-node", maxNodesPerToken: 4, nodeSelection: "by-score" } },
    cluster,
  );

function sums(matrix: ArrayLike<number>, list: readonly number[]) {
  let cross = 0;
  let intra = 0;
  const n = list.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i * n + j] as number;
      if (cluster.scaleUpDomainOf(list[i] as number) === cluster.scaleUpDomainOf(list[j] as number)) intra += v;
      else cross += v;
    }
  }
  return { cross, intra };
}

describe("training expert dispatch traffic", () => {
  it("the default all-to-all (and ep 1) has no matrix: the collective spreads sizeBytes evenly", () => {
    expect(expertDispatchTraffic(model, { ep: 64 }, cluster)).toBeUndefined();
    expect(
      expertDispatchTraffic(
        model,
        { ep: 64, expertDispatch: { mode: "all-to-all", nodeSelection: "by-score" } },
        cluster,
      ),
    ).toBeUndefined();
    expect(
      expertDispatchTraffic(model, { ep: 1, expertDispatch: { mode: "per-node", nodeSelection: "by-score" } }, cluster),
    ).toBeUndefined();
  });

  it("per-node with 4 nodes per token: each card sends each token to 4 of 8 nodes once (by score), hand-computed", () => {
    const traffic = perNodeTraffic();
    const matrix = traffic?.(cards, sizeBytes) as Float64Array;
    // m = min(4, 8, 8·(1 − (7/8)^8)) = 4 nodes; another node is hit with probability 4/8: 7 × 0.5 copies
    // of 7,168 bytes per token leave the node, per card: 64 × 1,000 × 3.5 × 7,168 in all.
    const { cross } = sums(matrix, cards);
    expect(cross).toBeCloseTo(64 * 1000 * 3.5 * 7168, 3);
    // The uniform all-to-all moves 56/64 of sizeBytes across nodes: 2.0× more.
    expect((64 * sizeBytes * 56) / 64 / cross).toBeCloseTo(2, 12);
  });

  it("is given in the caller's card order, whatever it is", () => {
    const traffic = perNodeTraffic();
    const ordered = traffic?.(cards, sizeBytes) as Float64Array;
    const shuffled = [...cards].reverse();
    const other = traffic?.(shuffled, sizeBytes) as Float64Array;
    const n = cards.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(other[(n - 1 - i) * n + (n - 1 - j)]).toBe(ordered[i * n + j]);
      }
    }
    // Memoised per card list and size: the same object back.
    expect(traffic?.(cards, sizeBytes)).toBe(ordered);
  });
});
