import type { StepRecord, TimeCategory } from "../system/ports.js";
import { TIME_CATEGORIES } from "../system/ports.js";

/**
 * Headline metrics of a training run. Step times come from the simulated
 * step records; FLOP counts from src/workload/flops.ts:
 * - tokensPerSecond = globalBatch · seqLength / stepTime
 * - tflopsPerCard = model FLOPs per step / (stepTime · cards) / 1e12
 *   (model FLOPs: forward + backward, no recomputation; the MFU numerator)
 * - mfu = tflopsPerCard / peak; hfu counts the recomputed forward too
 * - megatronTflopsPerCard: FLOPs by the Megatron-LM 2021 formula (which
 *   counts the recomputation forward), for comparison with that paper.
 *
 * The breakdown is the mean over steps of each time category (each a mean
 * over actors) plus `idle`, the rest of the mean step time, so the parts sum
 * to the mean step time. The executor files every second of an actor's step
 * under one category, and every actor starts at `startS`, so through any step
 * k the categories sum to the mean over actors of their finish times, which
 * is at most the last actor's finish time, `records[k].endS`: more is an
 * over-count, an invariant break, and throws (beyond BREAKDOWN_TOLERANCE,
 * relative, for rounding). An over-count smaller than the actors' wait for
 * the last one (the idle tail) is invisible from the records.
 */
export interface StepMetricsInput {
  records: readonly StepRecord[];
  /** Time at which the run started (0 for a fresh simulator). */
  startS: number;
  cards: number;
  tokensPerStep: number;
  modelFlopsPerStep: number;
  hardwareFlopsPerStep: number;
  megatronFlopsPerStep: number;
  peakFlopsPerS: number;
}

export interface StepMetrics {
  stepTimes: number[];
  metrics: Record<string, number>;
  breakdownS: Record<TimeCategory | "idle", number>;
}

/** Relative tolerance of the breakdown check (rounding of sums of many segment times). */
export const BREAKDOWN_TOLERANCE = 1e-9;

export function stepMetrics(input: StepMetricsInput): StepMetrics {
  const stepTimes: number[] = [];
  let prev = input.startS;
  let accountedSoFar = 0;
  input.records.forEach((r, k) => {
    stepTimes.push(r.endS - prev);
    prev = r.endS;
    for (const c of TIME_CATEGORIES) accountedSoFar += r.meanS[c];
    const elapsed = r.endS - input.startS;
    if (!(accountedSoFar - elapsed <= BREAKDOWN_TOLERANCE * Math.abs(elapsed))) {
      throw new Error(
        `step-metrics invariant violated: the time categories of steps 1-${k + 1} sum to ${accountedSoFar} s, ` +
          `more than the ${elapsed} s elapsed (over-count ${accountedSoFar - elapsed} s)`,
      );
    }
  });
  const n = stepTimes.length;
  const mean = stepTimes.reduce((a, b) => a + b, 0) / n;
  const sorted = [...stepTimes].sort((a, b) => a - b);
  const cards = input.cards;
  const tflopsPerCard = input.modelFlopsPerStep / (mean * cards) / 1e12;
  const hardwareTflopsPerCard = input.hardwareFlopsPerStep / (mean * cards) / 1e12;
  const breakdownS = {} as Record<TimeCategory | "idle", number>;
  let accounted = 0;
  for (const c of TIME_CATEGORIES) {
    const v = input.records.reduce((a, r) => a + r.meanS[c], 0) / n;
    breakdownS[c] = v;
    accounted += v;
  }
  // The check above bounds any negative remainder to rounding (<= the tolerance): shown as 0.
  breakdownS.idle = Math.max(0, mean - accounted);
  const metrics: Record<string, number> = {
    cards,
    steps: n,
    stepTimeSeconds: mean,
    stepTimeP50Seconds: quantile(sorted, 0.5),
    stepTimeP95Seconds: quantile(sorted, 0.95),
    stepTimeP99Seconds: quantile(sorted, 0.99),
    tokensPerSecond: input.tokensPerStep / mean,
    tflopsPerCard,
    hardwareTflopsPerCard,
    megatronTflopsPerCard: input.megatronFlopsPerStep / (mean * cards) / 1e12,
    mfu: (tflopsPerCard * 1e12) / input.peakFlopsPerS,
    hfu: (hardwareTflopsPerCard * 1e12) / input.peakFlopsPerS,
  };
  return { stepTimes, metrics, breakdownS };
}

/** Quantile by linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}
