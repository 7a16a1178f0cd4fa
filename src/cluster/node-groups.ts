import { ACCELERATOR_CATALOG, CATALOG_NAMES, isCatalogName } from "../hardware/catalog.js";
import { type AcceleratorRef, resolveAccelerator } from "../hardware/resolve.js";
import type { Accelerator } from "../hardware/types.js";
import { didYouMean } from "../input/suggest.js";
import type { TopologyProblem } from "./topology-checks.js";
import type { NodeGroupSpec, TopologyShape } from "./topology-schema.js";

/**
 * Node groups (heterogeneous clusters, docs/topology.md "Node groups"): a
 * topology's `nodeGroups` split its nodes, in file order, into contiguous
 * ranges, each with its own card kind and scale-up rates. A file without
 * `nodeGroups` is one implicit group of every node with the top-level
 * accelerator. NICs, switch tiers, scale-up kind, latency and domain size
 * stay cluster-wide.
 */

const fmt = (n: number) => n.toLocaleString("en-US");
const GB = 1e9;

/** One node group, resolved: its nodes, cards, accelerator and scale-up rates. */
export interface NodeGroupLayout {
  /** Index in `nodeGroups` (0 for the implicit group of a file without them). */
  index: number;
  /** The group's name; undefined for the implicit group of a file without `nodeGroups`. */
  name: string | undefined;
  /** Topology field its accelerator comes from: "nodeGroups.1.accelerator", or "accelerator" (the top-level default). */
  acceleratorField: string;
  firstNode: number;
  nodes: number;
  firstCard: number;
  cards: number;
  /**
   * The cards' accelerator. Groups of one card kind (equal resolved figures)
   * share one object, so two cards are of the same kind iff their
   * accelerators are `===`.
   */
  accelerator: Accelerator;
  /** Scale-up bandwidth per card per direction, GB/s (undefined: none known; validation rejects that where a scaleUp section needs it). */
  scaleUpGBps: number | undefined;
  /** mesh/ring: one card-to-card link per direction, GB/s, where the file gives it (else derived from scaleUpGBps). */
  scaleUpLinkGBps: number | undefined;
}

/** Scale-up bandwidth per card per direction an accelerator reference gives, GB/s: override, else inline spec, else catalog. */
export function scaleUpGBpsOfRef(ref: AcceleratorRef): number | undefined {
  const catalog = isCatalogName(ref.name) ? ACCELERATOR_CATALOG[ref.name].spec.scaleUpGBps : undefined;
  return ref.overrides?.scaleUpGBps ?? ref.spec?.scaleUpGBps ?? catalog;
}

/**
 * True when a group takes the top-level scale-up rates (scaleUp.bandwidthGBps,
 * else the top-level accelerator's figure; scaleUp.linkGBps): it names neither
 * its own accelerator nor its own scaleUp.bandwidthGBps.
 */
export function usesTopLevelScaleUp(g: NodeGroupSpec): boolean {
  return g.accelerator === undefined && g.scaleUp?.bandwidthGBps === undefined;
}

/** The figures that make a card kind (everything but the citations). */
function kindKey(a: Accelerator): string {
  return JSON.stringify([a.name, a.peakFlopsPerS, a.hbmBytes, a.hbmBytesPerS, a.efficiency, a.scaleUpBytesPerS]);
}

/**
 * The node groups of a validated topology, in node order (one implicit group
 * without `nodeGroups`), with their accelerators resolved and their scale-up
 * rates by the defaulting rule of docs/topology.md.
 */
export function nodeGroupLayouts(t: TopologyShape): NodeGroupLayout[] {
  const topRef: AcceleratorRef = t.accelerator;
  const kinds = new Map<string, Accelerator>();
  const resolve = (ref: AcceleratorRef): Accelerator => {
    const a = resolveAccelerator(ref);
    const key = kindKey(a);
    const known = kinds.get(key);
    if (known) return known;
    kinds.set(key, a);
    return a;
  };
  // The accelerator's own figure (catalog, inline spec or override), as the resolved card has it.
  const cardScaleUpGBps = (a: Accelerator) => (a.scaleUpBytesPerS === undefined ? undefined : a.scaleUpBytesPerS / GB);
  const topAccelerator = resolve(topRef);
  const topScaleUpGBps = t.scaleUp?.bandwidthGBps ?? cardScaleUpGBps(topAccelerator);
  const groups: NodeGroupSpec[] = t.nodeGroups ?? [];
  if (groups.length === 0) {
    return [
      {
        index: 0,
        name: undefined,
        acceleratorField: "accelerator",
        firstNode: 0,
        nodes: t.nodes,
        firstCard: 0,
        cards: t.nodes * t.cardsPerNode,
        accelerator: topAccelerator,
        scaleUpGBps: topScaleUpGBps,
        scaleUpLinkGBps: t.scaleUp?.linkGBps,
      },
    ];
  }
  let firstNode = 0;
  return groups.map((g, index) => {
    const accelerator = g.accelerator ? resolve(g.accelerator) : topAccelerator;
    const top = usesTopLevelScaleUp(g);
    const layout: NodeGroupLayout = {
      index,
      name: g.name,
      acceleratorField: g.accelerator ? `nodeGroups.${index}.accelerator` : "accelerator",
      firstNode,
      nodes: g.nodes,
      firstCard: firstNode * t.cardsPerNode,
      cards: g.nodes * t.cardsPerNode,
      accelerator,
      scaleUpGBps: g.scaleUp?.bandwidthGBps ?? (top ? topScaleUpGBps : cardScaleUpGBps(accelerator)),
      scaleUpLinkGBps: g.scaleUp?.linkGBps ?? (top ? t.scaleUp?.linkGBps : undefined),
    };
    firstNode += g.nodes;
    return layout;
  });
}

