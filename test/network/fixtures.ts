import { ecmpHash } from "../../src/cluster/ecmp-hash.js";
import { type Cluster, LINK_KINDS, type LinkKind, type LinkTable } from "../../src/cluster/types.js";
import type { Accelerator } from "../../src/hardware/types.js";

/**
 * Small hand-built clusters implementing the Cluster interface for the
 * network and collectives tests. Routing: shortest paths by breadth-first
 * search (intra scale-up domain traffic over scale-up links only, the rest
 * over scale-out links only), ECMP among equal-cost next hops by a hash of
 * the flow id.
 */

const KINDS: readonly LinkKind[] = LINK_KINDS;

const ACCEL: Accelerator = {
  name: "test-card",
  peakFlopsPerS: { bf16: 1e15 },
  hbmBytes: 80e9,
  hbmBytesPerS: 3e12,
  efficiency: { matmul: 0.7, memory: 0.8 },
  sources: {},
};

export class GraphClusterBuilder {
  private readonly srcs: number[] = [];
  private readonly dsts: number[] = [];
  private readonly bws: number[] = [];
  private readonly lats: number[] = [];
  private readonly kinds: number[] = [];
  private readonly vertexNames: string[] = [];

  constructor(
    readonly cards: number,
    readonly cardsPerNode: number,
    readonly scaleUpDomainCards: number,
  ) {
    for (let c = 0; c < cards; c++) this.vertexNames.push(`card ${c}`);
  }

  vertex(name: string): number {
    this.vertexNames.push(name);
    return this.vertexNames.length - 1;
  }

  /** Adds a directed link; returns its id. */
  link(src: number, dst: number, kind: LinkKind, bandwidthBytesPerS: number, latencyS: number): number {
    this.srcs.push(src);
    this.dsts.push(dst);
    this.bws.push(bandwidthBytesPerS);
    this.lats.push(latencyS);
    this.kinds.push(KINDS.indexOf(kind));
    return this.srcs.length - 1;
  }

  /** A full-duplex cable: two directed links (up, down). */
  cable(a: number, b: number, up: LinkKind, down: LinkKind, bandwidthBytesPerS: number, latencyS: number): void {
    this.link(a, b, up, bandwidthBytesPerS, latencyS);
    this.link(b, a, down, bandwidthBytesPerS, latencyS);
  }

  build(name: string, railOf: (card: number) => number = (c) => c % this.cardsPerNode): Cluster {
    const names = this.vertexNames.slice();
    const srcArr = Int32Array.from(this.srcs);
    const dstArr = Int32Array.from(this.dsts);
    const kindArr = Uint8Array.from(this.kinds);
    const links: LinkTable = {
      count: srcArr.length,
      bandwidthBytesPerS: Float64Array.from(this.bws),
      latencyS: Float64Array.from(this.lats),
      kind: kindArr,
      src: srcArr,
      dst: dstArr,
      vertices: names.length,
      vertexName: (v) => names[v] ?? `vertex ${v}`,
      name: (l) =>
        `${names[srcArr[l] as number]} -> ${names[dstArr[l] as number]} (${KINDS[kindArr[l] as number]}) #${l}`,
    };
    const { cards, cardsPerNode, scaleUpDomainCards } = this;
    const nv = names.length;
    const outLinks: number[][] = Array.from({ length: nv }, () => []);
    for (let l = 0; l < links.count; l++) outLinks[srcArr[l] as number]?.push(l);
    const isScaleUp = (l: number) => (kindArr[l] as number) <= 2;
    // dist tables per (dst, plane): plane 0 scale-up, 1 scale-out.
    const distCache = new Map<number, Int32Array>();
    const distTo = (dst: number, plane: number): Int32Array => {
      const key = dst * 2 + plane;
      let d = distCache.get(key);
      if (d) return d;
      d = new Int32Array(nv).fill(-1);
      d[dst] = 0;
      const queue = [dst];
      for (let qi = 0; qi < queue.length; qi++) {
        const v = queue[qi] as number;
        // Cards other than the destination do not forward traffic.
        if (v < cards && v !== dst) continue;
        for (let l = 0; l < links.count; l++) {
          if ((dstArr[l] as number) !== v || isScaleUp(l) !== (plane === 0)) continue;
          const u = srcArr[l] as number;
          if (d[u] !== -1) continue;
          d[u] = (d[v] as number) + 1;
          queue.push(u);
        }
      }
      distCache.set(key, d);
      return d;
    };
    const domainOf = (c: number) => Math.floor(c / scaleUpDomainCards);
    return {
      name,
      accelerator: ACCEL,
      acceleratorOfCard: () => ACCEL,
      heterogeneous: false,
      cards,
      cardsPerNode,
      nodes: cards / cardsPerNode,
      scaleUpDomainCards,
      links,
      nicsPerNode: cardsPerNode,
      scaleUpMessageOverheadS: 0,
      scaleOutMessageOverheadS: 0,
      nodeOf: (c) => Math.floor(c / cardsPerNode),
      scaleUpDomainOf: domainOf,
      railOf,
      route(src, dst, flowId, out = []) {
        out.length = 0;
        if (src === dst) return out;
        if (!(src >= 0 && src < cards && dst >= 0 && dst < cards)) throw new RangeError(`route: no card ${src}/${dst}`);
        const plane = domainOf(src) === domainOf(dst) && scaleUpDomainCards > 1 ? 0 : 1;
        const d = distTo(dst, plane);
        if ((d[src] as number) < 0) throw new Error(`route: no path ${src} -> ${dst}`);
        let v = src;
        let hop = 0;
        while (v !== dst) {
          const want = (d[v] as number) - 1;
          const choices: number[] = [];
          for (const l of outLinks[v] as number[]) {
            if (isScaleUp(l) !== (plane === 0)) continue;
            const w = dstArr[l] as number;
            if ((d[w] as number) === want && (w >= cards ? true : w === dst)) choices.push(l);
          }
          const pick = choices[hash(flowId, hop) % choices.length] as number;
          out.push(pick);
          v = dstArr[pick] as number;
          hop++;
        }
        return out;
      },
      summary: () => ({
        cards,
        nodes: cards / cardsPerNode,
        cardsPerNode,
        scaleUpDomainCards,
        switches: nv - cards,
        links: links.count,
        bisectionBytesPerS: 0,
      }),
    };
  }
}

