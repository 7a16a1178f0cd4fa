import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

/**
 * DeepSeek-V3 pre-training on 2,048 H800 (issue: within ±20% of the published
 * throughput, with the shipped constants): 14.8T tokens in 2.664M H800
 * GPU-hours (DeepSeek-V3 Technical Report, Table 1 and the model README) is
 * ~1,543 tokens/s per GPU. The scenario carries DeepSeek's plan: PP 16,
 * EP 64 over 8 nodes with node-limited routing to 4 nodes and per-node
 * dispatch, the all-to-alls of forward and backward chunks overlapped
 * (DualPipe), ZeRO-1, FP8 (its comment lists what differs: full
 * recomputation, 1F1B's bubble).
 */
const FILE = "topologies/published/deepseek/deepseek-v3-train-h800-2048.yaml";
const PUBLISHED = 14.8e12 / (2.664e6 * 3600);

describe("DeepSeek-V3 pre-training on 2,048 H800", () => {
  it("is within ±20% of the published tokens/s per GPU", () => {
    const r = runScenario({ scenarioPath: FILE, sets: [], seed: 1, steps: 1 });
    if (!r.ok) throw new Error(r.error);
    const perGpu = (r.metrics.tokensPerSecond as number) / (r.metrics.cards as number);
    expect(perGpu / PUBLISHED).toBeGreaterThan(0.8);
    expect(perGpu / PUBLISHED).toBeLessThan(1.2);
  });

  it("without node-limited per-node dispatch and the overlap it is far below (what those two are worth)", () => {
    const r = runScenario({
      scenarioPath: FILE,
      sets: ["parallel.expertDispatch.mode=all-to-all", "parallel.expertCommOverlap=false"],
      seed: 1,
      steps: 1,
    });
    if (!r.ok) throw new Error(r.error);
    const perGpu = (r.metrics.tokensPerSecond as number) / (r.metrics.cards as number);
    expect(perGpu / PUBLISHED).toBeLessThan(0.7);
  });
});
