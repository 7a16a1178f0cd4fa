import { InputError } from "../input/issues.js";
import { meanCi95 } from "../metrics/stats.js";
import { loadScenario } from "../scenario/load-scenario.js";
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
import { resizeSets } from "./resize.js";
import { runPoints } from "./run-points.js";

/** One evaluation of a claim: the baseline, a variant, or a probe of --solve/--sensitivity. */
export interface EvalCase {
  name: string;
  /** Overrides on top of the scenario (a variant's `set`, plus probe values). */
  sets: string[];
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
      value: MetricEstimate;
      holds: boolean;
      /** Distance to the bound, positive when the claim holds (value − bound for >=, bound − value for <=). */
      margin: number;
      /** What the loss is made of: contributions to 1 − efficiency (relative metrics) or time shares at the target. */
      loss: Record<string, number>;
      lossKind: "efficiency-loss" | "time-share";
      largestLoss?: { category: string; value: number };
      /** Metrics of the target-size run (first seed). */
      target: Record<string, number>;
      /** Metrics of the base-size run (first seed), for relative metrics. */
      base?: Record<string, number>;
    }
  | { name: string; required: boolean; ok: false; reason: string };

/** Whether `value op bound` holds; margin > 0 when it does (margin 0 counts as holding). */
export function compareBound(bound: BoundSpec, value: number): { holds: boolean; margin: number } {
  const margin = bound.op === ">=" ? value - bound.value : bound.value - value;
  return { holds: margin >= 0, margin };
}

interface Planned {
  c: EvalCase;
  reason?: string;
  /** Index of the first spec of this case in the batch: target seeds, then base seeds. */
  first: number;
}

/**
 * Evaluates cases of one claim: resizes the scenario (with the case's
 * overrides) to the target size, and to the base size for relative metrics,
 * runs every seed of every case as one batch (in parallel when threads > 1),
 * and compares the metric with the bound.
 */
export async function evaluateCases(
  claim: LoadedClaim,
  cases: readonly EvalCase[],
  opts: { threads?: number } = {},
): Promise<CaseOutcome[]> {
  const { spec } = claim;
  const relative = RELATIVE_METRICS.includes(spec.bound.metric);
  const seeds = Array.from({ length: spec.seeds }, (_, i) => spec.seed + i);
  const specs: RunSpec[] = [];
  const planned: Planned[] = cases.map((c) => {
    let scenario: ReturnType<typeof loadScenario>;
    try {
      scenario = loadScenario(claim.scenarioPath, c.sets);
    } catch (err) {
      if (err instanceof InputError) return { c, reason: err.message, first: -1 };
      throw err;
    }
    const sizes = relative ? [spec.targetCards, spec.baseCards as number] : [spec.targetCards];
    const resized = sizes.map((n) => ({ n, r: resizeSets(scenario, n, spec.mode) }));
    const bad = resized.find((x) => !x.r.ok);
    if (bad && !bad.r.ok) return { c, reason: `at ${bad.n.toLocaleString("en-US")} cards: ${bad.r.reason}`, first: -1 };
    const first = specs.length;
    for (const { r } of resized) {
      if (!r.ok) continue;
      for (const seed of seeds) {
        specs.push({ scenarioPath: claim.scenarioPath, sets: [...c.sets, ...r.sets], seed, steps: spec.steps });
      }
    }
    return { c, first };
  });
  const results = await runPoints(specs, opts);
  return planned.map((p) => outcomeOf(claim, p, results, seeds.length, relative));
}

function outcomeOf(
  claim: LoadedClaim,
  p: Planned,
  results: readonly PointResult[],
  seedCount: number,
  relative: boolean,
): CaseOutcome {
  const { name, required } = p.c;
  if (p.reason !== undefined) return { name, required, ok: false, reason: p.reason };
  const runs = results.slice(p.first, p.first + seedCount * (relative ? 2 : 1));
  const failed = runs.find((r) => !r.ok);
  if (failed && !failed.ok) {
    const size = runs.indexOf(failed) < seedCount ? claim.spec.targetCards : (claim.spec.baseCards as number);
    return {
      name,
      required,
      ok: false,
      reason: `at ${size.toLocaleString("en-US")} cards: ${failed.kind}: ${failed.error}`,
    };
  }
  const metrics = runs.map((r) => (r.ok ? r.metrics : {}));
  const targets = metrics.slice(0, seedCount);
  const bases = metrics.slice(seedCount);
  const metric = claim.spec.bound.metric;
  const values: number[] = [];
  const lossSums: Record<string, number> = {};
  for (let i = 0; i < seedCount; i++) {
    const t = targets[i] as Record<string, number>;
    let loss: Record<string, number>;
    if (relative) {
      const b = bases[i] as Record<string, number>;
      const bp = sizePoint(b);
      const tp = sizePoint(t);
      values.push(metric === "linearity" ? linearity(bp, tp) : scalingEfficiency(bp, tp));
      loss = lossContributions(bp, tp);
    } else {
      values.push(t[metric] ?? Number.NaN);
      loss = timeShares(sizePoint(t));
    }
    for (const [k, v] of Object.entries(loss)) lossSums[k] = (lossSums[k] ?? 0) + v / seedCount;
  }
  const ci = meanCi95(values);
  const { holds, margin } = compareBound(claim.spec.bound, ci.mean);
  const top = largestLoss(lossSums, relative ? [] : ["compute"]);
  return {
    name,
    required,
    ok: true,
    value: { mean: ci.mean, halfWidth: ci.halfWidth, values },
    holds,
    margin,
    loss: lossSums,
    lossKind: relative ? "efficiency-loss" : "time-share",
    ...(top ? { largestLoss: top } : {}),
    target: targets[0] as Record<string, number>,
    ...(relative ? { base: bases[0] as Record<string, number> } : {}),
  };
}

/** The SizePoint of a run's flat metrics (breakdown folded in by runWithBreakdown). */
export function sizePoint(m: Record<string, number>): SizePoint {
  return {
    cards: m.cards ?? Number.NaN,
    tokensPerSecond: m.tokensPerSecond ?? Number.NaN,
    stepTimeSeconds: m.stepTimeSeconds ?? Number.NaN,
    breakdownSeconds: breakdownOf(m),
  };
}

/** The baseline and every variant of a claim, as cases. */
export function claimCases(claim: LoadedClaim): EvalCase[] {
  return [
    { name: "baseline", sets: [], required: true },
    ...claim.spec.variants.map((v) => ({ name: v.name, sets: v.set, required: v.required })),
  ];
}
