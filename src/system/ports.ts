import type { CollectiveRequest } from "../collectives/types.js";

/**
 * The ports of the system layer: what an executor needs from the network and
 * the noise models, and what it hands to metrics and reports. `metrics`,
 * `report` and `stragglers` import these, never an executor.
 */

/** What the executor needs from the network: run a collective starting now. */
export interface CollectiveRunner {
  run(req: CollectiveRequest, onDone: () => void): void;
  /** Point-to-point send of `sizeBytes` from card `src` to card `dst`, starting now. */
  send(src: number, dst: number, sizeBytes: number, onDone: () => void, label?: string): void;
}

/** Per-actor compute speed: persistent slowdowns, jitter and pauses (see src/stragglers/). */
export interface ComputeTiming {
  /** Persistent multiplier on the actor's compute (its slowest card), used for the optimizer step. */
  slowdown(actor: number): number;
  /** Actual seconds of a compute segment whose nominal length is `nominalS` (draws noise). */
  computeS(actor: number, nominalS: number): number;
}

export const NOMINAL_TIMING: ComputeTiming = { slowdown: () => 1, computeS: (_a, s) => s };

/**
 * Where an actor's time went in one step (seconds). In-layer communication
 * that is not overlapped is split by group: tpComm (tensor parallel), cpComm
 * (context parallel), zero3Comm (ZeRO-3 weight gathers and gradient
 * reduce-scatters).
 */
export const TIME_CATEGORIES = [
  "compute",
  "straggler",
  "tpComm",
  "cpComm",
  "zero3Comm",
  "epComm",
  "ppComm",
  "bubble",
  "dpComm",
  "optimizer",
  "paramGather",
] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

export interface StepRecord {
  /** Simulated time at which the last actor finished this step. */
  endS: number;
  /** Mean over actors of each category, seconds. */
  meanS: Record<TimeCategory, number>;
}

/** Optional control of a multi-step run: a budget that can end it early, and progress. */
export interface StepControl {
  /** Asked once per step boundary, after `stepsDone` steps: false ends the run there. */
  continueAfter?(stepsDone: number): boolean;
  /** Called when every actor has finished `stepsDone` of `stepsPlanned` steps. */
  onStepEnd?(stepsDone: number, stepsPlanned: number): void;
}
