/** Metrics that are fractions (shown as percentages, margins in percentage points). */
const FRACTIONS = new Set(["scalingEfficiency", "linearity", "mfu", "hfu", "stragglerShare"]);

export function isFractionMetric(metric: string): boolean {
  return FRACTIONS.has(metric);
}

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "n/a";
}

/** A metric value for a person: 95.3%, 6.95 s, 2.38 M tok/s, 42.7 GB, 266.8 TFLOP/s. */
export function formatMetric(metric: string, x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (FRACTIONS.has(metric)) return pct(x);
  if (metric === "stepTimeSeconds") return `${x.toPrecision(4)} s`;
  if (metric === "tokensPerSecond") return x >= 1e6 ? `${(x / 1e6).toFixed(3)} M tok/s` : `${x.toFixed(0)} tok/s`;
  if (metric === "peakMemoryBytes") return `${(x / 1e9).toFixed(1)} GB`;
  if (metric === "tflopsPerCard") return `${x.toFixed(1)} TFLOP/s`;
  return x.toPrecision(4);
}

/** A margin (distance to the bound, positive = holds): percentage points for fractions. */
export function formatMargin(metric: string, margin: number): string {
  const sign = margin >= 0 ? "+" : "−";
  const a = Math.abs(margin);
  if (FRACTIONS.has(metric)) return `${sign}${(a * 100).toFixed(1)} pp`;
  return `${sign}${formatMetric(metric, a)}`;
}
