import { availableParallelism } from "node:os";
import type { Command } from "commander";
import {
  DEFAULT_SERVING_TARGET,
  parseTarget,
  servingTargetMetrics,
  solveServingScenario,
} from "../claims/solve-scenario.js";
import { parseTraceActors, ServingTraceCollector, TraceCollector } from "../report/perfetto-trace.js";
import {
  requestsCsv,
  type ServingRequests,
  servingRunJson,
  servingRunText,
  solveText,
} from "../report/serving-report.js";
import { jobDaysText, trainingRunText } from "../report/training-report.js";
import { loadAnyScenario } from "../scenario/load-scenario.js";
import { runScenario } from "../scenario/run.js";
import { jobDaysReport, SERVING_SEED_METRICS, type SeedSummary, summarizeSeeds } from "../scenario/run-report.js";
import { runServingScenario } from "../scenario/run-serving.js";
import type { ServingScenarioSpec } from "../scenario/serving-scenario-spec.js";
import type { RunOk, RunSpec } from "../scenario/types.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { capWorkers, defaultRunner, SweepPool } from "../sweep/pool.js";
import { plural } from "../sweep/progress.js";
import type { PointResult } from "../sweep/result-columns.js";
import type { StepControl } from "../system/ports.js";
import { type Budget, budgetOption, budgetReached } from "./budget.js";
import { countProgress, growingProgress, silentCount } from "./count-progress.js";
import { UsageError, UserError } from "./errors.js";
import { boundedInt, collect, MAX_SEEDS, MAX_STEPS, positiveInt } from "./options.js";
import { checkOutputFolder, checkOutputPath } from "./output-guard.js";
import { checkReportPath, REPORT_OPTION, writeReport } from "./report-option.js";

interface RunOptions {
  set: string[];
  steps: string;
  seed: string;
  seeds: string;
  json?: boolean;
  jobDays?: string;
  workers?: string;
  requestsCsv?: string;
  solve?: string;
  target?: string;
  range?: string;
  maxSeconds?: string;
  trace?: string;
  traceActors?: string;
  report?: string;
  /** Commander's `--no-symmetry`: false when given. */
  symmetry: boolean;
}

