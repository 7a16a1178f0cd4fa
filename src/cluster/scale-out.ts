import { ecmpHash } from "./ecmp-hash.js";
import { cablesTo, type FatTreePlan } from "./fat-tree-plan.js";
import type { GraphBuilder } from "./graph-builder.js";

export interface NicLayout {
  kind: "single-switch" | "fat-tree" | "rail-optimized";
  nodes: number;
  cardsPerNode: number;
  nicsPerNode: number;
  /** One NIC (and every switch port), per direction, bytes/s. */
  nicBytesPerS: number;
  /** NIC-to-NIC through one switch, seconds (split over nic-up and nic-down). */
  latencyS: number;
  /** Per switch-to-switch hop, seconds. */
  hopLatencyS: number;
  /**
   * Uplink choice: spread over every equal-cost uplink (ECMP as its expectation),
   * one hash draw per flow (ECMP as one draw), or by destination NIC (D-mod-K, InfiniBand).
   */
  routing: "ecmp" | "ecmp-hash" | "destination";
  plan?: FatTreePlan | undefined;
}

export interface ScaleOut {
  /** Appends the links of a scale-out route from card `src` to card `dst`. */
  route(src: number, dst: number, flowId: number, out: number[]): void;
  bisectionBytesPerS: number;
  /** Physical switches merged into one graph vertex (ECMP spread), for the switch count. */
  mergedSwitches?: number;
}

/**
 * NICs and switch tiers (docs/model.md, "Cluster graph"). NIC e = node *
 * nicsPerNode + rail; a card with k NICs owns rails local*k .. local*k+k-1 and
 * picks one per flow by the ECMP hash; with fewer NICs than cards, c =
 * cardsPerNode / nicsPerNode consecutive cards share one (its links carry all
 * their flows; the PCIe path to it is not modelled). Link 2e is NIC e's nic-up, 2e+1 its nic-down.
 * Between switch tiers, routing "ecmp" spreads every flow evenly over the
 * equal-cost uplinks: the switches of a tier above a leaf (or a pod) act as
 * one, joined to it by one link per direction carrying all its uplink cables
 * (the expectation of hashing many flows; the luck of one draw, where two
 * large flows can land on one cable, is not in it). "ecmp-hash" picks one
 * uplink per flow by a hash of the flow id (one draw: which flows collide
 * changes with the switch count, so results move non-monotonically with
 * oversubscription). "destination" picks it by the destination NIC (D-mod-K:
 * Zahavi et al., "D-Mod-K Routing Providing Non-Blocking Traffic for Shift
 * Permutations on Real Life Fat Trees", 2010; OpenSM's ftree routing).
 */
