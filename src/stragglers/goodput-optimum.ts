import type { FailureArrivals } from "./failures-arrivals.js";
import { type FailureJob, resolveFailureParams } from "./failures-params.js";
import { failureArrivalsFor, simulateJobWith } from "./failures-sim.js";
import type { FailureSpec } from "./failures-spec.js";
import { dalyIntervalS, goodputClosedForm, youngIntervalS } from "./goodput-closed-form.js";

export interface OptimalIntervalOptions {
  /** Seeds to average over (common random numbers: every interval sees the same failures). Default [1..8]. */
  seeds?: readonly number[];
  /** Search range, seconds. Default: Daly's optimum / 8 .. × 8 (blocking), δ .. 64·δ (non-blocking), within the job. */
  lowS?: number;
  highS?: number;
  /** Points of the initial log-spaced grid (default 13). */
  gridPoints?: number;
  /** Golden-section iterations after the grid (default 16). */
  refineIterations?: number;
  /** Told after each interval evaluated: how many of the search's evaluations are done (a progress bar). */
  onEvaluated?: (done: number, total: number) => void;
}

export interface OptimalIntervalResult {
  /** The interval with the highest mean simulated goodput, seconds. */
  intervalS: number;
  /** Mean simulated goodput at intervalS. */
  goodput: number;
  /** Young's (1974) sqrt(2δM), seconds, and the mean simulated goodput there. */
  youngS: number;
  goodputAtYoung: number;
  /** Daly's (2006) higher-order optimum, seconds, and the mean simulated goodput there. */
  dalyS: number;
  goodputAtDaly: number;
  /** Daly's exact closed-form goodput at dalyS (blocking; first-order when non-blocking). */
  closedFormGoodputAtDaly: number;
  /** Simulated jobs run. */
  simulations: number;
}

const PHI = (Math.sqrt(5) - 1) / 2;

/**
 * The checkpoint interval that maximises simulated goodput, averaged over
 * several seeds with common random numbers, next to Young's and Daly's
 * approximations. Search: a log-spaced grid, then golden-section search in
 * log τ between the best grid point's neighbours. The goodput curve is flat
 * near its optimum, so the interval found is only as precise as the seeds
 * allow; the goodputs are what matter.
 */
export function optimalIntervalS(
  spec: FailureSpec,
  job: FailureJob,
  options: OptimalIntervalOptions = {},
): OptimalIntervalResult {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5, 6, 7, 8];
  if (seeds.length === 0) throw new RangeError("optimalIntervalS: seeds: expected at least one seed");
  const base = resolveFailureParams(spec, job, job.usefulS);
  const mtbfS = base.mtbfS;
  const youngS = Number.isFinite(mtbfS) ? youngIntervalS(base.writeS, mtbfS) : job.usefulS;
  const dalyS = Number.isFinite(mtbfS) ? dalyIntervalS(base.writeS, mtbfS) : job.usefulS;
  const minS = base.blocking ? Math.max(job.stepTimeS ?? 0, 1e-9 * job.usefulS) : base.writeS;
  const lowS = Math.max(minS, options.lowS ?? (base.blocking ? dalyS / 8 : base.writeS));
  const highS = Math.min(job.usefulS, options.highS ?? (base.blocking ? dalyS * 8 : base.writeS * 64));
  if (!(highS >= lowS)) {
    throw new RangeError(`optimalIntervalS: empty search range [${lowS}, ${highS}] s`);
  }

  const arrivals: FailureArrivals[] = seeds.map((seed) => failureArrivalsFor(spec, job, seed));
  let simulations = 0;
  const cache = new Map<number, number>();
  // The grid, the two golden-section starting points, one per iteration, then Young's and Daly's intervals.
  const totalEvaluations = Math.max(2, options.gridPoints ?? 13) + 2 + (options.refineIterations ?? 16) + 2;
  let evaluations = 0;
  const meanGoodput = (rawIntervalS: number): number => {
    options.onEvaluated?.(++evaluations, totalEvaluations);
    // exp(log τ) may round below the range's ends; clamp.
    const params = resolveFailureParams(spec, job, Math.min(highS, Math.max(lowS, rawIntervalS)));
    const cached = cache.get(params.intervalS); // step rounding can map several τ to one
    if (cached !== undefined) return cached;
    let sum = 0;
    for (const a of arrivals) sum += simulateJobWith(params, job.usefulS, a).goodput;
    simulations += arrivals.length;
    const mean = sum / arrivals.length;
    cache.set(params.intervalS, mean);
    return mean;
  };

  // Grid in log τ.
  const n = Math.max(2, options.gridPoints ?? 13);
  const logLow = Math.log(lowS);
  const logHigh = Math.log(highS);
  const grid = Array.from({ length: n }, (_, i) => logLow + ((logHigh - logLow) * i) / (n - 1));
  const values = grid.map((x) => meanGoodput(Math.exp(x)));
  let best = 0;
  for (let i = 1; i < n; i++) if ((values[i] as number) > (values[best] as number)) best = i;

  // Golden-section between the best point's neighbours.
  let a = grid[Math.max(0, best - 1)] as number;
  let b = grid[Math.min(n - 1, best + 1)] as number;
  let bestX = grid[best] as number;
  let bestF = values[best] as number;
  let c = b - PHI * (b - a);
  let d = a + PHI * (b - a);
  let fc = meanGoodput(Math.exp(c));
  let fd = meanGoodput(Math.exp(d));
  for (let it = 0; it < (options.refineIterations ?? 16); it++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - PHI * (b - a);
      fc = meanGoodput(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + PHI * (b - a);
      fd = meanGoodput(Math.exp(d));
    }
  }
  for (const [x, f] of [
    [c, fc],
    [d, fd],
  ] as const) {
    if (f > bestF) {
      bestF = f;
      bestX = x;
    }
  }

  const intervalS = resolveFailureParams(spec, job, Math.min(highS, Math.max(lowS, Math.exp(bestX)))).intervalS;
  const dalyParams = resolveFailureParams(spec, job, Math.max(minS, Math.min(job.usefulS, dalyS)));
  return {
    intervalS,
    goodput: bestF,
    youngS,
    goodputAtYoung: meanGoodput(Math.max(minS, Math.min(job.usefulS, youngS))),
    dalyS,
    goodputAtDaly: meanGoodput(dalyParams.intervalS),
    closedFormGoodputAtDaly: goodputClosedForm(dalyParams, job.usefulS).goodput,
    simulations,
  };
}
