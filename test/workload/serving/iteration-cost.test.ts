import { describe, expect, it } from "vitest";
import { ACCELERATOR_CATALOG } from "../../../src/hardware/catalog.js";
import { resolveAccelerator } from "../../../src/hardware/resolve.js";
import type { Accelerator } from "../../../src/hardware/types.js";
import { type Model, ModelSpecSchema, resolveModel } from "../../../src/workload/model-spec.js";
import { kvBytesPerTokenPerLayer, kvCapacity } from "../../../src/workload/serving/deployment-memory.js";
import {
  type BatchWork,
  IterationCostModel,
  type IterationCostParams,
  type LinearCommS,
} from "../../../src/workload/serving/iteration-cost.js";
import type { ServingPrecision } from "../../../src/workload/serving/serving-spec.js";
import { loadModel } from "../helpers.js";

/**
 * The per-iteration roofline of a serving instance, checked against values
 * computed here from first principles: parameter counts from the model's
 * dimensions (written out below, as in topologies/models/llama3.1-8b.yaml) and
 * the H100 SXM5 figures of the catalog (asserted below so a catalog change
 * shows up here rather than as a silent drift).
 */

// Llama 3.1 8B (Llama 3 Herd of Models, Table 3; released config.json).
const LAYERS = 32;
const H = 4096;
const HEADS = 32;
const KV_HEADS = 8;
const HEAD_DIM = 128;
const FFN = 14336;
const VOCAB = 128256;

// H100-SXM5-80GB figures, read from the catalog (reference/hardware.csv; efficiencies are its ASSUMPTIONS).
const H100_SPEC = ACCELERATOR_CATALOG["H100-SXM5-80GB"].spec;
const PEAK_BF16 = H100_SPEC.peakBf16Tflops * 1e12;
const PEAK_FP8 = (H100_SPEC.peakFp8Tflops ?? Number.NaN) * 1e12;
const HBM_BYTES_PER_S = H100_SPEC.hbmTBps * 1e12;
const HBM_BYTES = H100_SPEC.hbmGB * 1e9;
const EFF_MATMUL = H100_SPEC.efficiency.matmul;
const EFF_MATMUL_FP8 = H100_SPEC.efficiency.matmulFp8 ?? EFF_MATMUL;
const EFF_MEMORY = H100_SPEC.efficiency.memory;

const OVERHEAD_S = 1e-3;

/**
 * Fused causal attention forward on H100 SXM5 in BF16, head dim 128: TFLOP/s at 512 … 16k keys as the
 * FlashAttention-3 paper measures it (Shah et al. 2024, arXiv 2407.08608, Fig. 5, cuDNN), over the BF16
 * peak, read piecewise linearly in log2(keys) and flat beyond the ends (the catalog's attention curve).
 */
const FA3_FORWARD: [number, number][] = [
  [512, 315],
  [1024, 410],
  [2048, 484],
  [4096, 518],
  [8192, 529],
  [16384, 539],
];
function attentionForwardEfficiency(keys: number): number {
  const first = FA3_FORWARD[0] as [number, number];
  const last = FA3_FORWARD[FA3_FORWARD.length - 1] as [number, number];
  if (keys <= first[0]) return (first[1] * 1e12) / PEAK_BF16;
  for (let i = 1; i < FA3_FORWARD.length; i++) {
    const [x1, y1] = FA3_FORWARD[i] as [number, number];
    if (keys <= x1) {
      const [x0, y0] = FA3_FORWARD[i - 1] as [number, number];
      const t = (Math.log2(keys) - Math.log2(x0)) / (Math.log2(x1) - Math.log2(x0));
      return ((y0 + t * (y1 - y0)) * 1e12) / PEAK_BF16;
    }
  }
  return (last[1] * 1e12) / PEAK_BF16;
}

/** Weight matrices of one layer (no biases): Q, K, V, O and the three SwiGLU matrices. */
const ATTN_PARAMS = H * HEADS * HEAD_DIM + 2 * H * KV_HEADS * HEAD_DIM + HEADS * HEAD_DIM * H;
const FFN_PARAMS = 3 * H * FFN;
const NORM_PARAMS = 2 * H;
/** Output layer (untied): vocabulary × hidden. */
const VH = VOCAB * H;

