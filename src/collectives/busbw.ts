import type { CollectiveOp } from "./types.js";

/**
 * nccl-tests bus-bandwidth factor per operation (NVIDIA/nccl-tests
 * doc/PERFORMANCE.md): busbw = algbw * factor, so that busbw compares with
 * the link speed whatever the group size n.
 */
export function busBandwidthFactor(op: CollectiveOp, n: number): number {
  if (n <= 1) return op === "allreduce" || op === "reducescatter" || op === "allgather" || op === "alltoall" ? 0 : 1;
  switch (op) {
    case "allreduce":
      return (2 * (n - 1)) / n;
    case "reducescatter":
    case "allgather":
    case "alltoall":
      return (n - 1) / n;
    case "broadcast":
    case "reduce":
    case "sendrecv":
      return 1;
  }
}
