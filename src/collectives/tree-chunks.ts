import type { CollectiveContext } from "./context.js";
import type { Stage, TreeSpec } from "./stage.js";

/**
 * Fine granularity tree or chain, pipelined in chunks. "down" (broadcast):
 * a position forwards chunk j to a child once it holds chunk j and its
 * previous chunk on that edge has left. "up" (reduce): a position sends
 * chunk j to its parent once chunk j has arrived from all its children.
 * Each edge moves one chunk at a time; a chunk arrives one message latency
 * (path latency + software overhead) after its last byte left, so latency
 * overlaps the next chunk's transfer as NCCL's multi-slot buffers allow.
 */
export class TreeChunks implements Stage {
  private chunks = 1;
  private chunkBytes = 0;
  private n = 0;
  /** Per (tree, position): chunks held (down) or next chunk to send (both). */
  private have: Int32Array = new Int32Array(0);
  private next: Int32Array = new Int32Array(0);
  private busy: Uint8Array = new Uint8Array(0);
  /** up: arrivals per (tree, position, chunk). */
  private arrived: Int32Array = new Int32Array(0);
  private childCount: Int32Array = new Int32Array(0);
  private children: number[][] = [];
  private alphaS: Float64Array = new Float64Array(0);
  private pending = 0;
  private done: () => void = () => {};
  private readonly onFlow = (tag: number): void => this.transferDone(tag);

  constructor(
    private readonly ctx: CollectiveContext,
    private readonly trees: readonly TreeSpec[],
    private readonly direction: "up" | "down",
    private readonly bytesPerTree: number,
    private readonly maxChunkBytes: number,
  ) {}

  start(done: () => void): void {
    const n = this.trees[0]?.members.length ?? 0;
    const T = this.trees.length;
    this.n = n;
    this.chunks = Math.max(1, Math.ceil(this.bytesPerTree / this.maxChunkBytes));
    this.chunkBytes = this.bytesPerTree / this.chunks;
    this.have = new Int32Array(T * n);
    this.next = new Int32Array(T * n);
    this.busy = new Uint8Array(T * n);
    this.childCount = new Int32Array(T * n);
    this.alphaS = new Float64Array(T * n);
    this.children = Array.from({ length: T * n }, () => []);
    if (this.direction === "up") this.arrived = new Int32Array(T * n * this.chunks);
    let edges = 0;
    for (let t = 0; t < T; t++) {
      const tree = this.trees[t] as TreeSpec;
      for (let v = 0; v < n; v++) {
        const p = tree.parent[v] as number;
        if (p < 0) {
          if (this.direction === "down") this.have[t * n + v] = this.chunks;
          continue;
        }
        edges++;
        this.childCount[t * n + p] = (this.childCount[t * n + p] as number) + 1;
        (this.children[t * n + p] as number[]).push(v);
        const [src, dst] = this.edgeEnds(t, v);
        this.alphaS[t * n + v] = this.ctx.hopCost(src, tree.via[v] as number, dst).alphaS;
      }
    }
    this.pending = edges * this.chunks;
    this.done = done;
    if (this.pending === 0) {
      this.ctx.sim.callAfter(0, "collective empty tree", done);
      return;
    }
    for (let t = 0; t < T; t++) for (let v = 0; v < n; v++) this.tryEdge(t, v);
  }

  /** Cards at the ends of the edge between position v and its parent, in the data's direction. */
  private edgeEnds(t: number, v: number): [number, number] {
    const tree = this.trees[t] as TreeSpec;
    const child = tree.members[v] as number;
    const parent = tree.members[tree.parent[v] as number] as number;
    return this.direction === "down" ? [parent, child] : [child, parent];
  }

  /** Starts the next chunk on the edge of position v (to/from its parent) if it can go. */
  private tryEdge(t: number, v: number): void {
    const tree = this.trees[t] as TreeSpec;
    const p = tree.parent[v] as number;
    const k = t * this.n + v;
    if (p < 0 || this.busy[k] === 1) return;
    const j = this.next[k] as number;
    if (j >= this.chunks) return;
    if (this.direction === "down") {
      if ((this.have[t * this.n + p] as number) <= j) return;
    } else if ((this.arrived[k * this.chunks + j] as number) < (this.childCount[k] as number)) {
      return;
    }
    const [src, dst] = this.edgeEnds(t, v);
    const ctx = this.ctx;
    const path = ctx.routeVia(src, tree.via[v] as number, dst, ctx.nextFlowId());
    this.busy[k] = 1;
    ctx.network.startFlow(path, this.chunkBytes, this.onFlow, k, { messages: 0 });
  }

  private transferDone(k: number): void {
    const t = Math.floor(k / this.n);
    const v = k - t * this.n;
    const j = this.next[k] as number;
    this.busy[k] = 0;
    this.next[k] = j + 1;
    this.tryEdge(t, v);
    this.ctx.sim.callAfter(this.alphaS[k] as number, "collective chunk arrives", () => this.arrive(t, v, j));
  }

  private arrive(t: number, v: number, j: number): void {
    const n = this.n;
    const tree = this.trees[t] as TreeSpec;
    if (this.direction === "down") {
      this.have[t * n + v] = j + 1;
      for (const c of this.children[t * n + v] as number[]) this.tryEdge(t, c);
    } else {
      const p = tree.parent[v] as number;
      const pk = t * n + p;
      this.arrived[pk * this.chunks + j] = (this.arrived[pk * this.chunks + j] as number) + 1;
      this.tryEdge(t, p);
    }
    if (--this.pending === 0) this.done();
  }
}
