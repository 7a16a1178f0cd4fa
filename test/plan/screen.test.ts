import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import { CollectiveRunner } from "../../src/collectives/runner.js";
import { Simulator } from "../../src/engine/index.js";
import { clusterNetwork } from "../../src/network/cluster-network.js";
import { stepLowerBoundS } from "../../src/plan/lower-bound.js";
import { screenPlan, sharedPredictor } from "../../src/plan/screen.js";
import { loadAnyScenario } from "../../src/scenario/load-scenario.js";
import type { ScenarioSpec } from "../../src/scenario/scenario-spec.js";
import { resolveModel } from "../../src/workload/model-spec.js";
import { resolvePlan } from "../../src/workload/plan-spec.js";

/**
 * The closed-form tier against the DES: every shipped training scenario's
 * stored DES step time (runs/baselines/, kept current by CI's baseline check)
 * next to the screen of the same plan, within 15%; and the lower bound the
 * search prunes with never above the screen.
 */
const BASELINES = "runs/baselines";

interface Baseline {
  file: string;
  kind: string;
  metrics?: Record<string, number>;
}

const trainingBaselines = readdirSync(BASELINES)
  .map((f) => JSON.parse(readFileSync(join(BASELINES, f), "utf8")) as Baseline)
  .filter((b) => b.kind === "scenario" && typeof b.metrics?.stepTimeSeconds === "number");

function tools(spec: ScenarioSpec) {
  const cluster = buildCluster(spec.topology);
  const sim = new Simulator();
  const runner = new CollectiveRunner(sim, cluster, clusterNetwork(sim, cluster), {
    granularity: spec.collectives.granularity,
  });
  return {
    cluster,
    predict: sharedPredictor(runner),
    model: resolveModel(spec.model),
    plan: resolvePlan(spec.parallel),
  };
}

describe("plan screening (closed form) against the DES", () => {
  it("covers the shipped training scenarios", () => {
    expect(trainingBaselines.length).toBeGreaterThanOrEqual(15);
  });

  it.each(trainingBaselines.map((b) => [b.file, b.metrics?.stepTimeSeconds as number] as const))(
    "%s: screen within 15 percent of the DES step time (%f s)",
    (file, desStepS) => {
      const loaded = loadAnyScenario(file, []);
      if (loaded.kind !== "training") throw new Error(`${file} is not a training scenario`);
      const { cluster, predict, model, plan } = tools(loaded.spec);
      const est = screenPlan(model, plan, cluster, predict);
      expect(Math.abs(est.stepS / desStepS - 1)).toBeLessThan(0.15);
      const bound = stepLowerBoundS(model, plan, cluster, predict, new Map());
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThanOrEqual(est.stepS * (1 + 1e-9));
    },
  );
});
