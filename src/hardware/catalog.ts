import type { AcceleratorSpec, CatalogEntry } from "./accelerator-spec.js";

/**
 * The accelerator catalog. Every figure comes from ../shared/reference/hardware.csv
 * (columns named with their units); the `sources` of each entry repeat the
 * CSV's source column per figure. Efficiency factors are ASSUMPTIONS (see
 * EFFICIENCY_* below and docs/model.md, section "Hardware").
 */

const CSV = "reference/hardware.csv";

// ASSUMPTION (all efficiency factors): not datasheet figures. They say what
// fraction of peak a well-tuned large kernel reaches; the compute model uses
// them as-is (never fitted per scenario; the A100 matmul efficiency is the one calibration, on the
// Megatron-LM 2021 table, said below). Topology files may override them.
const EFFICIENCY_A100 = {
  // CALIBRATION, not a measurement: a one-parameter calibration on the Megatron-LM 2021 table
  // (reference/megatron-2021.csv). It started at 0.80 and was moved to 0.70 while looking at the
  // table. It lies BELOW the published large-GEMM range it is often compared with (isolated large
  // square BF16 cuBLAS GEMMs reach ~250-270 of 312 TFLOP/s, 0.80-0.87); at 0.80 the table is
  // missed (6 of its first 8 rows over +10%). Measured in test/scenario/megatron-calibration.test.ts:
  // the least-error value on the whole table is 0.655; chosen on 9 rows it predicts the held-out
  // row within 6% (2.0% on average); chosen on the 5 smallest models, the 5 largest within 3.2%.
  // The replacement is shape-aware GEMM efficiency (the training-fidelity issue).
  matmul: 0.7,
  memory: 0.85, // ASSUMPTION: streaming kernels typically reach ~85% of HBM2e peak.
  // Sourced: 8xA100 NVLink3/NVSwitch nccl-tests all-reduce busbw is 230-250 GB/s on 300 GB/s links
  // (reference/collectives.csv, vendor nccl-tests guide): 240 / 300 = 0.80 of the wire rate.
  scaleUp: 0.8,
  // No GEMM model (src/hardware/gemm-shape.ts): no measured A100 shape table was found. Tried 2026-12-07
  // with the H100 fit carried over (108 SMs, kHalf 57 scaled by SM throughput, ceiling 0.70): the table's
  // mean error fell to 3.6% but the calibration grew less stable (leave-one-out 2.0% → 2.8%, worst −7.8%;
  // chosen on the 5 smallest models, the 5 largest at 5.1% instead of 3.2%), so not shipped (docs/model.md).
};
/**
 * cuDNN fused attention (BF16, head dim 128) on H100 SXM5 in the FlashAttention-3 paper (Shah et al. 2024,
 * arXiv 2407.08608): TFLOP/s at each length, Fig. 5 (causal) forward and the head-dim-128 backward figure.
 */
const FA3_CUDNN_H100 = {
  tokens: [512, 1024, 2048, 4096, 8192, 16384],
  forwardTflops: [315, 410, 484, 518, 529, 539],
  backwardTflops: [305, 408, 465, 499, 518, 516],
  peakBf16Tflops: 989.5,
};
/**
 * The same figure set at head dim 64 (FlashAttention-3 paper Fig. 5 "causal, head dim 64" forward and the
 * head-dim-64 backward figure, cuDNN bars): 0.70-0.72 of the head-dim-128 forward, 0.83-0.87 of its backward.
 */
const FA3_CUDNN_H100_HEAD_DIM_64 = {
  forwardTflops: [225, 288, 334, 363, 379, 388],
  backwardTflops: [266, 348, 395, 417, 432, 433],
};
function attentionCurve(tflops: readonly number[]): [number, number][] {
  return FA3_CUDNN_H100.tokens.map((t, i) => [t, (tflops[i] as number) / FA3_CUDNN_H100.peakBf16Tflops]);
}

