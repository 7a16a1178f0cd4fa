import { InputError } from "../input/issues.js";
import { meanCi95 } from "../metrics/stats.js";
import { type AnyScenario, loadAnyScenario } from "../scenario/load-scenario.js";
import type { RunSpec } from "../scenario/types.js";
import type { PointResult } from "../sweep/result-columns.js";
import { breakdownOf } from "./breakdown-runner.js";
import { type BoundSpec, RELATIVE_METRICS } from "./claim-spec.js";
import {
  largestLoss,
  linearity,
  lossContributions,
  type SizePoint,
  scalingEfficiency,
  timeShares,
} from "./efficiency.js";
import type { LoadedClaim } from "./load-claim.js";
import { resizeAnySets } from "./resize.js";
import { type RunPointsOptions, runPoints } from "./run-points.js";

/** One evaluation of a claim: the baseline, a variant, or a probe of --solve/--sensitivity. */
export interface EvalCase {
  name: string;
  /** Overrides on top of the scenario (a variant's `set`, plus probe values). */
  sets: string[];
  /** With a relative bound: overrides of the reference run only (a variant's `referenceSet`). */
  referenceSets?: string[];
  /** With a relative bound: overrides of the claim's run only (a --solve probe: the reference stays put). */
  ownSets?: string[];
  required: boolean;
}

export interface MetricEstimate {
  /** Mean over seeds. */
  mean: number;
  /** 95% CI half-width over seeds (NaN with one seed). */
  halfWidth: number;
  values: number[];
}

export type CaseOutcome =
  | {
      name: string;
      required: boolean;
      ok: true;
      /** The bounded value: the metric, or with a relative bound the metric over the reference's (per seed). */
      value: MetricEstimate;
      holds: boolean;
      /** Distance to the bound, positive when the claim holds (value − bound for >=, bound − value for <=). */
      margin: number;
      /** What the loss is made of: contributions to 1 − efficiency (relative metrics) or time shares at the target. */
      loss: Record<string, number>;
      lossKind: "efficiency-loss" | "time-share";
      largestLoss?: { category: string; value: number };
      /** Why the verdict is not the bound's comparison alone (an overloaded serving run fails any latency bound). */
      note?: string;
      /** Metrics of the target-size run (first seed). */
      target: Record<string, number>;
      /** Metrics of the base-size run (first seed), for relative metrics. */
      base?: Record<string, number>;
      /** With a relative bound: the metric of the claim's run, and of the reference run (means over seeds). */
      own?: MetricEstimate;
      reference?: { name: string; value: MetricEstimate; target: Record<string, number> };
    }
  | {
      name: string;
      required: boolean;
      ok: false;
      reason: string;
      /** The failed run's kind when a run failed ("invalid-input": the scenario is inconsistent at this value). */
      runKind?: string;
    };

/** Whether `value op bound` holds; margin > 0 when it does (margin 0 counts as holding). */
export function compareBound(
  bound: Pick<BoundSpec, "metric" | "op" | "value">,
  value: number,
): { holds: boolean; margin: number } {
  const margin = bound.op === ">=" ? value - bound.value : bound.value - value;
  return { holds: margin >= 0, margin };
}

/** One run group of a case: the claim's run, or the reference run of a relative bound. */
interface Arm {
  /** Index of the first spec of this arm in the batch: target seeds, then base seeds. */
  first: number;
}

interface Planned {
  c: EvalCase;
  reason?: string;
  arms: Arm[];
}

/**
 * Evaluates cases of one claim: resizes the scenario (with the case's
 * overrides) to the target size, and to the base size for relative metrics,
 * runs every seed of every case as one batch (in parallel when threads > 1),
 * and compares the metric with the bound. With a relative bound each case
 * also runs with the reference's overrides (after the case's), and the
 * bounded value is the ratio of the two metrics, seed by seed.
 */
export async function evaluateCases(
  claim: LoadedClaim,
  cases: readonly EvalCase[],
  opts: RunPointsOptions = {},
): Promise<CaseOutcome[]> {
  const { spec } = claim;
  const relative = RELATIVE_METRICS.includes(spec.bound.metric);
  const seeds = Array.from({ length: spec.seeds }, (_, i) => spec.seed + i);
  const sizes = relative ? [spec.targetCards, spec.baseCards as number] : [spec.targetCards];
  const reference = spec.bound.relative ? spec.reference : undefined;
  const specs: RunSpec[] = [];
  const planned: Planned[] = cases.map((c) => {
    const own = [...c.sets, ...(c.ownSets ?? [])];
    const armSets = reference ? [own, [...c.sets, ...reference.set, ...(c.referenceSets ?? [])]] : [own];
    const arms: { sets: string[]; resized: string[][] }[] = [];
    for (const [a, sets] of armSets.entries()) {
      const who = a === 0 ? "" : `reference '${reference?.name}': `;
      let scenario: AnyScenario;
      try {
        scenario = loadAnyScenario(claim.scenarioPath, sets);
      } catch (err) {
        if (err instanceof InputError) return { c, reason: `${who}${err.message}`, arms: [] };
        throw err;
      }
      if (claim.atScenarioSize) {
        arms.push({ sets, resized: sizes.map(() => []) });
        continue;
      }
      const resized: string[][] = [];
      for (const n of sizes) {
        const r = resizeAnySets(scenario, n, spec.mode);
        if (!r.ok) return { c, reason: `${who}at ${n.toLocaleString("en-US")} cards: ${r.reason}`, arms: [] };
        resized.push(r.sets);
      }
      arms.push({ sets, resized });
    }
    return {
      c,
      arms: arms.map(({ sets, resized }) => {
        const first = specs.length;
        for (const r of resized) {
          for (const seed of seeds) {
            specs.push({ scenarioPath: claim.scenarioPath, sets: [...sets, ...r], seed, steps: spec.steps });
          }
        }
        return { first };
      }),
    };
  });
  const results = await runPoints(specs, opts);
  return planned.map((p) => outcomeOf(claim, p, results, seeds.length, sizes));
}

