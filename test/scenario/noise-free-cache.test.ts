import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runPoints } from "../../src/claims/run-points.js";
import { loadAnyScenario } from "../../src/scenario/load-scenario.js";
import { canonicalJson, NoiseFreeCache, noiseFreeKey } from "../../src/scenario/noise-free-cache.js";
import { runScenario } from "../../src/scenario/run.js";
import type { RunSpec } from "../../src/scenario/types.js";

const SCENARIO = fileURLToPath(new URL("../fixtures/scenarios/small-dp16.yaml", import.meta.url));
const spec = (sets: string[], seed = 1, steps = 2): RunSpec => ({ scenarioPath: SCENARIO, sets, seed, steps });
const JITTER = ["noise.jitter.sigma=0.08"];
const SLOW = ["noise.persistent.slowFraction=0.125", "noise.persistent.slowFactor=1.3"];

function trainingSpec(sets: string[]) {
  const s = loadAnyScenario(SCENARIO, sets);
  if (s.kind !== "training") throw new Error("expected a training scenario");
  return s.spec;
}

describe("shared noise-free twins (NoiseFreeCache)", () => {
  it("a noisy run with a cache equals the run without, and later seeds take the twin from it", () => {
    const cache = new NoiseFreeCache();
    const first = runScenario(spec(JITTER, 1), undefined, cache);
    expect(first).toEqual(runScenario(spec(JITTER, 1)));
    expect(first.ok && first.metrics.noiseFreeStepTimeSeconds).toBeGreaterThan(0);
    expect([cache.hits, cache.misses, cache.size]).toEqual([0, 1, 1]);
    for (const seed of [2, 3]) {
      const r = runScenario(spec(JITTER, seed), undefined, cache);
      expect(r).toEqual(runScenario(spec(JITTER, seed)));
    }
    // Another kind of noise on the same configuration shares the same twin.
    expect(runScenario(spec(SLOW, 4), undefined, cache)).toEqual(runScenario(spec(SLOW, 4)));
    expect([cache.hits, cache.misses, cache.size]).toEqual([3, 1, 1]);
  });

  it("a quiet run is its own twin: a noisy run after it computes none", () => {
    const cache = new NoiseFreeCache();
    const quiet = runScenario(spec([]), undefined, cache);
    expect(cache.size).toBe(1);
    const noisy = runScenario(spec(JITTER), undefined, cache);
    expect([cache.hits, cache.misses]).toEqual([1, 0]);
    expect(noisy).toEqual(runScenario(spec(JITTER)));
    expect(noisy.ok && quiet.ok && noisy.metrics.noiseFreeStepTimeSeconds).toBe(
      quiet.ok && quiet.metrics.stepTimeSeconds,
    );
  });

  it("the key ignores seed and noise, and tells apart steps and every other field", () => {
    const quiet = trainingSpec([]);
    const key = noiseFreeKey(quiet, 2);
    expect(noiseFreeKey(trainingSpec(JITTER), 2)).toBe(key);
    expect(noiseFreeKey(trainingSpec(SLOW), 2)).toBe(key);
    expect(noiseFreeKey(quiet, 3)).not.toBe(key);
    expect(noiseFreeKey(trainingSpec(["topology.scaleOut.nicGbps=100"]), 2)).not.toBe(key);
    expect(noiseFreeKey(trainingSpec(["parallel.microBatchSize=2"]), 2)).not.toBe(key);
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new NoiseFreeCache(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c"), cache.size]).toEqual([1, undefined, 3, 2]);
  });

  it("a claim's points give the same results on 1 thread (one shared cache) and 2 (one per worker)", async () => {
    const specs = [spec([]), spec(JITTER, 1), spec(JITTER, 2), spec(SLOW, 1), spec(["noise.jitter.sigma=0.02"], 5)];
    const one = await runPoints(specs, { threads: 1 });
    const two = await runPoints(specs, { threads: 2 });
    expect(one.every((r) => r.ok)).toBe(true);
    expect(two).toEqual(one);
  });
});
