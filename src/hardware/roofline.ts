import type { Accelerator } from "./types.js";

/**
 * The compute model: one kernel's time on one card, a roofline
 * (Williams et al. 2009):
 *   matmul: max(flops / (peak(precision) · ε_matmul), bytes / (HBM bytes/s · ε_memory))
 *   memory: max(bytes / (HBM bytes/s · ε_memory), flops / vector peak)
 * The vector peak of memory-bound kernels is the card's fp32 peak where the
 * catalog has one, else its bf16 peak; no efficiency factor applies to it
 * (their FLOPs are a handful per byte and almost never bind).
 * No kernel-launch latency is added (ASSUMPTION: kernels are large enough at
 * the scales simulated; see docs/model.md).
 */
export interface RooflineOp {
  kind: "matmul" | "memory";
  flops: number;
  bytes: number;
}

export type MatmulPrecision = "bf16" | "fp8";

/** Dense matmul peak FLOP/s of the card at a precision; throws if the card lacks it. */
export function matmulPeakFlopsPerS(accelerator: Accelerator, precision: MatmulPrecision): number {
  const peak = accelerator.peakFlopsPerS[precision];
  if (peak === undefined || !(peak > 0)) {
    throw new Error(`${accelerator.name} has no ${precision} peak: cannot time ${precision} matmuls on it`);
  }
  return peak;
}

/** Fraction of the dense peak GEMMs reach at a precision: efficiency.matmulFp8 for fp8 where the card has one, else efficiency.matmul. */
export function matmulEfficiency(accelerator: Accelerator, precision: MatmulPrecision): number {
  return precision === "fp8"
    ? (accelerator.efficiency.matmulFp8 ?? accelerator.efficiency.matmul)
    : accelerator.efficiency.matmul;
}

export function opTimeS(op: RooflineOp, accelerator: Accelerator, precision: MatmulPrecision): number {
  const memoryS = op.bytes / (accelerator.hbmBytesPerS * accelerator.efficiency.memory);
  if (op.kind === "memory") {
    const vectorPeak = accelerator.peakFlopsPerS.fp32 ?? accelerator.peakFlopsPerS.bf16;
    return Math.max(memoryS, op.flops / vectorPeak);
  }
  const computeS = op.flops / (matmulPeakFlopsPerS(accelerator, precision) * matmulEfficiency(accelerator, precision));
  return Math.max(computeS, memoryS);
}

/** Sum of opTimeS over a list of ops (one stream, no overlap between kernels). */
export function opsTimeS(ops: readonly RooflineOp[], accelerator: Accelerator, precision: MatmulPrecision): number {
  let t = 0;
  for (const op of ops) t += opTimeS(op, accelerator, precision);
  return t;
}
