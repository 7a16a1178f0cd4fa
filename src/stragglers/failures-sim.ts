import { type EventHandle, Simulator } from "../engine/simulator.js";
import { CARD_FAILURE, FailureArrivals } from "./failures-arrivals.js";
import { type FailureJob, type FailureParams, resolveFailureParams } from "./failures-params.js";
import type { FailureSpec } from "./failures-spec.js";

/** Where the wall time of a job went, seconds; the four parts sum to wallS. */
export interface JobBreakdown {
  /** Training compute that ended up in a completed checkpoint (= usefulS at the end). */
  computeS: number;
  /** Checkpoint writes that completed and the training waited for (all of them when blocking; the final save otherwise). */
  checkpointS: number;
  /** Compute and checkpoint-write time thrown away by failures (rolled back to the last completed checkpoint). */
  lostS: number;
  /** Recovery: detection + restart + restore, including recoveries cut short by another failure. */
  restartS: number;
}

export interface JobResult {
  /** Wall-clock time of the job, seconds. */
  wallS: number;
  /** Useful training time the job needed, seconds. */
  usefulS: number;
  /** usefulS / wallS. */
  goodput: number;
  /** Failures during the job (any component, any phase, recoveries included). */
  failures: number;
  cardFailures: number;
  nodeFailures: number;
  /** Checkpoints whose write completed (the final save included). */
  checkpointsWritten: number;
  /** Training compute lost to failures, seconds (redone later): the compute part of breakdown.lostS. */
  lostWorkS: number;
  breakdown: JobBreakdown;
  /** The resolved parameters the run used (interval, δ, R, M, ...). */
  params: FailureParams;
}

export interface SimulateJobOptions {
  /** Overrides the spec's checkpoint interval, seconds. */
  intervalS?: number;
  /** Stop with an error after this many failures (a job that cannot make progress). Default 10,000,000. */
  maxFailures?: number;
}

/**
 * Simulates a long training job under failures on the engine and returns its
 * goodput. See simulateJobWith for the model; `seed` seeds the per-component
 * failure streams.
 */
export function simulateJob(
  spec: FailureSpec,
  job: FailureJob,
  seed: number,
  options: SimulateJobOptions = {},
): JobResult {
  const params = resolveFailureParams(spec, job, options.intervalS);
  const arrivals = failureArrivalsFor(spec, job, seed);
  return simulateJobWith(params, job.usefulS, arrivals, options.maxFailures);
}

/** The failure arrivals of one seed for a job (reusable across intervals: common random numbers). */
export function failureArrivalsFor(
  spec: Pick<FailureSpec, "cardMtbfHours" | "nodeMtbfHours">,
  job: Pick<FailureJob, "cards" | "nodes">,
  seed: number,
): FailureArrivals {
  return new FailureArrivals(
    seed,
    job.cards,
    job.nodes,
    1 / (spec.cardMtbfHours * 3600),
    1 / (spec.nodeMtbfHours * 3600),
  );
}

type Phase = "compute" | "write" | "final-write" | "recovery" | "done";

/**
 * The job model, event by event. The job needs `usefulS` of training,
 * cut into segments of τ = params.intervalS (the last one shorter).
 * - Blocking: compute a segment, then write a checkpoint for δ; the segment
 *   counts once the write completes.
 * - Non-blocking: training runs on; at each segment boundary a snapshot is
 *   taken at no cost (ASSUMPTION: the copy to host memory is free) and
 *   written in the background in δ (writes queue one after another); a
 *   snapshot counts only once written. The job ends when the final snapshot
 *   is written.
 * - A failure (from `arrivals`) rolls the job back to the last completed
 *   checkpoint: the work since is lost; then recovery R = detection + restart
 *   + restore. A failure during recovery starts the recovery over (the time
 *   already spent counts as restartS). The start of the job is a completed
 *   checkpoint (restoring it also costs R).
 */
