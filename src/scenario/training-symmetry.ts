import { buildCluster } from "../cluster/build.js";
import type { Cluster } from "../cluster/types.js";
import { Simulator } from "../engine/index.js";
import { clusterNetwork } from "../network/cluster-network.js";
import { SymmetricNetwork, SymmetryBroken } from "../network/symmetric-network.js";
import { resolvePlan } from "../workload/plan-spec.js";
import type { ScenarioSpec } from "./scenario-spec.js";

/**
 * Whether a scenario's noise-free run would use symmetry, found without simulating: the card
 * permutation and SymmetricNetwork's preflight on the topology (a run may still find an
 * asymmetry on the way and rerun without). Its copies, or the reason it would not.
 */
export function trainingSymmetry(scenario: ScenarioSpec): { copies: number } | string {
  const plan = resolvePlan(scenario.parallel);
  const cluster = buildCluster(scenario.topology);
  const found = planSymmetry(cluster, plan);
  if (typeof found === "string") return found;
  try {
    new SymmetricNetwork(clusterNetwork(new Simulator(), cluster), found.copies, found.image).preflight(
      cluster,
      found.copies,
    );
  } catch (err) {
    if (err instanceof SymmetryBroken) return `asymmetric topology: ${err.message}`;
    throw err;
  }
  return { copies: found.copies };
}

/** The card permutation of a training plan: over its TP blocks, or its CP blocks when tp = 1. */
export function planSymmetry(
  cluster: Cluster,
  plan: { tp: number; cp: number },
): { copies: number; image: (card: number) => number } | string {
  return cardSymmetry(cluster, plan.tp >= 2 ? plan.tp : plan.cp);
}

/**
 * The card permutation of a run whose actors are groups of `width` cards: each card to the next
 * position of its aligned block of `width` (a TP group's card i to card i + 1, the last to the
 * first). A reason instead where there is none to use.
 */
function cardSymmetry(cluster: Cluster, width: number): { copies: number; image: (card: number) => number } | string {
  if (width < 2) return "no TP or CP group to copy (tp = cp = 1)";
  // Blocks inside a node and a scale-up domain: σ keeps every card in its node and domain, and the
  // collectives' plans depend only on the order of their cards and on which node and domain each is
  // in, so a collective over σ(cards) is σ of the one over the cards (its routes are checked apart).
  if (cluster.cardsPerNode % width !== 0 || cluster.scaleUpDomainCards % width !== 0) {
    return `groups of ${width} cards do not tile nodes of ${cluster.cardsPerNode} and scale-up domains of ${cluster.scaleUpDomainCards}`;
  }
  if (cluster.routesUseFlowId !== false) {
    return "routes hash the flow id (ecmp-hash routing, several NICs per card, or a ring or torus), so each copy would draw its own";
  }
  return {
    copies: width,
    image: (card) => {
      const pos = card % width;
      return card - pos + (pos + 1 === width ? 0 : pos + 1);
    },
  };
}
