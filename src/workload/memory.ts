import type { LayerKind, Model } from "./model-spec.js";
import { ACTIVATION_BYTES, operandBytes } from "./ops.js";
import {
  bucketBytes,
  dataParallelGroups,
  gradientBytesPerParam,
  optimizerStateBytesPerParam,
  weightBytesPerParam,
} from "./optimizer.js";
import { kvHeadsPerRank, layerParamsPerCard, paramsPerCard } from "./params.js";
import {
  type ParallelPlan,
  type RecomputeModule,
  type ResolvedPlan,
  recomputes,
  stageLayerIndices,
} from "./plan-spec.js";

/**
 * Per-card memory of a pipeline stage, bytes. Activations follow Korthikanti
 * et al. 2022 ("Reducing Activation Recomputation in Large Transformer
 * Models", §4): per layer and micro-batch s·b·h·(34 + 5·a·s/h) bytes with no
 * parallelism, generalised term by term to GQA, gated FFNs, MoE, MLA and
 * flash attention (docs/model.md).
 */
export interface MemoryBreakdown {
  weightsBytes: number;
  gradientsBytes: number;
  optimizerBytes: number;
  activationsBytes: number;
  buffersBytes: number;
  totalBytes: number;
}

/**
 * ASSUMPTION: NCCL keeps ~128 MiB of buffers per communicator a card is in
 * (NCCL_BUFFSIZE 4 MiB default × ~16 channels × send and receive); counted for
 * each parallel group of size > 1.
 */
export const NCCL_BYTES_PER_COMMUNICATOR = 128 * 1024 * 1024;

/**
 * Peak bytes per logit of the vocabulary-parallel loss: the output layer's bf16 logits (2) and the
 * fp32 copy the cross-entropy makes of them (4), whose exponentials it keeps for the backward
 * (Megatron-Core tensor_parallel/cross_entropy.py: `vocab_parallel_logits.float()`, then
 * `ctx.save_for_backward(exp_logits, ...)`). Before 2026-12-07 this counted 8 (the logits plus
 * the 6 bytes of traffic per logit, CROSS_ENTROPY_BYTES_PER_LOGIT, taken as memory).
 */
export const LOSS_PEAK_BYTES_PER_LOGIT = 2 + 4;

/** Activation bytes of one layer for one micro-batch on one card, by recomputation mode. */
export interface LayerActivationBytes {
  /** Everything the backward needs (no recomputation). */
  none: number;
  /**
   * Selective recomputation: without what the plan's recomputeModules drop (by default core_attn:
   * the attention-core s×s tensors).
   */
  selective: number;
  /** The layer input only (full recomputation). */
  full: number;
}

export function layerActivationBytes(m: Model, plan: ResolvedPlan, kind: LayerKind): LayerActivationBytes {
  // Each field as under that recomputation mode (the modules list matters to selective only).
  const selectiveDrops = (module: RecomputeModule) =>
    recomputes({ recompute: "selective", recomputeModules: plan.recomputeModules }, module);
  const none = keptBytes(m, plan, kind, () => false);
  const selective = keptBytes(m, plan, kind, selectiveDrops);
  const sp = plan.sequenceParallel && plan.tp > 1;
  const full = (((plan.microBatchSize * m.seqLength) / plan.cp) * ACTIVATION_BYTES * m.hiddenSize) / (sp ? plan.tp : 1);
  return { none, selective, full };
}

