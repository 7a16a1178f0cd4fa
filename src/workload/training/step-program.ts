import type { CollectiveOp } from "../../collectives/types.js";
import type { ExpertGroupShape } from "../expert-groups.js";
import type { Pass } from "../pipeline-schedule.js";
import type { AlltoallTraffic } from "./expert-dispatch.js";

/**
 * A training step compiled for the executor. Ranks that run the same program
 * share it: one schedule and one cost table per pipeline rank, whatever the
 * data-parallel width. The unit of execution is an *actor*: one tensor- (and
 * context-) parallel group of `cardsPerActor` cards that runs in lock step,
 * because its TP collectives synchronise it after every layer. Actor index =
 * replica * pp + pipelineRank, replica in [0, replicas).
 */
export interface StepProgram {
  pp: number;
  virtualStages: number;
  microBatches: number;
  /** Data-parallel replicas (dp): actors per pipeline rank. */
  replicas: number;
  /** Cards per actor: tp * cp (a TP group, times its context-parallel peers, in lock step). */
  cardsPerActor: number;
  /** Tensor-parallel width: actor card positions p and q hold the same parameters when p % tp === q % tp. */
  tp: number;
  /** Pass order of each pipeline rank. */
  schedule: Pass[][];
  /**
   * Seconds of one pass on an actor at nominal speed, by pipeline rank, chunk
   * and kind, split into compute and the exposed tensor/context-parallel
   * communication inside it (both scale with nothing else here).
   */
  passCost(rank: number, chunk: number, kind: "F" | "B"): PassCost;
  /** Cards of an actor (its TP/CP group), in TP-rank order. */
  actorCards(actor: number): readonly number[];
  /**
   * With in-layer collectives simulated: the pass as items in execution order
   * (absent: the pass is `passCost`, its TP/CP time predicted and exposed).
   */
  passItems?(rank: number, chunk: number, kind: "F" | "B"): readonly PassItem[];
  /** Bytes each card of an actor sends to the next/previous stage per micro-batch. */
  ppSendBytesPerCard: number;
  /** Sends off the chain: the sender goes on with its next pass while its output is in flight. */
  overlapPipelineSends: boolean;
  /** Mixture-of-experts all-to-alls inside passes, as synchronising segments. */
  expertParallel?: ExpertParallelProgram;
  dataParallel: DataParallelProgram;
  /** Seconds of the optimizer step on an actor of a pipeline rank. */
  optimizerS(rank: number): number;
}

/**
 * One item of a pass with simulated in-layer collectives: an op's seconds,
 * exposed predicted communication (ZeRO-3), an EP all-to-all, or the start
 * and wait points of a TP/CP collective on the actor's own cards (the ops
 * between them overlap it).
 */
export type PassItem =
  | { kind: "op"; s: number }
  | { kind: "fixed"; s: number; cat: "tpComm" | "cpComm" | "zero3Comm" }
  | { kind: "a2a"; bytes: number; label: string }
  | { kind: "start"; id: number; group: "tp" | "cp"; op: CollectiveOp; bytes: number; label: string }
  | { kind: "wait"; id: number };

export interface PassCost {
  computeS: number;
  /** Exposed in-layer communication, all groups: tpS + cpS + zero3S. */
  tpCommS: number;
  /** Its parts by group (tensor, context parallel, ZeRO-3). */
  commS: { tpComm: number; cpComm: number; zero3Comm: number };
}

/**
 * Gradient synchronisation across replicas: buckets per (rank, chunk), each
 * ready at a fraction of the last micro-batch's backward pass of that chunk
 * (gradients of later layers are final first).
 */
export interface DataParallelProgram {
  /** Collective for gradients: allreduce (ZeRO 0) or reducescatter (ZeRO >= 1). */
  gradOp: CollectiveOp;
  /** Bucket sizes in bytes per card (what each TP rank's collective carries), by rank and chunk. */
  buckets(rank: number, chunk: number): readonly Bucket[];
  /** Start bucket collectives as soon as they are ready (true) or after the last pass (false). */
  overlap: boolean;
  /** Bytes per card of the parameter all-gather after the optimizer (ZeRO >= 1), 0 for none. */
  paramGatherBytes(rank: number): number;
  /** The all-gather runs bucket by bucket beside the forward passes instead of after the optimizer. */
  overlapParamGather: boolean;
}

export interface Bucket {
  sizeBytes: number;
  /** Fraction (0, 1] of the pass after which the bucket's gradients are ready. */
  readyAtFraction: number;
}

/**
 * Expert parallelism: the F and B passes of every chunk are cut into
 * segments; between two segments every member of the actor's EP group joins
 * an all-to-all (one per TP rank, over the EP group's cards of that TP rank).
 */
export interface ExpertParallelProgram {
  /** An EP group: consecutive replicas, and a block of consecutive card positions of each (expert-groups.ts). */
  group: ExpertGroupShape;
  /**
   * Segments of a pass: fractions of the pass's compute that end at each
   * all-to-all, and the bytes per card of each all-to-all.
   */
  segments(rank: number, chunk: number, kind: "F" | "B"): readonly EpSegment[];
  /** Card-to-card bytes of an all-to-all (parallel.expertDispatch); absent: uniform. */
  traffic?: AlltoallTraffic;
  /**
   * Overlap the all-to-alls of a forward pass and the backward pass after it
   * (parallel.expertCommOverlap), compute slowed by `commComputeShare` of the
   * overlapped all-to-alls' predicted seconds.
   */
  overlap?: { commComputeShare: number; predictS(rank: number, bytesPerCard: number): number };
}

export interface EpSegment {
  /** Fraction of the pass's seconds run before this all-to-all. */
  computeFraction: number;
  alltoallBytesPerCard: number;
}
