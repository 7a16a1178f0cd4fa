import type { CollectiveOp } from "../collectives/types.js";
import type { GemmShape } from "../hardware/gemm-shape.js";

/**
 * One compute kernel on one card: FLOPs and HBM traffic (bytes read +
 * written). The roofline (src/hardware/roofline.ts) turns it into seconds.
 */
export interface Op {
  name: string;
  /** matmul: tensor-core bound when large; memory: bandwidth bound (efficiency.elementwise unless streaming). */
  kind: "matmul" | "memory";
  flops: number;
  bytes: number;
  /** Matmul precision of this kernel where it differs from the run's (attention cores run in BF16 under FP8 training). */
  precision?: "bf16" | "fp8";
  /** A fused attention kernel: timed on the card's attention curve by pass, key tokens and head dim (src/hardware/roofline.ts). */
  attention?: { pass: "forward" | "backward"; keyTokens: number; headDim?: number };
  /** A memory op streaming whole buffers (the optimizer's multi-tensor kernels): priced at efficiency.memory. */
  streaming?: boolean;
  /** A GEMM's shape: timed by shape where the card has a GEMM model (src/hardware/gemm-shape.ts). */
  gemm?: GemmShape;
}

/**
 * Bytes moved per element to quantize a BF16 GEMM operand to FP8, by scaling recipe (Transformer
 * Engine): the quantize pass reads the BF16 tensor (2 bytes) and writes the row-wise and the
 * column-wise (transposed) FP8 copies (1 + 1) that the forward and the backward GEMMs consume;
 * per-tensor current scaling (Float8CurrentScaling, Megatron-Bridge's H100 benchmarks) first reads
 * the tensor once more for its amax (+2). Delayed scaling takes the scale from an amax history and
 * blockwise scaling computes each block's scale inside the quantize pass: 4. From the recipes'
 * algorithms, not a measurement; ASSUMPTION: no pass is fused into the kernel that produced the
 * tensor (docs/model.md, "FP8 training").
 */
export const FP8_QUANTIZE_BYTES_PER_ELEMENT = { delayed: 4, current: 6, blockwise: 4 } as const;

/** The parallel group a communication runs over (from one card's point of view). */
export type CommGroup = "tp" | "cp" | "ep" | "dp" | "expert-dp" | "pp" | "embedding";

/**
 * A collective a layer (or stage, or step) needs. sizeBytes follows the
 * CollectiveRequest convention (nccl-tests): full gathered output for
 * allgather, full input for reducescatter, full buffer for allreduce,
 * per-card send buffer for alltoall.
 * Placement: it can start when `afterOp` has finished (null: at the start of
 * the phase) and `beforeOp` cannot start until it has finished (null: only
 * the end of the phase waits for it). Ops listed between the two overlap it.
 */
export interface CommNeed {
  group: CommGroup;
  op: CollectiveOp;
  sizeBytes: number;
  phase: "forward" | "backward" | "recompute" | "step";
  afterOp: string | null;
  beforeOp: string | null;
  label: string;
}

/** Bytes per element of a matmul operand in the chosen precision (fp8: 1; bf16: 2). */
export function operandBytes(precision: "bf16" | "fp8"): number {
  return precision === "fp8" ? 1 : 2;
}

/** Bytes per element of activations written by kernels and read by memory-bound ops (bf16). */
export const ACTIVATION_BYTES = 2;

/**
 * ASSUMPTION: memory-bound kernels do about 4 FLOPs per element they touch
 * (norms, softmax, GeLU are a handful of vector ops); only used where no HBM
 * figure binds, which the roofline makes rare.
 */
export const MEMORY_OP_FLOPS_PER_ELEMENT = 4;

/**
 * ASSUMPTION: the backward of a memory-bound op moves 1.5× the bytes of its
 * forward (reads the saved input and the output gradient, writes the input
 * gradient: 3 tensors where the forward touched 2).
 */
export const MEMORY_OP_BACKWARD_BYTES_FACTOR = 1.5;

export function memoryOp(name: string, bytes: number, elements: number): Op {
  return { name, kind: "memory", flops: MEMORY_OP_FLOPS_PER_ELEMENT * elements, bytes };
}

/**
 * A (M×K)·(K×N) matmul, repeated `batch` times: 2·M·K·N·batch FLOPs; bytes:
 * both operands read once in the operand precision, the output written in bf16
 * (ideal tiling: each operand crosses HBM once).
 */
export function matmulOp(name: string, M: number, K: number, N: number, ein: number, batch = 1): Op {
  return {
    name,
    kind: "matmul",
    flops: 2 * M * K * N * batch,
    bytes: batch * (M * K * ein + K * N * ein + M * N * ACTIVATION_BYTES),
    gemm: { m: M, n: N, k: K, groups: batch },
  };
}
