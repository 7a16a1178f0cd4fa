import type { Model } from "../model-spec.js";
import { layerParams } from "../params.js";
import type { ServingPrecision } from "./serving-spec.js";

/** Bytes per stored element: bf16 2, fp8 and int8 1. */
export function bytesPerElement(p: ServingPrecision): number {
  return p === "bf16" ? 2 : 1;
}

/** Activations are kept in bf16 between kernels whatever the GEMM precision (ASSUMPTION; docs/model.md). */
export const ACTIVATION_BYTES = 2;
/** Logits are computed and sampled in fp32 (vLLM and TensorRT-LLM sample from fp32 logits). */
export const LOGITS_BYTES = 4;

/**
 * KV-cache bytes of one token in one layer, on one card of a TP group of `tp`:
 * - grouped-query / multi-head attention: keys and values of the card's KV heads,
 *   (qkHeadDim + vHeadDim) · ceil(kvHeads / tp) · bytes (KV heads are replicated when tp > kvHeads);
 * - MLA (DeepSeek-V2 §2.1.2): the compressed latent and the shared rotary key,
 *   (kvLoraRank + qkRopeHeadDim) · bytes, replicated on every TP rank.
 */
export function kvBytesPerTokenPerLayer(model: Model, tp: number, kv: ServingPrecision): number {
  const b = bytesPerElement(kv);
  if (model.mla) return (model.mla.kvLoraRank + model.mla.qkRopeHeadDim) * b;
  return (model.qkHeadDim + model.vHeadDim) * Math.ceil(model.kvHeads / tp) * b;
}

/** 0-based layer indices of each of `pp` pipeline stages (as even as possible, earlier stages one more). */
export function servingStageLayers(layers: number, pp: number): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (let s = 0; s < pp; s++) {
    const n = Math.floor(layers / pp) + (s < layers % pp ? 1 : 0);
    out.push(Array.from({ length: n }, (_, i) => next + i));
    next += n;
  }
  return out;
}

/** Parameters of one card of a stage, split by the precision they are stored in. */
export interface CardWeightParams {
  /** Transformer-block weights: stored at the deployment's weight precision. */
  blocks: number;
  /** Input embedding, output layer and final norm: kept in bf16 whatever the weight precision. */
  embeddings: number;
}

/** Precision of the embeddings and the output layer: quantised checkpoints keep them in bf16 (see weightParamsPerCard). */
export const EMBEDDING_PRECISION: ServingPrecision = "bf16";

/**
 * Weight parameters held by one card of a stage of an instance with `tp`
 * cards per stage: TP-sharded matrices / tp, replicated ones whole, routed
 * experts spread over the tp cards (tensor-parallel experts: every card holds
 * 1/tp of every expert), the input embedding on the first stage and the
 * output layer on the last (vocabulary-parallel, / tp). The embeddings and
 * the output layer stay bf16 in quantised deployments: NVIDIA's FP8
 * checkpoints quantise "only the weights and activations of the linear
 * operators within transformer blocks" (model cards of
 * nvidia/Llama-3.1-8B-Instruct-FP8 and siblings), and vLLM's fp8 and int8
 * methods apply to the blocks' linear layers, not to the vocabulary-parallel
 * embedding and LM head.
 */
export function weightParamsPerCard(
  model: Model,
  tp: number,
  stageLayers: readonly number[],
  first: boolean,
  last: boolean,
  routedExpertShare = 1 / tp,
): CardWeightParams {
  let blocks = 0;
  for (const l of stageLayers) {
    const p = layerParams(model, model.layerKinds[l] ?? "dense");
    blocks += p.tpSharded / tp + p.replicated + p.routedExperts * routedExpertShare;
  }
  let embeddings = 0;
  const vh = model.vocabSize * model.hiddenSize;
  if (first) embeddings += vh / tp;
  if (last && (!model.tiedEmbeddings || !first)) embeddings += vh / tp;
  if (last) embeddings += model.hiddenSize;
  return { blocks, embeddings };
}

/**
 * Activation workspace of one card, bytes, when the engine does not say: the
 * peak of one layer's forward at the token budget, as vLLM profiles it with a
 * dummy batch of max_num_batched_tokens (ASSUMPTION on the buffers live at the
 * peak: the residual stream and its normalised copy, the q/k/v and attention
 * output of the card's heads, and the FFN's gate/up output of the card's
 * slice), plus fp32 logits of every sequence of a full batch over the card's
 * vocabulary shard:
 *   T · (2h + (a/tp + 2·⌈kv/tp⌉)·d + 2·f/tp) · 2 bytes + S · V/tp · 4 bytes.
 */
