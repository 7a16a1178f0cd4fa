import { groupsOfCards, mixedCardKinds, nodeGroupLayouts } from "../../cluster/node-groups.js";
import type { TopologySpec } from "../../cluster/topology-schema.js";
import type { Accelerator } from "../../hardware/types.js";

/**
 * The card kind of a serving pool (a deployment or a decode pool): the
 * accelerator of its own cards, firstCard .. firstCard + instances x
 * cardsPerInstance - 1. On a heterogeneous cluster (topology `nodeGroups`,
 * docs/topology.md) a pool's cards must all be of one kind; otherwise `issue`
 * says which kinds it spans, at `path`. A pool that does not fit the topology
 * is judged on the cards that exist (its size is reported elsewhere); with
 * none, the accelerator of card 0.
 */
export function poolAccelerator(
  topology: TopologySpec,
  firstCard: number,
  instances: number,
  cardsPerInstance: number,
  path: (string | number)[],
): { accelerator: Accelerator; issue?: { path: (string | number)[]; message: string } } {
  const groups = nodeGroupLayouts(topology);
  const cards = instances * cardsPerInstance;
  const own = groupsOfCards(groups, firstCard, cards);
  const accelerator = (own[0] ?? groups[0])?.accelerator;
  if (accelerator === undefined) throw new Error("poolAccelerator: a topology has at least one node group");
  const found = mixedCardKinds(groups, firstCard, cards, "topology.");
  if (found === undefined) return { accelerator };
  return {
    accelerator,
    issue: {
      path,
      message: `expected the pool's cards ${firstCard}..${firstCard + cards - 1} (firstCard ${firstCard}, ${instances} instances x ${cardsPerInstance} cards) on one card kind, found ${found}: place the pool inside one node group`,
    },
  };
}
