import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadCluster } from "../../src/cluster/load-topology.js";
import type { Cluster } from "../../src/cluster/types.js";
import { Simulator } from "../../src/engine/simulator.js";
import { clusterNetwork } from "../../src/network/cluster-network.js";
import { SymmetricNetwork, SymmetryBroken } from "../../src/network/symmetric-network.js";
import { runScenario } from "../../src/scenario/run.js";
import { orbits } from "../../src/scenario/training-comm.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/symmetry/${name}`, import.meta.url));

/** Rotates the 4 cards of each node: card 4n + i to 4n + (i + 1) mod 4. */
const rotate4 = (c: number) => c - (c % 4) + (((c % 4) + 1) % 4);

interface Transfer {
  src: number;
  dst: number;
  bytes: number;
}

/** Completion time of each transfer, every copy simulated: transfers j·4..j·4+3 are a transfer's 4 rotations. */
function fullRun(cluster: Cluster, transfers: readonly Transfer[]): number[] {
  const sim = new Simulator();
  const net = clusterNetwork(sim, cluster);
  const doneS: number[] = [];
  transfers.forEach((t, i) => {
    let s = t.src;
    let d = t.dst;
    for (let j = 0; j < 4; j++) {
      const at = i * 4 + j;
      net.startFlow(cluster.route(s, d, 0), t.bytes, () => (doneS[at] = sim.now), at);
      s = rotate4(s);
      d = rotate4(d);
    }
  });
  sim.run();
  return doneS;
}

/** The same with one representative per transfer through SymmetricNetwork. */
function symmetricRun(cluster: Cluster, transfers: readonly Transfer[]): number[] {
  const sim = new Simulator();
  const sym = new SymmetricNetwork(clusterNetwork(sim, cluster), 4, rotate4);
  const checked = sym.checkedCluster(cluster);
  const doneS: number[] = [];
  transfers.forEach((t, i) => {
    sym.replicated.startFlow(checked.route(t.src, t.dst, 0), t.bytes, () => (doneS[i] = sim.now), i);
  });
  sim.run();
  return doneS;
}

