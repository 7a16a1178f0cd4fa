import type { Cluster } from "../../cluster/types.js";
import type { CollectiveRequest } from "../../collectives/types.js";
import { type MatmulPrecision, opTimeS } from "../../hardware/roofline.js";
import { expertDataParallelCards, expertGroupShape, firstExpertGroupCards } from "../expert-groups.js";
import { type LayerWork, layerWorkByKind } from "../layer-ops.js";
import type { LayerKind, Model } from "../model-spec.js";
import type { CommNeed, Op } from "../ops.js";
import { dataParallelWork, optimizerOps } from "../optimizer.js";
import { pipelineSchedule } from "../pipeline-schedule.js";
import { type ResolvedPlan, rankOf, stageLayerIndices } from "../plan-spec.js";
import { pipelineMessageBytes, stageExtras } from "../stage-ops.js";
import { DEFAULT_EP_COMM_COMPUTE_SHARE, expertDispatchTraffic } from "./expert-dispatch.js";
import type { Bucket, EpSegment, PassCost, PassItem, StepProgram } from "./step-program.js";

/**
 * Cards of an in-layer communication group, as seen from the first card of
 * replica 0 of pipeline rank `rank` (every replica's group has the same shape).
 * tp: the TP group; cp: the context-parallel peers; dp: the data-parallel
 * peers (ZeRO-3 dense weights); expert-dp: the replicas holding the same
 * experts (ZeRO-3 expert weights), one per EP group. A group the step cannot
 * map is an error, never dropped.
 */
export function inLayerGroupCards(plan: ResolvedPlan, rank: number, group: CommNeed["group"]): number[] {
  const at = (tp: number, cp: number, dp: number) => rankOf(plan, { tp, cp, dp, pp: rank });
  switch (group) {
    case "tp":
      return Array.from({ length: plan.tp }, (_, i) => at(i, 0, 0));
    case "cp":
      return Array.from({ length: plan.cp }, (_, j) => at(0, j, 0));
    case "dp":
      return Array.from({ length: plan.dp }, (_, r) => at(0, 0, r));
    case "expert-dp":
      // The same expert shard sits at the same index of every EP group (expert-groups.ts).
      return expertDataParallelCards(plan, rank);
    default:
      throw new Error(`step compiler invariant violated: no card group for in-layer communication over '${group}'`);
  }
}

type InLayerCategory = "tpComm" | "cpComm" | "zero3Comm";

/**
 * How tensor- and context-parallel collectives inside a layer are timed:
 * predicted (closed form on the group, exposed), simulated (collectives on
 * the flow network, exposed: the pass waits for each at once), or
 * simulated-overlap (on the network, overlapped with the ops between their
 * afterOp and beforeOp, as Megatron overlaps the backward TP all-reduce with
 * the weight-gradient GEMM).
 */
export type InLayerMode = "predicted" | "simulated" | "simulated-overlap";

/** The time category of exposed in-layer communication over a group. */
function inLayerCategory(group: CommNeed["group"]): InLayerCategory {
  return group === "tp" ? "tpComm" : group === "cp" ? "cpComm" : "zero3Comm";
}

/** Closed-form collective time for a group (the collectives' alpha-beta predictor). */
export type PredictS = (req: CollectiveRequest) => number;

/**
 * Compiles a training job into the executor's StepProgram. Per pipeline rank
 * and chunk it sums the roofline time of every op of its layers (cached per
 * layer kind: dense or MoE), adds the exposed tensor/context-parallel (and
 * ZeRO-3) collectives of each layer as predicted on the actor's own cards,
 * and cuts passes at MoE all-to-alls. Everything is computed once per rank
 * and shared by all data-parallel replicas: an 8,192-card job compiles to a
 * few kilobytes.
 *
 * Simplifications (docs/model.md "Training step"):
 * - TP/CP collectives inside a layer are exposed (not overlapped), as in
 *   Megatron-LM 2021; their time is the alpha-beta prediction on the group.
 * - Gradient buckets of a chunk become ready evenly through the backward of
 *   its last micro-batch; expert-gradient buckets are reduced over the same
 *   data-parallel group as dense ones.
 */
