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
  /** Uplink choice: hash of the flow id (ECMP) or the destination NIC (D-mod-K, InfiniBand). */
  routing: "ecmp" | "destination";
  plan?: FatTreePlan | undefined;
}

export interface ScaleOut {
  /** Appends the links of a scale-out route from card `src` to card `dst`. */
  route(src: number, dst: number, flowId: number, out: number[]): void;
  bisectionBytesPerS: number;
}

/**
 * NICs and switch tiers (docs/model.md, "Cluster graph"). NIC e = node *
 * nicsPerNode + rail; a card with k NICs owns rails local*k .. local*k+k-1 and
 * picks one per flow by the ECMP hash. Link 2e is NIC e's nic-up, 2e+1 its nic-down.
 * Between switch tiers the uplink is chosen by the ECMP hash of the flow, or,
 * with routing "destination", by the destination NIC (D-mod-K: Zahavi et al.,
 * "D-Mod-K Routing Providing Non-Blocking Traffic for Shift Permutations on
 * Real Life Fat Trees", 2010; OpenSM's ftree routing).
 */
export function buildNicScaleOut(g: GraphBuilder, s: NicLayout): ScaleOut {
  const K = s.nicsPerNode;
  const perCard = K / s.cardsPerNode;
  const nics = s.nodes * K;
  const cardOfNic = (e: number) => Math.floor(e / K) * s.cardsPerNode + Math.floor((e % K) / perCard);
  const nicOf = (card: number, flowId: number, salt: number) => {
    const node = Math.floor(card / s.cardsPerNode);
    const local = card - node * s.cardsPerNode;
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
        const sp = s.routing === "destination" ? ed % S : ecmpHash(flowId, 21) % S;
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
      const a = s.routing === "destination" ? ed % A : ecmpHash(flowId, 21) % A;
      const ps = Math.floor(ls / P);
      const pd = Math.floor(ld / P);
      out.push(laBase + 2 * (ls * A + a));
      if (ps !== pd) {
        const c = s.routing === "destination" ? Math.floor(ed / A) % C : ecmpHash(flowId, 22) % C;
        out.push(acBase + 2 * ((ps * A + a) * C + c), acBase + 2 * ((pd * A + a) * C + c) + 1);
      }
      out.push(laBase + 2 * (ld * A + a) + 1);
    }),
    bisectionBytesPerS: bisection,
  };
}
