import { describe, expect, it } from "vitest";
import { loadServingScenario } from "../../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../../src/scenario/run-serving.js";
import type { RunOk } from "../../../src/scenario/types.js";

/** Where the iteration time goes, per pool, and how busy the pools are (issue 15 item 5, first part). */
function run(file: string, sets: string[] = []): RunOk {
  const r = runServingScenario(loadServingScenario(file, sets), 1);
  if (!r.ok) throw new Error(r.error);
  return r;
}
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

describe("iteration accounts", () => {
  it("colocated: the parts add up to the busy time, busy = iteration seconds / (instances x makespan)", () => {
    const r = run("test/fixtures/serving/tiny-poisson.yaml");
    const all = (r.details.iterationSeconds as Record<string, Record<string, number>>).all as Record<string, number>;
    const busy = r.metrics.busyFraction as number;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(1);
    const makespan = r.metrics.simulatedSeconds as number;
    expect(sum(all)).toBeCloseTo(busy * (r.metrics.instances as number) * makespan, 9);
    expect(all.straggler).toBe(0); // no noise: actual = nominal
    expect(all.overhead).toBeGreaterThan(0);
  });

  it("time shares: compute-bound + memory-bound kernels + communication + overhead + noise = 1", () => {
    for (const [file, sets] of [
      ["test/fixtures/serving/tiny-poisson.yaml", ["noise.jitter.sigma=0.2"]],
      ["test/fixtures/serving-ep/tiny-moe-ep.yaml", ["serving.deployment.expertParallel.twoBatchOverlap=true"]],
      ["test/fixtures/serving-pd/tiny-pd.yaml", []],
    ] as const) {
      const r = run(file, [...sets]);
      const pools = r.details.timeShares as Record<string, Record<string, number>>;
      const parts = r.details.iterationSeconds as Record<string, Record<string, number>>;
      for (const [pool, shares] of Object.entries(pools)) {
        expect(sum(shares)).toBeCloseTo(1, 9);
        // The compute/memory split re-partitions exactly the kernels' seconds.
        const p = parts[pool] as Record<string, number>;
        const kernels =
          (p.linear as number) +
          (p.elementwise as number) +
          (p.experts as number) +
          (p.attentionPrefill as number) +
          (p.attentionDecode as number) +
          (p.logits as number);
        expect(((shares.compute as number) + (shares.memory as number)) * sum(p)).toBeCloseTo(kernels, 9);
      }
    }
    // A decode pool reading weights and KV caches is memory-bound; a long-prompt prefill pool is compute-bound.
    const pd = run("test/fixtures/serving-pd/tiny-pd.yaml").details.timeShares as Record<
      string,
      Record<string, number>
    >;
    expect(pd.decode?.memory).toBeGreaterThan(pd.decode?.compute as number);
    expect(pd.prefill?.compute).toBeGreaterThan(pd.prefill?.memory as number);
  });

  it("noise shows as its own part", () => {
    const r = run("test/fixtures/serving/tiny-poisson.yaml", ["noise.jitter.sigma=0.2"]);
    const all = (r.details.iterationSeconds as Record<string, Record<string, number>>).all as Record<string, number>;
    expect(Math.abs(all.straggler as number)).toBeGreaterThan(0);
  });

  it("disaggregated: one account per pool; the prefill pool does no decode attention, the decode pool no prefill", () => {
    const r = run("test/fixtures/serving-pd/tiny-pd.yaml");
    const pools = r.details.iterationSeconds as Record<string, Record<string, number>>;
    expect(Object.keys(pools).sort()).toEqual(["decode", "prefill"]);
    expect(pools.prefill?.attentionDecode).toBe(0);
    expect(pools.decode?.attentionPrefill).toBe(0);
    for (const k of ["prefillBusyFraction", "decodeBusyFraction"]) {
      expect(r.metrics[k] as number).toBeGreaterThan(0);
      expect(r.metrics[k] as number).toBeLessThanOrEqual(1);
    }
    expect(r.metrics.busyFraction).toBeUndefined();
  });
});