/**
 * GEMMs by shape on Hopper (H100/H800/H200 SXM: 132 SMs, NVIDIA H100 Tensor Core GPU Architecture
 * whitepaper, "H100 SXM5 ... 132 SMs"), src/hardware/gemm-shape.ts. Component measurements, fitted by
 * least squares on log time (the fit is reproduced by test/hardware/gemm-shape.test.ts):
 * - BF16 and fixedUs: OpenXLA's measured H100 GEMM table (xla/service/gpu/model/matmul_interpolator_data.h,
 *   "sm_90", bf16xbf16->bf16, 375 shapes b ∈ {1,2,4} × m, n, k ∈ {256 … 4096}; openxla/xla commit b2766086,
 *   "Update Latency-hiding scheduler cost model for GEMMS on H100", Aug 2025): ceiling 0.836, kHalf 148,
 *   fixed 5.6 µs per kernel, occupancy counted in 64×64 tiles; mean absolute error 4.5% over the 375 shapes
 *   (1.9% over the 75 taking over 30 µs). Whole-wave quantization fits worse (mean error 15% with
 *   128×128 tiles): cuBLAS's Hopper kernels are persistent.
 * - FP8 with per-tensor scales (Transformer Engine's delayed and current scaling: cuBLAS FP8 GEMMs): kHalf
 *   296, twice BF16's, derived (the fixed per-tile cost, worth kHalf main-loop steps, is the same time while
 *   FP8's main loop runs twice as fast); ceiling 0.723 from the best measured FP8 cuBLAS GEMM on H100 SXM,
 *   1,402.6 TFLOP/s at 1024×9216×14336 (stas00/ml-engineering compute/accelerator/README.md, "Maximum
 *   Achievable Matmul FLOPS"): 1,402.6 / 1,979 / (14336 / (14336 + 296)) = 0.723 (a timing loop of
 *   back-to-back kernels: no fixed time taken out). The same way, the BF16 curve gives 0.82 for a large
 *   GEMM against that table's best BF16 GEMM at 794.5 / 989.5 = 0.803.
 * - FP8 with per-block scales (fp8Scaling blockwise: DeepSeek's fine-grained FP8): DeepGEMM's H800 table
 *   (deepseek-ai/DeepGEMM README "Performance", commit 327ec92), all 28 rows (normal GEMMs at m = 64, 128
 *   and 4096, grouped GEMMs at m = 256..8192 per group; kernels timed alone with bench_kineto), a
 *   least-squares fit of the three constants together, the small-m rows bound by HBM at ε_memory: ceiling
 *   0.672, kHalf 328 (within 11% of the 296 above), fixedUsBlockwise 2.4; mean absolute error 9.1% (10.4%
 *   on the 16 rows with m ≥ 256, 7.2% on the 12 at m = 64/128). Until 2026-12-07 the curve was fitted to
 *   the m ≥ 256 rows alone without a fixed time (0.642, 357) and then priced with BF16's 5.6 us fixed
 *   time: 17.4% mean error on the 28 rows, 26% on the decode-sized ones. DeepGEMM "does not behave very
 *   well on some shapes", its README says.
 * ASSUMPTION: the microbenchmarks' clocks hold in a training step (no power throttling modelled), and the
 * fixed time is paid by every GEMM kernel of the step (not hidden by asynchronous launch).
 */
const GEMM_HOPPER = {
  computeUnits: 132,
  occupancyTile: 64,
  fixedUs: 5.6,
  fixedUsBlockwise: 2.4,
  ceiling: { bf16: 0.836, fp8: 0.723, fp8Blockwise: 0.672 },
  kHalf: { bf16: 148, fp8: 296, fp8Blockwise: 328 },
};

