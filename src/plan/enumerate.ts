import { expertGroupError } from "../workload/expert-groups.js";
import type { Model } from "../workload/model-spec.js";
import type { ParallelPlan } from "../workload/plan-spec.js";

/** The plan fields the search varies; every other field of the scenario's plan is kept. */
export const SEARCH_FIELDS = [
  "tp",
  "pp",
  "dp",
  "cp",
  "ep",
  "virtualStages",
  "microBatchSize",
  "recompute",
  "zeroStage",
] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** One candidate: the searched fields' values (dp follows from the others and the card count). */
export type Candidate = Pick<ParallelPlan, SearchField>;

/** Values tried per field (ASSUMPTION: the settings practitioners use; docs/plan-search.md). */
export const TP_CANDIDATES = [1, 2, 4, 8, 16, 32, 64];
export const CP_CANDIDATES = [1, 2, 4, 8];
export const VIRTUAL_STAGE_CANDIDATES = [1, 2, 3, 4, 6, 8, 12];
export const MICRO_BATCH_CANDIDATES = [1, 2, 4, 8, 16];
export const RECOMPUTE_CANDIDATES: ParallelPlan["recompute"][] = ["none", "selective", "full"];
export const ZERO_CANDIDATES: ParallelPlan["zeroStage"][] = [0, 1, 2, 3];

/**
 * Every combination of the searched fields for `cards` cards and the global
 * batch, pruned only by arithmetic (tp·pp·cp·dp = cards, pp ≤ layers, layers
 * divisible by pp·v unless the scenario's own uneven split `stageLayers`
 * has pp entries, the global batch divisible by dp·micro-batch, ep
 * dividing the experts and the cp·dp ranks, interleaving only with pp > 1);
 * plan-check and the memory model decide the rest. Order is deterministic.
 */
export function enumerateCandidates(
  model: Model,
  cards: number,
  globalBatchSize: number,
  baseStageLayers?: readonly number[],
): Candidate[] {
  const out: Candidate[] = [];
  const experts = model.moe?.experts ?? 0;
  for (const tp of TP_CANDIDATES) {
    if (cards % tp !== 0) continue;
    for (const cp of CP_CANDIDATES) {
      if ((cards / tp) % cp !== 0) continue;
      const rest = cards / tp / cp;
      for (const pp of divisors(rest)) {
        if (pp > model.layers) continue;
        const dp = rest / pp;
        const eps =
          experts > 0
            ? divisors(tp * cp * dp).filter(
                (e) => experts % e === 0 && expertGroupError({ tp, cp, dp, ep: e }) === undefined,
              )
            : [1];
        for (const v of VIRTUAL_STAGE_CANDIDATES) {
          if (v > 1 && pp === 1) continue;
          // The scenario's own uneven split serves its own pipeline depth; other depths split evenly.
          const ownSplit = baseStageLayers !== undefined && baseStageLayers.length === pp;
          if (!ownSplit && model.layers % (pp * v) !== 0) continue;
          for (const mbs of MICRO_BATCH_CANDIDATES) {
            if (globalBatchSize % (dp * mbs) !== 0) continue;
            for (const ep of eps) {
              for (const recompute of RECOMPUTE_CANDIDATES) {
                for (const zeroStage of ZERO_CANDIDATES) {
                  out.push({ tp, pp, dp, cp, ep, virtualStages: v, microBatchSize: mbs, recompute, zeroStage });
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Divisors of n in increasing order. */
export function divisors(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d * d !== n) large.unshift(n / d);
  }
  return [...small, ...large];
}

/**
 * The scenario's plan with a candidate's fields and the schedule
 * interleaving needs; the scenario's `stageLayers` is kept for its own
 * pipeline depth and replaced by an even split for any other.
 */
export function applyCandidate(base: ParallelPlan, c: Candidate, layers: number): ParallelPlan {
  const schedule = c.virtualStages > 1 ? "interleaved-1f1b" : base.schedule === "gpipe" ? "gpipe" : "1f1b";
  const plan: ParallelPlan = { ...base, ...c, schedule };
  if (base.stageLayers !== undefined && base.stageLayers.length !== c.pp) {
    plan.stageLayers = Array.from({ length: c.pp }, () => layers / c.pp);
  }
  return plan;
}

/** The `--set` overrides that turn the scenario's plan into this candidate (for the DES runs). */
export function candidateSets(base: ParallelPlan, c: Candidate, layers: number): string[] {
  const plan = applyCandidate(base, c, layers);
  const sets = SEARCH_FIELDS.map((f) => `parallel.${f}=${plan[f]}`);
  sets.push(`parallel.schedule=${plan.schedule}`);
  if (plan.stageLayers !== undefined) sets.push(`parallel.stageLayers=[${plan.stageLayers.join(",")}]`);
  return sets;
}
