import { describe, expect, it } from "vitest";
import {
  NCCL_LAUNCH_LATENCY_S,
  NCCL_SCALEOUT_STEP_LATENCY_S,
  NCCL_SCALEUP_STEP_LATENCY_S,
} from "../../src/collectives/constants.js";
import { simulateCollective } from "../../src/collectives/simulate.js";
import type { CollectiveAlgo, CollectiveOp } from "../../src/collectives/types.js";
import { PROTOCOL_EFFICIENCY, SCALE_UP_PROTOCOL_EFFICIENCY } from "../../src/network/constants.js";
import { flatSwitch, railNodes } from "../network/fixtures.js";

const MiB = 1024 ** 2;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe("closed-form alpha-beta agreement on an uncongested topology (within 1%)", () => {
  // 16 cards on one non-blocking switch: 50 GB/s NICs, 1 us NIC-to-NIC.
  const n = 16;
  const cluster = flatSwitch(n, 50e9, 1e-6);
  const B = 50e9 * PROTOCOL_EFFICIENCY;
  const alpha = 1e-6 + NCCL_SCALEOUT_STEP_LATENCY_S;
  const launch = NCCL_LAUNCH_LATENCY_S;
  const S = 256 * MiB;

  const textbook: Array<[CollectiveOp, CollectiveAlgo, number]> = [
    // Ring all-reduce: 2(n-1) alpha + 2(n-1)/n S/B.
    ["allreduce", "ring", 2 * (n - 1) * alpha + ((2 * (n - 1)) / n) * (S / B)],
    ["reducescatter", "ring", (n - 1) * alpha + ((n - 1) / n) * (S / B)],
    ["allgather", "ring", (n - 1) * alpha + ((n - 1) / n) * (S / B)],
    // Rabenseifner: 2 log2(n) alpha + 2(n-1)/n S/B.
    ["allreduce", "halving-doubling", 2 * Math.log2(n) * alpha + ((2 * (n - 1)) / n) * (S / B)],
    ["reducescatter", "halving-doubling", Math.log2(n) * alpha + ((n - 1) / n) * (S / B)],
    // Direct all-to-all: each card sends (n-1) blocks of S/n through its NIC at once.
    ["alltoall", "direct", alpha + ((n - 1) / n) * (S / B)],
  ];
  for (const [op, algo, formulaS] of textbook) {
    it(`${op} ${algo} matches the textbook formula`, () => {
      const r = simulateCollective(cluster, { op, cards: range(n), sizeBytes: S, algo });
      expect(Math.abs(r.timeS / (formulaS + launch) - 1)).toBeLessThan(0.01);
    });
  }

  it("pipelined chain broadcast: (n-1) alpha + (n-2) c/B + S/B", () => {
    const chunk = 512 * 1024;
    const formula = (n - 1) * alpha + ((n - 2) * chunk) / B + S / B;
    const r = simulateCollective(cluster, { op: "broadcast", cards: range(n), sizeBytes: S, algo: "ring" });
    expect(Math.abs(r.timeS / (formula + launch) - 1)).toBeLessThan(0.01);
  });

  it("send/recv: alpha + S/B", () => {
    const r = simulateCollective(cluster, { op: "sendrecv", cards: [3, 9], sizeBytes: S });
    expect(Math.abs(r.timeS / (alpha + S / B + launch) - 1)).toBeLessThan(0.01);
  });

  const all: Array<[CollectiveOp, CollectiveAlgo]> = [
    ["allreduce", "ring"],
    ["allreduce", "tree"],
    ["allreduce", "halving-doubling"],
    ["reducescatter", "ring"],
    ["reducescatter", "halving-doubling"],
    ["allgather", "ring"],
    ["allgather", "halving-doubling"],
    ["broadcast", "ring"],
    ["broadcast", "tree"],
    ["reduce", "ring"],
    ["reduce", "tree"],
    ["alltoall", "direct"],
  ];
  for (const [op, algo] of all) {
    for (const size of [64 * 1024, 256 * MiB]) {
      it(`${op} ${algo} ${size} B equals its closed-form prediction`, () => {
        const r = simulateCollective(cluster, { op, cards: range(n), sizeBytes: size, algo });
        expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(0.01);
      });
    }
  }

  it("hierarchical all-reduce on nodes of 8 with rails equals its closed form (both inner algorithms)", () => {
    const rails = railNodes({ nodes: 4, cardsPerNode: 8 });
    for (const size of [MiB, 1024 * MiB]) {
      const r = simulateCollective(rails, { op: "allreduce", cards: range(32), sizeBytes: size, algo: "hierarchical" });
      expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(0.01);
      // By hand for the ring inner phase: 2 x ring over 8 cards on NVLink + ring over 4 nodes of S/8 on NICs.
      const aUp = 0.5e-6 + NCCL_SCALEUP_STEP_LATENCY_S;
      const aOut = 1e-6 + NCCL_SCALEOUT_STEP_LATENCY_S;
      const bUp = 450e9 * SCALE_UP_PROTOCOL_EFFICIENCY;
      const intra = 7 * aUp + (7 / 8) * (size / bUp);
      const inner = 6 * aOut + (6 / 4) * (size / 8 / B);
      if (r.innerAlgo === "ring") expect(Math.abs(r.timeS / (2 * intra + inner + launch) - 1)).toBeLessThan(0.01);
    }
  });

  it("automatic choice picks the NCCL-tuner algorithm (ring, tree, hierarchical) with the smallest closed-form time", () => {
    for (const size of [8, 64 * 1024, 1024 * MiB]) {
      const auto = simulateCollective(cluster, { op: "allreduce", cards: range(n), sizeBytes: size });
      expect(auto.algo).not.toBe("halving-doubling");
      for (const algo of ["ring", "tree"] as const) {
        const forced = simulateCollective(cluster, { op: "allreduce", cards: range(n), sizeBytes: size, algo });
        expect(auto.predictedS).toBeLessThanOrEqual(forced.predictedS);
      }
    }
    // Small messages: latency-bound, log-depth algorithms win; large: bandwidth-bound.
    expect(simulateCollective(cluster, { op: "allreduce", cards: range(n), sizeBytes: 8 }).algo).not.toBe("ring");
  });
});
