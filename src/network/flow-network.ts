import type { LinkTable } from "../cluster/types.js";
import type { EventHandle, HandlerId, Simulator } from "../engine/simulator.js";
import { COMPLETION_SNAP_FRACTION, DEFAULT_MESSAGE_OVERHEAD_S, PROTOCOL_EFFICIENCY } from "./constants.js";
import { type FlowGraphView, MaxMinSolver } from "./max-min.js";
import type { FlowDone, FlowId, FlowOptions, NetworkModel, NetworkStats } from "./types.js";

export interface FlowNetworkOptions {
  /** Payload fraction of each link's wire rate (default PROTOCOL_EFFICIENCY). */
  efficiency?: number;
  /** Per-message overhead when a flow gives none (default DEFAULT_MESSAGE_OVERHEAD_S). */
  defaultMessageOverheadS?: number;
}

const FREE = 0;
const WAITING = 1; // paying its latency, not yet on the links
const ACTIVE = 2;
const FINISHED = 3; // done, waiting for the recomputation to remove it

/**
 * The congestion-aware flow-level network model. Active flows share each
 * link's bandwidth max-min fairly. Rates are recomputed
 * - only when a flow starts moving bytes or completes,
 * - once per timestamp however many flows changed at it (one zero-delay
 *   "recompute" event collects all changes of an instant),
 * - only over the connected component (flows linked through shared links)
 *   of the changed flows,
 * and a flow's completion event is cancelled and rescheduled only when its
 * rate actually changed. Flows that finish paying their latency at exactly
 * the same instant share one "activate" event (`scheduleActivation`).
 * Per-flow and per-link state lives in typed arrays indexed by a reusable
 * flow slot; nothing is allocated per event once the arrays have grown to
 * the peak number of concurrent flows.
 */
export class FlowNetwork implements NetworkModel, FlowGraphView {
  readonly links: LinkTable;
  private readonly sim: Simulator;
  private readonly capacity: Float64Array;
  private readonly efficiency: number;
  private readonly defaultOverheadS: number;
  private readonly solver: MaxMinSolver;

  // Per flow slot.
  private cap = 0;
  private state = new Uint8Array(0);
  private remaining = new Float64Array(0);
  private size = new Float64Array(0);
  private rate = new Float64Array(0);
  private newRate = new Float64Array(0);
  private lastS = new Float64Array(0);
  private handle = new Float64Array(0);
  private hasEvent = new Uint8Array(0);
  private tags = new Float64Array(0);
  private mark = new Int32Array(0);
  private callbacks: Array<FlowDone | undefined> = [];
  private labels: Array<string | undefined> = [];
  private freeSlots = new Int32Array(0);
  private freeCount = 0;
  /** FlowGraphView: paths with a fixed stride per slot (grows for long paths). */
  pathData = new Int32Array(0);
  pathLen = new Int32Array(0);
  stride = 8;
  private pathPos = new Int32Array(0);
  /** Next flow slot in the same activation batch (-1: last); meaningful only while WAITING in a batch. */
  private batchNext = new Int32Array(0);
  /** Activation time (s) -> last flow slot of the batch waiting for it. */
  private readonly batches = new ActivationBatchTable();

  // Per link.
  readonly linkFlows: Array<number[] | undefined>;
  private readonly linkMark: Int32Array;

  // Recomputation bookkeeping.
  private epoch = 0;
  private dirty: number[] = [];
  private finished: number[] = [];
  private doneNow: number[] = [];
  private compLinks: Int32Array = new Int32Array(1024);
  private compFlows: Int32Array = new Int32Array(1024);
  private recomputeScheduled = false;
  /** Links whose load is reported to `onLinkLoad` after each recomputation that touches them (a trace). */
  private watched: Uint8Array | undefined;
  private onLinkLoad: ((timeS: number, link: number, utilisation: number) => void) | undefined;
  private active = 0;
  private readonly counters: NetworkStats = {
    flowsStarted: 0,
    flowsCompleted: 0,
    recomputations: 0,
    flowsRecomputed: 0,
    reschedules: 0,
  };

  private readonly hActivate: HandlerId;
  private readonly hActivateBatch: HandlerId;
  private readonly hDone: HandlerId;
  private readonly hRecompute: HandlerId;

