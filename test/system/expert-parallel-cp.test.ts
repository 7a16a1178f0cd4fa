import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { runStep } from "./step-run.js";

/**
 * Expert parallelism with context parallelism: an EP group is ep consecutive
 * (cp, dp) positions, cp fastest, so with cp > 1 it takes ep / cp whole
 * replicas with all their cp positions (one all-to-all per TP rank over ep
 * cards). Before, the executor grouped ep replicas: a plan with ep > dp
 * deadlocked (an internal error), found by `plan --search`.
 */
const MOE = "test/fixtures/scenarios/small-moe.yaml";

describe("expert parallelism with context parallelism", () => {
  it("ep larger than dp runs: ep / cp replicas per EP group", () => {
    const r = runStep(MOE, ["parallel.cp=2", "parallel.dp=8", "parallel.ep=16"]);
    expect(r.step).toBeGreaterThan(0);
    expect(r.breakdown.epComm).toBeGreaterThan(0);
  });

  it("the same EP width costs about the same with cp 2 as with cp 1 (the all-to-all spans ep cards either way)", () => {
    const cp1 = runStep(MOE, ["parallel.tp=2", "parallel.dp=8", "parallel.ep=8"]);
    const cp2 = runStep(MOE, ["parallel.tp=2", "parallel.cp=2", "parallel.dp=4", "parallel.ep=8"]);
    const ratio = (cp2.breakdown.epComm as number) / (cp1.breakdown.epComm as number);
    expect(cp2.breakdown.epComm).toBeGreaterThan(0);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it("ep below cp takes an aligned block of a replica's cp positions; an ep that does not tile is a plan error naming the field", () => {
    // Megatron-Core's expert layout (expert tensor parallelism 1): ep consecutive ranks (src/workload/expert-groups.ts).
    const inside = runScenario({
      scenarioPath: MOE,
      sets: ["parallel.cp=4", "parallel.dp=4", "parallel.ep=2"],
      seed: 1,
      steps: 1,
    });
    expect(inside.ok, inside.ok ? "" : inside.error).toBe(true);
    const r = runScenario({
      scenarioPath: MOE,
      sets: ["parallel.cp=4", "parallel.dp=1", "parallel.ep=8", "parallel.globalBatchSize=8"],
      seed: 1,
      steps: 1,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe("invalid-plan");
    expect(r.error).toMatch(/parallel\.ep: 8 must divide tp·cp·dp = 1·4·1 = 4/);
  });
});