export function compileStep(
  model: Model,
  plan: ResolvedPlan,
  cluster: Cluster,
  predictS: PredictS,
  options: { inLayer?: InLayerMode } = {},
): StepProgram {
  const simulated = options.inLayer === "simulated" || options.inLayer === "simulated-overlap";
  const overlap = options.inLayer === "simulated-overlap";
  const acc = cluster.accelerator;
  const precision: MatmulPrecision = plan.precision;
  const { tp, cp, pp, dp } = plan;
  const v = plan.virtualStages;
  const m = plan.microBatchesPerStep;
  const layout = stageLayerIndices(model.layers, plan);
  // Every layer of a kind holds the same Op objects: time each once.
  const opTimes = new Map<Op, number>();
  const opSeconds = (op: Op): number => {
    let t = opTimes.get(op);
    if (t === undefined) {
      t = opTimeS(op, acc, precision);
      opTimes.set(op, t);
    }
    return t;
  };
  const time = (ops: readonly Op[]) => ops.reduce((s, op) => s + opSeconds(op), 0);

  const actorCards = (actor: number): number[] => {
    const rank = actor % pp;
    const replica = Math.floor(actor / pp);
    const cards: number[] = [];
    for (let j = 0; j < cp; j++)
      for (let i = 0; i < tp; i++) cards.push(rankOf(plan, { tp: i, cp: j, dp: replica, pp: rank }));
    return cards;
  };

  // A rank's groups, each built once (every layer of the rank asks for the same ones).
  const groups = new Map<string, { cards: number[]; key: string }>();
  const group = (rank: number, g: CommNeed["group"]) => {
    const k = `${rank}:${g}`;
    let entry = groups.get(k);
    if (entry === undefined) {
      const cards = inLayerGroupCards(plan, rank, g);
      entry = { cards, key: cards.join(",") };
      groups.set(k, entry);
    }
    return entry;
  };
  const groupCards = (rank: number, g: CommNeed["group"]): number[] => group(rank, g).cards;
  // Predictions repeat for every layer of a rank: memoise by (group, op, size).
  const predicted = new Map<string, number>();
  // Layers of a kind share their CommNeed objects: a rank asks for the same ones layer after layer.
  const byNeed: Array<Map<CommNeed, number>> = Array.from({ length: plan.pp }, () => new Map());
  const commS = (rank: number, c: CommNeed): number => {
    const mine = byNeed[rank] as Map<CommNeed, number>;
    let s = mine.get(c);
    if (s === undefined) {
      s = commSOf(rank, c);
      mine.set(c, s);
    }
    return s;
  };
  const commSOf = (rank: number, c: CommNeed): number => {
    const { cards, key: cardsKey } = group(rank, c.group);
    if (cards.length < 2) return 0;
    const key = `${c.op}:${c.sizeBytes}:${cardsKey}`;
    let t = predicted.get(key);
    if (t === undefined) {
      t = predictS({ op: c.op, cards, sizeBytes: c.sizeBytes, label: c.label });
      predicted.set(key, t);
    }
    return t;
  };

  /**
   * Exposed seconds of a TP collective under --tp-comm-overlap (Transformer Engine's userbuffers
   * split the collective and its GEMM into tp chunks and pipeline them): an all-gather beside the
   * GEMM that consumes it, a reduce-scatter beside the GEMM that produces it, so the pair takes
   * max(comm, gemm) + min(comm, gemm)/tp and the collective adds that minus the GEMM. ASSUMPTION:
   * tp chunks, one chunk of the shorter side exposed; all-reduces (no sequence parallelism) are not
   * overlapped, as Megatron-Core requires sequence parallelism for it.
   */
  const tpOverlapS = (
    n: CommNeed,
    commSeconds: number,
    opS: ReadonlyMap<string, { s: number; matmul: boolean }> | undefined,
  ): number => {
    if (opS === undefined || n.group !== "tp" || plan.tp < 2) return commSeconds;
    const partner = n.op === "allgather" ? n.beforeOp : n.op === "reducescatter" ? n.afterOp : null;
    const gemm = partner === null ? undefined : opS.get(partner);
    if (gemm === undefined || !gemm.matmul) return commSeconds;
    return Math.max(commSeconds, gemm.s) + Math.min(commSeconds, gemm.s) / plan.tp - gemm.s;
  };

  const workByKind = new Map<LayerKind, LayerWork>();
  const work = (kind: LayerKind): LayerWork => {
    let w = workByKind.get(kind);
    if (w === undefined) {
      w = layerWorkByKind(model, plan, kind);
      workByKind.set(kind, w);
    }
    return w;
  };

  /**
   * What a layer of one kind contributes to a pass, the same for every such layer: its ops in
   * order, its EP and on-network needs, the other needs of the pass's first layer and of the rest,
   * and the ops' seconds; built once per (layer kind, phases) and replayed per layer.
   */
  interface LayerPlan {
    ops: Op[];
    opNames: Set<string>;
    epNeeds: CommNeed[];
    netNeeds: CommNeed[];
    prefetchedNeeds: CommNeed[];
    firstNeeds: CommNeed[];
    restNeeds: CommNeed[];
    opS: ReadonlyMap<string, { s: number; matmul: boolean }> | undefined;
    layerS: number;
  }
  const onNetwork = (n: CommNeed) => simulated && (n.group === "tp" || n.group === "cp");
  const layerPlans = new Map<LayerWork, Map<string, LayerPlan>>();
  const layerPlan = (w: LayerWork, phaseOps: Op[][], phases: CommNeed["phase"][]): LayerPlan => {
    let byPhases = layerPlans.get(w);
    if (byPhases === undefined) {
      byPhases = new Map();
      layerPlans.set(w, byPhases);
    }
    const key = phases.join("+");
    let lp = byPhases.get(key);
    if (lp === undefined) {
      const ops = phaseOps.flat();
      // ZeRO-3 with prefetch: the layer's gathers and reduce-scatters run beside the compute of the
      // layers next to it (taken as this layer's), all but the pass's first layer.
      const prefetched = (n: CommNeed) =>
        plan.zero3Prefetch && (n.group === "dp" || n.group === "expert-dp") && phases.includes(n.phase);
      const other = w.comms.filter((n) => n.group !== "ep" && !onNetwork(n));
      lp = {
        ops,
        opNames: new Set(ops.map((o) => o.name)),
        epNeeds: w.comms.filter((n) => n.group === "ep" && phases.includes(n.phase)),
        netNeeds: w.comms.filter((n) => onNetwork(n) && phases.includes(n.phase)),
        prefetchedNeeds: w.comms.filter(prefetched),
        firstNeeds: other,
        restNeeds: simulated ? other : other.filter((n) => !prefetched(n)),
        opS: plan.tpCommOverlap
          ? new Map(ops.map((o) => [o.name, { s: opSeconds(o), matmul: o.kind === "matmul" }]))
          : undefined,
        layerS: ops.reduce((sum, o) => sum + opSeconds(o), 0),
      };
      byPhases.set(key, lp);
    }
    return lp;
  };

  interface CompiledPass {
    cost: PassCost;
    segments: EpSegment[];
    items?: PassItem[];
  }
  const passes = new Map<string, CompiledPass>();
  const buckets = new Map<string, Bucket[]>();

  for (let rank = 0; rank < pp; rank++) {
    const extras = stageExtras(model, plan, rank);
    const dpWork = dataParallelWork(model, plan, rank);
    const rankBucketBytes = [...dpWork.denseBuckets, ...dpWork.expertBuckets];
    const rankLayers = layout[rank]?.reduce((s, c) => s + c.length, 0) ?? 0;
    for (let c = 0; c < v; c++) {
      const layers = layout[rank]?.[c] ?? [];
      const first = rank === 0 && c === 0;
      const last = rank === pp - 1 && c === v - 1;
      for (const kind of ["F", "B"] as const) {
        // Ops in execution order, with in-layer collectives.
        const steps: Array<{ s: number; tp: number; cat?: InLayerCategory; a2aBytes?: number }> = [];
        // Simulated in-layer collectives: the pass as items (ops, exposed comms, EP all-to-alls, and the
        // start and wait points of each TP/CP collective); collectives not waited for inside their layer
        // are waited for at the end of the pass.
        const items: PassItem[] = [];
        let layersInPass = 0;
        const item = (x: PassItem) => {
          if (simulated) items.push(x);
        };
        const openComms: number[] = [];
        let nextComm = 0;
        const startComm = (n: CommNeed): number => {
          const id = nextComm++;
          const cards = groupCards(rank, n.group);
          if (cards.length < 2) return -1;
          item({ kind: "start", id, group: n.group as "tp" | "cp", op: n.op, bytes: n.sizeBytes, label: n.label });
          openComms.push(id);
          // Without overlap the pass waits for it at once (exposed, as predicted, but on the network).
          if (!overlap) waitComm(id);
          return id;
        };
        const waitComm = (id: number) => {
          const k = openComms.indexOf(id);
          if (id < 0 || k < 0) return;
          openComms.splice(k, 1);
          item({ kind: "wait", id });
        };
        const addOps = (ops: readonly Op[]) => {
          for (const op of ops) {
            const s = opSeconds(op);
            steps.push({ s, tp: 0 });
            item({ kind: "op", s });
          }
        };
        const addComms = (
          needs: readonly CommNeed[],
          phases: readonly CommNeed["phase"][],
          opS?: ReadonlyMap<string, { s: number; matmul: boolean }>,
        ) => {
          for (const n of needs) {
            if (!phases.includes(n.phase)) continue;
            if (n.group === "ep") {
              steps.push({ s: 0, tp: 0, a2aBytes: n.sizeBytes });
              item({ kind: "a2a", bytes: n.sizeBytes, label: n.label });
            } else if (onNetwork(n)) {
              waitComm(startComm(n));
            } else {
              const t = tpOverlapS(n, commS(rank, n), opS);
              const cat = inLayerCategory(n.group);
              steps.push({ s: 0, tp: t, cat });
              item({ kind: "fixed", s: t, cat });
            }
          }
        };
        const addLayer = (w: LayerWork, phaseOps: Op[][], phases: CommNeed["phase"][]) => {
          // EP all-to-alls cut the pass right after their afterOp; TP/CP/ZeRO-3 comms are exposed, summed
          // (predicted), or TP/CP collectives start after their afterOp and are waited for before their
          // beforeOp (simulated).
          const a2a = (n: CommNeed) => {
            steps.push({ s: 0, tp: 0, a2aBytes: n.sizeBytes });
            item({ kind: "a2a", bytes: n.sizeBytes, label: n.label });
          };
          const lp = layerPlan(w, phaseOps, phases);
          const { ops, epNeeds, netNeeds } = lp;
          const ids = new Map<CommNeed, number>();
          for (const n of netNeeds) if (n.afterOp === null) ids.set(n, startComm(n));
          for (const n of epNeeds) if (n.afterOp === null) a2a(n);
          for (const op of ops) {
            for (const n of netNeeds) if (n.beforeOp === op.name && ids.has(n)) waitComm(ids.get(n) as number);
            const s = opSeconds(op);
            steps.push({ s, tp: 0 });
            item({ kind: "op", s });
            for (const n of epNeeds) if (n.afterOp === op.name) a2a(n);
            for (const n of netNeeds) if (n.afterOp === op.name) ids.set(n, startComm(n));
          }
          for (const n of epNeeds) if (n.afterOp !== null && !lp.opNames.has(n.afterOp)) a2a(n);
          for (const n of netNeeds) if (!ids.has(n)) ids.set(n, startComm(n));
          if (layersInPass++ > 0 && !simulated) {
            const zero3S = lp.prefetchedNeeds.reduce((s, n) => s + commS(rank, n), 0);
            if (zero3S > 0) steps.push({ s: 0, tp: Math.max(0, zero3S - lp.layerS), cat: "zero3Comm" });
          }
          addComms(layersInPass === 1 ? lp.firstNeeds : lp.restNeeds, phases, lp.opS);
        };
        if (kind === "F") {
          if (first) addOps(extras.forwardHead);
          for (const l of layers) {
            const w = work(model.layerKinds[l] ?? "dense");
            addLayer(w, [w.forward], ["forward"]);
          }
          if (last) addOps(extras.forwardTail);
          addComms(extras.comms, ["forward"]);
        } else {
          if (last) addOps(extras.backwardTail);
          for (let i = layers.length - 1; i >= 0; i--) {
            const w = work(model.layerKinds[layers[i] as number] ?? "dense");
            addLayer(w, [w.recompute, w.backward], ["recompute", "backward"]);
          }
          if (first) addOps(extras.backwardHead);
          addComms(extras.comms, ["backward"]);
        }
        const computeS = steps.reduce((s, x) => s + x.s, 0);
        const tpCommS = steps.reduce((s, x) => s + x.tp, 0);
        const byGroup = { tpComm: 0, cpComm: 0, zero3Comm: 0 };
        for (const x of steps) if (x.cat !== undefined) byGroup[x.cat] += x.tp;
        const segments: EpSegment[] = [];
        let before = 0;
        for (const x of steps) {
          before += x.s + x.tp;
          if (x.a2aBytes !== undefined) {
            segments.push({
              computeFraction: computeS + tpCommS > 0 ? before / (computeS + tpCommS) : 0,
              alltoallBytesPerCard: x.a2aBytes,
            });
          }
        }
        for (const id of [...openComms]) waitComm(id);
        passes.set(`${rank}:${c}:${kind}`, {
          cost: { computeS, tpCommS, commS: byGroup },
          segments,
          ...(simulated ? { items } : {}),
        });
      }
      // This chunk's share of the rank's gradient buckets, ready evenly through its last backward.
      const share = rankLayers > 0 ? layers.length / rankLayers : 1 / v;
      // Without overlap the whole gradient buffer is reduced in one collective, as Megatron-LM 2021's
      // contiguous-buffer DDP does; with overlap, bucket by bucket as they fill.
      const scaled = rankBucketBytes.map((b) => b * share).filter((b) => b > 0);
      const total = scaled.reduce((a, b) => a + b, 0);
      const chunkBytes = plan.overlapGradReduce ? scaled : total > 0 ? [total] : [];
      buckets.set(
        `${rank}:${c}`,
        chunkBytes.map((sizeBytes, k) => ({ sizeBytes, readyAtFraction: (k + 1) / chunkBytes.length })),
      );
    }
  }

  const optimizer = Array.from({ length: pp }, (_, r) => time(optimizerOps(model, plan, r)));
  const gather = Array.from({ length: pp }, (_, r) => {
    const g = dataParallelWork(model, plan, r).paramGatherBytes;
    return g.dense + g.expert;
  });
  const gradOp = dataParallelWork(model, plan, 0).gradOp;
  const pass = (rank: number, chunk: number, kind: "F" | "B"): CompiledPass => {
    const p = passes.get(`${rank}:${chunk}:${kind}`);
    if (p === undefined) throw new Error(`compileStep invariant violated: no pass ${rank}:${chunk}:${kind}`);
    return p;
  };
  const hasEp = plan.ep > 1 && [...passes.values()].some((p) => p.segments.length > 0);
  const traffic = hasEp ? expertDispatchTraffic(model, plan, cluster) : undefined;
  // Expert all-to-all overlap pairs passes of the non-interleaved 1F1B schedule (plan-check warns otherwise).
  const overlapEp = hasEp && plan.expertCommOverlap && !simulated && v === 1 && plan.schedule === "1f1b";
  // The executor's first all-to-all of replica 0's EP group on a rank (only the overlap prices all-to-alls here).
  const epCards = overlapEp ? Array.from({ length: pp }, (_, r) => firstExpertGroupCards(plan, r)) : [];
  const a2aPredicted = new Map<string, number>();
  const predictA2aS = (rank: number, bytesPerCard: number): number => {
    const key = `${rank}:${bytesPerCard}`;
    let t = a2aPredicted.get(key);
    if (t === undefined) {
      const cards = epCards[rank] as number[];
      const matrix = traffic?.(cards, bytesPerCard);
      t =
        cards.length < 2
          ? 0
          : predictS({
              op: "alltoall",
              cards,
              sizeBytes: bytesPerCard,
              label: "ep all-to-all",
              ...(matrix ? { sendBytesMatrix: matrix } : {}),
            });
      a2aPredicted.set(key, t);
    }
    return t;
  };

  return {
    pp,
    virtualStages: v,
    microBatches: m,
    replicas: dp,
    cardsPerActor: tp * cp,
    tp,
    schedule: Array.from({ length: pp }, (_, r) =>
      pipelineSchedule(
        v > 1 ? "interleaved-1f1b" : plan.schedule === "gpipe" ? "gpipe" : "1f1b",
        pp,
        r,
        m,
        v,
        overlapEp,
      ),
    ),
    passCost: (rank, chunk, kind) => pass(rank, chunk, kind).cost,
    ...(simulated
      ? { passItems: (rank: number, chunk: number, kind: "F" | "B") => pass(rank, chunk, kind).items ?? [] }
      : {}),
    actorCards,
    ppSendBytesPerCard: pipelineMessageBytes(model, plan),
    overlapPipelineSends: plan.overlapPipelineSends,
    ...(hasEp
      ? {
          expertParallel: {
            // EP groups are ep consecutive ranks of a stage, tp fastest (expert-groups.ts).
            group: expertGroupShape(plan),
            segments: (rank: number, chunk: number, kind: "F" | "B") => pass(rank, chunk, kind).segments,
            ...(traffic ? { traffic } : {}),
            ...(overlapEp
              ? {
                  overlap: {
                    commComputeShare: plan.expertCommComputeShare ?? DEFAULT_EP_COMM_COMPUTE_SHARE,
                    predictS: predictA2aS,
                  },
                }
              : {}),
          },
        }
      : {}),
    dataParallel: {
      gradOp,
      buckets: (rank, chunk) => buckets.get(`${rank}:${chunk}`) ?? [],
      overlap: plan.overlapGradReduce,
      paramGatherBytes: (rank) => gather[rank] ?? 0,
      overlapParamGather: plan.overlapParamGather,
    },
    optimizerS: (rank) => optimizer[rank] ?? 0,
  };
}
