import { type FatTreePlan, type PlanProblem, planFatTree } from "./fat-tree-plan.js";
import type { TopologyShape } from "./topology-schema.js";

/** Largest cluster a file may describe (2^20 cards); repeated in topology-schema.ts. */
const MAX_CARDS = 1_048_576;
const MAX_MESH_DOMAIN = 64;

export interface TopologyProblem {
  path: (string | number)[];
  message: string;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** NICs per node, from nicsPerNode or nicsPerCard (undefined when neither or both are given). */
export function nicsPerNodeOf(
  scaleOut: { nicsPerNode?: number | undefined; nicsPerCard?: number | undefined },
  cardsPerNode: number,
): number | undefined {
  if ((scaleOut.nicsPerNode === undefined) === (scaleOut.nicsPerCard === undefined)) return undefined;
  return scaleOut.nicsPerNode ?? (scaleOut.nicsPerCard ?? 1) * cardsPerNode;
}

/** The fat-tree plan of a fat-tree or rail-optimized scale-out (problems when infeasible). */
export function fatTreePlanOf(t: TopologyShape): FatTreePlan | PlanProblem[] | undefined {
  const so = t.scaleOut;
  if (so.kind !== "fat-tree" && so.kind !== "rail-optimized") return undefined;
  const nics = nicsPerNodeOf(so, t.cardsPerNode);
  if (nics === undefined) return undefined;
  const leafCount =
    so.kind === "fat-tree"
      ? (down1: number) => Math.ceil((t.nodes * nics) / down1)
      : (down1: number) => Math.ceil(t.nodes / down1) * nics;
  return planFatTree(so.tiers, leafCount);
}

/**
 * Semantic checks a schema cannot express: counts that must divide, sizes
 * that must fit the switch radices, fields required by other fields.
 * `scaleUpGBpsFallback` is the accelerator's scale-up figure (catalog or override);
 * null when no node takes the top-level scale-up rates (every node group has its
 * own: src/cluster/node-groups.ts checks those).
 */
export function checkTopology(t: TopologyShape, scaleUpGBpsFallback: number | undefined | null): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const cards = t.nodes * t.cardsPerNode;
  if (cards > MAX_CARDS) {
    problems.push({
      path: ["nodes"],
      message: `expected at most ${fmt(MAX_CARDS)} cards in all, found nodes x cardsPerNode = ${fmt(t.nodes)} x ${fmt(t.cardsPerNode)} = ${fmt(cards)}`,
    });
    return problems;
  }
  if (t.cards !== undefined && t.cards !== cards) {
    problems.push({
      path: ["cards"],
      message: `expected nodes x cardsPerNode = ${fmt(t.nodes)} x ${t.cardsPerNode} = ${fmt(cards)}, found ${fmt(t.cards)}`,
    });
  }
  const su = t.scaleUp;
  if (su === undefined) {
    if (t.cardsPerNode > 1 && t.scaleOut.kind !== "torus") {
      problems.push({
        path: ["scaleUp"],
        message: `expected a scaleUp section (cardsPerNode is ${t.cardsPerNode}), found nothing`,
      });
    }
  } else {
    if (su.bandwidthGBps === undefined && scaleUpGBpsFallback === undefined) {
      problems.push({
        path: ["scaleUp", "bandwidthGBps"],
        message: "expected bandwidthGBps (the accelerator's catalog entry has no scale-up figure), found nothing",
      });
    }
    const domain = su.domainCards ?? t.cardsPerNode;
    if (domain > cards) {
      problems.push({
        path: ["scaleUp", "domainCards"],
        message: `expected at most the card count (${fmt(cards)}), found ${fmt(domain)}`,
      });
    } else if (cards % domain !== 0) {
      problems.push({
        path: ["scaleUp", "domainCards"],
        message: `expected a divisor of the card count ${fmt(cards)}, found ${fmt(domain)} (${fmt(cards)} / ${fmt(domain)} is not whole)`,
      });
    } else if (domain % t.cardsPerNode !== 0 && t.cardsPerNode % domain !== 0) {
      problems.push({
        path: ["scaleUp", "domainCards"],
        message: `expected a divisor or a multiple of cardsPerNode (${t.cardsPerNode}), found ${domain}`,
      });
    }
    if (su.kind === "mesh" && domain > MAX_MESH_DOMAIN) {
      problems.push({
        path: ["scaleUp", "domainCards"],
        message: `expected at most ${MAX_MESH_DOMAIN} cards in a mesh domain (a mesh has n(n-1) links; use kind: switched), found ${domain}`,
      });
    }
    if (su.kind !== "switched" && su.inSwitchReduction === true) {
      problems.push({
        path: ["scaleUp", "inSwitchReduction"],
        message: `expected kind: switched (in-switch reduction needs switches), found kind: ${su.kind}`,
      });
    }
    if (su.kind === "switched" && su.linkGBps !== undefined) {
      problems.push({
        path: ["scaleUp", "linkGBps"],
        message: "expected no linkGBps on a switched scale-up (only mesh and ring have card-to-card links), found one",
      });
    }
  }
  const so = t.scaleOut;
  if (so.kind === "torus") {
    const product = so.dims.reduce((a, b) => a * b, 1);
    if (product !== cards) {
      problems.push({
        path: ["scaleOut", "dims"],
        message: `expected dimensions whose product is the card count ${fmt(cards)}, found ${so.dims.join(" x ")} = ${fmt(product)}`,
      });
    }
    return problems;
  }
  if (so.nicsPerNode === undefined && so.nicsPerCard === undefined) {
    problems.push({ path: ["scaleOut", "nicsPerNode"], message: "expected nicsPerNode or nicsPerCard, found neither" });
    return problems;
  }
  if (so.nicsPerNode !== undefined && so.nicsPerCard !== undefined) {
    problems.push({
      path: ["scaleOut", "nicsPerCard"],
      message: "expected nicsPerNode or nicsPerCard, found both",
    });
    return problems;
  }
  if (so.nicsPerNode !== undefined && so.nicsPerNode % t.cardsPerNode !== 0 && t.cardsPerNode % so.nicsPerNode !== 0) {
    problems.push({
      path: ["scaleOut", "nicsPerNode"],
      message: `expected a multiple or a divisor of cardsPerNode (${t.cardsPerNode}): each card has its own NICs, or whole groups of cards share one, found ${so.nicsPerNode}`,
    });
    return problems;
  }
  const plan = fatTreePlanOf(t);
  if (Array.isArray(plan)) {
    for (const p of plan) problems.push({ path: ["scaleOut", ...p.path], message: p.message });
  }
  return problems;
}