  constructor(sim: Simulator, links: LinkTable, options: FlowNetworkOptions = {}) {
    this.sim = sim;
    this.links = links;
    this.efficiency = options.efficiency ?? PROTOCOL_EFFICIENCY;
    if (!(this.efficiency > 0 && this.efficiency <= 1)) {
      throw new RangeError(`network efficiency must be in (0, 1], found ${this.efficiency}`);
    }
    this.defaultOverheadS = options.defaultMessageOverheadS ?? DEFAULT_MESSAGE_OVERHEAD_S;
    this.capacity = new Float64Array(links.count);
    for (let l = 0; l < links.count; l++) {
      this.capacity[l] = (links.bandwidthBytesPerS[l] as number) * this.efficiency;
    }
    this.linkFlows = new Array(links.count);
    this.linkMark = new Int32Array(links.count);
    this.solver = new MaxMinSolver(links.count);
    this.hActivate = sim.handler("network flow-start", (f) => this.activate(f));
    this.hActivateBatch = sim.handler("network flow-start batch", (f) => this.activateBatch(f));
    this.hDone = sim.handler("network flow-done", (f) => this.onDoneEvent(f));
    this.hRecompute = sim.handler("network recompute", () => this.recompute());
    this.growFlows(1024);
  }

  get activeFlows(): number {
    return this.active;
  }

  stats(): NetworkStats {
    return { ...this.counters };
  }

  effectiveBandwidthBytesPerS(link: number): number {
    return this.capacity[link] as number;
  }

