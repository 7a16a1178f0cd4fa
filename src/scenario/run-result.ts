import { z } from "zod";
import { checkShape } from "../input/check-shape.js";

/**
 * What `runScenario(spec: RunSpec)` returns (src/scenario/run.ts), as a zod
 * schema: the single source of the `RunResult` type (src/scenario/types.ts)
 * and the check applied wherever a result arrives from outside this thread
 * or process (sweep worker threads, a user's runner module): a malformed one
 * is an internal error with a one-line message (parseRunResult).
 */

/**
 * One headline metric: a finite number, or NaN when there was nothing to
 * measure (a serving run whose requests all fell in the warm-up has no
 * latencies; `--json` prints it as null, a CSV cell as NaN). Infinities are
 * malformed.
 */
export const MetricValueSchema = z.union([z.number(), z.nan()], {
  error: "expected a finite number (or NaN when nothing was measured)",
});

const metric = (description: string) => MetricValueSchema.optional().describe(description);

/** The metric keys of a training run (README, `run --json` keys), units in every name. */
export const TRAINING_METRICS = {
  cards: metric("Cards the run uses (serving: instances · tp · pp)"),
  steps: metric("Training steps simulated (fewer than asked when a time budget cut the run short)"),
  stepTimeSeconds: metric("Mean step time over the steps"),
  stepTimeP50Seconds: metric("Median step time"),
  stepTimeP95Seconds: metric("95th percentile of the step times"),
  stepTimeP99Seconds: metric("99th percentile of the step times"),
  noiseFreeStepTimeSeconds: metric("Mean step time of the same run without noise (only with noise)"),
  stragglerShare: metric("(step time − noise-free step time) / step time"),
  tokensPerSecond: metric("Global batch tokens per second"),
  tflopsPerCard: metric("Model TFLOP/s per card (no recomputation; the MFU numerator)"),
  hardwareTflopsPerCard: metric("TFLOP/s per card with recomputation (the HFU numerator)"),
  megatronTflopsPerCard: metric("TFLOP/s per card by the Megatron-LM 2021 formula"),
  mfu: metric("Model FLOPs utilization, a fraction"),
  hfu: metric("Hardware FLOPs utilization, a fraction"),
  peakMemoryBytes: metric("Peak memory per card of the most loaded pipeline stage"),
  events: metric("Discrete events processed"),
} as const;

/** The metric keys of a serving run (docs/serving.md, Metrics). */
export const SERVING_METRICS = {
  cards: metric("Cards the run uses (serving: instances · tp · pp)"),
  instances: metric("Model instances"),
  requests: metric("Requests measured (after the warm-up)"),
  requestsPerSecond: metric("Measured requests per second"),
  inputTokensPerSecond: metric("Prompt tokens per second"),
  outputTokensPerSecond: metric("Output tokens per second"),
  outputTokensPerSecondPerCard: metric("outputTokensPerSecond / cards"),
  ttftMeanSeconds: metric("Time to first token, mean"),
  ttftP50Seconds: metric("Time to first token, median"),
  ttftP90Seconds: metric("Time to first token, 90th percentile"),
  ttftP99Seconds: metric("Time to first token, 99th percentile"),
  tpotMeanSeconds: metric("Time per output token, mean"),
  tpotP50Seconds: metric("Time per output token, median"),
  tpotP90Seconds: metric("Time per output token, 90th percentile"),
  tpotP99Seconds: metric("Time per output token, 99th percentile"),
  e2eMeanSeconds: metric("End-to-end latency, mean"),
  e2eP50Seconds: metric("End-to-end latency, median"),
  e2eP90Seconds: metric("End-to-end latency, 90th percentile"),
  e2eP99Seconds: metric("End-to-end latency, 99th percentile"),
  sloAttainment: metric("Fraction of measured requests meeting both SLO limits"),
  goodputRequestsPerSecond: metric("Requests meeting the SLOs per second"),
  sloRatio: metric("The worse of TTFT and TPOT at the SLO percentile over their limits (<= 1: both hold)"),
  meanBatchSize: metric("Sequences per iteration, mean"),
  kvCacheUtilizationMean: metric("KV blocks in use over time, a fraction"),
  kvCacheUtilizationMax: metric("Largest fraction of one instance's KV blocks in use"),
  preemptions: metric("Sequences evicted from the KV cache and recomputed"),
  overloaded: metric("1 when the offered load exceeds capacity, else 0"),
  iterations: metric("Engine iterations, all instances"),
  busyFraction: metric("Share of the instances' time spent in iterations (colocated)"),
  prefillBusyFraction: metric("Disaggregated: share of the prefill instances' time spent in iterations"),
  decodeBusyFraction: metric("Disaggregated: share of the decode instances' time spent in iterations"),
  decodeOutputTokensPerSecondPerCard: metric("Disaggregated: output tokens/s over the decode pool's cards"),
  kvTransferMeanSeconds: metric("Disaggregated: KV-cache transfer from the prefill to the decode pool, mean"),
  kvTransferP99Seconds: metric("Disaggregated: KV-cache transfer, 99th percentile"),
  allToAllShare: metric("Expert parallelism: all-to-all seconds (hidden or not) over iteration seconds (colocated)"),
  prefillAllToAllShare: metric("Expert parallelism, disaggregated: the prefill pool's all-to-all share"),
  decodeAllToAllShare: metric("Expert parallelism, disaggregated: the decode pool's all-to-all share"),
  prefixHitTokenFraction: metric("Prompt tokens served from the prefix cache / prompt tokens of the measured requests"),
  simulatedSeconds: metric("Simulated time to the last finish"),
  events: metric("Discrete events processed"),
} as const;

