import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import { type TopologySpec, TopologySpecSchema } from "../../src/cluster/topology-schema.js";
import { LINK_KINDS } from "../../src/cluster/types.js";

type Input = Record<string, unknown>;

function cluster(over: Input = {}, scaleUp: Input | null = {}, scaleOut: Input = {}) {
  const input: Input = {
    name: "t",
    nodes: 4,
    cardsPerNode: 8,
    accelerator: { name: "H100-SXM5-80GB" },
    ...over,
    scaleOut: { kind: "single-switch", nicsPerNode: 8, nicGbps: 400, latencyUs: 2, ...scaleOut },
  };
  if (scaleUp) input.scaleUp = { kind: "switched", bandwidthGBps: 450, latencyUs: 1, ...scaleUp };
  const r = TopologySpecSchema.safeParse(JSON.parse(JSON.stringify(input))); // drops undefined fields
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return buildCluster(r.data as TopologySpec);
}

const kinds = (c: ReturnType<typeof cluster>, route: number[]) => route.map((l) => LINK_KINDS[c.links.kind[l] ?? 99]);

describe("buildCluster", () => {
  it("numbers cards node-major and converts units (400 Gb/s NIC = 50 GB/s; latency split per link)", () => {
    const c = cluster();
    expect(c.cards).toBe(32);
    expect(c.nodeOf(17)).toBe(2);
    expect(c.railOf(17)).toBe(1);
    const inNode = c.route(8, 9, 0);
    expect(kinds(c, inNode)).toEqual(["scaleup-up", "scaleup-down"]);
    expect([...inNode].map((l) => c.links.bandwidthBytesPerS[l])).toEqual([450e9, 450e9]);
    expect(inNode.reduce((s, l) => s + (c.links.latencyS[l] ?? 0), 0)).toBeCloseTo(1e-6, 15);
    const across = c.route(0, 31, 0);
    expect(kinds(c, across)).toEqual(["nic-up", "nic-down"]);
    expect(c.links.bandwidthBytesPerS[across[0] ?? -1]).toBe(50e9);
    expect(across.reduce((s, l) => s + (c.links.latencyS[l] ?? 0), 0)).toBeCloseTo(2e-6, 15);
    expect(c.summary().bisectionBytesPerS).toBe(16 * 50e9);
    expect(c.links.name(across[0] ?? -1)).toBe("card 0 -> switch 0 [nic-up]");
  });

  it("mesh: one direct link per pair at bandwidth/(domain-1) unless linkGBps is given", () => {
    const c = cluster({}, { kind: "mesh", bandwidthGBps: 392 });
    const r = c.route(3, 5, 0);
    expect(kinds(c, r)).toEqual(["scaleup-direct"]);
    expect(c.links.bandwidthBytesPerS[r[0] ?? -1]).toBeCloseTo(56e9, 3);
    expect([c.links.src[r[0] ?? -1], c.links.dst[r[0] ?? -1]]).toEqual([3, 5]);
    const d = cluster({}, { kind: "mesh", bandwidthGBps: 392, linkGBps: 30 });
    expect(d.links.bandwidthBytesPerS[d.route(3, 5, 0)[0] ?? -1]).toBe(30e9);
  });

  it("ring: neighbours only, the shorter way round", () => {
    const c = cluster({}, { kind: "ring" });
    expect(c.route(0, 3, 0)).toHaveLength(3); // 0 -> 1 -> 2 -> 3
    expect(c.route(0, 6, 0)).toHaveLength(2); // 0 -> 7 -> 6
    const r = c.route(0, 6, 0);
    expect([c.links.dst[r[0] ?? -1], c.links.dst[r[1] ?? -1]]).toEqual([7, 6]);
    expect(c.links.bandwidthBytesPerS[r[0] ?? -1]).toBe(225e9); // 450 / 2 neighbours
  });

  it("a scale-up domain spanning nodes (NVL72-like) keeps cross-node traffic on scale-up", () => {
    const c = cluster({ nodes: 18, cardsPerNode: 4 }, { domainCards: 72 }, { nicsPerNode: 4 });
    expect(c.scaleUpDomainOf(71)).toBe(0);
    expect(kinds(c, c.route(0, 71, 0))).toEqual(["scaleup-up", "scaleup-down"]);
  });

  it("2-tier fat-tree, ecmp-hash: same leaf stays on the leaf, else up to a spine chosen by flow hash", () => {
    const c = cluster(
      { nodes: 16 },
      {},
      { kind: "fat-tree", hopLatencyUs: 0.5, routing: "ecmp-hash", tiers: [{ radix: 16 }, { radix: 16 }] },
    );
    // Leaves hold 8 NICs = one node each: 16 leaves, each with 8 uplinks; spines take 1 cable per leaf -> 8 spines.
    expect(kinds(c, c.route(0, 8, 0))).toEqual(["nic-up", "tier1-up", "tier2-down", "nic-down"]);
    const spines = new Set<number>();
    for (let f = 0; f < 64; f++) spines.add(c.links.dst[c.route(0, 8, f)[1] ?? -1] ?? -1);
    expect(spines.size).toBeGreaterThan(4);
    expect(c.summary().switches).toBe(16 + 16 + 8); // 16 NVSwitch domains + 16 leaves + 8 spines
  });

  it("2-tier fat-tree, ecmp (default): every flow spread over the leaf's uplinks, one link of all its cables", () => {
    const c = cluster(
      { nodes: 16 },
      {},
      { kind: "fat-tree", hopLatencyUs: 0.5, tiers: [{ radix: 16 }, { radix: 16 }] },
    );
    const first = c.route(0, 8, 0);
    expect(kinds(c, first)).toEqual(["nic-up", "tier1-up", "tier2-down", "nic-down"]);
    for (let f = 1; f < 64; f++) expect(c.route(0, 8, f)).toEqual(first);
    // 8 uplink cables of 50 GB/s as one link each way; the spines act as one switch.
    expect(c.links.bandwidthBytesPerS[first[1] as number]).toBe(8 * 50e9);
    expect(c.links.bandwidthBytesPerS[first[2] as number]).toBe(8 * 50e9);
    expect(c.summary().switches).toBe(16 + 16 + 8); // the 8 spines are one vertex, counted as 8 switches
    expect(c.summary().bisectionBytesPerS).toBe(64 * 50e9);
  });

  it("oversubscription 3 keeps the leaves' down ports, cables a third as many uplinks and cuts bisection", () => {
    const full = cluster(
      { nodes: 16 },
      {},
      { kind: "fat-tree", hopLatencyUs: 0.5, tiers: [{ radix: 16 }, { radix: 32 }] },
    );
    const over = cluster(
      { nodes: 16 },
      {},
      { kind: "fat-tree", hopLatencyUs: 0.5, tiers: [{ radix: 16, oversubscription: 3 }, { radix: 32 }] },
    );
    // 128 NICs: non-blocking bisection = 64 x 50 GB/s; at 3:1 a leaf keeps its 8 NIC ports and cables
    // floor(8 / 3) = 2 uplinks (6 ports unused): the same 16 leaves, 2 uplinks each.
    expect(full.summary().bisectionBytesPerS).toBe(64 * 50e9);
    expect(over.summary().bisectionBytesPerS).toBe((16 / 2) * 2 * 50e9);
    for (const c of [full, over])
      expect(kinds(c, c.route(0, 8, 0))).toEqual(["nic-up", "tier1-up", "tier2-down", "nic-down"]);
    expect(over.links.bandwidthBytesPerS[over.route(0, 8, 0)[1] as number]).toBe(2 * 50e9);
  });

  it("cards sharing a NIC (4 NICs for 8 cards): consecutive pairs use one NIC's links, half the NIC bandwidth per card", () => {
    const c = cluster({ nodes: 2 }, {}, { nicsPerNode: 4 });
    // Cards 0 and 1 of node 0 share NIC 0; card 2 has NIC 1.
    expect(c.route(0, 8, 0)[0]).toBe(c.route(1, 9, 0)[0]);
    expect(c.route(2, 10, 0)[0]).not.toBe(c.route(0, 8, 0)[0]);
    expect([c.railOf(0), c.railOf(1), c.railOf(2), c.railOf(7)]).toEqual([0, 0, 1, 3]);
    expect(c.summary().bisectionBytesPerS).toBe(4 * 50e9);
  });

  it("rail-optimized, destination (D-mod-K): a rail leaf's destinations spread over every spine", () => {
    const c = cluster(
      { nodes: 16 },
      {},
      { kind: "rail-optimized", hopLatencyUs: 0.5, routing: "destination", tiers: [{ radix: 16 }, { radix: 32 }] },
    );
    // Groups of 8 nodes; 16 rail leaves with 8 uplinks each; a spine takes 2 cables per leaf -> 4 spines.
    // Rail 0 of node 0 to rail 0 of nodes 8..15: the destinations' NIC ids step by 8 (the rail count),
    // so "NIC id mod spines" would send all eight through one spine; their port order spreads them.
    const spines = new Set<number>();
    for (let n = 8; n < 16; n++) spines.add(c.links.dst[c.route(0, n * 8, 0)[1] ?? -1] ?? -1);
    expect(spines.size).toBe(4);
  });

  it("rail-optimized: same rail stays under the rail's leaf, cross-rail goes through a spine", () => {
    const c = cluster(
      { nodes: 8 },
      {},
      { kind: "rail-optimized", hopLatencyUs: 0.5, tiers: [{ radix: 8 }, { radix: 64 }] },
    );
    // Leaves take 4 nodes each; rail 2 of node 0 and node 3 share a leaf.
    const sameRail = c.route(2, 3 * 8 + 2, 0);
    expect(kinds(c, sameRail)).toEqual(["nic-up", "nic-down"]);
    const crossRail = c.route(2, 3 * 8 + 5, 0);
    expect(kinds(c, crossRail)).toEqual(["nic-up", "tier1-up", "tier2-down", "nic-down"]);
    expect(c.links.vertexName(c.links.dst[sameRail[0] ?? -1] ?? -1)).toMatch(/rail 2/);
  });

  it("3-tier fat-tree: cross-pod routes climb to a core and come back down", () => {
    const c = cluster(
      { nodes: 64 },
      {},
      { kind: "fat-tree", hopLatencyUs: 0.5, tiers: [{ radix: 16 }, { radix: 16 }, { radix: 16 }] },
    );
    expect(kinds(c, c.route(0, 63 * 8, 5))).toEqual([
      "nic-up",
      "tier1-up",
      "tier2-up",
      "tier3-down",
      "tier2-down",
      "nic-down",
    ]);
  });

  it("torus: dimension-ordered, shorter way in each dimension", () => {
    const c = cluster({ nodes: 16, cardsPerNode: 4 }, null, {
      kind: "torus",
      dims: [4, 4, 4],
      linkGBps: 100,
      latencyUs: 1,
      nicsPerNode: undefined,
      nicGbps: undefined,
    });
    // card 0 = (0,0,0) to card 3 = (3,0,0): one hop backwards; to 42 = (2,2,2): 2+2+2 hops.
    expect(c.route(0, 3, 0)).toHaveLength(1);
    expect(c.route(0, 42, 0)).toHaveLength(6);
    expect(c.summary().bisectionBytesPerS).toBe(2 * 16 * 100e9);
  });

  it("rejects out-of-range cards loudly", () => {
    const c = cluster();
    expect(() => c.route(0, 32, 0)).toThrow(/card 32 out of range/);
  });
});