  /**
   * Scales a link's usable bandwidth to `scale` x (wire rate x efficiency)
   * from now on (a degraded or slow link); active flows are re-shared.
   */
  setLinkBandwidthScale(link: number, scale: number): void {
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(`link bandwidth scale must be > 0, found ${scale} (${this.links.name(link)})`);
    }
    this.capacity[link] = (this.links.bandwidthBytesPerS[link] as number) * this.efficiency * scale;
    this.dirty.push(link);
    this.scheduleRecompute();
  }

  /**
   * Multiplies a link's usable bandwidth by `factor` (> 0) before any flow
   * uses it (the canonical link of an orbit in SymmetricNetwork carries a
   * share of one link); throws if a flow is on it.
   */
  scaleLinkCapacity(link: number, factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new RangeError(`link capacity factor must be > 0, found ${factor} (${this.links.name(link)})`);
    }
    if ((this.linkFlows[link]?.length ?? 0) > 0) {
      throw new Error(`network: scaleLinkCapacity on ${this.links.name(link)}, which carries flows`);
    }
    this.capacity[link] = (this.capacity[link] as number) * factor;
  }

  rateOf(flow: FlowId): number {
    return this.state[flow] === ACTIVE ? (this.rate[flow] as number) : 0;
  }

  /** Link ids of an active flow's path (for tests and traces). */
  pathOf(flow: FlowId): number[] {
    const out: number[] = [];
    const base = flow * this.stride;
    for (let i = 0; i < (this.pathLen[flow] as number); i++) out.push(this.pathData[base + i] as number);
    return out;
  }

  /** Flow ids currently moving bytes (for tests). */
  activeFlowIds(): number[] {
    const out: number[] = [];
    for (let f = 0; f < this.cap; f++) if (this.state[f] === ACTIVE) out.push(f);
    return out;
  }

  labelOf(flow: FlowId): string | undefined {
    return this.labels[flow];
  }

  startFlow(path: ArrayLike<number>, sizeBytes: number, onDone: FlowDone, tag: number, options?: FlowOptions): FlowId {
    if (!(sizeBytes >= 0) || !Number.isFinite(sizeBytes)) {
      throw new RangeError(`flow size must be a finite number >= 0 bytes, found ${sizeBytes}`);
    }
    const len = path.length;
    if (len > this.stride) this.growStride(len);
    if (this.freeCount === 0) this.growFlows(this.cap * 2);
    const f = this.freeSlots[--this.freeCount] as number;
    const base = f * this.stride;
    let latencyS = 0;
    const lat = this.links.latencyS;
    for (let i = 0; i < len; i++) {
      const l = path[i] as number;
      if (!(l >= 0 && l < this.links.count)) throw new RangeError(`flow path: no link ${l}`);
      this.pathData[base + i] = l;
      latencyS += lat[l] as number;
    }
    this.pathLen[f] = len;
    this.size[f] = sizeBytes;
    this.remaining[f] = sizeBytes;
    this.rate[f] = 0;
    this.hasEvent[f] = 0;
    this.tags[f] = tag;
    this.callbacks[f] = onDone;
    this.labels[f] = options?.label;
    this.counters.flowsStarted++;
    this.active++;
    const messages = options?.messages ?? 1;
    const overheadS = options?.overheadS ?? this.defaultOverheadS;
    const delayS = messages * (latencyS + overheadS);
    if (delayS > 0) {
      this.state[f] = WAITING;
      this.scheduleActivation(f, delayS);
    } else {
      this.activate(f);
    }
    return f;
  }

  /**
   * Schedules the activation of waiting flow `f` after `delayS` > 0 seconds.
   *
   * Flows whose activation time (now + delay, the float the engine itself
   * would compute) is bit-for-bit equal share one engine event: the first
   * flow at a new time schedules it, later ones are appended to that time's
   * batch (a linked list through `batchNext`), and the event activates the
   * whole batch in insertion order. This does not change what any
   * recomputation sees. The engine runs events at equal times in
   * scheduling order, so the batch's event sits where its first flow's own
   * event would have been, and the other flows of the batch are activated
   * earlier than they would have been, but never past a recomputation:
   * activating a flow only adds it to its links, marks them dirty and
   * schedules the single zero-delay "recompute" event if none is pending.
   * That event is scheduled by the first change of the instant, which is the
   * same event with or without batching (the first flow of a batch
   * activates at the same point in both), so it gets the same place in the
   * queue, after every event already queued for the instant, including
   * every per-flow activation event that batching removed, since those were
   * all scheduled at earlier instants. The same recomputation therefore
   * sees the same set of flows. What can change is only the order in which
   * it visits them, and only if another event of the instant, queued between
   * two flows of a batch, starts a zero-latency flow or rescales a link: the
   * max-min rates do not depend on that order (the solver freezes all
   * unfrozen flows of a bottleneck link at one share; heap ties go by link
   * id), but completion events falling at exactly equal times would then be
   * queued in another order.
   *
   * Flows that do not join the max-min sharing (no links or no bytes) keep
   * their own event: their activation schedules a completion event rather
   * than the recompute, so moving them earlier could reorder it. So do
   * flows whose activation time rounds to now (a delay below the clock's
   * resolution), whose event must come after the ones already queued.
   */
  private scheduleActivation(f: number, delayS: number): void {
    const now = this.sim.now;
    const atS = now + delayS;
    if (!(atS > now) || !Number.isFinite(atS) || this.pathLen[f] === 0 || this.size[f] === 0) {
      this.sim.after(delayS, this.hActivate, f);
      return;
    }
    this.batchNext[f] = -1;
    const batches = this.batches;
    const cell = batches.cellOf(atS);
    const tail = batches.tailAt(cell);
    if (tail === -1) {
      batches.insert(cell, atS, f);
      this.sim.at(atS, this.hActivateBatch, f);
    } else {
      this.batchNext[tail] = f;
      batches.setTail(cell, f);
    }
  }

  /** Activates the batch of flows starting with slot `head` (event at their common activation time). */
  private activateBatch(head: number): void {
    this.batches.remove(this.sim.now);
    let f = head;
    while (f !== -1) {
      const next = this.batchNext[f] as number;
      this.activate(f);
      f = next;
    }
  }

  private activate(f: number): void {
    const len = this.pathLen[f] as number;
    if (len === 0 || (this.size[f] as number) === 0) {
      // Nothing to share: completes at once (through an event, never re-entrantly).
      this.state[f] = ACTIVE;
      this.sim.after(0, this.hDone, f);
      return;
    }
    this.state[f] = ACTIVE;
    this.lastS[f] = this.sim.now;
    const base = f * this.stride;
    for (let i = 0; i < len; i++) {
      const l = this.pathData[base + i] as number;
      let onLink = this.linkFlows[l];
      if (onLink === undefined) {
        onLink = [];
        this.linkFlows[l] = onLink;
      }
      this.pathPos[base + i] = onLink.length;
      onLink.push(f);
      this.dirty.push(l);
    }
    this.scheduleRecompute();
  }

  private onDoneEvent(f: number): void {
    this.hasEvent[f] = 0;
    this.state[f] = FINISHED;
    this.remaining[f] = 0;
    this.finished.push(f);
    this.scheduleRecompute();
  }

  private scheduleRecompute(): void {
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    this.sim.after(0, this.hRecompute, 0);
  }

  private removeFromLinks(f: number): void {
    const base = f * this.stride;
    const len = this.pathLen[f] as number;
    for (let i = 0; i < len; i++) {
      const l = this.pathData[base + i] as number;
      const onLink = this.linkFlows[l] as number[];
      const pos = this.pathPos[base + i] as number;
      const last = onLink.pop() as number;
      if (last !== f) {
        onLink[pos] = last;
        // Fix the moved flow's position record for link l.
        const gBase = last * this.stride;
        const gLen = this.pathLen[last] as number;
        for (let j = 0; j < gLen; j++) {
          if (this.pathData[gBase + j] === l) {
            this.pathPos[gBase + j] = pos;
            break;
          }
        }
      }
      this.dirty.push(l);
    }
  }

  private recompute(): void {
    this.recomputeScheduled = false;
    const now = this.sim.now;
    const doneNow = this.doneNow;
    doneNow.length = 0;
    for (let i = 0; i < this.finished.length; i++) {
      const f = this.finished[i] as number;
      if (this.pathLen[f] !== 0 && this.size[f] !== 0) this.removeFromLinks(f);
      doneNow.push(f);
    }
    this.finished.length = 0;

    // Connected component of the changed links (breadth-first over link -> flows -> links).
    const epoch = ++this.epoch;
    const linkMark = this.linkMark;
    const mark = this.mark;
    let nLinks = 0;
    let nFlows = 0;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const l = dirty[i] as number;
      if (linkMark[l] === epoch) continue;
      linkMark[l] = epoch;
      if (nLinks === this.compLinks.length) this.compLinks = growInt(this.compLinks);
      this.compLinks[nLinks++] = l;
    }
    dirty.length = 0;
    const stride = this.stride;
    for (let i = 0; i < nLinks; i++) {
      const onLink = this.linkFlows[this.compLinks[i] as number];
      if (onLink === undefined) continue;
      for (let k = 0; k < onLink.length; k++) {
        const f = onLink[k] as number;
        if (mark[f] === epoch) continue;
        mark[f] = epoch;
        if (nFlows === this.compFlows.length) this.compFlows = growInt(this.compFlows);
        this.compFlows[nFlows++] = f;
        const base = f * stride;
        const len = this.pathLen[f] as number;
        for (let j = 0; j < len; j++) {
          const m = this.pathData[base + j] as number;
          if (linkMark[m] === epoch) continue;
          linkMark[m] = epoch;
          if (nLinks === this.compLinks.length) this.compLinks = growInt(this.compLinks);
          this.compLinks[nLinks++] = m;
        }
      }
    }

    // Bring the component's flows up to now; complete those within rounding of done.
    let kept = 0;
    for (let i = 0; i < nFlows; i++) {
      const f = this.compFlows[i] as number;
      const r = this.rate[f] as number;
      if (r > 0) {
        const rem = (this.remaining[f] as number) - r * (now - (this.lastS[f] as number));
        this.remaining[f] = rem;
      }
      this.lastS[f] = now;
      if ((this.remaining[f] as number) <= (this.size[f] as number) * COMPLETION_SNAP_FRACTION) {
        if (this.hasEvent[f] === 1) this.sim.cancel(this.handle[f] as EventHandle);
        this.hasEvent[f] = 0;
        this.state[f] = FINISHED;
        this.remaining[f] = 0;
        this.removeFromLinks(f);
        doneNow.push(f);
      } else {
        this.compFlows[kept++] = f;
      }
    }
    dirty.length = 0; // links of snapped flows are already in the component
    nFlows = kept;

    if (nFlows > 0) {
      this.counters.recomputations++;
      this.counters.flowsRecomputed += nFlows;
      this.solver.solve(this, this.compFlows, nFlows, this.compLinks, nLinks, this.capacity, this.newRate);
      for (let i = 0; i < nFlows; i++) {
        const f = this.compFlows[i] as number;
        const nr = this.newRate[f] as number;
        const old = this.rate[f] as number;
        if (this.hasEvent[f] === 1 && Math.abs(nr - old) <= old * 1e-12) continue;
        if (!(nr > 0)) throw new Error(`network: flow ${this.describe(f)} got rate ${nr} (a link with no bandwidth?)`);
        this.rate[f] = nr;
        if (this.hasEvent[f] === 1) {
          this.sim.cancel(this.handle[f] as EventHandle);
          this.counters.reschedules++;
        }
        this.handle[f] = this.sim.after((this.remaining[f] as number) / nr, this.hDone, f);
        this.hasEvent[f] = 1;
      }
    }

    if (this.watched) this.reportLoads(nLinks);

    // Completion callbacks last: they may start new flows (a new recomputation, same instant).
    const n = doneNow.length;
    for (let i = 0; i < n; i++) {
      const f = doneNow[i] as number;
      const cb = this.callbacks[f] as FlowDone;
      const tag = this.tags[f] as number;
      this.release(f);
      cb(tag);
    }
    // A callback never runs this method re-entrantly, so doneNow is ours until here.
    doneNow.length = 0;
  }

  /**
   * Reports, for every watched link, its load (sum of its flows' rates over its effective bandwidth)
   * whenever a recomputation touches it: a step function of time (for trace counter tracks).
   */
  watchLinks(links: readonly number[], onLoad: (timeS: number, link: number, utilisation: number) => void): void {
    this.watched = new Uint8Array(this.links.count);
    for (const l of links) if (l >= 0 && l < this.links.count) this.watched[l] = 1;
    this.onLinkLoad = onLoad;
  }

  private reportLoads(nLinks: number): void {
    const watched = this.watched as Uint8Array;
    const now = this.sim.now;
    for (let i = 0; i < nLinks; i++) {
      const l = this.compLinks[i] as number;
      if (watched[l] !== 1) continue;
      let sum = 0;
      for (const f of this.linkFlows[l] ?? []) sum += this.rate[f] as number;
      this.onLinkLoad?.(now, l, sum / (this.capacity[l] as number));
    }
  }

  private release(f: number): void {
    this.state[f] = FREE;
    this.rate[f] = 0;
    this.callbacks[f] = undefined;
    this.labels[f] = undefined;
    this.freeSlots[this.freeCount++] = f;
    this.active--;
    this.counters.flowsCompleted++;
  }

  private describe(f: number): string {
    const label = this.labels[f];
    return label === undefined ? `#${f}` : `#${f} '${label}'`;
  }

  private growFlows(newCap: number): void {
    const old = this.cap;
    const s = this.stride;
    this.state = growTo(this.state, newCap, Uint8Array);
    this.remaining = growTo(this.remaining, newCap, Float64Array);
    this.size = growTo(this.size, newCap, Float64Array);
    this.rate = growTo(this.rate, newCap, Float64Array);
    this.newRate = growTo(this.newRate, newCap, Float64Array);
    this.lastS = growTo(this.lastS, newCap, Float64Array);
    this.handle = growTo(this.handle, newCap, Float64Array);
    this.hasEvent = growTo(this.hasEvent, newCap, Uint8Array);
    this.tags = growTo(this.tags, newCap, Float64Array);
    this.mark = growTo(this.mark, newCap, Int32Array);
    this.pathLen = growTo(this.pathLen, newCap, Int32Array);
    this.pathData = growTo(this.pathData, newCap * s, Int32Array);
    this.pathPos = growTo(this.pathPos, newCap * s, Int32Array);
    this.batchNext = growTo(this.batchNext, newCap, Int32Array);
    const free = new Int32Array(newCap);
    free.set(this.freeSlots.subarray(0, this.freeCount));
    // Push new slots so that the lowest id is handed out first.
    let k = this.freeCount;
    for (let f = newCap - 1; f >= old; f--) free[k++] = f;
    this.freeSlots = free;
    this.freeCount = k;
    this.cap = newCap;
  }

  private growStride(len: number): void {
    let s = this.stride;
    while (s < len) s *= 2;
    const data = new Int32Array(this.cap * s);
    const pos = new Int32Array(this.cap * s);
    for (let f = 0; f < this.cap; f++) {
      const n = this.pathLen[f] as number;
      for (let i = 0; i < n; i++) {
        data[f * s + i] = this.pathData[f * this.stride + i] as number;
        pos[f * s + i] = this.pathPos[f * this.stride + i] as number;
      }
    }
    this.pathData = data;
    this.pathPos = pos;
    this.stride = s;
  }
}