function outcomeOf(
  claim: LoadedClaim,
  p: Planned,
  results: readonly PointResult[],
  seedCount: number,
  sizes: readonly number[],
): CaseOutcome {
  const { name, required } = p.c;
  if (p.reason !== undefined) return { name, required, ok: false, reason: p.reason };
  const relative = sizes.length > 1;
  const metric = claim.spec.bound.metric;
  const arms: {
    values: number[];
    loss: Record<string, number>;
    targets: Record<string, number>[];
    bases: Record<string, number>[];
  }[] = [];
  for (const [a, arm] of p.arms.entries()) {
    const runs = results.slice(arm.first, arm.first + seedCount * sizes.length);
    const failed = runs.find((r) => !r.ok);
    if (failed && !failed.ok) {
      const size = sizes[Math.floor(runs.indexOf(failed) / seedCount)] as number;
      const where = claim.atScenarioSize ? "" : `at ${size.toLocaleString("en-US")} cards: `;
      const who = a === 0 ? "" : `reference '${claim.spec.reference?.name}': `;
      return {
        name,
        required,
        ok: false,
        reason: `${who}${where}${failed.kind}: ${failed.error}`,
        runKind: failed.kind,
      };
    }
    const metrics = runs.map((r) => (r.ok ? r.metrics : {}));
    const targets = metrics.slice(0, seedCount);
    const bases = metrics.slice(seedCount);
    const values: number[] = [];
    const loss: Record<string, number> = {};
    for (let i = 0; i < seedCount; i++) {
      const t = targets[i] as Record<string, number>;
      let l: Record<string, number>;
      if (relative) {
        const bp = sizePoint(bases[i] as Record<string, number>);
        const tp = sizePoint(t);
        values.push(metric === "linearity" ? linearity(bp, tp) : scalingEfficiency(bp, tp));
        l = lossContributions(bp, tp);
      } else {
        values.push(t[metric] ?? Number.NaN);
        l = timeShares(sizePoint(t));
      }
      for (const [k, v] of Object.entries(l)) loss[k] = (loss[k] ?? 0) + v / seedCount;
    }
    arms.push({ values, loss, targets, bases });
  }
  const own = arms[0] as (typeof arms)[number];
  const ref = arms[1];
  const values = ref ? own.values.map((v, i) => v / (ref.values[i] as number)) : own.values;
  const estimate = (xs: number[]): MetricEstimate => {
    const ci = meanCi95(xs);
    return { mean: ci.mean, halfWidth: ci.halfWidth, values: xs };
  };
  const value = estimate(values);
  const compared = compareBound(claim.spec.bound, value.mean);
  // An overloaded serving run has no steady-state latency: its queue grows for as long as the
  // load lasts, so its percentiles only say how long the simulated window was. It cannot hold
  // a latency bound, whatever the window's percentiles were.
  const overloaded =
    isLatencyMetric(metric) && arms.some((a) => [...a.targets, ...a.bases].some((m) => m.overloaded === 1));
  const holds = compared.holds && !overloaded;
  const margin = compared.margin;
  const top = largestLoss(own.loss, relative ? [] : ["compute"]);
  return {
    name,
    required,
    ok: true,
    value,
    holds,
    margin,
    loss: own.loss,
    lossKind: relative ? "efficiency-loss" : "time-share",
    ...(top ? { largestLoss: top } : {}),
    ...(overloaded
      ? { note: "overloaded (queue growing): latencies are not steady-state, so no latency bound holds" }
      : {}),
    target: own.targets[0] as Record<string, number>,
    ...(relative ? { base: own.bases[0] as Record<string, number> } : {}),
    ...(ref
      ? {
          own: estimate(own.values),
          reference: {
            name: claim.spec.reference?.name ?? "reference",
            value: estimate(ref.values),
            target: ref.targets[0] as Record<string, number>,
          },
        }
      : {}),
  };
}

/** The SizePoint of a run's flat metrics (breakdown folded in by runWithBreakdown). */
export function sizePoint(m: Record<string, number>): SizePoint {
  return {
    cards: m.cards ?? Number.NaN,
    // Serving runs: output tokens per second (they have no step breakdown, so no loss decomposition).
    tokensPerSecond: m.tokensPerSecond ?? m.outputTokensPerSecond ?? Number.NaN,
    stepTimeSeconds: m.stepTimeSeconds ?? Number.NaN,
    breakdownSeconds: breakdownOf(m),
  };
}

/** The baseline and every variant of a claim, as cases. */
export function claimCases(claim: LoadedClaim): EvalCase[] {
  return [
    { name: "baseline", sets: [], required: true },
    ...claim.spec.variants.map((v) => ({
      name: v.name,
      sets: v.set,
      ...(v.referenceSet.length > 0 ? { referenceSets: v.referenceSet } : {}),
      required: v.required,
    })),
  ];
}

/**
 * Serving metrics that measure latency as users see it (or the share of requests within their
 * latency limits): an overloaded run cannot hold a bound on them. Throughputs and utilisations can.
 */
export function isLatencyMetric(metric: string): boolean {
  return (
    /^(ttft|tpot|e2e)[A-Z]/.test(metric) || ["sloRatio", "sloAttainment", "goodputRequestsPerSecond"].includes(metric)
  );
}
