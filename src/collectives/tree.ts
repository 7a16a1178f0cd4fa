import type { CollectiveContext } from "./context.js";
import { FlowPhase, heaviestPath, PhaseFlows } from "./flow-phase.js";
import type { Stage, TreeSpec } from "./stage.js";
import { TreeChunks } from "./tree-chunks.js";
import type { Granularity } from "./types.js";

/**
 * NCCL's binary tree over ranks 0..n-1 (ncclGetBtree in NVIDIA/nccl
 * src/graph/trees.cc): the parent of rank r > 0 is found from r's lowest set
 * bit b: (r ^ b) | (b << 1), or r ^ b when that is out of range. Rank 0 is
 * the root. Odd ranks are leaves.
 */
export function btreeParents(n: number): Int32Array {
  const parent = new Int32Array(n);
  parent[0] = -1;
  for (let r = 1; r < n; r++) {
    const bit = r & -r;
    let up = (r ^ bit) | (bit << 1);
    if (up >= n) up = r ^ bit;
    parent[r] = up;
  }
  return parent;
}

/**
 * NCCL's double binary tree (ncclGetDtree): the first tree is the btree; the
 * second mirrors it (r -> n-1-r) when n is even, or shifts it by one when n
 * is odd, so that the leaves of one tree are inner nodes of the other. Each
 * tree carries half of the data.
 */
export function dtreeParents(n: number): [Int32Array, Int32Array] {
  const first = btreeParents(n);
  const second = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    if (n % 2 === 0) {
      const u = first[n - 1 - r] as number;
      second[r] = u < 0 ? -1 : n - 1 - u;
    } else {
      const u = first[(r - 1 + n) % n] as number;
      second[r] = u < 0 ? -1 : (u + 1) % n;
    }
  }
  return [first, second];
}

export function treesOver(cards: Int32Array, parents: readonly Int32Array[]): TreeSpec[] {
  return parents.map((parent) => ({ members: cards, parent, via: new Int32Array(cards.length).fill(-1) }));
}

/**
 * Closed-form cost of a chunk-pipelined tree phase moving `bytesPerTree`
 * over each tree (k chunks of c bytes). A card port (egress or ingress,
 * scale-up or scale-out) carrying f flows gives each B / f. In steady state
 * edge e runs at r_e (its ports' share among all flows of the phase); while
 * the pipeline fills, at q_e (the share among flows at the same depth,
 * which carry the first chunks together). Time = the heaviest root-leaf
 * path sum of (alpha_e + c / q_e) + (k - 1) c / min_e r_e.
 */
export function predictTreePhase(
  ctx: CollectiveContext,
  trees: readonly TreeSpec[],
  direction: "up" | "down",
  bytesPerTree: number,
): number {
  interface Edge {
    alphaS: number;
    bytesPerS: number;
    src: number;
    dst: number;
    depth: number;
  }
  const edges: Edge[] = [];
  const toward: number[] = [];
  const all = new Map<number, number>();
  const level = new Map<string, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const t of trees) {
    const depth = depthsOf(t.parent);
    const edgeIndex = new Int32Array(t.parent.length).fill(-1);
    const base = edges.length;
    let k = 0;
    for (let v = 0; v < t.parent.length; v++) if ((t.parent[v] as number) >= 0) edgeIndex[v] = base + k++;
    for (let v = 0; v < t.parent.length; v++) {
      const p = t.parent[v] as number;
      if (p < 0) continue;
      const child = t.members[v] as number;
      const par = t.members[p] as number;
      const [src, dst] = direction === "down" ? [par, child] : [child, par];
      const c = ctx.hopCost(src, t.via[v] as number, dst);
      const cls = ctx.sameDomain(src, dst) ? 0 : 1;
      const e = {
        alphaS: c.alphaS,
        bytesPerS: c.bytesPerS,
        src: src * 4 + cls,
        dst: dst * 4 + 2 + cls,
        depth: depth[v] as number,
      };
      edges.push(e);
      toward.push(edgeIndex[p] as number);
      bump(all, e.src);
      bump(all, e.dst);
      level.set(`${e.src}/${e.depth}`, (level.get(`${e.src}/${e.depth}`) ?? 0) + 1);
      level.set(`${e.dst}/${e.depth}`, (level.get(`${e.dst}/${e.depth}`) ?? 0) + 1);
    }
  }
  if (edges.length === 0) return 0;
  const chunk = bytesPerTree / Math.max(1, Math.ceil(bytesPerTree / ctx.chunkBytes));
  const chunks = bytesPerTree / chunk;
  let rMin = Number.POSITIVE_INFINITY;
  const weight = new Float64Array(edges.length);
  edges.forEach((e, i) => {
    const r = e.bytesPerS / Math.max(all.get(e.src) as number, all.get(e.dst) as number);
    rMin = Math.min(rMin, r);
    const q =
      e.bytesPerS / Math.max(level.get(`${e.src}/${e.depth}`) as number, level.get(`${e.dst}/${e.depth}`) as number);
    weight[i] = e.alphaS + chunk / q;
  });
  return heaviestPath(weight, Int32Array.from(toward)) + ((chunks - 1) * chunk) / rMin;
}

