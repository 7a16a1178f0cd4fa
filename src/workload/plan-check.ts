import type { Accelerator } from "../hardware/types.js";
import { expertGroupError } from "./expert-groups.js";
import type { Model } from "./model-spec.js";
import type { ParallelPlan } from "./plan-spec.js";

/**
 * Semantic checks of a parallel plan against a model and a cluster. Every
 * problem is collected (none thrown); each names the fields and numbers.
 * Severity "error": the plan cannot run as stated (the scenario is rejected).
 * Severity "warning": it runs but is probably not what was meant, e.g. TP
 * wider than the scale-up domain (legal, its collectives cross the slow
 * network; Narayanan et al. 2021 §3.3 keep TP inside a node for that reason).
 */
/**
 * Most micro-batches one replica runs per step: each is simulated task by
 * task, so an absurd global batch (1e15) would exhaust memory instead of
 * failing (issue 13). Real plans use tens to a few thousand.
 */
export const MAX_MICRO_BATCHES_PER_STEP = 100_000;

export interface PlanIssue {
  /** Field path, e.g. "parallel.tp". */
  path: string;
  message: string;
  severity: "error" | "warning";
}

export interface CheckPlanOptions {
  /** Prefix of the field paths (default "parallel"). */
  pathPrefix?: string;
  /** When given, the plan's precision must have a peak on this card. */
  accelerator?: Accelerator;
}

export function formatPlanIssue(issue: PlanIssue): string {
  return `${issue.path}: ${issue.message}`;
}