const llama8b: Model = loadModel("llama3.1-8b");
const h100: Accelerator = resolveAccelerator({ name: "H100-SXM5-80GB" });

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

function costModel(over: Partial<IterationCostParams> = {}): IterationCostModel {
  return new IterationCostModel({
    model: llama8b,
    accelerator: h100,
    tp: 1,
    pp: 1,
    weights: "bf16",
    activations: "bf16",
    kvCache: "bf16",
    moeImbalance: 1,
    tpAllReduce: { latencyS: 0, sPerByte: 0 },
    ppSend: { latencyS: 0, sPerByte: 0 },
    iterationOverheadS: OVERHEAD_S,
    ...over,
  });
}

const decodeWork = (D: number, L: number): BatchWork => ({
  tokens: D,
  decodeSeqs: D,
  decodeContextTokens: D * L,
  prefillAttentionPairs: 0,
  prefillContextTokens: 0,
  logitsTokens: D,
});

/** One prompt chunk of c tokens after o tokens already in the KV cache; `completes`: the prompt ends with it. */
const prefillWork = (c: number, o = 0, completes = true): BatchWork => ({
  tokens: c,
  decodeSeqs: 0,
  decodeContextTokens: 0,
  prefillAttentionPairs: c * (o + (c + 1) / 2),
  prefillPairKeyTokens: c * (o + (c + 1) / 2) * (o + c),
  prefillContextTokens: o + c,
  logitsTokens: completes ? 1 : 0,
});

interface Hand {
  tp?: number;
  weightBytes?: number;
  hbmBytesPerS?: number;
  allReduce?: LinearCommS;
}

/** Hand-computed roofline parts of one iteration of Llama 3.1 8B on H100 (bf16 GEMMs). */
function handParts(
  w: { T: number; decodeCtx: number; prefillPairs: number; prefillCtx: number; logits: number },
  o: Hand = {},
) {
  const tp = o.tp ?? 1;
  const wb = o.weightBytes ?? 2;
  const F = PEAK_BF16 * EFF_MATMUL;
  const BW = (o.hbmBytesPerS ?? HBM_BYTES_PER_S) * EFF_MEMORY;
  const paramsPerCard = LAYERS * ((ATTN_PARAMS + FFN_PARAMS) / tp + NORM_PARAMS);
  const linear = w.T > 0 ? Math.max((2 * w.T * paramsPerCard) / F, (paramsPerCard * wb) / BW) : 0;
  // Elementwise kernels, bf16 activations read + written, per token per layer: two fused residual-add +
  // RMSNorm (read 2h, write 2h each), rotary on the card's q and k heads (read + write), and SwiGLU
  // (read gate and up, write one: 3·f/tp). Memory-bound.
  const elementwiseBytes =
    (8 * H + 2 * (HEADS / tp + Math.ceil(KV_HEADS / tp)) * HEAD_DIM + (3 * FFN) / tp) * 2 * LAYERS * w.T;
  const elementwise = elementwiseBytes / BW;
  // Keys and values of the card's KV heads, bf16.
  const kvBytesPerTokenPerLayer = 2 * HEAD_DIM * Math.ceil(KV_HEADS / tp) * 2;
  // q·k and p·v over the card's query heads: 2 FLOPs per multiply-add, dims 128 + 128. Prefill runs the
  // fused attention kernel at its measured efficiency for the chunk's keys (one chunk: o + c of them).
  const flopsPerPairPerLayer = 2 * (HEADS / tp) * (HEAD_DIM + HEAD_DIM);
  const F_attn = w.prefillCtx > 0 ? PEAK_BF16 * attentionForwardEfficiency(w.prefillCtx) : F;
  const decodeAttn =
    LAYERS * Math.max((flopsPerPairPerLayer * w.decodeCtx) / F, (w.decodeCtx * kvBytesPerTokenPerLayer) / BW);
  const prefillAttn =
    LAYERS * Math.max((flopsPerPairPerLayer * w.prefillPairs) / F_attn, (w.prefillCtx * kvBytesPerTokenPerLayer) / BW);
  const vhCard = VH / tp;
  const logits = w.logits > 0 ? Math.max((2 * w.logits * vhCard) / F, (vhCard * wb) / BW) : 0;
  const ar = o.allReduce;
  const tpComm = tp > 1 && ar ? 2 * LAYERS * (ar.latencyS + ar.sPerByte * w.T * H * 2) : 0;
  const total = linear + elementwise + decodeAttn + prefillAttn + logits + tpComm + OVERHEAD_S;
  return { linear, elementwise, decodeAttn, prefillAttn, logits, tpComm, total };
}

