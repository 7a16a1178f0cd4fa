import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import type { CollectiveRequest } from "../../src/collectives/types.js";
import { loadScenario } from "../../src/scenario/load-scenario.js";
import { resolveModel } from "../../src/workload/model-spec.js";
import { resolvePlan } from "../../src/workload/plan-spec.js";
import { compileStep, inLayerGroupCards } from "../../src/workload/training/compile.js";

const MOE = "test/fixtures/scenarios/small-moe.yaml";

function compiled(sets: string[]) {
  const spec = loadScenario(MOE, sets);
  const plan = resolvePlan(spec.parallel);
  const requests: CollectiveRequest[] = [];
  const program = compileStep(resolveModel(spec.model), plan, buildCluster(spec.topology), (req) => {
    requests.push(req);
    return 1e-3;
  });
  return { plan, program, requests };
}

describe("in-layer communication groups (issue 14: none dropped)", () => {
  it("ZeRO-3 gathers the expert weights over the expert-data-parallel group, not only the dense ones", () => {
    const { requests } = compiled(["parallel.zeroStage=3", "parallel.ep=4"]);
    const expert = requests.filter((r) => r.label?.includes("expert-dp"));
    const dense = requests.filter((r) => r.label?.startsWith("zero-3 dp"));
    expect(dense.length).toBeGreaterThan(0);
    // dp 16 / ep 4 = 4 replicas hold each expert shard: replicas 0, 4, 8, 12 (one card each at tp 1).
    // (Predictions are memoised per op, size and group: the forward and backward gathers share one.)
    expect(expert.map((r) => r.op).sort()).toEqual(["allgather", "reducescatter"]);
    for (const r of expert) expect(r.cards).toEqual([0, 4, 8, 12]);
  });

  it("the expert gathers add exposed time to the MoE layers' passes", () => {
    const base = compiled(["parallel.zeroStage=3", "parallel.ep=16"]).program;
    const quarter = compiled(["parallel.zeroStage=3", "parallel.ep=4"]).program;
    // ep 16: each expert on one replica, nothing to gather; ep 4: 4 replicas per expert shard gather it.
    expect(quarter.passCost(0, 0, "F").tpCommS).toBeGreaterThan(base.passCost(0, 0, "F").tpCommS);
  });

  it("a group the step cannot map is an error, never dropped", () => {
    const plan = compiled([]).plan;
    expect(() => inLayerGroupCards(plan, 0, "pp")).toThrow(/no card group for in-layer communication over 'pp'/);
    expect(() => inLayerGroupCards(plan, 0, "embedding")).toThrow(/'embedding'/);
  });
});
