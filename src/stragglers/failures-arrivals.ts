import { RandomStreams } from "../engine/rng.js";
import { Simulator } from "../engine/simulator.js";

/** Which kind of component a failure hit. */
export const CARD_FAILURE = 0;
export const NODE_FAILURE = 1;

/**
 * The failure arrivals of a cluster: every card and every node is an
 * independent exponential failure process with its own seeded stream
 * ("fail/card/17", "fail/node/3"), so adding cards never changes another's
 * draws. A failed part is replaced at once by a new one with the same rate,
 * so each process is a Poisson process and the arrivals are their
 * superposition, in wall-clock time. Failures do not depend on what the job
 * is doing, so one seed's arrival sequence can be replayed against several
 * checkpoint intervals (common random numbers).
 *
 * The arrivals are produced lazily on an engine Simulator: one pending event
 * per component at its next failure time; each event records the arrival and
 * draws that component's next failure.
 */
export class FailureArrivals {
  private readonly sim = new Simulator();
  private readonly timesS: number[] = [];
  private readonly kinds: number[] = [];
  private readonly components: number[] = [];

  constructor(
    readonly seed: number,
    readonly cards: number,
    readonly nodes: number,
    cardRatePerS: number,
    nodeRatePerS: number,
  ) {
    const streams = new RandomStreams(seed);
    const cardStreams = streamsFor(streams, "fail/card/", cardRatePerS > 0 ? cards : 0);
    const nodeStreams = streamsFor(streams, "fail/node/", nodeRatePerS > 0 ? nodes : 0);
    const record = (kind: number, component: number) => {
      this.timesS.push(this.sim.now);
      this.kinds.push(kind);
      this.components.push(component);
    };
    const cardFails = this.sim.handler("card-failure", (card) => {
      record(CARD_FAILURE, card);
      this.sim.after((cardStreams[card] as Stream).exponential(cardRatePerS), cardFails, card);
    });
    const nodeFails = this.sim.handler("node-failure", (node) => {
      record(NODE_FAILURE, node);
      this.sim.after((nodeStreams[node] as Stream).exponential(nodeRatePerS), nodeFails, node);
    });
    cardStreams.forEach((s, card) => {
      this.sim.at(s.exponential(cardRatePerS), cardFails, card);
    });
    nodeStreams.forEach((s, node) => {
      this.sim.at(s.exponential(nodeRatePerS), nodeFails, node);
    });
  }

  /** Time of the i-th failure (0-based), seconds; Infinity if nothing can fail. */
  timeS(i: number): number {
    this.extendTo(i);
    return this.timesS[i] ?? Number.POSITIVE_INFINITY;
  }

  /** CARD_FAILURE or NODE_FAILURE for the i-th failure. */
  kind(i: number): number {
    this.extendTo(i);
    return this.kinds[i] ?? -1;
  }

  /** Index of the card or node the i-th failure hit. */
  component(i: number): number {
    this.extendTo(i);
    return this.components[i] ?? -1;
  }

  private extendTo(i: number): void {
    while (this.timesS.length <= i && this.sim.pending > 0) this.sim.run({ maxEvents: 1 });
  }
}

type Stream = ReturnType<RandomStreams["stream"]>;

function streamsFor(streams: RandomStreams, prefix: string, count: number): Stream[] {
  const out: Stream[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = streams.stream(prefix + i);
  return out;
}
