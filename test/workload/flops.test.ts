import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  forwardFlopsPerToken,
  hardwareFlopsPerToken,
  layerForwardFlopsPerToken,
  megatronFlopsPerIteration,
  modelFlopsPerToken,
} from "../../src/workload/flops.js";
import { loadModel } from "./helpers.js";

const MEGATRON = [
  "megatron-1.7b",
  "megatron-3.6b",
  "megatron-7.5b",
  "megatron-18.4b",
  "megatron-39.1b",
  "megatron-76.1b",
  "megatron-145.6b",
  "megatron-310.1b",
  "megatron-529.6b",
  "megatron-1t",
];

/** Rows of the Megatron-LM 2021 table (test/fixtures/reference/, a copy of ../shared/reference/megatron-2021.csv). */
function megatronRows(): Record<string, number>[] {
  const url = new URL("../fixtures/reference/megatron-2021.csv", import.meta.url);
  const lines = readFileSync(url, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"));
  const header = (lines[0] ?? "").split(",");
  return lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i] ?? "", Number(v)])));
}

describe("Megatron-LM 2021 formula", () => {
  it("is 96·B·s·l·h²·(1 + s/6h + V/16lh), 72 without recomputation", () => {
    const m = loadModel("megatron-1t");
    const { seqLength: s, layers: l, hiddenSize: h, vocabSize: V } = m;
    const expected = 96 * 3072 * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    expect(megatronFlopsPerIteration(m, 3072, { recompute: true })).toBe(expected);
    expect(megatronFlopsPerIteration(m, 3072, { recompute: false }) / expected).toBeCloseTo(0.75, 12);
  });

  it.each(MEGATRON)("%s: the general count equals the 96-formula with full recomputation", (name) => {
    // With MHA, FFN 4h and no gating, 3 + 1 forward passes of the layers and 3 of the logits
    // are exactly the paper's terms (96·l·h² + 16·l·s·h + 6·h·V per token).
    const m = loadModel(name);
    const paper = megatronFlopsPerIteration(m, 1, { recompute: true }) / m.seqLength;
    expect(hardwareFlopsPerToken(m, "full") / paper).toBeCloseTo(1, 10);
  });

  it.each(MEGATRON)("%s: model FLOPs are within 2%% of the 72-formula", (name) => {
    // Not exact: the 72-variant scales the logits term by 3/4 too (6·h·V → 4.5·h·V) although
    // the output layer is never recomputed; the gap is largest for the smallest model (1.6%).
    const m = loadModel(name);
    const paper = megatronFlopsPerIteration(m, 1, { recompute: false }) / m.seqLength;
    const ratio = modelFlopsPerToken(m) / paper;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.02);
  });

  it("combined with the paper's TFLOP/s, rows give the iteration times the paper implies and its aggregate column", () => {
    // Iteration time = the paper's FLOPs per iteration / (GPUs · TFLOP/s per GPU), with its formula
    // 96·B·s·l·h²·(1 + s/6h + V/16lh) evaluated from the table's own columns and §5.1's
    // s = 2,048, V = 51,200 (independently of the model files). To 5 significant figures, for a reader
    // to check by hand (row 1: 96·512·2048·24·2304²·(1 + 0.14815 + 0.05787) = 1.5467e16 FLOPs
    // / (32 · 137e12 FLOP/s) = 3.5280 s):
    const paperIterationS = [3.528, 3.6974, 3.6963, 9.3993, 14.453, 16.058, 24.817, 37.614, 54.085, 102.63];
    const rows = megatronRows();
    expect(rows.length).toBe(10);
    rows.forEach((row, i) => {
      const m = loadModel(MEGATRON[i] ?? "");
      expect(m.hiddenSize).toBe(row.hidden_size);
      expect(m.layers).toBe(row.layers);
      expect(m.attentionHeads).toBe(row.attention_heads);
      const [B, l, h, gpus, tflops] = [row.global_batch, row.layers, row.hidden_size, row.gpus, row.tflops_per_gpu].map(
        (v) => v ?? Number.NaN,
      ) as [number, number, number, number, number];
      const [s, V] = [2048, 51_200];
      const paperFlops = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
      const flops = megatronFlopsPerIteration(m, B, { recompute: true });
      const iterationS = flops / (gpus * tflops * 1e12);
      expect(flops / paperFlops - 1, MEGATRON[i]).toBeCloseTo(0, 12);
      // Within the rounding of the 5 figures (at most 0.5 in the 5th: < 5e-5 relative).
      expect(Math.abs(iterationS / (paperIterationS[i] ?? Number.NaN) - 1), MEGATRON[i]).toBeLessThan(5e-5);
      // aggregate_pflops = gpus · tflops / 1000, within the rounding of the per-GPU column.
      const aggregate = ((row.gpus ?? 0) * (row.tflops_per_gpu ?? 0)) / 1000;
      expect(Math.abs(aggregate / (row.aggregate_pflops ?? 1) - 1)).toBeLessThan(0.01);
    });
  });

  it("reproduces the paper's training-time estimates (§5.1: 1T in ~84 days, GPT-3 in ~34 days)", () => {
    // 1T: 450B tokens, 3072 GPUs at 163 TFLOP/s. GPT-3: 300B tokens, 1024 GPUs at 140 TFLOP/s.
    const cases = [
      { m: loadModel("megatron-1t"), tokens: 450e9, gpus: 3072, tflops: 163, days: 84 },
      { m: loadModel("gpt3-175b"), tokens: 300e9, gpus: 1024, tflops: 140, days: 34 },
    ];
    for (const c of cases) {
      const perToken = megatronFlopsPerIteration(c.m, 1, { recompute: true }) / c.m.seqLength;
      const days = (c.tokens * perToken) / (c.gpus * c.tflops * 1e12) / 86400;
      // The paper uses the approximation 8·T·P (no attention, no logits): ours is a few % more.
      expect(days / c.days).toBeGreaterThan(0.98);
      expect(days / c.days).toBeLessThan(1.08);
    }
  });
});

