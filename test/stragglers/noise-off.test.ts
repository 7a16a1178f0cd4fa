import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import { LINK_KINDS } from "../../src/cluster/types.js";
import { RandomStreams } from "../../src/engine/index.js";
import { loadScenario } from "../../src/scenario/load-scenario.js";
import { runScenario } from "../../src/scenario/run.js";
import { degradeLinksInPlace } from "../../src/stragglers/degrade-links.js";
import { isQuiet } from "../../src/stragglers/noise-spec.js";
import { noise, noisyTiming, program, runProgram } from "./noise-harness.js";

/**
 * Issue 6 validation: with every noise source off, results equal the
 * noise-free run exactly (===, not approximately).
 */
const SCENARIO = new URL("../../topologies/published/megatron-2021/row-01-1.7b.yaml", import.meta.url).pathname;
const SMALL = ["parallel.globalBatchSize=64"];

const EXPLICIT_ZEROS = [
  "noise.persistent.sigma=0",
  "noise.persistent.slowFraction=0",
  "noise.persistent.slowFactor=1",
  "noise.persistent.slowCards=[]",
  "noise.jitter.sigma=0",
  "noise.pauses.ratePerCardPerS=0",
  "noise.pauses.meanPauseS=0",
  "noise.throttling.fraction=0",
  "noise.throttling.clockFactor=1",
  "noise.degradedLinks.fraction=0",
  "noise.degradedLinks.bandwidthFactor=1",
  "noise.degradedLinks.nicOfCards=[]",
];

/** Settings that name a source but give it no effect (a factor of 1, or a rate with zero-length pauses). */
const INEFFECTIVE = [
  "noise.persistent.slowFraction=0.5",
  "noise.persistent.slowCards=[1, 2]",
  "noise.pauses.ratePerCardPerS=10",
  "noise.throttling.fraction=0.5",
  "noise.degradedLinks.fraction=0.5",
  "noise.degradedLinks.nicOfCards=[0]",
];

describe("with every noise source off", () => {
  const run = (sets: string[], seed = 1) =>
    runScenario({ scenarioPath: SCENARIO, sets: [...SMALL, ...sets], seed, steps: 3 });

  it("runScenario gives exactly the noise-free result, defaults or explicitly zeroed, for any seed", () => {
    const base = run([]);
    if (!base.ok) throw new Error(base.error);
    expect(base.metrics.stragglerShare).toBe(0);
    expect(base.metrics.noiseFreeStepTimeSeconds).toBeUndefined();
    expect((base.details.breakdownSeconds as Record<string, number>).straggler).toBe(0);
    for (const sets of [EXPLICIT_ZEROS, INEFFECTIVE]) {
      for (const seed of [1, 99]) expect(run(sets, seed)).toEqual(base);
    }
  });

  it("the sensitivity check: a tiny jitter does change the numbers", () => {
    const base = run([]);
    const noisy = run(["noise.jitter.sigma=0.001"]);
    if (!(base.ok && noisy.ok)) throw new Error("run failed");
    expect(noisy.metrics.stepTimeSeconds).not.toBe(base.metrics.stepTimeSeconds);
    expect(noisy.metrics.noiseFreeStepTimeSeconds).toBe(base.metrics.stepTimeSeconds);
  });

  it("NoisyComputeTiming with sources off (even ineffective ones) is exactly the nominal timing in the executor", () => {
    // A program with everything the executor does: pipeline sends, TP groups, overlapped buckets, optimizer.
    const p = program({ pp: 2, m: 3, replicas: 3, tp: 2, fS: 0.7, bS: 1.3, bucketS: 0.4, ppSendS: 0.05 });
    const shapeWithOpt = { ...p, optimizerS: () => 0.2, dataParallel: { ...p.dataParallel, overlap: true } };
    const nominal = runProgram(shapeWithOpt, 3);
    const specs = [
      noise({}),
      noise({
        persistent: { sigma: 0, slowFraction: 0.6, slowFactor: 1, slowCards: [0, 5] },
        jitter: { sigma: 0 },
        pauses: { ratePerCardPerS: 50, meanPauseS: 0 },
        throttling: { fraction: 0.7, clockFactor: 1 },
      }),
    ];
    for (const spec of specs) {
      expect(isQuiet(spec)).toBe(true);
      for (const seed of [1, 2]) {
        const timing = noisyTiming(shapeWithOpt, spec, seed);
        for (let a = 0; a < 6; a++) expect(timing.slowdown(a)).toBe(1);
        expect(runProgram(shapeWithOpt, 3, timing)).toEqual(nominal);
      }
    }
    expect(nominal[0]?.meanS.straggler).toBe(0);
  });

  it("degrading links with factor 1 (or fraction 0) leaves every bandwidth bit-identical", () => {
    const scenario = loadScenario(SCENARIO, SMALL);
    const fresh = buildCluster(scenario.topology).links.bandwidthBytesPerS;
    for (const degradedLinks of [
      { fraction: 0.5, bandwidthFactor: 1, nicOfCards: [0, 9] },
      { fraction: 0, bandwidthFactor: 0.5, nicOfCards: [] },
    ]) {
      const c = buildCluster(scenario.topology);
      expect(degradeLinksInPlace(c, noise({ degradedLinks }), new RandomStreams(5), LINK_KINDS)).toEqual([]);
      expect(c.links.bandwidthBytesPerS).toEqual(fresh);
    }
  });
});
