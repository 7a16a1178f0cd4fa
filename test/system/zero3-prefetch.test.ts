import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * ZeRO-3/FSDP prefetch (plan.zero3Prefetch, default true as PyTorch FSDP and DeepSpeed): a
 * layer's weight all-gathers and gradient reduce-scatters run beside the compute of the layers
 * next to it, so only what they take beyond that compute is exposed (the pass's first layer
 * exposes all of its own). Without prefetch every one is exposed.
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";
const MOE = "test/fixtures/scenarios/small-moe.yaml";

function run(path: string, sets: string[]) {
  const { step, breakdown: b } = runStep(path, sets);
  return { step, zero3: b.zero3Comm ?? 0, compute: b.compute ?? 0 };
}

describe("ZeRO-3 prefetch", () => {
  for (const [path, sets] of [
    [DP16, ["parallel.zeroStage=3"]],
    [DP16, ["parallel.zeroStage=3", "topology.scaleOut.nicGbps=25"]],
    [MOE, ["parallel.zeroStage=3"]],
  ] as const) {
    it(`${path.split("/").pop()} ${sets.join(" ")}: on by default, less exposed, no slower`, () => {
      const byDefault = run(path, [...sets]);
      const off = run(path, [...sets, "parallel.zero3Prefetch=false"]);
      expect(byDefault).toEqual(run(path, [...sets, "parallel.zero3Prefetch=true"]));
      expect(off.zero3).toBeGreaterThan(0);
      expect(byDefault.zero3).toBeLessThan(off.zero3);
      // The pass's first layer exposes its own gather: never all hidden.
      expect(byDefault.zero3).toBeGreaterThan(0);
      expect(byDefault.compute).toBeCloseTo(off.compute, 12);
      expect(byDefault.step).toBeLessThan(off.step);
    });
  }

  it("changes nothing below ZeRO-3", () => {
    expect(run(DP16, ["parallel.zeroStage=1", "parallel.zero3Prefetch=false"])).toEqual(
      run(DP16, ["parallel.zeroStage=1"]),
    );
  });
});
