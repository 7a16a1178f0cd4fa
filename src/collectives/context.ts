import type { Cluster } from "../cluster/types.js";
import { LINK_KINDS } from "../cluster/types.js";
import type { Simulator } from "../engine/simulator.js";
import type { NetworkModel } from "../network/types.js";

/**
 * Everything a running collective needs, shared by all collectives of one
 * runner: the simulator, the cluster, the network, the per-message software
 * overheads, and a flow-id counter that feeds ECMP hashing.
 */
export class CollectiveContext {
  private flowCounter = 0;
  private readonly scratchA: number[] = [];
  private readonly scratchB: number[] = [];
  readonly path: number[] = [];
  private readonly scaleUpKind: Uint8Array;

  constructor(
    readonly sim: Simulator,
    readonly cluster: Cluster,
    readonly network: NetworkModel,
    readonly overheadScaleUpS: number,
    readonly overheadScaleOutS: number,
    readonly chunkBytes: number,
    /** Whether the automatic choice may pick NVLS (NCCL_NVLS_ENABLE); see CollectiveRunnerOptions.nvls. */
    readonly nvlsEnabled = true,
  ) {
    this.scaleUpKind = new Uint8Array(LINK_KINDS.length);
    for (let k = 0; k < LINK_KINDS.length; k++) {
      const kind = LINK_KINDS[k] as string;
      this.scaleUpKind[k] = kind.startsWith("scaleup") ? 1 : 0;
    }
  }

  nextFlowId(): number {
    return this.flowCounter++;
  }

  sameDomain(a: number, b: number): boolean {
    return this.cluster.scaleUpDomainOf(a) === this.cluster.scaleUpDomainOf(b);
  }

  /** Software overhead per message from `src` to `dst`. */
  overheadS(src: number, dst: number): number {
    return this.sameDomain(src, dst) ? this.overheadScaleUpS : this.overheadScaleOutS;
  }

  /**
   * Route src -> dst, or src -> via -> dst when via >= 0 (NCCL's PXN: a ring
   * leaves its domain through the NIC of a neighbour card). Returns the
   * shared `path` array (valid until the next call).
   */
  routeVia(src: number, via: number, dst: number, flowId: number): number[] {
    const out = this.path;
    out.length = 0;
    if (via >= 0 && via !== src && via !== dst) {
      const a = this.cluster.route(src, via, flowId, this.scratchA);
      const b = this.cluster.route(via, dst, flowId, this.scratchB);
      for (let i = 0; i < a.length; i++) out.push(a[i] as number);
      for (let i = 0; i < b.length; i++) out.push(b[i] as number);
      return out;
    }
    const r = this.cluster.route(src, dst, flowId, this.scratchA);
    for (let i = 0; i < r.length; i++) out.push(r[i] as number);
    return out;
  }

  isScaleUpLink(link: number): boolean {
    return this.scaleUpKind[this.cluster.links.kind[link] as number] === 1;
  }

  /**
   * Nominal cost of one message src -> (via) -> dst on an idle network:
   * alpha = path latency + software overhead; bandwidth = the path's
   * narrowest effective link, with scale-up links divided by `scaleUpShare`
   * (channels that share a card's scale-up port).
   */
  /** Whether src reaches dst over one link of its own (a full-mesh scale-up domain: no port shared with other peers). */
  directLink(src: number, dst: number): boolean {
    return this.sameDomain(src, dst) && this.cluster.route(src, dst, 0, this.scratchA).length === 1;
  }

  hopCost(src: number, via: number, dst: number, scaleUpShare = 1): { alphaS: number; bytesPerS: number } {
    const path = this.routeVia(src, via, dst, 0);
    let lat = 0;
    let bw = Number.POSITIVE_INFINITY;
    for (const l of path) {
      lat += this.cluster.links.latencyS[l] as number;
      const share = this.isScaleUpLink(l) ? scaleUpShare : 1;
      bw = Math.min(bw, this.network.effectiveBandwidthBytesPerS(l) / share);
    }
    return { alphaS: lat + this.overheadS(src, dst), bytesPerS: bw };
  }
}
