import { describe, expect, it } from "vitest";
import type { Cluster } from "../../src/cluster/types.js";
import { CollectiveRunner } from "../../src/collectives/runner.js";
import type { CollectiveRequest } from "../../src/collectives/types.js";
import { Simulator } from "../../src/engine/simulator.js";
import { FlowNetwork } from "../../src/network/flow-network.js";
import { railNodes } from "../network/fixtures.js";

const MiB = 1024 ** 2;

/** Runs the collectives concurrently in one simulation; returns each one's end time. */
function runAll(cluster: Cluster, reqs: CollectiveRequest[], slowLink?: number): number[] {
  const sim = new Simulator();
  const net = new FlowNetwork(sim, cluster.links);
  if (slowLink !== undefined) net.setLinkBandwidthScale(slowLink, 0.5);
  const runner = new CollectiveRunner(sim, cluster, net);
  const ends: number[] = new Array(reqs.length).fill(Number.NaN);
  reqs.forEach((r, i) => {
    runner.run(r, () => {
      ends[i] = sim.now;
    });
  });
  sim.run();
  return ends;
}

function linkOf(cluster: Cluster, card: number, kind: number): number {
  for (let l = 0; l < cluster.links.count; l++) {
    if (cluster.links.src[l] === card && cluster.links.kind[l] === kind) return l;
  }
  throw new Error(`no link of kind ${kind} from card ${card}`);
}

describe("a slow link delays exactly the collectives whose flows cross it", () => {
  const cluster = railNodes({ nodes: 4, cardsPerNode: 4, scaleUpBytesPerS: 100e9 });
  const reqs: CollectiveRequest[] = [
    { op: "allreduce", cards: [0, 1, 2, 3], sizeBytes: 256 * MiB, algo: "ring", label: "node 0" },
    { op: "allreduce", cards: [4, 5, 6, 7], sizeBytes: 256 * MiB, algo: "ring", label: "node 1" },
    { op: "allreduce", cards: [2, 6, 10, 14], sizeBytes: 256 * MiB, algo: "ring", label: "rail 2" },
    { op: "allgather", cards: [3, 7, 11, 15], sizeBytes: 256 * MiB, algo: "ring", label: "rail 3" },
  ];
  const base = runAll(cluster, reqs);

  it("slow scale-up link of card 1: only node 0's all-reduce slows", () => {
    const slowed = runAll(cluster, reqs, linkOf(cluster, 1, 0)); // scaleup-up
    expect(slowed[0] as number).toBeGreaterThan((base[0] as number) * 1.5);
    for (const i of [1, 2, 3]) expect(slowed[i]).toBe(base[i]);
  });

  it("slow NIC of card 10: only rail 2's all-reduce slows", () => {
    const slowed = runAll(cluster, reqs, linkOf(cluster, 10, 3)); // nic-up
    expect(slowed[2] as number).toBeGreaterThan((base[2] as number) * 1.5);
    for (const i of [0, 1, 3]) expect(slowed[i]).toBe(base[i]);
  });
});
