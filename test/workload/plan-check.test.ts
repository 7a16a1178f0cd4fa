import { describe, expect, it } from "vitest";
import { kvHeadsPerRank, kvReplicaParams, paramsPerCard } from "../../src/workload/params.js";
import { checkPlan, formatPlanIssue } from "../../src/workload/plan-check.js";
import {
  ParallelPlanSchema,
  rankCoordinates,
  rankOf,
  resolvePlan,
  stageLayerIndices,
} from "../../src/workload/plan-spec.js";
import { A100, loadModel, plan } from "./helpers.js";

const gpt3 = loadModel("gpt3-175b");
const llama8 = loadModel("llama3-8b");
const ds = loadModel("deepseek-v3");

function errors(...args: Parameters<typeof checkPlan>): string[] {
  return checkPlan(...args)
    .filter((i) => i.severity === "error")
    .map(formatPlanIssue);
}

describe("parallel plan schema", () => {
  it("fills defaults and derives micro-batches", () => {
    const p = resolvePlan(plan({ tp: 8, pp: 8, dp: 48, globalBatchSize: 1536 }));
    expect(p.cp).toBe(1);
    expect(p.ep).toBe(1);
    expect(p.sequenceParallel).toBe(true);
    expect(p.gradientBucketBytes).toBeUndefined(); // Megatron-Core default rule applies (optimizer.ts bucketBytes)
    expect(p.microBatchesPerStep).toBe(32);
    expect(p.cards).toBe(3072);
    expect(resolvePlan(plan({ dp: 4, globalBatchSize: 8 })).sequenceParallel).toBe(false);
  });
  it("rejects unknown keys and bad enums", () => {
    expect(ParallelPlanSchema.safeParse({ dp: 1, globalBatchSize: 1, tensorParallel: 2 }).success).toBe(false);
    expect(ParallelPlanSchema.safeParse({ dp: 1, globalBatchSize: 1, zeroStage: 4 }).success).toBe(false);
  });
});

