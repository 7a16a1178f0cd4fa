import { type GemmShape, gemmFixedS, gemmShapeEfficiency } from "./gemm-shape.js";
import type { Accelerator } from "./types.js";

/**
 * The compute model: one kernel's time on one card, a roofline
 * (Williams et al. 2009):
 *   matmul: max(flops / (peak(precision) · ε_matmul), bytes / (HBM bytes/s · ε_memory))
 *   memory: max(bytes / (HBM bytes/s · ε_memory), flops / vector peak)
 * The vector peak of memory-bound kernels is the card's fp32 peak where the
 * catalog has one, else its bf16 peak; no efficiency factor applies to it
 * (their FLOPs are a handful per byte and almost never bind).
 * An op may carry its own precision (attention cores run in BF16 under FP8
 * training) and, for fused attention, its pass and key length: those are timed
 * on the card's attention curve (efficiency.attentionForward/Backward).
 * A matmul that carries its GEMM shape, on a card with a GEMM model (efficiency.gemm), is timed by
 * shape (src/hardware/gemm-shape.ts): the model's ceiling × occupancy × k-ramp,
 * plus the model's fixed time per GEMM kernel. Other kernels get no launch latency (ASSUMPTION:
 * docs/model.md, "Compute: GEMMs by shape").
 */
export interface RooflineOp {
  kind: "matmul" | "memory";
  flops: number;
  bytes: number;
  /** This kernel's matmul precision where it differs from the run's (attention cores stay BF16 under FP8 training). */
  precision?: MatmulPrecision;
  /** A fused attention kernel: timed on the card's attention curve (by pass and key tokens) where it has one. */
  attention?: { pass: "forward" | "backward"; keyTokens: number; headDim?: number };
  /** A memory op that streams whole buffers (the optimizer's multi-tensor kernels): efficiency.memory, not elementwise. */
  streaming?: boolean;
  /** A GEMM's shape: timed by shape where the card has a GEMM model (efficiency.gemm). */
  gemm?: GemmShape;
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

/** Head dim of a card's main attention curves when it does not say (FlashAttention-3's headline figures). */
export const DEFAULT_ATTENTION_HEAD_DIM = 128;

type AttentionCurve = readonly (readonly [number, number])[];

/**
 * Fraction of the BF16 peak a fused attention kernel reaches over `keyTokens` keys with heads of
 * `headDim` elements: the card's curve for the pass, piecewise linear in log2(keyTokens) and
 * constant beyond its ends. Where the card has curves at several head dims (attentionForward /
 * attentionBackward at attentionHeadDim, default 128, and attentionByHeadDim), a head dim between two
 * measured ones is interpolated in log2(headDim) and one beyond them takes the nearest; an entry of
 * attentionByHeadDim at the main curves' head dim replaces them. Without `headDim`: at the main curves' head dim.
 * Without a curve for the pass: efficiency.matmul.
 */
export function attentionEfficiency(
  accelerator: Accelerator,
  pass: "forward" | "backward",
  keyTokens: number,
  headDim?: number,
): number {
  const e = accelerator.efficiency;
  const mainDim = e.attentionHeadDim ?? DEFAULT_ATTENTION_HEAD_DIM;
  const d = headDim ?? mainDim;
  const extras = e.attentionByHeadDim ?? [];
  const curveOf = (r: { forward?: AttentionCurve; backward?: AttentionCurve }) =>
    pass === "forward" ? r.forward : r.backward;
  // The measured head dims nearest at or below (lo) and at or above (hi) the model's.
  let loDim = Number.NEGATIVE_INFINITY;
  let lo: AttentionCurve | undefined;
  let hiDim = Number.POSITIVE_INFINITY;
  let hi: AttentionCurve | undefined;
  const consider = (dim: number, curve: AttentionCurve | undefined) => {
    if (!curve || curve.length === 0) return;
    if (dim <= d && dim > loDim) [loDim, lo] = [dim, curve];
    if (dim >= d && dim < hiDim) [hiDim, hi] = [dim, curve];
  };
  for (const r of extras) consider(r.headDim, curveOf(r));
  if (!extras.some((r) => r.headDim === mainDim && curveOf(r))) {
    consider(mainDim, pass === "forward" ? e.attentionForward : e.attentionBackward);
  }
  if (lo === undefined) return hi === undefined ? e.matmul : curveAt(hi, keyTokens);
  if (hi === undefined || hiDim === loDim) return curveAt(lo, keyTokens);
  const t = (Math.log2(d) - Math.log2(loDim)) / (Math.log2(hiDim) - Math.log2(loDim));
  const a = curveAt(lo, keyTokens);
  return a + t * (curveAt(hi, keyTokens) - a);
}

/** A curve's value at `keyTokens`: piecewise linear in log2(keyTokens), constant beyond its ends. */
function curveAt(curve: AttentionCurve, keyTokens: number): number {
  const first = curve[0] as readonly [number, number];
  if (keyTokens <= first[0]) return first[1];
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i] as readonly [number, number];
    if (keyTokens <= x1) {
      const [x0, y0] = curve[i - 1] as readonly [number, number];
      const t = (Math.log2(keyTokens) - Math.log2(x0)) / (Math.log2(x1) - Math.log2(x0));
      return y0 + t * (y1 - y0);
    }
  }
  return (curve[curve.length - 1] as readonly [number, number])[1];
}

