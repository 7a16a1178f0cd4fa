import type { IterationBreakdownS } from "./iteration-cost.js";

/** The parts of an iteration's time, as in IterationBreakdownS, plus noise (stragglers, jitter). */
export const ITERATION_PARTS = [
  "linear",
  "elementwise",
  "experts",
  "attentionPrefill",
  "attentionDecode",
  "logits",
  "tpComm",
  "ppComm",
  "epComm",
  "overhead",
  "straggler",
] as const;
export type IterationPart = (typeof ITERATION_PARTS)[number];

/**
 * Where a pool's iteration time goes: the seconds of each part summed over
 * every iteration of the pool's instances, and its busy seconds (the sum of
 * the iterations' actual durations). Noise is its own part (actual − nominal).
 */
export class IterationAccount {
  readonly seconds: Record<IterationPart, number>;
  busyS = 0;
  iterations = 0;
  /** Expert all-to-all seconds, hidden behind compute or not (expert parallelism). */
  epCommAllS = 0;

  constructor() {
    this.seconds = Object.fromEntries(ITERATION_PARTS.map((p) => [p, 0])) as Record<IterationPart, number>;
  }

  add(b: IterationBreakdownS, actualS: number): void {
    for (const p of ITERATION_PARTS) if (p !== "straggler") this.seconds[p] += b[p];
    this.seconds.straggler += actualS - b.total;
    this.busyS += actualS;
    this.iterations++;
    this.epCommAllS += b.epCommAll;
  }

  /** Each part's share of the busy time (NaN when the pool never ran). */
  shares(): Record<IterationPart, number> {
    return Object.fromEntries(ITERATION_PARTS.map((p) => [p, this.seconds[p] / this.busyS])) as Record<
      IterationPart,
      number
    >;
  }
}