/** `clustersim run SCENARIO`: one training or serving scenario, one or several seeds. */
export function addRunCommand(program: Command, out: (line: string) => void): void {
  program
    .command("run")
    .description(
      "simulate a scenario: training steps (step time, breakdown, throughput, MFU, memory) or LLM serving (throughput, TTFT/TPOT/E2E, SLOs, KV cache, memory)",
    )
    .argument("<scenario>", "scenario file (YAML or JSON)")
    .option(
      "--set <path=value>",
      "override a field of the scenario or the files it references (repeatable)",
      collect,
      [],
    )
    .option(
      "--steps <n>",
      `consecutive training steps to simulate, at most ${MAX_STEPS.toLocaleString("en-US")} (ignored by serving scenarios)`,
      "1",
    )
    .option("--seed <s>", "seed of the random streams", "1")
    .option(
      "--seeds <k>",
      `repeat with seeds s..s+k-1 (in parallel), at most ${MAX_SEEDS.toLocaleString("en-US")}, and report 95% confidence intervals`,
      "1",
    )
    .option(
      "--job-days <d>",
      "also report goodput, failures and the best checkpoint interval over a job of d days (training only)",
    )
    .option(
      "--workers <n>",
      "worker threads for --seeds and --solve (default and maximum: one per core; more is capped with a note)",
    )
    .option("--requests-csv <file>", "serving: write one row per measured request (arrival, first token, finish, ...)")
    .option(
      "--solve <field>",
      "serving: find the value of a numeric field where --target stops holding (e.g. serving.traffic.ratePerS: the highest rate that meets the SLOs)",
    )
    .option(
      "--target <bound>",
      `with --solve: 'METRIC<=VALUE' or 'METRIC>=VALUE' (default '${DEFAULT_SERVING_TARGET}')`,
    )
    .option("--range <low,high>", "with --solve: search between these values instead of bracketing")
    .option(
      "--max-seconds <s>",
      "wall-time budget for --steps and --seeds: stop at the next step (one seed) or start no new seed (several) once spent, print what finished, exit 124",
    )
    .option(
      "--trace <file.json>",
      "write a Perfetto / Chrome trace of the first seed: training steps per actor, or serving iterations per instance and requests (open it at https://ui.perfetto.dev)",
    )
    .option(
      "--trace-actors <all|list>",
      "with --trace: the actors to trace, 'all' or indices like '0,1,7' (actor = replica x PP + stage); default: replica 0's pipeline",
    )
    .option(
      "--no-symmetry",
      "training: simulate every card position's traffic instead of one per TP group copied to the others (same results to rounding; slower)",
    )
    .option(...REPORT_OPTION)
    .option("--json", "one JSON object (keys documented in the README and docs/serving.md)")
    .action(async (scenario: string, opts: RunOptions) => {
      const steps = boundedInt("--steps", opts.steps, MAX_STEPS, "steps");
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: expected an integer, found '${opts.seed}'`);
      const seedCount = boundedInt("--seeds", opts.seeds, MAX_SEEDS, "seeds");
      const jobDays = opts.jobDays === undefined ? undefined : Number(opts.jobDays);
      if (jobDays !== undefined && !(jobDays > 0 && Number.isFinite(jobDays))) {
        throw new UsageError(`--job-days: expected a positive number of days, found '${opts.jobDays}'`);
      }
      if ((opts.target !== undefined || opts.range !== undefined) && opts.solve === undefined) {
        throw new UsageError("--target and --range go with --solve");
      }
      const range = opts.range === undefined ? undefined : parseRange(opts.range);
      if (opts.workers !== undefined) positiveInt("--workers", opts.workers);
      const budget = budgetOption(opts.maxSeconds);
      if (budget !== undefined && opts.solve !== undefined) {
        throw new UsageError("--max-seconds goes with --steps and --seeds, not with --solve");
      }
      if (opts.traceActors !== undefined && opts.trace === undefined) {
        throw new UsageError("--trace-actors goes with --trace");
      }
      const traceActors = opts.traceActors === undefined ? "replica0" : parseTraceActors(opts.traceActors);
      if (typeof traceActors === "object" && "error" in traceActors) {
        throw new UsageError(`--trace-actors: ${traceActors.error}`);
      }
      if (opts.trace !== undefined) {
        checkOutputPath("--trace", opts.trace, [scenario], "a JSON trace");
        checkOutputFolder("--trace", opts.trace);
      }
      checkReportPath(opts.report, [scenario]);
      // Bad input (a file that does not load) is exit 1 with every issue at its file:line:column.
      const loaded = loadAnyScenario(scenario, opts.set);
      if (opts.requestsCsv !== undefined) {
        const trace = loaded.kind === "serving" ? loaded.spec.serving.traffic.traceFile : undefined;
        checkOutputPath("--requests-csv", opts.requestsCsv, trace ? [scenario, trace] : [scenario], "CSV");
      }
      if (loaded.kind === "serving") {
        if (opts.traceActors !== undefined) {
          throw new UsageError(
            `--trace-actors is for training scenarios (a serving trace has every instance); ${scenario} is a serving scenario`,
          );
        }
        if (jobDays !== undefined) {
          throw new UsageError(
            `--job-days is for training scenarios (failures and checkpoints); ${scenario} is a serving scenario`,
          );
        }
        const common = { scenario, spec: loaded.spec, seed, seedCount, budget, out };
        if (opts.solve !== undefined) {
          return solveServing({ ...common, opts, field: opts.solve, ...(range ? { range } : {}) });
        }
        return runServingReport({ ...common, opts });
      }
      for (const [flag, value] of [
        ["--requests-csv", opts.requestsCsv],
        ["--solve", opts.solve],
      ] as const) {
        if (value !== undefined) {
          throw new UsageError(
            `${flag} is for serving scenarios (with a serving: block); ${scenario} is a training scenario${flag === "--solve" ? " (for training, write a claim file and use check --solve)" : ""}`,
          );
        }
      }
      const seeds = Array.from({ length: seedCount }, (_, i) => seed + i);
      const specs: RunSpec[] = seeds.map((s) => ({
        scenarioPath: scenario,
        sets: opts.set,
        seed: s,
        steps,
        ...(opts.symmetry ? {} : { symmetry: false }),
      }));
      // Progress counts seeds when there are several, else the steps of the one run.
      const progress =
        seedCount > 1
          ? countProgress("run", "seed", seedCount)
          : steps > 1
            ? countProgress("run", "step", steps)
            : silentCount;
      let seedsDone = 0;
      const seedDone = () => progress.update(++seedsDone);
      // The first seed runs here (with every detail); the others in parallel on the worker pool.
      const others = runSeedsOnPool(specs.slice(1), opts.workers, budget, seedDone);
      // One seed: the budget ends the run at a step boundary. Several: every seed runs all its steps, and
      // the budget only stops new seeds (so that the seeds' figures stay comparable).
      const trace = opts.trace === undefined ? undefined : new TraceCollector(traceActors);
      const control: StepControl = {
        ...(seedCount > 1
          ? {}
          : { onStepEnd: (k) => progress.update(k), ...(budget ? { continueAfter: () => !budget.spent() } : {}) }),
        ...(trace ? { taskHook: trace } : {}),
      };
      const firstResult = runScenario(specs[0] as RunSpec, control);
      if (trace && opts.trace !== undefined && firstResult.ok) {
        writeFileAtomic(opts.trace, trace.toJson({ scenario, seed, steps }));
      }
      if (seedCount > 1) seedDone();
      const rest = await others;
      progress.stop();
      const { first, seedsRun, summary } = seedResults(scenario, seeds, firstResult, rest);
      const stepsRun = first.metrics.steps as number;
      const cut =
        stepsRun < steps
          ? `${stepsRun} of ${plural(steps, "step")} run; the figures are of those ${stepsRun}`
          : seedsRun.length < seedCount
            ? `${seedsRun.length} of ${plural(seedCount, "seed")} run; the figures are of those`
            : undefined;
      let jobBar: ReturnType<typeof countProgress> | undefined;
      const job =
        jobDays === undefined
          ? undefined
          : jobDaysReport(scenario, opts.set, first, jobDays, seed, (done, total) => {
              jobBar ??= countProgress("job-days", "checkpoint interval", total);
              jobBar.update(done);
            });
      jobBar?.stop();
      if (job && "error" in job) throw new UserError(job.error);
      const json = {
        scenario,
        seed,
        steps,
        ...first.metrics,
        breakdown: first.details.breakdownSeconds,
        stepTimesSeconds: first.details.stepTimesSeconds,
        memory: first.details.memory,
        plan: first.details.plan,
        warnings: first.details.warnings,
        symmetry: first.details.symmetry,
        ...(summary ? { seeds: summary } : {}),
        ...(job ? { job } : {}),
        ...(budget ? { budget: budgetJson(budget, steps, stepsRun, seedCount, seedsRun.length) } : {}),
      };
      if (opts.report) writeReport(opts.report, scenario, "training-run", json);
      if (opts.json) {
        out(JSON.stringify(json));
      } else {
        for (const line of trainingRunText(first, summary)) out(line);
        if (job) for (const line of jobDaysText(job, seed)) out(line);
      }
      if (budget && cut) throw budgetReached(`time budget of ${budget.seconds} s reached: ${cut}`);
    });
}

interface ServingCommon {
  scenario: string;
  spec: ServingScenarioSpec;
  seed: number;
  seedCount: number;
  budget: Budget | undefined;
  opts: RunOptions;
  out: (line: string) => void;
}

/** `run` on a serving scenario: the first seed here (with per-request data when asked), the others on the pool. */
async function runServingReport(c: ServingCommon): Promise<void> {
  const { scenario, opts, out } = c;
  const seeds = Array.from({ length: c.seedCount }, (_, i) => c.seed + i);
  const specs: RunSpec[] = seeds.map((s) => ({ scenarioPath: scenario, sets: opts.set, seed: s, steps: 1 }));
  const progress = c.seedCount > 1 ? countProgress("run", "seed", c.seedCount) : silentCount;
  let seedsDone = 0;
  const seedDone = () => progress.update(++seedsDone);
  const others = runSeedsOnPool(specs.slice(1), opts.workers, c.budget, seedDone);
  const s = c.spec.serving;
  const trace =
    opts.trace === undefined ? undefined : new ServingTraceCollector(s.deployment.instances, s.decode?.instances ?? 0);
  const firstResult = runServingScenario(c.spec, c.seed, {
    keepRequests: opts.requestsCsv !== undefined || trace !== undefined,
    ...(trace ? { onIteration: trace.onIteration } : {}),
  });
  if (c.seedCount > 1) seedDone();
  const rest = await others;
  progress.stop();
  const { first, seedsRun, summary } = seedResults(scenario, seeds, firstResult, rest, SERVING_SEED_METRICS);
  if (trace && opts.trace !== undefined) {
    const requests = first.details.requests as ServingRequests | undefined;
    writeFileAtomic(opts.trace, trace.toJson(requests, { scenario, seed: c.seed }));
  }
  if (opts.requestsCsv !== undefined) {
    const requests = first.details.requests as ServingRequests | undefined;
    if (!requests) throw new UserError(`${scenario}: the serving simulation returned no per-request data`);
    writeFileAtomic(opts.requestsCsv, requestsCsv(requests));
  }
  if (opts.report) writeReport(opts.report, scenario, "serving-run", servingRunJson(scenario, c.seed, first, summary));
  if (opts.json) {
    const json = servingRunJson(scenario, c.seed, first, summary);
    out(
      JSON.stringify(c.budget ? { ...json, budget: budgetJson(c.budget, 1, 1, c.seedCount, seedsRun.length) } : json),
    );
  } else {
    for (const line of servingRunText(first, summary)) out(line);
  }
  if (c.budget && seedsRun.length < c.seedCount) {
    throw budgetReached(
      `time budget of ${c.budget.seconds} s reached: ${seedsRun.length} of ${plural(c.seedCount, "seed")} run; the figures are of those`,
    );
  }
}

/** `run --solve FIELD [--target ...] [--range ...]` on a serving scenario. Exit 0 whether or not a breaking point is found. */
async function solveServing(c: ServingCommon & { field: string; range?: [number, number] }): Promise<void> {
  const { opts, out } = c;
  const parsed = parseTarget(opts.target ?? DEFAULT_SERVING_TARGET, servingTargetMetrics());
  if ("error" in parsed) throw new UsageError(`--target: ${parsed.error}`);
  if (opts.requestsCsv !== undefined) throw new UsageError("--requests-csv does not go with --solve");
  const progress = growingProgress("solve", "run");
  const result = await solveServingScenario({
    progress,
    scenarioPath: c.scenario,
    scenario: c.spec,
    sets: opts.set,
    field: c.field,
    target: parsed,
    seed: c.seed,
    seeds: c.seedCount,
    ...(c.range ? { range: c.range } : {}),
    ...(opts.workers !== undefined ? { threads: capWorkers(positiveInt("--workers", opts.workers), "--workers") } : {}),
  }).finally(() => progress.stop());
  if (opts.json) {
    out(JSON.stringify({ kind: "serving-solve", scenario: c.scenario, target: parsed, ...result }));
    return;
  }
  for (const line of solveText(result, parsed.metric)) out(line);
}

function parseRange(text: string): [number, number] {
  const parts = text.split(",").map((x) => Number(x.trim()));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x))) {
    throw new UsageError(`--range: expected two numbers 'low,high', found '${text}'`);
  }
  return parts as [number, number];
}

/**
 * The first seed's result and the summary over the seeds that ran (those a
 * budget kept from starting are undefined in `rest`); a failed seed is the
 * command's error.
 */
function seedResults(
  scenario: string,
  seeds: readonly number[],
  firstResult: PointResult,
  rest: ReadonlyArray<PointResult | undefined>,
  seedMetrics?: Parameters<typeof summarizeSeeds>[2],
): { first: RunOk; seedsRun: number[]; summary: SeedSummary | undefined } {
  const ran = [firstResult, ...rest.filter((r): r is PointResult => r !== undefined)];
  const failed = ran.find((r): r is Extract<PointResult, { ok: false }> => !r.ok);
  if (failed) throw new UserError(`${scenario}: ${failed.error}`);
  const seedsRun = seeds.filter((_, i) => i === 0 || rest[i - 1] !== undefined);
  const metrics = ran.map((r) => (r as RunOk).metrics);
  const summary = seedsRun.length > 1 ? summarizeSeeds(seedsRun, metrics, seedMetrics) : undefined;
  return { first: firstResult as RunOk, seedsRun, summary };
}

/**
 * Runs the specs on the worker pool, as many at once as workers, starting no
 * new one once the budget is spent; `onDone` after each. Index i of the
 * result is specs[i]'s result, undefined when the budget kept it from running.
 */
async function runSeedsOnPool(
  specs: RunSpec[],
  workersText: string | undefined,
  budget: Budget | undefined,
  onDone: () => void,
): Promise<Array<PointResult | undefined>> {
  if (specs.length === 0) return [];
  const workers =
    workersText === undefined ? availableParallelism() : capWorkers(positiveInt("--workers", workersText), "--workers");
  const lanes = Math.min(workers, specs.length);
  const pool = new SweepPool(lanes, defaultRunner());
  const results: Array<PointResult | undefined> = new Array(specs.length).fill(undefined);
  let next = 0;
  const lane = async () => {
    while (next < specs.length && !budget?.spent()) {
      const i = next++;
      results[i] = (await pool.run(specs[i] as RunSpec)).result;
      onDone();
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    await pool.close();
  }
  return results;
}

function budgetJson(budget: Budget, steps: number, stepsRun: number, seeds: number, seedsRun: number) {
  return {
    maxSeconds: budget.seconds,
    stepsRequested: steps,
    stepsRun,
    seedsRequested: seeds,
    seedsRun,
    complete: stepsRun === steps && seedsRun === seeds,
  };
}