/** A set of trees moving `bytesPerTree` each, up or down, pipelined in chunks. */
export function treeStage(
  ctx: CollectiveContext,
  trees: readonly TreeSpec[],
  direction: "up" | "down",
  bytesPerTree: number,
  granularity: Granularity,
  label?: string,
): Stage {
  if (granularity === "fine") return new TreeChunks(ctx, trees, direction, bytesPerTree, ctx.chunkBytes);
  const flows = new PhaseFlows();
  const toward: number[] = [];
  const depths: number[] = [];
  for (const t of trees) {
    const depth = depthsOf(t.parent);
    // Flow index of each position's edge to its parent.
    const edgeFlow = new Int32Array(t.parent.length).fill(-1);
    const base = flows.count;
    let k = 0;
    for (let v = 0; v < t.parent.length; v++) if ((t.parent[v] as number) >= 0) edgeFlow[v] = base + k++;
    for (let v = 0; v < t.parent.length; v++) {
      const p = t.parent[v] as number;
      if (p < 0) continue;
      const child = t.members[v] as number;
      const par = t.members[p] as number;
      if (direction === "down") flows.add(par, child, bytesPerTree, t.via[v] as number);
      else flows.add(child, par, bytesPerTree, t.via[v] as number);
      toward.push(edgeFlow[p] as number);
      depths.push(depth[v] as number);
    }
  }
  const chunks = Math.max(1, Math.ceil(bytesPerTree / ctx.chunkBytes));
  const fill = {
    chunkBytes: bytesPerTree / chunks,
    towardRoot: Int32Array.from(toward),
    depth: Int32Array.from(depths),
  };
  return new FlowPhase(ctx, flows, 1, fill, label);
}

/** Depth (edges from the root) of every position. */
export function depthsOf(parent: Int32Array): Int32Array {
  const depth = new Int32Array(parent.length).fill(-1);
  const stack: number[] = [];
  for (let v = 0; v < parent.length; v++) {
    let u = v;
    while ((depth[u] as number) < 0 && (parent[u] as number) >= 0) {
      stack.push(u);
      u = parent[u] as number;
      if (stack.length > parent.length) throw new Error("tree: parent links form a cycle");
    }
    if ((depth[u] as number) < 0) depth[u] = 0;
    let d = depth[u] as number;
    while (stack.length > 0) {
      d++;
      depth[stack.pop() as number] = d;
    }
  }
  return depth;
}

export function treeHeightOf(parent: Int32Array): number {
  return depthsOf(parent).reduce((m, d) => Math.max(m, d), 0);
}
