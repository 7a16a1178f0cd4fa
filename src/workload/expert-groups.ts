import { type ParallelPlan, rankOf } from "./plan-spec.js";

/**
 * Expert-parallel groups of a training plan, as Megatron-Core forms them
 * with expert tensor parallelism 1 ("MoE parallel folding"): the expert
 * layers use their own decomposition of a pipeline stage's tp·cp·dp ranks,
 * ETP × EP × EDP with ETP = 1, in the rank order tp-cp-ep-dp-pp
 * (megatron/core/parallel_state.py, initialize_model_parallel: the expert
 * RankGenerator with tp = expert_tensor_parallel_size, ep, dp = expert data
 * parallel, cp = 1). So an EP group is ep consecutive ranks of the dense
 * order (tp fastest, then cp, then dp): it may span the TP and CP ranks of a
 * replica, and a plan with ep > dp·cp is valid (Qwen3 235B-A22B's recipe:
 * TP 2, DP 16, EP 32). The recipes this repository runs set
 * expert_tensor_parallel_size = 1 (Megatron-Bridge perf recipes), and the
 * layer model keeps routed experts whole on a card (layer-ops.ts).
 *
 * In the executor's terms (an actor is one replica's tp·cp cards of a
 * pipeline rank, listed tp fastest): ep ≥ tp·cp takes ep / (tp·cp)
 * consecutive replicas with all their positions; ep < tp·cp takes blocks of
 * ep consecutive positions of one actor.
 */
export interface ExpertGroupShape {
  /** Consecutive replicas (actors of one pipeline rank) in a group. */
  replicas: number;
  /** Consecutive card positions of each actor in one group (the executor's positionBlock). */
  positionBlock: number;
}

export function expertGroupShape(plan: Pick<ParallelPlan, "tp" | "cp" | "ep">): ExpertGroupShape {
  const width = plan.tp * plan.cp;
  return plan.ep >= width
    ? { replicas: plan.ep / width, positionBlock: width }
    : { replicas: 1, positionBlock: plan.ep };
}

/**
 * Why a plan's ep cannot be laid out as consecutive ranks, or undefined:
 * ep must divide a stage's tp·cp·dp ranks and be a multiple or a divisor of
 * tp·cp (a group takes whole replicas or whole blocks of one).
 */
export function expertGroupError(plan: Pick<ParallelPlan, "tp" | "cp" | "dp" | "ep">): string | undefined {
  const { tp, cp, dp, ep } = plan;
  const width = tp * cp;
  if ((width * dp) % ep !== 0) {
    return `${ep} must divide tp·cp·dp = ${tp}·${cp}·${dp} = ${width * dp} (an EP group is ep consecutive ranks of a pipeline stage, Megatron-Core's expert layout with expert tensor parallelism 1)`;
  }
  if (ep % width !== 0 && width % ep !== 0) {
    return `expected ep to be a multiple or a divisor of tp·cp = ${width} (an EP group takes whole replicas or an aligned block of one), found ${ep}`;
  }
  return undefined;
}

/**
 * Cards of the EP group holding replica 0's first card on pipeline rank
 * `rank`, in the executor's order (member by member, positions in order).
 */
export function firstExpertGroupCards(plan: ParallelPlan, rank: number): number[] {
  const { replicas, positionBlock } = expertGroupShape(plan);
  const cards: number[] = [];
  for (let replica = 0; replica < replicas; replica++) {
    for (let pos = 0; pos < positionBlock; pos++) {
      cards.push(rankOf(plan, { tp: pos % plan.tp, cp: Math.floor(pos / plan.tp), dp: replica, pp: rank }));
    }
  }
  return cards;
}

/**
 * The cards holding the same experts as replica 0's first card on pipeline
 * rank `rank` (one per EP group: the expert data-parallel group, tp·cp·dp/ep
 * cards), for ZeRO-3 expert-weight gathers.
 */
export function expertDataParallelCards(plan: ParallelPlan, rank: number): number[] {
  const width = plan.tp * plan.cp;
  const groups = Math.floor((width * plan.dp) / plan.ep);
  return Array.from({ length: groups }, (_, g) => {
    const e = g * plan.ep;
    const pos = e % width;
    return rankOf(plan, { tp: pos % plan.tp, cp: Math.floor(pos / plan.tp), dp: Math.floor(e / width), pp: rank });
  });
}
