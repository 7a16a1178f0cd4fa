import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadServingScenario } from "../../../src/scenario/load-scenario.js";
import { runScenario } from "../../../src/scenario/run.js";
import { runServingScenario } from "../../../src/scenario/run-serving.js";
import type { RunOk } from "../../../src/scenario/types.js";

/**
 * Stragglers apply to serving instances as they apply to training actors: an
 * instance is a group of cards in lock step, so a slow card slows every
 * iteration of its instance (and of no other), and per-iteration jitter is
 * drawn from the cards' seeded streams (same seed, same result).
 */
const OFFLINE = fileURLToPath(new URL("../../fixtures/serving-mech/llama8b-offline.yaml", import.meta.url));

/** Two instances of 1 card, 128 requests each (round-robin), every request alike. */
const TWO = ["serving.deployment.instances=2", "serving.traffic.requests=256", "serving.scheduler.maxSequences=128"];

function run(sets: string[], seed = 1) {
  const spec = loadServingScenario(OFFLINE, [...TWO, ...sets]);
  const r = runServingScenario(spec, seed, { keepRequests: true });
  if (!r.ok) throw new Error(r.error);
  return r;
}

/** Mean time per output token of the requests served by `instance`. */
function meanTpot(r: RunOk, instance: number): number {
  const q = r.details.requests as {
    instance: number[];
    firstTokenS: number[];
    finishS: number[];
    outputTokens: number[];
  };
  const xs = q.instance.flatMap((inst, i) =>
    inst === instance
      ? [((q.finishS[i] as number) - (q.firstTokenS[i] as number)) / ((q.outputTokens[i] as number) - 1)]
      : [],
  );
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe("stragglers on serving instances", () => {
  it("a card 2x slow makes its own instance's iterations exactly 2x longer and leaves the other alone", () => {
    const quiet = run([]);
    const slow = run(["noise.persistent.slowCards=[1]", "noise.persistent.slowFactor=2"]);
    expect(meanTpot(slow, 0)).toBeCloseTo(meanTpot(quiet, 0), 12);
    expect(meanTpot(slow, 1) / meanTpot(quiet, 1)).toBeCloseTo(2, 9);
  });

  it("jitter slows the service on average, and the same seed reproduces it exactly", () => {
    const quiet = runScenario({ scenarioPath: OFFLINE, sets: TWO, seed: 1, steps: 1 });
    const sets = [...TWO, "noise.jitter.sigma=0.2"];
    const a = runScenario({ scenarioPath: OFFLINE, sets, seed: 7, steps: 1 });
    const b = runScenario({ scenarioPath: OFFLINE, sets, seed: 7, steps: 1 });
    const c = runScenario({ scenarioPath: OFFLINE, sets, seed: 8, steps: 1 });
    if (!(quiet.ok && a.ok && b.ok && c.ok)) throw new Error("a run failed");
    expect(a.metrics).toEqual(b.metrics);
    expect(c.metrics.outputTokensPerSecond).not.toBe(a.metrics.outputTokensPerSecond);
    // Lognormal factors have mean exp(σ²/2) > 1: iterations take longer on average.
    expect(a.metrics.outputTokensPerSecond as number).toBeLessThan(quiet.metrics.outputTokensPerSecond as number);
  });

  it("a noise card id outside the topology is an input error", () => {
    const r = runScenario({
      scenarioPath: OFFLINE,
      sets: [...TWO, "noise.persistent.slowCards=[99]"],
      seed: 1,
      steps: 1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.kind).toBe("invalid-input");
  });
});
