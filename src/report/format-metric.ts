/** Metrics that are fractions (shown as percentages, margins in percentage points). */
const FRACTIONS = new Set(["scalingEfficiency", "linearity", "mfu", "hfu", "stragglerShare", "sloAttainment"]);

export function isFractionMetric(metric: string): boolean {
  return FRACTIONS.has(metric);
}

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "n/a";
}

/** A duration for a person: 850.0 ms below one second, 1.234 s above; "n/a" when undefined (NaN). */
export function formatSeconds(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return Math.abs(x) < 1 ? `${(x * 1000).toPrecision(4)} ms` : `${x.toPrecision(4)} s`;
}

/** A rate for a person, with thousands separators: 12,345 or 12.3 below 100. */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : Number(x.toPrecision(3)).toString();
}

const RELATIVE = ":relative";

/**
 * The key under which a claim's bounded value is formatted: the metric, or
 * `<metric>:relative` for a relative bound (a ratio to the reference run, shown as 2.13x).
 */
export function boundMetricKey(bound: { metric: string; relative?: boolean | undefined }): string {
  return bound.relative ? `${bound.metric}${RELATIVE}` : bound.metric;
}

/** A metric value for a person: 95.3%, 6.95 s, 2.38 M tok/s, 42.7 GB, 266.8 TFLOP/s, 850.0 ms, 12.3 req/s, 2.13x. */
export function formatMetric(metric: string, x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (metric.endsWith(RELATIVE)) return `${Number(x.toPrecision(4))}x`;
  if (FRACTIONS.has(metric)) return pct(x);
  if (metric === "stepTimeSeconds") return `${x.toPrecision(4)} s`;
  if (metric === "tokensPerSecond") return x >= 1e6 ? `${(x / 1e6).toFixed(3)} M tok/s` : `${x.toFixed(0)} tok/s`;
  if (metric === "peakMemoryBytes") return `${(x / 1e9).toFixed(1)} GB`;
  if (metric === "tflopsPerCard") return `${x.toFixed(1)} TFLOP/s`;
  if (metric.endsWith("Seconds")) return formatSeconds(x);
  if (metric === "requestsPerSecond" || metric === "goodputRequestsPerSecond") return `${formatRate(x)} req/s`;
  if (metric.startsWith("outputTokensPerSecond") || metric === "inputTokensPerSecond") {
    return `${formatRate(x)} tok/s${metric.endsWith("PerCard") ? "/card" : ""}`;
  }
  return x.toPrecision(4);
}

/** A margin (distance to the bound, positive = holds): percentage points for fractions. */
export function formatMargin(metric: string, margin: number): string {
  const sign = margin >= 0 ? "+" : "−";
  const a = Math.abs(margin);
  if (FRACTIONS.has(metric)) return `${sign}${(a * 100).toFixed(1)} pp`;
  return `${sign}${formatMetric(metric, a)}`;
}