describe("checkPlan", () => {
  it("accepts the Megatron GPT-3 setup", () => {
    expect(
      checkPlan(gpt3, plan({ tp: 8, pp: 8, dp: 48, globalBatchSize: 1536 }), 3072, 8, { accelerator: A100 }),
    ).toEqual([]);
  });
  it("TP must divide the heads", () => {
    expect(errors(llama8, plan({ tp: 12, dp: 1, globalBatchSize: 4 }), 12, 16)).toContain(
      "parallel.tp: 12 does not divide attentionHeads 32",
    );
    // TP 16 over 8 KV heads: each KV group replicated on 2 ranks (Megatron), accepted.
    expect(errors(llama8, plan({ tp: 16, dp: 1, globalBatchSize: 4 }), 16, 16)).toEqual([]);
    // 24 heads and 8 KV groups at TP 12: 12 neither divides 8 nor is a multiple of it.
    expect(errors({ ...llama8, attentionHeads: 24 }, plan({ tp: 12, dp: 1, globalBatchSize: 4 }), 12, 16)).toContain(
      "parallel.tp: 12 neither divides kvHeads 8 nor is a multiple of it (Megatron needs whole KV groups per TP rank, or each group replicated over tp / kvHeads ranks)",
    );
  });

  it("TP beyond the KV heads: one KV head per rank, the K/V projections replicated", () => {
    expect(kvHeadsPerRank(llama8, 4)).toBe(2);
    expect(kvHeadsPerRank(llama8, 16)).toBe(1);
    expect(kvReplicaParams(llama8, 8)).toBe(0);
    // Half of one head's K and V projections on top of the even 1/16 share: h·(dqk + dv)·(1 − 8/16).
    expect(kvReplicaParams(llama8, 16)).toBe(llama8.hiddenSize * (llama8.qkHeadDim + llama8.vHeadDim) * 0.5);
    const card16 = paramsPerCard(llama8, plan({ tp: 16, dp: 1, globalBatchSize: 4 }), 0).dense;
    const card8 = paramsPerCard(llama8, plan({ tp: 8, dp: 1, globalBatchSize: 4 }), 0).dense;
    // More than half of TP 8's share: the K/V heads do not shrink past one per rank.
    expect(card16).toBeGreaterThan(card8 / 2);
  });
  it("the product must equal the cards", () => {
    expect(errors(gpt3, plan({ tp: 8, pp: 8, dp: 96, globalBatchSize: 1536 }), 3072, 8)).toContain(
      "parallel.dp: tp·pp·dp·cp = 8·8·96·1 = 6144 but the cluster has 3072 cards",
    );
  });
  it("the global batch must divide into micro-batches", () => {
    expect(errors(gpt3, plan({ tp: 8, pp: 1, dp: 100, globalBatchSize: 1536 }), 800, 8)).toContain(
      "parallel.globalBatchSize: 1536 is not divisible by microBatchSize·dp = 1·100",
    );
  });
  it("PP must divide the layers unless stageLayers splits them", () => {
    expect(errors(gpt3, plan({ tp: 8, pp: 7, dp: 1, globalBatchSize: 7 }), 56, 8)).toContain(
      "parallel.pp: 7 does not divide layers 96 (give stageLayers to split unevenly)",
    );
    const uneven = plan({ tp: 8, pp: 7, dp: 1, globalBatchSize: 7, stageLayers: [12, 14, 14, 14, 14, 14, 14] });
    expect(errors(gpt3, uneven, 56, 8)).toEqual([]);
    expect(stageLayerIndices(96, uneven)[1]?.[0]?.[0]).toBe(12);
    const bad = plan({ tp: 8, pp: 2, dp: 1, globalBatchSize: 2, stageLayers: [40, 50] });
    expect(errors(gpt3, bad, 16, 8)).toEqual(["parallel.stageLayers: sums to 90 but the model has 96 layers"]);
  });
  it("TP beyond the scale-up domain is a warning, not an error", () => {
    const issues = checkPlan(gpt3, plan({ tp: 16, dp: 1, globalBatchSize: 4 }), 16, 8);
    expect(issues).toEqual([
      {
        path: "parallel.tp",
        message: "16 exceeds the scale-up domain of 8 cards: TP collectives cross the scale-out network",
        severity: "warning",
      },
    ]);
  });
  it("checks expert parallelism", () => {
    expect(errors(ds, plan({ dp: 64, ep: 48, globalBatchSize: 64 }), 64, 8)).toEqual([
      "parallel.ep: 48 must divide experts 256",
      "parallel.ep: 48 must divide tp·cp·dp = 1·1·64 = 64 (an EP group is ep consecutive ranks of a pipeline stage, Megatron-Core's expert layout with expert tensor parallelism 1)",
    ]);
    expect(errors(ds, plan({ dp: 64, ep: 64, globalBatchSize: 64 }), 64, 8)).toEqual([]);
    // Folded over TP ranks: ep > dp (Qwen3 235B-A22B's TP 2, DP 16, EP 32) and ep inside a TP group.
    expect(errors(ds, plan({ tp: 2, dp: 16, ep: 32, globalBatchSize: 16 }), 32, 8)).toEqual([]);
    expect(errors(ds, plan({ tp: 8, dp: 2, ep: 4, globalBatchSize: 2 }), 16, 8)).toEqual([]);
    expect(errors(ds, plan({ tp: 2, dp: 4, ep: 16, globalBatchSize: 4 }), 8, 8)).toContain(
      "parallel.ep: 16 must divide tp·cp·dp = 2·1·4 = 8 (an EP group is ep consecutive ranks of a pipeline stage, Megatron-Core's expert layout with expert tensor parallelism 1)",
    );
    expect(errors(ds, plan({ cp: 3, dp: 8, ep: 8, globalBatchSize: 8 }), 24, 8)).toContain(
      "parallel.ep: expected ep to be a multiple or a divisor of tp·cp = 3 (an EP group takes whole replicas or an aligned block of one), found 8",
    );
    expect(errors(gpt3, plan({ tp: 8, dp: 2, ep: 2, globalBatchSize: 2 }), 16, 8)).toContain(
      "parallel.ep: ep 2 but the model has no MoE layers",
    );
  });
  it("checks the interleaved schedule", () => {
    const p = plan({ tp: 8, pp: 8, dp: 4, virtualStages: 4, schedule: "interleaved-1f1b", globalBatchSize: 4 * 12 });
    expect(errors(gpt3, p, 256, 8)).toEqual([
      "parallel.globalBatchSize: interleaved-1f1b needs micro-batches per step (48/(1·4) = 12) divisible by pp 8",
    ]);
    expect(
      errors(
        gpt3,
        plan({ tp: 8, pp: 8, dp: 4, virtualStages: 5, schedule: "interleaved-1f1b", globalBatchSize: 32 }),
        256,
        8,
      ),
    ).toContain("parallel.virtualStages: 5 does not divide the 12 layers per pipeline stage (layers 96 / pp 8)");
    expect(errors(gpt3, plan({ pp: 8, dp: 1, virtualStages: 2, globalBatchSize: 8 }), 8, 8)).toContain(
      "parallel.schedule: virtualStages 2 needs schedule interleaved-1f1b, found 1f1b",
    );
  });
  it("checks context parallelism, sequence parallelism and precision", () => {
    expect(errors(llama8, plan({ cp: 3, dp: 1, globalBatchSize: 1 }), 3, 8)).toContain(
      "parallel.cp: seqLength 8192 is not divisible by 2·cp = 6 (load-balanced causal split)",
    );
    expect(errors(ds, plan({ tp: 2, dp: 4, sequenceParallel: false, globalBatchSize: 4 }), 8, 8).join()).toMatch(
      /MoE with tp 2 needs sequenceParallel/,
    );
    expect(errors(llama8, plan({ dp: 8, precision: "fp8", globalBatchSize: 8 }), 8, 8, { accelerator: A100 })).toEqual([
      "parallel.precision: fp8 but A100-SXM4-80GB has no fp8 peak in the catalog",
    ]);
  });
});

