import { TIME_CATEGORIES, type TimeCategory } from "../../system/ports.js";
import { TaskKind, type TaskListBuilder } from "../../system/program.js";
import type { ExpertGroupShape } from "../expert-groups.js";
import type { Pass } from "../pipeline-schedule.js";
import type { EpSegment, PassCost } from "./step-program.js";

const cat = (c: TimeCategory): number => TIME_CATEGORIES.indexOf(c);
const IN_LAYER = ["tpComm", "cpComm", "zero3Comm"] as const;

/**
 * Which passes of a rank's schedule run as overlapped pairs
 * (parallel.expertCommOverlap): each steady-state forward of a paired 1f1b
 * schedule (Pass.pairedWithNext, pipeline-schedule.ts) with the backward
 * after it, when both are cut by expert all-to-alls (a rank without MoE
 * layers runs its passes one by one). Returns, per pass index, whether it
 * starts a pair with the pass after it.
 */
export function overlappedPairs(schedule: readonly Pass[], hasSegments: (pass: Pass) => boolean): boolean[] {
  return schedule.map((x, i) => {
    const y = schedule[i + 1];
    return x.pairedWithNext === true && y !== undefined && y.kind === "B" && hasSegments(x) && hasSegments(y);
  });
}

export interface OverlapPass {
  pass: Pass;
  cost: PassCost;
  segments: readonly EpSegment[];
  /** The wait category of the pass's first piece (its input from another stage). */
  firstWaitCat: number;
}

/**
 * Two passes whose expert all-to-alls overlap each other's compute
 * (DeepSeek-V3 DualPipe's pairing of a forward and a backward chunk, report
 * §3.2.1; Megatron-Core --overlap-moe-expert-parallel-comm): each pass is cut
 * into compute pieces at its all-to-alls as without overlap; the pieces of
 * the two passes alternate on the rank's chain (x0, y0, x1, y1, ...), and each
 * all-to-all runs off the chain from the end of the piece before it to the
 * next piece of its own pass, so it overlaps the other pass's piece in
 * between. The chain piece that follows an all-to-all's start in chain order
 * (the other pass's) is slowed by `commComputeShare` times the all-to-all's
 * predicted seconds, booked as epComm: the all-to-all kernels hold that share
 * of the card meanwhile (the serving model's two-batch overlap does the same,
 * docs/model.md). Time a piece waits for its own all-to-all is epComm.
 * Returns the first and last chain task of each pass and the last task on
 * the chain.
 */
export function addOverlappedPair(
  b: TaskListBuilder,
  pair: readonly [OverlapPass, OverlapPass],
  epGroup: ExpertGroupShape,
  overlap: { commComputeShare: number; predictS(bytesPerCard: number): number },
): { first: [number, number]; last: [number, number]; chainLast: number } {
  type Piece = { side: 0 | 1; index: number; slowS: number; fixedS: number; tpParts: number[]; a2aBytes?: number };
  const pieces = pair.map((x, side) => {
    const out: Piece[] = [];
    const n = x.segments.length;
    for (let i = 0; i <= n; i++) {
      const prev = i === 0 ? 0 : (x.segments[i - 1]?.computeFraction ?? 0);
      const end = i < n ? (x.segments[i] as EpSegment).computeFraction : 1;
      const f = end - prev;
      const piece: Piece = {
        side: side as 0 | 1,
        index: i,
        slowS: x.cost.computeS * f,
        fixedS: x.cost.tpCommS * f,
        tpParts: IN_LAYER.map((c) => x.cost.commS[c] * f),
      };
      if (i < n) piece.a2aBytes = (x.segments[i] as EpSegment).alltoallBytesPerCard;
      out.push(piece);
    }
    return out;
  });
  const order: Piece[] = [];
  const longest = Math.max(pieces[0]?.length ?? 0, pieces[1]?.length ?? 0);
  for (let i = 0; i < longest; i++) {
    for (const side of [0, 1] as const) {
      const piece = pieces[side]?.[i];
      if (piece) order.push(piece);
    }
  }
  // Extra seconds on each chain piece: the share of the card taken by the all-to-alls started just before it.
  const extraS = new Float64Array(order.length);
  order.forEach((piece, k) => {
    if (piece.a2aBytes === undefined) return;
    const next = order[k + 1];
    // Only an all-to-all with the other pass's compute after it overlaps anything.
    if (next !== undefined && next.side !== piece.side) {
      extraS[k + 1] = (extraS[k + 1] as number) + overlap.commComputeShare * overlap.predictS(piece.a2aBytes);
    }
  });
  const first: [number, number] = [-1, -1];
  const last: [number, number] = [-1, -1];
  const pendingA2a: [number, number] = [-1, -1];
  let chainLast = -1;
  order.forEach((piece, k) => {
    const x = pair[piece.side];
    const label = `${x.pass.kind}${x.pass.chunk}.${x.pass.microBatch}`;
    const extra = extraS[k] as number;
    const waitFor = pendingA2a[piece.side];
    const t = b.add({
      kind: TaskKind.Compute,
      label: `${label}/${piece.index}`,
      chain: true,
      slowS: piece.slowS,
      fixedS: piece.fixedS + extra,
      waitCat: piece.index === 0 ? x.firstWaitCat : cat("epComm"),
      runCat: cat("compute"),
      parts: [...IN_LAYER.map((c, i) => [cat(c), piece.tpParts[i] as number] as const), [cat("epComm"), extra]],
    });
    if (waitFor >= 0) b.edge(waitFor, t);
    if (first[piece.side] < 0) first[piece.side] = t;
    last[piece.side] = t;
    chainLast = t;
    pendingA2a[piece.side] = -1;
    if (piece.a2aBytes !== undefined) {
      const a2a = b.add({
        kind: TaskKind.Collective,
        label: `ep ${label}`,
        chain: false,
        op: "alltoall",
        bytes: piece.a2aBytes,
        groupReplicas: epGroup.replicas,
        positionBlock: epGroup.positionBlock,
      });
      b.edge(t, a2a);
      pendingA2a[piece.side] = a2a;
    }
  });
  return { first, last, chainLast };
}