describe("general FLOPs count", () => {
  it("is PaLM's 6N + 12·l·h·s for a dense MHA model (N = layer matrices + output layer)", () => {
    const m = loadModel("gpt3-175b");
    const h = m.hiddenSize;
    const nMatrices = m.layers * 12 * h * h + m.vocabSize * h;
    expect(modelFlopsPerToken(m)).toBe(6 * nMatrices + 12 * m.layers * h * m.seqLength);
  });

  it("counts GQA and the gated FFN from the model's own shapes", () => {
    const m = loadModel("llama3-8b");
    const f = layerForwardFlopsPerToken(m, "dense");
    const h = 4096;
    // Q and O: h×h each; K and V: h×(8·128) each; SwiGLU: 3·h·14336.
    expect(f.attentionProjections).toBe(2 * (2 * h * h + 2 * h * 1024));
    expect(f.ffn).toBe(2 * 3 * h * 14336);
    expect(f.attentionCore).toBe(4 * 8192 * 32 * 128);
  });

  it("counts the active experts of MoE layers, not all of them", () => {
    const m = loadModel("deepseek-v3");
    const moe = layerForwardFlopsPerToken(m, "moe");
    const dense = layerForwardFlopsPerToken(m, "dense");
    const h = 7168;
    expect(moe.ffn).toBe(2 * h * 256 + 8 * 2 * 3 * h * 2048 + 2 * 3 * h * 2048);
    expect(dense.ffn).toBe(2 * 3 * h * 18432);
    // ~37.5B active parameters ⇒ forward ≈ 2·N_active plus attention and router.
    expect(forwardFlopsPerToken(m) / 2 / 37.5e9).toBeGreaterThan(1);
    expect(forwardFlopsPerToken(m) / 2 / 37.5e9).toBeLessThan(1.25);
  });

  it("hardware FLOPs add the recomputed forward: full > selective > none", () => {
    const m = loadModel("llama3-70b");
    const none = hardwareFlopsPerToken(m, "none");
    const sel = hardwareFlopsPerToken(m, "selective");
    const full = hardwareFlopsPerToken(m, "full");
    expect(none).toBe(modelFlopsPerToken(m));
    const core = m.layers * layerForwardFlopsPerToken(m, "dense").attentionCore;
    expect(sel - none).toBeCloseTo(core, 0);
    expect(full / none).toBeGreaterThan(1.3);
    expect(full / none).toBeLessThan(4 / 3 + 1e-9);
  });
});
