import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

/**
 * Plausibility bounds on every number that reaches the engine or an
 * allocation (issue 13 item 3): random values, absurd ones included
 * (0, negatives, a subnormal, 1e300, 1e15, NaN-like text), in every numeric
 * field of a small training and a small serving scenario. Whatever the value,
 * a run either succeeds or comes back as a classified problem (bad input, a
 * plan that cannot run, out of memory): never an exception (an internal
 * error), and never an unbounded run (the test's timeout bounds the time;
 * every case that runs simulates a few milliseconds of a 16-card cluster).
 */
const TRAINING = fileURLToPath(new URL("../fixtures/scenarios/small-dp16.yaml", import.meta.url));
const SERVING = fileURLToPath(new URL("../fixtures/serving/tiny-offline.yaml", import.meta.url));
const EXPERT_PARALLEL = fileURLToPath(new URL("../fixtures/serving-ep/tiny-moe-ep.yaml", import.meta.url));

const TRAINING_FIELDS = [
  "topology.scaleOut.nicGbps",
  "topology.scaleOut.latencyUs",
  "topology.scaleUp.bandwidthGBps",
  "topology.scaleUp.latencyUs",
  "topology.accelerator.overrides.hbmTBps",
  "topology.accelerator.overrides.hbmGB",
  "topology.accelerator.overrides.peakBf16Tflops",
  "topology.accelerator.overrides.efficiency.matmul",
  "parallel.tp",
  "parallel.dp",
  "parallel.microBatchSize",
  "parallel.globalBatchSize",
  "model.layers",
  "model.hiddenSize",
  "model.vocabSize",
  "model.seqLength",
  "noise.jitter.sigma",
  "noise.persistent.slowFactor",
];
const SERVING_FIELDS = [
  "serving.deployment.instances",
  "serving.deployment.tp",
  "serving.deployment.hbmUsableFraction",
  "serving.deployment.workspaceGB",
  "serving.scheduler.maxSequences",
  "serving.scheduler.maxBatchedTokens",
  "serving.kvCache.blockTokens",
  "serving.kvCache.prefixHitFraction",
  "serving.traffic.requests",
  "serving.traffic.inputTokens.mean",
  "serving.traffic.outputTokens.mean",
  "serving.slo.ttftS",
  "serving.overheads.iterationS",
  "topology.accelerator.overrides.hbmTBps",
  "topology.scaleUp.bandwidthGBps",
];
/** Expert parallelism, request classes' neighbours and node groups' neighbours (issue 15 fields). */
const EXPERT_PARALLEL_FIELDS = [
  "serving.deployment.expertParallel.ep",
  "serving.deployment.expertParallel.redundantExperts",
  "serving.deployment.expertParallel.maxNodesPerToken",
  "serving.deployment.expertParallel.expertImbalance",
  "serving.deployment.tp",
  "model.moe.experts",
  "model.moe.topK",
  "model.moe.expertGroups",
  "model.moe.expertFfnHiddenSize",
  "serving.kvCache.prefixCacheEntries",
  "serving.routerBalanceThreshold",
  "topology.scaleOut.nicGbps",
];
const VALUES = ["0", "-1", "1e-320", "1e300", "1e15", "1e9", "0.5", "3", "1", "2.5e-7", "NaN", "abc"];

const KINDS = new Set(["invalid-input", "invalid-plan", "out-of-memory"]);

function check(path: string, field: string, value: string, base: string[] = []): void {
  const r = runScenario({ scenarioPath: path, sets: [...base, `${field}=${value}`], seed: 1, steps: 1 });
  if (!r.ok) {
    expect(KINDS.has(r.kind), `${field}=${value}: kind ${r.kind}: ${r.error}`).toBe(true);
    expect(r.error, `${field}=${value}`).not.toMatch(/\n\s+at /);
  } else {
    for (const [k, v] of Object.entries(r.metrics)) expect(Number.isNaN(v) && k === "cards", k).toBe(false);
  }
}

describe("random values in every numeric field end in a result or a classified problem, never an exception", () => {
  it("training scenario", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRAINING_FIELDS), fc.constantFrom(...VALUES), (field, value) => {
        check(TRAINING, field, value);
      }),
      { numRuns: 60, seed: 11 },
    );
  }, 300_000);

  it("serving scenario", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVING_FIELDS), fc.constantFrom(...VALUES), (field, value) => {
        check(SERVING, field, value);
      }),
      { numRuns: 60, seed: 12 },
    );
  }, 300_000);

  it("expert-parallel serving scenario", () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXPERT_PARALLEL_FIELDS), fc.constantFrom(...VALUES), (field, value) => {
        check(EXPERT_PARALLEL, field, value, ["serving.traffic.requests=64"]);
      }),
      { numRuns: 60, seed: 13 },
    );
  }, 300_000);

  it("the examples of the issue are input errors naming the field and the unit", () => {
    const bad = (path: string, set: string) => runScenario({ scenarioPath: path, sets: [set], seed: 1, steps: 1 });
    const nic = bad(TRAINING, "topology.scaleOut.nicGbps=1e-320");
    expect(nic.ok).toBe(false);
    if (!nic.ok) expect(nic.error).toMatch(/nicGbps.*Gb\/s/);
    const lat = bad(TRAINING, "topology.scaleOut.latencyUs=1e300");
    expect(lat.ok).toBe(false);
    if (!lat.ok) expect(lat.error).toMatch(/latencyUs.*microseconds/);
    const batch = bad(TRAINING, "parallel.globalBatchSize=1000000000000000");
    expect(batch.ok).toBe(false);
    if (!batch.ok) expect(batch.error).toMatch(/globalBatchSize/);
  });
});
