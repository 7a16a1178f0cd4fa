import { z } from "zod";

/**
 * Input form of an accelerator (catalog entries and inline specs in topology
 * files). Units are in the field names: TFLOP/s = 1e12 FLOP/s, GB = 1e9 bytes,
 * TB/s = 1e12 bytes/s, GB/s = 1e9 bytes/s (bytes, not bits).
 */
/** Plausibility ranges (issue 13): wide enough for any card or what-if, narrow enough to catch typos. */
const inRange = (min: number, max: number, unit: string) =>
  z
    .number()
    .positive()
    .min(min, { message: `expected at least ${min} ${unit}` })
    .max(max, { message: `expected at most ${max.toLocaleString("en-US")} ${unit}` });
const tflops = (what: string) =>
  inRange(1e-3, 1e6, "TFLOP/s").describe(
    `${what}: dense (no sparsity) peak, TFLOP/s (10^12 floating-point operations per second)`,
  );

/** A fraction of a peak that times divide by: at least 1% (issue 13: 1e-320 would make every kernel take forever). */
const fraction = (what: string) =>
  z.number().min(0.01, { message: "expected a fraction of peak of at least 0.01 (1%)" }).max(1).describe(what);

/**
 * A fused attention kernel's fraction of the BF16 peak by the number of key tokens each query
 * attends over: points [keyTokens, fraction], ascending; piecewise linear in log2(keyTokens),
 * constant beyond the ends.
 */
const attentionCurve = (pass: "forward" | "backward") =>
  z
    .array(
      z
        .tuple([
          z.number().int().min(1).max(1e9).describe("key tokens (sequence length the queries attend over)"),
          fraction(`fraction of the BF16 peak the ${pass} attention kernel reaches at that length`),
        ])
        .describe("[keyTokens, fraction]"),
    )
    .min(1)
    .refine((pts) => pts.every((pt, i) => i === 0 || pt[0] > (pts[i - 1] as [number, number])[0]), {
      message: "expected points in ascending order of key tokens, each length once",
    })
    .describe(
      `Fused (flash) attention ${pass} efficiency: [keyTokens, fraction of the BF16 peak] points, ascending, interpolated in log2(keyTokens); absent: efficiency.matmul`,
    );

export const EfficiencySpecSchema = z
  .strictObject({
    matmul: fraction(
      "Fraction of dense peak FLOP/s that large matrix multiplications reach (an ASSUMPTION; see docs/model.md)",
    ),
    matmulFp8: fraction(
      "Fraction of the dense FP8 peak that large FP8 GEMMs reach, where it differs from matmul (an ASSUMPTION; see docs/model.md)",
    ).optional(),
    memory: fraction("Fraction of HBM peak bandwidth that streaming kernels reach (an ASSUMPTION; see docs/model.md)"),
    elementwise: fraction(
      "Fraction of HBM peak bandwidth that a training framework's memory-bound elementwise kernels reach (norms, residual adds, casts and quantization, activations, copies, permutations), where it differs from memory; serving keeps memory (see docs/model.md)",
    ).optional(),
    scaleUp: fraction(
      "Fraction of the scale-up link rate that collectives' data reaches (protocol efficiency); default: the network's",
    ).optional(),
    attentionForward: attentionCurve("forward").optional(),
    attentionBackward: attentionCurve("backward").optional(),
  })
  .describe("Achievable fractions of peak: assumptions, not datasheet figures");

export const AcceleratorSpecSchema = z
  .strictObject({
    peakFp32Tflops: tflops("FP32 (non-tensor)").optional(),
    peakTf32Tflops: tflops("TF32 tensor").optional(),
    peakBf16Tflops: tflops("BF16/FP16 tensor"),
    peakFp8Tflops: tflops("FP8 tensor").optional(),
    hbmGB: inRange(1e-3, 1e6, "GB").describe("HBM capacity, GB (10^9 bytes)"),
    hbmTBps: inRange(1e-3, 1e4, "TB/s").describe("HBM peak bandwidth, TB/s (10^12 bytes per second)"),
    scaleUpGBps: inRange(1e-3, 1e6, "GB/s")
      .optional()
      .describe("Scale-up (NVLink/HCCS/UB/ICI) bandwidth per card per direction, GB/s (10^9 bytes per second)"),
    efficiency: EfficiencySpecSchema,
  })
  .describe("A full accelerator specification");

export type AcceleratorSpec = z.infer<typeof AcceleratorSpecSchema>;

/** What-if overrides: any field of the spec, efficiency fields individually. */
export const AcceleratorOverridesSchema = AcceleratorSpecSchema.partial()
  .extend({ efficiency: EfficiencySpecSchema.partial().optional() })
  .describe("Per-field overrides of the catalog entry (what-if studies)");

export type AcceleratorOverrides = z.infer<typeof AcceleratorOverridesSchema>;

/** A catalog entry: the spec plus the citation of each figure. */
export interface CatalogEntry {
  spec: AcceleratorSpec;
  /** Field name of `spec` (or "efficiency.matmul" / "efficiency.memory") -> source or ASSUMPTION text. */
  sources: Record<string, string>;
}
