/**
 * The composition root's contract: `runScenario(spec: RunSpec): RunResult`
 * (src/scenario/run.ts). The CLI, tests, sweep workers and claim checker all
 * call it. Both types are plain, structured-clonable data.
 */
export interface RunSpec {
  /** Scenario file (YAML or JSON). */
  scenarioPath: string;
  /** `path=value` overrides applied to the loaded file tree before validation. */
  sets: string[];
  /** Seed of the run's random streams. */
  seed: number;
  /** Consecutive training steps to simulate. */
  steps: number;
  /**
   * Training: simulate one card position of each symmetric group and copy it (default true;
   * results agree to rounding, docs/model.md "Symmetry"). false: every flow (`run --no-symmetry`).
   */
  symmetry?: boolean;
}

/**
 * What a run returns: `{ ok: true, metrics, details }` or `{ ok: false, kind,
 * error }`. The types are inferred from the zod schema in
 * src/scenario/run-result.ts, which also checks results that arrive from
 * worker threads and runner modules.
 */
export type { RunFailed, RunFailureKind, RunMetrics, RunOk, RunResult } from "./run-result.js";
