import type { CollectiveContext } from "./context.js";
import { FlowPhase, PhaseFlows } from "./flow-phase.js";
import type { Stage } from "./stage.js";

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
 * in its own scale-up domain and outside it.
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

export function sendRecvStage(ctx: CollectiveContext, src: number, dst: number, bytes: number, label?: string): Stage {
  const flows = new PhaseFlows();
  flows.add(src, dst, bytes);
  return new FlowPhase(ctx, flows, 1, undefined, label);
}

export function predictSendRecv(ctx: CollectiveContext, src: number, dst: number, bytes: number): number {
  const c = ctx.hopCost(src, -1, dst);
  return c.alphaS + bytes / c.bytesPerS;
}
