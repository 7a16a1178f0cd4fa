import { type IterationBreakdownS, STEP_PARTS } from "./iteration-cost.js";

/** The parts of an iteration's time, as in IterationBreakdownS, plus noise (stragglers, jitter). */
export const ITERATION_PARTS = [...STEP_PARTS, "epComm", "overhead", "straggler"] as const;
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
  /** Kernel seconds bound by compute, and by memory bandwidth (a split of the kernel parts). */
  computeBoundS = 0;
  memoryBoundS = 0;

  constructor() {
    this.seconds = Object.fromEntries(ITERATION_PARTS.map((p) => [p, 0])) as Record<IterationPart, number>;
  }

  add(b: IterationBreakdownS, actualS: number): void {
    for (const p of ITERATION_PARTS) if (p !== "straggler") this.seconds[p] += b[p];
    this.seconds.straggler += actualS - b.total;
    this.busyS += actualS;
    this.iterations++;
    this.epCommAllS += b.epCommAll;
    this.computeBoundS += b.computeBound;
    this.memoryBoundS += b.memoryBound;
  }

  /**
   * Where the pool's time goes, as shares of its busy seconds: kernels bound
   * by compute, kernels bound by memory bandwidth, expert all-to-alls not
   * hidden, TP and PP communication, host overhead, and noise (stragglers).
   * The shares sum to 1 (NaN when the pool never ran).
   */
  timeShares(): Record<"compute" | "memory" | "epComm" | "tpComm" | "ppComm" | "overhead" | "straggler", number> {
    const b = this.busyS;
    return {
      compute: this.computeBoundS / b,
      memory: this.memoryBoundS / b,
      epComm: this.seconds.epComm / b,
      tpComm: this.seconds.tpComm / b,
      ppComm: this.seconds.ppComm / b,
      overhead: this.seconds.overhead / b,
      straggler: this.seconds.straggler / b,
    };
  }

  /** Each part's share of the busy time (NaN when the pool never ran). */
  shares(): Record<IterationPart, number> {
    return Object.fromEntries(ITERATION_PARTS.map((p) => [p, this.seconds[p] / this.busyS])) as Record<
      IterationPart,
      number
    >;
  }
}