const EFFICIENCY_HOPPER = {
  // matmul and matmulFp8: the typical GEMM, for the serving cost model (which has no shapes); training prices
  // each GEMM by its shape (GEMM_HOPPER above).
  // ASSUMPTION: Hopper GEMMs are power/clock-limited at 700 W. For scale: the best BF16 cuBLAS GEMM measured
  // on H100 SXM reaches 794.5 of 989 TFLOP/s (0.803; stas00/ml-engineering, compute/accelerator/README.md,
  // "Maximum Achievable Matmul FLOPS"); a training step's GEMMs are smaller and oddly shaped, so 0.75.
  matmul: 0.75,
  // Sourced (component measurement, a published shape sweep): the mean of DeepGEMM's ten compute-bound
  // rows (M = 4096: six normal GEMMs and four grouped contiguous MoE GEMMs, the shapes of DeepSeek-V3
  // inference) on H800 SXM5, the same SM90 die and clocks as H100 SXM: 1,127 1,212 775 1,520 1,410
  // 1,168 1,346 1,214 1,346 1,214 TFLOP/s, mean 1,233 of 1,979 = 0.623 (deepseek-ai/DeepGEMM README,
  // "Performance", commit 327ec92, April 2025). Its M = 64/128 rows are bound by HBM (1.5-2.7 TB/s) and
  // the roofline prices those by bytes. It replaces 0.709, the single best FP8 cuBLAS shape on H100
  // (1,402.6 TFLOP/s, 1024x9216x14336; stas00/ml-engineering, "Maximum Achievable Matmul FLOPS"), a
  // ceiling rather than the typical GEMM (as BF16's 0.75 sits below its best shape's 0.803).
  matmulFp8: 0.623,
  memory: 0.85, // ASSUMPTION: streaming kernels typically reach ~85% of HBM3/HBM3e peak.
  // Sourced (component measurement): the memory-bound elementwise kernels of a production training framework
  // on H800 (same HBM3 at 3.35 TB/s as H100 SXM), from DeepSeek's published profile of one DualPipe chunk pair
  // (deepseek-ai/profile-data train.json, commit 4496024; EP 64, 4,096 tokens, hidden 7,168), the kernels whose
  // bytes follow from their launch grid (one block per token of the 4,096 over the hidden size): RMSNorm forward
  // (read + write 117 MB in 84.6 us: 0.41 of peak), tensor copy (117 MB in 98.4 us: 0.36) and per-token FP8 cast
  // (read 59 MB, write 30 MB and scales in 52.8 us: 0.50); mean 0.42. The profile's other memory-bound kernels
  // (transposes, casts of the backward, MoE permutation bookkeeping) are in the same range or below.
  elementwise: 0.42,
  // Sourced (component measurement): fused attention in BF16 on H100 SXM5, head dim 128, the cuDNN kernels
  // Transformer Engine uses on Hopper (its FusedAttention backend), as measured in the FlashAttention-3 paper
  // (Shah et al. 2024, arXiv 2407.08608, Fig. 5 "causal, head dim 128" forward and the head-dim-128 backward
  // figure): TFLOP/s at 512, 1k, 2k, 4k, 8k, 16k tokens, forward 315 410 484 518 529 539, backward 305 408 465
  // 499 518 516, over the 989.5 TFLOP/s BF16 peak. FLOPs are counted as the paper does (causal: half the square;
  // backward 2.5x the forward), as src/workload/layer-ops.ts does. Head dim 64 from the same figures (forward
  // 225 288 334 363 379 388, backward 266 348 395 417 432 433); a head dim between 64 and 128 is interpolated in
  // log2, one above 128 (MLA's 192, Nemotron-4's 192) takes the 128 curves and one below 64 the 64 curves
  // (ASSUMPTION: the paper's head-dim-256 bars are not read in).
  attentionForward: attentionCurve(FA3_CUDNN_H100.forwardTflops),
  attentionBackward: attentionCurve(FA3_CUDNN_H100.backwardTflops),
  attentionHeadDim: 128,
  attentionByHeadDim: [
    {
      headDim: 64,
      forward: attentionCurve(FA3_CUDNN_H100_HEAD_DIM_64.forwardTflops),
      backward: attentionCurve(FA3_CUDNN_H100_HEAD_DIM_64.backwardTflops),
    },
  ],
  // Sourced (component measurement): FlashMLA, DeepSeek's MLA decode kernel (the one its service and SGLang
  // run on Hopper), on H800 SXM5 in BF16: "up to 660 TFlops" compute-bound (deepseek-ai/FlashMLA README,
  // performance update 2025-04-22; 580 before it) over the 989.5 TFLOP/s peak, and "up to 3000 GB/s" where
  // memory-bound (README) over 3.35 TB/s. Compute-bound whenever heads per card x query tokens >= ~128
  // (FlashMLA's deep-dive: 2·h_q·s_q FLOPs per KV byte), i.e. DeepSeek-V3 decoding at TP 1. H200 carries
  // the H800's fractions (ASSUMPTION: same kernel; its HBM3e not measured).
  mlaDecode: { compute: 660 / 989.5, memory: 3000 / 3350 },
  gemm: GEMM_HOPPER,
  // Sourced (component measurement): the idle time between two back-to-back kernels on one stream of an
  // H800 (same SM90 die, driver and front end as H100/H200 SXM), from DeepSeek's published profile
  // (deepseek-ai/profile-data train.json, commit 4496024): on the compute stream (stream 7), the 855 pairs
  // of consecutive kernels whose second kernel was launched by the host before the first ended (queued:
  // the gap is the GPU's own, not the CPU's), gap = start − previous end: 841 of them at most 20 us, mean
  // 2.07 us (466 at 2 us, 194 at 1, 144 at 3; the trace's whole-microsecond stamps). Kernel timings
  // (bench_kineto, the XLA table) are device durations that leave it out. Paid once per kernel by the
  // per-kernel models. ASSUMPTION: a CUDA graph's replay (decode) has the same gap. Not set for A100,
  // Blackwell, Ascend or TPU (no measurement found: 0, not modelled).
  kernelGapUs: 2.07,
};
const EFFICIENCY_B200 = {
  matmul: 0.7, // ASSUMPTION: new generation, power-limited and less mature kernels: lower fraction than Hopper.
  memory: 0.85, // ASSUMPTION: as Hopper.
};
const EFFICIENCY_ASCEND = {
  // ASSUMPTION (no published 910B/910C GEMM measurement found). The one published Ascend microbenchmark
  // found, AIBench (Xiao & Wang, CCF Trans. HPC 2024, doi 10.1007/s42514-024-00187-x), measures the
  // first-generation Ascend 910's matrix unit at 216 TFLOP/s fp16 (0.84 of its 256): a kernel-level
  // ceiling, not training-step GEMMs. The shipped Pangu claim shows how its verdict moves at 0.60 and 0.80.
  matmul: 0.7,
  // ASSUMPTION: somewhat below NVIDIA's streaming efficiency (no published Ascend HBM measurement found);
  // the claim's what-ifs use 0.70 and 0.90.
  memory: 0.8,
};
const EFFICIENCY_TPU = {
  matmul: 0.8, // ASSUMPTION: XLA keeps the MXUs busy on large matmuls; ~80% of peak.
  memory: 0.85, // ASSUMPTION: as other HBM parts.
};

