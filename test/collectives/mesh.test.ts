import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCluster } from "../../src/cluster/load-topology.js";
import { simulateCollective } from "../../src/collectives/simulate.js";
import type { CollectiveOp } from "../../src/collectives/types.js";

/**
 * Collectives on a full-mesh scale-up domain (Ascend 910B HCCS: 8 cards, a 56 GB/s link
 * between each pair) use all of a card's links: the mesh algorithm exchanges every 1/n
 * block with every peer at once (HCCL's mesh algorithm), where a ring uses one link per
 * direction. Closed forms agree with the flow simulation, and switched domains never get it.
 */
const topology = (file: string) => fileURLToPath(new URL(`../../topologies/clusters/${file}`, import.meta.url));
const MESH = loadCluster(topology("ascend-910b-8192.yaml"), ["nodes=2", "cards=16"]);
const SWITCHED = loadCluster(topology("dgx-h100-superpod-1024.yaml"), ["nodes=2", "cards=16"]);
const NODE = [0, 1, 2, 3, 4, 5, 6, 7];
const S = 256 * 2 ** 20;

describe("full-mesh scale-up collectives", () => {
  it("all-reduce, reduce-scatter and all-gather on a mesh: auto picks mesh, n − 1 times a ring's bandwidth", () => {
    for (const op of ["allreduce", "reducescatter", "allgather"] as CollectiveOp[]) {
      const ring = simulateCollective(MESH, { op, cards: NODE, sizeBytes: S, algo: "ring" });
      const auto = simulateCollective(MESH, { op, cards: NODE, sizeBytes: S, algo: "auto" });
      expect(auto.algo, op).toBe("mesh");
      // Bandwidth terms: ring (n−1)/n · S per link and phase, mesh S/n: 7x at n = 8, less the latency terms.
      const ratio = ring.timeS / auto.timeS;
      expect(ratio, op).toBeGreaterThan(6);
      expect(ratio, op).toBeLessThanOrEqual(7);
      expect(Math.abs(auto.timeS / ring.timeS - auto.predictedS / ring.predictedS)).toBeLessThan(0.01);
    }
  });

  it("mesh all-reduce time is two phases of S/n over one pair link (closed form = simulation within 1%)", () => {
    const r = simulateCollective(MESH, { op: "allreduce", cards: NODE, sizeBytes: S, algo: "mesh" });
    const rs = simulateCollective(MESH, { op: "reducescatter", cards: NODE, sizeBytes: S, algo: "mesh" });
    expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(0.01);
    // All-reduce = reduce-scatter + all-gather of the same blocks: twice one phase (the launch once).
    expect(r.timeS).toBeGreaterThan(1.9 * rs.timeS);
    expect(r.timeS).toBeLessThan(2 * rs.timeS);
  });

  it("a mesh all-to-all's closed form counts each pair's own link, not the card's ports summed", () => {
    const r = simulateCollective(MESH, { op: "alltoall", cards: NODE, sizeBytes: S });
    expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(0.01);
  });

  it("never on a switched domain or across domains: auto skips it, forcing it is an error that says why", () => {
    const auto = simulateCollective(SWITCHED, { op: "allreduce", cards: NODE, sizeBytes: S, algo: "auto" });
    expect(auto.algo).not.toBe("mesh");
    expect(() => simulateCollective(SWITCHED, { op: "allreduce", cards: NODE, sizeBytes: S, algo: "mesh" })).toThrow(
      /mesh needs every card of the group in one full-mesh scale-up domain/,
    );
    const acrossNodes = [0, 1, 8, 9];
    expect(simulateCollective(MESH, { op: "allreduce", cards: acrossNodes, sizeBytes: S }).algo).not.toBe("mesh");
  });
});
