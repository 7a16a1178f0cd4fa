import { z } from "zod";

const fraction = (what: string) =>
  z
    .number()
    .min(0, { message: `${what} is a fraction: expected a number in [0, 1]` })
    .max(1, { message: `${what} is a fraction: expected a number in [0, 1]` });

/** Non-negative, with a plausibility ceiling (issue 13: an absurd value must not reach the engine as Infinity). */
const nonNegative = (what: string, max = 1e6) =>
  z
    .number()
    .min(0, { message: `${what} must be >= 0` })
    .max(max, { message: `${what}: expected at most ${max.toLocaleString("en-US")}` });

/** Lognormal sigma: above 2 a card's factor spans e^±8 (3,000x): not a plausible spread. */
const MAX_SIGMA = 2;

/** A ratio in (0, 1] that scales a rate down (clocks, bandwidth). */
const shareOfRate = (what: string, meaning: string) =>
  z
    .number()
    .min(0.01, { message: `${what} divides a rate: expected at least 0.01 (1%)` })
    .max(1, { message: `${what} is ${meaning}: expected a number in (0, 1]` })
    .default(1);

const slowdownFactor = z
  .number()
  .min(1, { message: "a slowdown factor multiplies time: expected a number >= 1 (1.5 = 50% slower)" })
  .max(1000, { message: "a slowdown factor multiplies time: expected at most 1000" });

/**
 * Imperfections of a real cluster, all drawn from per-entity seeded streams
 * ("card/17/...", "link/203"), so adding a card never changes another's draws.
 * Every source defaults to off; with all off the run equals the noise-free run.
 */
export const NoiseSpecSchema = z
  .strictObject({
    persistent: z
      .strictObject({
        sigma: z
          .number()
          .min(0, { message: "sigma must be >= 0" })
          .max(MAX_SIGMA, { message: `sigma: expected at most ${MAX_SIGMA} (a lognormal spread of e^±4σ)` })
          .default(0)
          .describe(
            "Per-card persistent speed spread: each card's compute time is multiplied by exp(sigma·N(0,1)), drawn once per run",
          ),
        slowFraction: fraction("slowFraction").default(0).describe("Fraction of cards that are slow (drawn per card)"),
        slowFactor: slowdownFactor.default(1).describe("Compute-time multiplier of a slow card (>= 1)"),
        slowCards: z
          .array(z.int().min(0))
          .default([])
          .describe("Explicit card ids that are slow by slowFactor (in addition to slowFraction)"),
      })
      .default({ sigma: 0, slowFraction: 0, slowFactor: 1, slowCards: [] })
      .describe("Persistent per-card slowdowns (silicon lottery, bad cooling)"),
    jitter: z
      .strictObject({
        sigma: z
          .number()
          .min(0, { message: "sigma must be >= 0" })
          .max(MAX_SIGMA, { message: `sigma: expected at most ${MAX_SIGMA} (a lognormal spread of e^±4σ)` })
          .default(0)
          .describe(
            "Per-pass lognormal jitter: each card's compute segment is multiplied by exp(sigma·N(0,1)), drawn fresh each time",
          ),
      })
      .default({ sigma: 0 })
      .describe("Transient per-pass speed noise"),
    pauses: z
      .strictObject({
        ratePerCardPerS: nonNegative("ratePerCardPerS")
          .default(0)
          .describe("Poisson rate of pauses per card (OS jitter, GC, host hiccups), per second of compute"),
        meanPauseS: nonNegative("meanPauseS")
          .default(0)
          .describe("Mean pause length in seconds (exponentially distributed)"),
      })
      .default({ ratePerCardPerS: 0, meanPauseS: 0 })
      .describe("Transient pauses; a pause of any card of a tensor-parallel group stalls the group"),
    throttling: z
      .strictObject({
        fraction: fraction("throttling.fraction").default(0).describe("Fraction of cards running at reduced clocks"),
        clockFactor: shareOfRate("clockFactor", "the clock ratio of a throttled card").describe(
          "Clock ratio of a throttled card (0.8 = 80% clocks: compute takes 1/0.8 as long)",
        ),
      })
      .default({ fraction: 0, clockFactor: 1 })
      .describe("Thermal or power throttling"),
    degradedLinks: z
      .strictObject({
        fraction: fraction("degradedLinks.fraction")
          .default(0)
          .describe(
            "Fraction of scale-out links (NICs and switch links) degraded. With routing ecmp (spread) a leaf's uplinks are one link per direction, so a drawn switch link degrades all of that leaf's uplinks in that direction (use ecmp-hash or destination routing for single cables)",
          ),
        bandwidthFactor: shareOfRate("bandwidthFactor", "the remaining share of bandwidth").describe(
          "Remaining bandwidth share of a degraded link (0.5 = half speed)",
        ),
        nicOfCards: z
          .array(z.int().min(0))
          .default([])
          .describe("Explicit cards whose NIC links (both directions) are degraded"),
      })
      .default({ fraction: 0, bandwidthFactor: 1, nicOfCards: [] })
      .describe("Degraded links: flapping optics, links trained down to a lower speed"),
  })
  .describe("Stragglers and noise");

export type NoiseSpec = z.infer<typeof NoiseSpecSchema>;

export const NO_NOISE: NoiseSpec = NoiseSpecSchema.parse({});

/** True when every noise source is off. */
export function isQuiet(n: NoiseSpec): boolean {
  return (
    n.persistent.sigma === 0 &&
    (n.persistent.slowFactor === 1 || (n.persistent.slowFraction === 0 && n.persistent.slowCards.length === 0)) &&
    n.jitter.sigma === 0 &&
    (n.pauses.ratePerCardPerS === 0 || n.pauses.meanPauseS === 0) &&
    (n.throttling.fraction === 0 || n.throttling.clockFactor === 1) &&
    (n.degradedLinks.bandwidthFactor === 1 ||
      (n.degradedLinks.fraction === 0 && n.degradedLinks.nicOfCards.length === 0))
  );
}
