import type { LinkTable } from "../cluster/types.js";

/**
 * The one narrow interface between collectives (and any other traffic
 * source) and a network model, in the spirit of ASTRA-sim's network
 * backends: a model is bound to one Simulator and one LinkTable; traffic is
 * a flow of bytes over a routed path of directed link ids; the model calls
 * back once, in simulated time, when the last byte has arrived.
 *
 * Flow ids are slot numbers that are reused after a flow completes.
 */
export type FlowId = number;

/**
 * Called when a flow completes, with the `tag` given at start. One callback
 * is typically shared by all flows of a collective phase (no allocation per
 * flow); the tag says which flow it was.
 */
export type FlowDone = (tag: number) => void;

export interface FlowOptions {
  /**
   * How many messages this flow stands for (a phase-level flow of a ring
   * reduce-scatter stands for n-1 messages). Each message pays the path's
   * link latency plus `overheadS` once, before the bytes start to move.
   * 0 = no latency at all (the caller models it). Default 1.
   */
  messages?: number;
  /** Software / launch overhead per message, seconds. Default: the model's `defaultMessageOverheadS`. */
  overheadS?: number;
  /** For traces and error messages. */
  label?: string;
}

export interface NetworkStats {
  flowsStarted: number;
  flowsCompleted: number;
  /** Rate recomputations (each covers the connected component of changed flows). */
  recomputations: number;
  /** Sum over recomputations of the number of flows whose rates were recomputed. */
  flowsRecomputed: number;
  /** Completion events rescheduled because a rate changed. */
  reschedules: number;
}

export interface NetworkModel {
  readonly links: LinkTable;
  /**
   * Starts a flow of `sizeBytes` over `path` (directed link ids; empty for a
   * card talking to itself) now; `onDone(tag)` is called when it completes.
   * The path is copied; the caller may reuse its array.
   */
  startFlow(path: ArrayLike<number>, sizeBytes: number, onDone: FlowDone, tag: number, options?: FlowOptions): FlowId;
  /** Current rate of an active flow in bytes/s (0 while it waits for its latency or for a recomputation). */
  rateOf(flow: FlowId): number;
  /** Flows started and not yet completed. */
  readonly activeFlows: number;
  /** Effective bandwidth of a link for data (wire rate times protocol efficiency), bytes/s. */
  effectiveBandwidthBytesPerS(link: number): number;
  stats(): NetworkStats;
}
