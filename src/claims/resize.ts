import type { AnyScenario } from "../scenario/load-scenario.js";
import type { ScenarioSpec } from "../scenario/scenario-spec.js";
import type { ServingScenarioSpec } from "../scenario/serving-scenario-spec.js";
import { cardsPerInstance } from "../workload/serving/serving-spec.js";

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

/** The overrides that resize a serving scenario to `cards`, or why that size cannot exist. */
export type ServingResize = { ok: true; sets: string[]; instances: number } | { ok: false; reason: string };

/**
 * Resizes a (loaded) serving scenario to `cards`: instances = cards / (tp·pp)
 * (must be whole); the topology grows (whole nodes) when it holds fewer than
 * firstCard + cards cards, and is left as written otherwise (cards no
 * instance uses do not change a serving run). In weak mode the offered load
 * per instance is kept: it is multiplied by newInstances / oldInstances:
 * - poisson, gamma, constant: ratePerS (and the request count, so every
 *   instance still sees as many requests; durationS needs no change);
 * - closed-loop: users (must stay whole) and the request count;
 * - offline: requests (must stay whole);
 * - trace, rate-curve: cannot be scaled (a reason), unless the size is unchanged.
 * Request counts that are sample sizes (rate-based and closed-loop
 * `requests`, `warmupRequests`, `cooldownRequests`) are rounded. Strong mode keeps the load.
 */
export function resizeServingSets(scenario: ServingScenarioSpec, cards: number, mode: ScalingMode): ServingResize {
  const d = scenario.serving.deployment;
  const dp = scenario.serving.decode;
  const t = scenario.serving.traffic;
  const perInstance = cardsPerInstance(d);
  if (!(Number.isInteger(cards) && cards >= 1)) return { ok: false, reason: `cards: expected a positive integer` };
  const sets: string[] = [];
  let instances: number;
  let ratio: number;
  let need: number;
  if (dp) {
    // Disaggregated: both pools grow by the same factor (the P:D split of cards is kept) and the decode
    // pool follows the prefill pool's cards.
    const perDecode = cardsPerInstance(dp);
    const prefillCards = d.instances * perInstance;
    const decodeCards = dp.instances * perDecode;
    ratio = cards / (prefillCards + decodeCards);
    const p = d.instances * ratio;
    const q = dp.instances * ratio;
    if (!Number.isInteger(p) || !Number.isInteger(q)) {
      return {
        ok: false,
        reason: `pools not integral: ${fmt(cards)} cards keep the P:D split of ${fmt(d.instances)} prefill x ${perInstance} and ${fmt(dp.instances)} decode x ${perDecode} cards only as ${Number(p.toPrecision(6))} and ${Number(q.toPrecision(6))} instances`,
      };
    }
    instances = p + q;
    sets.push(
      `serving.deployment.instances=${p}`,
      `serving.decode.instances=${q}`,
      `serving.decode.firstCard=${d.firstCard + p * perInstance}`,
    );
    need = d.firstCard + cards;
  } else {
    if (cards % perInstance !== 0) {
      return {
        ok: false,
        reason: `instances not integral: ${fmt(cards)} cards / (${d.expertParallel ? `ep ${d.expertParallel.ep}` : `tp ${d.tp} x pp ${d.pp}`} = ${perInstance}) is not whole`,
      };
    }
    instances = cards / perInstance;
    ratio = instances / d.instances;
    sets.push(`serving.deployment.instances=${instances}`);
    need = d.firstCard + cards;
  }
  const perNode = scenario.topology.cardsPerNode;
  if (scenario.topology.nodes * perNode < need) {
    const nodes = Math.ceil(need / perNode);
    sets.unshift(`topology.nodes=${nodes}`, `topology.cards=${nodes * perNode}`);
  }
  const oldInstances = d.instances + (dp?.instances ?? 0);
  if (mode === "strong" || ratio === 1) return { ok: true, sets, instances };
  const scaled = (n: number) => n * ratio;
  const sampleCount = (n: number) => Math.max(1, Math.round(scaled(n)));
  const warmup = (requests: number | undefined) => {
    const scaledW = Math.round(scaled(t.warmupRequests));
    const w = requests === undefined ? scaledW : Math.min(scaledW, requests - 1);
    if (t.warmupRequests > 0) sets.push(`serving.traffic.warmupRequests=${w}`);
    if (t.cooldownRequests > 0) {
      const c = Math.round(scaled(t.cooldownRequests));
      sets.push(
        `serving.traffic.cooldownRequests=${requests === undefined ? c : Math.max(0, Math.min(c, requests - 1 - w))}`,
      );
    }
  };
  const load = `the offered load (x ${Number(ratio.toPrecision(6))} for ${fmt(instances)} instances instead of ${fmt(oldInstances)})`;
  switch (t.arrival) {
    case "trace":
    case "rate-curve":
      return {
        ok: false,
        reason: `weak scaling: a ${t.arrival === "trace" ? "trace" : "rate curve"} cannot be scaled to ${load}; use mode strong or a constant-rate arrival process`,
      };
    case "offline": {
      const requests = scaled(t.requests as number);
      if (!Number.isInteger(requests)) {
        return {
          ok: false,
          reason: `weak scaling: ${t.requests} offline requests do not scale to a whole number for ${load}`,
        };
      }
      sets.push(`serving.traffic.requests=${requests}`);
      warmup(requests);
      break;
    }
    case "closed-loop": {
      const users = scaled(t.users as number);
      if (!Number.isInteger(users)) {
        return { ok: false, reason: `weak scaling: ${t.users} users do not scale to a whole number for ${load}` };
      }
      sets.push(`serving.traffic.users=${users}`);
      const requests = t.requests === undefined ? undefined : sampleCount(t.requests);
      if (requests !== undefined) sets.push(`serving.traffic.requests=${requests}`);
      warmup(requests);
      break;
    }
    default: {
      sets.push(`serving.traffic.ratePerS=${scaled(t.ratePerS as number)}`);
      const requests = t.requests === undefined ? undefined : sampleCount(t.requests);
      if (requests !== undefined) sets.push(`serving.traffic.requests=${requests}`);
      warmup(requests);
    }
  }
  return { ok: true, sets, instances };
}

/** The overrides that resize a scenario of either kind to `cards` (see resizeSets and resizeServingSets). */
export function resizeAnySets(
  scenario: AnyScenario,
  cards: number,
  mode: ScalingMode,
): { ok: true; sets: string[] } | { ok: false; reason: string } {
  return scenario.kind === "serving"
    ? resizeServingSets(scenario.spec, cards, mode)
    : resizeSets(scenario.spec, cards, mode);
}

/** Cards a serving deployment uses: instances · tp · pp. */
export function servingCards(scenario: ServingScenarioSpec): number {
  const d = scenario.serving.deployment;
  const dp = scenario.serving.decode;
  return d.instances * cardsPerInstance(d) + (dp ? dp.instances * cardsPerInstance(dp) : 0);
}
