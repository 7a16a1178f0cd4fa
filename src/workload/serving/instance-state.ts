import type { PrefixCache } from "./prefix-cache.js";

/**
 * The scheduler state of one model instance: the running sequences in
 * admission order, the FCFS waiting queue, the stack of preempted sequences
 * (re-admitted first, most recently preempted first, as vLLM prepends them to
 * its waiting queue), the free KV blocks, and the batch of the iteration in
 * flight.
 */
export class InstanceState {
  /** Request ids in admission order (the last one is preempted first). */
  running: number[] = [];
  private waiting: number[] = [];
  private waitingHead = 0;
  readonly preempted: number[] = [];
  freeBlocks: number;
  busy = false;
  /** Requests assigned and not finished (waiting + preempted + running). */
  outstanding = 0;
  /** The iteration in flight: request ids and their prompt-chunk tokens (0 = a decode). */
  batchIds: Int32Array;
  batchChunk: Int32Array;
  batchSize = 0;
  /** Request classes: the shared prefixes this instance holds (prefill and colocated instances). */
  prefixCache: PrefixCache | undefined;

  constructor(
    readonly index: number,
    readonly totalBlocks: number,
    readonly maxSequences: number,
    readonly maxBatchedTokens: number = Number.POSITIVE_INFINITY,
    /** Disaggregated serving: "prefill" instances hand requests over after the first token. */
    readonly role: "both" | "prefill" | "decode" = "both",
  ) {
    this.freeBlocks = totalBlocks;
    this.batchIds = new Int32Array(maxSequences);
    this.batchChunk = new Int32Array(maxSequences);
  }

  enqueue(r: number): void {
    this.waiting.push(r);
  }

  /** Queued requests (waiting + preempted). */
  get queued(): number {
    return this.waiting.length - this.waitingHead + this.preempted.length;
  }

  /** Next request to admit (preempted first), without removing it; -1 when none. */
  peekQueued(): number {
    const n = this.preempted.length;
    if (n > 0) return this.preempted[n - 1] as number;
    return this.waitingHead < this.waiting.length ? (this.waiting[this.waitingHead] as number) : -1;
  }

  popQueued(): void {
    if (this.preempted.length > 0) {
      this.preempted.pop();
      return;
    }
    this.waitingHead++;
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }
}
