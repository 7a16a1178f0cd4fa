import { loadDocument } from "../input/load-document.js";
import { buildCluster } from "./build.js";
import { type TopologySpec, TopologySpecSchema } from "./topology-schema.js";
import type { Cluster, ClusterSummary } from "./types.js";

/** Loads and validates a topology file (with `--set` overrides); throws InputError listing every issue. */
export function loadTopology(path: string, sets: readonly string[] = []): TopologySpec {
  return loadDocument(path, TopologySpecSchema, { sets });
}

/** Loads, validates and builds a topology file. */
export function loadCluster(path: string, sets: readonly string[] = []): Cluster {
  return buildCluster(loadTopology(path, sets));
}

const n = (x: number) => x.toLocaleString("en-US");

/** One-line summary: cards, nodes, scale-up domain, switches, links, bisection. */
export function formatSummary(name: string, s: ClusterSummary): string {
  return (
    `${name}: ${n(s.cards)} cards (${n(s.nodes)} nodes x ${s.cardsPerNode}), scale-up domain ${n(s.scaleUpDomainCards)}, ` +
    `${n(s.switches)} switches, ${n(s.links)} links, bisection ${(s.bisectionBytesPerS / 1e12).toFixed(2)} TB/s` +
    (s.nodeGroups
      ? `; node groups ${s.nodeGroups.map((g) => `${g.name} ${n(g.nodes)} nodes of ${g.accelerator}`).join(", ")}`
      : "")
  );
}