const handDecode = (D: number, L: number, o: Hand = {}) =>
  handParts({ T: D, decodeCtx: D * L, prefillPairs: 0, prefillCtx: 0, logits: D }, o);
const handPrefill = (c: number, o = 0, o2: Hand = {}) =>
  handParts({ T: c, decodeCtx: 0, prefillPairs: c * (o + (c + 1) / 2), prefillCtx: o + c, logits: 1 }, o2);

describe("the figures the hand computations use", () => {
  it("are the H100 SXM5 datasheet figures and the 8B model file's dimensions", () => {
    // Datasheet (dense): 989.5 TFLOP/s bf16, 1979 fp8, 3.35 TB/s HBM3; the resolved card carries them.
    expect(PEAK_BF16).toBe(989.5e12);
    expect(PEAK_FP8).toBe(1979e12);
    expect(HBM_BYTES_PER_S).toBe(3.35e12);
    expect(h100.peakFlopsPerS.bf16).toBe(PEAK_BF16);
    expect(h100.hbmBytesPerS).toBe(HBM_BYTES_PER_S);
    expect(h100.hbmBytes).toBe(HBM_BYTES);
    expect(h100.efficiency).toMatchObject({ matmul: EFF_MATMUL, memory: EFF_MEMORY });
    expect(llama8b).toMatchObject({
      layers: LAYERS,
      hiddenSize: H,
      attentionHeads: HEADS,
      kvHeads: KV_HEADS,
      qkHeadDim: HEAD_DIM,
      vHeadDim: HEAD_DIM,
      ffnHiddenSize: FFN,
      gatedFfn: true,
      vocabSize: VOCAB,
      tiedEmbeddings: false,
    });
    // 8.03 B parameters: 32 layers of 218.1 M, two 525 M embedding matrices, the final norm.
    expect(LAYERS * (ATTN_PARAMS + FFN_PARAMS + NORM_PARAMS) + 2 * VH + H).toBe(8_030_261_248);
  });
});

