import type { RandomStream, RandomStreams } from "../engine/rng.js";
import type { ComputeTiming } from "../system/ports.js";
import type { NoiseSpec } from "./noise-spec.js";

/**
 * Per-actor compute timing from a noise spec. An actor is a group of cards in
 * lock step (a TP group): it runs at the pace of its slowest card, and a pause
 * of any of its cards stalls it.
 *
 * - persistent: card factor = exp(sigma·Z) · (slow ? slowFactor : 1) ·
 *   (throttled ? 1/clockFactor : 1), drawn once per card from "card/<id>/persistent".
 * - jitter: each segment, each card draws exp(sigma·Z) from "card/<id>/jitter";
 *   the segment takes nominal · max over cards of (persistent · jitter).
 * - pauses: each card has a Poisson process of pauses (rate per second of
 *   compute, exponential lengths) from "card/<id>/pauses"; the group's
 *   segment is extended by the sum of its cards' pauses within it.
 */
export class NoisyComputeTiming implements ComputeTiming {
  private readonly persistent: Float64Array;
  private readonly jitterStreams: RandomStream[] = [];
  private readonly pauseStreams: RandomStream[] = [];

  constructor(
    private readonly spec: NoiseSpec,
    private readonly actorCards: (actor: number) => readonly number[],
    actors: number,
    private readonly streams: RandomStreams,
  ) {
    this.persistent = new Float64Array(actors);
    const slowSet = new Set(spec.persistent.slowCards);
    for (let a = 0; a < actors; a++) {
      let worst = 0;
      for (const card of actorCards(a)) {
        const f = this.cardFactor(card, slowSet.has(card));
        if (f > worst) worst = f;
      }
      this.persistent[a] = worst;
    }
  }

  private cardFactor(card: number, listedSlow: boolean): number {
    const s = this.spec;
    const rng = this.streams.stream(`card/${card}/persistent`);
    // Always draw in the same order so one source's setting never shifts another's draws.
    const z = rng.normal();
    const uSlow = rng.uniform();
    const uThrottle = rng.uniform();
    let f = Math.exp(s.persistent.sigma * z);
    if (listedSlow || uSlow < s.persistent.slowFraction) f *= s.persistent.slowFactor;
    if (uThrottle < s.throttling.fraction) f /= s.throttling.clockFactor;
    return f;
  }

  slowdown(actor: number): number {
    return this.persistent[actor] as number;
  }

  computeS(actor: number, nominalS: number): number {
    const s = this.spec;
    const cards = this.actorCards(actor);
    let factor = this.persistent[actor] as number;
    if (s.jitter.sigma > 0) {
      let worst = 0;
      for (const card of cards) {
        const j = Math.exp(s.jitter.sigma * this.jitterStream(card).normal());
        if (j > worst) worst = j;
      }
      factor *= worst;
    }
    let t = nominalS * factor;
    if (s.pauses.ratePerCardPerS > 0 && s.pauses.meanPauseS > 0 && t > 0) {
      let extra = 0;
      for (const card of cards) {
        const rng = this.pauseStream(card);
        // Pauses of this card that start within the segment: a Poisson count by exponential gaps.
        let at = rng.exponential(s.pauses.ratePerCardPerS);
        while (at < t) {
          extra += rng.exponential(1 / s.pauses.meanPauseS);
          at += rng.exponential(s.pauses.ratePerCardPerS);
        }
      }
      t += extra;
    }
    return t;
  }

  private jitterStream(card: number): RandomStream {
    let r = this.jitterStreams[card];
    if (r === undefined) {
      r = this.streams.stream(`card/${card}/jitter`);
      this.jitterStreams[card] = r;
    }
    return r;
  }

  private pauseStream(card: number): RandomStream {
    let r = this.pauseStreams[card];
    if (r === undefined) {
      r = this.streams.stream(`card/${card}/pauses`);
      this.pauseStreams[card] = r;
    }
    return r;
  }
}
