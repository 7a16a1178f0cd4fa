import type { Cluster } from "../cluster/types.js";
import { type MatmulPrecision, opTimeS } from "../hardware/roofline.js";
import { firstExpertGroupCards } from "../workload/expert-groups.js";
import { layerWorkByKind } from "../workload/layer-ops.js";
import type { LayerKind, Model } from "../workload/model-spec.js";
import type { CommNeed, Op } from "../workload/ops.js";
import { pipelineSchedule } from "../workload/pipeline-schedule.js";
import { type ResolvedPlan, stageLayerIndices } from "../workload/plan-spec.js";
import { inLayerGroupCards } from "../workload/training/compile.js";
import { expertDispatchTraffic } from "../workload/training/expert-dispatch.js";
import type { PredictRequestS } from "./estimate-program.js";

/**
 * A lower bound on a plan's closed-form step time (screenPlan), cheap enough
 * to compute for every candidate. For each pipeline rank r it adds
 * - the head: before r's first pass (the forward of some chunk's first
 *   micro-batch) can start, that micro-batch's forward must have run through
 *   every earlier stage, one after the other;
 * - its own work: m micro-batches of forward, recomputation and backward over
 *   its layers, one after the other on its chain, with their tensor- and
 *   context-parallel collectives (exposed in the screen unless
 *   --tp-comm-overlap, then counted as 0), predicted on r's own groups;
 * - the tail: its last pass is the backward of a chunk, after which that
 *   micro-batch's backward still runs through every earlier stage;
 * and takes the largest over ranks. Stage times are the roofline seconds of
 * the layers' ops only, the same function the compiled step uses, so the
 * bound leaves out only what adds time (embedding and output layers, other
 * communication, sends, the optimizer). The search screens plans in order of
 * this bound and stops once it passes the best screened times it keeps:
 * exact branch-and-bound, no skipped plan could have ranked among them.
 *
 * Layer op seconds are cached in `cache` by what they depend on (tp, cp, ep,
 * micro-batch, recomputation), shared across the search.
 */
export function stepLowerBoundS(
  model: Model,
  plan: ResolvedPlan,
  cluster: Pick<Cluster, "accelerator" | "scaleUpDomainOf">,
  predict: PredictRequestS,
  cache: Map<string, { forwardS: number; backwardS: number }>,
): number {
  const acc = cluster.accelerator;
  const precision: MatmulPrecision = plan.precision;
  const traffic = expertDispatchTraffic(model, plan, cluster);
  // Tensor/context-parallel collectives are exposed in full unless --tp-comm-overlap (then at least 0).
  const groupKeys = Array.from({ length: plan.pp }, (_, rank) => {
    const tpcp = plan.tpCommOverlap
      ? ""
      : `${inLayerGroupCards(plan, rank, "tp").join(",")}|${inLayerGroupCards(plan, rank, "cp").join(",")}`;
    return `${tpcp}|${plan.ep > 1 ? firstExpertGroupCards(plan, rank).join(",") : ""}`;
  });
  const planKey = `${plan.tp}:${plan.cp}:${plan.ep}:${plan.microBatchSize}:${plan.recompute}:${plan.recomputeModules ?? ""}:${plan.sequenceParallel}:${plan.expertCommOverlap}:${plan.expertImbalance}:${JSON.stringify(plan.expertDispatch ?? {})}`;
  // Every layer of a kind on a rank has the same cost: look it up once per (kind, rank) here.
  const byRank = Array.from({ length: plan.pp }, () => new Map<LayerKind, { forwardS: number; backwardS: number }>());
  const layerS = (kind: LayerKind, rank: number) => {
    const mine = byRank[rank] as Map<LayerKind, { forwardS: number; backwardS: number }>;
    const known = mine.get(kind);
    if (known !== undefined) return known;
    const s = cachedLayerS(kind, rank);
    mine.set(kind, s);
    return s;
  };
  const cachedLayerS = (kind: LayerKind, rank: number) => {
    const groups = groupKeys[rank] as string;
    const key = `${kind}:${planKey}:${groups}`;
    let s = cache.get(key);
    if (s === undefined) {
      const w = layerWorkByKind(model, plan, kind);
      const sum = (ops: readonly Op[]) => ops.reduce((t, op) => t + opTimeS(op, acc, precision), 0);
      const tpcp = (phases: readonly CommNeed["phase"][]) =>
        plan.tpCommOverlap
          ? 0
          : w.comms
              .filter((n) => (n.group === "tp" || n.group === "cp") && phases.includes(n.phase))
              .reduce((t, n) => {
                const cards = inLayerGroupCards(plan, rank, n.group);
                return cards.length < 2 ? t : t + predict({ op: n.op, cards, sizeBytes: n.sizeBytes });
              }, 0);
      // Expert all-to-alls sit on the chain between a pass's segments, at the time the screen gives them.
      // Overlapped with the paired pass's compute (expertCommOverlap), they may cost nothing.
      const ep = (phases: readonly CommNeed["phase"][]) =>
        plan.expertCommOverlap
          ? 0
          : w.comms
              .filter((n) => n.group === "ep" && phases.includes(n.phase))
              .reduce((t, n) => {
                const cards = firstExpertGroupCards(plan, rank);
                if (cards.length < 2) return t;
                const matrix = traffic?.(cards, n.sizeBytes);
                return (
                  t +
                  predict({ op: n.op, cards, sizeBytes: n.sizeBytes, ...(matrix ? { sendBytesMatrix: matrix } : {}) })
                );
              }, 0);
      const comm = (phases: readonly CommNeed["phase"][]) => tpcp(phases) + ep(phases);
      s = {
        forwardS: sum(w.forward) + comm(["forward"]),
        backwardS: sum(w.recompute) + sum(w.backward) + comm(["recompute", "backward"]),
      };
      cache.set(key, s);
    }
    return s;
  };
  const { pp, virtualStages: v } = plan;
  const m = plan.microBatchesPerStep;
  const layout = stageLayerIndices(model.layers, plan);
  // Forward and backward seconds of one micro-batch on each stage (stage = chunk * pp + rank).
  const fwd = new Float64Array(pp * v);
  const bwd = new Float64Array(pp * v);
  layout.forEach((chunks, r) => {
    chunks.forEach((layers, c) => {
      for (const l of layers) {
        const t = layerS(model.layerKinds[l] ?? "dense", r);
        fwd[c * pp + r] = (fwd[c * pp + r] as number) + t.forwardS;
        bwd[c * pp + r] = (bwd[c * pp + r] as number) + t.backwardS;
      }
    });
  });
  const kind = v > 1 ? "interleaved-1f1b" : plan.schedule === "gpipe" ? "gpipe" : "1f1b";
  let bound = 0;
  for (let r = 0; r < pp; r++) {
    let work = 0;
    for (let c = 0; c < v; c++) work += (fwd[c * pp + r] as number) + (bwd[c * pp + r] as number);
    const schedule = pipelineSchedule(kind, pp, r, m, v);
    const first = schedule[0];
    const last = schedule[schedule.length - 1];
    let head = 0;
    if (first?.kind === "F") for (let s = 0; s < first.chunk * pp + r; s++) head += fwd[s] as number;
    let tail = 0;
    if (last?.kind === "B") for (let s = 0; s < last.chunk * pp + r; s++) tail += bwd[s] as number;
    bound = Math.max(bound, head + m * work + tail);
  }
  return bound;
}
