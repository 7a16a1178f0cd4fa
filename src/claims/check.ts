import { InputError } from "../input/issues.js";
import { loadAnyScenario } from "../scenario/load-scenario.js";
import {
  type BaselineComparison,
  type BaselineRecord,
  baselineMetrics,
  compareBaseline,
  inputId,
  readBaseline,
  writeBaseline,
} from "./baseline.js";
import { ClaimInputError } from "./claim-error.js";
import { type CaseOutcome, claimCases, evaluateCases } from "./evaluate.js";
import { collectInputs } from "./input-files.js";
import { type LoadedClaim, loadClaim } from "./load-claim.js";
import { type PointsProgress, type RunPointsOptions, runPoints } from "./run-points.js";
import { type SensitivityRow, sensitivity } from "./sensitivity.js";
import { type SolveResult, solveBreakingPoint } from "./solve.js";

export interface CheckOptions {
  paths: string[];
  /** Dot path of a numeric field to solve for (breaking point), per claim. */
  solve?: string;
  /** Variant to solve under (default: the baseline). */
  variant?: string;
  range?: [number, number];
  sensitivity?: boolean;
  /** Folder of regression baselines: compare (or write, with updateBaseline). */
  baselineDir?: string;
  updateBaseline?: boolean;
  tolerance: number;
  /** Steps of scenario runs in baseline mode (claims use their own). */
  steps: number;
  seed: number;
  threads?: number;
  /** Told of every simulation run as it is planned and as it finishes. */
  progress?: PointsProgress;
}

export interface ClaimReport {
  claim: LoadedClaim;
  outcomes: CaseOutcome[];
  solve?: SolveResult;
  sensitivity?: { rows: SensitivityRow[]; skipped: string[] };
}

export interface CheckReport {
  claims: ClaimReport[];
  baselines: BaselineComparison[];
  /** Runs of scenario files in baseline mode that failed (OOM, bad plan). */
  exitCode: 0 | 1;
}

/**
 * `clustersim check`: evaluates claims (baseline and every variant; in
 * baseline mode, the baseline and required variants only), optionally solves
 * a breaking point and ranks sensitivities, and compares scenarios and claims
 * with stored regression baselines. Bad input throws ClaimInputError (exit 2).
 */
export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const baselineMode = opts.baselineDir !== undefined;
  const inputs = collectInputs(opts.paths, baselineMode ? ["claim", "scenario"] : ["claim"]);
  if (inputs.length === 0) {
    throw new ClaimInputError([
      {
        file: opts.paths.join(" "),
        line: 0,
        column: 0,
        path: "",
        message: `expected ${baselineMode ? "claim or scenario" : "claim"} files, found none`,
      },
    ]);
  }
  const claims: LoadedClaim[] = [];
  const scenarios: { file: string; kind: "training" | "serving" }[] = [];
  const issues: ClaimInputError[] = [];
  for (const i of inputs) {
    try {
      if (i.kind === "claim") claims.push(loadClaim(i.file));
      else scenarios.push({ file: i.file, kind: loadAnyScenario(i.file).kind });
    } catch (err) {
      if (err instanceof ClaimInputError) issues.push(err);
      else if (err instanceof InputError) issues.push(new ClaimInputError(err.issues));
      else throw err;
    }
  }
  if (issues.length > 0) throw new ClaimInputError(issues.flatMap((e) => e.issues));
  const threads: RunPointsOptions = {
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.progress ? { progress: opts.progress } : {}),
  };

  const reports: ClaimReport[] = [];
  for (const claim of claims) {
    const cases = claimCases(claim).filter((c) => !baselineMode || c.required);
    const outcomes = await evaluateCases(claim, cases, threads);
    const report: ClaimReport = { claim, outcomes };
    if (opts.solve) {
      report.solve = await solveBreakingPoint(claim, {
        field: opts.solve,
        ...(opts.variant ? { variant: opts.variant } : {}),
        ...(opts.range ? { range: opts.range } : {}),
        ...threads,
      });
    }
    if (opts.sensitivity) report.sensitivity = await sensitivity(claim, outcomes, threads);
    reports.push(report);
  }

  const baselines: BaselineComparison[] = [];
  if (baselineMode) {
    const dir = opts.baselineDir as string;
    const current: BaselineRecord[] = [];
    const failedRuns: BaselineComparison[] = [];
    const results = await runPoints(
      scenarios.map(({ file }) => ({ scenarioPath: file, sets: [], seed: opts.seed, steps: opts.steps })),
      threads,
    );
    scenarios.forEach(({ file, kind }, i) => {
      const r = results[i];
      if (r && !r.ok && (r.kind === "out-of-memory" || r.kind === "invalid-plan")) {
        // The model's own verdict that the scenario does not run: that verdict is the baseline.
        current.push({
          file: inputId(file),
          kind: "scenario",
          seed: opts.seed,
          steps: opts.steps,
          cards: 0,
          metrics: {},
          failure: r.kind,
        });
        return;
      }
      if (!r?.ok) {
        failedRuns.push({
          file: inputId(file),
          status: "error",
          diffs: [],
          message: r ? `${r.kind}: ${r.error}` : "not run",
        });
        return;
      }
      current.push({
        file: inputId(file),
        kind: "scenario",
        seed: opts.seed,
        steps: opts.steps,
        cards: r.metrics.cards ?? 0,
        metrics: baselineMetrics(kind, r.metrics),
      });
    });
    for (const rep of reports) {
      const base = rep.outcomes.find((o) => o.name === "baseline");
      const b = rep.claim.spec.bound;
      // A relative bound's value (a ratio to the reference) must not take the name of the absolute metric.
      const claimKey = b.relative ? `${b.metric}:relative` : b.metric;
      if (!base?.ok) {
        failedRuns.push({
          file: inputId(rep.claim.file),
          status: "error",
          diffs: [],
          message: base ? base.reason : "not run",
        });
        continue;
      }
      current.push({
        file: inputId(rep.claim.file),
        kind: "claim",
        seed: rep.claim.spec.seed,
        steps: rep.claim.spec.steps,
        cards: rep.claim.spec.targetCards,
        metrics: {
          ...baselineMetrics(rep.claim.scenario.kind, base.target),
          ...(Number.isFinite(base.value.mean) ? { [claimKey]: base.value.mean } : {}),
        },
      });
    }
    for (const rec of current) {
      if (opts.updateBaseline) {
        writeBaseline(dir, rec);
        baselines.push({ file: rec.file, status: "written", diffs: [] });
        continue;
      }
      const stored = readBaseline(dir, rec.file);
      baselines.push(
        stored
          ? compareBaseline(stored, rec, opts.tolerance)
          : {
              file: rec.file,
              status: "missing",
              diffs: [],
              message: "no stored baseline (write one with --update-baseline)",
            },
      );
    }
    baselines.push(...failedRuns);
  }

  // In baseline mode the question is "did the results move?": claim verdicts are printed but do not
  // set the exit code (this repository ships a claim that fails by design).
  const claimFails = !baselineMode && reports.some((r) => r.outcomes.some((o) => o.required && (!o.ok || !o.holds)));
  const baselineFails = baselines.some((b) => b.status !== "pass" && b.status !== "written");
  return { claims: reports, baselines, exitCode: claimFails || baselineFails ? 1 : 0 };
}
