import type { JobDaysReport, SeedSummary } from "../scenario/run-report.js";
import type { RunOk } from "../scenario/types.js";

/**
 * Reports of a training run (`clustersim run` on a scenario with a
 * `parallel:` plan), as text: the run (plan, step time, throughput, MFU,
 * memory, where the time goes) and the `--job-days` summary. Input: the
 * RunOk of runScenario (src/scenario/run.ts), whose metric keys are
 * src/scenario/metric-columns.ts; serving runs have src/report/serving-report.ts.
 */

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/** The text report of a training run (`clustersim run` without --json): the first seed's figures, ± over seeds. */
export function trainingRunText(r: RunOk, summary: SeedSummary | undefined): string[] {
  const m = r.metrics;
  const d = r.details;
  const plan = d.plan as Record<string, number | string | boolean>;
  const mem = d.memory as Record<string, number>;
  const b = d.breakdownSeconds as Record<string, number>;
  const step = m.stepTimeSeconds as number;
  // With --seeds, a "±" value is the mean over seeds with its 95% CI; every other figure is of the first seed alone.
  const firstSeed = summary?.seeds[0];
  const ci = (key: string, f: (x: number) => string) => {
    const s = summary?.metrics[key];
    return s
      ? `${f(s.mean)} ± ${f(s.halfWidth)} (mean of ${summary?.seeds.length} seeds, 95% CI)`
      : f(m[key] as number);
  };
  const ofFirst = summary ? `, seed ${firstSeed} only` : "";
  const lines = [
    `${d.scenario}: ${d.model} on ${(m.cards as number).toLocaleString("en-US")} x ${d.accelerator} (${d.cluster})`,
    `plan: TP ${plan.tp} PP ${plan.pp} DP ${plan.dp} CP ${plan.cp} EP ${plan.ep}, virtual stages ${plan.virtualStages}, ` +
      `micro-batch ${plan.microBatchSize} x ${plan.microBatchesPerStep} per replica, global batch ${plan.globalBatchSize}, ` +
      `recompute ${plan.recompute}${plan.recomputeModules === undefined ? "" : ` (${plan.recomputeModules})`}, ZeRO ${plan.zeroStage}` +
      (plan.optimizerPrecision === undefined ? "" : `, optimizer states ${plan.optimizerPrecision}`) +
      (plan.expertDispatch === undefined
        ? ""
        : `, experts ${plan.expertDispatch}${plan.maxNodesPerToken === undefined ? "" : ` to <= ${plan.maxNodesPerToken} nodes`}${plan.expertCommOverlap ? " with all-to-alls overlapped" : ""}${plan.expertImbalance !== undefined && plan.expertImbalance !== 1 ? `, busiest card ${plan.expertImbalance}x the mean load` : ""}`),
    `step time        ${ci("stepTimeSeconds", (x) => `${x.toFixed(3)} s`)}`,
  ];
  if ((m.steps as number) > 1) {
    // Percentiles over the steps of one seed: the mean over seeds above may lie outside them.
    lines.push(
      `  p50/p95/p99    ${(m.stepTimeP50Seconds as number).toFixed(3)} / ${(m.stepTimeP95Seconds as number).toFixed(3)} / ${(m.stepTimeP99Seconds as number).toFixed(3)} s over the ${m.steps} steps of ${summary ? `seed ${firstSeed} only, not of the mean over seeds` : "this run"}`,
    );
  }
  lines.push(
    `tokens/s         ${ci("tokensPerSecond", (x) => Math.round(x).toLocaleString("en-US"))}`,
    `TFLOP/s per card ${ci("tflopsPerCard", (x) => x.toFixed(1))} (model FLOPs; Megatron-2021 formula: ${(m.megatronTflopsPerCard as number).toFixed(1)}${ofFirst})`,
    `MFU / HFU        ${ci("mfu", pct)} / ${pct(m.hfu as number)}${summary ? ` (HFU of seed ${firstSeed} only)` : ""}`,
    `straggler share  ${ci("stragglerShare", pct)}`,
    `peak memory      ${gb(mem.totalBytes as number)} of ${gb(mem.hbmBytes as number)} (stage ${mem.stage}: weights ${gb(mem.weightsBytes as number)}, grads ${gb(mem.gradientsBytes as number)}, optimizer ${gb(mem.optimizerBytes as number)}, activations ${gb(mem.activationsBytes as number)}, buffers ${gb(mem.buffersBytes as number)})`,
    `where the time goes (mean per card per step${summary ? `, seed ${firstSeed} only` : ""}):`,
  );
  for (const [k, v] of Object.entries(b)) {
    if (v > 0) lines.push(`  ${k.padEnd(12)} ${v.toFixed(3).padStart(9)} s  ${pct(v / step).padStart(6)}`);
  }
  for (const w of (d.warnings as string[] | undefined) ?? []) lines.push(`warning: ${w}`);
  return lines;
}

/** The `--job-days` lines: goodput, failures and the best checkpoint interval of a simulated job. */
export function jobDaysText(j: JobDaysReport, seed: number): string[] {
  const h = (s: number) => `${(s / 3600).toFixed(2)} h`;
  return [
    `job of ${j.jobDays} days (useful training), checkpoints of ${gb(j.checkpointBytes)}:`,
    `  goodput        ${pct(j.goodput)} simulated (one failure history, seed ${seed}), ${pct(j.closedFormGoodput)} closed form (Daly) at interval ${h(j.checkpointIntervalS)}`,
    `  failures       ${j.simulatedFailures} simulated (seed ${seed}), ${j.expectedFailures.toFixed(1)} expected`,
    `  best interval  ${h(j.optimum.intervalS)} (goodput ${pct(j.optimum.goodput)}, mean of seeds ${seed}..${seed + 3}); Young ${h(j.optimum.youngS)} (${pct(j.optimum.goodputAtYoung)}), Daly ${h(j.optimum.dalyS)} (${pct(j.optimum.goodputAtDaly)})`,
    "  (the best-interval goodputs are means over 4 failure histories, the first line's is one; they differ by seed, not only by interval)",
  ];
}
