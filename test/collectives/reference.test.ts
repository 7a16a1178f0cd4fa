import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCluster } from "../../src/cluster/load-topology.js";
import { simulateCollective } from "../../src/collectives/simulate.js";
import { numberCell, readReferenceCsv, referenceRow } from "../scenario/reference-csv.js";

const GiB = 1024 ** 3;
const topo = (name: string) => fileURLToPath(new URL(`../../topologies/clusters/${name}.yaml`, import.meta.url));

/**
 * Published nccl-tests bus bandwidths, GB/s, read from the committed copy
 * test/fixtures/reference/collectives.csv (sources in its source column:
 * NVIDIA/nccl-tests issue 290; NVIDIA/nccl issue 2409; vendor nccl-tests
 * guide). A missing file, a missing row or an empty cell fails the test.
 */
const COLLECTIVES = readReferenceCsv("collectives.csv");

interface Published {
  case: string;
  /** Cards and cards per node of the published run (the simulation uses the same). */
  cards: number;
  cardsPerNode: number;
  low: number;
  high: number;
}

function published(caseName: string): Published {
  const row = referenceRow(COLLECTIVES, "case", caseName, "collectives.csv");
  return {
    case: caseName,
    cards: numberCell(row, "cards"),
    cardsPerNode: numberCell(row, "cards_per_node"),
    low: numberCell(row, "busbw_gigabytes_per_s_low"),
    high: numberCell(row, "busbw_gigabytes_per_s_high"),
  };
}

const ROWS = {
  h100Nvls: published("8xH100-SXM5 one node NVLink+NVSwitch (NVLS)"),
  h100Ring: published("8xH100-SXM5 one node NVLink ring"),
  perNic: published("per NIC ring over NDR 400 Gb/s InfiniBand"),
  twoNodes: published("2 nodes x 8 H100 with 8x400G per node"),
  a100Node: published("8xA100-SXM4 one node NVLink+NVSwitch"),
};

/** The first `row.cards` cards of `cluster`, checked to have the published run's cards per node. */
function cardsOf(cluster: { cardsPerNode: number }, row: Published): number[] {
  expect(cluster.cardsPerNode, `${row.case}: cards per node`).toBe(row.cardsPerNode);
  return Array.from({ length: row.cards }, (_, i) => i);
}

/** Within +-15% of the published range [low, high]. */
function within15(valueGBps: number, row: { low: number; high: number }): void {
  expect(valueGBps).toBeGreaterThanOrEqual(row.low * 0.85);
  expect(valueGBps).toBeLessThanOrEqual(row.high * 1.15);
}

describe("busbw against published nccl-tests figures (within 15%)", () => {
  it("reads its published ranges from the committed collectives.csv (low <= high, GB/s)", () => {
    for (const row of Object.values(ROWS)) {
      expect(row.low, row.case).toBeGreaterThan(0);
      expect(row.high, row.case).toBeGreaterThanOrEqual(row.low);
    }
  });

  const cluster = loadCluster(topo("dgx-h100-superpod-1024"));

  /**
   * Calibration-consistency checks, not validation: each constant below was
   * derived from the very figure it is compared with (src/network/constants.ts,
   * src/hardware/catalog.ts). They catch a model that no longer honours its
   * own constants; they say nothing about how well the constants generalise.
   */
  describe("calibration consistency (the constants come from these figures)", () => {
    it("8 x H100 ring all-reduce vs the ring figure that sets SCALE_UP_PROTOCOL_EFFICIENCY (370 GB/s)", () => {
      const ring = simulateCollective(cluster, {
        op: "allreduce",
        cards: cardsOf(cluster, ROWS.h100Ring),
        sizeBytes: GiB,
        algo: "ring",
      });
      within15(ring.busBytesPerS / 1e9, ROWS.h100Ring);
    });

    it("8 x A100 all-reduce vs the figure that sets the A100 scale-up efficiency 0.80", () => {
      const a100 = loadCluster(topo("small-2x8"));
      const r = simulateCollective(a100, { op: "allreduce", cards: cardsOf(a100, ROWS.a100Node), sizeBytes: GiB });
      within15(r.busBytesPerS / 1e9, ROWS.a100Node);
    });

    it("8 x H100 NVLS all-reduce (the automatic choice inside a node) vs the figure that sets NVLS_PAYLOAD_VS_RING (460-480 GB/s)", () => {
      const cards = cardsOf(cluster, ROWS.h100Nvls);
      const auto = simulateCollective(cluster, { op: "allreduce", cards, sizeBytes: GiB });
      expect(auto.algo).toBe("nvls");
      within15(auto.busBytesPerS / 1e9, ROWS.h100Nvls);
      // Without in-switch reduction the same node falls back to the ring's figure.
      const plain = loadCluster(topo("dgx-h100-superpod-1024"), ["scaleUp.inSwitchReduction=false"]);
      const ring = simulateCollective(plain, { op: "allreduce", cards, sizeBytes: GiB });
      expect(ring.algo).not.toBe("nvls");
      within15(ring.busBytesPerS / 1e9, ROWS.h100Ring);
    });

    it("per-NIC ring busbw vs the figure that sets PROTOCOL_EFFICIENCY 0.94 (46-48 GB/s)", () => {
      const cards = cardsOf(cluster, ROWS.perNic);
      const r = simulateCollective(cluster, { op: "allreduce", cards, sizeBytes: GiB, algo: "ring" });
      within15(r.busBytesPerS / 1e9 / 8, ROWS.perNic);
    });
  });

  describe("validation (figures no constant was derived from)", () => {
    it("2 nodes x 8 H100 all-reduce over 8 x 400 Gb/s NICs (ring with 8 channels, and the automatic choice)", () => {
      const cards = cardsOf(cluster, ROWS.twoNodes);
      const r = simulateCollective(cluster, { op: "allreduce", cards, sizeBytes: GiB, algo: "ring" });
      within15(r.busBytesPerS / 1e9, ROWS.twoNodes);
      const auto = simulateCollective(cluster, { op: "allreduce", cards, sizeBytes: GiB });
      within15(auto.busBytesPerS / 1e9, ROWS.twoNodes);
    });
  });
});