describe("IterationCostModel: Llama 3.1 8B on one H100, TP1, bf16", () => {
  it.each([
    [1, 128],
    [1, 8192],
    [32, 1024],
    [256, 2048],
  ])("a decode iteration of %i sequences at context %i is its hand-computed roofline", (D, L) => {
    const b = costModel().breakdown(decodeWork(D, L));
    const e = handDecode(D, L);
    expect(rel(b.linear, e.linear)).toBeLessThan(1e-12);
    expect(rel(b.elementwise, e.elementwise)).toBeLessThan(1e-12);
    expect(rel(b.attentionDecode, e.decodeAttn)).toBeLessThan(1e-12);
    expect(rel(b.logits, e.logits)).toBeLessThan(1e-12);
    expect(b.attentionPrefill).toBe(0);
    expect(b.experts).toBe(0);
    expect(b.tpComm).toBe(0);
    expect(b.ppComm).toBe(0);
    expect(b.overhead).toBe(OVERHEAD_S);
    expect(rel(b.total, e.total)).toBeLessThan(1e-12);
    expect(costModel().iterationS(decodeWork(D, L))).toBe(b.total);
  });

  it("one sequence decodes at the weight-streaming bound: 16.06 GB / (3.35 TB/s x 0.85) plus KV, logits, overhead", () => {
    // Written out once as plain numbers: 6,979,584,000 layer params x 2 B = 13.96 GB; KV 128 x 131072 B;
    // logits 525,336,576 x 2 B = 1.05 GB; elementwise (8·4096 + 2·40·128 + 3·14336) x 2 B x 32 layers.
    const BW = 3.35e12 * EFF_MEMORY;
    const expected =
      (6_979_584_000 * 2 + 128 * 131072 + 525_336_576 * 2 + (32768 + 10240 + 43008) * 2 * 32) / BW + 1e-3;
    expect(rel(costModel().iterationS(decodeWork(1, 128)), expected)).toBeLessThan(1e-12);
  });

  it.each([
    [512, 0],
    [2048, 0],
    [8192, 0],
    [1024, 3072],
  ])("a prefill iteration of one %i-token chunk after %i cached tokens is its hand-computed roofline", (c, o) => {
    const b = costModel().breakdown(prefillWork(c, o));
    const e = handPrefill(c, o);
    expect(rel(b.linear, e.linear)).toBeLessThan(1e-12);
    expect(rel(b.elementwise, e.elementwise)).toBeLessThan(1e-12);
    expect(rel(b.attentionPrefill, e.prefillAttn)).toBeLessThan(1e-12);
    expect(rel(b.logits, e.logits)).toBeLessThan(1e-12);
    expect(b.attentionDecode).toBe(0);
    expect(rel(b.total, e.total)).toBeLessThan(1e-12);
    // Big chunks are compute-bound: the GEMM term is 2·c·P / (peak × efficiency).
    if (c >= 2048) {
      const P = LAYERS * (ATTN_PARAMS + FFN_PARAMS + NORM_PARAMS);
      expect(rel(b.linear, (2 * c * P) / (PEAK_BF16 * EFF_MATMUL))).toBeLessThan(1e-12);
    }
  });

  it("a prompt chunk that does not end the prompt samples no token: no logits", () => {
    const b = costModel().breakdown(prefillWork(1024, 0, false));
    expect(b.logits).toBe(0);
    expect(rel(b.total, handPrefill(1024).total - handPrefill(1024).logits)).toBeLessThan(1e-12);
    expect(b.logits).toBe(0);
  });

  it("a mixed batch (decodes + one prompt chunk) is one GEMM pass over all tokens plus both attentions", () => {
    const D = 64;
    const L = 1500;
    const c = 512;
    const w: BatchWork = {
      tokens: D + c,
      decodeSeqs: D,
      decodeContextTokens: D * L,
      prefillAttentionPairs: c * ((c + 1) / 2),
      prefillContextTokens: c,
      logitsTokens: D + 1,
    };
    const e = handParts({ T: D + c, decodeCtx: D * L, prefillPairs: c * ((c + 1) / 2), prefillCtx: c, logits: D + 1 });
    expect(rel(costModel().iterationS(w), e.total)).toBeLessThan(1e-12);
    // Cheaper than running the two separately (the weights are read once).
    expect(costModel().iterationS(w)).toBeLessThan(
      costModel().iterationS(decodeWork(D, L)) + costModel().iterationS(prefillWork(c)),
    );
  });

  it("two prompt chunks run attention at the efficiency of their pair-weighted key length", () => {
    // 512 keys (131,328 pairs) and 4,096 keys after 3,072 cached (1,024 new: 3,670,528 pairs).
    const a = prefillWork(512);
    const b = prefillWork(1024, 3072);
    const both: BatchWork = {
      tokens: a.tokens + b.tokens,
      decodeSeqs: 0,
      decodeContextTokens: 0,
      prefillAttentionPairs: a.prefillAttentionPairs + b.prefillAttentionPairs,
      prefillPairKeyTokens: (a.prefillPairKeyTokens ?? 0) + (b.prefillPairKeyTokens ?? 0),
      prefillContextTokens: a.prefillContextTokens + b.prefillContextTokens,
      logitsTokens: 2,
    };
    const keys = (131_328 * 512 + 3_670_528 * 4096) / (131_328 + 3_670_528);
    const flops = LAYERS * 2 * HEADS * (HEAD_DIM + HEAD_DIM) * (131_328 + 3_670_528);
    const computeS = flops / (PEAK_BF16 * attentionForwardEfficiency(keys));
    expect(rel(costModel().breakdown(both).attentionPrefill, computeS)).toBeLessThan(1e-12);
    // Longer keys run the kernel nearer its peak: per pair, the 4,096-key chunk is cheaper than the 512-key one.
    const perPair = (w: BatchWork) => costModel().breakdown(w).attentionPrefill / w.prefillAttentionPairs;
    expect(perPair(b)).toBeLessThan(perPair(a));
  });

  it("an empty batch costs only the overhead", () => {
    const b = costModel().breakdown(prefillWork(0, 0, false));
    expect(b.total).toBe(OVERHEAD_S);
    expect(b.linear + b.elementwise + b.attentionPrefill + b.logits).toBe(0);
  });
});

