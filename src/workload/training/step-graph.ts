import { TIME_CATEGORIES, type TimeCategory } from "../../system/ports.js";
import { finishTaskLists, NO_CATEGORY, type Program, TaskKind, TaskListBuilder } from "../../system/program.js";
import type { ExpertGroupShape } from "../expert-groups.js";
import type { Pass, PassKind } from "../pipeline-schedule.js";
import { addOverlappedPair, type OverlapPass, overlappedPairs } from "./overlapped-passes.js";
import type { PassCost, PassItem, StepProgram } from "./step-program.js";

const cat = (c: TimeCategory): number => TIME_CATEGORIES.indexOf(c);
const IN_LAYER = ["tpComm", "cpComm", "zero3Comm"] as const;

/**
 * The training step as a task graph (src/system/program.ts), from the
 * compiled per-rank costs: each rank's chain is its pipeline schedule, every
 * pass cut into compute segments at its expert all-to-alls and followed by
 * the send of its output to the next (forward) or previous (backward) stage
 * (on the chain, or off it with overlapped sends: then the receiver alone waits);
 * then the optimizer and, with ZeRO >= 1, the parameter all-gather. The
 * schedule order (1F1B, interleaved, GPipe) is the chain order; a pass that
 * needs another stage's output has an edge from that stage's send.
 * Gradient buckets are off the chain: with overlap, a timer started with the
 * last micro-batch's backward of each chunk fires at the bucket's ready
 * fraction of the pass; without, every bucket is ready when the last pass
 * ends; bucket collectives of a rank run on one ordered stream, and the
 * optimizer waits for all of them.
 */
/**
 * A pass with simulated in-layer collectives: compute pieces between the
 * items' cut points, EP all-to-alls on the chain, each TP/CP collective off
 * the chain from its start point (the end of the piece before it, or the
 * start of the pass) to the piece that waits for it; collectives still
 * open at the end of the pass are waited for by a zero-length last piece.
 * Returns the pass's first and last chain tasks.
 */
function addItems(
  b: TaskListBuilder,
  items: readonly PassItem[],
  name: string,
  tp: number,
  epGroup: ExpertGroupShape,
): { first: number; last: number } {
  let first = -1;
  let last = -1;
  let pieceS = 0;
  const parts = { tpComm: 0, cpComm: 0, zero3Comm: 0 };
  let pending = false; // ops or exposed comms since the last cut
  const startAtNext: number[] = []; // collectives to start with the next piece (nothing before them)
  const waits: Array<{ task: number; cat: TimeCategory }> = [];
  const comms = new Map<number, { task: number; cat: TimeCategory }>();
  let piece = 0;
  const flush = (force = false) => {
    if (!pending && !force && waits.length === 0) return;
    const fixedS = parts.tpComm + parts.cpComm + parts.zero3Comm;
    const t = b.add({
      kind: TaskKind.Compute,
      label: `${name}/${piece++}`,
      chain: true,
      slowS: pieceS,
      fixedS,
      waitCat: first < 0 ? cat("bubble") : cat(waits[0]?.cat ?? "bubble"),
      runCat: cat("compute"),
      parts: IN_LAYER.map((c) => [cat(c), parts[c]] as const),
    });
    for (const w of waits) b.edge(w.task, t);
    for (const c of startAtNext) b.edge(t, c, { onStart: true });
    waits.length = 0;
    startAtNext.length = 0;
    if (first < 0) first = t;
    last = t;
    pieceS = 0;
    parts.tpComm = 0;
    parts.cpComm = 0;
    parts.zero3Comm = 0;
    pending = false;
  };
  for (const it of items) {
    switch (it.kind) {
      case "op":
        pieceS += it.s;
        pending = true;
        break;
      case "fixed":
        parts[it.cat] += it.s;
        pending = true;
        break;
      case "a2a":
        flush();
        // An all-to-all with nothing before it in the pass still needs a (zero-length) piece to follow.
        if (first < 0) flush(true);
        last = b.add({
          kind: TaskKind.Collective,
          label: `ep ${name}`,
          chain: true,
          op: "alltoall",
          bytes: it.bytes,
          groupReplicas: epGroup.replicas,
          positionBlock: epGroup.positionBlock,
          runCat: cat("epComm"),
        });
        break;
      case "start": {
        flush();
        const c = it.group === "tp" ? "tpComm" : "cpComm";
        const task = b.add({
          kind: TaskKind.Collective,
          label: it.label,
          chain: false,
          op: it.op,
          bytes: it.bytes,
          groupReplicas: 1,
          ...(it.group === "tp" ? { positionBlock: tp } : { positionModulo: tp }),
        });
        comms.set(it.id, { task, cat: c });
        // It starts when the piece before it ends, or with the pass's first piece when nothing is before it.
        if (last < 0) startAtNext.push(task);
        else b.edge(last, task);
        break;
      }
      case "wait": {
        const c = comms.get(it.id);
        if (c === undefined)
          throw new Error(`step graph invariant violated: wait for collective ${it.id} never started`);
        flush();
        waits.push(c);
        break;
      }
    }
  }
  flush(first < 0 || waits.length > 0 || startAtNext.length > 0);
  return { first, last };
}

