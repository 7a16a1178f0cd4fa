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
 * rate actually changed. Per-flow and per-link state lives in typed arrays
 * indexed by a reusable flow slot; nothing is allocated per event once the
 * arrays have grown to the peak number of concurrent flows.
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
      this.sim.after(delayS, this.hActivate, f);
    } else {
      this.activate(f);
    }
    return f;
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