export function buildNicScaleOut(g: GraphBuilder, s: NicLayout): ScaleOut {
  const K = s.nicsPerNode;
  const perCard = K / s.cardsPerNode;
  const nics = s.nodes * K;
  const cardOfNic = (e: number) => Math.floor(e / K) * s.cardsPerNode + Math.floor((e % K) / perCard);
  // perCard < 1: cards share a NIC (1 / perCard cards per NIC, consecutive local indices).
  const nicOf = (card: number, flowId: number, salt: number) => {
    const node = Math.floor(card / s.cardsPerNode);
    const local = card - node * s.cardsPerNode;
    if (perCard < 1) return node * K + Math.floor(local * perCard);
    const j = perCard === 1 ? 0 : ecmpHash(flowId, salt) % perCard;
    return node * K + local * perCard + j;
  };
  const B = s.nicBytesPerS;
  const nicBase = g.reserveLinks(2 * nics);

  if (s.kind === "single-switch" || !s.plan) {
    const sw = g.addVertices(1, () => "switch 0");
    for (let e = 0; e < nics; e++) {
      g.set(nicBase + 2 * e, "nic-up", cardOfNic(e), sw, B, s.latencyS / 2);
      g.set(nicBase + 2 * e + 1, "nic-down", sw, cardOfNic(e), B, s.latencyS / 2);
    }
    return {
      route(src, dst, flowId, out) {
        out.push(nicBase + 2 * nicOf(src, flowId, 11), nicBase + 2 * nicOf(dst, flowId, 12) + 1);
      },
      bisectionBytesPerS: Math.floor(nics / 2) * B,
    };
  }

  const p = s.plan;
  const d1 = p.down1;
  const leafOf =
    s.kind === "fat-tree"
      ? (e: number) => Math.floor(e / d1)
      : (e: number) => Math.floor(Math.floor(e / K) / d1) * K + (e % K);
  // A NIC's position in D-mod-K order: leaf by leaf, and within a leaf by its port
  // (fat-tree: the NIC id itself; rail-optimized: a rail leaf's NICs are one per node,
  // so their ids step by the rail count and id mod spines would pile them on few spines).
  const dModKOrder =
    s.kind === "fat-tree" ? (e: number) => e : (e: number) => leafOf(e) * d1 + (Math.floor(e / K) % d1);
  const leafName =
    s.kind === "fat-tree"
      ? (i: number) => `leaf ${i}`
      : (i: number) => `leaf ${i} (rail ${i % K}, node group ${Math.floor(i / K)})`;
  const leafBase = g.addVertices(p.leaves, leafName);
  for (let e = 0; e < nics; e++) {
    const leaf = leafBase + leafOf(e);
    g.set(nicBase + 2 * e, "nic-up", cardOfNic(e), leaf, B, s.latencyS / 2);
    g.set(nicBase + 2 * e + 1, "nic-down", leaf, cardOfNic(e), B, s.latencyS / 2);
  }
  const H = s.hopLatencyS;
  /**
   * A route between two cards' NICs: nic-up, the switch hops between their
   * leaves (only when they differ; given by `between`), nic-down.
   */
  const nicRoute =
    (between: (ls: number, ld: number, ed: number, flowId: number, out: number[]) => void) =>
    (src: number, dst: number, flowId: number, out: number[]): void => {
      const es = nicOf(src, flowId, 11);
      const ed = nicOf(dst, flowId, 12);
      const ls = leafOf(es);
      const ld = leafOf(ed);
      out.push(nicBase + 2 * es);
      if (ls !== ld) between(ls, ld, ed, flowId, out);
      out.push(nicBase + 2 * ed + 1);
    };
  let bisection = Math.floor(nics / 2) * B;

  if (s.routing === "ecmp") return spreadTiers(g, p, leafBase, B, H, bisection, nicRoute);

  if (p.tiers === 2) {
    const S = p.spines;
    const spineBase = g.addVertices(S, (i) => `spine ${i}`);
    const base = g.reserveLinks(2 * p.leaves * S);
    for (let l = 0; l < p.leaves; l++) {
      for (let sp = 0; sp < S; sp++) {
        const bw = cablesTo(p.up1, S, sp) * B;
        const id = base + 2 * (l * S + sp);
        g.set(id, "tier1-up", leafBase + l, spineBase + sp, bw, H);
        g.set(id + 1, "tier2-down", spineBase + sp, leafBase + l, bw, H);
      }
    }
    bisection = Math.min(bisection, Math.floor(p.leaves / 2) * p.up1 * B);
    return {
      route: nicRoute((ls, ld, ed, flowId, out) => {
        // One of the leaf's up1 uplink cables (cable u goes to spine u mod S, as cablesTo counts).
        const u = s.routing === "destination" ? dModKOrder(ed) % p.up1 : ecmpHash(flowId, 21) % p.up1;
        const sp = u % S;
        out.push(base + 2 * (ls * S + sp), base + 2 * (ld * S + sp) + 1);
      }),
      bisectionBytesPerS: bisection,
    };
  }

  const P = p.leavesPerPod;
  const A = p.aggsPerPod;
  const C = p.coresPerPlane;
  const aggs = p.pods * A;
  const aggBase = g.addVertices(aggs, (i) => `aggregation ${i} (pod ${Math.floor(i / A)}, plane ${i % A})`);
  const coreBase = g.addVertices(A * C, (i) => `core ${i} (plane ${Math.floor(i / C)})`);
  const laBase = g.reserveLinks(2 * p.leaves * A);
  for (let l = 0; l < p.leaves; l++) {
    const pod = Math.floor(l / P);
    for (let a = 0; a < A; a++) {
      const bw = cablesTo(p.up1, A, a) * B;
      const id = laBase + 2 * (l * A + a);
      g.set(id, "tier1-up", leafBase + l, aggBase + pod * A + a, bw, H);
      g.set(id + 1, "tier2-down", aggBase + pod * A + a, leafBase + l, bw, H);
    }
  }
  const acBase = g.reserveLinks(2 * aggs * C);
  for (let agg = 0; agg < aggs; agg++) {
    const plane = agg % A;
    for (let c = 0; c < C; c++) {
      const bw = cablesTo(p.up2, C, c) * B;
      const id = acBase + 2 * (agg * C + c);
      g.set(id, "tier2-up", aggBase + agg, coreBase + plane * C + c, bw, H);
      g.set(id + 1, "tier3-down", coreBase + plane * C + c, aggBase + agg, bw, H);
    }
  }
  bisection = Math.min(bisection, Math.floor(p.leaves / 2) * p.up1 * B, Math.floor(aggs / 2) * p.up2 * B);
  return {
    route: nicRoute((ls, ld, ed, flowId, out) => {
      const u = s.routing === "destination" ? dModKOrder(ed) % p.up1 : ecmpHash(flowId, 21) % p.up1;
      const a = u % A;
      const ps = Math.floor(ls / P);
      const pd = Math.floor(ld / P);
      out.push(laBase + 2 * (ls * A + a));
      if (ps !== pd) {
        const v =
          s.routing === "destination" ? Math.floor(dModKOrder(ed) / p.up1) % p.up2 : ecmpHash(flowId, 22) % p.up2;
        const c = v % C;
        out.push(acBase + 2 * ((ps * A + a) * C + c), acBase + 2 * ((pd * A + a) * C + c) + 1);
      }
      out.push(laBase + 2 * (ld * A + a) + 1);
    }),
    bisectionBytesPerS: bisection,
  };
}

