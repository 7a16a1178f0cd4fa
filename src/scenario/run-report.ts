import { meanCi95, percentile } from "../metrics/stats.js";
import { simulateJob } from "../stragglers/failures-sim.js";
import { goodputClosedForm } from "../stragglers/goodput-closed-form.js";
import { optimalIntervalS } from "../stragglers/goodput-optimum.js";
import { resolveModel } from "../workload/model-spec.js";
import { totalParams } from "../workload/params.js";
import { loadScenario } from "./load-scenario.js";
import type { RunResult } from "./types.js";

/** The metrics that get a mean and 95% CI across seeds. */
export const SEED_METRICS = [
  "stepTimeSeconds",
  "stepTimeP50Seconds",
  "stepTimeP95Seconds",
  "stepTimeP99Seconds",
  "tokensPerSecond",
  "tflopsPerCard",
  "mfu",
  "hfu",
  "stragglerShare",
] as const;

/** The serving metrics that get a mean and 95% CI across seeds (`run --seeds K` on a serving scenario). */
export const SERVING_SEED_METRICS = [
  "requestsPerSecond",
  "outputTokensPerSecond",
  "ttftP99Seconds",
  "tpotP99Seconds",
  "sloAttainment",
] as const;

export interface SeedSummary {
  seeds: number[];
  /** metric -> { mean, halfWidth (95% CI), low, high } across seeds. */
  metrics: Record<string, { mean: number; halfWidth: number; low: number; high: number }>;
  /** Percentiles across seeds of each seed's mean step time (training runs only). */
  stepTimeAcrossSeeds?: { p50: number; p95: number; p99: number };
}

/**
 * Summarises one successful run per seed (mean ± 95% CI by Student's t) of
 * each metric in `keys` (default: the training metrics, SEED_METRICS). A
 * metric without a finite value in any run (TPOT of single-token outputs) is
 * left out; non-finite values are skipped.
 */
export function summarizeSeeds(
  seeds: number[],
  runs: Array<Record<string, number>>,
  keys: readonly string[] = SEED_METRICS,
): SeedSummary {
  const metrics: SeedSummary["metrics"] = {};
  for (const key of keys) {
    const xs = runs.map((r) => r[key]).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    if (xs.length === 0) continue;
    const ci = meanCi95(xs);
    metrics[key] = {
      mean: ci.mean,
      halfWidth: Number.isNaN(ci.halfWidth) ? 0 : ci.halfWidth,
      low: ci.low,
      high: ci.high,
    };
  }
  const all = runs.map((r) => r.stepTimeSeconds).filter((x): x is number => typeof x === "number");
  return {
    seeds,
    metrics,
    ...(all.length > 0
      ? { stepTimeAcrossSeeds: { p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99) } }
      : {}),
  };
}

export interface JobDaysReport {
  jobDays: number;
  goodput: number;
  expectedFailures: number;
  simulatedFailures: number;
  checkpointIntervalS: number;
  closedFormGoodput: number;
  optimum: {
    intervalS: number;
    goodput: number;
    youngS: number;
    dalyS: number;
    goodputAtYoung: number;
    goodputAtDaly: number;
  };
  checkpointBytes: number;
}

/**
 * Failures and goodput over a job of `jobDays` days of useful training, for a
 * scenario with a `failures:` block. Checkpoint size: every parameter's bf16
 * weight, fp32 master copy and two Adam moments (2 + 4 + 8 = 14 bytes; ZeRO
 * paper, Rajbhandari et al. 2020) unless the block gives sizeBytes.
 */
export function jobDaysReport(
  scenarioPath: string,
  sets: readonly string[],
  run: RunResult,
  jobDays: number,
  seed: number,
  onEvaluated?: (done: number, total: number) => void,
): JobDaysReport | { error: string } {
  if (!run.ok) return { error: run.error };
  const scenario = loadScenario(scenarioPath, sets);
  if (!scenario.failures) {
    return {
      error: `${scenarioPath}: --job-days needs a 'failures:' block in the scenario (see docs/model.md, "Failures and goodput")`,
    };
  }
  const model = resolveModel(scenario.model);
  const checkpointBytes = scenario.failures.checkpoint.sizeBytes ?? totalParams(model) * 14;
  const cards = run.metrics.cards as number;
  const job = {
    cards,
    nodes: scenario.topology.nodes,
    usefulS: jobDays * 86_400,
    checkpointBytes,
    stepTimeS: run.metrics.stepTimeSeconds as number,
  };
  const sim = simulateJob(scenario.failures, job, seed);
  const closed = goodputClosedForm(sim.params, job.usefulS);
  const opt = optimalIntervalS(scenario.failures, job, {
    seeds: [seed, seed + 1, seed + 2, seed + 3],
    ...(onEvaluated ? { onEvaluated } : {}),
  });
  return {
    jobDays,
    goodput: sim.goodput,
    expectedFailures: closed.expectedFailures,
    simulatedFailures: sim.failures,
    checkpointIntervalS: sim.params.intervalS,
    closedFormGoodput: closed.goodput,
    optimum: {
      intervalS: opt.intervalS,
      goodput: opt.goodput,
      youngS: opt.youngS,
      dalyS: opt.dalyS,
      goodputAtYoung: opt.goodputAtYoung,
      goodputAtDaly: opt.goodputAtDaly,
    },
    checkpointBytes,
  };
}
