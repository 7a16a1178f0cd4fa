import { describe, expect, it } from "vitest";
import { layerWorkByKind } from "../../src/workload/layer-ops.js";
import { layerActivationBytes } from "../../src/workload/memory.js";
import { runStep } from "../system/step-run.js";
import { loadModel, plan } from "./helpers.js";

/**
 * Expert-load imbalance in training (parallel.expertImbalance): the busiest
 * card of an EP group computes and receives f times the balanced share of
 * token-expert pairs, and the all-to-all is priced at its load; the tokens a
 * card sends (permute, unpermute) do not change.
 */
const model = loadModel("deepseek-v3");
const base = { tp: 1, pp: 1, dp: 64, ep: 64, globalBatchSize: 64 };
const op = (w: ReturnType<typeof layerWorkByKind>, name: string) => w.forward.find((o) => o.name === name);

describe("expert-load imbalance in training", () => {
  it("scales the expert GEMMs, their activation and the all-to-all sizes by f, not the permutes", () => {
    const even = layerWorkByKind(model, plan(base), "moe");
    const skewed = layerWorkByKind(model, plan({ ...base, expertImbalance: 1.5 }), "moe");
    for (const name of ["experts-up", "experts-down", "experts-activation"]) {
      expect((op(skewed, name)?.flops as number) / (op(even, name)?.flops as number), name).toBeCloseTo(1.5, 12);
      expect((op(skewed, name)?.bytes as number) > (op(even, name)?.bytes as number), name).toBe(true);
    }
    for (const name of ["dispatch-permute", "combine-unpermute", "router"]) {
      expect(op(skewed, name), name).toEqual(op(even, name));
    }
    const a2a = (w: typeof even) => w.comms.filter((c) => c.group === "ep").map((c) => c.sizeBytes);
    // Dispatch and combine, forward and backward.
    expect(a2a(skewed).map((b, i) => b / (a2a(even)[i] as number))).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it("holds more routed activations on the busiest card, and is ignored without expert parallelism", () => {
    const even = layerActivationBytes(model, plan(base), "moe").none;
    const skewed = layerActivationBytes(model, plan({ ...base, expertImbalance: 2 }), "moe").none;
    expect(skewed).toBeGreaterThan(even);
    const noEp = { tp: 1, pp: 1, dp: 64, globalBatchSize: 64 };
    expect(layerWorkByKind(model, plan({ ...noEp, expertImbalance: 2 }), "moe")).toEqual(
      layerWorkByKind(model, plan(noEp), "moe"),
    );
  });

  it("a skewed MoE step is slower than a balanced one, by at most the expert share of it", () => {
    const MOE = "test/fixtures/scenarios/small-moe.yaml";
    const balanced = runStep(MOE, ["parallel.globalBatchSize=64"]);
    const skewed = runStep(MOE, ["parallel.globalBatchSize=64", "parallel.expertImbalance=1.5"]);
    expect(skewed.step).toBeGreaterThan(balanced.step);
    expect(skewed.step).toBeLessThan(balanced.step * 1.5);
  });
});