/**
 * A run's headline metrics: flat, units in names. The documented keys of
 * both kinds are known (optional) keys; any other key (a runner's own, the
 * claim checker's `breakdown.<category>`) is allowed with the same values.
 */
export const RunMetricsSchema = z
  .object({ ...SERVING_METRICS, ...TRAINING_METRICS })
  .catchall(MetricValueSchema)
  .describe("Headline metrics, flat, units in names");

export const RunOkSchema = z.object({
  ok: z.literal(true),
  metrics: RunMetricsSchema,
  /** Anything else a report may show (breakdowns, per-step times, memory, per-request data). */
  details: z.record(z.string(), z.unknown()).describe("Anything else a report may show"),
});

/** Why a run did not produce metrics. */
export const RUN_FAILURE_KINDS = ["invalid-input", "out-of-memory", "invalid-plan", "internal"] as const;

export const RunFailedSchema = z.object({
  ok: z.literal(false),
  kind: z.enum(RUN_FAILURE_KINDS),
  /** One-line (or few-line) message for a person. */
  error: z.string(),
});

export const RunResultSchema = z.discriminatedUnion("ok", [RunOkSchema, RunFailedSchema], {
  error: "expected ok: true (with metrics and details) or ok: false (with kind and error)",
});

export type RunMetrics = z.infer<typeof RunMetricsSchema>;
export type RunOk = z.infer<typeof RunOkSchema>;
export type RunFailed = z.infer<typeof RunFailedSchema>;
export type RunResult = z.infer<typeof RunResultSchema>;
export type RunFailureKind = (typeof RUN_FAILURE_KINDS)[number];

/**
 * A RunResult received from elsewhere (a worker thread, a runner module), or
 * a failed result of kind "internal" saying in one line why it is not one.
 * The metrics keep the order they came in.
 */
export function parseRunResult(value: unknown, from = "the runner"): RunResult {
  if (typeof value !== "object" || value === null || !("ok" in value)) {
    return { ok: false, kind: "internal", error: `${from} returned no RunResult: ${JSON.stringify(value)}` };
  }
  const checked = checkShape(RunResultSchema, value, "RunResult");
  if (!checked.ok) {
    return { ok: false, kind: "internal", error: `${from} returned a malformed RunResult: ${checked.problem}` };
  }
  const r = checked.value;
  if (!r.ok) return r;
  return { ...r, metrics: inInputOrder((value as unknown as { metrics: Record<string, unknown> }).metrics, r.metrics) };
}

/** The parsed metrics in the order of the input's keys (zod lists known keys first); undefined values dropped. */
export function inInputOrder(input: Record<string, unknown>, parsed: RunMetrics): RunMetrics {
  const out: RunMetrics = {};
  for (const k of Object.keys(input)) {
    const v = parsed[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}
