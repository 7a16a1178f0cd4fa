import type { CollectiveContext } from "./context.js";
import { FlowPhase, PhaseFlows } from "./flow-phase.js";
import type { Stage } from "./stage.js";

/**
 * Recursive halving (reduce-scatter) and recursive doubling (all-gather),
 * Rabenseifner's all-reduce = both (Thakur, Rabenseifner & Gropp, "Optimization
 * of Collective Communication Operations in MPICH", IJHPCA 2005). Needs a
 * power-of-two group. Step with partner distance d exchanges S*d/n bytes each
 * way between ranks r and r^d. Each step is its own phase at either
 * granularity (there are only log2 n of them).
 */
export function halvingDistances(n: number): number[] {
  const out: number[] = [];
  for (let d = n >> 1; d >= 1; d >>= 1) out.push(d);
  return out;
}

export function hdStage(
  ctx: CollectiveContext,
  cards: Int32Array,
  distances: readonly number[],
  sizeBytes: number,
  label?: string,
): Stage[] {
  const n = cards.length;
  return distances.map((d) => {
    const flows = new PhaseFlows();
    for (let r = 0; r < n; r++) flows.add(cards[r] as number, cards[r ^ d] as number, (sizeBytes * d) / n);
    return new FlowPhase(ctx, flows, 1, undefined, label);
  });
}

/** Sum over steps of alpha + S*d/n / B, alpha and B of the slowest sampled pair at that distance. */
export function predictHd(ctx: CollectiveContext, cards: Int32Array, distances: readonly number[], sizeBytes: number) {
  const n = cards.length;
  let t = 0;
  const samples = Math.min(n, 64);
  for (const d of distances) {
    let alphaS = 0;
    let bytesPerS = Number.POSITIVE_INFINITY;
    for (let s = 0; s < samples; s++) {
      const r = Math.floor((s * n) / samples);
      const c = ctx.hopCost(cards[r] as number, -1, cards[r ^ d] as number);
      if (c.alphaS > alphaS) alphaS = c.alphaS;
      if (c.bytesPerS < bytesPerS) bytesPerS = c.bytesPerS;
    }
    t += alphaS + (sizeBytes * d) / n / bytesPerS;
  }
  return t;
}
