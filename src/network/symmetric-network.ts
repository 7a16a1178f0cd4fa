import type { Cluster } from "../cluster/types.js";
import type { FlowNetwork } from "./flow-network.js";
import type { FlowId, NetworkModel, NetworkStats } from "./types.js";

/**
 * A symmetry of the traffic was assumed and the run showed it does not
 * hold (a link shared by a representative flow's orbit and a flow that is
 * not replicated, two images that disagree, links of one orbit with unequal
 * bandwidth). The caller reruns without symmetry; it is never a user error.
 */
export class SymmetryBroken extends Error {
  override name = "SymmetryBroken";
}

const NO_ORBIT = -1;

/**
 * One flow network simulating only one representative of each orbit of
 * traffic under a permutation σ of the cards of order `copies` (k): a flow
 * started through `replicated` stands for itself and its k − 1 images (the
 * same bytes from σʲ(src) to σʲ(dst), j = 1 .. k − 1, started at the same
 * instant), which are not simulated; a flow started through `full` stands
 * for itself only.
 *
 * Why this is exact. The images of a route are not assumed: `checkedCluster`
 * computes the k routes of every replicated flow and builds from them, link
 * by link, the permutation σ_L of the links that maps a route to the next
 * image's (the j-th image's i-th link follows the (j − 1)-th's). Any
 * disagreement (a link whose image differs between two routes, images of
 * unequal bandwidth, latency or kind) breaks the symmetry. Then the full
 * system is the representative flows, their images under σ_L, and the
 * unreplicated flows, and it is invariant under σ_L as long as no
 * unreplicated flow shares a link with a replicated orbit (checked on every
 * flow). Max-min fair rates are unique, so an invariant system has
 * invariant rates: every image moves at its representative's rate. On an
 * orbit O of links (|O| divides k) the k images of a flow through one link
 * of O cross each link of O k/|O| times in all, so the representatives,
 * carried on one canonical link of O with |O|/k of its capacity, see
 * exactly the load of the full system (progressive filling saturates that
 * link at the same fair share). A route that crosses two links of one orbit
 * would need weights; it breaks the symmetry instead.
 *
 * Routes must not depend on the flow id (an ECMP hash draws each copy's
 * uplink separately in the full run): the caller checks the topology before
 * choosing this network.
 */
export class SymmetricNetwork {
  /** Start flows that stand for k copies each. */
  readonly replicated: NetworkModel;
  /** Start flows that stand for themselves. */
  readonly full: NetworkModel;
  private readonly linkCount: number;
  /** Image of each link under σ_L (-1: not yet known). */
  private readonly next: Int32Array;
  /** Canonical link of each link's orbit (-1: in no orbit yet). */
  private readonly repOf: Int32Array;
  /** Orbit size, at its canonical link. */
  private readonly orbitSize: Int32Array;
  /** 1 at the canonical link of an orbit that carries representative flows (its capacity is scaled). */
  private readonly orbitUsed: Uint8Array;
  /** 1 at the canonical link of an orbit one of whose links carries a flow standing for itself. */
  private readonly orbitHasFull: Uint8Array;
  /** 1 at a link that carries a flow standing for itself. */
  private readonly fullUsed: Uint8Array;
  private readonly baseCapacity: Float64Array;
  private readonly checkedPairs = new Set<number>();
  private readonly images: number[][];
  private readonly scratchPath: number[] = [];
  private readonly markEpoch: Int32Array;
  private epoch = 0;
  private representativeFlows = 0;
  private fullFlows = 0;

