import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import { loadCluster, loadTopology } from "../../src/cluster/load-topology.js";
import { type Cluster, LINK_KINDS, type LinkKind } from "../../src/cluster/types.js";
import { InputError } from "../../src/input/issues.js";

/** Node groups (heterogeneous clusters): docs/topology.md, "Node groups". */
const HETERO = "topologies/clusters/h800-h200-pd-hetero.yaml";
const SMALL = "topologies/clusters/small-2x8.yaml";
/** small-2x8 (2 nodes of 8 A100s, scaleUp.bandwidthGBps 300) with node 1 turned into H100s. */
const TWO_KINDS = "nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1, accelerator: {name: H100-SXM5-80GB}}]";

/** Bandwidth (bytes/s) of every link of `kind` leaving `card`. */
function outLinks(c: Cluster, card: number, kind: LinkKind): number[] {
  const out: number[] = [];
  for (let l = 0; l < c.links.count; l++) {
    if (c.links.src[l] === card && LINK_KINDS[c.links.kind[l] as number] === kind) {
      out.push(c.links.bandwidthBytesPerS[l] as number);
    }
  }
  return out;
}

/** The InputError message loading a topology throws (fails the test when it loads). */
function topologyError(path: string, sets: string[] = []): string {
  try {
    loadTopology(path, sets);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error(`${path} loaded without an error`);
}

describe("node groups: parsing and the card kind of each card", () => {
  it("the shipped H800/H200 file: groups in node order, card 0..255 H800, 256..767 H200", () => {
    const spec = loadTopology(HETERO);
    expect(spec.nodeGroups?.map((g) => [g.name, g.nodes, g.accelerator?.name])).toEqual([
      ["prefill", 32, undefined],
      ["decode", 64, "H200-SXM-141GB"],
    ]);
    const c = buildCluster(spec);
    expect(c.cards).toBe(768);
    expect(c.heterogeneous).toBe(true);
    expect([0, 255, 256, 767].map((card) => c.acceleratorOfCard(card).name)).toEqual([
      "H800-SXM5-80GB",
      "H800-SXM5-80GB",
      "H200-SXM-141GB",
      "H200-SXM-141GB",
    ]);
    // cluster.accelerator is card 0's; cards of one kind share one object.
    expect(c.accelerator).toBe(c.acceleratorOfCard(0));
    expect(c.acceleratorOfCard(255)).toBe(c.acceleratorOfCard(0));
    expect(c.acceleratorOfCard(256)).not.toBe(c.acceleratorOfCard(255));
    expect(c.acceleratorOfCard(256).hbmBytes).toBe(141e9);
    expect(c.acceleratorOfCard(256).hbmBytesPerS).toBe(4.8e12);
    expect(() => c.acceleratorOfCard(768)).toThrow(RangeError);
  });

  it("a file without nodeGroups is one kind: every card has cluster.accelerator", () => {
    const c = loadCluster(SMALL);
    expect(c.heterogeneous).toBe(false);
    expect(c.acceleratorOfCard(15)).toBe(c.accelerator);
    expect(c.accelerator.name).toBe("A100-SXM4-80GB");
  });

  it("groups of one card kind (none named, or the top-level one named again) are not heterogeneous", () => {
    const c = loadCluster(SMALL, [
      "nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1, accelerator: {name: A100-SXM4-80GB}}]",
    ]);
    expect(c.heterogeneous).toBe(false);
    expect(c.acceleratorOfCard(8)).toBe(c.acceleratorOfCard(0));
  });

  it("the same card name with other figures (an override) is another kind", () => {
    const c = loadCluster(SMALL, [
      "nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1, accelerator: {name: A100-SXM4-80GB, overrides: {hbmTBps: 1.5}}}]",
    ]);
    expect(c.heterogeneous).toBe(true);
    expect(c.acceleratorOfCard(8).hbmBytesPerS).toBe(1.5e12);
    expect(c.acceleratorOfCard(0).hbmBytesPerS).toBeCloseTo(2.039e12, -1); // the catalog A100 (2.039 TB/s)
  });

  it("the group's first node is the sum of the earlier groups' nodes (file order)", () => {
    const c = loadCluster(HETERO, [
      "nodeGroups=[{name: x, nodes: 10}, {name: y, nodes: 80, accelerator: {name: H200-SXM-141GB}}, {name: z, nodes: 6}]",
    ]);
    const names = [79, 80, 719, 720, 767].map((card) => c.acceleratorOfCard(card).name);
    expect(names).toEqual(["H800-SXM5-80GB", "H200-SXM-141GB", "H200-SXM-141GB", "H800-SXM5-80GB", "H800-SXM5-80GB"]);
  });
});

describe("node groups: per-group scale-up bandwidth in the built links", () => {
  it("each group defaults to its accelerator's catalog figure: H800 200 GB/s, H200 450 GB/s per direction", () => {
    const c = loadCluster(HETERO);
    expect(outLinks(c, 0, "scaleup-up")).toEqual([200e9]);
    expect(outLinks(c, 255, "scaleup-up")).toEqual([200e9]);
    expect(outLinks(c, 256, "scaleup-up")).toEqual([450e9]);
    expect(outLinks(c, 767, "scaleup-up")).toEqual([450e9]);
    // Switch -> card links too; the route inside a domain uses them.
    expect(c.route(256, 257, 1).map((l) => c.links.bandwidthBytesPerS[l])).toEqual([450e9, 450e9]);
    // NICs stay cluster-wide: 400 Gb/s = 50 GB/s on both kinds.
    expect(outLinks(c, 0, "nic-up")).toEqual([50e9]);
    expect(outLinks(c, 767, "nic-up")).toEqual([50e9]);
  });

  it("a group's scaleUp.bandwidthGBps overrides its default", () => {
    const c = loadCluster(HETERO, ["nodeGroups.1.scaleUp.bandwidthGBps=300"]);
    expect(outLinks(c, 256, "scaleup-up")).toEqual([300e9]);
    expect(outLinks(c, 0, "scaleup-up")).toEqual([200e9]);
  });

  it("the top-level scaleUp.bandwidthGBps applies to groups without their own accelerator only", () => {
    const c = loadCluster(SMALL, ["scaleUp.bandwidthGBps=250", TWO_KINDS]);
    expect(outLinks(c, 0, "scaleup-up")).toEqual([250e9]); // group a: the top-level rate
    expect(outLinks(c, 8, "scaleup-up")).toEqual([450e9]); // group b: H100's catalog 450
  });

  it("mesh: each group's link rate is its own bandwidth / (domain - 1), or its linkGBps", () => {
    const c = loadCluster(SMALL, ["scaleUp.kind=mesh", TWO_KINDS]);
    expect(outLinks(c, 0, "scaleup-direct")).toEqual(Array(7).fill(300e9 / 7));
    expect(outLinks(c, 8, "scaleup-direct")).toEqual(Array(7).fill(450e9 / 7));
    const given = loadCluster(SMALL, ["scaleUp.kind=mesh", TWO_KINDS, "nodeGroups.1.scaleUp.linkGBps=40"]);
    expect(outLinks(given, 8, "scaleup-direct")).toEqual(Array(7).fill(40e9));
  });

  it("ring: each group's links carry half its bandwidth", () => {
    const c = loadCluster(SMALL, ["scaleUp.kind=ring", TWO_KINDS]);
    expect(outLinks(c, 3, "scaleup-direct")).toEqual([150e9, 150e9]);
    expect(outLinks(c, 11, "scaleup-direct")).toEqual([225e9, 225e9]);
  });
});

describe("node groups: validation names the field", () => {
  it("node counts that do not sum to nodes: file:line:col at nodeGroups, with the sum", () => {
    expect(topologyError("test/fixtures/node-groups/bad-sum.yaml")).toBe(
      "test/fixtures/node-groups/bad-sum.yaml:8:3: nodeGroups: expected node groups whose nodes sum to nodes (2), found 1 + 2 = 3",
    );
  });

  it("a scale-up domain may not span two groups", () => {
    expect(topologyError(SMALL, ["scaleUp.domainCards=16", TWO_KINDS])).toContain(
      "nodeGroups.0.nodes: expected whole scale-up domains of 16 cards (a domain cannot span two node groups), found 1 nodes x 8 = 8 cards",
    );
  });

  it("duplicate names, unknown accelerators (with a suggestion), linkGBps on a switched scale-up", () => {
    const msg = topologyError(SMALL, [
      "nodeGroups=[{name: a, nodes: 1}, {name: a, nodes: 1, accelerator: {name: H100}, scaleUp: {linkGBps: 10}}]",
    ]);
    expect(msg).toContain("nodeGroups.1.name: expected a name no other node group has, found 'a' (also nodeGroups.0)");
    expect(msg).toContain("nodeGroups.1.accelerator.name: expected a catalog accelerator");
    expect(msg).toContain("found 'H100'; did you mean 'H100-SXM5-80GB'?");
    expect(msg).toContain("nodeGroups.1.scaleUp.linkGBps: expected no linkGBps on a switched scale-up");
  });

  it("a group's accelerator without a scale-up figure needs the group's bandwidthGBps", () => {
    const spec = "{peakBf16Tflops: 100, hbmGB: 16, hbmTBps: 1, efficiency: {matmul: 0.5, memory: 0.5}}";
    const sets = [`nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1, accelerator: {name: X1, spec: ${spec}}}]`];
    expect(topologyError(SMALL, sets)).toContain(
      "nodeGroups.1.scaleUp.bandwidthGBps: expected bandwidthGBps (the group's accelerator X1 has no scale-up figure), found nothing",
    );
    const c = loadCluster(SMALL, [...sets, "nodeGroups.1.scaleUp.bandwidthGBps=64"]);
    expect(c.acceleratorOfCard(8).name).toBe("X1");
    expect(outLinks(c, 8, "scaleup-up")).toEqual([64e9]);
  });
});

describe("node groups in the cluster summary (validate's OK line)", () => {
  it("lists each group's name, nodes and card kind; a file without groups says nothing of them", async () => {
    const { formatSummary } = await import("../../src/cluster/load-topology.js");
    const hetero = loadCluster(HETERO);
    expect(hetero.summary().nodeGroups).toEqual([
      { name: "prefill", nodes: 32, accelerator: "H800-SXM5-80GB" },
      { name: "decode", nodes: 64, accelerator: "H200-SXM-141GB" },
    ]);
    expect(formatSummary(hetero.name, hetero.summary())).toMatch(
      /; node groups prefill 32 nodes of H800-SXM5-80GB, decode 64 nodes of H200-SXM-141GB$/,
    );
    const plain = loadCluster(SMALL);
    expect(plain.summary().nodeGroups).toBeUndefined();
    expect(formatSummary(plain.name, plain.summary())).not.toContain("node groups");
  });
});
