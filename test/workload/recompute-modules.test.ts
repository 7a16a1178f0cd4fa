import { describe, expect, it } from "vitest";
import { hardwareFlopsPerToken, modelFlopsPerToken } from "../../src/workload/flops.js";
import { layerWorkByKind } from "../../src/workload/layer-ops.js";
import { LOSS_PEAK_BYTES_PER_LOGIT, layerActivationBytes, memoryPerCard } from "../../src/workload/memory.js";
import { ACTIVATION_BYTES } from "../../src/workload/ops.js";
import { adamBytesPerParam, optimizerOps, optimizerStateBytesPerParam } from "../../src/workload/optimizer.js";
import { paramsPerCard } from "../../src/workload/params.js";
import { checkPlan } from "../../src/workload/plan-check.js";
import type { ParallelPlanSpec } from "../../src/workload/plan-spec.js";
import { runCli } from "../helpers/run-cli.js";
import { loadModel, plan } from "./helpers.js";

/**
 * Megatron-Core's --recompute-modules (selective recomputation of named submodules) and the
 * optimizer-state dtypes (--use-precision-aware-optimizer, Apex DistributedFusedAdam dtype):
 * the bytes each drops and the ops each re-runs, against hand-computed values.
 */
const llama = loadModel("llama3-70b"); // dense, GQA, gated FFN
const ds = loadModel("deepseek-v3"); // MLA, MoE with a shared expert, 3 dense layers
const A = ACTIVATION_BYTES;
const base: ParallelPlanSpec = { tp: 8, dp: 1, globalBatchSize: 1, microBatchSize: 1 };
const sel = (modules: ParallelPlanSpec["recomputeModules"], p: Partial<ParallelPlanSpec> = {}) =>
  plan({ ...base, recompute: "selective", recomputeModules: modules, ...p });

describe("recomputeModules: activation bytes each module drops", () => {
  const s = llama.seqLength;
  const h = llama.hiddenSize;
  const f = llama.ffnHiddenSize;
  const tp = 8;
  const keptDefault = layerActivationBytes(llama, sel(undefined), "dense").selective;

  it("the default list is core_attn: selective with no list equals selective with [core_attn]", () => {
    expect(layerActivationBytes(llama, sel(["core_attn"]), "dense").selective).toBe(keptDefault);
    // With flash attention core_attn has no s×s tensors to drop: selective keeps what none keeps.
    expect(keptDefault).toBeCloseTo(layerActivationBytes(llama, plan(base), "dense").none, 6);
  });
  it("mlp drops the dense FFN's internals: s·(2·2f + 2f)/tp bytes (gated: two up outputs, the activation output)", () => {
    const kept = layerActivationBytes(llama, sel(["mlp"]), "dense").selective;
    expect(keptDefault - kept).toBeCloseTo((s * (A * 2 * f + A * f)) / tp, 3);
  });
  it("layernorm drops the two norm outputs kept as GEMM inputs: s·2·2h/tp bytes (sequence-parallel)", () => {
    const kept = layerActivationBytes(llama, sel(["layernorm"]), "dense").selective;
    expect(keptDefault - kept).toBeCloseTo((s * A * 2 * h) / tp, 3);
  });
  it("drops add up: [layernorm, mlp] drops the sum of both", () => {
    const both = layerActivationBytes(llama, sel(["layernorm", "mlp"]), "dense").selective;
    const ln = layerActivationBytes(llama, sel(["layernorm"]), "dense").selective;
    const mlp = layerActivationBytes(llama, sel(["mlp"]), "dense").selective;
    expect(keptDefault - both).toBeCloseTo(keptDefault - ln + (keptDefault - mlp), 3);
  });
  it("moe_act drops the routed experts' activation outputs: s/tp·topK·fe·2 bytes per MoE layer", () => {
    const moe = ds.moe as NonNullable<typeof ds.moe>;
    const p = { tp: 1, dp: 8, ep: 8, globalBatchSize: 8 };
    const kept0 = layerActivationBytes(ds, sel(undefined, p), "moe").selective;
    const kept = layerActivationBytes(ds, sel(["moe_act"], p), "moe").selective;
    expect(kept0 - kept).toBeCloseTo(ds.seqLength * moe.topK * moe.expertFfnHiddenSize * A, 3);
    // Not in a dense layer.
    expect(layerActivationBytes(ds, sel(["moe_act"], p), "dense").selective).toBe(
      layerActivationBytes(ds, sel(undefined, p), "dense").selective,
    );
  });
  it("mla_up_proj drops Q, K and V: s·a·(2·dqk + dv)·2/tp bytes", () => {
    const p = { tp: 8, dp: 1, globalBatchSize: 1 };
    const kept0 = layerActivationBytes(ds, sel(undefined, p), "dense").selective;
    const kept = layerActivationBytes(ds, sel(["mla_up_proj"], p), "dense").selective;
    const q = ds.attentionHeads * ds.qkHeadDim;
    const kv = ds.attentionHeads * (ds.qkHeadDim + ds.vHeadDim);
    expect(kept0 - kept).toBeCloseTo((ds.seqLength * A * (q + kv)) / 8, 3);
  });
  it("none and full ignore the list", () => {
    const withList = plan({ ...base, recompute: "none", recomputeModules: ["mlp"] });
    expect(layerActivationBytes(llama, withList, "dense").none).toBe(
      layerActivationBytes(llama, plan(base), "dense").none,
    );
    expect(memoryPerCard(llama, withList, 0).activationsBytes).toBe(
      memoryPerCard(llama, plan(base), 0).activationsBytes,
    );
  });
});