/** Activation bytes of one layer and micro-batch on one card, without what `drops` says is recomputed. */
function keptBytes(m: Model, plan: ResolvedPlan, kind: LayerKind, drops: (module: RecomputeModule) => boolean): number {
  const p = plan;
  const A = ACTIVATION_BYTES;
  const tp = p.tp;
  const sp = p.sequenceParallel && tp > 1;
  const T = (p.microBatchSize * m.seqLength) / p.cp;
  const h = m.hiddenSize;
  const a = m.attentionHeads;
  const spDiv = sp ? tp : 1;
  // GEMM inputs kept for the weight gradients are stored in the GEMM's operand precision: under FP8,
  // Transformer Engine keeps the quantized (1-byte) copy it made for the forward GEMM, not the BF16
  // tensor. Norm inputs, attention operands (BF16 attention) and activation-function inputs stay BF16.
  const G = operandBytes(p.precision);
  // Per token, by how it divides over TP: sequence-parallel-shardable, TP-sharded, replicated; and what
  // selective recomputation of the plan's modules drops (output-discarding or module checkpointing,
  // Megatron-Core recompute_modules: the module's input is kept, its internals and output rebuilt).
  const dropLayernorm = drops("layernorm");
  const dropUpProj = drops("mla_up_proj") && m.mla !== undefined;
  const dropMoeAct = drops("moe_act");
  const dropMlp = drops("mlp");
  const dropShared = drops("shared_experts");
  // Sequence-parallel-shardable: the two norm inputs (2 × h, BF16), the QKV and MLP inputs (the norm
  // outputs, 2 × h, GEMM inputs; dropped with layernorm), the residual dropout masks (2 × 1 byte × h).
  let shardable = A * 2 * h + (dropLayernorm ? 0 : G * 2 * h) + (m.dropout ? 2 * h : 0);
  let tpSharded = 0;
  let replicated = 0;
  if (m.mla) {
    const { qLoraRank: qr, kvLoraRank: kvr, qkRopeHeadDim: rope } = m.mla;
    // Compressed q and kv (norm inputs) and their norm outputs (up-projection inputs), replicated on
    // TP ranks (down-projections are).
    replicated += A * (qr + kvr + rope) + G * (qr + kvr);
  }
  // Q and K kept for QKᵀ, V for AV (BF16), the context for the output projection (a GEMM input; K and
  // V: the rank's own KV heads, replicated when tp exceeds them).
  // With mla_up_proj, Q, K and V (the up-projections' outputs after RoPE) are rebuilt from the kept
  // compressed latents.
  tpSharded += (dropUpProj ? 0 : A * a * m.qkHeadDim) + G * a * m.vHeadDim;
  replicated += dropUpProj ? 0 : A * kvHeadsPerRank(m, tp) * (m.qkHeadDim + m.vHeadDim);
  // Attention core: unfused keeps softmax output (2), dropout mask (1) and output (2) per score: 5·a·s;
  // flash keeps only the fp32 log-sum-exp per head.
  const scoresPerToken = p.flashAttention ? 0 : a * m.seqLength * (A + (m.dropout ? 1 + A : 0));
  const lsePerToken = p.flashAttention ? 4 * a : 0;
  tpSharded += lsePerToken;
  const g = m.gatedFfn ? 2 : 1;
  let routed = 0;
  if (kind === "moe" && m.moe) {
    const { experts: E, topK, expertFfnHiddenSize: fe, sharedExperts: ns, sharedExpertFfnHiddenSize: fs } = m.moe;
    // Router logits (fp32) per routed token; per token-expert pair: its permuted input (a GEMM
    // input), up-projection outputs (activation inputs) and activation output (a GEMM input).
    shardable += 4 * E;
    // The busiest card (parallel.expertImbalance) holds that many times the balanced share.
    // moe_act drops the activation output (rebuilt from the kept up-projection outputs).
    routed = topK * (G * h + A * g * fe + (dropMoeAct ? 0 : G * fe)) * (p.ep > 1 ? p.expertImbalance : 1);
    tpSharded += dropShared ? 0 : ns * (A * g * fs + G * fs);
  } else {
    // mlp checkpoints the dense FFN: only its input (the norm output, above) is kept.
    tpSharded += dropMlp ? 0 : A * g * m.ffnHiddenSize + G * m.ffnHiddenSize;
  }
  // Routed tokens are the card's sequence shard (Tn = T/tp with SP): divide like the shardable part.
  const kept = T * ((shardable + routed) / spDiv + tpSharded / tp + replicated);
  return kept + (drops("core_attn") ? 0 : (T * scoresPerToken) / tp);
}

/** Layer-chunks (of layersPerChunk layers) whose activations a pipeline rank holds at its peak. */
export function inFlightChunks(plan: ParallelPlan, stage: number, microBatches: number): number {
  const { pp, virtualStages: v } = plan;
  if (plan.schedule === "gpipe") return microBatches * v;
  if (plan.schedule === "1f1b") {
    // Expert all-to-all overlap pairs passes after 2·(pp − r) − 1 warm-up forwards (pipeline-schedule.ts).
    const paired = plan.expertCommOverlap && plan.ep > 1 && v === 1;
    return Math.min(paired ? 2 * (pp - stage) : pp - stage, microBatches);
  }
  // Megatron's interleaved schedule: (pp − r − 1)·2 + (v − 1)·pp warm-up forwards, plus the one
  // in progress (all forwards first when micro-batches = pp). On rank 0 this is Korthikanti's
  // factor (1 + (pp − 1)/(pp·v)) over pp micro-batches of the rank's layers.
  const total = microBatches * v;
  const warmup = microBatches === pp ? total : Math.min((pp - stage - 1) * 2 + (v - 1) * pp, total);
  return Math.min(warmup + 1, total);
}

