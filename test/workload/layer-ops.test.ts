import { describe, expect, it } from "vitest";
import { layerForwardFlopsPerToken } from "../../src/workload/flops.js";
import { FLASH_BACKWARD_FLOPS_FACTOR, layerWork, layerWorkByKind } from "../../src/workload/layer-ops.js";
import type { Op } from "../../src/workload/ops.js";
import { optimizerOps } from "../../src/workload/optimizer.js";
import { paramsPerCard } from "../../src/workload/params.js";
import type { ParallelPlanSpec } from "../../src/workload/plan-spec.js";
import { pipelineMessageBytes, stageExtras } from "../../src/workload/stage-ops.js";
import { loadModel, plan } from "./helpers.js";

const gpt3 = loadModel("gpt3-175b");
const llama = loadModel("llama3-70b");
const ds = loadModel("deepseek-v3");
const matmulFlops = (ops: Op[]) => ops.filter((o) => o.kind === "matmul").reduce((a, o) => a + o.flops, 0);
const unfused = (p: Partial<ParallelPlanSpec>) => plan({ dp: 1, globalBatchSize: 1, flashAttention: false, ...p });

describe("layer ops: FLOPs", () => {
  it("a dense layer's forward matmuls are the model count per token × tokens, divided by tp", () => {
    const f = layerForwardFlopsPerToken(gpt3, "dense");
    const perToken = f.attentionProjections + f.attentionCore + f.ffn;
    for (const tp of [1, 8]) {
      const w = layerWork(gpt3, unfused({ tp, microBatchSize: 2 }), 0);
      expect(matmulFlops(w.forward)).toBeCloseTo((perToken * 2 * 2048) / tp, -3);
    }
  });

  it("backward matmuls are 2× forward; full recompute repeats the forward", () => {
    const w = layerWork(gpt3, unfused({ tp: 8, recompute: "full" }), 5);
    expect(matmulFlops(w.backward)).toBeCloseTo(2 * matmulFlops(w.forward), -3);
    expect(w.recompute.length).toBe(w.forward.length);
    expect(matmulFlops(w.recompute)).toBe(matmulFlops(w.forward));
  });

  it("selective recompute re-runs the unfused attention core only; with flash attention nothing", () => {
    const sel = layerWork(gpt3, unfused({ tp: 8, recompute: "selective" }), 0);
    expect(sel.recompute.map((o) => o.name)).toEqual([
      "recompute:attn-scores",
      "recompute:softmax",
      "recompute:attn-dropout",
      "recompute:attn-context",
    ]);
    expect(layerWork(gpt3, plan({ tp: 8, dp: 1, globalBatchSize: 1, recompute: "selective" }), 0).recompute).toEqual(
      [],
    );
  });

  it("flash attention executes half the causal square forward and 2.5× that backward", () => {
    const p = plan({ tp: 8, dp: 1, globalBatchSize: 1 });
    const w = layerWork(llama, p, 0);
    const fa = w.forward.find((o) => o.name === "flash-attention");
    const bwd = w.backward.find((o) => o.name === "flash-attention.bwd");
    const full = (layerForwardFlopsPerToken(llama, "dense").attentionCore * 8192) / 8;
    expect(fa?.flops).toBeCloseTo(full / 2, -3);
    expect(bwd?.flops).toBeCloseTo((FLASH_BACKWARD_FLOPS_FACTOR * full) / 2, -3);
    // No s×s tensor in HBM: its bytes are linear in s.
    expect(fa?.bytes ?? Infinity).toBeLessThan(8192 * 8192 * 8);
  });

  it("MoE experts: per-card work independent of ep (balanced), weights split over ep", () => {
    const flopsOf = (ep: number) => {
      const w = layerWorkByKind(ds, plan({ dp: 64, ep, globalBatchSize: 64 }), "moe");
      return w.forward.filter((o) => o.name.startsWith("experts-"));
    };
    const one = flopsOf(1);
    const many = flopsOf(64);
    const T = 4096;
    expect(matmulFlops(one)).toBe(T * 8 * 2 * 3 * 7168 * 2048);
    expect(matmulFlops(many)).toBe(matmulFlops(one));
    const up1 = one.find((o) => o.name === "experts-up")?.bytes ?? 0;
    const up64 = many.find((o) => o.name === "experts-up")?.bytes ?? 0;
    expect(up1 - up64).toBeCloseTo((256 - 4) * 7168 * 2 * 2048 * 2, -3);
  });

  it("the first three DeepSeek-V3 layers are dense, the rest MoE (two cost kinds)", () => {
    const p = plan({ dp: 8, ep: 8, globalBatchSize: 8 });
    expect(layerWork(ds, p, 2).kind).toBe("dense");
    expect(layerWork(ds, p, 3).kind).toBe("moe");
    expect(layerWork(ds, p, 60)).toEqual(layerWork(ds, p, 3));
  });
});

