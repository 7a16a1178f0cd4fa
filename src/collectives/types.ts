/**
 * What the training executor asks of the network: run a collective over a
 * group of cards, starting now, and call back when it completes.
 */
export type CollectiveOp =
  | "allreduce"
  | "reducescatter"
  | "allgather"
  | "broadcast"
  | "reduce"
  | "alltoall"
  | "sendrecv";

export type CollectiveAlgo =
  | "ring"
  | "tree"
  | "halving-doubling"
  | "hierarchical"
  | "direct"
  | "mesh"
  | "nvls"
  | "auto";

export const COLLECTIVE_OPS: readonly CollectiveOp[] = [
  "allreduce",
  "reducescatter",
  "allgather",
  "broadcast",
  "reduce",
  "alltoall",
  "sendrecv",
];

export const COLLECTIVE_ALGOS: readonly CollectiveAlgo[] = [
  "ring",
  "tree",
  "halving-doubling",
  "hierarchical",
  "direct",
  "mesh",
  "nvls",
  "auto",
];

/**
 * How finely a collective is cut into flows: "phase" = one flow per rank
 * (and channel) per algorithm phase, carrying all of that phase's bytes
 * (event count near linear in cards); "fine" = one flow per algorithm step
 * and pipeline chunk, with the real data dependencies (for validation).
 */
export type Granularity = "phase" | "fine";

export interface CollectiveRequest {
  op: CollectiveOp;
  /** Member cards in rank order (for sendrecv: [src, dst]; for broadcast/reduce the root is cards[0]). At least 1 card; no duplicates. */
  cards: readonly number[];
  /**
   * Bytes as nccl-tests counts them: the full buffer for allreduce/broadcast/reduce;
   * the full (gathered) output buffer for allgather and the full input for
   * reducescatter; per-card send buffer for alltoall; the message for sendrecv.
   */
  sizeBytes: number;
  algo?: CollectiveAlgo;
  /** Label for traces and errors, e.g. "dp-grad stage 3 bucket 2". */
  label?: string;
  /**
   * all-to-all-v: bytes from rank i to rank j at [i * n + j] (n = cards.length);
   * the diagonal is ignored. When given, `sizeBytes` is only used for busbw.
   */
  sendBytesMatrix?: ArrayLike<number>;
}

/** A resolved algorithm choice and its closed-form (alpha-beta) time. */
export interface CollectivePrediction {
  op: CollectiveOp;
  algo: Exclude<CollectiveAlgo, "auto">;
  cards: number;
  sizeBytes: number;
  timeS: number;
  /** For hierarchical: the algorithm of the scale-out phase. */
  innerAlgo?: "ring" | "tree";
}

/** What a simulated collective measured (nccl-tests conventions). */
export interface CollectiveResult {
  op: CollectiveOp;
  algo: Exclude<CollectiveAlgo, "auto">;
  innerAlgo?: "ring" | "tree";
  cards: number;
  sizeBytes: number;
  timeS: number;
  /** sizeBytes / timeS, bytes/s. */
  algBytesPerS: number;
  /** algbw times the nccl-tests bus factor of the operation, bytes/s. */
  busBytesPerS: number;
  /** Closed-form prediction of the same algorithm, seconds. */
  predictedS: number;
  events: number;
  flows: number;
}
