import type { FailureSpec } from "./failures-spec.js";
import { dalyIntervalS } from "./goodput-closed-form.js";

/** The job a failure model is applied to. */
export interface FailureJob {
  /** Cards the job runs on (each fails independently at 1/cardMtbf). */
  cards: number;
  /** Nodes the job runs on (each fails independently at 1/nodeMtbf). */
  nodes: number;
  /** Seconds of useful training the job needs (job days × 86,400, or steps × step time). */
  usefulS: number;
  /** Checkpoint size from the model state, bytes; used when the spec gives no checkpoint.sizeBytes. */
  checkpointBytes?: number;
  /** Step time, seconds: when given, checkpoints fall on step boundaries (interval rounded to whole steps). */
  stepTimeS?: number;
}

/** Everything the closed forms and the simulation need, in seconds. */
export interface FailureParams {
  /** Cluster failure rate λ = cards/cardMtbf + nodes/nodeMtbf, failures per second. */
  failureRatePerS: number;
  /** System MTBF M = 1/λ, seconds (Infinity when nothing can fail). */
  mtbfS: number;
  /** δ: time to write one checkpoint = size / write bandwidth, seconds. */
  writeS: number;
  /** Time to read one checkpoint back = size / read bandwidth, seconds. */
  restoreS: number;
  /** R: recovery after a failure = detection + restart + restore, seconds. */
  recoveryS: number;
  /** τ: training compute between checkpoints, seconds ("auto" resolved). */
  intervalS: number;
  /** Whether training pauses during checkpoint writes. */
  blocking: boolean;
  /** Checkpoint size used, bytes. */
  checkpointBytes: number;
}

const SECONDS_PER_HOUR = 3600;
const BYTES_PER_GB = 1e9;

/** Cluster failure rate λ, per second: cards/cardMtbf + nodes/nodeMtbf (superposed exponential processes). */
export function clusterFailureRatePerS(spec: Pick<FailureSpec, "cardMtbfHours" | "nodeMtbfHours">, job: FailureJob) {
  return job.cards / (spec.cardMtbfHours * SECONDS_PER_HOUR) + job.nodes / (spec.nodeMtbfHours * SECONDS_PER_HOUR);
}

/**
 * Resolves a validated spec against a job. Throws a RangeError naming the
 * field when the job is impossible (no checkpoint size anywhere, bad counts).
 * `intervalS` overrides the spec's interval (used by the optimum search).
 */
export function resolveFailureParams(spec: FailureSpec, job: FailureJob, intervalS?: number): FailureParams {
  checkJob(job);
  const checkpointBytes = spec.checkpoint.sizeBytes ?? job.checkpointBytes;
  if (checkpointBytes === undefined || !(checkpointBytes > 0) || !Number.isFinite(checkpointBytes)) {
    throw new RangeError(
      `failures.checkpoint.sizeBytes: no checkpoint size: give failures.checkpoint.sizeBytes or the model state size (found ${String(checkpointBytes)})`,
    );
  }
  const failureRatePerS = clusterFailureRatePerS(spec, job);
  const mtbfS = failureRatePerS > 0 ? 1 / failureRatePerS : Number.POSITIVE_INFINITY;
  const writeS = checkpointBytes / (spec.checkpoint.writeGBps * BYTES_PER_GB);
  const restoreS = checkpointBytes / (spec.checkpoint.readGBps * BYTES_PER_GB);
  const recoveryS = spec.detectionS + spec.restartS + restoreS;
  const blocking = spec.checkpoint.blocking;
  let tau = intervalS ?? spec.checkpoint.intervalS;
  if (tau === "auto") tau = autoIntervalS(writeS, mtbfS, blocking, job.usefulS);
  if (!(tau > 0) || !Number.isFinite(tau)) {
    throw new RangeError(`failures.checkpoint.intervalS: expected a finite number > 0, found ${tau}`);
  }
  if (job.stepTimeS !== undefined) tau = Math.max(1, Math.round(tau / job.stepTimeS)) * job.stepTimeS;
  if (!blocking && tau < writeS) {
    throw new RangeError(
      `failures.checkpoint.intervalS: with blocking: false a checkpoint must be written before the next one starts: expected intervalS >= the write time ${writeS} s, found ${tau}`,
    );
  }
  return { failureRatePerS, mtbfS, writeS, restoreS, recoveryS, intervalS: tau, blocking, checkpointBytes };
}

/**
 * The "auto" interval. Blocking: Daly's (2006) higher-order optimum, capped
 * at the whole job. Non-blocking: the write time δ, because the first-order
 * waste (τ/2 + δ + R)/M (see goodputFirstOrder) falls as τ falls and τ >= δ.
 */
function autoIntervalS(writeS: number, mtbfS: number, blocking: boolean, usefulS: number): number {
  if (!blocking) return writeS;
  if (!Number.isFinite(mtbfS)) return usefulS;
  return Math.min(usefulS, dalyIntervalS(writeS, mtbfS));
}

function checkJob(job: FailureJob): void {
  const bad = (field: string, expected: string, found: unknown) =>
    new RangeError(`job.${field}: expected ${expected}, found ${String(found)}`);
  if (!Number.isSafeInteger(job.cards) || job.cards < 0) throw bad("cards", "an integer >= 0", job.cards);
  if (!Number.isSafeInteger(job.nodes) || job.nodes < 0) throw bad("nodes", "an integer >= 0", job.nodes);
  if (!(job.usefulS > 0) || !Number.isFinite(job.usefulS)) throw bad("usefulS", "a finite number > 0", job.usefulS);
  if (job.stepTimeS !== undefined && (!(job.stepTimeS > 0) || !Number.isFinite(job.stepTimeS))) {
    throw bad("stepTimeS", "a finite number > 0", job.stepTimeS);
  }
}
