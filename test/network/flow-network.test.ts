import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/engine/simulator.js";
import { FlowNetwork } from "../../src/network/flow-network.js";
import { linkTableOf } from "../helpers/link-table.js";

const links = linkTableOf;

describe("flow network", () => {
  it("re-shares bandwidth when a flow completes (exact completion times)", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9]), { efficiency: 1 });
    const done: Array<[number, number]> = [];
    const cb = (tag: number) => done.push([tag, sim.now]);
    net.startFlow([0], 1e9, cb, 1, { messages: 0 }); // 1 GB
    net.startFlow([0], 3e9, cb, 2, { messages: 0 }); // 3 GB
    sim.run();
    // Both at 0.5 GB/s until the first finishes at 2 s; the second has 2 GB left at 1 GB/s: 4 s.
    expect(done[0]?.[0]).toBe(1);
    expect(done[0]?.[1]).toBeCloseTo(2, 12);
    expect(done[1]?.[0]).toBe(2);
    expect(done[1]?.[1]).toBeCloseTo(4, 12);
    expect(net.activeFlows).toBe(0);
  });

  it("adds link latency and per-message overhead once per message before the bytes move", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9, 1e9], [1e-6, 2e-6]), { efficiency: 0.5 });
    let at = -1;
    net.startFlow([0, 1], 1e6, () => (at = sim.now), 0, { messages: 3, overheadS: 5e-6 });
    sim.run();
    // 3 * (1 + 2 + 5) us + 1 MB / (0.5 GB/s) = 24 us + 2 ms.
    expect(at).toBeCloseTo(24e-6 + 2e-3, 12);
  });

  it("recomputes once per instant however many flows start or end at it", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([8e9]), { efficiency: 1 });
    let count = 0;
    for (let i = 0; i < 1000; i++) net.startFlow([0], 1e6 * (1 + (i % 2)), () => count++, i, { messages: 0 });
    sim.run();
    expect(count).toBe(1000);
    const s = net.stats();
    // Start; end of the 500 small flows; end of the 500 large ones.
    expect(s.recomputations).toBe(2);
    expect(s.flowsCompleted).toBe(1000);
  });

  it("only recomputes the component of the changed flows", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9, 1e9]), { efficiency: 1 });
    net.startFlow([0], 1e9, () => {}, 0, { messages: 0 });
    sim.run({ untilS: 0 });
    const before = net.stats().flowsRecomputed;
    net.startFlow([1], 1e9, () => {}, 1, { messages: 0 });
    sim.run({ untilS: 0 });
    expect(net.stats().flowsRecomputed - before).toBe(1);
    expect(net.stats().reschedules).toBe(0);
  });

  it("slows the flows over a degraded link from the moment it degrades", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9]), { efficiency: 1 });
    let at = 0;
    net.startFlow([0], 2e9, () => (at = sim.now), 0, { messages: 0 });
    sim.callAt(1, "degrade", () => net.setLinkBandwidthScale(0, 0.5));
    sim.run();
    // 1 GB in the first second, the other 1 GB at 0.5 GB/s.
    expect(at).toBeCloseTo(3, 12);
  });

  it("completes zero-byte and self flows after their latency only", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9], [1e-6]), { efficiency: 1, defaultMessageOverheadS: 0 });
    const times: number[] = [];
    net.startFlow([], 1e9, () => times.push(sim.now), 0);
    net.startFlow([0], 0, () => times.push(sim.now), 1);
    sim.run();
    expect(times).toEqual([0, 1e-6]);
  });

  it("two simulations in one process do not interfere", () => {
    const run = () => {
      const sim = new Simulator();
      const net = new FlowNetwork(sim, links([1e9, 2e9]), { efficiency: 1 });
      const out: number[] = [];
      for (let i = 0; i < 10; i++) net.startFlow([i % 2], 1e8 * (i + 1), () => out.push(sim.now), i, { messages: 0 });
      sim.run();
      return out;
    };
    expect(run()).toEqual(run());
  });
});
