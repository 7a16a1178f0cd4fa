/**
 * A resolved accelerator: catalog entry merged with the topology file's
 * overrides. SI units, unit in every name.
 */
import type { GemmModel } from "./gemm-shape.js";

export type Dtype = "fp32" | "tf32" | "bf16" | "fp8";

export interface Accelerator {
  name: string;
  /** Dense (no sparsity) peak FLOP/s per dtype; undefined where the card lacks it. */
  peakFlopsPerS: Partial<Record<Dtype, number>> & { bf16: number };
  hbmBytes: number;
  hbmBytesPerS: number;
  /**
   * Achievable fractions of peak: ASSUMPTIONS, documented per card in the
   * catalog and docs/model.md, overridable in the topology file.
   * matmul: large GEMMs (matmulFp8: FP8 GEMMs, where it differs); memory: streaming kernels vs HBM peak.
   */
  efficiency: {
    matmul: number;
    matmulFp8?: number;
    memory: number;
    /**
     * A training framework's memory-bound elementwise kernels (norms, casts, activations, copies) vs HBM
     * peak; absent: memory. Serving keeps memory (docs/model.md, "Hardware").
     */
    elementwise?: number;
    scaleUp?: number;
    /**
     * Fused attention kernels, fraction of the BF16 peak by key tokens: [keyTokens, fraction] ascending,
     * interpolated in log2(keyTokens) (src/hardware/roofline.ts attentionEfficiency). Absent: matmul.
     */
    attentionForward?: readonly (readonly [number, number])[];
    attentionBackward?: readonly (readonly [number, number])[];
    /** The head dim attentionForward / attentionBackward were measured at; absent: 128. */
    attentionHeadDim?: number;
    /**
     * Curves measured at other head dims, ascending by headDim (roofline.ts attentionEfficiency
     * interpolates between the two measured head dims around a model's, in log2(headDim)).
     */
    attentionByHeadDim?: readonly {
      headDim: number;
      forward?: readonly (readonly [number, number])[];
      backward?: readonly (readonly [number, number])[];
    }[];
    /**
     * The MLA decode attention kernel (absorbed up-projections): its fraction of the BF16 peak where
     * compute-bound and of HBM peak where memory-bound. Absent: matmul and memory.
     */
    mlaDecode?: { compute: number; memory: number };
    /**
     * GEMMs by shape (src/hardware/gemm-shape.ts): where present, training prices each GEMM whose shape it
     * knows from this model (its ceilings × occupancy × k-ramp, plus a fixed time per kernel); matmul /
     * matmulFp8 stay the typical GEMM's efficiency for the serving cost model, which has no shapes.
     */
    gemm?: GemmModel;
    /**
     * Idle seconds between two back-to-back kernels on one stream (the card's kernel-to-kernel gap), paid
     * once per kernel by the per-kernel models (src/hardware/roofline.ts opTimeS). Absent: 0.
     */
    kernelGapS?: number;
  };
  /** Scale-up (NVLink / HCCS / UB / ICI) bandwidth per card per direction, bytes/s, where the catalog knows it. */
  scaleUpBytesPerS?: number;
  /** Where each figure comes from (field -> citation). */
  sources: Record<string, string>;
}
