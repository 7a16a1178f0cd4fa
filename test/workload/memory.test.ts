import { describe, expect, it } from "vitest";
import {
  fitsIn,
  inFlightChunks,
  layerActivationBytes,
  memoryPerCard,
  peakMemoryPerCard,
} from "../../src/workload/memory.js";
import { paramsPerCard } from "../../src/workload/params.js";
import type { ParallelPlanSpec } from "../../src/workload/plan-spec.js";
import { loadModel, plan } from "./helpers.js";

const gpt3 = loadModel("gpt3-175b");
const GB80 = 80e9;
// Megatron 2021 style: fp16/bf16, unfused attention, dropout.
const meg = (p: Partial<ParallelPlanSpec>) => plan({ dp: 1, globalBatchSize: 1, flashAttention: false, ...p });

describe("activations (Korthikanti et al. 2022, §4)", () => {
  const s = 2048;
  const h = 12288;
  const a = 96;
  const t = 8;
  const b = 1;
  const sbh = s * b * h;
  it("TP + SP, no recomputation: s·b·h·(34/t + 5·a·s/(h·t))", () => {
    expect(layerActivationBytes(gpt3, meg({ tp: t }), "dense").none).toBeCloseTo(
      sbh * (34 / t + (5 * a * s) / (h * t)),
      -2,
    );
  });
  it("TP without SP: s·b·h·(10 + 24/t + 5·a·s/(h·t))", () => {
    const act = layerActivationBytes(gpt3, meg({ tp: t, sequenceParallel: false }), "dense");
    expect(act.none).toBeCloseTo(sbh * (10 + 24 / t + (5 * a * s) / (h * t)), -2);
  });
  it("selective drops the 5as/h term; full keeps the input 2sbh/t", () => {
    const act = layerActivationBytes(gpt3, meg({ tp: t }), "dense");
    expect(act.selective).toBeCloseTo((sbh * 34) / t, -2);
    expect(act.full).toBeCloseTo((2 * sbh) / t, -2);
  });
  it("no parallelism: 34 + 5as/h", () => {
    expect(layerActivationBytes(gpt3, meg({}), "dense").none).toBeCloseTo(sbh * (34 + (5 * a * s) / h), -2);
  });
});

describe("in-flight micro-batches", () => {
  it("1F1B keeps pp − rank micro-batches (at most all of them)", () => {
    const p = plan({ pp: 8, dp: 1, globalBatchSize: 64 });
    expect(inFlightChunks(p, 0, 64)).toBe(8);
    expect(inFlightChunks(p, 7, 64)).toBe(1);
    expect(inFlightChunks(p, 0, 4)).toBe(4);
    expect(inFlightChunks(plan({ pp: 8, dp: 1, schedule: "gpipe", globalBatchSize: 64 }), 0, 64)).toBe(64);
  });
  it("1F1B with expert all-to-all overlap keeps 2·(pp − rank): 2·(pp − rank) − 1 warm-up forwards and the paired one", () => {
    const p = plan({ pp: 8, dp: 8, ep: 8, expertCommOverlap: true, globalBatchSize: 512 });
    expect(inFlightChunks(p, 0, 64)).toBe(16);
    expect(inFlightChunks(p, 7, 64)).toBe(2);
    expect(inFlightChunks(p, 0, 10)).toBe(10);
    // Without expert parallelism there is nothing to pair.
    expect(inFlightChunks(plan({ pp: 8, dp: 1, expertCommOverlap: true, globalBatchSize: 64 }), 0, 64)).toBe(8);
  });
  it("interleaved rank 0 holds pp·(1 + (pp − 1)/(pp·v)) micro-batches' worth of its layers", () => {
    for (const [pp, v] of [
      [4, 2],
      [8, 3],
      [16, 4],
    ] as const) {
      const p = plan({ pp, dp: 1, virtualStages: v, schedule: "interleaved-1f1b", globalBatchSize: 4 * pp });
      const chunks = inFlightChunks(p, 0, 4 * pp);
      expect(chunks / v).toBeCloseTo(pp * (1 + (pp - 1) / (pp * v)), 10);
    }
  });
});

