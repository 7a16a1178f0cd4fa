import { describe, expect, it } from "vitest";
import { CollectiveRunner } from "../../src/collectives/runner.js";
import { simulateCollective } from "../../src/collectives/simulate.js";
import type { CollectiveRequest } from "../../src/collectives/types.js";
import { Simulator } from "../../src/engine/simulator.js";
import { FlowNetwork } from "../../src/network/flow-network.js";
import { leafSpine, railNodes } from "../network/fixtures.js";

const MiB = 1024 ** 2;

/** all-to-all-v where every card sends only to the cards under the other leaf (all traffic crosses the spines). */
function crossLeafAlltoall(cardsPerLeaf: number, perPairBytes: number): CollectiveRequest {
  const n = 2 * cardsPerLeaf;
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (Math.floor(i / cardsPerLeaf) !== Math.floor(j / cardsPerLeaf)) matrix[i * n + j] = perPairBytes;
    }
  }
  return {
    op: "alltoall",
    cards: Array.from({ length: n }, (_, i) => i),
    sizeBytes: perPairBytes * cardsPerLeaf,
    sendBytesMatrix: matrix,
  };
}

describe("congestion shows in the results", () => {
  it("a 2:1 oversubscribed spine roughly halves cross-spine all-to-all throughput", () => {
    const req = crossLeafAlltoall(8, 16 * MiB);
    const t1 = simulateCollective(leafSpine({ leaves: 2, cardsPerLeaf: 8, spines: 1, oversubscription: 1 }), req);
    const t2 = simulateCollective(leafSpine({ leaves: 2, cardsPerLeaf: 8, spines: 1, oversubscription: 2 }), req);
    const ratio = t2.algBytesPerS / t1.algBytesPerS;
    expect(ratio).toBeGreaterThan(0.45);
    expect(ratio).toBeLessThan(0.6);
  });

  it("the full all-to-all under the same spine suffers less (only the cross-leaf share is squeezed)", () => {
    const cards = Array.from({ length: 16 }, (_, i) => i);
    const req: CollectiveRequest = { op: "alltoall", cards, sizeBytes: 256 * MiB };
    const t1 = simulateCollective(leafSpine({ leaves: 2, cardsPerLeaf: 8, spines: 1, oversubscription: 1 }), req);
    const t2 = simulateCollective(leafSpine({ leaves: 2, cardsPerLeaf: 8, spines: 1, oversubscription: 2 }), req);
    expect(t2.timeS).toBeGreaterThan(t1.timeS);
    expect(t2.algBytesPerS / t1.algBytesPerS).toBeGreaterThan(0.6);
  });

  it("concurrent collectives on the same links slow each other; on disjoint links they do not", () => {
    // 4:1: each leaf's uplink carries one NIC's worth of bandwidth.
    const cluster = leafSpine({ leaves: 2, cardsPerLeaf: 4, spines: 1, oversubscription: 4 });
    const run = (reqs: CollectiveRequest[]) => {
      const sim = new Simulator();
      const net = new FlowNetwork(sim, cluster.links);
      const runner = new CollectiveRunner(sim, cluster, net);
      const ends: number[] = [];
      reqs.forEach((r, i) => {
        runner.run(r, () => {
          ends[i] = sim.now;
        });
      });
      sim.run();
      return ends;
    };
    // Rings across the two leaves: cards {0,4}, {1,5}: both cross the spine uplinks.
    const a: CollectiveRequest = { op: "allreduce", cards: [0, 4], sizeBytes: 256 * MiB, algo: "ring" };
    const b: CollectiveRequest = { op: "allreduce", cards: [1, 5], sizeBytes: 256 * MiB, algo: "ring" };
    const inLeaf: CollectiveRequest = { op: "allreduce", cards: [2, 3], sizeBytes: 256 * MiB, algo: "ring" };
    const [alone] = run([a]);
    const [withB, withBb] = run([a, b]);
    const [withLeaf, leafOnly] = run([a, inLeaf]);
    const [leafAlone] = run([inLeaf]);
    expect(withB).toBeDefined();
    expect(withB as number).toBeGreaterThan((alone as number) * 1.8);
    expect(withBb).toBeCloseTo(withB as number, 12);
    expect(withLeaf).toBe(alone);
    expect(leafOnly).toBe(leafAlone);
  });

  it("ECMP collisions: flows hashed onto the same uplink share it", () => {
    // 4 spines, 1:1: each leaf has 4 uplinks of one NIC's bandwidth each. Four cross-leaf
    // send/recv flows can all run at NIC speed only if ECMP spreads them over 4 distinct uplinks.
    const cluster = leafSpine({ leaves: 2, cardsPerLeaf: 4, spines: 4, oversubscription: 1 });
    const sim = new Simulator();
    const net = new FlowNetwork(sim, cluster.links, { efficiency: 1 });
    const ends: number[] = [];
    const uplinkUse = new Map<number, number>();
    for (let i = 0; i < 4; i++) {
      const path = cluster.route(i, 4 + i, 100 + i);
      const up = path[1] as number; // leaf -> spine
      uplinkUse.set(up, (uplinkUse.get(up) ?? 0) + 1);
      net.startFlow(path, 1e9, () => ends.push(sim.now), i, { messages: 0 });
    }
    sim.run();
    const worst = Math.max(...uplinkUse.values());
    // The slowest flow takes exactly (flows on its uplink) x size / bandwidth.
    expect(Math.max(...ends)).toBeCloseTo((worst * 1e9) / 50e9, 9);
  });

  it("rail-aligned traffic on a rail-optimized fabric never touches the spine", () => {
    const cluster = railNodes({ nodes: 4, cardsPerNode: 8 });
    const r = simulateCollective(cluster, {
      op: "allreduce",
      cards: [0, 8, 16, 24],
      sizeBytes: 64 * MiB,
      algo: "ring",
    });
    expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(0.01);
  });
});
