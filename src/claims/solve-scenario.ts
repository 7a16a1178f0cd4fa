import { resolve } from "node:path";
import { servingMetricColumns } from "../scenario/serving-metric-columns.js";
import type { ServingScenarioSpec } from "../scenario/serving-scenario-spec.js";
import type { ClaimMetric } from "./claim-spec.js";
import type { LoadedClaim } from "./load-claim.js";
import { servingCards } from "./resize.js";
import type { PointsProgress } from "./run-points.js";
import { type SolveResult, solveBreakingPoint } from "./solve.js";

/** A bound on a metric of one run: `METRIC<=VALUE` or `METRIC>=VALUE`. */
export interface RunTarget {
  metric: string;
  op: ">=" | "<=";
  value: number;
}

/** The target of `run --solve` on a serving scenario when none is given: both SLOs hold at their percentile. */
export const DEFAULT_SERVING_TARGET = "sloRatio<=1";

/** Metrics a serving `run --solve --target` may bound: the keys of a serving run's metrics. */
export function servingTargetMetrics(): string[] {
  return servingMetricColumns();
}

/** Parses `METRIC<=VALUE` / `METRIC>=VALUE` (spaces allowed); an error sentence when it is not one. */
export function parseTarget(text: string, metrics: readonly string[]): RunTarget | { error: string } {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(<=|>=)\s*(\S+)\s*$/.exec(text);
  const value = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isFinite(value)) {
    return { error: `expected 'METRIC<=VALUE' or 'METRIC>=VALUE' (e.g. 'sloRatio<=1'), found '${text}'` };
  }
  const metric = m[1] as string;
  if (!metrics.includes(metric)) {
    return { error: `unknown metric '${metric}' (expected one of: ${metrics.join(", ")})` };
  }
  return { metric, op: m[2] as RunTarget["op"], value };
}

export interface ServingSolveOptions {
  scenarioPath: string;
  /** The scenario loaded with `sets` (its size is the size every probe runs at). */
  scenario: ServingScenarioSpec;
  /** Overrides under every probe (the command line's --set). */
  sets: string[];
  /** Dot path of a numeric field, e.g. serving.traffic.ratePerS or topology.accelerator.overrides.hbmTBps. */
  field: string;
  target: RunTarget;
  range?: [number, number];
  seed: number;
  seeds: number;
  threads?: number;
  progress?: PointsProgress;
}

/**
 * `run SCENARIO --solve FIELD --target 'METRIC<=VALUE'` on a serving
 * scenario: where the target stops holding as the field changes, by the claim
 * solver (bracketing then bisection, src/claims/solve.ts) on an in-memory
 * claim whose bound is the target, evaluated at the scenario's own size (no
 * resizing: the probes may change instances or parallelism themselves).
 * With several seeds each probe's metric is the mean over seeds.
 */
export async function solveServingScenario(opts: ServingSolveOptions): Promise<SolveResult> {
  const { target } = opts;
  const claim: LoadedClaim = {
    file: opts.scenarioPath,
    spec: {
      statement: `${target.metric} ${target.op} ${target.value}`,
      scenario: opts.scenarioPath,
      mode: "weak",
      targetCards: servingCards(opts.scenario),
      // Any key of the run's metrics can be bounded here; the claim file schema allows CLAIM_METRICS only.
      bound: { metric: target.metric as ClaimMetric, op: target.op, value: target.value, relative: false },
      steps: 1,
      seeds: opts.seeds,
      seed: opts.seed,
      variants: [],
    },
    scenarioPath: resolve(opts.scenarioPath),
    scenario: { kind: "serving", spec: opts.scenario },
    atScenarioSize: true,
  };
  return solveBreakingPoint(claim, {
    field: opts.field,
    sets: opts.sets,
    ...(opts.range ? { range: opts.range } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
}
