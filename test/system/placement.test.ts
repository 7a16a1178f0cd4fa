import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * Rank order (plan.placement). On two 8-card nodes with TP 4, PP 2, DP 2: tp-inner puts both
 * replicas of a stage in one node (gradient all-reduce on NVLink, pipeline sends across nodes);
 * tp-cp-pp-dp puts a replica's two stages in one node (sends on NVLink, all-reduce across nodes).
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";
const PLAN = ["parallel.tp=4", "parallel.pp=2", "parallel.dp=2", "parallel.globalBatchSize=16"];

function run(placement: string) {
  return runStep(DP16, [...PLAN, `parallel.placement=${placement}`]).breakdown;
}

describe("rank placement", () => {
  it("tp-cp-pp-dp moves the gradient all-reduce across nodes and the pipeline sends inside them", () => {
    const inner = run("tp-inner");
    const ppFirst = run("tp-cp-pp-dp");
    expect(ppFirst.dpComm as number).toBeGreaterThan(2 * (inner.dpComm as number));
    expect(ppFirst.ppComm as number).toBeLessThan(inner.ppComm as number);
  });
});
