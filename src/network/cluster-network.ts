import type { Cluster } from "../cluster/types.js";
import { LINK_KINDS } from "../cluster/types.js";
import type { Simulator } from "../engine/simulator.js";
import { PROTOCOL_EFFICIENCY, SCALE_UP_PROTOCOL_EFFICIENCY } from "./constants.js";
import { FlowNetwork, type FlowNetworkOptions } from "./flow-network.js";

/**
 * The flow network of a cluster: scale-out links at the protocol efficiency
 * (network/constants.ts PROTOCOL_EFFICIENCY, from the NIC figure), scale-up
 * links at the card's own scale-up efficiency where its catalog entry (or
 * topology override) gives one (A100: 0.80 from 8xA100 nccl-tests busbw),
 * else at SCALE_UP_PROTOCOL_EFFICIENCY (H100 NVLink ring: 370 of 450 GB/s); on a
 * heterogeneous cluster each scale-up link at the efficiency of its own card.
 * Used by `run`, serving and `collective` alike, so all see the same links.
 */
export function clusterNetwork(sim: Simulator, cluster: Cluster, options: FlowNetworkOptions = {}): FlowNetwork {
  const network = new FlowNetwork(sim, cluster.links, options);
  const base = options.efficiency ?? PROTOCOL_EFFICIENCY;
  const effOf = (card: number) => cluster.acceleratorOfCard(card).efficiency.scaleUp ?? SCALE_UP_PROTOCOL_EFFICIENCY;
  const eff = effOf(0);
  if (eff === base && !cluster.heterogeneous) return network;
  const { kind, src, dst } = cluster.links;
  for (let l = 0; l < cluster.links.count; l++) {
    if (LINK_KINDS[kind[l] as number]?.startsWith("scaleup")) {
      // A scale-up link's card end (the other may be its switch) says whose efficiency applies (node groups).
      const card = (src[l] as number) < cluster.cards ? (src[l] as number) : (dst[l] as number);
      const e = cluster.heterogeneous ? effOf(card) : eff;
      if (e !== base) network.setLinkBandwidthScale(l, e / base);
    }
  }
  return network;
}