export function defaultWorkspaceBytes(
  model: Model,
  tp: number,
  maxBatchedTokens: number,
  maxSequences: number,
): number {
  const h = model.hiddenSize;
  const heads = model.attentionHeads / tp + 2 * Math.ceil(model.kvHeads / tp);
  const ffn = model.moe
    ? Math.max(model.ffnHiddenSize, model.moe.expertFfnHiddenSize * model.moe.topK)
    : model.ffnHiddenSize;
  const perToken = 2 * h + heads * model.qkHeadDim + (2 * ffn) / tp;
  return maxBatchedTokens * perToken * ACTIVATION_BYTES + (maxSequences * model.vocabSize * LOGITS_BYTES) / tp;
}

export interface KvCapacity {
  hbmBytes: number;
  usableBytes: number;
  /** Of the card holding the most (the stage with the most layers and the embeddings). */
  weightsBytesPerCard: number;
  workspaceBytesPerCard: number;
  kvCacheBytesPerCard: number;
  /** KV bytes of one token on one card of the fullest stage (its layers). */
  kvBytesPerTokenPerCard: number;
  /** KV bytes of one token over one data-parallel group's cards (all layers, all tp cards; replicated heads on each). */
  kvBytesPerTokenPerInstance: number;
  blocksPerInstance: number;
  kvCapacityTokensPerInstance: number;
  /** Tokens one attention data-parallel group holds (= the instance's without expert parallelism). */
  tokensPerGroup: number;
}

/**
 * Share of the routed experts' parameters one card holds under expert
 * parallelism: (experts + redundant copies) / ep whole experts, as a fraction
 * of the experts' parameters.
 */
export function expertParallelShare(experts: number, redundantExperts: number, ep: number): number {
  return (experts + redundantExperts) / (experts * ep);
}

/**
 * KV-cache capacity of an instance: per card, HBM × usable fraction − weights −
 * workspace, divided by the KV bytes of a token on that card; the instance's
 * capacity is that of its most constrained card, in whole blocks. With
 * attention data-parallel over `dataParallelGroups` groups (expert
 * parallelism), every group caches its own sequences: the instance holds that
 * many times one group's blocks (ASSUMPTION: the scheduler balances the
 * groups, no fragmentation between them; a request must fit one group, which
 * `tokensPerGroup` says).
 */
export function kvCapacity(opts: {
  model: Model;
  tp: number;
  pp: number;
  hbmBytes: number;
  usableFraction: number;
  weights: ServingPrecision;
  kv: ServingPrecision;
  workspaceBytes: number;
  blockTokens: number;
  dataParallelGroups?: number;
  routedExpertShare?: number;
}): KvCapacity {
  const { model, tp, pp } = opts;
  const stages = servingStageLayers(model.layers, pp);
  const usableBytes = opts.hbmBytes * opts.usableFraction;
  const perLayer = kvBytesPerTokenPerLayer(model, tp, opts.kv);
  let worst: { tokens: number; weights: number; kvPerToken: number } | undefined;
  stages.forEach((layers, s) => {
    const w = weightParamsPerCard(model, tp, layers, s === 0, s === pp - 1, opts.routedExpertShare ?? 1 / tp);
    const weights = w.blocks * bytesPerElement(opts.weights) + w.embeddings * bytesPerElement(EMBEDDING_PRECISION);
    const kvPerToken = perLayer * layers.length;
    const tokens = (usableBytes - weights - opts.workspaceBytes) / kvPerToken;
    if (worst === undefined || tokens < worst.tokens) worst = { tokens, weights, kvPerToken };
  });
  const w = worst as unknown as { tokens: number; weights: number; kvPerToken: number };
  const groups = opts.dataParallelGroups ?? 1;
  const groupBlocks = Math.max(0, Math.floor(w.tokens / opts.blockTokens));
  const blocks = groupBlocks * groups;
  return {
    hbmBytes: opts.hbmBytes,
    usableBytes,
    weightsBytesPerCard: w.weights,
    workspaceBytesPerCard: opts.workspaceBytes,
    kvCacheBytesPerCard: Math.max(0, usableBytes - w.weights - opts.workspaceBytes),
    kvBytesPerTokenPerCard: w.kvPerToken,
    kvBytesPerTokenPerInstance: perLayer * model.layers * tp,
    blocksPerInstance: blocks,
    kvCapacityTokensPerInstance: blocks * opts.blockTokens,
    tokensPerGroup: groupBlocks * opts.blockTokens,
  };
}
