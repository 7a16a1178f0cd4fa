import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import type { RunOk } from "../../src/scenario/types.js";

/**
 * collectives.inLayer (issue 14 item 4): TP/CP collectives as collective tasks
 * on the flow network instead of closed-form exposed delays.
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";
const IN_NODE = ["parallel.tp=2", "parallel.cp=2", "parallel.dp=4"];
// Two cards per node: a TP group of 4 spans two nodes and shares their NICs with the gradient buckets.
const CROSSING = [
  "topology.cardsPerNode=2",
  "topology.scaleOut.nicsPerNode=2",
  "topology.nodes=8",
  "parallel.tp=4",
  "parallel.dp=4",
  "parallel.overlapGradReduce=true",
  "parallel.globalBatchSize=32",
];

function run(sets: string[], mode: string): RunOk {
  const r = runScenario({ scenarioPath: DP16, sets: [...sets, `collectives.inLayer=${mode}`], seed: 1, steps: 1 });
  if (!r.ok) throw new Error(r.error);
  return r;
}
const step = (r: RunOk) => r.metrics.stepTimeSeconds as number;
const cat = (r: RunOk, c: string) => (r.details.breakdownSeconds as Record<string, number>)[c] as number;

describe("in-layer collectives on the network", () => {
  it("TP and CP inside a node: simulated equals predicted (the network with no contention is the predictor)", () => {
    const predicted = run(IN_NODE, "predicted");
    const simulated = run(IN_NODE, "simulated");
    expect(Math.abs(step(simulated) / step(predicted) - 1)).toBeLessThan(1e-9);
    for (const c of ["tpComm", "cpComm"]) expect(cat(simulated, c)).toBeCloseTo(cat(predicted, c), 12);
    // ... but as collectives on the network: many more events.
    expect(simulated.metrics.events as number).toBeGreaterThan(100 * (predicted.metrics.events as number));
  });

  it("overlapped at the ops' start and wait points: faster by at most the exposed in-layer time", () => {
    const predicted = run(IN_NODE, "predicted");
    const overlapped = run(IN_NODE, "simulated-overlap");
    const exposed = cat(predicted, "tpComm") + cat(predicted, "cpComm");
    expect(step(overlapped)).toBeLessThan(step(predicted));
    expect(step(predicted) - step(overlapped)).toBeLessThanOrEqual(exposed);
    expect(cat(overlapped, "tpComm")).toBeLessThan(cat(predicted, "tpComm"));
    expect(cat(overlapped, "cpComm")).toBeLessThan(cat(predicted, "cpComm"));
  });

  it("TP across nodes: simulated is slower than predicted, and the breakdown shows where (TP on shared NICs)", () => {
    const predicted = run(CROSSING, "predicted");
    const simulated = run(CROSSING, "simulated");
    expect(step(simulated)).toBeGreaterThan(step(predicted) * 1.01);
    expect(cat(simulated, "tpComm")).toBeGreaterThan(cat(predicted, "tpComm"));
    expect(cat(simulated, "compute")).toBeCloseTo(cat(predicted, "compute"), 12);
  });

  it("the default is predicted, with today's results", () => {
    const r = runScenario({ scenarioPath: DP16, sets: IN_NODE, seed: 1, steps: 1 }) as RunOk;
    expect(r.metrics).toEqual(run(IN_NODE, "predicted").metrics);
  });
});
