import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

/**
 * collectives.nvls in a training scenario: off by default (the validated frameworks run with
 * NCCL_NVLS_ENABLE=0); on, the all-reduces inside the NVSwitch domain run as NVLS and the step's
 * TP and DP communication shrink; the topology without in-switch reduction ignores it.
 */
const SCENARIO = fileURLToPath(new URL("../fixtures/nvls/megatron-1.7b-h100-node.yaml", import.meta.url));
const run = (sets: string[]) => {
  const r = runScenario({
    scenarioPath: SCENARIO,
    sets: ["collectives.inLayer=simulated", ...sets],
    seed: 1,
    steps: 1,
  });
  if (!r.ok) throw new Error(r.error);
  return r;
};

describe("NVLS in a training step", () => {
  it("off by default: the same step as on a node whose switches do not reduce", () => {
    const dflt = run([]);
    const plain = run(["collectives.nvls=true", "topology.scaleUp.inSwitchReduction=false"]);
    expect(dflt.metrics.stepTimeSeconds).toBe(plain.metrics.stepTimeSeconds);
  });
  it("on: the TP all-reduce time shrinks, and so does the step", () => {
    const off = run([]);
    const on = run(["collectives.nvls=true"]);
    const b = (r: typeof off, k: string) => (r.details.breakdownSeconds as Record<string, number>)[k] ?? 0;
    expect(b(on, "tpComm")).toBeLessThan(b(off, "tpComm"));
    expect(on.metrics.stepTimeSeconds as number).toBeLessThan(off.metrics.stepTimeSeconds as number);
  });
  it("forced with ZeRO 1 (reduce-scatters): an input error naming collectives.algo", () => {
    const r = runScenario({
      scenarioPath: SCENARIO,
      sets: ["collectives.algo=nvls", "parallel.zeroStage=1"],
      seed: 1,
      steps: 1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^collectives\.algo: .*'nvls'.*does not implement reducescatter/);
  });
});
