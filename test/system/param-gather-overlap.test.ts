import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * Megatron-Core --overlap-param-gather: with the distributed optimizer (ZeRO 1), the weights'
 * all-gather runs bucket by bucket beside the forward passes instead of after the optimizer.
 * Only the wait of the first forward for its first bucket stays exposed (paramGather), so the
 * category shrinks and the step is no slower.
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";

function run(sets: string[]) {
  const r = runStep(DP16, sets);
  return { step: r.step, gather: r.breakdown.paramGather ?? 0 };
}

describe("overlapped parameter all-gather", () => {
  for (const sets of [
    ["parallel.zeroStage=1", "parallel.overlapGradReduce=true"],
    ["parallel.zeroStage=1", "parallel.pp=2", "parallel.dp=8", "parallel.globalBatchSize=32"],
  ]) {
    it(`exposes less of the gather and is no slower (${sets.join(" ")})`, () => {
      const after = run(sets);
      const beside = run([...sets, "parallel.overlapParamGather=true"]);
      expect(after.gather).toBeGreaterThan(0);
      expect(beside.gather).toBeLessThan(after.gather);
      expect(beside.step).toBeLessThanOrEqual(after.step);
    });
  }

  it("changes nothing without a gather (ZeRO 0)", () => {
    expect(run(["parallel.overlapParamGather=true"])).toEqual(run([]));
  });
});
