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

export type CollectiveAlgo = "ring" | "tree" | "halving-doubling" | "hierarchical" | "direct" | "auto";

export interface CollectiveRequest {
  op: CollectiveOp;
  /** Member cards in rank order (for sendrecv: [src, dst]). At least 1 card; no duplicates. */
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
}
