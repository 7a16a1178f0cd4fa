import { loadAnyScenario } from "../scenario/load-scenario.js";
import { type CaseOutcome, type EvalCase, evaluateCases } from "./evaluate.js";
import { accepts, isIntegerField, setNumber, setPath, valueAtPath } from "./field-value.js";
import type { LoadedClaim } from "./load-claim.js";
import type { RunPointsOptions } from "./run-points.js";

/** Relative step of the sensitivity probes (±10%, issue 7). */
export const SENSITIVITY_STEP = 0.1;

export interface SensitivityRow {
  /** "baseline" or the variant whose point is perturbed. */
  context: string;
  field: string;
  center: number;
  low: number;
  high: number;
  /** Metric at center, low and high (undefined when that run could not be evaluated). */
  metricCenter?: number;
  metricLow?: number;
  metricHigh?: number;
  /** |metric(high) − metric(low)| (one side against the center when the other is missing). */
  swing: number;
  note?: string;
}

interface Target {
  context: string;
  sets: string[];
  field: string;
  center: number;
  centerOutcome?: CaseOutcome;
}

/**
 * Ranks the numeric fields the variants touch by how much a ±10% change moves
 * the claim's metric: each variant's numeric fields around the variant's own
 * value (in the variant's context), and the same fields around the baseline
 * value when that is a non-zero number. Integer fields (tp, pp, nodes) are
 * left out: ±10% is not a valid value of most of them. `known` holds the
 * outcomes of the baseline and variants already evaluated.
 */
export async function sensitivity(
  claim: LoadedClaim,
  known: readonly CaseOutcome[],
  opts: RunPointsOptions = {},
): Promise<{ rows: SensitivityRow[]; skipped: string[] }> {
  const targets: Target[] = [];
  const skipped: string[] = [];
  const base = loadAnyScenario(claim.scenarioPath).spec;
  const baseFields = new Set<string>();
  for (const v of claim.spec.variants) {
    for (const s of v.set) {
      const field = setPath(s);
      const value = setNumber(s);
      if (value === undefined) {
        skipped.push(`${v.name}: ${field} (not numeric)`);
        continue;
      }
      if (isIntegerField(claim.scenarioPath, v.set, field, value)) {
        skipped.push(`${v.name}: ${field} (integer field)`);
        continue;
      }
      const centerOutcome = known.find((o) => o.name === v.name);
      targets.push({ context: v.name, sets: v.set, field, center: value, ...(centerOutcome ? { centerOutcome } : {}) });
      baseFields.add(field);
    }
  }
  for (const field of baseFields) {
    const value = valueAtPath(base, field);
    if (typeof value !== "number" || value === 0) continue;
    const centerOutcome = known.find((o) => o.name === "baseline");
    targets.push({ context: "baseline", sets: [], field, center: value, ...(centerOutcome ? { centerOutcome } : {}) });
  }
  const cases: EvalCase[] = [];
  const probes = targets.map((t) => {
    const low = t.center * (1 - SENSITIVITY_STEP);
    const high = t.center * (1 + SENSITIVITY_STEP);
    const idx = [low, high].map((x) => {
      if (!accepts(claim.scenarioPath, t.sets, t.field, x)) return -1;
      cases.push({ name: `${t.context}:${t.field}=${x}`, sets: [...t.sets, `${t.field}=${x}`], required: false });
      return cases.length - 1;
    });
    return { t, low, high, idx };
  });
  const outcomes = await evaluateCases(claim, cases, opts);
  const metricOf = (o: CaseOutcome | undefined) => (o?.ok ? o.value.mean : undefined);
  const rows = probes.map(({ t, low, high, idx }): SensitivityRow => {
    const mLow = idx[0] !== undefined && idx[0] >= 0 ? metricOf(outcomes[idx[0]]) : undefined;
    const mHigh = idx[1] !== undefined && idx[1] >= 0 ? metricOf(outcomes[idx[1]]) : undefined;
    const mCenter = metricOf(t.centerOutcome);
    const ends = [mLow ?? mCenter, mHigh ?? mCenter].filter((x): x is number => x !== undefined);
    const swing = ends.length === 2 ? Math.abs((ends[1] as number) - (ends[0] as number)) : 0;
    const missing = [mLow === undefined ? `−10% (${low})` : "", mHigh === undefined ? `+10% (${high})` : ""].filter(
      Boolean,
    );
    return {
      context: t.context,
      field: t.field,
      center: t.center,
      low,
      high,
      ...(mCenter !== undefined ? { metricCenter: mCenter } : {}),
      ...(mLow !== undefined ? { metricLow: mLow } : {}),
      ...(mHigh !== undefined ? { metricHigh: mHigh } : {}),
      swing,
      ...(missing.length ? { note: `not evaluated: ${missing.join(", ")} (rejected or failed)` } : {}),
    };
  });
  rows.sort((a, b) => b.swing - a.swing || a.context.localeCompare(b.context) || a.field.localeCompare(b.field));
  return { rows, skipped };
}
