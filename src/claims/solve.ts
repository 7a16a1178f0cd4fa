import { InputError } from "../input/issues.js";
import { UsageError } from "../input/user-error.js";
import { type AnyScenario, loadAnyScenario } from "../scenario/load-scenario.js";
import type { VariantSpec } from "./claim-spec.js";
import { type CaseOutcome, type EvalCase, evaluateCases } from "./evaluate.js";
import { accepts, effectiveValueAtPath, isIntegerField } from "./field-value.js";
import type { LoadedClaim } from "./load-claim.js";
import type { PointsProgress } from "./run-points.js";

export interface SolveOptions {
  /** Dot path of a numeric scenario field, e.g. topology.scaleOut.nicGbps. */
  field: string;
  /** Solve under this variant's overrides (default: the baseline). */
  variant?: string;
  /** Overrides under every probe, before the variant's (the command line's --set of `run --solve`). */
  sets?: string[];
  /** Search only in [low, high] instead of bracketing around the current value. */
  range?: [number, number];
  /** Bisection steps after bracketing (default 7: the bracket shrinks 128x). */
  iterations?: number;
  threads?: number;
  /** Told of every probe's runs. */
  progress?: PointsProgress;
}

export interface Probe {
  value: number;
  holds: boolean;
  metric?: number;
  /** Why the probe could not be evaluated (the value is out of the field's range, OOM, ...). */
  reason?: string;
  /**
   * The value cannot be simulated: out of the field's range, or the scenario is inconsistent there
   * (an invalid-input run, e.g. pools that would overlap). Such probes end a search direction and are
   * never a verdict; a run that fails otherwise (out of memory, an impossible plan) is a failing one.
   */
  rejected?: boolean;
  /** Why an evaluated probe's verdict is not its metric's comparison alone (an overloaded serving run). */
  note?: string;
}

export interface SolveResult {
  field: string;
  context: string;
  startValue: number;
  integer: boolean;
  /** The last probed value where the claim holds and the first where it fails (adjacent after bisection). */
  holdsAt?: number;
  failsAt?: number;
  probes: Probe[];
  /** One sentence for a person. */
  summary: string;
}

const MAX_BRACKET_STEPS = 5;

/**
 * Finds the value of a numeric field at which the claim stops holding, by
 * bracketing then bisection. ASSUMPTION (stated in the output and
 * docs/claims.md): the verdict is monotone in the field, i.e. the claim holds
 * on one side of a single breaking value. Bracketing halves and doubles the
 * current value (up to 5 times each way; from 0 it tries 0.001 · 4^k) until
 * the verdict flips; values the field rejects end a direction.
 */
