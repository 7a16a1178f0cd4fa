import { expectedMaxNormal } from "../../metrics/extreme-value.js";

/**
 * Expected routing statistics of one MoE layer for a batch of T tokens under
 * uniform random routing: how many distinct routed experts the batch touches
 * (the expert weights an iteration must read) and how much more work the
 * busiest expert-parallel rank gets than the average one (the straggler the
 * dispatch/combine and the expert GEMMs wait for).
 *
 * Routing models (E experts, top-k, G groups; G = 1 is plain top-k):
 * - plain top-k: every token picks k distinct experts uniformly at random
 *   (a uniform k-subset of the E), tokens independently;
 * - grouped (MoGE, Pangu Pro MoE, arXiv:2505.21411 §2.2 eq. 6): the experts
 *   form G equal groups of E/G and every token picks k/G distinct experts
 *   uniformly in each group, groups and tokens independently.
 * Placement: the E experts are spread evenly over `ep` cards (E/ep
 * each, contiguous, so group g is on ranks g·ep/G … (g+1)·ep/G − 1 when ep is
 * a multiple of G, and rank r holds the G/ep whole groups r·G/ep … when G is
 * a multiple of ep). Other (G, ep) pairs are rejected.
 *
 * Real routers are not uniform (DeepSeek and SGLang balance hot experts with
 * redundant copies, EPLB): these are the balanced-router baselines.
 */
export interface ExpertRoutingSpec {
  /** Routed experts per MoE layer, E. */
  experts: number;
  /** Routed experts each token activates, k. */
  topK: number;
  /** Expert groups G (MoGE): k/G experts per group per token; 1 = plain top-k. Must divide E and k. */
  groups: number;
  /** Expert-parallel ranks (cards) holding the E experts evenly, ep: divides E; a multiple or a divisor of G. */
  ep: number;
  /** Tokens in the batch, T >= 0 (a mean may be fractional). */
  tokens: number;
}

export interface ExpertRouting {
  /** Expected number of distinct experts the batch activates (see expectedDistinctExperts). */
  distinctExperts: number;
  /** Mean (token, expert) assignments per EP rank: T·k/ep. */
  meanAssignmentsPerRank: number;
  /** Expected load of the busiest EP rank over the mean (>= 1; see expertLoadImbalance). */
  imbalanceFactor: number;
}

/** Both statistics of one batch (see the two functions below for the formulas). */
export function expertRouting(spec: ExpertRoutingSpec): ExpertRouting {
  checkSpec(spec);
  return {
    distinctExperts: distinct(spec),
    meanAssignmentsPerRank: (spec.tokens * spec.topK) / spec.ep,
    imbalanceFactor: imbalance(spec),
  };
}

/**
 * Expected number of distinct experts activated by T tokens (exact under the
 * routing models above). Plain top-k: an expert is in a token's uniform
 * k-subset with probability k/E, independently across tokens, so
 *   D = E · (1 − (1 − k/E)^T).
 * Grouped: in each group of E/G experts a token picks k/G, so summed over the
 * G groups
 *   D = G · (E/G) · (1 − (1 − (k/G)/(E/G))^T) = E · (1 − (1 − k/E)^T),
 * the same value: grouping changes which experts are picked together (the
 * per-rank load, below), not how often each one is.
 */
export function expectedDistinctExperts(spec: Omit<ExpertRoutingSpec, "ep">): number {
  checkSpec({ ...spec, ep: 1 });
  return distinct(spec);
}