describe("rank placement (tp-inner)", () => {
  it("puts TP ranks adjacent, then CP, then DP, PP outermost, and inverts", () => {
    const p = plan({ tp: 4, cp: 2, dp: 3, pp: 2, globalBatchSize: 3 });
    expect(rankCoordinates(p, 0)).toEqual({ tp: 0, cp: 0, dp: 0, pp: 0 });
    expect(rankCoordinates(p, 3)).toEqual({ tp: 3, cp: 0, dp: 0, pp: 0 });
    expect(rankCoordinates(p, 4)).toEqual({ tp: 0, cp: 1, dp: 0, pp: 0 });
    expect(rankCoordinates(p, 8)).toEqual({ tp: 0, cp: 0, dp: 1, pp: 0 });
    expect(rankCoordinates(p, 24)).toEqual({ tp: 0, cp: 0, dp: 0, pp: 1 });
    for (let r = 0; r < 48; r++) expect(rankOf(p, rankCoordinates(p, r))).toBe(r);
  });
  it("tp-cp-pp-dp: pipeline stages before replicas, and inverts", () => {
    const p = plan({ tp: 4, cp: 2, dp: 3, pp: 2, globalBatchSize: 3, placement: "tp-cp-pp-dp" });
    expect(rankCoordinates(p, 4)).toEqual({ tp: 0, cp: 1, dp: 0, pp: 0 });
    expect(rankCoordinates(p, 8)).toEqual({ tp: 0, cp: 0, dp: 0, pp: 1 });
    expect(rankCoordinates(p, 16)).toEqual({ tp: 0, cp: 0, dp: 1, pp: 0 });
    for (let r = 0; r < 48; r++) expect(rankOf(p, rankCoordinates(p, r))).toBe(r);
  });
  it("assigns interleaved chunks in Megatron order", () => {
    const layers = stageLayerIndices(
      16,
      plan({ pp: 2, dp: 1, virtualStages: 2, schedule: "interleaved-1f1b", globalBatchSize: 2 }),
    );
    expect(layers).toEqual([
      [
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ],
      [
        [4, 5, 6, 7],
        [12, 13, 14, 15],
      ],
    ]);
  });
  it("uneven stages with interleaving: a rank's layers over its chunks as evenly as whole layers allow", () => {
    // 16 layers as 7 + 9 over pp 2 with 2 chunks each: rank 0 gets 4 + 3, rank 1 gets 5 + 4, in Megatron order.
    const p = plan({
      pp: 2,
      dp: 1,
      virtualStages: 2,
      schedule: "interleaved-1f1b",
      globalBatchSize: 2,
      stageLayers: [7, 9],
    });
    expect(stageLayerIndices(16, p)).toEqual([
      [
        [0, 1, 2, 3],
        [9, 10, 11],
      ],
      [
        [4, 5, 6, 7, 8],
        [12, 13, 14, 15],
      ],
    ]);
    const model16 = { ...gpt3, layers: 16, layerKinds: new Array(16).fill("dense") };
    expect(errors(model16, p, 16, 8)).not.toContainEqual(expect.stringContaining("stageLayers"));
    const tooFew = plan({
      pp: 2,
      dp: 1,
      virtualStages: 2,
      schedule: "interleaved-1f1b",
      globalBatchSize: 2,
      stageLayers: [1, 15],
    });
    expect(errors(model16, tooFew, 16, 8)).toContain(
      "parallel.stageLayers.0: 1 layers cannot fill virtualStages 2 chunks (at least one layer each)",
    );
  });
});

describe("expert settings that do nothing are warnings naming the field", () => {
  const warnings = (p: Parameters<typeof plan>[0]) =>
    checkPlan(ds, plan(p), 64, 8)
      .filter((i) => i.severity === "warning")
      .map(formatPlanIssue);

  it("expertDispatch and expertCommOverlap with ep 1", () => {
    const w = warnings({
      dp: 64,
      globalBatchSize: 64,
      expertDispatch: { mode: "per-node" },
      expertCommOverlap: true,
    });
    expect(w).toContain("parallel.expertDispatch: has no effect with ep 1 (no expert all-to-alls)");
    expect(w).toContain("parallel.expertCommOverlap: has no effect with ep 1 (no expert all-to-alls)");
  });

  it("expertCommOverlap with GPipe or interleaving is not applied", () => {
    expect(warnings({ dp: 64, ep: 64, globalBatchSize: 128, schedule: "gpipe", expertCommOverlap: true })).toContain(
      "parallel.expertCommOverlap: not applied: it pairs the forward and backward passes of the non-interleaved 1f1b schedule, found schedule gpipe",
    );
  });
});
