import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { runStep } from "./step-run.js";

/**
 * MoE training with the expert all-to-alls of a forward and the backward
 * after it overlapped (parallel.expertCommOverlap) and with node-level
 * dispatch (parallel.expertDispatch), on the small MoE fixture (2 nodes of 8).
 */
const MOE = "test/fixtures/scenarios/small-moe.yaml";
const plan = (pp: number, gbs: number) => {
  const dp = 16 / pp;
  return [`parallel.pp=${pp}`, `parallel.dp=${dp}`, `parallel.ep=${dp}`, `parallel.globalBatchSize=${gbs}`];
};

describe("expert all-to-all overlap in training (expertCommOverlap)", () => {
  for (const pp of [1, 2, 4]) {
    for (const gbs of [32, 128]) {
      it(`pp ${pp}, global batch ${gbs}: hides all-to-all time; never slower when the kernels take no compute`, () => {
        const base = runStep(MOE, plan(pp, gbs));
        const free = runStep(MOE, [
          ...plan(pp, gbs),
          "parallel.expertCommOverlap=true",
          "parallel.expertCommComputeShare=0",
        ]);
        const shared = runStep(MOE, [...plan(pp, gbs), "parallel.expertCommOverlap=true"]);
        expect(free.breakdown.epComm).toBeLessThan(base.breakdown.epComm as number);
        expect(free.step).toBeLessThan(base.step);
        // The kernels' share of the card (20/132 by default) costs something, but less than exposing them.
        expect(shared.step).toBeGreaterThan(free.step);
        expect(shared.step).toBeLessThan(base.step);
      });
    }
  }

  it("one micro-batch per replica has nothing to pair: the same step as without overlap", () => {
    const base = runStep(MOE, plan(1, 16));
    const overlapped = runStep(MOE, [...plan(1, 16), "parallel.expertCommOverlap=true"]);
    expect(overlapped.step).toBe(base.step);
  });

  it("with the interleaved schedule it is not applied, and the plan check says so", () => {
    const sets = [
      ...plan(2, 64),
      "parallel.virtualStages=2",
      "parallel.schedule=interleaved-1f1b",
      "parallel.expertCommOverlap=true",
    ];
    const r = runScenario({ scenarioPath: MOE, sets, seed: 1, steps: 1 });
    if (!r.ok) throw new Error(r.error);
    expect((r.details.warnings as string[]).join("\n")).toMatch(
      /parallel\.expertCommOverlap: not applied: .*virtualStages 2/,
    );
    const base = runStep(MOE, sets.slice(0, -1));
    expect(r.metrics.stepTimeSeconds).toBe(base.step);
  });
});

describe("node-level expert dispatch in training (expertDispatch)", () => {
  it("per-node dispatch with one node per token keeps tokens on their node: less all-to-all time", () => {
    const base = runStep(MOE, plan(1, 64));
    const local = runStep(MOE, [
      ...plan(1, 64),
      "parallel.expertDispatch.mode=per-node",
      "parallel.expertDispatch.maxNodesPerToken=1",
      "parallel.expertDispatch.nodeSelection=local-first",
    ]);
    expect(local.breakdown.epComm).toBeLessThan((base.breakdown.epComm as number) * 0.5);
  });

  it("per-node dispatch to every node moves less than the uniform all-to-all, more than one node per token", () => {
    const uniform = runStep(MOE, plan(1, 64)).breakdown.epComm as number;
    const perNode = runStep(MOE, [...plan(1, 64), "parallel.expertDispatch.mode=per-node"]).breakdown.epComm as number;
    const oneNode = runStep(MOE, [
      ...plan(1, 64),
      "parallel.expertDispatch.mode=per-node",
      "parallel.expertDispatch.maxNodesPerToken=1",
    ]).breakdown.epComm as number;
    expect(perNode).toBeLessThanOrEqual(uniform);
    expect(oneNode).toBeLessThan(perNode);
  });
});
