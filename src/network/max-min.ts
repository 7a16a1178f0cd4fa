import { LinkHeap } from "./link-heap.js";

/** Read access to the flows' paths and the links' active flows, owned by the flow model. */
export interface FlowGraphView {
  /** Links of flow `f`: ids at `pathData[f * stride + i]`, i < pathLen[f]. */
  readonly pathData: Int32Array;
  readonly pathLen: Int32Array;
  readonly stride: number;
  /** Active flows on each link (undefined: none yet). */
  readonly linkFlows: ReadonlyArray<number[] | undefined>;
}

/**
 * Max-min fair rates by progressive filling (Bertsekas & Gallager, Data
 * Networks, sec. 6.5.2): repeatedly take the link with the smallest fair
 * share (remaining capacity / unfrozen flows), freeze its flows at that
 * share, and subtract them from the other links on their paths. The link
 * with the smallest share is kept in a lazy min-heap, so one solve costs
 * O(P log P) for P flow-link incidences of the component.
 *
 * The solver is handed one connected component (every active flow on every
 * listed link is in `flows`); scratch state is per-link typed arrays that
 * live as long as the solver (no allocation per solve once warm).
 */
export class MaxMinSolver {
  private readonly capLeft: Float64Array;
  private readonly unfrozen: Int32Array;
  private readonly version: Int32Array;
  private frozenEpoch: Int32Array;
  private epoch = 0;
  private readonly heap = new LinkHeap();

  constructor(linkCount: number) {
    this.capLeft = new Float64Array(linkCount);
    this.unfrozen = new Int32Array(linkCount);
    this.version = new Int32Array(linkCount);
    this.frozenEpoch = new Int32Array(1024);
  }

  /**
   * Writes the max-min fair rate of each flow in `flows[0..flowCount)` into
   * `rateOut[flow]`. `capacity[link]` is the link's usable bandwidth (bytes/s).
   */
  solve(
    graph: FlowGraphView,
    flows: Int32Array,
    flowCount: number,
    links: Int32Array,
    linkCount: number,
    capacity: Float64Array,
    rateOut: Float64Array,
  ): void {
    const { pathData, pathLen, stride, linkFlows } = graph;
    const capLeft = this.capLeft;
    const unfrozen = this.unfrozen;
    const version = this.version;
    const heap = this.heap;
    if (rateOut.length > this.frozenEpoch.length) {
      const grown = new Int32Array(rateOut.length);
      grown.set(this.frozenEpoch);
      this.frozenEpoch = grown;
    }
    const frozen = this.frozenEpoch;
    const epoch = ++this.epoch;
    heap.clear();
    for (let i = 0; i < linkCount; i++) {
      const l = links[i] as number;
      const count = linkFlows[l]?.length ?? 0;
      capLeft[l] = capacity[l] as number;
      unfrozen[l] = count;
      const v = (version[l] as number) + 1;
      version[l] = v;
      if (count > 0) heap.push((capacity[l] as number) / count, l, v);
    }
    let left = flowCount;
    while (heap.size > 0 && left > 0) {
      const share = heap.topKey();
      const l = heap.topLink();
      const v = heap.topVersion();
      heap.pop();
      if (v !== version[l] || (unfrozen[l] as number) === 0) continue;
      const onLink = linkFlows[l] as number[];
      for (let k = 0; k < onLink.length; k++) {
        const f = onLink[k] as number;
        if (frozen[f] === epoch) continue;
        frozen[f] = epoch;
        rateOut[f] = share;
        left--;
        const base = f * stride;
        const len = pathLen[f] as number;
        for (let j = 0; j < len; j++) {
          const m = pathData[base + j] as number;
          const c = (capLeft[m] as number) - share;
          capLeft[m] = Math.max(c, 0);
          const u = (unfrozen[m] as number) - 1;
          unfrozen[m] = u;
          if (m !== l && u > 0) {
            const nv = (version[m] as number) + 1;
            version[m] = nv;
            heap.push((capLeft[m] as number) / u, m, nv);
          }
        }
      }
      unfrozen[l] = 0;
    }
    if (left > 0) {
      for (let i = 0; i < flowCount; i++) {
        const f = flows[i] as number;
        if (frozen[f] !== epoch) throw new Error(`max-min invariant violated: flow ${f} has no bottleneck link`);
      }
    }
  }
}