const hash = ecmpHash;

export const GBPS = 1e9;

/** N cards on one non-blocking switch, one NIC each (no scale-up). */
export function flatSwitch(cards: number, nicBytesPerS = 50 * GBPS, latencyS = 1e-6): Cluster {
  const b = new GraphClusterBuilder(cards, 1, 1);
  const sw = b.vertex("switch");
  for (let c = 0; c < cards; c++) b.cable(c, sw, "nic-up", "nic-down", nicBytesPerS, latencyS / 2);
  return b.build(`flat-${cards}`, () => 0);
}

/**
 * Two-tier leaf/spine: `leaves` leaves of `cardsPerLeaf` cards each (one
 * card per node), `spines` spines; each leaf has one uplink to each spine of
 * cardsPerLeaf * nic / (spines * oversubscription) bytes/s.
 */
export function leafSpine(opts: {
  leaves: number;
  cardsPerLeaf: number;
  spines: number;
  oversubscription: number;
  nicBytesPerS?: number;
  latencyS?: number;
}): Cluster {
  const nic = opts.nicBytesPerS ?? 50 * GBPS;
  const lat = opts.latencyS ?? 1e-6;
  const cards = opts.leaves * opts.cardsPerLeaf;
  const b = new GraphClusterBuilder(cards, 1, 1);
  const leaves = Array.from({ length: opts.leaves }, (_, i) => b.vertex(`leaf ${i}`));
  const spines = Array.from({ length: opts.spines }, (_, i) => b.vertex(`spine ${i}`));
  for (let c = 0; c < cards; c++) {
    b.cable(c, leaves[Math.floor(c / opts.cardsPerLeaf)] as number, "nic-up", "nic-down", nic, lat / 4);
  }
  const up = (opts.cardsPerLeaf * nic) / (opts.spines * opts.oversubscription);
  for (const l of leaves) for (const s of spines) b.cable(l, s, "tier1-up", "tier2-down", up, lat / 4);
  return b.build(`leafspine-${opts.leaves}x${opts.cardsPerLeaf}-os${opts.oversubscription}`, () => 0);
}

/**
 * Nodes of `cardsPerNode` cards on a scale-up switch (NVSwitch-like,
 * `scaleUpBytesPerS` per card per direction); scale-out rail-optimized: rail
 * j's leaf connects card j of every node; one spine joins the rail leaves
 * without oversubscription.
 */
export function railNodes(opts: {
  nodes: number;
  cardsPerNode: number;
  scaleUpBytesPerS?: number;
  nicBytesPerS?: number;
  scaleUpLatencyS?: number;
  nicLatencyS?: number;
}): Cluster {
  const { nodes, cardsPerNode } = opts;
  const su = opts.scaleUpBytesPerS ?? 450 * GBPS;
  const nic = opts.nicBytesPerS ?? 50 * GBPS;
  const suLat = opts.scaleUpLatencyS ?? 0.5e-6;
  const nicLat = opts.nicLatencyS ?? 1e-6;
  const cards = nodes * cardsPerNode;
  const b = new GraphClusterBuilder(cards, cardsPerNode, cardsPerNode);
  for (let n = 0; n < nodes; n++) {
    const sw = b.vertex(`nvswitch ${n}`);
    for (let j = 0; j < cardsPerNode; j++) {
      b.cable(n * cardsPerNode + j, sw, "scaleup-up", "scaleup-down", su, suLat / 2);
    }
  }
  const rails = Array.from({ length: cardsPerNode }, (_, j) => b.vertex(`rail leaf ${j}`));
  const spine = b.vertex("spine");
  for (let n = 0; n < nodes; n++) {
    for (let j = 0; j < cardsPerNode; j++) {
      b.cable(n * cardsPerNode + j, rails[j] as number, "nic-up", "nic-down", nic, nicLat / 4);
    }
  }
  for (const r of rails) b.cable(r, spine, "tier1-up", "tier2-down", nodes * nic, nicLat / 4);
  return b.build(`rail-${nodes}x${cardsPerNode}`);
}