// The "80GB" of the A100 80GB, H100 and H800 datasheets is 80 GiB (five 16 GiB HBM stacks):
// 80 · 2^30 bytes = 85.9 GB. TensorRT-LLM's trtllm-bench sizes its KV cache from the device
// total CUDA reports, 79.65 GiB on an H100 (tensorrt_llm/bench/build/tuning.py).
const HBM_80_GIB_IN_GB = (80 * 2 ** 30) / 1e9;

const EFFICIENCY_NOTE = "ASSUMPTION (see src/hardware/catalog.ts and docs/model.md)";

function entry(spec: AcceleratorSpec, source: string, extra: Record<string, string> = {}): CatalogEntry {
  const sources: Record<string, string> = {};
  for (const key of Object.keys(spec)) {
    if (key !== "efficiency") sources[key] = `${CSV}: ${source}`;
  }
  sources["efficiency.matmul"] =
    spec.efficiency === EFFICIENCY_A100
      ? "CALIBRATION on the Megatron-LM 2021 table (one parameter; ASSUMPTION, not a measurement: src/hardware/catalog.ts)"
      : EFFICIENCY_NOTE;
  sources["efficiency.memory"] = EFFICIENCY_NOTE;
  if (spec.efficiency.gemm !== undefined) {
    sources["efficiency.gemm"] =
      "openxla/xla xla/service/gpu/model/matmul_interpolator_data.h (commit b2766086): H100 GEMM table (sm_90, 375 BF16 shapes); FP8 ceiling from stas00/ml-engineering compute/accelerator/README.md (best FP8 cuBLAS GEMM), blockwise FP8 from deepseek-ai/DeepGEMM README.md (src/hardware/catalog.ts)";
  }
  if (spec.efficiency.matmulFp8 !== undefined) {
    sources["efficiency.matmulFp8"] =
      "deepseek-ai/DeepGEMM README.md (commit 327ec92): mean of the ten M=4096 FP8 GEMM rows on H800, 1,233 of 1,979 TFLOP/s";
  }
  if (spec.efficiency.elementwise !== undefined) {
    sources["efficiency.elementwise"] =
      "deepseek-ai/profile-data train.json (commit 4496024): RMSNorm, copy and per-token FP8 cast kernels on H800 at 0.41, 0.36, 0.50 of HBM peak, mean 0.42";
  }
  if (spec.efficiency.attentionForward !== undefined) {
    const fa3 =
      "FlashAttention-3 paper (arXiv 2407.08608) Fig. 5/6: cuDNN BF16 attention on H100 SXM5, head dim 128, 512-16k tokens";
    sources["efficiency.attentionForward"] = fa3;
    sources["efficiency.attentionBackward"] = fa3;
    sources["efficiency.attentionHeadDim"] = fa3;
  }
  if (spec.efficiency.attentionByHeadDim !== undefined) {
    sources["efficiency.attentionByHeadDim"] =
      "FlashAttention-3 paper (arXiv 2407.08608) Fig. 5/6: cuDNN BF16 attention on H100 SXM5, head dim 64 (causal forward, backward), 512-16k tokens";
  }
  if (spec.efficiency.mlaDecode !== undefined) {
    sources["efficiency.mlaDecode"] =
      "deepseek-ai/FlashMLA README.md (performance update 2025-04-22): up to 660 TFLOP/s compute-bound and 3,000 GB/s memory-bound on H800 SXM5 (src/hardware/catalog.ts)";
  }
  if (spec.efficiency.kernelGapUs !== undefined) {
    sources["efficiency.kernelGapUs"] =
      "deepseek-ai/profile-data train.json (commit 4496024): mean 2.07 us between queued back-to-back kernels on the H800 compute stream, 841 pairs (src/hardware/catalog.ts)";
  }
  if (spec.efficiency === EFFICIENCY_A100) {
    sources["efficiency.scaleUp"] =
      "8xA100 nccl-tests all-reduce busbw 230-250 GB/s on 300 GB/s links, reference/collectives.csv";
  }
  if (spec.hbmGB === HBM_80_GIB_IN_GB) sources.hbmGB = `${CSV}: 80 GB = 80 GiB (datasheet capacity is binary)`;
  return { spec, sources: { ...sources, ...extra } };
}