  constructor(
    private readonly inner: FlowNetwork,
    readonly copies: number,
    /** σ: the card that card `c`'s traffic is copied to (a permutation with σᵏ = identity). */
    readonly image: (card: number) => number,
  ) {
    if (!(Number.isInteger(copies) && copies >= 2))
      throw new RangeError(`symmetric network: copies must be >= 2, found ${copies}`);
    const n = inner.links.count;
    this.linkCount = n;
    this.next = new Int32Array(n).fill(NO_ORBIT);
    this.repOf = new Int32Array(n).fill(NO_ORBIT);
    this.orbitSize = new Int32Array(n);
    this.orbitUsed = new Uint8Array(n);
    this.orbitHasFull = new Uint8Array(n);
    this.fullUsed = new Uint8Array(n);
    this.markEpoch = new Int32Array(n);
    this.baseCapacity = new Float64Array(n);
    for (let l = 0; l < n; l++) this.baseCapacity[l] = inner.effectiveBandwidthBytesPerS(l);
    this.images = Array.from({ length: copies }, () => [] as number[]);
    this.replicated = this.view(true);
    this.full = this.view(false);
  }

  /** Flows started so far through each view (the replicated ones stand for `copies` each). */
  counts(): { representativeFlows: number; fullFlows: number } {
    return { representativeFlows: this.representativeFlows, fullFlows: this.fullFlows };
  }

  /**
   * The cluster as the replicated traffic's collectives see it: the same in
   * every respect, except that each route it hands out has been checked
   * against its images (and its links' orbits recorded) first.
   */
  checkedCluster(cluster: Cluster): Cluster {
    const route = cluster.route.bind(cluster);
    const checked = Object.create(cluster) as Cluster;
    Object.defineProperty(checked, "route", {
      value: (src: number, dst: number, flowId: number, out?: number[]): number[] => {
        const key = src * cluster.cards + dst;
        if (!this.checkedPairs.has(key)) {
          this.checkImages(src, dst, (s, d, o) => route(s, d, flowId, o));
          this.checkedPairs.add(key);
        }
        return route(src, dst, flowId, out);
      },
    });
    return checked;
  }

  /**
   * Checks, before any traffic, the routes between the first cards of every
   * block of `blockCards` cards and the next block's and block 0's, both ways:
   * most topologies that are not symmetric under the permutation show it
   * there (a node's NICs split over two leaves, D-mod-K uplinks), so a run
   * need not find out half-way. Throws SymmetryBroken.
   */
  preflight(cluster: Cluster, blockCards: number): void {
    const route = (s: number, d: number, out: number[]) => cluster.route(s, d, 0, out);
    const blocks = Math.floor(cluster.cards / blockCards);
    const check = (a: number, b: number) => {
      const src = a * blockCards;
      const dst = b * blockCards;
      const key = src * cluster.cards + dst;
      if (src === dst || this.checkedPairs.has(key)) return;
      this.checkImages(src, dst, route);
      this.checkedPairs.add(key);
    };
    for (let b = 0; b < blocks; b++) {
      check(b, (b + 1) % blocks);
      check(b, 0);
      check(0, b);
    }
  }

  private checkImages(src: number, dst: number, route: (s: number, d: number, out: number[]) => number[]): void {
    const k = this.copies;
    let s = src;
    let d = dst;
    for (let j = 0; j < k; j++) {
      route(s, d, this.images[j] as number[]);
      s = this.image(s);
      d = this.image(d);
    }
    if (s !== src || d !== dst)
      throw new SymmetryBroken(`the card permutation does not return to card ${src} after ${k} steps`);
    const first = this.images[0] as number[];
    for (let j = 1; j < k; j++) {
      if ((this.images[j] as number[]).length !== first.length) {
        throw new SymmetryBroken(`routes ${src}->${dst} and its image ${j} differ in length`);
      }
    }
    for (let i = 0; i < first.length; i++) this.linkOrbit(i);
  }

