import { fileURLToPath } from "node:url";
import { loadCluster } from "../src/cluster/load-topology.js";
import type { Cluster } from "../src/cluster/types.js";
import { simulateCollective } from "../src/collectives/simulate.js";

export interface NetworkBenchResult {
  benchmark: "allreduce-1GiB";
  cards: number;
  events: number;
  seconds: number;
  rssBytes: number;
  /** Extra context (not in the required keys, appended after them). */
  algo: string;
  simulatedS: number;
}

export const NETWORK_BENCH_CARDS = [512, 1024, 2048, 4096, 8192];
export const NETWORK_BENCH_TOPOLOGY = fileURLToPath(
  new URL("../topologies/clusters/h100-rail-8192.yaml", import.meta.url),
);

/**
 * All-reduce of 1 GiB over the first `cards` cards of the 8,192-card
 * rail-optimized H100 topology, automatic algorithm choice, phase
 * granularity. Times the whole collective call (algorithm choice, flow
 * construction, routing, simulation); the topology is built once outside.
 */
export function runNetworkAllreduce(cluster: Cluster, cards: number): NetworkBenchResult {
  const group = Array.from({ length: cards }, (_, i) => i);
  const start = process.hrtime.bigint();
  const r = simulateCollective(cluster, { op: "allreduce", cards: group, sizeBytes: 1024 ** 3 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    benchmark: "allreduce-1GiB",
    cards,
    events: r.events,
    seconds: Math.round(seconds * 1e4) / 1e4,
    rssBytes: process.memoryUsage().rss,
    algo: r.innerAlgo ? `${r.algo}/${r.innerAlgo}` : r.algo,
    simulatedS: r.timeS,
  };
}

/** Repetitions per size; the median wall time is reported (single runs of ~0.1 s are noisy). */
export const NETWORK_BENCH_REPEATS = 5;

export function runNetworkBench(): NetworkBenchResult[] {
  const cluster = loadCluster(NETWORK_BENCH_TOPOLOGY);
  // Warm-up so the JIT has compiled the hot paths before timing.
  runNetworkAllreduce(cluster, 1024);
  return NETWORK_BENCH_CARDS.map((n) => {
    const runs = Array.from({ length: NETWORK_BENCH_REPEATS }, () => runNetworkAllreduce(cluster, n));
    runs.sort((a, b) => a.seconds - b.seconds);
    const median = runs[Math.floor(runs.length / 2)] as NetworkBenchResult;
    return { ...median, rssBytes: Math.max(...runs.map((r) => r.rssBytes)) };
  });
}