/**
 * Megatron-Core's --overlap-param-gather: the all-gather of the weights the
 * optimizer updated runs bucket by bucket beside the next forward passes. In
 * one simulated step it is launched at the step's start (a zero-length chain
 * task), in the order of the chunks' buckets on the rank's data-parallel
 * stream; the first forward of each chunk waits for that chunk's first bucket
 * (ASSUMPTION: later buckets hide behind the forward of the layers before
 * them, which Megatron waits for layer by layer), and the optimizer waits for
 * all of them, so their traffic stays inside the step.
 */
function prefetchParamGather(
  b: TaskListBuilder,
  p: StepProgram,
  rank: number,
  gatherBytes: number,
): { tasks: number[]; firstOfChunk: Map<number, number> } {
  const out = { tasks: [] as number[], firstOfChunk: new Map<number, number>() };
  if (!p.dataParallel.overlapParamGather || gatherBytes <= 0) return out;
  const chunks = Array.from({ length: p.virtualStages }, (_, c) => p.dataParallel.buckets(rank, c));
  const total = chunks.flat().reduce((s, bucket) => s + bucket.sizeBytes, 0);
  if (!(total > 0)) return out;
  const launch = b.add({
    kind: TaskKind.Scaled,
    label: "param gather launch",
    chain: true,
    slowS: 0,
    waitCat: NO_CATEGORY,
    runCat: NO_CATEGORY,
  });
  chunks.forEach((buckets, c) => {
    buckets.forEach((bucket, k) => {
      const t = b.add({
        kind: TaskKind.Collective,
        label: `dp param gather r${rank} c${c} b${k}`,
        chain: false,
        op: "allgather",
        bytes: (gatherBytes * bucket.sizeBytes) / total,
        groupReplicas: p.replicas,
        positionModulo: p.tp,
        stream: rank,
      });
      b.edge(launch, t, { onStart: true });
      if (k === 0) out.firstOfChunk.set(c, t);
      out.tasks.push(t);
    });
  });
  return out;
}