type TypedCtor<T> = new (n: number) => T;
function growTo<T extends { length: number; set(a: ArrayLike<number>): void }>(
  arr: T,
  n: number,
  ctor: TypedCtor<T>,
): T {
  const out = new ctor(n);
  out.set(arr as unknown as ArrayLike<number>);
  return out;
}

function growInt(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length * 2);
  out.set(a);
  return out;
}

/**
 * Map from an activation time (float64 seconds, keys compared bit for bit;
 * times are > 0, so no -0 or NaN) to the last flow slot of its batch:
 * open addressing with linear probing and backward-shift deletion (no
 * tombstones) in typed arrays, so nothing is allocated once it has grown to
 * the peak number of pending activation times.
 */
class ActivationBatchTable {
  private timeS = new Float64Array(64);
  /** Last flow slot of the batch in each cell; -1: empty cell. */
  private tailFlow = new Int32Array(64).fill(-1);
  private mask = 63;
  private count = 0;
  private readonly bitsF64 = new Float64Array(1);
  private readonly bitsU32 = new Uint32Array(this.bitsF64.buffer);

  /** The cell holding `timeS`, or the empty cell where it would go. */
  cellOf(timeS: number): number {
    const mask = this.mask;
    let i = this.home(timeS);
    while (this.tailFlow[i] !== -1 && this.timeS[i] !== timeS) i = (i + 1) & mask;
    return i;
  }

