/**
 * The headline metric keys of `RunOk.metrics`, in CSV column order. Sweeps
 * write one column per key (fixed before any result is known, so the header of
 * a results file never changes mid-sweep); a metric a run returns that is not
 * listed here is not written, a listed one a run lacks is an empty cell.
 *
 * Written by the sweep helper from the keys runScenario returned at the time
 * (src/metrics/step-metrics.ts and src/scenario/run.ts), plus
 * scalingEfficiency; the lead owns this list (units in every name). `steps`
 * is not listed: results files already have a `steps` column.
 */
const METRIC_COLUMNS = [
  "cards",
  "stepTimeSeconds",
  "stepTimeP50Seconds",
  "stepTimeP95Seconds",
  "stepTimeP99Seconds",
  "noiseFreeStepTimeSeconds",
  "stragglerShare",
  "tokensPerSecond",
  "tflopsPerCard",
  "hardwareTflopsPerCard",
  "megatronTflopsPerCard",
  "mfu",
  "hfu",
  "peakMemoryBytes",
  "scalingEfficiency",
  "events",
] as const;

/** Metric keys in CSV column order (a fresh array each call). */
export function metricColumns(): string[] {
  return [...METRIC_COLUMNS];
}
