import type { ServingScenarioSpec } from "./serving-scenario-spec.js";
import type { RunResult } from "./types.js";

/** Serving composition root (being written): see src/workload/serving/. */
export function runServingScenario(_spec: ServingScenarioSpec, _seed: number): RunResult {
  return { ok: false, kind: "internal", error: "serving simulation not implemented yet" };
}