describe("symmetric network (one representative per orbit of flows)", () => {
  const cluster = loadCluster(fixture("fat-tree-4x4.yaml"));
  // Node 0 -> node 1 and node 2 -> node 1 at once: the 2:1 leaf uplinks and node 1's leaf downlink
  // are shared by all four card positions (one-link orbits), the NICs are not (four-link orbits).
  const transfers: Transfer[] = [
    { src: 0, dst: 4, bytes: 4e8 },
    { src: 8, dst: 5, bytes: 1e8 },
    { src: 13, dst: 1, bytes: 2e8 },
  ];

  it("moves every representative at the rate its copies have in the full system, shared links included", () => {
    const full = fullRun(cluster, transfers);
    const sym = symmetricRun(cluster, transfers);
    transfers.forEach((_, i) => {
      for (let j = 0; j < 4; j++) {
        const want = full[i * 4 + j] as number;
        expect(Math.abs((sym[i] as number) - want) / want).toBeLessThan(1e-12);
      }
    });
    // The shared uplinks matter here: without their 1/4 share the representatives would be faster.
    const alone = symmetricRun(cluster, [transfers[0] as Transfer]);
    expect(alone[0]).toBeLessThan(sym[0] as number);
  });

  it("throws SymmetryBroken when an unreplicated flow shares a link orbit with replicated ones", () => {
    const sim = new Simulator();
    const sym = new SymmetricNetwork(clusterNetwork(sim, cluster), 4, rotate4);
    const checked = sym.checkedCluster(cluster);
    sym.replicated.startFlow(checked.route(0, 4, 0), 1e6, () => {}, 0);
    // Card 6's NIC is the image of card 4's: in the orbit the representative stands for.
    expect(() => sym.full.startFlow(cluster.route(2, 6, 0), 1e6, () => {}, 1)).toThrow(SymmetryBroken);
    // Traffic inside a node (scale-up links no replicated flow uses) is fine.
    expect(() => sym.full.startFlow(cluster.route(8, 9, 0), 1e6, () => {}, 2)).not.toThrow();
  });

  it("throws SymmetryBroken when a link of an orbit has another bandwidth (a degraded NIC)", () => {
    const degraded = loadCluster(fixture("fat-tree-4x4.yaml"));
    const nicUp = degraded.route(2, 6, 0)[0] as number;
    degraded.links.bandwidthBytesPerS[nicUp] = (degraded.links.bandwidthBytesPerS[nicUp] as number) / 2;
    const sim = new Simulator();
    const sym = new SymmetricNetwork(clusterNetwork(sim, degraded), 4, rotate4);
    expect(() => sym.checkedCluster(degraded).route(0, 4, 0)).toThrow(/unequal bandwidth/);
  });

  it("preflight rejects a fabric where rotating a node's cards is no symmetry (NICs split over leaves)", () => {
    const split = loadCluster(fixture("fat-tree-split.yaml"));
    const sim = new Simulator();
    expect(() => new SymmetricNetwork(clusterNetwork(sim, split), 4, rotate4).preflight(split, 4)).toThrow(
      SymmetryBroken,
    );
    const sym = new SymmetricNetwork(clusterNetwork(new Simulator(), cluster), 4, rotate4);
    expect(() => sym.preflight(cluster, 4)).not.toThrow();
  });

  it("splits items into whole orbits of a permutation and leaves the rest on their own", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 2, max: 6 }), fc.integer(), (n, k, seed) => {
        // A random permutation of 0..n-1, some images removed (-1).
        const perm = Array.from({ length: n }, (_, i) => i);
        let x = seed | 0;
        for (let i = n - 1; i > 0; i--) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          const j = Math.abs(x) % (i + 1);
          [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
        }
        const image = (i: number) => (((i * 7 + seed) & 7) === 0 ? -1 : (perm[i] as number));
        const { representatives, rest } = orbits(n, k, image);
        const covered = new Set<number>(rest);
        for (const r of representatives) {
          let j = r;
          for (let step = 0; step < k; step++) {
            expect(covered.has(j)).toBe(false);
            covered.add(j);
            j = image(j);
          }
          expect(j).toBe(r);
        }
        expect(covered.size).toBe(n);
      }),
    );
  });
});