describe("IterationCostModel: tensor parallelism", () => {
  const allReduce: LinearCommS = { latencyS: 8e-6, sPerByte: 1 / 150e9 };

  it.each([
    ["decode", decodeWork(64, 2048), handDecode(64, 2048, { tp: 2, allReduce })],
    ["prefill", prefillWork(4096), handPrefill(4096, 0, { tp: 2, allReduce })],
  ] as const)("TP2 %s: half the per-card work plus 2 all-reduces of T·h·2 bytes per layer", (_k, w, e) => {
    const b = costModel({ tp: 2, tpAllReduce: allReduce }).breakdown(w);
    expect(rel(b.tpComm, 2 * 32 * (8e-6 + (w.tokens * 4096 * 2) / 150e9))).toBeLessThan(1e-12);
    expect(rel(b.tpComm, e.tpComm)).toBeLessThan(1e-12);
    expect(rel(b.linear, e.linear)).toBeLessThan(1e-12);
    expect(rel(b.elementwise, e.elementwise)).toBeLessThan(1e-12);
    expect(rel(b.attentionDecode + b.attentionPrefill, e.decodeAttn + e.prefillAttn)).toBeLessThan(1e-12);
    expect(rel(b.logits, e.logits)).toBeLessThan(1e-12);
    expect(rel(b.total, e.total)).toBeLessThan(1e-12);
    // Without the all-reduces TP2 would be a pure split of the work; the difference is exactly tpComm.
    const free = costModel({ tp: 2 }).breakdown(w);
    expect(free.tpComm).toBe(0);
    expect(rel(b.total - free.total, b.tpComm)).toBeLessThan(1e-9);
  });

  it("TP1 never pays an all-reduce, whatever the link", () => {
    expect(costModel({ tpAllReduce: allReduce }).breakdown(decodeWork(8, 100)).tpComm).toBe(0);
  });
});

describe("IterationCostModel: what-ifs", () => {
  const fastHbm: Accelerator = { ...h100, hbmBytesPerS: 2 * h100.hbmBytesPerS };

  it("doubling HBM bandwidth speeds a full-batch decode iteration by >= 1.6x and an 8192-token prefill by <= 1.1x", () => {
    const slow = costModel();
    const fast = costModel({ accelerator: fastHbm });
    const decode = decodeWork(256, 2048);
    const prefill = prefillWork(8192);
    const decodeSpeedup = slow.iterationS(decode) / fast.iterationS(decode);
    const prefillSpeedup = slow.iterationS(prefill) / fast.iterationS(prefill);
    // The hand roofline agrees on both.
    expect(
      rel(fast.iterationS(decode), handDecode(256, 2048, { hbmBytesPerS: 2 * HBM_BYTES_PER_S }).total),
    ).toBeLessThan(1e-12);
    expect(
      rel(fast.iterationS(prefill), handPrefill(8192, 0, { hbmBytesPerS: 2 * HBM_BYTES_PER_S }).total),
    ).toBeLessThan(1e-12);
    expect(decodeSpeedup).toBeGreaterThanOrEqual(1.6);
    expect(decodeSpeedup).toBeLessThan(2);
    expect(prefillSpeedup).toBeGreaterThanOrEqual(1);
    expect(prefillSpeedup).toBeLessThanOrEqual(1.1);
  });

  it("the same what-if through the topology override (hbmTBps 6.7) resolves to twice the bytes per second", () => {
    const acc = resolveAccelerator({ name: "H100-SXM5-80GB", overrides: { hbmTBps: 6.7 } });
    expect(rel(acc.hbmBytesPerS, 2 * h100.hbmBytesPerS)).toBeLessThan(1e-12);
    expect(acc.peakFlopsPerS).toEqual(h100.peakFlopsPerS);
  });

  it("fp8 weights halve the blocks' weight bytes: a memory-bound decode's GEMM term halves, the bf16 LM head does not", () => {
    const bf16 = costModel().breakdown(decodeWork(1, 512));
    const fp8 = costModel({ weights: "fp8" }).breakdown(decodeWork(1, 512));
    expect(rel(fp8.linear, bf16.linear / 2)).toBeLessThan(1e-12);
    // The LM head stays bf16 in quantised checkpoints (NVIDIA FP8 model cards): its read does not change.
    expect(fp8.logits).toBe(bf16.logits);
    expect(rel(fp8.linear, handDecode(1, 512, { weightBytes: 1 }).linear)).toBeLessThan(1e-12);
    // The KV cache is still bf16: its read does not change.
    expect(fp8.attentionDecode).toBe(bf16.attentionDecode);
  });

  it("fp8 GEMMs (W8A8) run a compute-bound prefill at the fp8 peak", () => {
    const c = 8192;
    const b = costModel({ weights: "fp8", activations: "fp8" }).breakdown(prefillWork(c));
    const P = LAYERS * (ATTN_PARAMS + FFN_PARAMS + NORM_PARAMS);
    expect(rel(b.linear, (2 * c * P) / (PEAK_FP8 * EFF_MATMUL_FP8))).toBeLessThan(1e-12);
    // Attention stays in bf16 (ASSUMPTION of the model): same as with bf16 GEMMs.
    expect(b.attentionPrefill).toBe(costModel().breakdown(prefillWork(c)).attentionPrefill);
  });

  it("fp8 weights halve the blocks' bytes per card in the KV budget (embeddings stay bf16)", () => {
    const cap = (weights: ServingPrecision) =>
      kvCapacity({
        model: llama8b,
        tp: 1,
        pp: 1,
        hbmBytes: HBM_BYTES,
        usableFraction: 0.9,
        weights,
        kv: "bf16",
        workspaceBytes: 1e9,
        blockTokens: 16,
      });
    // 8,030,261,248 parameters: the embedding, LM head (128,256 x 4,096 each, untied) and final norm
    // stay bf16; the transformer blocks' 6,979,584,000 are stored at the weight precision.
    const embeddings = 2 * 128_256 * 4_096 + 4_096;
    const blocks = 8_030_261_248 - embeddings;
    expect(blocks).toBe(6_979_584_000);
    expect(cap("bf16").weightsBytesPerCard).toBe(8_030_261_248 * 2);
    expect(cap("fp8").weightsBytesPerCard).toBe(blocks + 2 * embeddings);
    expect(cap("int8").weightsBytesPerCard).toBe(blocks + 2 * embeddings);
    // KV tokens = (80 GB × 0.9 − weights − workspace) / 131072 B, in whole blocks of 16.
    const tokens = (w: number) => Math.floor((HBM_BYTES * 0.9 - w - 1e9) / 131072 / 16) * 16;
    expect(cap("bf16").kvCapacityTokensPerInstance).toBe(tokens(8_030_261_248 * 2));
    expect(cap("fp8").kvCapacityTokensPerInstance).toBe(tokens(blocks + 2 * embeddings));
  });
});