export function simulateJobWith(
  params: FailureParams,
  usefulS: number,
  arrivals: FailureArrivals,
  maxFailures = 10_000_000,
): JobResult {
  const sim = new Simulator();
  const tau = params.intervalS;
  const fullSegments = Math.floor(usefulS / tau);
  const lastWorkS = usefulS - fullSegments * tau;
  const totalSegments = fullSegments + (lastWorkS > 0 ? 1 : 0);
  const workOf = (segment: number) => (segment < fullSegments ? tau : lastWorkS);

  let phase: Phase = "compute";
  let phaseStartS = 0;
  let phaseEvent: EventHandle | undefined;
  let segment = 0; // segment being computed (or written, when blocking)
  let committed = 0; // segments covered by the last completed checkpoint
  // Non-blocking: queued background writes (segment count each covers, completion time, event).
  const writes: Array<{ covers: number; doneS: number; handle: EventHandle }> = [];
  let writeBusyUntilS = 0;

  let failures = 0;
  let cardFailures = 0;
  let checkpointsWritten = 0;
  let lostWorkS = 0;
  const breakdown: JobBreakdown = { computeS: 0, checkpointS: 0, lostS: 0, restartS: 0 };
  let wallS = Number.NaN;

  const phaseEnd = sim.handler("job-phase-end", () => {
    phaseEvent = undefined;
    if (phase === "compute") endCompute();
    else if (phase === "write") endBlockingWrite();
    else if (phase === "recovery") {
      breakdown.restartS += params.recoveryS;
      startCompute();
    }
  });
  const writeDone = sim.handler("checkpoint-written", () => {
    const w = writes.shift() as (typeof writes)[number];
    for (let s = committed; s < w.covers; s++) breakdown.computeS += workOf(s);
    committed = w.covers;
    checkpointsWritten++;
    if (phase === "final-write" && committed === totalSegments) {
      breakdown.checkpointS += sim.now - phaseStartS;
      finish();
    }
  });
  const failure = sim.handler("failure", (index) => {
    if (phase === "done") return;
    failures++;
    if (arrivals.kind(index) === CARD_FAILURE) cardFailures++;
    if (failures > maxFailures) {
      throw new RangeError(
        `the job makes no progress: over ${maxFailures} failures (MTBF ${params.mtbfS} s vs recovery ${params.recoveryS} s and interval ${tau} s)`,
      );
    }
    rollBack();
    startRecovery();
    const nextS = arrivals.timeS(index + 1);
    if (Number.isFinite(nextS)) sim.at(nextS, failure, index + 1);
  });

  function startCompute(): void {
    phase = "compute";
    phaseStartS = sim.now;
    phaseEvent = sim.after(workOf(segment), phaseEnd);
  }

  function endCompute(): void {
    if (params.blocking) {
      phase = "write";
      phaseStartS = sim.now;
      phaseEvent = sim.after(params.writeS, phaseEnd);
      return;
    }
    segment++;
    const startS = Math.max(sim.now, writeBusyUntilS);
    writeBusyUntilS = startS + params.writeS;
    writes.push({ covers: segment, doneS: writeBusyUntilS, handle: sim.at(writeBusyUntilS, writeDone) });
    if (segment < totalSegments) startCompute();
    else {
      phase = "final-write";
      phaseStartS = sim.now;
    }
  }

  function endBlockingWrite(): void {
    breakdown.computeS += workOf(segment);
    breakdown.checkpointS += params.writeS;
    checkpointsWritten++;
    segment++;
    committed = segment;
    if (segment < totalSegments) startCompute();
    else finish();
  }

  function rollBack(): void {
    if (phaseEvent !== undefined) sim.cancel(phaseEvent);
    phaseEvent = undefined;
    const inPhaseS = sim.now - phaseStartS;
    if (phase === "recovery") {
      breakdown.restartS += inPhaseS;
      return;
    }
    // Compute done since the last completed checkpoint: whole segments, then the running one.
    let lostComputeS = 0;
    for (let s = committed; s < segment; s++) lostComputeS += workOf(s);
    if (phase === "compute") lostComputeS += inPhaseS;
    else if (phase === "write") lostComputeS += workOf(segment);
    lostWorkS += lostComputeS;
    breakdown.lostS += lostComputeS + (phase === "write" || phase === "final-write" ? inPhaseS : 0);
    for (const w of writes) sim.cancel(w.handle);
    writes.length = 0;
    writeBusyUntilS = sim.now;
    segment = committed;
  }

  function startRecovery(): void {
    phase = "recovery";
    phaseStartS = sim.now;
    phaseEvent = sim.after(params.recoveryS, phaseEnd);
  }

  function finish(): void {
    phase = "done";
    wallS = sim.now;
  }

  startCompute();
  const firstFailureS = arrivals.timeS(0);
  if (Number.isFinite(firstFailureS)) sim.at(firstFailureS, failure, 0);
  sim.run();
  // TS narrows `phase` to "compute" here, not seeing the handlers change it.
  if ((phase as Phase) !== "done")
    throw new Error("failures-sim: the event queue emptied before the job finished (invariant broken)");

  return {
    wallS,
    usefulS,
    goodput: usefulS / wallS,
    failures,
    cardFailures,
    nodeFailures: failures - cardFailures,
    checkpointsWritten,
    lostWorkS,
    breakdown,
    params,
  };
}
