import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/engine/simulator.js";
import { FlowNetwork } from "../../src/network/flow-network.js";
import { linkTableOf } from "../helpers/link-table.js";

const links = linkTableOf;

const DELAY_S = 5e-6; // one message, zero link latency: the per-message overhead only
const A_FLOWS = 200; // on links [0, 1], 1e8 bytes each
const B_FLOWS = 400; // on link [1], 4e8 bytes each
const A_BYTES = 1e8;
const B_BYTES = 4e8;

function isAFlow(i: number): boolean {
  return i % 3 === 0 && i / 3 < A_FLOWS;
}

/**
 * Link 0 (2e10 B/s) carries the A flows, link 1 (1e11 B/s) the A and B flows.
 * Max-min: link 0 is the bottleneck of A (2e10 / 200 = 1e8 B/s < 1e11 / 600);
 * B share the rest of link 1, (1e11 - 2e10) / 400 = 2e8 B/s. A finish after
 * 1 s; B then have 2e8 bytes left at 1e11 / 400 = 2.5e8 B/s: 0.8 s more.
 */
function start(net: FlowNetwork, done: Float64Array, sim: Simulator, delayed: boolean): void {
  const opts = delayed ? { messages: 1, overheadS: DELAY_S } : { messages: 0 };
  const onDone = (tag: number) => {
    done[tag] = sim.now;
  };
  // Interleave the two groups so each batch mixes paths.
  for (let i = 0; i < A_FLOWS + B_FLOWS; i++) {
    const isA = isAFlow(i);
    net.startFlow(isA ? [0, 1] : [1], isA ? A_BYTES : B_BYTES, onDone, i, opts);
  }
}

describe("batched flow activation", () => {
  it("activates flows with the same activation time through one event, with max-min completion times", () => {
    const flows = A_FLOWS + B_FLOWS;
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([2e10, 1e11]), { efficiency: 1 });
    const done = new Float64Array(flows).fill(-1);
    start(net, done, sim, true);

    // Up to the activation instant: one activation event and one recomputation.
    sim.run({ untilS: DELAY_S });
    expect(sim.eventsProcessed).toBe(2);
    expect(net.stats().recomputations).toBe(1);
    for (let f = 0; f < flows; f++) expect(net.rateOf(f)).toBeGreaterThan(0);

    sim.run();
    // One event per flow for its completion, but not one more for its activation.
    expect(sim.eventsProcessed).toBeLessThan(2 * flows);
    expect(net.activeFlows).toBe(0);
    for (let i = 0; i < flows; i++) {
      expect(done[i]).toBeCloseTo(isAFlow(i) ? DELAY_S + 1 : DELAY_S + 1.8, 9);
    }

    // Same flows started without latency at the same instant (no activation events at all):
    // bit-identical completion times and the same number of events.
    const refSim = new Simulator();
    const refNet = new FlowNetwork(refSim, links([2e10, 1e11]), { efficiency: 1 });
    const refDone = new Float64Array(flows).fill(-1);
    refSim.callAt(DELAY_S, "start", () => start(refNet, refDone, refSim, false));
    refSim.run();
    expect(Array.from(done)).toEqual(Array.from(refDone));
    expect(sim.eventsProcessed).toBe(refSim.eventsProcessed);
    expect(net.stats()).toEqual(refNet.stats());
  });

  it("keeps one batch per distinct activation time, in insertion order, across many times", () => {
    // Flow pairs on their own links with delays that differ per pair: many distinct times,
    // each batch of two; enough times to make the time table grow, and remove entries out of order.
    const times = 3000;
    const bandwidth = 1e9;
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links(new Array(2 * times).fill(bandwidth)), { efficiency: 1 });
    const done = new Float64Array(2 * times).fill(-1);
    const order: number[] = [];
    const onDone = (tag: number) => {
      done[tag] = sim.now;
      order.push(tag);
    };
    const delayOf = (k: number) => 1e-6 * (1 + ((k * 7919) % times)); // a permutation of 1..times us
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < times; k++) {
        const tag = 2 * k + pass;
        net.startFlow([tag], bandwidth, onDone, tag, { messages: 1, overheadS: delayOf(k) });
      }
    }
    sim.run({ untilS: 0.5 });
    // One activation event and one recomputation per distinct time.
    expect(sim.eventsProcessed).toBe(2 * times);
    expect(net.stats().recomputations).toBe(times);
    sim.run();
    for (let k = 0; k < times; k++) {
      expect(done[2 * k]).toBeCloseTo(delayOf(k) + 1, 12);
      expect(done[2 * k + 1]).toBe(done[2 * k]);
    }
    // Within an instant the flows complete in insertion order (pass 0 before pass 1).
    for (let i = 0; i < order.length; i += 2) expect((order[i] as number) + 1).toBe(order[i + 1]);
  });

  it("gives a zero-byte flow and a delay below the clock's resolution their own events", () => {
    const sim = new Simulator();
    const net = new FlowNetwork(sim, links([1e9]), { efficiency: 1 });
    const times: number[] = [];
    const onDone = () => times.push(sim.now);
    net.startFlow([0], 0, onDone, 0, { messages: 1, overheadS: 1e-6 });
    net.startFlow([0], 1e9, onDone, 1, { messages: 1, overheadS: 1e-6 });
    // At t = 1e6 s a 1e-12 s delay rounds to no delay at all.
    sim.callAt(1e6, "late", () => net.startFlow([0], 1e9, onDone, 2, { messages: 1, overheadS: 1e-12 }));
    sim.run();
    expect(times[0]).toBe(1e-6);
    expect(times[1]).toBeCloseTo(1 + 1e-6, 12);
    expect(times[2]).toBe(1e6 + 1);
    expect(net.activeFlows).toBe(0);
  });
});