describe("layer ops: communication", () => {
  it("TP with sequence parallelism: 2 all-gathers + 2 reduce-scatters of b·s·h each way", () => {
    const w = layerWork(gpt3, plan({ tp: 8, dp: 1, globalBatchSize: 1, microBatchSize: 2 }), 0);
    const bytes = 2 * 2048 * 12288 * 2;
    const tp = w.comms.filter((c) => c.group === "tp");
    for (const phase of ["forward", "backward"] as const) {
      const ops = tp
        .filter((c) => c.phase === phase)
        .map((c) => c.op)
        .sort();
      expect(ops).toEqual(["allgather", "allgather", "reducescatter", "reducescatter"]);
    }
    for (const c of tp) expect(c.sizeBytes).toBe(bytes);
  });

  it("TP without sequence parallelism: 2 all-reduces forward, 2 backward", () => {
    const w = layerWork(gpt3, plan({ tp: 8, dp: 1, globalBatchSize: 1, sequenceParallel: false }), 0);
    const tp = w.comms.filter((c) => c.group === "tp");
    expect(tp.map((c) => `${c.phase}:${c.op}`).sort()).toEqual([
      "backward:allreduce",
      "backward:allreduce",
      "forward:allreduce",
      "forward:allreduce",
    ]);
  });

  it("EP: dispatch and combine all-to-alls of tokens·topK·h, forward and backward", () => {
    const w = layerWorkByKind(ds, plan({ dp: 64, ep: 64, globalBatchSize: 64 }), "moe");
    const ep = w.comms.filter((c) => c.group === "ep");
    expect(ep.length).toBe(4);
    for (const c of ep) {
      expect(c.op).toBe("alltoall");
      expect(c.sizeBytes).toBe(4096 * 8 * 7168 * 2);
    }
  });

  it("every collective's anchors name ops of its phase, in order", () => {
    const cases = [
      layerWork(gpt3, unfused({ tp: 8, cp: 2, recompute: "full" }), 0),
      layerWork(gpt3, plan({ tp: 8, dp: 1, globalBatchSize: 1, sequenceParallel: false, zeroStage: 3 }), 0),
      layerWorkByKind(ds, plan({ tp: 2, dp: 8, ep: 8, cp: 2, globalBatchSize: 8 }), "moe"),
      layerWorkByKind(ds, plan({ tp: 2, dp: 8, globalBatchSize: 8 }), "dense"),
    ];
    for (const w of cases) {
      for (const c of w.comms) {
        const ops = c.phase === "forward" ? w.forward : c.phase === "backward" ? w.backward : w.recompute;
        const names = ops.map((o) => o.name);
        const after = c.afterOp === null ? -1 : names.indexOf(c.afterOp);
        const before = c.beforeOp === null ? names.length : names.indexOf(c.beforeOp);
        expect(after, `${c.label}: afterOp ${c.afterOp}`).toBeGreaterThanOrEqual(c.afterOp === null ? -1 : 0);
        expect(before, `${c.label}: beforeOp ${c.beforeOp}`).toBeGreaterThanOrEqual(0);
        expect(after, c.label).toBeLessThan(before);
      }
    }
  });
});

describe("stage extras and optimizer", () => {
  it("logits on the last stage: 2·T·h·V/tp forward, 2× backward", () => {
    const p = plan({ tp: 8, pp: 8, dp: 1, globalBatchSize: 8 });
    const last = stageExtras(gpt3, p, 7);
    expect(matmulFlops(last.forwardTail)).toBe((2 * 2048 * 12288 * 50257) / 8);
    expect(matmulFlops(last.backwardTail)).toBe((2 * 2 * 2048 * 12288 * 50257) / 8);
    const first = stageExtras(gpt3, p, 0);
    expect(first.forwardHead.map((o) => o.name)).toContain("embedding");
    expect(first.forwardTail).toEqual([]);
    expect(stageExtras(gpt3, p, 3).forwardHead).toEqual([]);
    expect(pipelineMessageBytes(gpt3, p)).toBe((2048 * 12288 * 2) / 8);
  });

  it("Adam moves 30 bytes per parameter it updates; the distributed optimizer divides them by dp", () => {
    const p0 = plan({ tp: 8, pp: 8, dp: 16, globalBatchSize: 16 });
    const p1 = plan({ tp: 8, pp: 8, dp: 16, globalBatchSize: 16, zeroStage: 1 });
    const adam = (ops: Op[]) => ops.find((o) => o.name === "adam")?.bytes ?? 0;
    const params = paramsPerCard(gpt3, p0, 3).dense;
    expect(adam(optimizerOps(gpt3, p0, 3))).toBeCloseTo(30 * params, -2);
    expect(adam(optimizerOps(gpt3, p1, 3))).toBeCloseTo((30 * params) / 16, -2);
  });
});

