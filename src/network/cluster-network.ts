import type { Cluster } from "../cluster/types.js";
import { LINK_KINDS } from "../cluster/types.js";
import type { Simulator } from "../engine/simulator.js";
import { PROTOCOL_EFFICIENCY } from "./constants.js";
import { FlowNetwork, type FlowNetworkOptions } from "./flow-network.js";

/**
 * The flow network of a cluster: every link at the protocol efficiency
 * (network/constants.ts), except scale-up links of an accelerator whose
 * catalog entry (or topology override) gives a sourced scale-up efficiency
 * (A100: 0.80 from 8xA100 nccl-tests busbw). Used by `run` and `collective`
 * alike, so both see the same links.
 */
export function clusterNetwork(sim: Simulator, cluster: Cluster, options: FlowNetworkOptions = {}): FlowNetwork {
  const network = new FlowNetwork(sim, cluster.links, options);
  const eff = cluster.accelerator.efficiency.scaleUp;
  if (eff === undefined) return network;
  const base = options.efficiency ?? PROTOCOL_EFFICIENCY;
  for (let l = 0; l < cluster.links.count; l++) {
    if (LINK_KINDS[cluster.links.kind[l] as number]?.startsWith("scaleup")) {
      network.setLinkBandwidthScale(l, eff / base);
    }
  }
  return network;
}
