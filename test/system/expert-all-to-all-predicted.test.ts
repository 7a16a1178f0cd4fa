import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * collectives.expertAllToAll: predicted prices each MoE all-to-all by its closed form (no
 * flows), so an EP group of 64 over many steps costs a handful of events instead of n² flows.
 * On an idle fabric the two agree (the closed form is the flow model without contention).
 */
const MOE = "test/fixtures/scenarios/small-moe.yaml";

function run(sets: string[]) {
  return runStep(MOE, sets).metrics;
}

describe("expert all-to-alls, predicted", () => {
  it("agrees with the simulated all-to-alls where nothing else contends, with under a fifth of the events", () => {
    const simulated = run([]);
    const predicted = run(["collectives.expertAllToAll=predicted"]);
    expect(Math.abs((predicted.stepTimeSeconds as number) / (simulated.stepTimeSeconds as number) - 1)).toBeLessThan(
      1e-6,
    );
    // Simulated all-to-alls start their n² flows at one instant, so their activations share events
    // (FlowNetwork batches them): the saving is ~9x here, not the ~19x it was before batching.
    expect(predicted.events as number).toBeLessThan((simulated.events as number) / 5);
  });

  it("still waits for the slowest member (slow cards delay the whole EP group)", () => {
    const slow = ["noise.persistent.slowFraction=0.25", "noise.persistent.slowFactor=1.5"];
    const quiet = run(["collectives.expertAllToAll=predicted"]);
    const noisy = run(["collectives.expertAllToAll=predicted", ...slow]);
    expect(noisy.stepTimeSeconds as number).toBeGreaterThan(quiet.stepTimeSeconds as number);
  });
});
