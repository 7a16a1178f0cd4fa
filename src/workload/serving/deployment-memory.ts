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

/**
 * Weight parameters held by one card of stage `stage` of an instance with
 * `tp` cards per stage: TP-sharded matrices / tp, replicated ones whole, routed
 * experts spread over the tp cards (tensor-parallel experts: every card holds
 * 1/tp of every expert), the input embedding on the first stage and the output
 * layer on the last (vocabulary-parallel, / tp).
 */
export function weightParamsPerCard(
  model: Model,
  tp: number,
  stageLayers: readonly number[],
  first: boolean,
  last: boolean,
): number {
  let n = 0;
  for (const l of stageLayers) {
    const p = layerParams(model, model.layerKinds[l] ?? "dense");
    n += p.tpSharded / tp + p.replicated + p.routedExperts / tp;
  }
  const vh = model.vocabSize * model.hiddenSize;
  if (first) n += vh / tp;
  if (last && (!model.tiedEmbeddings || !first)) n += vh / tp;
  if (last) n += model.hiddenSize;
  return n;
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
  /** KV bytes of one token over the whole instance (all layers, all cards). */
  kvBytesPerTokenPerInstance: number;
  blocksPerInstance: number;
  kvCapacityTokensPerInstance: number;
}

/**
 * KV-cache capacity of an instance: per card, HBM × usable fraction − weights −
 * workspace, divided by the KV bytes of a token on that card; the instance's
 * capacity is that of its most constrained card, in whole blocks.
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
}): KvCapacity {
  const { model, tp, pp } = opts;
  const stages = servingStageLayers(model.layers, pp);
  const usableBytes = opts.hbmBytes * opts.usableFraction;
  const perLayer = kvBytesPerTokenPerLayer(model, tp, opts.kv);
  let worst: { tokens: number; weights: number; kvPerToken: number } | undefined;
  stages.forEach((layers, s) => {
    const weights = weightParamsPerCard(model, tp, layers, s === 0, s === pp - 1) * bytesPerElement(opts.weights);
    const kvPerToken = perLayer * layers.length;
    const tokens = (usableBytes - weights - opts.workspaceBytes) / kvPerToken;
    if (worst === undefined || tokens < worst.tokens) worst = { tokens, weights, kvPerToken };
  });
  const w = worst as unknown as { tokens: number; weights: number; kvPerToken: number };
  const blocks = Math.max(0, Math.floor(w.tokens / opts.blockTokens));
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
  };
}
