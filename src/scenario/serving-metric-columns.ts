/**
 * The flat metric keys of a serving run's `RunOk.metrics`, in CSV column
 * order (sweeps of a serving scenario write these columns). Units in names;
 * latencies in seconds; fractions in [0, 1].
 *
 * - requests: requests measured (finished, after the warm-up);
 * - *PerSecond: measured requests over first measured arrival to last finish; for open-loop
 *   rate-driven traffic (poisson, gamma, constant, trace) the work done inside the arrival window (first
 *   measured arrival to last arrival) instead, when that is higher: output tokens as produced (the first at
 *   the first token, the rest evenly until the finish), requests and their prompt tokens by the share of
 *   their output produced (the drain after the last arrival would dilute the first estimate; start-up
 *   dilutes the second);
 * - ttft*: arrival to first output token; tpot*: (finish − first token) / (output − 1) per request
 *   (requests with one output token have none); e2e*: arrival to last token;
 * - sloAttainment: fraction of measured requests meeting both limits; goodputRequestsPerSecond:
 *   those requests per second; sloRatio: the worst of (TTFT at the SLO percentile / limit) and
 *   (TPOT at the SLO percentile / limit): <= 1 means both SLOs hold at their percentile;
 * - overloaded: 1 when the offered load exceeds capacity (queue still growing at the end), else 0;
 * - busyFraction (colocated) or prefillBusyFraction and decodeBusyFraction (disaggregated): a pool's
 *   iteration seconds over instances × simulatedSeconds; kvTransferMean/P99Seconds (disaggregated):
 *   KV-cache transfer from the prefill to the decode pool; decodeOutputTokensPerSecondPerCard
 *   (disaggregated): output tokens/s over the decode pool's cards. Empty cells where a run has no such pool;
 * - prefixHitTokenFraction: prompt tokens served from the prefix cache at the requests' first prefill
 *   over their prompt tokens (measured requests; with request classes, only where the instance held the
 *   prefix);
 * - allToAllShare (colocated) or prefill/decodeAllToAllShare (disaggregated), with expert parallelism:
 *   the pool's expert all-to-all seconds, hidden behind compute or not, over its iteration seconds.
 */
const SERVING_METRIC_COLUMNS = [
  "cards",
  "instances",
  "requests",
  "requestsPerSecond",
  "inputTokensPerSecond",
  "outputTokensPerSecond",
  "outputTokensPerSecondPerCard",
  "ttftMeanSeconds",
  "ttftP50Seconds",
  "ttftP90Seconds",
  "ttftP99Seconds",
  "tpotMeanSeconds",
  "tpotP50Seconds",
  "tpotP90Seconds",
  "tpotP99Seconds",
  "e2eMeanSeconds",
  "e2eP50Seconds",
  "e2eP90Seconds",
  "e2eP99Seconds",
  "sloAttainment",
  "goodputRequestsPerSecond",
  "sloRatio",
  "meanBatchSize",
  "kvCacheUtilizationMean",
  "kvCacheUtilizationMax",
  "preemptions",
  "overloaded",
  "busyFraction",
  "prefillBusyFraction",
  "decodeBusyFraction",
  "decodeOutputTokensPerSecondPerCard",
  "kvTransferMeanSeconds",
  "kvTransferP99Seconds",
  "prefixHitTokenFraction",
  "allToAllShare",
  "prefillAllToAllShare",
  "decodeAllToAllShare",
  "iterations",
  "simulatedSeconds",
  "events",
] as const;

export type ServingMetric = (typeof SERVING_METRIC_COLUMNS)[number];

/** Serving metric keys in CSV column order (a fresh array each call). */
export function servingMetricColumns(): string[] {
  return [...SERVING_METRIC_COLUMNS];
}
