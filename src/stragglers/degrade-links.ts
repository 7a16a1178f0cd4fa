import type { Cluster } from "../cluster/types.js";
import type { RandomStreams } from "../engine/rng.js";
import type { NoiseSpec } from "./noise-spec.js";

const SCALE_OUT_KINDS = new Set(["nic-up", "nic-down", "tier1-up", "tier2-down", "tier2-up", "tier3-down"]);

/**
 * Degrades scale-out links of a freshly built cluster in place: each
 * scale-out link is degraded with probability `fraction` (stream
 * "link/<id>/degrade"), and both NIC links of each listed card. Returns the
 * ids of the degraded links.
 */
export function degradeLinksInPlace(
  cluster: Cluster,
  noise: NoiseSpec,
  streams: RandomStreams,
  kindNames: readonly string[],
): number[] {
  const spec = noise.degradedLinks;
  const links = cluster.links;
  const degraded = new Set<number>();
  if (spec.bandwidthFactor === 1) return [];
  if (spec.fraction > 0) {
    for (let l = 0; l < links.count; l++) {
      if (!SCALE_OUT_KINDS.has(kindNames[links.kind[l] as number] ?? "")) continue;
      if (streams.stream(`link/${l}/degrade`).uniform() < spec.fraction) degraded.add(l);
    }
  }
  for (const card of spec.nicOfCards) {
    if (card >= cluster.cards)
      throw new RangeError(
        `noise.degradedLinks.nicOfCards: card ${card} does not exist (the cluster has ${cluster.cards})`,
      );
    if (cluster.nodes < 2) continue;
    const other = (cluster.nodeOf(card) === 0 ? cluster.cardsPerNode : 0) + (card % cluster.cardsPerNode);
    const out = cluster.route(card, other, 0);
    const back = cluster.route(other, card, 0);
    for (const l of [out[0], back[back.length - 1]]) {
      if (l !== undefined && kindNames[links.kind[l] as number]?.startsWith("nic")) degraded.add(l);
    }
  }
  const ids = [...degraded].sort((a, b) => a - b);
  for (const l of ids) links.bandwidthBytesPerS[l] = (links.bandwidthBytesPerS[l] as number) * spec.bandwidthFactor;
  return ids;
}
