import type { CollectiveContext } from "./context.js";
import type { Stage } from "./stage.js";

/** Flows of one phase, in parallel arrays. */
export class PhaseFlows {
  src: number[] = [];
  via: number[] = [];
  dst: number[] = [];
  bytes: number[] = [];

  add(src: number, dst: number, bytes: number, via = -1): void {
    this.src.push(src);
    this.via.push(via);
    this.dst.push(dst);
    this.bytes.push(bytes);
  }

  get count(): number {
    return this.src.length;
  }
}

export interface PipelineFill {
  chunkBytes: number;
  /**
   * For each flow (a tree edge), the flow of the parent's edge: the next edge
   * towards the root (-1 at the root's edges). The pipeline's critical path
   * runs along these links.
   */
  towardRoot: Int32Array;
  /** Depth of each flow's edge in its tree (1 = from/to the root). */
  depth: Int32Array;
}

/**
 * Phase granularity: every flow of the phase starts now, each standing for
 * `messages` messages (their latency is paid up front by the network model);
 * the phase ends when its last flow ends. For a chunk-pipelined tree or
 * chain the bytes of an edge move as one flow and the pipeline's fill is
 * added at the end. While the pipeline fills, a chunk crosses edge i in
 * w_i = alpha_i + c / f_i, where f_i is edge i's share of its narrowest
 * link among the flows at the same tree depth (the ones that carry the
 * first chunks at the same time, in all trees and channels of the phase);
 * link capacities include slowed links. The fine model's time is the
 * heaviest root-leaf path sum of w plus (k - 1) c / r_b on the bottleneck
 * edge b, while the flows alone took alpha_b + k c / r_b (r_b its average
 * rate); the difference, path sum - alpha_b - c / r_b, is the fill.
 */
export class FlowPhase implements Stage {
  private pending = 0;
  private done: () => void = () => {};
  private startS = 0;
  private alphaPerMessage: Float64Array = new Float64Array(0);
  private weight: Float64Array = new Float64Array(0);
  private lastFlow = -1;
  private pathLinks: number[] = [];
  private pathEnd: Int32Array = new Int32Array(0);
  private readonly onFlow = (i: number): void => this.flowDone(i);

  constructor(
    private readonly ctx: CollectiveContext,
    private readonly flows: PhaseFlows,
    private readonly messages: number,
    private readonly fill?: PipelineFill,
    private readonly label?: string,
  ) {}

  start(done: () => void): void {
    const { ctx, flows } = this;
    const n = flows.count;
    this.done = done;
    this.pending = n;
    this.startS = ctx.sim.now;
    this.lastFlow = -1;
    if (this.fill) {
      this.alphaPerMessage = new Float64Array(n);
      this.weight = new Float64Array(n);
      this.pathLinks = [];
      this.pathEnd = new Int32Array(n);
    }
    if (n === 0) {
      ctx.sim.callAfter(0, "collective empty phase", done);
      return;
    }
    const lat = ctx.cluster.links.latencyS;
    const opts = { messages: this.messages, overheadS: 0, label: this.label };
    for (let i = 0; i < n; i++) {
      const src = flows.src[i] as number;
      const dst = flows.dst[i] as number;
      const path = ctx.routeVia(src, flows.via[i] as number, dst, ctx.nextFlowId());
      opts.overheadS = ctx.overheadS(src, dst);
      if (this.fill) {
        let a = opts.overheadS;
        for (let k = 0; k < path.length; k++) {
          a += lat[path[k] as number] as number;
          this.pathLinks.push(path[k] as number);
        }
        this.alphaPerMessage[i] = a;
        this.pathEnd[i] = this.pathLinks.length;
      }
      ctx.network.startFlow(path, flows.bytes[i] as number, this.onFlow, i, opts);
    }
    if (this.fill) this.fillWeights(this.fill);
  }

  /** w_i = alpha_i + c / (share of the narrowest link among same-depth flows). */
  private fillWeights(fill: PipelineFill): void {
    const n = this.flows.count;
    const links = this.pathLinks;
    const maxDepth = fill.depth.reduce((m, d) => Math.max(m, d), 0) + 1;
    const load = new Map<number, number>();
    let from = 0;
    for (let i = 0; i < n; i++) {
      const d = fill.depth[i] as number;
      for (let k = from; k < (this.pathEnd[i] as number); k++) {
        const key = (links[k] as number) * maxDepth + d;
        load.set(key, (load.get(key) ?? 0) + 1);
      }
      from = this.pathEnd[i] as number;
    }
    from = 0;
    const net = this.ctx.network;
    for (let i = 0; i < n; i++) {
      const d = fill.depth[i] as number;
      let rate = Number.POSITIVE_INFINITY;
      for (let k = from; k < (this.pathEnd[i] as number); k++) {
        const l = links[k] as number;
        rate = Math.min(rate, net.effectiveBandwidthBytesPerS(l) / (load.get(l * maxDepth + d) as number));
      }
      from = this.pathEnd[i] as number;
      this.weight[i] = (this.alphaPerMessage[i] as number) + (Number.isFinite(rate) ? fill.chunkBytes / rate : 0);
    }
  }

  private flowDone(i: number): void {
    const fill = this.fill;
    this.lastFlow = i;
    if (--this.pending > 0) return;
    if (fill) {
      // The last flow to finish is the pipeline's bottleneck edge b.
      const b = this.lastFlow;
      const a = this.alphaPerMessage[b] as number;
      const transferS = this.ctx.sim.now - this.startS - this.messages * a;
      const bytes = this.flows.bytes[b] as number;
      const chunkS = bytes > 0 && transferS > 0 ? (fill.chunkBytes * transferS) / bytes : 0;
      const extraS = heaviestPath(this.weight, fill.towardRoot) - a - chunkS;
      if (extraS > 0) {
        this.ctx.sim.callAfter(extraS, "collective pipeline fill", this.done);
        return;
      }
    }
    this.done();
  }
}

/** Largest sum of weights along a chain of towardRoot links (a forest of in-trees). */
export function heaviestPath(weight: Float64Array, towardRoot: Int32Array): number {
  const n = weight.length;
  const sum = new Float64Array(n).fill(-1);
  let best = 0;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = i;
    while (u >= 0 && (sum[u] as number) < 0) {
      stack.push(u);
      u = towardRoot[u] as number;
    }
    let acc = u >= 0 ? (sum[u] as number) : 0;
    while (stack.length > 0) {
      const v = stack.pop() as number;
      acc += weight[v] as number;
      sum[v] = acc;
    }
    if ((sum[i] as number) > best) best = sum[i] as number;
  }
  return best;
}
