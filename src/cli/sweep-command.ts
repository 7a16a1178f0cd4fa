import { resolve } from "node:path";
import type { Command } from "commander";
import { shortPath } from "../scenario/load-scenario.js";
import { formatValue } from "../sweep/format-value.js";
import { capWorkers, parseRunnerRef } from "../sweep/pool.js";
import { plural, streamProgress } from "../sweep/progress.js";
import { readResults } from "../sweep/results-file.js";
import { planSweep, runSweep } from "../sweep/run-sweep.js";
import { inShard, parseShard, type Shard } from "../sweep/shard.js";
import { budgetOption, budgetReached } from "./budget.js";
import { UsageError } from "./errors.js";
import { checkReportPath, REPORT_OPTION, writeReport } from "./report-option.js";

/** Environment variable naming another point runner (`path[#export]`), for tests and experiments. */
export const SWEEP_RUNNER_ENV = "CLUSTERSIM_SWEEP_RUNNER";

const DRY_RUN_SHOWN = 5;

interface SweepCliOptions {
  out?: string;
  workers?: string;
  resume?: boolean;
  shard?: string;
  dryRun?: boolean;
  json?: boolean;
  report?: string;
  maxSeconds?: string;
}

/** `clustersim sweep SWEEP --out CSV`: runs a sweep on worker threads, one CSV row per point. */
export function addSweepCommand(program: Command, out: (line: string) => void): void {
  program
    .command("sweep")
    .description("run every point of a sweep file on worker threads, streaming one CSV row per point")
    .argument("<sweep>", "sweep file (YAML)")
    .option("--out <csv>", "results file (required unless --dry-run)")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--resume", "continue an existing results file, skipping points already in it")
    .option("--shard <k/n>", "run only shard k of n (point i belongs to shard (i mod n) + 1)")
    .option("--dry-run", "print the number of points and the first few, run nothing")
    .option(
      "--max-seconds <s>",
      "wall-time budget: once spent, start no new point, finish the running ones, keep every row, exit 124 (finish later with --resume)",
    )
    .option(...REPORT_OPTION)
    .option("--json", "print the final summary as one JSON line")
    .action(async (sweepPath: string, opts: SweepCliOptions) => {
      const shard = opts.shard === undefined ? undefined : shardOption(opts.shard);
      const workers =
        opts.workers === undefined ? undefined : capWorkers(positiveInt("--workers", opts.workers), "--workers");
      const budget = budgetOption(opts.maxSeconds);
      if (opts.dryRun) return dryRun(sweepPath, shard, out);
      if (opts.out === undefined) throw new UsageError("sweep: --out <csv> is required (or use --dry-run)");
      checkReportPath(opts.report, [sweepPath, opts.out]);
      const runnerEnv = process.env[SWEEP_RUNNER_ENV];
      const runner = runnerEnv ? parseRunnerRef(runnerEnv) : undefined;
      if (runner && !runner.module.startsWith("file:")) runner.module = resolve(runner.module);

      const stop = new AbortController();
      const abandon = new AbortController();
      const progress = streamProgress(process.stderr);
      let exitCode = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (!stop.signal.aborted) {
          exitCode = signal === "SIGTERM" ? 143 : 130;
          stop.abort();
          progress.note("stopping: no new points; waiting for the running ones (Ctrl-C again to abandon them)");
        } else {
          abandon.abort();
          progress.note("abandoning the running points");
        }
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      let budgetSpent = false;
      let remaining = 0;
      const timer =
        budget === undefined
          ? undefined
          : setTimeout(() => {
              if (stop.signal.aborted) return;
              budgetSpent = true;
              stop.abort();
              progress.note(`time budget of ${budget.seconds} s reached: no new points; waiting for the running ones`);
            }, budget.seconds * 1000);
      timer?.unref();
      try {
        const summary = await runSweep({
          sweepPath,
          outPath: opts.out,
          resume: opts.resume === true,
          requireProvenance: true,
          progress,
          stop: stop.signal,
          abandon: abandon.signal,
          ...(workers !== undefined ? { workers } : {}),
          ...(shard !== undefined ? { shard } : {}),
          ...(runner !== undefined ? { runner } : {}),
        });
        remaining = summary.remaining;
        if (opts.report) {
          // The rows in the file (this run's and earlier runs' with --resume), as `clustersim report` draws them.
          const t = readResults(opts.out);
          writeReport(opts.report, opts.out, "sweep-csv", { header: t.header, rows: t.rows });
        }
        if (summary.truncatedBytes > 0) {
          process.stderr.write(`sweep: removed a partial last row (${summary.truncatedBytes} bytes) before resuming\n`);
        }
        out(
          opts.json
            ? JSON.stringify({ benchmark: "sweep", out: opts.out, ...summary })
            : `sweep: ${plural(summary.ran, "point")} run now (${summary.failed} failed), ${summary.alreadyDone} already done, ` +
                `${summary.remaining} remaining of ${summary.shardPoints}${shard ? ` in shard ${shard.k}/${shard.n}` : ""} ` +
                `→ ${opts.out} (${summary.wallSeconds.toFixed(1)} s, ${plural(summary.workers, "worker")})`,
        );
      } finally {
        if (timer) clearTimeout(timer);
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (exitCode !== 0) {
        process.stderr.write(`sweep: interrupted; rows so far are kept in ${opts.out} (finish with --resume)\n`);
        // UserError carries exit codes 1 and 2 only; an interrupted run exits 128 + signal number.
        process.exit(exitCode);
      }
      if (budgetSpent && remaining > 0) {
        throw budgetReached(
          `sweep: time budget of ${budget?.seconds} s reached; rows so far are kept in ${opts.out} (finish with --resume)`,
        );
      }
    });
}

function dryRun(sweepPath: string, shard: Shard | undefined, out: (line: string) => void): void {
  const { loaded, plan, columns } = planSweep(sweepPath);
  const mine = plan.points.filter((p) => inShard(p.index, shard));
  out(`sweep: ${sweepPath}`);
  out(`scenario: ${shortPath(loaded.scenarioPath)}${loaded.scenarioExists ? "" : " (not found: a real run needs it)"}`);
  out(
    `points: ${plan.points.length}${shard ? `, shard ${shard.k}/${shard.n}: ${mine.length}` : ""}` +
      (plan.duplicatesDropped > 0 ? ` (${plan.duplicatesDropped} duplicate points dropped)` : ""),
  );
  out(`columns: ${columns.header.join(",")}`);
  out(`first ${Math.min(DRY_RUN_SHOWN, mine.length)} points:`);
  for (const p of mine.slice(0, DRY_RUN_SHOWN)) {
    const axes = Object.entries(p.values).map(([k, v]) => `${k}=${formatValue(v)}`);
    out(`  #${p.index} ${p.id} seed=${p.spec.seed} steps=${p.spec.steps} ${axes.join(" ")}`.trimEnd());
  }
}

function shardOption(text: string): Shard {
  const s = parseShard(text);
  if ("error" in s) throw new UsageError(s.error);
  return s;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive integer, found '${text}'`);
  return n;
}
