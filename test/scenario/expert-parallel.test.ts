import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

const MOE = fileURLToPath(new URL("../fixtures/scenarios/small-moe.yaml", import.meta.url));

function run(sets: string[]) {
  const r = runScenario({ scenarioPath: MOE, sets, seed: 1, steps: 1 });
  if (!r.ok) throw new Error(r.error);
  return { step: r.metrics.stepTimeSeconds as number, b: r.details.breakdownSeconds as Record<string, number> };
}

describe("expert parallelism (MoE all-to-all)", () => {
  it("puts dispatch/combine all-to-alls on the step, over the network between nodes", () => {
    const base = run([]);
    expect(base.b.epComm).toBeGreaterThan(0);
    // A 16-card EP group spans both nodes: slower NICs slow the all-to-alls and the step.
    const slowNic = run(["topology.scaleOut.nicGbps=50"]);
    expect(slowNic.b.epComm).toBeGreaterThan(2 * (base.b.epComm as number));
    expect(slowNic.step).toBeGreaterThan(base.step);
  });

  it("keeps all-to-alls inside a node on NVLink when the EP group fits in it", () => {
    const inNode = run(["parallel.ep=8"]);
    const slowNic = run(["parallel.ep=8", "topology.scaleOut.nicGbps=50"]);
    expect(inNode.b.epComm).toBeGreaterThan(0);
    expect(slowNic.b.epComm).toBeCloseTo(inNode.b.epComm as number, 12);
  });

  it("makes a slow card delay its whole EP group through the all-to-alls", () => {
    const quiet = run([]);
    const slow = run(["noise.persistent.slowCards=[3]", "noise.persistent.slowFactor=2"]);
    // Every replica waits for card 3 at each all-to-all, not only at the gradient sync.
    expect(slow.b.epComm).toBeGreaterThan(quiet.b.epComm as number);
    expect(slow.step).toBeGreaterThan(quiet.step);
  });
});