type NicRoute = (
  between: (ls: number, ld: number, ed: number, flowId: number, out: number[]) => void,
) => (src: number, dst: number, flowId: number, out: number[]) => void;

/**
 * ECMP as its expectation: above each leaf the next tier's switches act as one
 * (a vertex per pod's aggregation layer, one for the spines or cores), joined
 * by a link per direction whose bandwidth is all the leaf's (or pod's) uplink
 * cables. Same hop count and latency as one path through the tree.
 */
function spreadTiers(
  g: GraphBuilder,
  p: FatTreePlan,
  leafBase: number,
  B: number,
  H: number,
  nicBisection: number,
  nicRoute: NicRoute,
): ScaleOut {
  if (p.tiers === 2) {
    const spines = g.addVertices(1, () => `spines (${p.spines} switches, ECMP-spread)`);
    const base = g.reserveLinks(2 * p.leaves);
    for (let l = 0; l < p.leaves; l++) {
      g.set(base + 2 * l, "tier1-up", leafBase + l, spines, p.up1 * B, H);
      g.set(base + 2 * l + 1, "tier2-down", spines, leafBase + l, p.up1 * B, H);
    }
    return {
      route: nicRoute((ls, ld, _ed, _flowId, out) => {
        out.push(base + 2 * ls, base + 2 * ld + 1);
      }),
      bisectionBytesPerS: Math.min(nicBisection, Math.floor(p.leaves / 2) * p.up1 * B),
      mergedSwitches: p.spines - 1,
    };
  }
  const P = p.leavesPerPod;
  const A = p.aggsPerPod;
  const aggBase = g.addVertices(p.pods, (i) => `aggregation of pod ${i} (${A} switches, ECMP-spread)`);
  const cores = g.addVertices(1, () => `cores (${A * p.coresPerPlane} switches, ECMP-spread)`);
  const laBase = g.reserveLinks(2 * p.leaves);
  for (let l = 0; l < p.leaves; l++) {
    const pod = Math.floor(l / P);
    g.set(laBase + 2 * l, "tier1-up", leafBase + l, aggBase + pod, p.up1 * B, H);
    g.set(laBase + 2 * l + 1, "tier2-down", aggBase + pod, leafBase + l, p.up1 * B, H);
  }
  const acBase = g.reserveLinks(2 * p.pods);
  for (let pod = 0; pod < p.pods; pod++) {
    g.set(acBase + 2 * pod, "tier2-up", aggBase + pod, cores, A * p.up2 * B, H);
    g.set(acBase + 2 * pod + 1, "tier3-down", cores, aggBase + pod, A * p.up2 * B, H);
  }
  return {
    route: nicRoute((ls, ld, _ed, _flowId, out) => {
      const ps = Math.floor(ls / P);
      const pd = Math.floor(ld / P);
      out.push(laBase + 2 * ls);
      if (ps !== pd) out.push(acBase + 2 * ps, acBase + 2 * pd + 1);
      out.push(laBase + 2 * ld + 1);
    }),
    bisectionBytesPerS: Math.min(
      nicBisection,
      Math.floor(p.leaves / 2) * p.up1 * B,
      Math.floor((p.pods * A) / 2) * p.up2 * B,
    ),
    mergedSwitches: p.pods * A + A * p.coresPerPlane - p.pods - 1,
  };
}
