import type { CollectiveContext } from "./context.js";
import { FlowPhase, PhaseFlows } from "./flow-phase.js";
import type { GroupShape } from "./group.js";
import { RingSteps } from "./ring-steps.js";
import { Sequence, type Stage, type TreeSpec } from "./stage.js";
import { treeStage } from "./tree.js";
import type { Granularity } from "./types.js";

/**
 * Rings with NCCL-style channels. A group inside one scale-up domain (or
 * with an uneven number of members per domain, or one member per domain)
 * gets one ring in group order. A group of D >= 2 domains with m >= 2
 * members each gets C = min(m, maxChannels) rings: ring c visits each
 * domain's members rotated to start at member e_c = floor(c*m/C) and leaves
 * the domain from the last member through member e_c's NIC (NCCL's PXN),
 * so each channel crosses domains on a different rail, as NCCL's rings over
 * 2 nodes x 8 GPUs x 8 NICs do (busbw ~ 8 x per-NIC busbw).
 */
export interface RingSet {
  rings: Int32Array[];
  /** vias[c][i]: relay card for the hop from rings[c][i] to rings[c][i+1] (-1 none). */
  vias: Int32Array[];
  channels: number;
}

export function buildRings(shape: GroupShape, maxChannels: number): RingSet {
  const m = shape.perDomain;
  const D = shape.domains.length;
  if (D < 2 || m < 2) {
    return { rings: [Int32Array.from(shape.cards)], vias: [new Int32Array(shape.n).fill(-1)], channels: 1 };
  }
  const C = Math.min(m, maxChannels);
  const rings: Int32Array[] = [];
  const vias: Int32Array[] = [];
  for (let c = 0; c < C; c++) {
    const e = Math.floor((c * m) / C);
    const ring = new Int32Array(shape.n);
    const via = new Int32Array(shape.n).fill(-1);
    let k = 0;
    for (const members of shape.domains) {
      for (let i = 0; i < m; i++) ring[k + i] = members[(e + i) % m] as number;
      // Last member of this domain hops to the next domain through member e's NIC.
      via[k + m - 1] = members[e] as number;
      k += m;
    }
    rings.push(ring);
    vias.push(via);
  }
  return { rings, vias, channels: C };
}

/** Ring reduce-scatter, all-gather (steps = n-1) or all-reduce (steps = 2(n-1)) of `sizeBytes`. */
export function ringStage(
  ctx: CollectiveContext,
  set: RingSet,
  steps: number,
  sizeBytes: number,
  granularity: Granularity,
  label?: string,
): Stage {
  const n = set.rings[0]?.length ?? 0;
  const perChannel = sizeBytes / set.channels;
  if (granularity === "fine") return new RingSteps(ctx, set.rings, set.vias, steps, perChannel / n);
  // Phase granularity: one flow per rank and channel per pass around the ring (n-1 steps).
  const passes: Stage[] = [];
  for (let left = steps; left > 0; left -= n - 1) {
    const s = Math.min(n - 1, left);
    passes.push(new FlowPhase(ctx, ringFlows(set, (s * perChannel) / n), s, undefined, label));
  }
  return passes.length === 1 ? (passes[0] as Stage) : new Sequence(passes);
}

/** Several independent rings (one per domain or per rail) as one phase: each flow carries `bytesPerFlow`. */
export function ringFlows(set: RingSet, bytesPerFlow: number): PhaseFlows {
  const flows = new PhaseFlows();
  for (let c = 0; c < set.rings.length; c++) {
    const ring = set.rings[c] as Int32Array;
    const via = set.vias[c] as Int32Array;
    const n = ring.length;
    if (n < 2) continue;
    for (let i = 0; i < n; i++)
      flows.add(ring[i] as number, ring[(i + 1) % n] as number, bytesPerFlow, via[i] as number);
  }
  return flows;
}

/**
 * Pipelined chains for broadcast ("down", from root = the group's first
 * card) or reduce ("up", towards it), one per ring channel.
 */
export function chainTrees(set: RingSet, root: number, direction: "up" | "down"): TreeSpec[] {
  const trees: TreeSpec[] = [];
  for (let c = 0; c < set.rings.length; c++) {
    const ring = set.rings[c] as Int32Array;
    const via = set.vias[c] as Int32Array;
    const n = ring.length;
    const p0 = ring.indexOf(root);
    const members = new Int32Array(n);
    const parent = new Int32Array(n);
    const edgeVia = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) members[i] = ring[(p0 + i) % n] as number;
    parent[0] = -1;
    if (direction === "down") {
      // Position i receives from i-1 over ring hop (p0+i-1).
      for (let i = 1; i < n; i++) {
        parent[i] = i - 1;
        edgeVia[i] = via[(p0 + i - 1) % n] as number;
      }
    } else {
      // Position i (1..n-1) sends to i+1 (n-1 sends to the root) over ring hop (p0+i).
      for (let i = 1; i < n; i++) {
        parent[i] = i + 1 < n ? i + 1 : 0;
        edgeVia[i] = via[(p0 + i) % n] as number;
      }
    }
    trees.push({ members, parent, via: edgeVia });
  }
  return trees;
}

/** Closed-form alpha-beta cost of one ring channel: alpha and beta of its slowest hop, scale-up shared by channels. */
export function ringHopCosts(ctx: CollectiveContext, set: RingSet): { alphaS: number; bytesPerS: number } {
  const ring = set.rings[0] as Int32Array;
  const via = set.vias[0] as Int32Array;
  const n = ring.length;
  let alphaS = 0;
  let bytesPerS = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const h = ctx.hopCost(ring[i] as number, via[i] as number, ring[(i + 1) % n] as number, set.channels);
    if (h.alphaS > alphaS) alphaS = h.alphaS;
    if (h.bytesPerS < bytesPerS) bytesPerS = h.bytesPerS;
  }
  return { alphaS, bytesPerS };
}

/** steps x alpha + steps/n x (S/C) / B: ring all-reduce (2(n-1) steps), reduce-scatter and all-gather (n-1). */
export function predictRing(ctx: CollectiveContext, set: RingSet, steps: number, sizeBytes: number): number {
  const n = set.rings[0]?.length ?? 1;
  if (n < 2) return 0;
  const { alphaS, bytesPerS } = ringHopCosts(ctx, set);
  return steps * alphaS + ((steps / n) * (sizeBytes / set.channels)) / bytesPerS;
}

/** Pipelined chain: (n-1) alpha + (n-2) c / B + (S/C) / B with chunk c = (S/C)/k. */
export function predictChain(ctx: CollectiveContext, set: RingSet, sizeBytes: number): number {
  const n = set.rings[0]?.length ?? 1;
  if (n < 2) return 0;
  const { alphaS, bytesPerS } = ringHopCosts(ctx, set);
  const perChannel = sizeBytes / set.channels;
  const chunk = perChannel / Math.max(1, Math.ceil(perChannel / ctx.chunkBytes));
  return (n - 1) * alphaS + ((n - 2) * chunk) / bytesPerS + perChannel / bytesPerS;
}

export function chainStage(
  ctx: CollectiveContext,
  set: RingSet,
  root: number,
  direction: "up" | "down",
  sizeBytes: number,
  granularity: Granularity,
  label?: string,
): Stage {
  const trees = chainTrees(set, root, direction);
  return treeStage(ctx, trees, direction, sizeBytes / set.channels, granularity, label);
}
