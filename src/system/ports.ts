import type { CollectiveRequest } from "../collectives/types.js";
import type { Program } from "./program.js";

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
  /**
   * Optional: several collectives that start together (one per card position of a group), with one
   * callback when the last has finished. Without it the executor runs each with `run`. A runner may
   * simulate fewer than all of them when they are copies of one another (a symmetry it has checked).
   */
  runAll?(reqs: readonly CollectiveRequest[], onDone: () => void): void;
  /** Optional: sends from `src[i]` to `dst[i]` for every i, starting together; one callback when all have arrived. */
  sendAll?(src: readonly number[], dst: readonly number[], sizeBytes: number, onDone: () => void, label?: string): void;
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

/**
 * What an executor reports as it runs, for trace writers and collectors (all optional). Times are
 * simulated seconds; `category` indexes `program.categories`.
 */
export interface TaskHook {
  /** The program about to run: its ranks, replicas, task labels and category names. */
  onProgram?(program: Program): void;
  /** A task starts or ends (every kind, on the chain or off it). */
  onTask?(event: "start" | "end", actor: number, task: number, step: number, timeS: number): void;
  /**
   * Time booked to a category: [startS, endS) of one actor. Per actor and category these intervals
   * sum to what the step records hold (a compute task drawn faster than nominal books a negative
   * noise share that has no interval).
   */
  onSlice?(actor: number, category: number, startS: number, endS: number, task: number, step: number): void;
  /** Cards whose links the trace wants loads of (asked once, before the run). */
  cardsToWatch?(program: Program): readonly number[];
  /** A watched link's load changed: utilisation of its effective bandwidth from `timeS` on. */
  onLinkLoad?(timeS: number, link: string, utilisation: number): void;
}

/** Optional control of a multi-step run: a budget that can end it early, and progress. */
export interface StepControl {
  /** Asked once per step boundary, after `stepsDone` steps: false ends the run there. */
  continueAfter?(stepsDone: number): boolean;
  /** Called when every actor has finished `stepsDone` of `stepsPlanned` steps. */
  onStepEnd?(stepsDone: number, stepsPlanned: number): void;
  /** In-process only: told of every task and booked interval (a trace writer). */
  taskHook?: TaskHook;
}
