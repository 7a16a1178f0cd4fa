/**
 * Closed forms for checkpoint/restart under exponential failures. Notation
 * (Daly 2006): M = system MTBF (s), δ = checkpoint write time (s),
 * R = recovery = detection + restart + restore (s), τ = compute between
 * checkpoints (s), T_s = useful solve time (s), T_w = wall time (s).
 *
 * - J. W. Young, "A first order approximation to the optimum checkpoint
 *   interval", Communications of the ACM 17(9):530-531, 1974.
 * - J. T. Daly, "A higher order estimate of the optimum checkpoint interval
 *   for restart dumps", Future Generation Computer Systems 22(3):303-312, 2006.
 *
 * Conventions shared with the simulation (failures-sim.ts): failures strike
 * at any moment of wall time (compute, checkpoint write, recovery); a failure
 * during a write voids that checkpoint; a failure during recovery starts the
 * recovery over; every segment, the last included, ends with a checkpoint
 * (the last one is the final save of the trained model).
 */

/** The parameters the closed forms read (a subset of FailureParams). */
export interface CheckpointModel {
  /** τ, seconds of compute between checkpoints. */
  intervalS: number;
  /** δ, checkpoint write time, seconds. */
  writeS: number;
  /** R, recovery time after a failure, seconds. */
  recoveryS: number;
  /** M, system MTBF, seconds (may be Infinity). */
  mtbfS: number;
  /** Training pauses during writes (default true). */
  blocking?: boolean;
}

/** Young (1974): τ_opt ≈ sqrt(2·δ·M). */
export function youngIntervalS(writeS: number, mtbfS: number): number {
  return Math.sqrt(2 * writeS * mtbfS);
}

/**
 * Daly (2006), eq. 37: τ_opt = sqrt(2δM)·[1 + (1/3)·sqrt(δ/2M) + (1/9)·(δ/2M)] − δ
 * for δ < 2M, and τ_opt = M otherwise.
 */
export function dalyIntervalS(writeS: number, mtbfS: number): number {
  if (writeS >= 2 * mtbfS) return mtbfS;
  const x = writeS / (2 * mtbfS);
  return Math.sqrt(2 * writeS * mtbfS) * (1 + Math.sqrt(x) / 3 + x / 9) - writeS;
}

/**
 * Daly's (2006) exact expected wall time for exponential failures (his eq. 13,
 * T_w = M·e^{R/M}·(e^{(τ+δ)/M} − 1)·T_s/τ), generalised to a last, shorter
 * segment when T_s/τ is not a whole number: each segment of w = work + δ
 * takes M·e^{R/M}·(e^{w/M} − 1) on average. Blocking checkpoints only.
 */
export function expectedWallSExact(model: CheckpointModel, usefulS: number): number {
  if (model.blocking === false)
    throw new RangeError("expectedWallSExact: Daly's exact form is for blocking checkpoints");
  const { intervalS: tau, writeS: delta, recoveryS: r, mtbfS: m } = model;
  const fullSegments = Math.floor(usefulS / tau);
  const lastS = usefulS - fullSegments * tau;
  if (!Number.isFinite(m)) return usefulS + (fullSegments + (lastS > 0 ? 1 : 0)) * delta;
  // M·(e^{x} − 1) via expm1 stays accurate when w ≪ M.
  const segment = (w: number) => m * Math.expm1(w / m);
  const base = fullSegments * segment(tau + delta) + (lastS > 0 ? segment(lastS + delta) : 0);
  return Math.exp(r / m) * base;
}

/**
 * First-order expected goodput (useful time / wall time). Blocking: each τ of
 * work costs δ of writing, and each failure (one per M of wall time) loses on
 * average half a segment, (τ+δ)/2, plus R; so T_w = T_s·(1 + δ/τ) + (T_w/M)·((τ+δ)/2 + R)
 * and goodput = (1 − ((τ+δ)/2 + R)/M) / (1 + δ/τ). Minimising this waste
 * gives Young's τ = sqrt(2δM). Non-blocking: writing costs nothing but a
 * failure loses on average τ/2 + δ (the newest checkpoint counts only once
 * written), so goodput = (1 − (τ/2 + δ + R)/M)·T_s/(T_s + δ) (the final save
 * is waited for). Accurate when τ + δ + R ≪ M; clamped at 0.
 */
export function goodputFirstOrder(model: CheckpointModel, usefulS = Number.POSITIVE_INFINITY): number {
  const { intervalS: tau, writeS: delta, recoveryS: r, mtbfS: m } = model;
  if (model.blocking === false) {
    const lossPerFailureS = tau / 2 + delta + r;
    const finalWait = Number.isFinite(usefulS) ? usefulS / (usefulS + delta) : 1;
    return Math.max(0, 1 - lossPerFailureS / m) * finalWait;
  }
  const lossPerFailureS = (tau + delta) / 2 + r;
  return Math.max(0, 1 - lossPerFailureS / m) / (1 + delta / tau);
}

/** Expected goodput from Daly's exact wall time (blocking checkpoints). */
export function goodputExact(model: CheckpointModel, usefulS: number): number {
  return usefulS / expectedWallSExact(model, usefulS);
}

/**
 * Expected failures during a job of expected wall time `wallS`: λ·E[T_w]
 * (Wald's identity: failures are a Poisson process over all wall time,
 * productive or not, and the job's end is a stopping time).
 */
export function expectedFailures(mtbfS: number, wallS: number): number {
  return Number.isFinite(mtbfS) ? wallS / mtbfS : 0;
}

/**
 * The closed-form summary for a job: goodput and expected failures from
 * Daly's exact form (blocking) or the first-order form (non-blocking).
 */
export function goodputClosedForm(
  model: CheckpointModel,
  usefulS: number,
): { goodput: number; wallS: number; expectedFailures: number; form: "daly-exact" | "first-order" } {
  if (model.blocking === false) {
    const goodput = goodputFirstOrder(model, usefulS);
    const wallS = goodput > 0 ? usefulS / goodput : Number.POSITIVE_INFINITY;
    return { goodput, wallS, expectedFailures: expectedFailures(model.mtbfS, wallS), form: "first-order" };
  }
  const wallS = expectedWallSExact(model, usefulS);
  return {
    goodput: usefulS / wallS,
    wallS,
    expectedFailures: expectedFailures(model.mtbfS, wallS),
    form: "daly-exact",
  };
}
