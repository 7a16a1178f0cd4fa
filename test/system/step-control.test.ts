import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import type { RunOk } from "../../src/scenario/types.js";

const TINY = "test/claims/fixtures/tiny.yaml";
const spec = (steps: number) => ({ scenarioPath: TINY, sets: ["noise.jitter.sigma=0.05"], seed: 3, steps });

describe("step control: a budget ends a run at a step boundary", () => {
  it("a run stopped after k steps equals a run of k steps, figure for figure", () => {
    const asked: number[] = [];
    const cut = runScenario(spec(8), {
      continueAfter: (done) => {
        asked.push(done);
        return done < 3;
      },
    }) as RunOk;
    const three = runScenario(spec(3)) as RunOk;
    expect(cut.ok && three.ok).toBe(true);
    // Asked once per step boundary, and never again after saying stop.
    expect(asked).toEqual([1, 2, 3]);
    expect(cut.metrics.steps).toBe(3);
    expect(cut.metrics).toEqual(three.metrics);
    expect(cut.details.stepTimesSeconds).toEqual(three.details.stepTimesSeconds);
  });

  it("reports each finished step once, in order, with the planned total", () => {
    const seen: Array<[number, number]> = [];
    const r = runScenario(spec(4), { onStepEnd: (done, planned) => seen.push([done, planned]) }) as RunOk;
    expect(r.ok).toBe(true);
    expect(seen).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });
});