describe("recomputeModules: the ops and collectives re-run before the backward", () => {
  const names = (p: ReturnType<typeof plan>, kind: "dense" | "moe" = "dense", m = llama) =>
    layerWorkByKind(m, p, kind).recompute.map((o) => o.name);

  it("mlp re-runs the FFN's GEMMs and activation, and its TP all-gather and reduce-scatter", () => {
    expect(names(sel(["mlp"]))).toEqual(["recompute:mlp-up", "recompute:mlp-activation", "recompute:mlp-down"]);
    const comms = layerWorkByKind(llama, sel(["mlp"]), "dense").comms.filter((c) => c.phase === "recompute");
    expect(comms.map((c) => [c.op, c.afterOp, c.beforeOp])).toEqual([
      ["allgather", null, "recompute:mlp-up"],
      ["reducescatter", "recompute:mlp-down", null],
    ]);
  });
  it("mlp under FP8 re-runs the quantize of its GEMM inputs too", () => {
    expect(names(sel(["mlp"], { precision: "fp8" }))).toEqual([
      "recompute:mlp-up.quantize",
      "recompute:mlp-up",
      "recompute:mlp-activation",
      "recompute:mlp-down.quantize",
      "recompute:mlp-down",
    ]);
  });
  it("layernorm re-runs the two norms, moe_act the experts' activation, mla_up_proj the up-projections and RoPE", () => {
    expect(names(sel(["layernorm"]))).toEqual(["recompute:input-norm", "recompute:mlp-norm"]);
    const p = { tp: 1, dp: 8, ep: 8, globalBatchSize: 8 };
    expect(names(sel(["moe_act"], p), "moe", ds)).toEqual(["recompute:experts-activation"]);
    expect(names(sel(["mla_up_proj"], p), "moe", ds)).toEqual([
      "recompute:q-up",
      "recompute:kv-up",
      "recompute:rotary",
    ]);
    // No collective of the layer is next to these ops.
    expect(
      layerWorkByKind(ds, sel(["mla_up_proj", "moe_act"], p), "moe").comms.some((c) => c.phase === "recompute"),
    ).toBe(false);
  });
  it("with flash attention the default core_attn re-runs nothing (as selective always did)", () => {
    expect(names(sel(undefined))).toEqual([]);
  });
  it("full recomputation still re-runs every op and every collective", () => {
    const full = layerWorkByKind(llama, plan({ ...base, recompute: "full" }), "dense");
    expect(full.recompute.length).toBe(full.forward.length);
    const fwd = full.comms.filter((c) => c.phase === "forward").length;
    expect(full.comms.filter((c) => c.phase === "recompute").length).toBe(fwd);
  });
  it("hardware FLOPs count the re-run matmuls: mlp adds the dense layers' FFN forward", () => {
    const g = 3; // gated: up, gate, down
    const extra = hardwareFlopsPerToken(llama, "selective", ["mlp"]) - modelFlopsPerToken(llama);
    expect(extra).toBeCloseTo(llama.layers * 2 * g * llama.hiddenSize * llama.ffnHiddenSize, 0);
    expect(hardwareFlopsPerToken(llama, "selective", ["layernorm"])).toBe(modelFlopsPerToken(llama));
  });
});

describe("recomputeModules: plan checks", () => {
  const errors = (m: typeof llama, p: ReturnType<typeof plan>) =>
    checkPlan(m, p, p.cards, 8).filter((i) => i.severity === "error");
  it("a module the model does not have is an error naming the list entry", () => {
    const e = errors(llama, sel(["layernorm", "mla_up_proj"]));
    expect(e.map((i) => i.path)).toEqual(["parallel.recomputeModules.1"]);
    expect(e[0]?.message).toMatch(/mla_up_proj: the model has no MLA/);
    expect(errors(llama, sel(["moe_act"]))[0]?.message).toMatch(/no MoE layers/);
    expect(
      errors(loadModel("gpt-oss-120b"), sel(["mlp"], { tp: 1, dp: 8, ep: 8, globalBatchSize: 8 }))[0]?.message,
    ).toMatch(/every layer of the model is an MoE layer/);
    expect(
      errors(ds, sel(["mla_up_proj", "mlp", "moe_act", "shared_experts"], { tp: 1, dp: 8, ep: 8, globalBatchSize: 8 })),
    ).toEqual([]);
  });
  it("a list without recompute: selective is a warning (ignored), not an error", () => {
    const issues = checkPlan(llama, plan({ ...base, recomputeModules: ["mlp"] }), 8, 8);
    const mine = issues.filter((i) => i.path === "parallel.recomputeModules");
    expect(mine.map((i) => i.severity)).toEqual(["warning"]);
  });
});