/**
 * Bytes per second a training framework's memory-bound elementwise kernels move (efficiency.elementwise,
 * else memory). The serving model (iteration-cost.ts) prices its elementwise bytes at efficiency.memory.
 */
export function elementwiseBytesPerS(accelerator: Accelerator): number {
  return accelerator.hbmBytesPerS * (accelerator.efficiency.elementwise ?? accelerator.efficiency.memory);
}

export function opTimeS(op: RooflineOp, accelerator: Accelerator, precision: MatmulPrecision): number {
  return (accelerator.efficiency.kernelGapS ?? 0) + kernelTimeS(op, accelerator, precision);
}

/**
 * One kernel's own time, its device duration (opTimeS without the card's kernel-to-kernel gap): what
 * kernel benchmarks measure (bench_kineto, profiler traces), so what the GEMM curves are checked against.
 */
export function kernelTimeS(op: RooflineOp, accelerator: Accelerator, precision: MatmulPrecision): number {
  if (op.kind === "memory") {
    const vectorPeak = accelerator.peakFlopsPerS.fp32 ?? accelerator.peakFlopsPerS.bf16;
    const bytesPerS = op.streaming
      ? accelerator.hbmBytesPerS * accelerator.efficiency.memory
      : elementwiseBytesPerS(accelerator);
    return Math.max(op.bytes / bytesPerS, op.flops / vectorPeak);
  }
  const memoryS = op.bytes / (accelerator.hbmBytesPerS * accelerator.efficiency.memory);
  const p = op.precision ?? precision;
  const gemmModel = accelerator.efficiency.gemm;
  if (op.gemm && gemmModel && !op.attention) {
    const computeS = op.flops / (matmulPeakFlopsPerS(accelerator, p) * gemmShapeEfficiency(gemmModel, p, op.gemm));
    return gemmFixedS(gemmModel, p, op.gemm) + Math.max(computeS, memoryS);
  }
  const efficiency = op.attention
    ? attentionEfficiency(accelerator, op.attention.pass, op.attention.keyTokens, op.attention.headDim)
    : matmulEfficiency(accelerator, p);
  const computeS = op.flops / (matmulPeakFlopsPerS(accelerator, p) * efficiency);
  return Math.max(computeS, memoryS);
}

/** Sum of opTimeS over a list of ops (one stream, no overlap between kernels). */
export function opsTimeS(ops: readonly RooflineOp[], accelerator: Accelerator, precision: MatmulPrecision): number {
  let t = 0;
  for (const op of ops) t += opTimeS(op, accelerator, precision);
  return t;
}
