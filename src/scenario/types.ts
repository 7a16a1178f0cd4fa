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
}

export type RunResult = RunOk | RunFailed;

export interface RunOk {
  ok: true;
  /** Headline metrics, flat, units in names (stable keys; documented in the README). */
  metrics: Record<string, number>;
  /** Anything else a report may show (breakdowns, per-step times, memory). */
  details: Record<string, unknown>;
}

export interface RunFailed {
  ok: false;
  /** "invalid-input" | "out-of-memory" | "invalid-plan" | "internal" */
  kind: string;
  /** One-line (or few-line) message for a person. */
  error: string;
}
