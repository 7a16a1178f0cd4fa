import type { CollectiveContext } from "./context.js";
import { FlowPhase, PhaseFlows } from "./flow-phase.js";
import { Sequence, type Stage } from "./stage.js";

/**
 * Direct all-to-all(v): every rank sends its block to every other rank at
 * once (NCCL's alltoall is grouped send/recv to all peers), one flow per
 * ordered pair; and send/recv as a single flow.
 */
export function alltoallBytes(
  n: number,
  sizeBytes: number,
  matrix?: ArrayLike<number>,
): (i: number, j: number) => number {
  if (matrix) return (i, j) => matrix[i * n + j] as number;
  const block = sizeBytes / n;
  return () => block;
}

export function alltoallStage(
  ctx: CollectiveContext,
  cards: Int32Array,
  bytes: (i: number, j: number) => number,
  label?: string,
): Stage {
  const n = cards.length;
  const flows = new PhaseFlows();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const b = bytes(i, j);
      if (b > 0) flows.add(cards[i] as number, cards[j] as number, b);
    }
  }
  return new FlowPhase(ctx, flows, 1, undefined, label);
}

/**
 * alpha + the most loaded card port's bytes / its bandwidth, with ports per
 * class (scale-up, scale-out): each card's egress and ingress bytes to peers
 * in its own scale-up domain and outside it. In a full-mesh domain each peer
 * has a link of its own, so there the most loaded pair counts, not the sum.
 */
export function predictAlltoall(
  ctx: CollectiveContext,
  cards: Int32Array,
  bytes: (i: number, j: number) => number,
): number {
  const n = cards.length;
  if (n < 2) return 0;
  let up: { alphaS: number; bytesPerS: number } | undefined;
  let out: { alphaS: number; bytesPerS: number } | undefined;
  let worstS = 0;
  const inUp = new Float64Array(n);
  const inOut = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eUp = 0;
    let eOut = 0;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const b = bytes(i, j);
      if (!(b > 0)) continue;
      if (ctx.sameDomain(cards[i] as number, cards[j] as number)) {
        up ??= ctx.hopCost(cards[i] as number, -1, cards[j] as number);
        if (ctx.directLink(cards[i] as number, cards[j] as number)) {
          worstS = Math.max(worstS, b / up.bytesPerS);
          continue;
        }
        eUp += b;
        inUp[j] = (inUp[j] as number) + b;
      } else {
        out ??= ctx.hopCost(cards[i] as number, -1, cards[j] as number);
        eOut += b;
        inOut[j] = (inOut[j] as number) + b;
      }
    }
    if (up) worstS = Math.max(worstS, eUp / up.bytesPerS);
    if (out) worstS = Math.max(worstS, eOut / out.bytesPerS);
  }
  for (let j = 0; j < n; j++) {
    if (up) worstS = Math.max(worstS, (inUp[j] as number) / up.bytesPerS);
    if (out) worstS = Math.max(worstS, (inOut[j] as number) / out.bytesPerS);
  }
  return Math.max(up?.alphaS ?? 0, out?.alphaS ?? 0) + worstS;
}

/**
 * Full-mesh reduce-scatter / all-gather (HCCL's mesh algorithm on an HCCS
 * full mesh): every card exchanges its 1/n block with every peer at once, so
 * each of its n − 1 links carries S/n per phase (a ring uses one link per
 * direction). All-reduce is a reduce-scatter phase then an all-gather phase.
 */
export function meshPhases(op: "allreduce" | "reducescatter" | "allgather"): number {
  return op === "allreduce" ? 2 : 1;
}

export function meshStage(
  ctx: CollectiveContext,
  cards: Int32Array,
  phases: number,
  sizeBytes: number,
  label?: string,
): Stage {
  const block = () => sizeBytes / cards.length;
  const stages: Stage[] = [];
  for (let p = 0; p < phases; p++) stages.push(alltoallStage(ctx, cards, block, label));
  return stages.length === 1 ? (stages[0] as Stage) : new Sequence(stages);
}

export function predictMesh(ctx: CollectiveContext, cards: Int32Array, phases: number, sizeBytes: number): number {
  return phases * predictAlltoall(ctx, cards, () => sizeBytes / cards.length);
}

/** Why the mesh algorithm cannot run on these cards, or undefined: it needs them inside one full-mesh domain. */
export function meshUnfit(ctx: CollectiveContext, cards: Int32Array): string | undefined {
  const a = cards[0] as number;
  for (let i = 1; i < cards.length; i++) {
    if (!ctx.directLink(a, cards[i] as number)) {
      return "mesh needs every card of the group in one full-mesh scale-up domain (a direct link between each pair)";
    }
  }
  return undefined;
}

export function sendRecvStage(ctx: CollectiveContext, src: number, dst: number, bytes: number, label?: string): Stage {
  const flows = new PhaseFlows();
  flows.add(src, dst, bytes);
  return new FlowPhase(ctx, flows, 1, undefined, label);
}

export function predictSendRecv(ctx: CollectiveContext, src: number, dst: number, bytes: number): number {
  const c = ctx.hopCost(src, -1, dst);
  return c.alphaS + bytes / c.bytesPerS;
}