/** Index into `groups` (node order, contiguous) of the group holding `card`. */
export function groupIndexOfCard(groups: readonly NodeGroupLayout[], card: number): number {
  let lo = 0;
  let hi = groups.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((groups[mid] as NodeGroupLayout).firstCard <= card) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The groups that cards first..first+count-1 touch, in card order, each clipped to those cards. */
export function groupsOfCards(groups: readonly NodeGroupLayout[], firstCard: number, count: number): NodeGroupLayout[] {
  const end = firstCard + count;
  const out: NodeGroupLayout[] = [];
  for (const g of groups) {
    const from = Math.max(g.firstCard, firstCard);
    const to = Math.min(g.firstCard + g.cards, end);
    if (from < to) out.push({ ...g, firstCard: from, cards: to - from });
  }
  return out;
}

/**
 * When cards first..first+count-1 are of more than one card kind: what was
 * found, for an "expected ..., found ..." message, e.g. "H800-SXM5-80GB on
 * cards 0..255 (topology.accelerator, node group 'prefill') and H200-SXM-141GB
 * on cards 256..767 (topology.nodeGroups.1.accelerator, node group 'decode')";
 * undefined when they are all of one kind. `prefix` goes before field paths
 * ("topology." inside a scenario).
 */
export function mixedCardKinds(
  groups: readonly NodeGroupLayout[],
  firstCard: number,
  count: number,
  prefix = "",
): string | undefined {
  const touched = groupsOfCards(groups, firstCard, count);
  if (new Set(touched.map((g) => g.accelerator)).size <= 1) return undefined;
  const parts = touched.map(
    (g) =>
      `${g.accelerator.name} on cards ${fmt(g.firstCard)}..${fmt(g.firstCard + g.cards - 1)} (${prefix}${g.acceleratorField}` +
      `${g.name === undefined ? "" : `, node group '${g.name}'`})`,
  );
  return parts.length === 2 ? parts.join(" and ") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * Checks of `nodeGroups` a schema cannot express: node counts summing to
 * `nodes`, unique names, known accelerators, a scale-up bandwidth for every
 * group that needs one, and scale-up domains that do not span two groups.
 */
export function checkNodeGroups(t: TopologyShape): TopologyProblem[] {
  const groups = t.nodeGroups;
  if (groups === undefined) return [];
  const problems: TopologyProblem[] = [];
  const sum = groups.reduce((s, g) => s + g.nodes, 0);
  if (sum !== t.nodes) {
    const terms = groups.length <= 8 ? `${groups.map((g) => fmt(g.nodes)).join(" + ")} = ` : "";
    problems.push({
      path: ["nodeGroups"],
      message: `expected node groups whose nodes sum to nodes (${fmt(t.nodes)}), found ${terms}${fmt(sum)}`,
    });
  }
  const seen = new Map<string, number>();
  const su = t.scaleUp;
  const domain = su ? (su.domainCards ?? t.cardsPerNode) : 1;
  groups.forEach((g, i) => {
    const earlier = seen.get(g.name);
    if (earlier !== undefined) {
      problems.push({
        path: ["nodeGroups", i, "name"],
        message: `expected a name no other node group has, found '${g.name}' (also nodeGroups.${earlier})`,
      });
    } else seen.set(g.name, i);
    const a = g.accelerator;
    const unknown = a !== undefined && !a.spec && !isCatalogName(a.name);
    if (unknown) {
      problems.push({
        path: ["nodeGroups", i, "accelerator", "name"],
        message: `expected a catalog accelerator (${CATALOG_NAMES.join(", ")}) or an inline 'spec', found '${a.name}'${didYouMean(a.name, CATALOG_NAMES, false)}`,
      });
    }
    if (su === undefined) {
      if (g.scaleUp !== undefined) {
        problems.push({
          path: ["nodeGroups", i, "scaleUp"],
          message:
            "expected no scaleUp in a node group of a topology without a scaleUp section (its kind, latency and domain are cluster-wide), found one",
        });
      }
      return;
    }
    if (su.kind === "switched" && g.scaleUp?.linkGBps !== undefined) {
      problems.push({
        path: ["nodeGroups", i, "scaleUp", "linkGBps"],
        message: "expected no linkGBps on a switched scale-up (only mesh and ring have card-to-card links), found one",
      });
    }
    if (a && !unknown && g.scaleUp?.bandwidthGBps === undefined && scaleUpGBpsOfRef(a) === undefined) {
      problems.push({
        path: ["nodeGroups", i, "scaleUp", "bandwidthGBps"],
        message: `expected bandwidthGBps (the group's accelerator ${a.name} has no scale-up figure), found nothing`,
      });
    }
    const cards = g.nodes * t.cardsPerNode;
    if (cards % domain !== 0) {
      problems.push({
        path: ["nodeGroups", i, "nodes"],
        message: `expected whole scale-up domains of ${fmt(domain)} cards (a domain cannot span two node groups), found ${fmt(g.nodes)} nodes x ${t.cardsPerNode} = ${fmt(cards)} cards`,
      });
    }
  });
  return problems;
}