export function memoryPerCard(m: Model, plan: ResolvedPlan, stage: number): MemoryBreakdown {
  const p = plan;
  const params = paramsPerCard(m, p, stage);
  const groups = dataParallelGroups(p);
  const dense = params.dense;
  const expert = params.expert;
  const shard = (stageMin: number) =>
    p.zeroStage >= stageMin ? dense / groups.dense + expert / groups.expert : dense + expert;
  const weightsBytes = shard(3) * weightBytesPerParam(p);
  const gradientsBytes = shard(2) * gradientBytesPerParam(p);
  const optimizerBytes = shard(1) * optimizerStateBytesPerParam(p);

  // Activations.
  const chunks = stageLayerIndices(m.layers, p)[stage] ?? [];
  const mbs = Math.max(1, Math.floor(p.microBatchesPerStep));
  const inFlight = inFlightChunks(p, stage, mbs);
  let perChunkAvg = 0;
  let worstLayerNone = 0;
  const kinds = new Map<LayerKind, LayerActivationBytes>();
  const actOf = (kind: LayerKind) => {
    let a = kinds.get(kind);
    if (!a) {
      a = layerActivationBytes(m, p, kind);
      kinds.set(kind, a);
    }
    return a;
  };
  for (const chunk of chunks) {
    for (const l of chunk) {
      const a = actOf(m.layerKinds[l] ?? "dense");
      perChunkAvg += a[p.recompute];
      worstLayerNone = Math.max(worstLayerNone, a.none);
    }
  }
  perChunkAvg /= Math.max(1, chunks.length);
  let activationsBytes = inFlight * perChunkAvg;
  // Recomputation rebuilds one layer's full activations while its backward runs.
  if (p.recompute === "full") activationsBytes += worstLayerNone;
  const T = (p.microBatchSize * m.seqLength) / p.cp;
  if (stage === p.pp - 1) {
    // The loss of one micro-batch at a time: its bf16 logits and their fp32 copy alive together.
    activationsBytes += T * (m.vocabSize / p.tp) * LOSS_PEAK_BYTES_PER_LOGIT;
  }

  // Buffers: NCCL communicators plus two gradient buckets in flight (ASSUMPTION: double-buffered bucket staging).
  const communicators = [p.tp, p.cp, p.dp * p.cp, p.pp > 1 ? 2 : 1, p.ep].filter((n) => n > 1).length;
  const buffersBytes =
    communicators * NCCL_BYTES_PER_COMMUNICATOR +
    (p.dp * p.cp > 1 ? 2 * bucketBytes(p) : 0) +
    (p.zeroStage === 3 ? zero3GatheredBytes(m, p, chunks) : 0);
  const totalBytes = weightsBytes + gradientsBytes + optimizerBytes + activationsBytes + buffersBytes;
  return { weightsBytes, gradientsBytes, optimizerBytes, activationsBytes, buffersBytes, totalBytes };
}

/**
 * ZeRO-3 / FSDP: the whole (gathered) weights of two layers, the one computing and the one whose
 * all-gather is prefetched (PyTorch FSDP's limit_all_gathers: "GPU memory usage from only two
 * consecutive FSDP instances (the current instance running computation and the next instance whose
 * all-gather is prefetched)"; Megatron-FSDP's fsdp_double_buffer), in bf16, plus one layer's whole
 * gradients before their reduce-scatter, in the reduce dtype. The largest layer of the stage counts.
 */
function zero3GatheredBytes(m: Model, p: ResolvedPlan, chunks: readonly (readonly number[])[]): number {
  let largest = 0;
  for (const kind of new Set(chunks.flat().map((l) => m.layerKinds[l] ?? "dense"))) {
    const lp = layerParamsPerCard(m, p, kind);
    largest = Math.max(largest, lp.dense + lp.expert);
  }
  return largest * (2 * ACTIVATION_BYTES + gradientBytesPerParam(p));
}

/** The stage with the largest total, and its breakdown. */
export function peakMemoryPerCard(m: Model, plan: ResolvedPlan): { stage: number; breakdown: MemoryBreakdown } {
  let best = { stage: 0, breakdown: memoryPerCard(m, plan, 0) };
  for (let s = 1; s < plan.pp; s++) {
    const b = memoryPerCard(m, plan, s);
    if (b.totalBytes > best.breakdown.totalBytes) best = { stage: s, breakdown: b };
  }
  return best;
}

/** Whether the breakdown fits in the card's HBM, keeping `reserveBytes` free (CUDA context, fragmentation). */
export function fitsIn(breakdown: MemoryBreakdown, hbmBytes: number, reserveBytes = 0): boolean {
  return breakdown.totalBytes + reserveBytes <= hbmBytes;
}