export const ACCELERATOR_CATALOG = {
  "A100-SXM4-80GB": entry(
    {
      peakFp32Tflops: 19.5,
      peakTf32Tflops: 156,
      peakBf16Tflops: 312,
      hbmGB: HBM_80_GIB_IN_GB,
      hbmTBps: 2.039,
      scaleUpGBps: 300, // NVLink3: 600 GB/s total bidirectional = 300 per direction.
      efficiency: EFFICIENCY_A100,
    },
    "NVIDIA A100 datasheet (NVLink 600 GB/s total bidirectional)",
  ),
  "A100-SXM4-40GB": entry(
    {
      peakFp32Tflops: 19.5,
      peakTf32Tflops: 156,
      peakBf16Tflops: 312,
      hbmGB: 40,
      hbmTBps: 1.555,
      scaleUpGBps: 300,
      efficiency: EFFICIENCY_A100,
    },
    "NVIDIA A100 datasheet",
  ),
  "H100-SXM5-80GB": entry(
    {
      peakFp32Tflops: 67,
      peakTf32Tflops: 494.7,
      peakBf16Tflops: 989.5,
      peakFp8Tflops: 1979,
      hbmGB: HBM_80_GIB_IN_GB,
      hbmTBps: 3.35,
      scaleUpGBps: 450, // NVLink4: 900 GB/s total bidirectional = 450 per direction.
      efficiency: EFFICIENCY_HOPPER,
    },
    "NVIDIA H100 datasheet (dense figures; sparsity figures are 2x; NVLink 900 GB/s total bidirectional)",
  ),
  "H800-SXM5-80GB": entry(
    {
      peakFp32Tflops: 67,
      peakTf32Tflops: 494.7,
      peakBf16Tflops: 989.5,
      peakFp8Tflops: 1979,
      hbmGB: HBM_80_GIB_IN_GB,
      hbmTBps: 3.35,
      scaleUpGBps: 200, // NVLink cut to 400 GB/s bidirectional = 200 per direction.
      efficiency: EFFICIENCY_HOPPER,
    },
    "H800 = H100 compute with NVLink cut to 400 GB/s bidirectional (DeepSeek-V3 report measured ~160 GB/s NVLink)",
  ),
  "H200-SXM-141GB": entry(
    {
      peakFp32Tflops: 67,
      peakTf32Tflops: 494.7,
      peakBf16Tflops: 989.5,
      peakFp8Tflops: 1979,
      hbmGB: 141,
      hbmTBps: 4.8,
      scaleUpGBps: 450,
      efficiency: EFFICIENCY_HOPPER,
    },
    "NVIDIA H200 product page; MLPerf v4.1 system descriptions",
  ),
  "B200-HGX": entry(
    {
      peakTf32Tflops: 1125,
      peakBf16Tflops: 2250,
      peakFp8Tflops: 4500,
      hbmGB: 180,
      hbmTBps: 7.7,
      scaleUpGBps: 900, // NVLink5: 1.8 TB/s total bidirectional = 900 GB/s per direction.
      efficiency: EFFICIENCY_B200,
    },
    "NVIDIA HGX B200 datasheet (NVLink5 1.8 TB/s total bidirectional); GB200 NVL72 per-GPU figures differ (~2500 TF / 8 TB/s / 186 GB); conflicting sources",
  ),
  "GB200-NVL72": entry(
    {
      // ASSUMPTION: TF32 and FP8 in the B200's ratios to BF16 (1:2 and 2:1); the GB200's BF16 is sourced below.
      peakTf32Tflops: 1250,
      peakBf16Tflops: 2500,
      peakFp8Tflops: 5000,
      hbmGB: 186,
      hbmTBps: 8,
      scaleUpGBps: 900, // NVLink5, as B200-HGX: 900 GB/s per direction; the NVLink domain is 72 GPUs (the topology's).
      efficiency: EFFICIENCY_B200,
    },
    "the B200-HGX row's note: GB200 NVL72 per-GPU figures ~2500 TF (BF16 dense) / 8 TB/s / 186 GB; secondary, conflicting sources",
  ),
  "Ascend-910B": entry(
    {
      peakBf16Tflops: 376,
      hbmGB: 64,
      hbmTBps: 1.6,
      scaleUpGBps: 56, // HCCS: 392 GB/s aggregate per 8-card full mesh = 56 GB/s card-to-card.
      efficiency: EFFICIENCY_ASCEND,
    },
    "Huawei Atlas 800T A2 white paper (bins 313 and 376 TF FP16; HCCS 392 GB/s aggregate per 8-card full mesh = 56 GB/s card-to-card)",
    {
      scaleUpGBps:
        `${CSV}: HCCS 56 GB/s card-to-card (392 GB/s aggregate over the 7 peers of an 8-card full mesh); ` +
        "note: this is the per-peer figure, not a per-card total",
    },
  ),
  "Ascend-910C": entry(
    {
      peakBf16Tflops: 752,
      hbmGB: 128,
      hbmTBps: 3.2,
      scaleUpGBps: 392, // Unified Bus: 392 GB/s one way per NPU.
      efficiency: EFFICIENCY_ASCEND,
    },
    "Huawei Hot Chips 2025 keynote and CloudMatrix384 paper (2 dies x 376 TF; Huawei marketing says 800 TF; UB 392 GB/s one way)",
  ),
  "TPU-v4": entry(
    {
      peakBf16Tflops: 275,
      hbmGB: 32,
      hbmTBps: 1.2,
      efficiency: EFFICIENCY_TPU,
    },
    "Google Cloud TPU v4 documentation (3D torus ICI; 4096-chip pods)",
  ),
  "TPU-v5p": entry(
    {
      peakBf16Tflops: 459,
      peakFp8Tflops: 459,
      hbmGB: 95,
      hbmTBps: 2.765,
      scaleUpGBps: 600, // ICI 1200 GB/s bidirectional = 600 per direction.
      efficiency: EFFICIENCY_TPU,
    },
    "Google Cloud TPU v5p documentation (ICI 1200 GB/s bidirectional)",
  ),
} as const satisfies Record<string, CatalogEntry>;

export type CatalogName = keyof typeof ACCELERATOR_CATALOG;

export const CATALOG_NAMES = Object.keys(ACCELERATOR_CATALOG) as CatalogName[];

export function isCatalogName(name: string): name is CatalogName {
  return Object.hasOwn(ACCELERATOR_CATALOG, name);
}
