import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * Megatron-Core --tp-comm-overlap (plan.tpCommOverlap): with sequence parallelism each TP
 * all-gather / reduce-scatter runs chunk by chunk beside its GEMM, so the pair takes
 * max(comm, gemm) + min(comm, gemm)/tp. Exposed TP time shrinks, never grows; without
 * sequence parallelism (all-reduces) or without TP nothing changes.
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";
const ROW3 = "topologies/published/megatron-2021/row-03-7.5b.yaml";

function run(path: string, sets: string[]) {
  const { step, breakdown: b } = runStep(path, sets);
  return { step, tp: b.tpComm ?? 0, compute: b.compute ?? 0 };
}

describe("TP communication overlap", () => {
  for (const [path, sets] of [
    [DP16, ["parallel.tp=4", "parallel.dp=4"]],
    [ROW3, []],
  ] as const) {
    it(`${path.split("/").pop()} ${sets.join(" ")}: less exposed TP time, the same compute, no slower`, () => {
      const off = run(path, [...sets]);
      const on = run(path, [...sets, "parallel.tpCommOverlap=true"]);
      expect(off.tp).toBeGreaterThan(0);
      expect(on.tp).toBeLessThan(off.tp);
      // At least one GEMM's worth of each collective is hidden, at most all but 1/tp of it.
      expect(on.tp).toBeGreaterThan(0);
      expect(on.compute).toBeCloseTo(off.compute, 12);
      expect(on.step).toBeLessThan(off.step);
    });
  }

  it("changes nothing without sequence parallelism (all-reduces) or without TP", () => {
    const noSp = ["parallel.tp=4", "parallel.dp=4", "parallel.sequenceParallel=false"];
    expect(run(DP16, [...noSp, "parallel.tpCommOverlap=true"])).toEqual(run(DP16, noSp));
    expect(run(DP16, ["parallel.tpCommOverlap=true"])).toEqual(run(DP16, []));
  });
});