describe("KV bytes per token", () => {
  const capacity = (model: Model, tp: number, kv: ServingPrecision) =>
    kvCapacity({
      model,
      tp,
      pp: 1,
      hbmBytes: HBM_BYTES,
      usableFraction: 0.9,
      weights: "fp8",
      kv,
      workspaceBytes: 0,
      blockTokens: 16,
    });

  it("Llama 3.1 8B bf16: 32 layers x 8 KV heads x 128 x 2 (K and V) x 2 bytes = 131072; fp8 and int8 half", () => {
    expect(32 * 8 * 128 * 2 * 2).toBe(131072);
    expect(kvBytesPerTokenPerLayer(llama8b, 1, "bf16") * LAYERS).toBe(131072);
    expect(capacity(llama8b, 1, "bf16").kvBytesPerTokenPerCard).toBe(131072);
    expect(capacity(llama8b, 1, "bf16").kvBytesPerTokenPerInstance).toBe(131072);
    expect(capacity(llama8b, 1, "fp8").kvBytesPerTokenPerCard).toBe(65536);
    expect(capacity(llama8b, 1, "int8").kvBytesPerTokenPerCard).toBe(65536);
  });

  it("tensor parallelism splits the KV heads over cards, replicating them beyond 8 cards", () => {
    for (const tp of [1, 2, 4, 8]) {
      expect(capacity(llama8b, tp, "bf16").kvBytesPerTokenPerCard).toBe(131072 / tp);
      expect(capacity(llama8b, tp, "bf16").kvBytesPerTokenPerInstance).toBe(131072);
    }
    // tp 16 > 8 KV heads: one (replicated) KV head per card.
    expect(capacity(llama8b, 16, "bf16").kvBytesPerTokenPerCard).toBe(32 * 1 * 128 * 2 * 2);
    expect(capacity(llama8b, 16, "bf16").kvBytesPerTokenPerInstance).toBe(2 * 131072);
  });

  it("an MLA model stores (kvLoraRank + qkRopeHeadDim) · bytes per layer on every card, whatever the TP", () => {
    const mla = resolveModel(
      ModelSpecSchema.parse({
        name: "tiny-mla",
        source: "test: an inline MLA model (DeepSeek-V2 latent sizes)",
        layers: 4,
        hiddenSize: 1024,
        attentionHeads: 16,
        ffnHiddenSize: 2816,
        gatedFfn: true,
        vocabSize: 32000,
        seqLength: 4096,
        mla: { qLoraRank: 0, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 },
      }),
    );
    for (const tp of [1, 2, 4, 8, 16]) {
      expect(kvBytesPerTokenPerLayer(mla, tp, "bf16")).toBe((512 + 64) * 2);
      expect(kvBytesPerTokenPerLayer(mla, tp, "fp8")).toBe(512 + 64);
      expect(capacity(mla, tp, "bf16").kvBytesPerTokenPerCard).toBe(4 * (512 + 64) * 2);
    }
    // Not the per-head K and V a GQA formula would give: 16 heads x (192 + 128) x 2 bytes per layer.
    expect(kvBytesPerTokenPerLayer(mla, 1, "bf16")).toBeLessThan(16 * (192 + 128) * 2);
  });

  it("an MLA model's decode attention runs at the card's MLA kernel (FlashMLA on Hopper: 660 TFLOP/s, 3,000 GB/s)", () => {
    // A DeepSeek-V2-sized latent (kvLoraRank 512, rope 64) with 128 heads on one card: absorbed decode does
    // 2 · 128 · (2 · 512 + 64) FLOPs per context token per layer against (512 + 64) · 2 KV bytes, 242
    // FLOP/byte, so at 660 TFLOP/s and 3,000 GB/s (ridge 220) it is compute-bound.
    const spec = {
      name: "tiny-mla-128",
      source: "test: an inline MLA model (DeepSeek-V2 latent sizes, 128 heads)",
      layers: 2,
      hiddenSize: 1024,
      attentionHeads: 128,
      ffnHiddenSize: 2816,
      gatedFfn: true,
      vocabSize: 32000,
      seqLength: 4096,
      mla: { qLoraRank: 0, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 },
    };
    const mla = resolveModel(ModelSpecSchema.parse(spec));
    const w = decodeWork(64, 4096);
    const flops = 2 * 128 * (2 * 512 + 64) * 64 * 4096;
    const bytes = (512 + 64) * 2 * 64 * 4096;
    expect(h100.efficiency.mlaDecode).toEqual({ compute: 660 / 989.5, memory: 3000 / 3350 });
    const b = costModel({ model: mla }).breakdown(w);
    expect(rel(b.attentionDecode, 2 * Math.max(flops / 660e12, bytes / 3000e9))).toBeLessThan(1e-12);
    expect(flops / 660e12).toBeGreaterThan(bytes / 3000e9);
    // Without the kernel figure (an override back to the generic fractions): bf16 peak × matmul, HBM × memory.
    const generic = resolveAccelerator({
      name: "H100-SXM5-80GB",
      overrides: { efficiency: { mlaDecode: { compute: EFF_MATMUL, memory: EFF_MEMORY } } },
    });
    const g = costModel({ model: mla, accelerator: generic }).breakdown(w);
    expect(
      rel(g.attentionDecode, 2 * Math.max(flops / (PEAK_BF16 * EFF_MATMUL), bytes / (HBM_BYTES_PER_S * EFF_MEMORY))),
    ).toBeLessThan(1e-12);
    // A model without MLA keeps the generic fractions on the same card.
    const gqa = costModel().breakdown(decodeWork(64, 4096));
    const gqaBytes = LAYERS * 64 * 4096 * 2 * KV_HEADS * HEAD_DIM * 2;
    const gqaFlops = LAYERS * 64 * 4096 * 2 * HEADS * 2 * HEAD_DIM;
    expect(
      rel(
        gqa.attentionDecode,
        Math.max(gqaFlops / (PEAK_BF16 * EFF_MATMUL), gqaBytes / (HBM_BYTES_PER_S * EFF_MEMORY)),
      ),
    ).toBeLessThan(1e-12);
  });
});