export function checkPlan(
  m: Model,
  plan: ParallelPlan,
  cards: number,
  scaleUpDomainCards: number,
  options: CheckPlanOptions = {},
): PlanIssue[] {
  const prefix = options.pathPrefix ?? "parallel";
  const issues: PlanIssue[] = [];
  const err = (field: string, message: string) =>
    issues.push({ path: `${prefix}.${field}`, message, severity: "error" });
  const warn = (field: string, message: string) =>
    issues.push({ path: `${prefix}.${field}`, message, severity: "warning" });
  const { tp, pp, dp, cp, ep, virtualStages: v } = plan;
  const sp = plan.sequenceParallel ?? tp > 1;

  // Cards.
  const product = tp * pp * dp * cp;
  if (product !== cards) {
    err("dp", `tp·pp·dp·cp = ${tp}·${pp}·${dp}·${cp} = ${product} but the cluster has ${cards} cards`);
  }

  // Tensor parallelism: heads, KV heads, FFN, sequence split.
  if (m.attentionHeads % tp !== 0) err("tp", `${tp} does not divide attentionHeads ${m.attentionHeads}`);
  else if (m.kvHeads % tp !== 0 && tp % m.kvHeads !== 0) {
    err(
      "tp",
      `${tp} neither divides kvHeads ${m.kvHeads} nor is a multiple of it (Megatron needs whole KV groups per TP rank, or each group replicated over tp / kvHeads ranks)`,
    );
  }
  if (m.ffnHiddenSize % tp !== 0) err("tp", `${tp} does not divide ffnHiddenSize ${m.ffnHiddenSize}`);
  if (m.moe && m.moe.sharedExperts > 0 && (m.moe.sharedExperts * m.moe.sharedExpertFfnHiddenSize) % tp !== 0) {
    err(
      "tp",
      `${tp} does not divide the shared experts' FFN size ${m.moe.sharedExperts}·${m.moe.sharedExpertFfnHiddenSize}`,
    );
  }
  if (tp > scaleUpDomainCards) {
    warn(
      "tp",
      `${tp} exceeds the scale-up domain of ${scaleUpDomainCards} cards: TP collectives cross the scale-out network`,
    );
  } else if (scaleUpDomainCards % tp !== 0) {
    warn(
      "tp",
      `${tp} does not divide the scale-up domain of ${scaleUpDomainCards} cards: some TP groups straddle two domains`,
    );
  }
  if (sp && tp > 1 && (m.seqLength / cp) % tp !== 0) {
    err("sequenceParallel", `sequence parallelism needs tp ${tp} to divide seqLength/cp = ${m.seqLength}/${cp}`);
  }
  if (m.moe && tp > 1 && !sp) {
    err(
      "sequenceParallel",
      `MoE with tp ${tp} needs sequenceParallel (Megatron-Core requires it for expert parallelism with TP)`,
    );
  }

  // Context parallelism: load-balanced causal split into 2·cp chunks (Megatron-Core).
  if (cp > 1 && m.seqLength % (2 * cp) !== 0) {
    err("cp", `seqLength ${m.seqLength} is not divisible by 2·cp = ${2 * cp} (load-balanced causal split)`);
  }

  // Pipeline: layer split, virtual stages, schedule.
  if (plan.stageLayers !== undefined) {
    const sl = plan.stageLayers;
    const sum = sl.reduce((a, b) => a + b, 0);
    if (sl.length !== pp) err("stageLayers", `has ${sl.length} entries but pp is ${pp}`);
    if (sum !== m.layers) err("stageLayers", `sums to ${sum} but the model has ${m.layers} layers`);
    sl.forEach((n, i) => {
      if (n < v) err(`stageLayers.${i}`, `${n} layers cannot fill virtualStages ${v} chunks (at least one layer each)`);
    });
  } else if (m.layers % pp !== 0) {
    err("pp", `${pp} does not divide layers ${m.layers} (give stageLayers to split unevenly)`);
  } else if ((m.layers / pp) % v !== 0) {
    err(
      "virtualStages",
      `${v} does not divide the ${m.layers / pp} layers per pipeline stage (layers ${m.layers} / pp ${pp})`,
    );
  }
  if (plan.schedule === "interleaved-1f1b" && v < 2) {
    err("virtualStages", `interleaved-1f1b needs virtualStages ≥ 2, found ${v}`);
  }
  if (plan.schedule !== "interleaved-1f1b" && v > 1) {
    err("schedule", `virtualStages ${v} needs schedule interleaved-1f1b, found ${plan.schedule}`);
  }
  if (plan.schedule === "interleaved-1f1b" && pp < 2) {
    err("schedule", "interleaved-1f1b needs pp ≥ 2");
  }

  // Recomputed modules: used with selective recomputation only, and only modules the model has.
  if (plan.recomputeModules !== undefined) {
    if (plan.recompute !== "selective") {
      // Megatron-Core reads recompute_modules only with recompute_granularity selective (a plan search
      // also varies recompute under a scenario that lists modules).
      warn(
        "recomputeModules",
        `ignored: the modules are re-run only with recompute: selective, found recompute: ${plan.recompute}`,
      );
    }
    const has: Record<string, string | null> = {
      core_attn: null,
      layernorm: null,
      mla_up_proj: m.mla ? null : "the model has no MLA attention (model.mla)",
      moe_act: m.moe ? null : "the model has no MoE layers (model.moe)",
      shared_experts: m.moe && m.moe.sharedExperts > 0 ? null : "the model's MoE layers have no shared experts",
      mlp: m.layerKinds.includes("dense") ? null : "every layer of the model is an MoE layer (no dense FFN)",
    };
    plan.recomputeModules.forEach((module, i) => {
      const why = has[module];
      if (why) err(`recomputeModules.${i}`, `${module}: ${why}`);
    });
  }

  // Batch.
  const perStep = plan.microBatchSize * dp;
  if (plan.globalBatchSize % perStep !== 0) {
    err(
      "globalBatchSize",
      `${plan.globalBatchSize} is not divisible by microBatchSize·dp = ${plan.microBatchSize}·${dp}`,
    );
  } else {
    const mbs = plan.globalBatchSize / perStep;
    if (plan.schedule === "interleaved-1f1b" && mbs % pp !== 0) {
      err(
        "globalBatchSize",
        `interleaved-1f1b needs micro-batches per step (${plan.globalBatchSize}/(${plan.microBatchSize}·${dp}) = ${mbs}) divisible by pp ${pp}`,
      );
    }
    if (pp > 1 && mbs < pp) {
      warn("globalBatchSize", `${mbs} micro-batches per step for pp ${pp}: the pipeline never fills`);
    }
    if (mbs > MAX_MICRO_BATCHES_PER_STEP) {
      err(
        "globalBatchSize",
        `expected at most ${MAX_MICRO_BATCHES_PER_STEP.toLocaleString("en-US")} micro-batches per replica per step (a plausible plan the simulator can run), found ${plan.globalBatchSize.toLocaleString("en-US")}/(${plan.microBatchSize}·${dp}) = ${mbs.toLocaleString("en-US")}`,
      );
    }
  }

  // Experts.
  if (ep > 1 && !m.moe) err("ep", `ep ${ep} but the model has no MoE layers`);
  if (m.moe) {
    if (m.moe.experts % ep !== 0) err("ep", `${ep} must divide experts ${m.moe.experts}`);
    const layout = ep > 1 ? expertGroupError({ tp, cp, dp, ep }) : undefined;
    if (layout !== undefined) err("ep", layout);
  }
  if (ep === 1 && plan.expertDispatch !== undefined) {
    warn("expertDispatch", "has no effect with ep 1 (no expert all-to-alls)");
  }
  if (plan.expertCommOverlap) {
    if (ep === 1) warn("expertCommOverlap", "has no effect with ep 1 (no expert all-to-alls)");
    else if (v > 1 || plan.schedule !== "1f1b") {
      warn(
        "expertCommOverlap",
        `not applied: it pairs the forward and backward passes of the non-interleaved 1f1b schedule, found ${v > 1 ? `virtualStages ${v}` : `schedule ${plan.schedule}`}`,
      );
    }
  }

  // ZeRO with pipelines (DeepSpeed rejects ZeRO-2/3 with pipeline parallelism).
  if (plan.zeroStage >= 2 && pp > 1) {
    warn(
      "zeroStage",
      `ZeRO-${plan.zeroStage} with pp ${pp}: DeepSpeed does not support it; simulated as gradients reduce-scattered once per step`,
    );
  }

  // Precision vs the card.
  const acc = options.accelerator;
  if (acc && acc.peakFlopsPerS[plan.precision] === undefined) {
    err("precision", `${plan.precision} but ${acc.name} has no ${plan.precision} peak in the catalog`);
  }
  return issues;
}
