import type { Command } from "commander";
import { runAnyScale } from "../claims/scale.js";
import { scalePlotSvg } from "../report/scale-plot.js";
import { scaleCsv, scaleTable, servingScaleCsv, servingScaleTable } from "../report/scale-report.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { capWorkers } from "../sweep/pool.js";
import { growingProgress } from "./count-progress.js";
import { UsageError } from "./errors.js";
import { boundedInt, collect, MAX_STEPS } from "./options.js";
import { checkOutputPath } from "./output-guard.js";
import { checkReportPath, REPORT_OPTION, writeReport } from "./report-option.js";

interface ScaleCliOptions {
  cards: string;
  mode: string;
  steps: string;
  seed: string;
  json?: boolean;
  report?: string;
  csv?: string;
  plot?: string;
  bound?: string;
  set: string[];
  threads?: string;
}

/** `clustersim scale SCENARIO --cards 256,512,...`: weak or strong scaling of one scenario. */
export function addScaleCommand(program: Command, out: (line: string) => void): void {
  program
    .command("scale")
    .description(
      "run a scenario at several sizes (weak or strong scaling): throughput, efficiency, linearity, MFU and what the lost efficiency is made of; serving: instances, output tokens/s (per card), efficiency, TTFT/TPOT p99",
    )
    .argument("<scenario>", "scenario file")
    .requiredOption("--cards <list>", "comma-separated sizes, e.g. 256,512,1024,2048,4096,8192")
    .option(
      "--mode <mode>",
      "weak (micro-batches per replica fixed; serving: offered load per instance fixed) or strong (global batch / offered load fixed)",
      "weak",
    )
    .option(
      "--steps <n>",
      `training steps per size, at most ${MAX_STEPS.toLocaleString("en-US")} (ignored by serving scenarios)`,
      "1",
    )
    .option("--seed <n>", "seed", "1")
    .option("--json", "print the rows as JSON")
    .option("--csv <file>", "write the rows as CSV")
    .option("--plot <file.svg>", "write the efficiency curve and loss breakdown as SVG")
    .option(...REPORT_OPTION)
    .option("--bound <fraction>", "draw a claim's efficiency bound on the plot (e.g. 0.95)")
    .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
    .option("--threads <n>", "worker threads (default: the machine's cores; 1 runs in-process)")
    .action(async (scenario: string, opts: ScaleCliOptions) => {
      const cards = opts.cards.split(",").map((s) => Number(s.trim()));
      if (cards.length === 0 || cards.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new UsageError(`--cards: expected comma-separated positive integers, found '${opts.cards}'`);
      }
      if (opts.mode !== "weak" && opts.mode !== "strong") {
        throw new UsageError(`--mode: expected weak or strong, found '${opts.mode}'`);
      }
      const steps = boundedInt("--steps", opts.steps, MAX_STEPS, "steps");
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, found '${opts.seed}'`);
      const threads = opts.threads === undefined ? undefined : Number(opts.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
        throw new UsageError(`--threads: expected a positive integer, found '${opts.threads}'`);
      }
      if (threads !== undefined) capWorkers(threads, "--threads");
      const bound = opts.bound === undefined ? undefined : Number(opts.bound);
      if (bound !== undefined && !Number.isFinite(bound))
        throw new UsageError(`--bound: expected a number, found '${opts.bound}'`);
      if (opts.csv) checkOutputPath("--csv", opts.csv, [scenario], "CSV");
      if (opts.plot) checkOutputPath("--plot", opts.plot, [scenario], "SVG");
      checkReportPath(opts.report, [scenario]);
      const progress = growingProgress("scale", "run");
      const result = await runAnyScale({
        scenarioPath: scenario,
        progress,
        sets: opts.set,
        cards,
        mode: opts.mode,
        steps,
        seed,
        ...(threads !== undefined ? { threads } : {}),
      }).finally(() => progress.stop());
      const { rows } = result;
      if (opts.report) writeReport(opts.report, scenario, "scale", rows);
      if (opts.json) out(JSON.stringify(rows, null, 2));
      else for (const l of result.kind === "serving" ? servingScaleTable(result.rows) : scaleTable(result.rows)) out(l);
      if (opts.csv)
        writeFileAtomic(opts.csv, result.kind === "serving" ? servingScaleCsv(result.rows) : scaleCsv(result.rows));
      if (opts.plot) {
        writeFileAtomic(
          opts.plot,
          scalePlotSvg(rows, {
            title: `${opts.mode} scaling: ${scenario}`,
            ...(bound !== undefined ? { bound } : {}),
          }),
        );
      }
    });
}
