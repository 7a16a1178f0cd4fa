import type { Cluster } from "../cluster/types.js";
import { Simulator } from "../engine/simulator.js";
import { clusterNetwork } from "../network/cluster-network.js";
import type { FlowNetwork, FlowNetworkOptions } from "../network/flow-network.js";
import { busBandwidthFactor } from "./busbw.js";
import { CollectiveRunner, type CollectiveRunnerOptions } from "./runner.js";
import type { CollectiveRequest, CollectiveResult } from "./types.js";

export interface SimulateOptions extends CollectiveRunnerOptions {
  network?: FlowNetworkOptions;
  /** Called with the fresh network before the collective starts (e.g. to slow a link). */
  prepare?: (network: FlowNetwork) => void;
}

/**
 * Runs one collective alone on an idle cluster (its own simulator and flow
 * network) and measures it the way nccl-tests does: time, algbw = S / t,
 * busbw = algbw x the operation's bus factor.
 */
export function simulateCollective(
  cluster: Cluster,
  req: CollectiveRequest,
  options: SimulateOptions = {},
): CollectiveResult {
  const sim = new Simulator();
  const network = clusterNetwork(sim, cluster, options.network);
  options.prepare?.(network);
  const runner = new CollectiveRunner(sim, cluster, network, options);
  let endS = Number.NaN;
  const prediction = runner.run(req, () => {
    endS = sim.now;
  });
  const stats = sim.run();
  if (Number.isNaN(endS)) throw new Error(`collective ${req.op} never completed (${network.activeFlows} flows stuck)`);
  const n = req.cards.length;
  const alg = endS > 0 ? req.sizeBytes / endS : Number.POSITIVE_INFINITY;
  const result: CollectiveResult = {
    op: req.op,
    algo: prediction.algo,
    cards: n,
    sizeBytes: req.sizeBytes,
    timeS: endS,
    algBytesPerS: alg,
    busBytesPerS: alg * busBandwidthFactor(req.op, n),
    predictedS: prediction.timeS,
    events: stats.events,
    flows: network.stats().flowsStarted,
  };
  if (prediction.innerAlgo) result.innerAlgo = prediction.innerAlgo;
  return result;
}
