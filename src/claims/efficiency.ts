/**
 * Scaling efficiency and its decomposition (docs/claims.md).
 *
 * - scaling efficiency = (throughput_N / N) / (throughput_base / base):
 *   per-card throughput at N relative to the base size (design.md; 1 = perfect).
 * - linearity ("linear speed-up ratio" in vendor material) =
 *   (throughput_N / throughput_base) / (N / base): the speed-up over the ideal
 *   speed-up. For the same two runs it is the same number as the scaling
 *   efficiency; vendors often quote it against a different base (a single
 *   node or supernode), or in strong scaling, which is what makes their
 *   figures differ. Both are reported so a table can be compared with either.
 *
 * Loss decomposition: with t = N / throughput (card-seconds per token) and
 * each time category c of the step breakdown normalised the same way,
 * t_c = (b_c / stepTime) · t, the identity
 *   1 − efficiency = Σ_c (t_c(N) − t_c(base)) / t(N)
 * holds exactly (the categories sum to the step time), in weak and strong
 * scaling alike. Each term is that category's share of the lost efficiency;
 * a negative term is a category that shrank.
 */

/** What efficiency needs of one run. */
export interface SizePoint {
  cards: number;
  tokensPerSecond: number;
  stepTimeSeconds: number;
  /** Seconds per step by time category (compute, tpComm, bubble, ...). */
  breakdownSeconds: Record<string, number>;
}

export function scalingEfficiency(base: Pick<SizePoint, "cards" | "tokensPerSecond">, n: typeof base): number {
  return n.tokensPerSecond / n.cards / (base.tokensPerSecond / base.cards);
}

export function linearity(base: Pick<SizePoint, "cards" | "tokensPerSecond">, n: typeof base): number {
  return n.tokensPerSecond / base.tokensPerSecond / (n.cards / base.cards);
}

/** Card-seconds per token of each category (see the file comment). */
function normalized(p: SizePoint): Record<string, number> {
  const perToken = p.cards / p.tokensPerSecond;
  const out: Record<string, number> = {};
  for (const [c, s] of Object.entries(p.breakdownSeconds)) out[c] = (s / p.stepTimeSeconds) * perToken;
  return out;
}

/**
 * Each category's share of the lost efficiency (1 − efficiency) between base
 * and n; the shares sum to 1 − efficiency when the breakdowns sum to the step times.
 */
export function lossContributions(base: SizePoint, n: SizePoint): Record<string, number> {
  const b = normalized(base);
  const m = normalized(n);
  const total = n.cards / n.tokensPerSecond;
  const out: Record<string, number> = {};
  for (const c of new Set([...Object.keys(b), ...Object.keys(m)])) out[c] = ((m[c] ?? 0) - (b[c] ?? 0)) / total;
  return out;
}

/** Share of the step time of each category (a single run's breakdown). */
export function timeShares(p: Pick<SizePoint, "stepTimeSeconds" | "breakdownSeconds">): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [c, s] of Object.entries(p.breakdownSeconds)) out[c] = s / p.stepTimeSeconds;
  return out;
}

/** The category with the largest positive value (skipping `exclude`), or undefined when none is positive. */
export function largestLoss(
  values: Record<string, number>,
  exclude: readonly string[] = [],
): { category: string; value: number } | undefined {
  let best: { category: string; value: number } | undefined;
  for (const [category, value] of Object.entries(values)) {
    if (exclude.includes(category) || !(value > 0)) continue;
    if (!best || value > best.value) best = { category, value };
  }
  return best;
}