  /** Records (or checks) the orbit of the i-th link of the current images. */
  private linkOrbit(i: number): void {
    const k = this.copies;
    const at = (j: number) => (this.images[j % k] as number[])[i] as number;
    const l0 = at(0);
    if (this.repOf[l0] !== NO_ORBIT) {
      for (let j = 0; j < k; j++) {
        if (this.next[at(j)] !== at(j + 1))
          throw new SymmetryBroken(`link ${l0}: its images disagree between two routes`);
      }
      return;
    }
    // The orbit is the images up to the first return to l0; the sequence must repeat with that period.
    let size = 1;
    while (size < k && at(size) !== l0) size++;
    if (k % size !== 0) throw new SymmetryBroken(`link ${l0}: orbit of ${size} links does not divide ${k}`);
    const links = this.inner.links;
    let rep = l0;
    for (let j = 0; j < k; j++) {
      const l = at(j);
      if (j >= size && l !== at(j - size)) throw new SymmetryBroken(`link ${l0}: its images do not cycle`);
      if (j < size) {
        if (this.repOf[l] !== NO_ORBIT) throw new SymmetryBroken(`link ${l}: in two orbits`);
        if (
          this.baseCapacity[l] !== this.baseCapacity[l0] ||
          links.latencyS[l] !== links.latencyS[l0] ||
          links.kind[l] !== links.kind[l0]
        ) {
          throw new SymmetryBroken(`links ${l0} and ${l}: one orbit, unequal bandwidth, latency or kind`);
        }
        if (l < rep) rep = l;
      }
    }
    for (let j = 0; j < size; j++) {
      const l = at(j);
      this.repOf[l] = rep;
      this.next[l] = at(j + 1);
    }
    this.orbitSize[rep] = size;
    for (let j = 0; j < size; j++) {
      if (this.fullUsed[at(j)] === 1) this.markFullOrbit(rep);
    }
  }

  /** An orbit with a link that carries unreplicated traffic may not carry representatives. */
  private markFullOrbit(rep: number): void {
    if (this.orbitUsed[rep] === 1)
      throw new SymmetryBroken(`link ${rep}: replicated and unreplicated traffic share an orbit`);
    this.orbitHasFull[rep] = 1;
  }

  private readonly startReplicated: NetworkModel["startFlow"] = (path, sizeBytes, onDone, tag, options) => {
    const canonical = this.scratchPath;
    canonical.length = 0;
    const epoch = ++this.epoch;
    for (let i = 0; i < path.length; i++) {
      const l = path[i] as number;
      const rep = this.repOf[l] as number;
      if (rep === NO_ORBIT)
        throw new SymmetryBroken(`link ${l}: a replicated flow on a link whose images were not checked`);
      const size = this.orbitSize[rep] as number;
      if (this.orbitHasFull[rep] === 1)
        throw new SymmetryBroken(`link ${l}: replicated and unreplicated traffic share an orbit`);
      if (this.markEpoch[rep] === epoch) throw new SymmetryBroken(`link ${l}: a route crosses one orbit twice`);
      this.markEpoch[rep] = epoch;
      if (this.orbitUsed[rep] === 0) {
        this.orbitUsed[rep] = 1;
        // k images cross the orbit's |O| links k/|O| times each: the canonical link carries |O|/k of one link.
        if (size !== this.copies) this.inner.scaleLinkCapacity(rep, size / this.copies);
      }
      canonical.push(rep);
    }
    this.representativeFlows++;
    return this.inner.startFlow(canonical, sizeBytes, onDone, tag, options);
  };

  private readonly startFull: NetworkModel["startFlow"] = (path, sizeBytes, onDone, tag, options) => {
    for (let i = 0; i < path.length; i++) {
      const l = path[i] as number;
      this.fullUsed[l] = 1;
      const rep = this.repOf[l] as number;
      if (rep !== NO_ORBIT) this.markFullOrbit(rep);
    }
    this.fullFlows++;
    return this.inner.startFlow(path, sizeBytes, onDone, tag, options);
  };

  private view(replicated: boolean): NetworkModel {
    const inner = this.inner;
    const base = this.baseCapacity;
    const start = replicated ? this.startReplicated : this.startFull;
    const linkCount = this.linkCount;
    return {
      links: inner.links,
      startFlow: start,
      rateOf: (flow: FlowId) => inner.rateOf(flow),
      get activeFlows() {
        return inner.activeFlows;
      },
      // The links' own bandwidth (closed forms and pipeline fills), not the canonical links' share.
      effectiveBandwidthBytesPerS: (link: number) => {
        if (!(link >= 0 && link < linkCount)) return inner.effectiveBandwidthBytesPerS(link);
        return base[link] as number;
      },
      stats: (): NetworkStats => inner.stats(),
    };
  }
}