describe("optimizerPrecision: optimizer-state bytes and Adam traffic", () => {
  it("12 bytes per parameter by default; bf16 moments 8; bf16 master and moments 6", () => {
    expect(optimizerStateBytesPerParam({})).toBe(12);
    expect(optimizerStateBytesPerParam({ optimizerPrecision: { mainParams: "fp32", moments: "bf16" } })).toBe(8);
    expect(optimizerStateBytesPerParam({ optimizerPrecision: { mainParams: "bf16", moments: "bf16" } })).toBe(6);
    // Read gradient (4) + read and write the states + write the bf16 weight (2): 30 with fp32 states.
    expect(adamBytesPerParam({})).toBe(30);
    expect(adamBytesPerParam({ optimizerPrecision: { mainParams: "fp32", moments: "bf16" } })).toBe(22);
  });
  it("memory and the optimizer op follow the dtypes, sharded over the data-parallel group with ZeRO 1", () => {
    const p0 = plan({ tp: 8, dp: 4, globalBatchSize: 4, zeroStage: 1 });
    const p1 = plan({ tp: 8, dp: 4, globalBatchSize: 4, zeroStage: 1, optimizerPrecision: { moments: "bf16" } });
    const params = paramsPerCard(llama, p0, 0);
    const held = params.dense + params.expert;
    expect(memoryPerCard(llama, p0, 0).optimizerBytes).toBeCloseTo((held / 4) * 12, 0);
    expect(memoryPerCard(llama, p1, 0).optimizerBytes).toBeCloseTo((held / 4) * 8, 0);
    const adam = (p: typeof p0) => optimizerOps(llama, p, 0).find((o) => o.name === "adam")?.bytes ?? 0;
    expect(adam(p1) / adam(p0)).toBeCloseTo(22 / 30, 12);
  });
});

describe("the loss's peak memory on the last stage", () => {
  it("T·V/tp·(2 + 4) bytes: bf16 logits and their fp32 copy (Megatron-Core cross_entropy.py)", () => {
    expect(LOSS_PEAK_BYTES_PER_LOGIT).toBe(6);
    const p = plan({ tp: 8, pp: 2, dp: 1, globalBatchSize: 2, microBatchSize: 1 });
    const last = memoryPerCard(llama, p, 1).activationsBytes;
    const first = memoryPerCard(llama, p, 0).activationsBytes;
    // Stage 0 holds 2 micro-batches in flight, stage 1 one: compare one stage's layers per micro-batch.
    const perLayer = layerActivationBytes(llama, p, "dense").none;
    const layersPerStage = llama.layers / 2;
    expect(first).toBeCloseTo(2 * layersPerStage * perLayer, 0);
    expect(last - layersPerStage * perLayer).toBeCloseTo((llama.seqLength * llama.vocabSize * 6) / 8, 0);
  });
});

describe("ZeRO-3 / FSDP gathered-layer buffers", () => {
  it("two layers' whole bf16 weights and one layer's whole gradients, beyond ZeRO-1's buffers", () => {
    const z3 = plan({ tp: 1, dp: 8, globalBatchSize: 8, zeroStage: 3, gradReducePrecision: "bf16" });
    const z1 = plan({ tp: 1, dp: 8, globalBatchSize: 8, zeroStage: 1, gradReducePrecision: "bf16" });
    const h = llama.hiddenSize;
    const d = llama.qkHeadDim;
    // Q, K, V, O projections (GQA), gated FFN, two norms.
    const layer =
      h * llama.attentionHeads * d +
      2 * h * llama.kvHeads * d +
      llama.attentionHeads * d * h +
      3 * h * llama.ffnHiddenSize +
      2 * h;
    const extra = memoryPerCard(llama, z3, 0).buffersBytes - memoryPerCard(llama, z1, 0).buffersBytes;
    expect(extra).toBeCloseTo(layer * (2 * 2 + 2), -3);
  });
});

describe("bad input from the CLI (exit 1, the field, no stack trace)", () => {
  const SCENARIO = "topologies/scenarios/gpt3-175b-h100-1024.yaml";
  it("a recomputed module the model lacks", () => {
    const r = runCli([
      "run",
      SCENARIO,
      "--set",
      "parallel.recompute=selective",
      "--set",
      "parallel.recomputeModules=[layernorm,mla_up_proj]",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${SCENARIO}: parallel.recomputeModules.1: mla_up_proj: the model has no MLA attention (model.mla)`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it("an optimizer-state dtype that is not fp32 or bf16", () => {
    const r = runCli(["run", SCENARIO, "--set", "parallel.optimizerPrecision.moments=fp16"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('parallel.optimizerPrecision.moments: expected one of "fp32", "bf16", found "fp16"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
