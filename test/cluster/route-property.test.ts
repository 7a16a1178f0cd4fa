import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCluster } from "../../src/cluster/build.js";
import { TopologySpecSchema } from "../../src/cluster/topology-schema.js";

/** Random valid topologies of at most 256 cards, every scale-up and scale-out kind. */
const topologyArb = fc
  .record({
    nodes: fc.integer({ min: 1, max: 32 }),
    cardsPerNode: fc.constantFrom(1, 2, 4, 8),
    scaleUpKind: fc.constantFrom("switched", "mesh", "ring"),
    domainFactor: fc.constantFrom(1, 2, 4),
    nicsPerCard: fc.constantFrom(1, 2),
    scaleOut: fc.constantFrom("single-switch", "fat-tree", "rail-optimized", "fat-tree-3", "rail-optimized-3", "torus"),
    radix: fc.integer({ min: 4, max: 24 }),
    oversubscription: fc.constantFrom(1, 1.5, 2, 3),
  })
  .map((r) => {
    const cards = r.nodes * r.cardsPerNode;
    let domainCards = r.cardsPerNode * r.domainFactor;
    if (cards % domainCards !== 0) domainCards = r.cardsPerNode;
    const nic = { nicsPerCard: r.nicsPerCard, nicGbps: 200, latencyUs: 2 };
    const big = 512; // a top tier large enough for any leaf count here
    let scaleOut: Record<string, unknown>;
    if (r.scaleOut === "single-switch") scaleOut = { kind: "single-switch", ...nic };
    else if (r.scaleOut === "torus") scaleOut = { kind: "torus", dims: torusDims(cards), linkGBps: 50, latencyUs: 1 };
    else {
      const three = r.scaleOut.endsWith("-3");
      const tiers = three
        ? [{ radix: r.radix, oversubscription: r.oversubscription }, { radix: r.radix }, { radix: big }]
        : [{ radix: r.radix, oversubscription: r.oversubscription }, { radix: big }];
      scaleOut = { kind: r.scaleOut.replace("-3", ""), ...nic, hopLatencyUs: 0.5, tiers };
    }
    return {
      name: "random",
      nodes: r.nodes,
      cardsPerNode: r.cardsPerNode,
      accelerator: { name: "A100-SXM4-80GB" },
      scaleUp: { kind: r.scaleUpKind, latencyUs: 1, domainCards },
      scaleOut,
    };
  })
  .filter((t) => !(t.scaleOut.kind === "torus" && (t.scaleOut.dims as number[]).length === 0));

/** A factorization of n into 1-3 dimensions of size >= 2 (empty when n is 1 or prime-free of such). */
function torusDims(n: number): number[] {
  const dims: number[] = [];
  let rest = n;
  for (const f of [2, 3, 5, 7, 11, 13]) {
    while (rest % f === 0 && dims.length < 2 && rest / f >= 2) {
      dims.push(f);
      rest /= f;
    }
  }
  if (rest >= 2) dims.push(rest);
  return dims.reduce((a, b) => a * b, 1) === n && n >= 2 ? dims : [];
}

describe("routing on random valid topologies", () => {
  it("every route leaves src, enters dst, is contiguous, uses existing links, and is deterministic", () => {
    fc.assert(
      fc.property(topologyArb, fc.nat(), fc.nat(), fc.nat(), (input, ai, bi, flowId) => {
        const parsed = TopologySpecSchema.safeParse(input);
        fc.pre(parsed.success);
        if (!parsed.success) return;
        const c = buildCluster(parsed.data);
        const a = ai % c.cards;
        const b = bi % c.cards;
        fc.pre(a !== b);
        const route = c.route(a, b, flowId);
        const L = c.links;
        expect(route.length).toBeGreaterThan(0);
        for (const l of route) expect(Number.isInteger(l) && l >= 0 && l < L.count).toBe(true);
        expect(L.src[route[0] ?? -1]).toBe(a);
        expect(L.dst[route[route.length - 1] ?? -1]).toBe(b);
        for (let i = 1; i < route.length; i++) expect(L.src[route[i] ?? -1]).toBe(L.dst[route[i - 1] ?? -1]);
        for (const l of route) expect(L.bandwidthBytesPerS[l]).toBeGreaterThan(0);
        // Same flow -> same path (also through the reusable out array); a rebuilt cluster agrees.
        expect(c.route(a, b, flowId, [1, 2, 3])).toEqual(route);
        expect(buildCluster(parsed.data).route(a, b, flowId)).toEqual(route);
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });

  it("the generator produces every scale-out kind as a valid topology", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(topologyArb, (t) => {
        if (TopologySpecSchema.safeParse(t).success) seen.add(String(t.scaleOut.kind));
      }),
      { numRuns: 300, seed: 7 },
    );
    expect([...seen].sort()).toEqual(["fat-tree", "rail-optimized", "single-switch", "torus"]);
  });
});