export async function solveBreakingPoint(claim: LoadedClaim, opts: SolveOptions): Promise<SolveResult> {
  const variant = opts.variant ? claim.spec.variants.find((v) => v.name === opts.variant) : undefined;
  if (opts.variant && !variant) {
    throw new UsageError(
      `--variant: no variant '${opts.variant}' in ${claim.file} (variants: ${claim.spec.variants.map((v) => v.name).join(", ") || "none"})`,
    );
  }
  const context = [...(opts.sets ?? []), ...(variant?.set ?? [])];
  let scenario: AnyScenario;
  try {
    scenario = loadAnyScenario(claim.scenarioPath, [...context, `${opts.field}=0.5`]);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // A path that does not exist gets the loader's "did you mean"; a value it rejects is fine here.
    if (err.issues.some((i) => i.code === "unknown-field")) {
      throw new UsageError(`--solve: ${err.message}`);
    }
  }
  scenario = loadAnyScenario(claim.scenarioPath, context);
  const start = effectiveValueAtPath(scenario.spec, opts.field);
  if (typeof start !== "number") {
    throw new UsageError(
      `--solve: ${opts.field} is not a numeric field of the scenario (found ${JSON.stringify(start)})`,
    );
  }
  const integer = isIntegerField(claim.scenarioPath, context, opts.field, start);
  const probes: Probe[] = [];
  const probe = async (raw: number): Promise<Probe> => {
    const value = integer ? Math.round(raw) : raw;
    const known = probes.find((p) => p.value === value);
    if (known) return known;
    let p: Probe;
    if (!accepts(claim.scenarioPath, context, opts.field, value)) {
      p = { value, holds: false, reason: "the field rejects this value", rejected: true };
    } else {
      const [o] = (await evaluateCases(claim, [probeCase(claim, variant, context, `${opts.field}=${value}`)], {
        ...(opts.threads === undefined ? {} : { threads: opts.threads }),
        ...(opts.progress ? { progress: opts.progress } : {}),
      })) as [CaseOutcome];
      p = o.ok
        ? { value, holds: o.holds, metric: o.value.mean, ...(o.note ? { note: o.note } : {}) }
        : { value, holds: false, reason: o.reason, ...(o.runKind === "invalid-input" ? { rejected: true } : {}) };
    }
    probes.push(p);
    return p;
  };
  const valid = (p: Probe) => p.rejected !== true;

  let holdsAt: number | undefined;
  let failsAt: number | undefined;
  if (opts.range) {
    const [a, b] = await Promise.all(opts.range.map((x) => probe(x)));
    if (a && b && a.holds !== b.holds) [holdsAt, failsAt] = a.holds ? [a.value, b.value] : [b.value, a.value];
  } else {
    const first = await probe(start);
    const want = !first.holds;
    const directions = first.holds ? ["down", "up"] : ["up", "down"];
    outer: for (const dir of directions) {
      let x = start;
      for (let k = 0; k < MAX_BRACKET_STEPS; k++) {
        x = start === 0 ? (dir === "up" ? 0.001 * 4 ** k : Number.NaN) : dir === "up" ? x * 2 : x / 2;
        if (Number.isNaN(x)) break;
        const p = await probe(x);
        if (!valid(p)) break;
        if (p.holds === want) {
          // Tighten to the adjacent probe of the other verdict in this direction.
          const prev = nearestOpposite(probes, p);
          [holdsAt, failsAt] = p.holds ? [p.value, prev] : [prev, p.value];
          break outer;
        }
      }
    }
  }
  if (holdsAt !== undefined && failsAt !== undefined) {
    for (let i = 0; i < (opts.iterations ?? 7); i++) {
      if (integer && Math.abs(holdsAt - failsAt) <= 1) break;
      const mid = (holdsAt + failsAt) / 2;
      const p = await probe(mid);
      if (p.value === holdsAt || p.value === failsAt) break;
      if (!valid(p)) break;
      if (p.holds) holdsAt = p.value;
      else failsAt = p.value;
    }
  }
  probes.sort((a, b) => a.value - b.value);
  const extra = opts.sets?.length ? ` with --set ${opts.sets.join(" --set ")}` : "";
  const ctx =
    (variant ? `variant '${variant.name}'` : claim.atScenarioSize ? "the scenario as written" : "baseline") + extra;
  const b = claim.spec.bound;
  const what = `${b.metric}${b.relative ? ` / ${claim.spec.reference?.name ?? "reference"}'s` : ""} ${b.op} ${b.value}`;
  let summary: string;
  if (holdsAt === undefined || failsAt === undefined) {
    const all = probes.filter(valid);
    const verdict = all.every((p) => p.holds)
      ? "holds"
      : all.every((p) => !p.holds)
        ? "fails"
        : "changes non-monotonically";
    summary = `${what} ${verdict} at every probed ${opts.field} (${all.map((p) => fmtNum(p.value)).join(", ")}); no breaking point found (${ctx})`;
  } else {
    const dir = holdsAt > failsAt ? "at least" : "at most";
    summary = `${what} needs ${opts.field} ${dir} ~${fmtNum(holdsAt)} (holds at ${fmtNum(holdsAt)}, fails at ${fmtNum(failsAt)}; ${ctx}; assumes the verdict is monotone in the field)`;
  }
  return {
    field: opts.field,
    context: ctx,
    startValue: start,
    integer,
    ...(holdsAt !== undefined && failsAt !== undefined ? { holdsAt, failsAt } : {}),
    probes,
    summary,
  };
}

/**
 * One probe as a case. With a relative bound the probed value goes to the
 * claim's run only, so the reference stays what it is ("how much HBM would
 * this card need to reach twice the reference"); a variant's own overrides
 * still apply as they do in the claim.
 */
function probeCase(claim: LoadedClaim, variant: VariantSpec | undefined, context: string[], probe: string): EvalCase {
  const name = probe;
  if (!claim.spec.bound.relative) return { name, sets: [...context, probe], required: true };
  return {
    name,
    sets: context,
    ownSets: [probe],
    ...(variant && variant.referenceSet.length > 0 ? { referenceSets: variant.referenceSet } : {}),
    required: true,
  };
}

/** The probe of the opposite verdict closest to p (the bracket's other end). */
function nearestOpposite(probes: readonly Probe[], p: Probe): number {
  let best: number | undefined;
  for (const q of probes) {
    if (q.holds === p.holds || q.rejected === true) continue;
    if (best === undefined || Math.abs(q.value - p.value) < Math.abs(best - p.value)) best = q.value;
  }
  return best as number;
}

export function fmtNum(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1000) return x.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return Number(x.toPrecision(3)).toString();
}
