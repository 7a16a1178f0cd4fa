import { describe, expect, it } from "vitest";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../src/scenario/run-serving.js";
import type { RunOk } from "../../src/scenario/types.js";

/**
 * A closed loop's rates come from the work done while requests are still
 * being issued when that is more than the whole-run estimate: the drain after
 * the last request, set by the longest request and growing with the fleet,
 * must not make a larger fleet look slower per card.
 */
const FLEET = "topologies/scenarios/llama3-70b-h100-pd-fleet.yaml";

function run(sets: string[]): RunOk {
  const r = runServingScenario(loadServingScenario(FLEET, sets), 1, { keepRequests: true });
  if (!r.ok) throw new Error(r.error);
  return r;
}

describe("closed-loop throughput window", () => {
  it("is at least the whole-run estimate (measured requests' output tokens over first arrival to last finish)", () => {
    const r = run([]);
    const q = r.details.requests as Record<string, number[]>;
    const first = Math.min(...(q.arrivalS as number[]));
    const last = Math.max(...(q.finishS as number[]));
    const tokens = (q.outputTokens as number[]).reduce((a, b) => a + b, 0);
    expect(r.metrics.outputTokensPerSecond as number).toBeGreaterThanOrEqual(tokens / (last - first));
  });

  it("a fleet 4x larger with 4x the users and requests has about the same output rate per card", () => {
    const small = run([]);
    const large = run([
      "topology.nodes=32",
      "topology.cards=256",
      "serving.deployment.instances=16",
      "serving.decode.instances=48",
      "serving.traffic.users=2048",
      "serving.traffic.requests=16000",
      "serving.traffic.warmupRequests=2000",
    ]);
    const ratio =
      (large.metrics.outputTokensPerSecondPerCard as number) / (small.metrics.outputTokensPerSecondPerCard as number);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });
});
