import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCluster } from "../../src/cluster/load-topology.js";
import { NVLS_PAYLOAD_VS_RING } from "../../src/collectives/nvls.js";
import { simulateCollective } from "../../src/collectives/simulate.js";
import { SCALE_UP_PROTOCOL_EFFICIENCY } from "../../src/network/constants.js";

/**
 * NVLink SHARP (NCCL's NVLS all-reduce) on a switched scale-up domain whose switches reduce
 * (topology scaleUp.inSwitchReduction): each card port carries (1 + 1/n)·S per direction, so
 * busbw = linkBW · η_ring · NVLS_PAYLOAD_VS_RING · 2(n − 1)/(n + 1); the closed form agrees with
 * the flow simulation; groups outside one domain, and domains without the flag, never get it.
 */
const topology = (file: string) => fileURLToPath(new URL(`../../topologies/clusters/${file}`, import.meta.url));
const H100 = loadCluster(topology("dgx-h100-superpod-1024.yaml"), ["nodes=2", "cards=16"]);
const S = 1024 ** 3;
const LINK_BPS = 450e9;

describe("NVLS all-reduce", () => {
  for (const n of [2, 4, 8]) {
    it(`${n} cards of one node: busbw = 450 GB/s · ${SCALE_UP_PROTOCOL_EFFICIENCY.toFixed(3)} · ${NVLS_PAYLOAD_VS_RING.toFixed(3)} · 2(n − 1)/(n + 1), simulated = closed form`, () => {
      const cards = Array.from({ length: n }, (_, i) => i);
      const r = simulateCollective(H100, { op: "allreduce", cards, sizeBytes: S, algo: "nvls" });
      const expected = (LINK_BPS * SCALE_UP_PROTOCOL_EFFICIENCY * NVLS_PAYLOAD_VS_RING * 2 * (n - 1)) / (n + 1);
      // The bandwidth term dominates at 1 GiB; the launch and two traversals of latency cost < 1%.
      expect(r.busBytesPerS / expected).toBeGreaterThan(0.99);
      expect(r.busBytesPerS / expected).toBeLessThanOrEqual(1);
      expect(Math.abs(r.timeS / r.predictedS - 1)).toBeLessThan(1e-6);
    });
  }

  it("the automatic choice: NVLS inside a node at large sizes, a ring/tree across nodes", () => {
    const node = Array.from({ length: 8 }, (_, i) => i);
    expect(simulateCollective(H100, { op: "allreduce", cards: node, sizeBytes: S }).algo).toBe("nvls");
    const two = Array.from({ length: 16 }, (_, i) => i);
    expect(simulateCollective(H100, { op: "allreduce", cards: two, sizeBytes: S }).algo).not.toBe("nvls");
  });

  it("2 cards: NVLS moves 1.5·S per port where a ring moves S, so the automatic choice keeps the ring", () => {
    expect(simulateCollective(H100, { op: "allreduce", cards: [0, 1], sizeBytes: S }).algo).not.toBe("nvls");
  });

  it("small messages: NVLS pays NCCL's 25 us where a ring pays 8.4 us + 2(n − 1) steps of 3.4 us, so it wins at 8 KiB too", () => {
    const node = Array.from({ length: 8 }, (_, i) => i);
    const nvls = simulateCollective(H100, { op: "allreduce", cards: node, sizeBytes: 8192, algo: "nvls" });
    const ring = simulateCollective(H100, { op: "allreduce", cards: node, sizeBytes: 8192, algo: "ring" });
    expect(nvls.timeS).toBeLessThan(ring.timeS);
  });

  it("forced where it cannot run: a clear error naming what is missing", () => {
    const node = Array.from({ length: 8 }, (_, i) => i);
    const plain = loadCluster(topology("dgx-h100-superpod-1024.yaml"), [
      "nodes=2",
      "cards=16",
      "scaleUp.inSwitchReduction=false",
    ]);
    expect(() => simulateCollective(plain, { op: "allreduce", cards: node, sizeBytes: S, algo: "nvls" })).toThrow(
      /scaleUp\.inSwitchReduction: true/,
    );
    const two = Array.from({ length: 16 }, (_, i) => i);
    expect(() => simulateCollective(H100, { op: "allreduce", cards: two, sizeBytes: S, algo: "nvls" })).toThrow(
      /one scale-up domain/,
    );
    expect(() => simulateCollective(H100, { op: "allgather", cards: node, sizeBytes: S, algo: "nvls" })).toThrow(
      /does not implement allgather/,
    );
  });

  it("bad input: inSwitchReduction on a mesh is an error naming the field (exit 1, no stack trace)", () => {
    const file = join(tmpdir(), `nvls-mesh-${process.pid}.yaml`);
    writeFileSync(
      file,
      [
        "name: mesh-nvls",
        "nodes: 1",
        "cardsPerNode: 8",
        "cards: 8",
        "accelerator:",
        "  name: Ascend-910B",
        "scaleUp:",
        "  kind: mesh",
        "  latencyUs: 1",
        "  inSwitchReduction: true",
        "scaleOut:",
        "  kind: single-switch",
        "  nicsPerNode: 8",
        "  nicGbps: 200",
        "  latencyUs: 2",
        "",
      ].join("\n"),
    );
    const bin = fileURLToPath(new URL("../../bin/clustersim.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [bin, "collective", file, "--bytes", "1MiB"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/scaleUp\.inSwitchReduction/);
    expect(r.stderr).toMatch(/expected kind: switched/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
