import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import { runScenario } from "../../src/scenario/run.js";
import { NoisyComputeTiming } from "../../src/stragglers/compute-timing.js";
import { noise, noisyTiming, program, runProgram, stepTimes } from "./noise-harness.js";

/** Issue 6: same seed → same numbers; different seeds → different numbers; per-entity streams. */
const SCENARIO = new URL("../../topologies/published/megatron-2021/row-01-1.7b.yaml", import.meta.url).pathname;
const NOISY = [
  "parallel.globalBatchSize=64",
  "noise.persistent.sigma=0.05",
  "noise.jitter.sigma=0.05",
  "noise.pauses.ratePerCardPerS=2",
  "noise.pauses.meanPauseS=0.01",
  "noise.throttling.fraction=0.1",
  "noise.throttling.clockFactor=0.8",
  "noise.degradedLinks.fraction=0.2",
  "noise.degradedLinks.bandwidthFactor=0.5",
];

const EVERY_SOURCE = noise({
  persistent: { sigma: 0.2, slowFraction: 0.3, slowFactor: 1.4 },
  jitter: { sigma: 0.1 },
  pauses: { ratePerCardPerS: 3, meanPauseS: 0.05 },
  throttling: { fraction: 0.25, clockFactor: 0.8 },
});

describe("noise determinism", () => {
  it("runScenario: same seed → identical results; another seed → different step times", () => {
    const run = (seed: number) => runScenario({ scenarioPath: SCENARIO, sets: NOISY, seed, steps: 4 });
    const a = run(7);
    const b = run(7);
    const c = run(8);
    if (!(a.ok && b.ok && c.ok)) throw new Error("run failed");
    expect(b).toEqual(a);
    const ta = a.details.stepTimesSeconds as number[];
    const tc = c.details.stepTimesSeconds as number[];
    expect(ta).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(tc[i]).not.toBe(ta[i]);
    // Jitter and pauses are fresh every step: the steps of one run differ too.
    expect(new Set(ta).size).toBe(4);
    expect(a.metrics.stragglerShare).toBeGreaterThan(0);
  });

  it("executor: same seed → identical step records; another seed → different ones", () => {
    const p = program({ pp: 2, m: 4, replicas: 8, tp: 2, fS: 1, bS: 2, bucketS: 0.3, ppSendS: 0.01 });
    const run = (seed: number) => runProgram(p, 3, noisyTiming(p, EVERY_SOURCE, seed));
    expect(run(42)).toEqual(run(42));
    const t42 = stepTimes(run(42));
    const t43 = stepTimes(run(43));
    for (let i = 0; i < 3; i++) expect(t43[i]).not.toBe(t42[i]);
  });

  it("adding cards does not change card 3's persistent factor nor its jitter and pause draws", () => {
    const oneCardActors = (n: number) => new NoisyComputeTiming(EVERY_SOURCE, (a) => [a], n, new RandomStreams(11));
    const small = oneCardActors(8);
    const large = oneCardActors(64);
    expect(large.slowdown(3)).toBe(small.slowdown(3));
    // The persistent factors are not all equal (the check above is not vacuous).
    expect(new Set(Array.from({ length: 8 }, (_, a) => small.slowdown(a))).size).toBeGreaterThan(1);
    // Fresh draws per segment: the same sequence for card 3 whatever the other cards draw in between.
    const seqSmall: number[] = [];
    const seqLarge: number[] = [];
    for (let k = 0; k < 20; k++) {
      seqSmall.push(small.computeS(3, 0.5));
      for (let a = 0; a < 64; a += 7) large.computeS(a, 0.5);
      seqLarge.push(large.computeS(3, 0.5));
    }
    expect(seqLarge).toEqual(seqSmall);
    expect(new Set(seqSmall).size).toBe(20);
  });

  it("grouping cards into TP actors keeps each card's draws: an actor runs at its slowest card", () => {
    const perCard = new NoisyComputeTiming(EVERY_SOURCE, (a) => [a], 16, new RandomStreams(5));
    const tp4 = new NoisyComputeTiming(
      EVERY_SOURCE,
      (a) => [4 * a, 4 * a + 1, 4 * a + 2, 4 * a + 3],
      4,
      new RandomStreams(5),
    );
    for (let a = 0; a < 4; a++) {
      const cards = [4 * a, 4 * a + 1, 4 * a + 2, 4 * a + 3];
      expect(tp4.slowdown(a)).toBe(Math.max(...cards.map((c) => perCard.slowdown(c))));
    }
  });

  it("turning one source on does not shift another source's draws", () => {
    const persistentOnly = noise({ persistent: { sigma: 0.2 } });
    const withMore = noise({
      persistent: { sigma: 0.2 },
      jitter: { sigma: 0.3 },
      pauses: { ratePerCardPerS: 5, meanPauseS: 0.1 },
    });
    const a = new NoisyComputeTiming(persistentOnly, (x) => [x], 16, new RandomStreams(3));
    const b = new NoisyComputeTiming(withMore, (x) => [x], 16, new RandomStreams(3));
    for (let x = 0; x < 16; x++) expect(b.slowdown(x)).toBe(a.slowdown(x));
  });
});