  /** Last flow slot of the batch in `cell` (from `cellOf`), or -1 if none. */
  tailAt(cell: number): number {
    return this.tailFlow[cell] as number;
  }

  setTail(cell: number, flow: number): void {
    this.tailFlow[cell] = flow;
  }

  /** Adds `timeS` with batch tail `flow` into the empty `cell` given by `cellOf(timeS)`. */
  insert(cell: number, timeS: number, flow: number): void {
    this.timeS[cell] = timeS;
    this.tailFlow[cell] = flow;
    this.count++;
    if (this.count * 2 > this.tailFlow.length) this.rehash(this.tailFlow.length * 2);
  }

  /** Removes `timeS` if present. */
  remove(timeS: number): void {
    let i = this.cellOf(timeS);
    if (this.tailFlow[i] === -1) return;
    this.count--;
    const mask = this.mask;
    const times = this.timeS;
    const tails = this.tailFlow;
    // Backward shift: pull later entries of the probe run into the hole when their home allows it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (tails[j] === -1) break;
      const k = this.home(times[j] as number);
      // Entry j may move to i unless its home lies cyclically in (i, j].
      const homeInGap = i <= j ? k > i && k <= j : k > i || k <= j;
      if (homeInGap) continue;
      times[i] = times[j] as number;
      tails[i] = tails[j] as number;
      i = j;
    }
    tails[i] = -1;
  }

  private home(timeS: number): number {
    this.bitsF64[0] = timeS;
    let h = Math.imul((this.bitsU32[0] as number) ^ Math.imul(this.bitsU32[1] as number, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return h & this.mask;
  }

  private rehash(size: number): void {
    const oldTimes = this.timeS;
    const oldTails = this.tailFlow;
    this.timeS = new Float64Array(size);
    this.tailFlow = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < oldTails.length; i++) {
      const tail = oldTails[i] as number;
      if (tail === -1) continue;
      const t = oldTimes[i] as number;
      const cell = this.cellOf(t);
      this.timeS[cell] = t;
      this.tailFlow[cell] = tail;
    }
  }
}
