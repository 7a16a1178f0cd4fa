import { ecmpHash } from "./ecmp-hash.js";
import type { GraphBuilder } from "./graph-builder.js";

export interface ScaleUpRates {
  /** Per card per direction, bytes/s. */
  bandwidthBytesPerS: number;
  /** mesh/ring: per link per direction, bytes/s (derived when absent). */
  linkBytesPerS?: number | undefined;
}

export interface ScaleUpLayout extends ScaleUpRates {
  kind: "switched" | "mesh" | "ring";
  cards: number;
  domainCards: number;
  /** One traversal (switched: split over the two links; ring: per hop), seconds. */
  latencyS: number;
  /** Rates of one domain where they differ (node groups of other card kinds); default: the layout's own. */
  ratesOfDomain?: ((domain: number) => ScaleUpRates) | undefined;
}

/** Appends the scale-up links of a route from card `src` to card `dst` (same domain) to `out`. */
export type ScaleUpRouter = (src: number, dst: number, flowId: number, out: number[]) => void;

/**
 * Scale-up links (docs/model.md, "Cluster graph"):
 * - switched: one logical switch per domain; per card one card->switch and one
 *   switch->card link at the per-card bandwidth; latency/2 each.
 * - mesh: a direct link for every ordered pair of the domain, at
 *   linkBytesPerS or bandwidth/(domain-1); the full latency.
 * - ring: links to the next and previous card, at linkBytesPerS or
 *   bandwidth/2; the latency per hop; routes go the shorter way (ties: ECMP hash).
 * Each domain's rates come from `ratesOfDomain` when given (node groups of
 * other card kinds; a domain never spans two groups), else from the layout.
 */
export function buildScaleUp(g: GraphBuilder, s: ScaleUpLayout): ScaleUpRouter | undefined {
  const D = s.domainCards;
  if (D <= 1) return undefined;
  const domains = s.cards / D;
  const rates = s.ratesOfDomain ?? (() => s);
  if (s.kind === "switched") {
    const sw = g.addVertices(domains, (i) => `scale-up switch ${i}`);
    const base = g.reserveLinks(2 * s.cards);
    for (let c = 0; c < s.cards; c++) {
      const v = sw + Math.floor(c / D);
      const bw = rates(Math.floor(c / D)).bandwidthBytesPerS;
      g.set(base + 2 * c, "scaleup-up", c, v, bw, s.latencyS / 2);
      g.set(base + 2 * c + 1, "scaleup-down", v, c, bw, s.latencyS / 2);
    }
    return (src, dst, _flowId, out) => {
      out.push(base + 2 * src, base + 2 * dst + 1);
    };
  }
  if (s.kind === "mesh") {
    const perDomain = D * (D - 1);
    const base = g.reserveLinks(domains * perDomain);
    const id = (dom: number, i: number, j: number) => base + dom * perDomain + i * (D - 1) + (j < i ? j : j - 1);
    for (let dom = 0; dom < domains; dom++) {
      const r = rates(dom);
      const bw = r.linkBytesPerS ?? r.bandwidthBytesPerS / (D - 1);
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < D; j++) {
          if (i !== j) g.set(id(dom, i, j), "scaleup-direct", dom * D + i, dom * D + j, bw, s.latencyS);
        }
      }
    }
    return (src, dst, _flowId, out) => {
      const dom = Math.floor(src / D);
      out.push(id(dom, src - dom * D, dst - dom * D));
    };
  }
  // ring: link 2c goes to the next card, 2c+1 to the previous one.
  const base = g.reserveLinks(2 * s.cards);
  for (let c = 0; c < s.cards; c++) {
    const first = c - (c % D);
    const i = c - first;
    const r = rates(first / D);
    const bw = r.linkBytesPerS ?? r.bandwidthBytesPerS / 2;
    g.set(base + 2 * c, "scaleup-direct", c, first + ((i + 1) % D), bw, s.latencyS);
    g.set(base + 2 * c + 1, "scaleup-direct", c, first + ((i + D - 1) % D), bw, s.latencyS);
  }
  return (src, dst, flowId, out) => {
    const first = src - (src % D);
    const i = src - first;
    const forward = (dst - first - i + D) % D;
    const backward = D - forward;
    const goForward = forward < backward || (forward === backward && (ecmpHash(flowId, 1) & 1) === 0);
    let cur = i;
    const hops = goForward ? forward : backward;
    for (let h = 0; h < hops; h++) {
      out.push(base + 2 * (first + cur) + (goForward ? 0 : 1));
      cur = goForward ? (cur + 1) % D : (cur + D - 1) % D;
    }
  };
}
