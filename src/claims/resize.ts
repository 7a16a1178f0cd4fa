import type { ScenarioSpec } from "../scenario/scenario-spec.js";

export type ScalingMode = "weak" | "strong";

/** The overrides that resize a scenario to `cards`, or why that size cannot exist. */
export type Resize = { ok: true; sets: string[]; dp: number; globalBatchSize: number } | { ok: false; reason: string };

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * Resizes a (loaded) scenario to `cards`: dp = cards / (tp·pp·cp), nodes =
 * cards / cardsPerNode, and the global batch by the mode:
 * - weak: micro-batches per replica fixed (globalBatch / (microBatch·dp) of the
 *   scenario as written), so the global batch grows with dp;
 * - strong: the scenario's global batch fixed; each replica gets fewer
 *   micro-batches as dp grows (must stay whole).
 * Topology checks (scale-up domains that must divide the card count, switch
 * radices) and memory are checked by the run itself; their messages become
 * the row's reason.
 */
export function resizeSets(scenario: ScenarioSpec, cards: number, mode: ScalingMode): Resize {
  const p = scenario.parallel;
  const modelCards = p.tp * p.pp * p.cp;
  const perNode = scenario.topology.cardsPerNode;
  if (!(Number.isInteger(cards) && cards >= 1)) return { ok: false, reason: `cards: expected a positive integer` };
  if (cards % modelCards !== 0) {
    return {
      ok: false,
      reason: `data parallelism not integral: ${fmt(cards)} cards / (tp ${p.tp} x pp ${p.pp} x cp ${p.cp} = ${modelCards}) is not whole`,
    };
  }
  if (cards % perNode !== 0) {
    return { ok: false, reason: `${fmt(cards)} cards are not whole nodes of ${perNode} cards` };
  }
  const dp = cards / modelCards;
  const perReplica = p.globalBatchSize / (p.microBatchSize * p.dp);
  let globalBatchSize: number;
  if (mode === "weak") {
    if (!Number.isInteger(perReplica)) {
      return {
        ok: false,
        reason: `the scenario's micro-batches per replica (globalBatch ${p.globalBatchSize} / (microBatch ${p.microBatchSize} x dp ${p.dp})) is not whole`,
      };
    }
    globalBatchSize = perReplica * p.microBatchSize * dp;
  } else {
    globalBatchSize = p.globalBatchSize;
    if (globalBatchSize % (p.microBatchSize * dp) !== 0) {
      return {
        ok: false,
        reason: `strong scaling: global batch ${fmt(globalBatchSize)} is not a whole number of micro-batches of ${p.microBatchSize} per replica over dp ${fmt(dp)}`,
      };
    }
  }
  return {
    ok: true,
    dp,
    globalBatchSize,
    sets: [
      `topology.nodes=${cards / perNode}`,
      `topology.cards=${cards}`,
      `parallel.dp=${dp}`,
      `parallel.globalBatchSize=${globalBatchSize}`,
    ],
  };
}
