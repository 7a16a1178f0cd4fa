import type { Command } from "commander";
import { DEFAULT_TOLERANCE } from "../claims/baseline.js";
import { runCheck } from "../claims/check.js";
import { checkJson, checkText } from "../report/check-report.js";
import { boundMetricKey } from "../report/format-metric.js";
import { junitXml } from "../report/junit.js";
import { tornadoSvg } from "../report/tornado-plot.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { capWorkers } from "../sweep/pool.js";
import { growingProgress } from "./count-progress.js";
import { UsageError, UserError } from "./errors.js";
import { boundedInt, MAX_STEPS, positiveInt } from "./options.js";
import { checkOutputPath } from "./output-guard.js";
import { checkReportPath, REPORT_OPTION, writeReport } from "./report-option.js";

interface CheckCliOptions {
  junit?: string;
  json?: boolean;
  report?: string;
  solve?: string;
  variant?: string;
  range?: string;
  sensitivity?: boolean;
  plot?: string;
  baseline?: string;
  updateBaseline?: boolean;
  tolerance: string;
  steps: string;
  seed: string;
  threads?: string;
  exitZero?: boolean;
}

/**
 * `clustersim check CLAIM_OR_DIR...`: verdict tables of claims (exit 0 when
 * every baseline and required variant holds, 1 otherwise, 2 on bad input),
 * JUnit XML, breaking points (--solve), sensitivity (--sensitivity), and
 * regression baselines (--baseline DIR [--update-baseline]).
 */
export function addCheckCommand(program: Command, out: (line: string) => void): void {
  program
    .command("check")
    .description(
      "evaluate claim files (baseline and what-if variants) and print a verdict table; with --baseline DIR, compare scenarios and claims with stored regression baselines",
    )
    .argument("<paths...>", "claim files or folders (with --baseline: scenario files too)")
    .option("--junit <file>", "write JUnit XML (one test case per claim and variant)")
    .option("--json", "print the report as JSON")
    .option(
      "--solve <field>",
      "find the value of a numeric field where the claim stops holding (e.g. topology.scaleOut.nicGbps)",
    )
    .option("--variant <name>", "with --solve: solve under this variant's overrides")
    .option("--range <low,high>", "with --solve: search between these values instead of bracketing")
    .option("--sensitivity", "rank the numeric fields the variants set by how much ±10% moves the metric")
    .option("--plot <file.svg>", "with --sensitivity: write the tornado chart as SVG")
    .option(...REPORT_OPTION)
    .option("--baseline <dir>", "compare key metrics with the baselines stored in this folder (e.g. runs/baselines/)")
    .option("--update-baseline", "with --baseline: write the baselines instead of comparing")
    .option("--tolerance <fraction>", "with --baseline: relative change allowed", String(DEFAULT_TOLERANCE))
    .option("--steps <n>", "with --baseline: steps per scenario run (claims use their own)", "1")
    .option("--seed <n>", "with --baseline: seed of scenario runs (claims use their own)", "1")
    .option("--threads <n>", "worker threads (default: the machine's cores; 1 runs in-process)")
    .option("--exit-zero", "exit 0 even when a claim or baseline fails (demos, reports); bad input still exits 2")
    .action(async (paths: string[], opts: CheckCliOptions) => {
      const tolerance = Number(opts.tolerance);
      if (!(tolerance >= 0 && Number.isFinite(tolerance))) {
        throw new UsageError(`--tolerance: expected a fraction >= 0 (0.02 = 2%), found '${opts.tolerance}'`);
      }
      if (opts.updateBaseline && !opts.baseline) throw new UsageError("--update-baseline needs --baseline <dir>");
      if ((opts.variant || opts.range) && !opts.solve) throw new UsageError("--variant and --range go with --solve");
      if (opts.plot && !opts.sensitivity) throw new UsageError("--plot goes with --sensitivity");
      let range: [number, number] | undefined;
      if (opts.range) {
        const parts = opts.range.split(",").map(Number);
        if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x))) {
          throw new UsageError(`--range: expected two numbers 'low,high', found '${opts.range}'`);
        }
        range = parts as [number, number];
      }
      if (opts.junit) checkOutputPath("--junit", opts.junit, paths, "JUnit XML");
      if (opts.plot) checkOutputPath("--plot", opts.plot, paths, "SVG");
      checkReportPath(opts.report, paths);
      const progress = growingProgress("check", "run");
      const report = await runCheck({
        paths,
        progress,
        ...(opts.solve ? { solve: opts.solve } : {}),
        ...(opts.variant ? { variant: opts.variant } : {}),
        ...(range ? { range } : {}),
        sensitivity: Boolean(opts.sensitivity),
        ...(opts.baseline ? { baselineDir: opts.baseline } : {}),
        updateBaseline: Boolean(opts.updateBaseline),
        tolerance,
        steps: boundedInt("--steps", opts.steps, MAX_STEPS, "steps"),
        seed: Number.isInteger(Number(opts.seed)) ? Number(opts.seed) : positiveInt("--seed", opts.seed),
        ...(opts.threads ? { threads: capWorkers(positiveInt("--threads", opts.threads), "--threads") } : {}),
      }).finally(() => progress.stop());
      if (opts.report) writeReport(opts.report, paths.join(", "), "check", checkJson(report));
      if (opts.json) out(JSON.stringify(checkJson(report), null, 2));
      else for (const l of checkText(report)) out(l);
      if (opts.junit) {
        writeFileAtomic(
          opts.junit,
          junitXml(
            report.claims.map((r) => ({
              file: r.claim.file,
              statement: r.claim.spec.statement,
              metric: boundMetricKey(r.claim.spec.bound),
              op: r.claim.spec.bound.op,
              bound: r.claim.spec.bound.value,
              outcomes: r.outcomes,
            })),
            report.baselines,
          ),
        );
      }
      if (opts.plot) {
        const r = report.claims.find((c) => c.sensitivity);
        if (r?.sensitivity) {
          writeFileAtomic(
            opts.plot,
            tornadoSvg(r.sensitivity.rows, {
              title: `Sensitivity: ${r.claim.spec.statement}`,
              metric: boundMetricKey(r.claim.spec.bound),
              bound: r.claim.spec.bound.value,
            }),
          );
        }
      }
      if (report.exitCode !== 0 && !opts.exitZero) {
        const failing = (opts.baseline ? [] : report.claims).flatMap((r) =>
          r.outcomes.filter((o) => o.required && (!o.ok || !o.holds)).map((o) => `${r.claim.file} (${o.name})`),
        );
        const baselines = report.baselines
          .filter((b) => b.status !== "pass" && b.status !== "written")
          .map((b) => b.file);
        throw new UserError(
          `check failed: ${[
            ...(failing.length ? [`claim does not hold: ${failing.join(", ")}`] : []),
            ...(baselines.length ? [`baseline differs or is missing: ${baselines.join(", ")}`] : []),
          ].join("; ")}`,
        );
      }
    });
}