export function trainingStepGraph(p: StepProgram): Program {
  const builders = Array.from({ length: p.pp }, () => new TaskListBuilder());
  const stages = p.pp * p.virtualStages;
  /** First task of each pass, by rank and "kind chunk.microBatch". */
  const passStart = Array.from({ length: p.pp }, () => new Map<string, number>());
  const sends: Array<{ rank: number; task: number; toRank: number; key: string }> = [];
  const passKey = (kind: PassKind, chunk: number, mb: number) => `${kind}${chunk}.${mb}`;

  for (let rank = 0; rank < p.pp; rank++) {
    const b = builders[rank] as TaskListBuilder;
    const bucketTasks: number[] = [];
    const lateBuckets: Array<{ chunk: number; tasks: number[] }> = [];
    let lastPassTask = -1;
    const gatherBytes = p.dataParallel.paramGatherBytes(rank);
    const hasGather = gatherBytes > 0 && p.replicas * (p.cardsPerActor / p.tp) !== 1;
    const prefetch = prefetchParamGather(b, p, rank, hasGather ? gatherBytes : 0);
    /**
     * A pass's bookkeeping once its tasks exist: where it starts (for the sends into it), the gradient
     * buckets after the last micro-batch's backward of a chunk, and the send of its output (off the chain
     * from `passLast` when `sendOffChain`, else appended to the chain).
     */
    const finishPass = (pass: Pass, cost: PassCost, first: number, passLast: number, sendOffChain: boolean): void => {
      passStart[rank]?.set(passKey(pass.kind, pass.chunk, pass.microBatch), first);
      if (pass.kind === "B" && pass.microBatch === p.microBatches - 1) {
        const buckets = p.dataParallel.buckets(rank, pass.chunk);
        const tasks = buckets.map((bucket, k) => {
          const collective = b.add({
            kind: TaskKind.Collective,
            label: `dp grad r${rank} c${pass.chunk} b${k}`,
            chain: false,
            op: p.dataParallel.gradOp,
            bytes: bucket.sizeBytes,
            groupReplicas: p.replicas,
            positionModulo: p.tp,
            stream: rank,
          });
          if (p.dataParallel.overlap) {
            const timer = b.add({
              kind: TaskKind.Delay,
              label: "bucket-ready",
              chain: false,
              slowS: cost.computeS,
              fixedS: cost.tpCommS,
              fraction: bucket.readyAtFraction,
            });
            b.edge(first, timer, { onStart: true });
            b.edge(timer, collective);
          }
          return collective;
        });
        bucketTasks.push(...tasks);
        if (!p.dataParallel.overlap) lateBuckets.push({ chunk: pass.chunk, tasks });
      }
      const stage = pass.chunk * p.pp + rank;
      const target = pass.kind === "F" ? stage + 1 : stage - 1;
      if (p.pp > 1 && target >= 0 && target < stages) {
        const toRank = target % p.pp;
        const toChunk = Math.floor(target / p.pp);
        const send = b.add({
          kind: TaskKind.Send,
          label: "pp",
          chain: !sendOffChain,
          bytes: p.ppSendBytesPerCard,
          peerRank: toRank,
          runCat: cat("ppComm"),
        });
        // Overlapped: the send leaves when the pass ends and the rank goes on; only the receiver waits.
        if (sendOffChain) b.edge(passLast, send);
        else lastPassTask = send;
        sends.push({ rank, task: send, toRank, key: passKey(pass.kind, toChunk, pass.microBatch) });
      }
    };
    const schedule = p.schedule[rank] ?? [];
    const ep = p.expertParallel;
    const epOverlap = p.passItems === undefined ? ep?.overlap : undefined;
    const pairs =
      ep && epOverlap ? overlappedPairs(schedule, (x) => ep.segments(rank, x.chunk, x.kind).length > 0) : [];
    for (let passIndex = 0; passIndex < schedule.length; passIndex++) {
      const pass = schedule[passIndex] as Pass;
      if (pairs[passIndex] && ep && epOverlap) {
        const second = schedule[passIndex + 1] as Pass;
        const both = [pass, second].map((x) => ({
          pass: x,
          cost: p.passCost(rank, x.chunk, x.kind),
          segments: ep.segments(rank, x.chunk, x.kind),
          firstWaitCat: cat("bubble"),
        }));
        const r = addOverlappedPair(b, [both[0] as OverlapPass, both[1] as OverlapPass], ep.group, {
          commComputeShare: epOverlap.commComputeShare,
          predictS: (bytes) => epOverlap.predictS(rank, bytes),
        });
        lastPassTask = r.chainLast;
        both.forEach((x, k) => {
          finishPass(x.pass, x.cost, r.first[k] as number, r.last[k] as number, true);
        });
        passIndex++;
        continue;
      }
      const cost = p.passCost(rank, pass.chunk, pass.kind);
      const segs = p.expertParallel?.segments(rank, pass.chunk, pass.kind) ?? [];
      const items = p.passItems?.(rank, pass.chunk, pass.kind);
      let first = -1;
      if (items !== undefined) {
        const r = addItems(
          b,
          items,
          `${pass.kind}${pass.chunk}.${pass.microBatch}`,
          p.tp,
          p.expertParallel?.group ?? { replicas: 1, positionBlock: p.cardsPerActor },
        );
        first = r.first;
        lastPassTask = r.last;
      }
      for (let i = 0; items === undefined && i <= segs.length; i++) {
        const prevFrac = i === 0 ? 0 : (segs[i - 1]?.computeFraction ?? 0);
        const endFrac = i < segs.length ? (segs[i]?.computeFraction as number) : 1;
        const t = b.add({
          kind: TaskKind.Compute,
          label:
            segs.length === 0
              ? `${pass.kind}${pass.chunk}.${pass.microBatch}`
              : `${pass.kind}${pass.chunk}.${pass.microBatch}/${i}`,
          chain: true,
          slowS: cost.computeS * (endFrac - prevFrac),
          fixedS: cost.tpCommS * (endFrac - prevFrac),
          // The first stage's first forward waits only for its weights (a prefetched gather).
          waitCat:
            i === 0 && rank === 0 && pass.chunk === 0 && pass.kind === "F" && prefetch.firstOfChunk.has(0)
              ? cat("paramGather")
              : cat("bubble"),
          runCat: cat("compute"),
          parts: IN_LAYER.map((c) => [cat(c), cost.commS[c] * (endFrac - prevFrac)] as const),
        });
        if (first < 0) first = t;
        lastPassTask = t;
        if (i === 0 && pass.kind === "F" && pass.microBatch === 0) {
          const gather = prefetch.firstOfChunk.get(pass.chunk);
          if (gather !== undefined) b.edge(gather, t);
        }
        if (i < segs.length) {
          lastPassTask = b.add({
            kind: TaskKind.Collective,
            label: `ep ${pass.kind}${pass.chunk}.${pass.microBatch}`,
            chain: true,
            op: "alltoall",
            bytes: (segs[i] as { alltoallBytesPerCard: number }).alltoallBytesPerCard,
            groupReplicas: ep?.group.replicas ?? 1,
            positionBlock: ep?.group.positionBlock ?? p.cardsPerActor,
            runCat: cat("epComm"),
          });
        }
      }
      finishPass(pass, cost, first, lastPassTask, p.overlapPipelineSends);
    }
    // Without overlap, every bucket is ready when the last pass ends: chunks last to first, as filled.
    lateBuckets.sort((x, y) => y.chunk - x.chunk);
    for (const { tasks } of lateBuckets) for (const t of tasks) b.edge(lastPassTask, t);
    const optimizer = b.add({
      kind: TaskKind.Scaled,
      label: "optimizer",
      chain: true,
      slowS: p.optimizerS(rank),
      waitCat: cat("dpComm"),
      runCat: cat("optimizer"),
    });
    for (const t of bucketTasks) b.edge(t, optimizer);
    for (const t of prefetch.tasks) b.edge(t, optimizer);
    if (hasGather && prefetch.tasks.length === 0) {
      b.add({
        kind: TaskKind.Collective,
        label: `dp param gather r${rank}`,
        chain: true,
        op: "allgather",
        bytes: gatherBytes,
        groupReplicas: p.replicas,
        positionModulo: p.tp,
        runCat: cat("paramGather"),
        waitCat: NO_CATEGORY,
      });
    }
  }
  for (const s of sends) {
    const to = passStart[s.toRank]?.get(s.key);
    if (to === undefined) throw new Error(`step graph invariant violated: no pass ${s.key} on rank ${s.toRank}`);
    (builders[s.rank] as TaskListBuilder).edge(s.task, to, { rank: s.toRank });
  }
  return {
    ranks: p.pp,
    replicas: p.replicas,
    cardsPerActor: p.cardsPerActor,
    tasks: finishTaskLists(builders),
    actorCards: (a) => p.actorCards(a),
    categories: TIME_CATEGORIES,
    noiseCategory: cat("straggler"),
    ...(p.expertParallel?.traffic ? { alltoallTraffic: p.expertParallel.traffic } : {}),
  };
}
