import type { Command } from "commander";
import { type Constraint, parseConstraint } from "../plan/constraints.js";
import { searchCsv, searchTable } from "../plan/plan-report.js";
import { searchPlans } from "../plan/search.js";
import { loadAnyScenario } from "../scenario/load-scenario.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { capWorkers } from "../sweep/pool.js";
import { countProgress, growingProgress } from "./count-progress.js";
import { UsageError, UserError } from "./errors.js";
import { boundedInt, collect, MAX_STEPS, positiveInt } from "./options.js";
import { checkOutputPath } from "./output-guard.js";

interface PlanCliOptions {
  search?: boolean;
  top: string;
  constraint: Constraint[];
  out?: string;
  json?: boolean;
  set: string[];
  seed: string;
  steps: string;
  threads?: string;
}

const collectConstraint = (value: string, previous: Constraint[]): Constraint[] => {
  const c = parseConstraint(value);
  if (typeof c === "string") throw new UsageError(`--constraint: ${c}`);
  return [...previous, c];
};

/** `clustersim plan SCENARIO --search`: the best parallel plans for a training scenario's model, cluster and batch. */
export function addPlanCommand(program: Command, out: (line: string) => void): void {
  program
    .command("plan")
    .description(
      "search the parallel plans of a training scenario (TP, PP, DP, CP, EP, virtual stages, micro-batch, recomputation, ZeRO) for its model, cluster and global batch: every valid plan that fits in memory is screened in closed form, the best --top are simulated by the full DES on worker threads; prints a ranked table and writes every plan to --out CSV",
    )
    .argument("<scenario>", "training scenario file (its plan's other settings are kept)")
    .option("--search", "search the plans (required: the only mode today)")
    .option("--top <k>", "plans simulated by the full DES after screening", "20")
    .option(
      "--constraint <FIELD OP VALUE>",
      "keep plans with e.g. 'tp<=8', 'pp>=2', 'recompute!=full', 'zeroStage=1' (repeatable)",
      collectConstraint,
      [],
    )
    .option("--out <file.csv>", "write every enumerated plan (screened, simulated, rejected with why) as CSV")
    .option("--json", "print the result as JSON")
    .option("--set <path=value>", "override a scenario field before searching (repeatable)", collect, [])
    .option("--seed <n>", "seed of the DES runs", "1")
    .option("--steps <n>", "training steps per DES run", "1")
    .option("--threads <n>", "worker threads for the DES runs (default: the machine's cores)")
    .action(async (scenarioPath: string, opts: PlanCliOptions) => {
      if (!opts.search) throw new UsageError("plan: --search is required (clustersim plan SCENARIO --search)");
      const top = boundedInt("--top", opts.top, 1000, "plans");
      const steps = boundedInt("--steps", opts.steps, MAX_STEPS, "steps");
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, found '${opts.seed}'`);
      const threads =
        opts.threads === undefined ? undefined : capWorkers(positiveInt("--threads", opts.threads), "--threads");
      if (opts.out) checkOutputPath("--out", opts.out, [scenarioPath], "CSV");
      const loaded = loadAnyScenario(scenarioPath, opts.set);
      if (loaded.kind !== "training") {
        throw new UserError(`${scenarioPath}: plan --search is for training scenarios; this one is a serving scenario`);
      }
      let screenBar: ReturnType<typeof countProgress> | undefined;
      const desBar = growingProgress("plan", "DES run");
      const result = await searchPlans(scenarioPath, opts.set, loaded.spec, {
        top,
        constraints: opts.constraint,
        seed,
        steps,
        ...(threads !== undefined ? { threads } : {}),
        onScreened: (done, total) => {
          if (screenBar === undefined) screenBar = countProgress("screen", "plan", total);
          if (done % 50 === 0 || done === total) screenBar.update(done);
          if (done === total) screenBar.stop();
        },
        desProgress: desBar,
      }).finally(() => desBar.stop());
      const screened = result.counts.screened + result.counts.simulated;
      process.stderr.write(
        `clustersim: ${result.counts.enumerated.toLocaleString("en-US")} plans checked and bounded in ${result.timing.boundSeconds.toFixed(1)} s, ${screened.toLocaleString("en-US")} screened in ${result.timing.screenSeconds.toFixed(1)} s (${screened > 0 ? ((result.timing.screenSeconds * 1000) / screened).toFixed(1) : "0"} ms each), ${result.counts.simulated} DES runs in ${result.timing.desSeconds.toFixed(1)} s\n`,
      );
      if (opts.out) writeFileAtomic(opts.out, searchCsv(result));
      if (opts.json) {
        const { timing: _wallClock, ...deterministic } = result;
        out(JSON.stringify(deterministic, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2));
      } else for (const l of searchTable(result)) out(l);
    });
}
