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

/** A head dimension (elements per attention head) at which a fused attention curve was measured. */
const attentionHeadDim = z
  .number()
  .int({ message: "expected a whole number of elements per attention head" })
  .min(8)
  .max(1024)
  .describe("elements per attention head (query/key head dim)");

const kHalf = (precision: string) =>
  z
    .number()
    .min(0)
    .max(1e6)
    .describe(`${precision} GEMMs: the reduction dimension (elements) at which the k-ramp k / (k + kHalf) is one half`);

/** GEMMs by shape (src/hardware/gemm-shape.ts, docs/model.md "Compute: GEMMs by shape"). */
export const GemmModelSpecSchema = z
  .strictObject({
    computeUnits: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .describe("Compute units (SMs, matrix cores) a GEMM's output tiles spread over"),
    occupancyTile: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .describe(
        "Edge, in elements, of the output tile the occupancy counts (fewer tiles than units leaves units idle)",
      ),
    fixedUs: z.number().min(0).max(1e4).describe("Fixed time per GEMM kernel in a training step, microseconds"),
    fixedUsBlockwise: z
      .number()
      .min(0)
      .max(1e4)
      .optional()
      .describe(
        "Fixed time per FP8 GEMM kernel with per-block scales (fp8Scaling blockwise, DeepGEMM-style), microseconds; absent: fixedUs",
      ),
    ceiling: z
      .strictObject({
        bf16: fraction("Fraction of the dense BF16 peak the largest BF16 GEMMs reach"),
        fp8: fraction("Fraction of the dense FP8 peak the largest FP8 GEMMs with per-tensor scales reach")
          .optional()
          .describe("absent: bf16's"),
        fp8Blockwise: fraction(
          "Fraction of the dense FP8 peak the largest FP8 GEMMs with per-block scales (fp8Scaling blockwise) reach",
        )
          .optional()
          .describe("absent: fp8's"),
      })
      .describe(
        "Per precision, the large-GEMM efficiency; an override of efficiency.matmul / matmulFp8 alone scales these by the same ratio",
      ),
    kHalf: z
      .strictObject({
        bf16: kHalf("BF16"),
        fp8: kHalf("FP8 (per-tensor scales)").optional().describe("absent: bf16's"),
        fp8Blockwise: kHalf("FP8 (per-block scales)").optional().describe("absent: fp8's"),
      })
      .describe("Per precision, the k at which the k-ramp is one half"),
  })
  .describe(
    "GEMMs by shape (training): each GEMM's time is fixedUs + its FLOPs at peak × ceiling × occupancy × k / (k + kHalf) (or its bytes, if slower); matmul / matmulFp8 stay the typical GEMM for the serving cost model",
  );

export type GemmModelSpec = z.infer<typeof GemmModelSpecSchema>;

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
    attentionHeadDim: attentionHeadDim
      .optional()
      .describe(
        "The head dimension attentionForward / attentionBackward were measured at (default 128); a model with another head dim reads attentionByHeadDim where it has curves",
      ),
    attentionByHeadDim: z
      .array(
        z.strictObject({
          headDim: attentionHeadDim,
          forward: attentionCurve("forward").optional(),
          backward: attentionCurve("backward").optional(),
        }),
      )
      .min(1)
      .refine((rows) => new Set(rows.map((r) => r.headDim)).size === rows.length, {
        error: (iss) => {
          const dims = (iss.input as { headDim: number }[]).map((r) => r.headDim);
          const twice = dims.find((d, i) => dims.indexOf(d) !== i);
          return `expected each head dim once, found ${twice} more than once`;
        },
      })
      .optional()
      .describe(
        "Fused attention curves measured at other head dims: a model's head dim between two measured ones is interpolated in log2(headDim), beyond them it takes the nearest",
      ),
    mlaDecode: z
      .strictObject({
        compute: fraction("Fraction of the BF16 peak the kernel reaches where compute-bound"),
        memory: fraction("Fraction of HBM peak bandwidth it reaches where memory-bound"),
      })
      .optional()
      .describe(
        "The decode attention kernel of multi-head latent attention (MLA, up-projections absorbed; FlashMLA on Hopper), where measured; absent: matmul and memory",
      ),
    gemm: GemmModelSpecSchema.optional(),
    kernelGapUs: inRange(0, 1000, "microseconds")
      .optional()
      .describe(
        "Idle time of the card between two back-to-back kernels on one stream, microseconds, paid once per kernel of the per-kernel models (training's ops, serving's per-op kernels); absent: 0",
      ),
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
  .extend({
    efficiency: EfficiencySpecSchema.partial()
      .extend({
        mlaDecode: EfficiencySpecSchema.shape.mlaDecode
          .unwrap()
          .partial()
          .optional()
          .describe("Either fraction alone; the other is the card's (or, without an MLA kernel, matmul / memory)"),
        gemm: GemmModelSpecSchema.partial()
          .extend({
            ceiling: GemmModelSpecSchema.shape.ceiling.partial().optional(),
            kHalf: GemmModelSpecSchema.shape.kHalf.partial().optional(),
          })
          .optional(),
      })
      .optional(),
  })
  .describe("Per-field overrides of the catalog entry (what-if studies)");

export type AcceleratorOverrides = z.infer<typeof AcceleratorOverridesSchema>;

/** A catalog entry: the spec plus the citation of each figure. */
export interface CatalogEntry {
  spec: AcceleratorSpec;
  /** Field name of `spec` (or "efficiency.matmul" / "efficiency.memory") -> source or ASSUMPTION text. */
  sources: Record<string, string>;
}