describe("FP8 training kernels (layer-ops.ts)", () => {
  const m = loadModel("llama3-8b");
  const base = { tp: 1, pp: 1, dp: 8, microBatchSize: 1, globalBatchSize: 8 } as const;
  it("quantizes each weight GEMM's input before it and its output gradient before the backward: 6 bytes/element with current scaling, 4 with delayed", () => {
    const cur = layerWorkByKind(m, plan({ ...base, precision: "fp8", fp8Scaling: "current" }), "dense");
    const T = m.seqLength;
    const h = m.hiddenSize;
    const names = cur.forward.map((o) => o.name);
    expect(names.indexOf("qkv.quantize")).toBe(names.indexOf("qkv") - 1);
    // FFN down-projection input: T x ffn elements (SwiGLU output), 6 bytes each.
    const downQ = cur.forward.find((o) => o.name === "mlp-down.quantize");
    expect(downQ?.bytes).toBe(6 * T * m.ffnHiddenSize);
    // Attention output projection: its output gradient is T x h.
    const back = cur.backward.map((o) => o.name);
    expect(back.indexOf("attn-out.quantize-grad")).toBe(back.indexOf("attn-out.dgrad") - 1);
    expect(cur.backward.find((o) => o.name === "attn-out.quantize-grad")?.bytes).toBe(6 * T * h);
    // No backward kernel of the forward quantize itself.
    expect(back.some((n) => n.startsWith("qkv.quantize.bwd"))).toBe(false);
    const del = layerWorkByKind(m, plan({ ...base, precision: "fp8" }), "dense");
    expect(del.forward.find((o) => o.name === "mlp-down.quantize")?.bytes).toBe(4 * T * m.ffnHiddenSize);
    const bf16 = layerWorkByKind(m, plan(base), "dense");
    expect(bf16.forward.some((o) => o.name.endsWith(".quantize"))).toBe(false);
  });
  it("the attention core and the logits stay BF16 under FP8, the attention tagged with its pass and key length", () => {
    const p = plan({ ...base, precision: "fp8" });
    const w = layerWorkByKind(m, p, "dense");
    const fa = w.forward.find((o) => o.name === "flash-attention");
    expect(fa).toMatchObject({ precision: "bf16", attention: { pass: "forward", keyTokens: m.seqLength } });
    expect(w.backward.find((o) => o.name === "flash-attention.bwd")).toMatchObject({
      precision: "bf16",
      attention: { pass: "backward", keyTokens: m.seqLength },
    });
    expect(w.forward.find((o) => o.name === "qkv")?.precision).toBeUndefined();
    const tail = stageExtras(m, p, 0);
    expect(tail.forwardTail.find((o) => o.name === "logits")?.precision).toBe("bf16");
  });

  it("the MoE router stays BF16 under FP8: no quantize, BF16 operands forward and backward", () => {
    const w = layerWorkByKind(ds, plan({ dp: 64, ep: 64, globalBatchSize: 64, precision: "fp8" }), "moe");
    const names = w.forward.map((o) => o.name);
    expect(names).not.toContain("router.quantize");
    expect(names).toContain("experts-up.quantize");
    const T = ds.seqLength;
    const E = ds.moe?.experts as number;
    const h = ds.hiddenSize;
    // Input T×h and output T×E in BF16, the weight h×E in BF16.
    expect(w.forward.find((o) => o.name === "router")).toMatchObject({
      precision: "bf16",
      flops: 2 * T * h * E,
      bytes: (T * h + T * E + h * E) * 2,
    });
    for (const name of ["router.dgrad", "router.wgrad"]) {
      expect(w.backward.find((o) => o.name === name)?.precision, name).toBe("bf16");
    }
    expect(w.backward.map((o) => o.name)).not.toContain("router.quantize-grad");
  });
});
