import type { CollectiveOp } from "../collectives/types.js";
import type { Model } from "./model-spec.js";
import { memoryOp, type Op } from "./ops.js";
import { paramsPerCard } from "./params.js";
import { defaultBucketParams, type ParallelPlan, type ResolvedPlan } from "./plan-spec.js";

/**
 * Mixed-precision Adam, per parameter (Micikevicius et al. 2018; Rajbhandari
 * et al. 2020, ZeRO §3: 2 + 2 + 12 bytes): bf16 weights (2), gradients in the
 * reduce dtype (fp32 4 in Megatron-LM with bf16, else 2), fp32 master weights,
 * momentum and variance (12) by default; `parallel.optimizerPrecision` stores
 * the master copy or the moments in bf16 (2 bytes each) instead.
 */
export const WEIGHT_BYTES_PER_PARAM = 2;

const STATE_DTYPE_BYTES = { fp32: 4, bf16: 2 } as const;

/** Bytes of the optimizer's master weights and of each of Adam's two moments, per parameter. */
function optimizerStateDtypeBytes(plan: Pick<ParallelPlan, "optimizerPrecision">): { master: number; moment: number } {
  const o = plan.optimizerPrecision;
  return { master: STATE_DTYPE_BYTES[o?.mainParams ?? "fp32"], moment: STATE_DTYPE_BYTES[o?.moments ?? "fp32"] };
}

/** Optimizer-state bytes per parameter: master weights + momentum + variance (12 by default). */
export function optimizerStateBytesPerParam(plan: Pick<ParallelPlan, "optimizerPrecision">): number {
  const { master, moment } = optimizerStateDtypeBytes(plan);
  return master + 2 * moment;
}

/**
 * HBM traffic of one Adam update per parameter: read the gradient (4, fp32 after
 * unscaling), the master weights and both moments, write them back, write the
 * bf16 weight (2): 30 bytes with fp32 states. ASSUMPTION: a fused multi-tensor
 * kernel, no extra passes.
 */
export function adamBytesPerParam(plan: Pick<ParallelPlan, "optimizerPrecision">): number {
  return 4 + 2 * optimizerStateBytesPerParam(plan) + WEIGHT_BYTES_PER_PARAM;
}
/** ASSUMPTION: ~12 FLOPs per parameter per Adam update (moments, bias correction, sqrt, divide, update). */
export const ADAM_FLOPS_PER_PARAM = 12;

export function gradientBytesPerParam(plan: ParallelPlan): number {
  return plan.gradReducePrecision === "fp32" ? 4 : 2;
}

/** Sizes of the groups parameters are data-parallel over. */
export function dataParallelGroups(plan: ParallelPlan): { dense: number; expert: number } {
  // Megatron-Core reduces dense gradients over dp·cp, expert gradients over the
  // expert-data-parallel group: tp·dp·cp/ep cards hold the same experts (expert TP = 1).
  return { dense: plan.dp * plan.cp, expert: (plan.tp * plan.dp * plan.cp) / plan.ep };
}

/** Optimizer-step ops of one card of a pipeline stage (memory bound), given ZeRO sharding. */
export function optimizerOps(m: Model, plan: ParallelPlan, stage: number): Op[] {
  const params = paramsPerCard(m, plan, stage);
  const groups = dataParallelGroups(plan);
  const shard = plan.zeroStage >= 1;
  const updated = params.dense / (shard ? groups.dense : 1) + params.expert / (shard ? groups.expert : 1);
  const held = params.dense + params.expert;
  const gb = gradientBytesPerParam(plan);
  const gradsHeld = plan.zeroStage >= 2 ? updated : held;
  // Multi-tensor kernels over whole buffers: priced at the streaming efficiency, not the per-token
  // elementwise one (ASSUMPTION: no profile of them; docs/model.md "Hardware").
  return [
    // Global gradient norm for clipping: read every local gradient once (+ a scalar all-reduce).
    { ...memoryOp("grad-norm", updated * gb, updated), streaming: true },
    {
      name: "adam",
      kind: "memory",
      flops: ADAM_FLOPS_PER_PARAM * updated,
      bytes: adamBytesPerParam(plan) * updated,
      streaming: true,
    },
    // Zero the gradient buffer for the next step.
    { ...memoryOp("zero-grad", gradsHeld * gb, gradsHeld), streaming: true },
  ];
}

/** Data-parallel gradient synchronisation of one card of a pipeline stage, per step. */
export interface DataParallelWork {
  /** allreduce (ZeRO 0) or reducescatter (ZeRO ≥ 1, distributed optimizer). */
  gradOp: CollectiveOp;
  /** Dense gradient buckets (bytes per card, full buffer convention), over `groups.dense` cards. */
  denseBuckets: number[];
  /** Routed-expert gradient buckets, over `groups.expert` cards. */
  expertBuckets: number[];
  groups: { dense: number; expert: number };
  /**
   * ZeRO 1/2: updated bf16 weights all-gathered after the optimizer (full
   * gathered size per card); ZeRO 3 gathers per layer instead (layer comms), 0 here.
   */
  paramGatherBytes: { dense: number; expert: number };
  /**
   * Tied embeddings with pp > 1: the first and last stages all-reduce the shared
   * matrix's gradient (Megatron's embedding group), bytes; 0 elsewhere.
   */
  embeddingGradAllreduceBytes: number;
}

function buckets(totalBytes: number, bucketBytes: number): number[] {
  const out: number[] = [];
  let left = totalBytes;
  while (left > 0) {
    const b = Math.min(bucketBytes, left);
    out.push(b);
    left -= b;
  }
  return out;
}

export function dataParallelWork(m: Model, plan: ResolvedPlan, stage: number): DataParallelWork {
  const p = plan;
  const params = paramsPerCard(m, p, stage);
  const groups = dataParallelGroups(p);
  const gb = gradientBytesPerParam(p);
  const zero3 = p.zeroStage === 3;
  const tiedSplit = m.tiedEmbeddings && p.pp > 1 && (stage === 0 || stage === p.pp - 1);
  return {
    gradOp: p.zeroStage >= 1 ? "reducescatter" : "allreduce",
    // ZeRO-3 reduce-scatters per layer (layer comms); nothing left for the step except non-layer params.
    denseBuckets: zero3 ? [] : buckets(params.dense * gb, bucketBytes(p)),
    expertBuckets: zero3 || groups.expert <= 1 ? [] : buckets(params.expert * gb, bucketBytes(p)),
    groups,
    paramGatherBytes: {
      dense: p.zeroStage === 1 || p.zeroStage === 2 ? params.dense * WEIGHT_BYTES_PER_PARAM : 0,
      expert:
        (p.zeroStage === 1 || p.zeroStage === 2) && groups.expert > 1 ? params.expert * WEIGHT_BYTES_PER_PARAM : 0,
    },
    embeddingGradAllreduceBytes: tiedSplit ? ((m.vocabSize * m.hiddenSize) / p.tp) * gb : 0,
  };
}

/** Bytes per gradient bucket: the plan's, else Megatron-Core's default parameter count at the gradient precision. */
export function bucketBytes(plan: ParallelPlan): number {
  return plan.gradientBucketBytes ?? defaultBucketParams(plan.dp * plan.cp) * gradientBytesPerParam(plan);
}

/** Weight bytes per parameter actually held, including the fp8 cast cache. */
export function weightBytesPerParam(plan: ParallelPlan): number {
  // ASSUMPTION: fp8 training (Transformer Engine) keeps a 1-byte fp8 copy of each weight next to the bf16 one.
  return WEIGHT_BYTES_PER_PARAM + (plan.precision === "fp8" ? 1 : 0);
}