describe("symmetric training runs", () => {
  const scenario = fixture("gpt-tp4.yaml");

  it("give the figures of the run that simulates every flow, with fewer events", () => {
    const full = runScenario({ scenarioPath: scenario, sets: [], seed: 1, steps: 2, symmetry: false });
    const sym = runScenario({ scenarioPath: scenario, sets: [], seed: 1, steps: 2 });
    expect(full.ok && sym.ok).toBe(true);
    if (!full.ok || !sym.ok) return;
    expect(sym.details.symmetry).toMatchObject({ copies: 4, fullFlows: 0 });
    expect(full.details.symmetry).toEqual({ off: "asked not to (--no-symmetry)" });
    for (const [key, value] of Object.entries(full.metrics)) {
      if (key === "events") continue;
      expect(Math.abs((sym.metrics[key] as number) - value), key).toBeLessThanOrEqual(1e-9 * Math.abs(value));
    }
    expect(sym.details.breakdownSeconds).toEqual(full.details.breakdownSeconds);
    expect(sym.details.collectives).toBe(full.details.collectives);
    expect(sym.details.sends).toBe(full.details.sends);
    expect(sym.metrics.events as number).toBeLessThan(full.metrics.events as number);
  });

  it("simulate every flow, saying why, where the fabric or the noise is not symmetric", () => {
    const split = runScenario({
      scenarioPath: scenario,
      sets: [
        "topology.nodes=3",
        "topology.scaleOut.tiers.0.radix=6",
        "topology.scaleOut.tiers.1.radix=6",
        "parallel.pp=1",
        "parallel.dp=3",
        "parallel.globalBatchSize=6",
      ],
      seed: 1,
      steps: 1,
    });
    expect(split.ok && split.details.symmetry).toEqual({
      off: expect.stringMatching(/^asymmetric topology: /),
    });
    const degraded = runScenario({
      scenarioPath: scenario,
      sets: ["noise.degradedLinks.nicOfCards=[5]", "noise.degradedLinks.bandwidthFactor=0.5"],
      seed: 1,
      steps: 1,
    });
    expect(degraded.ok && degraded.details.symmetry).toEqual({ off: "degraded links (noise.degradedLinks)" });
    const hashed = runScenario({
      scenarioPath: scenario,
      sets: ["topology.scaleOut.routing=ecmp-hash"],
      seed: 1,
      steps: 1,
    });
    expect(hashed.ok && (hashed.details.symmetry as { off: string }).off).toMatch(/^routes hash the flow id/);
  });

  it("with per-card jitter and slow cards stay exact (noise draws are per TP group, which moves as one)", () => {
    const sets = ["noise.jitter.sigma=0.08", "noise.persistent.slowCards=[3]", "noise.persistent.slowFactor=1.4"];
    const full = runScenario({ scenarioPath: scenario, sets, seed: 7, steps: 3, symmetry: false });
    const sym = runScenario({ scenarioPath: scenario, sets, seed: 7, steps: 3 });
    expect(full.ok && sym.ok).toBe(true);
    if (!full.ok || !sym.ok) return;
    expect(sym.details.symmetry).toMatchObject({ copies: 4 });
    expect(sym.details.stepTimesSeconds).toEqual(full.details.stepTimesSeconds);
    expect(sym.metrics.stragglerShare).toBe(full.metrics.stragglerShare);
  });
});

describe("symmetric training runs, property", () => {
  const scenario = fixture("gpt-tp4.yaml");

  it("equal the every-flow run on random plans, noise, oversubscription and routing of the 16-card fat-tree", () => {
    fc.assert(
      fc.property(
        fc.record({
          tp: fc.constantFrom(2, 4),
          pp: fc.constantFrom(1, 2),
          zero: fc.constantFrom(0, 1),
          overlap: fc.boolean(),
          sigma: fc.constantFrom(0, 0.05),
          oversubscription: fc.constantFrom(1, 2),
          routing: fc.constantFrom("ecmp", "destination"),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (c) => {
          const dp = 16 / (c.tp * c.pp);
          const sets = [
            `parallel.tp=${c.tp}`,
            `parallel.pp=${c.pp}`,
            `parallel.dp=${dp}`,
            `parallel.globalBatchSize=${dp * 4}`,
            `parallel.zeroStage=${c.zero}`,
            `parallel.overlapGradReduce=${c.overlap}`,
            `noise.jitter.sigma=${c.sigma}`,
            `topology.scaleOut.tiers.0.oversubscription=${c.oversubscription}`,
            `topology.scaleOut.routing=${c.routing}`,
          ];
          const full = runScenario({ scenarioPath: scenario, sets, seed: c.seed, steps: 2, symmetry: false });
          const sym = runScenario({ scenarioPath: scenario, sets, seed: c.seed, steps: 2 });
          expect(sym.ok, sym.ok ? "" : sym.error).toBe(true);
          if (!full.ok || !sym.ok) return;
          expect(sym.details.symmetry).toMatchObject({ copies: c.tp });
          for (const [key, value] of Object.entries(full.metrics)) {
            if (key === "events") continue;
            expect(Math.abs((sym.metrics[key] as number) - value), key).toBeLessThanOrEqual(1e-9 * Math.abs(value));
          }
        },
      ),
      { numRuns: 24, seed: 18 },
    );
  });
});