describe("memoryPerCard", () => {
  it("weights, gradients and optimizer: 2 + 4 + 12 bytes per parameter, ZeRO-sharded over dp", () => {
    const p0 = meg({ tp: 8, pp: 8, dp: 16, globalBatchSize: 16 });
    const n = paramsPerCard(gpt3, p0, 2).dense;
    const m0 = memoryPerCard(gpt3, p0, 2);
    expect(m0.weightsBytes).toBeCloseTo(2 * n, 0);
    expect(m0.gradientsBytes).toBeCloseTo(4 * n, 0);
    expect(m0.optimizerBytes).toBeCloseTo(12 * n, 0);
    const z = (zeroStage: 0 | 1 | 2 | 3) =>
      memoryPerCard(gpt3, meg({ tp: 8, pp: 8, dp: 16, globalBatchSize: 16, zeroStage }), 2);
    expect(z(1).optimizerBytes).toBeCloseTo((12 * n) / 16, 0);
    expect(z(1).gradientsBytes).toBeCloseTo(4 * n, 0);
    expect(z(2).gradientsBytes).toBeCloseTo((4 * n) / 16, 0);
    expect(z(2).weightsBytes).toBeCloseTo(2 * n, 0);
    expect(z(3).weightsBytes).toBeCloseTo((2 * n) / 16, 0);
    // ZeRO paper's 2 + 2 + 12 with bf16 gradients.
    const bf = memoryPerCard(gpt3, meg({ tp: 8, pp: 8, dp: 16, globalBatchSize: 16, gradReducePrecision: "bf16" }), 2);
    expect(bf.gradientsBytes).toBeCloseTo(2 * n, 0);
  });

  it("a GPT-3 175B stage holds 12 layers of 12h²/8 parameters (hand count)", () => {
    const p = meg({ tp: 8, pp: 8, dp: 1, globalBatchSize: 8 });
    const h = 12288;
    expect(paramsPerCard(gpt3, p, 3).dense).toBeCloseTo(12 * ((12 * h * h) / 8 + 2 * h), 0);
  });

  it("GPT-3 175B on TP8 PP8 with full recomputation (Megatron 2021) fits in 80 GB", () => {
    const p = meg({ tp: 8, pp: 8, dp: 16, globalBatchSize: 1536, recompute: "full" });
    const { breakdown } = peakMemoryPerCard(gpt3, p);
    expect(fitsIn(breakdown, GB80)).toBe(true);
    // ~2.7B parameters per card × 18 bytes ≈ 49 GB of model state.
    expect(breakdown.weightsBytes + breakdown.gradientsBytes + breakdown.optimizerBytes).toBeGreaterThan(45e9);
    expect(breakdown.totalBytes).toBe(
      breakdown.weightsBytes +
        breakdown.gradientsBytes +
        breakdown.optimizerBytes +
        breakdown.activationsBytes +
        breakdown.buffersBytes,
    );
  });

  it.each([
    ["megatron-39.1b", 8, 2],
    ["megatron-145.6b", 8, 8],
    ["megatron-310.1b", 8, 16],
    ["megatron-529.6b", 8, 35],
    ["megatron-1t", 8, 64],
  ])("%s on its paper setup (TP%d PP%d, full recompute) fits in 80 GB", (name, tp, pp) => {
    const m = loadModel(name);
    const layers = m.layers;
    // 529.6B has 105 layers on 35 stages: 3 each.
    expect(layers % pp).toBe(0);
    const p = meg({ tp, pp, dp: 2, globalBatchSize: 2 * pp * 2, recompute: "full" });
    expect(fitsIn(peakMemoryPerCard(m, p).breakdown, GB80)).toBe(true);
  });

  it("GPT-3 175B without model parallelism does not fit", () => {
    const p = meg({ dp: 8, globalBatchSize: 8, recompute: "full" });
    expect(fitsIn(memoryPerCard(gpt3, p, 0), GB80)).toBe(false);
  });

  it("without recomputation, 1F1B's first stage holds pp micro-batches of activations, the last one", () => {
    const p = meg({ tp: 8, pp: 8, dp: 1, globalBatchSize: 64 });
    const perLayer = layerActivationBytes(gpt3, p, "dense").none;
    const first = memoryPerCard(gpt3, p, 0).activationsBytes;
    expect(first).toBeCloseTo(8 * 12 * perLayer, -3);
    const mid = memoryPerCard(gpt3, p, 4).activationsBytes;
    expect(mid).toBeCloseTo(4 * 12 * perLayer, -3);
  });
});

describe("FP8 keeps GEMM inputs as their 1-byte copies", () => {
  it("saves one byte per element of the QKV and FFN inputs, the attention output and the FFN activation output", () => {
    const m = loadModel("llama3-8b");
    const base = { tp: 1, pp: 1, dp: 8, microBatchSize: 1, globalBatchSize: 8 } as const;
    const bf16 = layerActivationBytes(m, plan(base), "dense");
    const fp8 = layerActivationBytes(m, plan({ ...base, precision: "fp8" }), "dense");
    const perToken = 2 * m.hiddenSize + m.attentionHeads * m.vHeadDim + m.ffnHiddenSize;
    expect(bf16.none - fp8.none).toBe(m.seqLength * perToken);
    // Full recomputation keeps only the BF16 layer input.
    expect(fp8.full).toBe(bf16.full);
  });
});