/**
 * Expected load of the busiest EP rank relative to the mean, for T tokens
 * (load = (token, expert) assignments a rank serves; the mean is T·k/ep).
 *
 * Grouped with every rank holding whole groups (G a multiple of ep,
 * including ep = G): each rank gets exactly (G/ep)·(k/G) = k/ep assignments
 * per token, so every rank serves T·k/ep and the factor is exactly 1.
 *
 * Otherwise (plain top-k, or grouped with j = ep/G >= 2 ranks per group):
 * within a group of E' = E/G experts (E' = E, k' = k, j = ep when plain) a
 * token's k' = k/G picks are a uniform k'-subset, so the count landing on one
 * rank (E'/j of the group's experts) is hypergeometric with mean k'/j and
 * variance k'·(1/j)·(1 − 1/j)·(E' − k')/(E' − 1). Summed over T independent
 * tokens the rank load has mean μ = T·k'/j = T·k/ep and
 *   σ² = T·k'·(1/j)·(1 − 1/j)·(E' − k')/(E' − 1),
 *   σ/μ = sqrt((j − 1)·(E' − k') / (T·k'·(E' − 1))).
 * APPROXIMATION (normal loads): the ep loads are taken as normal with that
 * mean and σ, and as exchangeable with the average pairwise correlation that
 * their fixed total T·k forces, ρ = −1/(ep − 1). Such loads are distributed
 * as μ + σ·sqrt(ep/(ep − 1))·(W_i − W̄) with W_1..W_ep i.i.d. standard
 * normals, and E[max_i (W_i − W̄)] = e(ep), the expected maximum of ep
 * standard normals (numerical integration, src/metrics/extreme-value.ts;
 * e(2) = 1/√π ≈ 0.5642, e(8) ≈ 1.4236, e(16) ≈ 1.7660; its large-n asymptote
 * is sqrt(2 ln n), which overstates it at small n: 2.04 for n = 8). So
 *   factor = 1 + sqrt(ep/(ep − 1)) · e(ep) · σ/μ,
 * which for plain top-k is 1 + e(ep)·sqrt(ep·(E − k) / (T·k·(E − 1))).
 * Exact for the normal model when plain; grouped with j >= 2 it treats ranks
 * of different groups (independent) like those of one group (negatively
 * correlated). Checked against simulated routing
 * (test/workload/expert-routing.test.ts and a 3,000-batch Monte Carlo per
 * case): within 1-3% when the mean load per rank T·k/ep is 50 or more
 * (E = 64, k = 8, ep = 8, T = 64: 1.168 vs 1.171; G = 8, ep = 16: 1.228 vs
 * 1.222), but low by 4-10% when it is a few assignments, where the Poisson-like
 * right skew the normal lacks dominates (E = 256, k = 8, ep = 256, T = 128,
 * mean 4: 2.39 vs 2.63). The factor is capped at the largest possible load,
 * T·min(k', E/ep) per rank: factor <= ep·min(k', E/ep)/k. It falls as
 * 1/sqrt(T) and grouped never exceeds plain (same ep, E, k): σ/μ shrinks by
 * sqrt((j − 1)(E − 1)·G / ((ep − 1)(E − G))) <= 1. T = 0: no load, factor 1.
 */
export function expertLoadImbalance(spec: ExpertRoutingSpec): number {
  checkSpec(spec);
  return imbalance(spec);
}

function distinct(spec: Omit<ExpertRoutingSpec, "ep">): number {
  const { experts: E, topK: k, tokens: T } = spec;
  if (T === 0) return 0;
  // Per-expert pick probability (k/G)/(E/G) = k/E in every group.
  return E * -Math.expm1(T * Math.log1p(-k / E));
}

function imbalance(spec: ExpertRoutingSpec): number {
  return imbalanceOfTokens(spec)(spec.tokens);
}

/**
 * expertLoadImbalance as a function of the token count for fixed experts,
 * groups and ranks: the expected maximum of ep normals (a numerical
 * integral) is computed once, so a simulation can price every iteration's
 * batch without integrating again.
 */
export function expertLoadImbalanceOfTokens(spec: Omit<ExpertRoutingSpec, "tokens">): (tokens: number) => number {
  checkSpec({ ...spec, tokens: 0 });
  return imbalanceOfTokens(spec);
}

function imbalanceOfTokens(spec: Omit<ExpertRoutingSpec, "tokens">): (tokens: number) => number {
  const { experts: E, topK: k, groups: G, ep } = spec;
  const one = () => 1;
  if (ep === 1) return one;
  if (G % ep === 0) return one; // every rank holds whole groups: exactly T·k/ep each
  const j = ep / G; // ranks per group (integer: checked)
  const groupExperts = E / G;
  const groupTopK = k / G;
  if (groupTopK === groupExperts) return one; // every expert of the group is picked by every token
  const cvAtOneToken = Math.sqrt(((j - 1) * (groupExperts - groupTopK)) / (groupTopK * (groupExperts - 1)));
  const z = Math.sqrt(ep / (ep - 1)) * expectedMaxNormal(ep);
  const cap = (ep * Math.min(groupTopK, E / ep)) / k;
  return (T) => (T === 0 ? 1 : Math.min(1 + (z * cvAtOneToken) / Math.sqrt(T), cap));
}

function checkSpec(spec: ExpertRoutingSpec): void {
  const { experts: E, topK: k, groups: G, ep, tokens: T } = spec;
  const fail = (message: string): never => {
    throw new RangeError(`expert routing: ${message}`);
  };
  for (const [name, v] of [
    ["experts", E],
    ["topK", k],
    ["groups", G],
    ["ep", ep],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) fail(`${name} must be an integer >= 1, found ${v}`);
  }
  if (!(T >= 0) || !Number.isFinite(T)) fail(`tokens must be a finite number >= 0, found ${T}`);
  if (k > E) fail(`topK ${k} exceeds experts ${E}`);
  if (E % G !== 0) fail(`groups ${G} must divide experts ${E}`);
  if (k % G !== 0) fail(`groups ${G} must divide topK ${k}`);
  if (E % ep !== 0) fail(`ep ${ep} must divide experts ${E} (experts held evenly)`);
  if (ep % G !== 0 && G % ep !== 0) fail(`ep ${ep} and groups ${G} must be multiples of one another`);
}
