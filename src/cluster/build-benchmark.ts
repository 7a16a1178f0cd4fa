import { RandomStreams } from "../engine/rng.js";
import { buildCluster } from "./build.js";
import { TopologySpecSchema } from "./topology-schema.js";

export interface ClusterBuildResult {
  benchmark: "cluster-build";
  cards: number;
  links: number;
  seconds: number;
  rssBytes: number;
  routes: number;
  routesPerSecond: number;
}

/**
 * Builds a 3-tier fat-tree of `nodes` x 8 H100 cards (radix-64 switches,
 * non-blocking) and times the build, then routes `routes` random card pairs.
 * rssBytes is the whole process's resident set after the build.
 */
export function runClusterBuild(nodes = 2048, routes = 1_000_000, seed = 1): ClusterBuildResult {
  const spec = TopologySpecSchema.parse({
    name: `bench-fat-tree-${nodes * 8}`,
    nodes,
    cardsPerNode: 8,
    accelerator: { name: "H100-SXM5-80GB" },
    scaleUp: { kind: "switched", latencyUs: 1 },
    scaleOut: {
      kind: "fat-tree",
      nicsPerNode: 8,
      nicGbps: 400,
      latencyUs: 2,
      hopLatencyUs: 0.5,
      tiers: [{ radix: 64 }, { radix: 64 }, { radix: 64 }],
    },
  });
  const start = process.hrtime.bigint();
  const cluster = buildCluster(spec);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rssBytes = process.memoryUsage().rss;
  const rng = new RandomStreams(seed).stream("routes");
  const out: number[] = [];
  let hops = 0;
  const r0 = process.hrtime.bigint();
  for (let i = 0; i < routes; i++) {
    const a = Math.floor(rng.uniform() * cluster.cards);
    const b = Math.floor(rng.uniform() * cluster.cards);
    hops += cluster.route(a, b, i, out).length;
  }
  const routeSeconds = Number(process.hrtime.bigint() - r0) / 1e9;
  if (hops === 0) throw new Error("no hops routed");
  return {
    benchmark: "cluster-build",
    cards: cluster.cards,
    links: cluster.links.count,
    seconds,
    rssBytes,
    routes,
    routesPerSecond: Math.round(routes / routeSeconds),
  };
}
