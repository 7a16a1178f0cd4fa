import { runScenario } from "../../src/scenario/run.js";

/** One step of a training scenario with `--set` overrides (seed 1): its metrics and its time breakdown. */
export function runStep(scenarioPath: string, sets: readonly string[]) {
  const r = runScenario({ scenarioPath, sets: [...sets], seed: 1, steps: 1 });
  if (!r.ok) throw new Error(r.error);
  const breakdown = r.details.breakdownSeconds as Record<string, number>;
  return { metrics: r.metrics, step: r.metrics.stepTimeSeconds as number, breakdown };
}
