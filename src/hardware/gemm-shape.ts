/**
 * Shape-aware GEMM efficiency (docs/model.md, "Compute: GEMMs by shape"). One GEMM kernel computes
 * `groups` independent products (m×k)·(k×n) (a batched or grouped GEMM: one product per local
 * expert or per attention head). Its time on a card with a GEMM model is
 *
 *   t = fixedS + max(flops / (peak · ε · occupancy(m, n, groups) · k / (k + kHalf)), bytes / HBM)
 *
 * - ε: the model's ceiling at the precision and scaling: the fraction of the dense peak the largest GEMMs reach;
 * - k / (k + kHalf): the reduction dimension's ramp (each output tile pays a prologue and an
 *   epilogue, worth kHalf elements of the main loop, whatever its k);
 * - occupancy: a problem with fewer output tiles (of occupancyTile × occupancyTile elements) than the
 *   card has compute units leaves units idle; a larger one fills them (Hopper's cuBLAS kernels are
 *   persistent, so no whole-wave quantization: the measured table fits without it);
 * - fixedS: a fixed time per GEMM kernel.
 * The constants are per card and precision (src/hardware/catalog.ts says where each comes from). The
 * serving cost model, which sums a stage's GEMMs without shapes, keeps efficiency.matmul / matmulFp8 (the
 * typical GEMM); an override of those scales the ceilings by the same ratio (src/hardware/resolve.ts).
 */
export interface GemmShape {
  /** Rows of each product's output (tokens; per local expert for grouped expert GEMMs). */
  m: number;
  /** Columns of each product's output. */
  n: number;
  /** Reduction dimension. */
  k: number;
  /** Independent products in the one kernel (batched / grouped GEMM); 1 for a plain GEMM. */
  groups: number;
  /** FP8 with per-block scales (DeepGEMM-style fine-grained scaling): the fp8Blockwise curve where the card has one. */
  blockScaled?: boolean;
}

export interface GemmModel {
  /** Streaming multiprocessors (or the card's matrix cores) that output tiles spread over. */
  computeUnits: number;
  /** Edge, in elements, of the output tile the occupancy counts. */
  occupancyTile: number;
  /** Fixed seconds per GEMM kernel (launch, prologue and epilogue not hidden by other kernels). */
  fixedS: number;
  /** Fixed seconds per FP8 GEMM kernel with per-block scales; absent: fixedS. */
  fixedSBlockwise?: number;
  /** Fraction of the dense peak the largest GEMMs reach, per precision (fp8 absent: bf16's; fp8Blockwise absent: fp8's). */
  ceiling: PerPrecision;
  /** The k at which the ramp k / (k + kHalf) is one half, per precision (absent as for ceiling). */
  kHalf: PerPrecision;
}

export interface PerPrecision {
  bf16: number;
  /** FP8 with per-tensor scales (Transformer Engine delayed / current scaling, cuBLAS). */
  fp8?: number;
  /** FP8 with per-block scales (fp8Scaling blockwise: DeepSeek-V3's fine-grained FP8, DeepGEMM). */
  fp8Blockwise?: number;
}

/** Fraction of the card's compute units a GEMM's output tiles keep busy (1 once it has a unit's worth each). */
export function gemmOccupancy(model: GemmModel, shape: GemmShape): number {
  const t = model.occupancyTile;
  const tiles = shape.groups * Math.ceil(shape.m / t) * Math.ceil(shape.n / t);
  const unitTiles = Math.max(1, tiles / model.computeUnits);
  return (shape.groups * shape.m * shape.n) / (unitTiles * model.computeUnits * t * t);
}

/** A per-precision figure for a precision and scaling. */
export function perPrecision(v: PerPrecision, precision: "bf16" | "fp8", blockScaled = false): number {
  const { bf16, fp8 = bf16, fp8Blockwise = fp8 } = v;
  return precision === "bf16" ? bf16 : blockScaled ? fp8Blockwise : fp8;
}

/** The shape's factor on the large-GEMM ceiling: occupancy × k / (k + kHalf). */
export function gemmShapeFactor(model: GemmModel, precision: "bf16" | "fp8", shape: GemmShape): number {
  const kHalf = perPrecision(model.kHalf, precision, shape.blockScaled === true);
  return gemmOccupancy(model, shape) * (shape.k / (shape.k + kHalf));
}

/** The fixed seconds of one GEMM kernel of this precision and scaling. */
export function gemmFixedS(model: GemmModel, precision: "bf16" | "fp8", shape: GemmShape): number {
  return precision === "fp8" && shape.blockScaled === true ? (model.fixedSBlockwise ?? model.fixedS) : model.fixedS;
}

/** Fraction of the dense peak a GEMM of this shape reaches: ceiling × occupancy × k-ramp. */
export function gemmShapeEfficiency(model: GemmModel, precision: "bf16" | "fp8", shape: GemmShape): number {
  return perPrecision(model.ceiling, precision, shape.blockScaled === true) * gemmShapeFactor(model, precision, shape);
}

/** The output/reduction dimensions of a (m×k)·(k×n) product's two backward GEMMs. */
export function backwardGemmShapes(s: GemmShape): { dgrad: GemmShape; wgrad: GemmShape } {
  return {
    // dX (m×k) = dY (m×n) · Wᵀ (n×k)
    dgrad: { ...s, m: s.m, n: s.k, k: s.n },
    // dW (k×n) = Xᵀ (k×m) · dY (m×n)
    wgrad: { ...s, m: s.k, n: s.n, k: s.m },
  };
}
