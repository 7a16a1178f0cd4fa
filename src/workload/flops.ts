import type { LayerKind, Model } from "./model-spec.js";
import { attentionMatrixParams, ffnMatrices } from "./params.js";
import type { RecomputeModule } from "./plan-spec.js";

/**
 * FLOP counts. A matmul of (m×k)·(k×n) is 2·m·k·n FLOPs. Backward = 2×
 * forward (gradients w.r.t. inputs and weights), so a training pass without
 * recomputation is 3× forward (Kaplan et al. 2020; Narayanan et al. 2021 §5.1).
 *
 * Conventions (shared by the Megatron and PaLM formulas, see docs/model.md):
 * - the attention score and context matmuls are counted over the full s×s
 *   square (no causal halving): 4·s·a·d FLOPs per token per layer forward;
 * - norms, softmax, activations, biases and the embedding lookup are not counted;
 * - MoE layers count the router and the topK routed + shared experts a token
 *   actually goes through (active parameters).
 */

/**
 * The Megatron-LM 2021 formula (Narayanan et al., SC'21, §5.1, Eq. 3): FLOPs
 * of one iteration of batch B with full activation recomputation,
 *   96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h));
 * without recomputation the paper's 72 replaces 96 (3 instead of 4 forward
 * passes; note that this scales the logits term too, which is not recomputed).
 * Assumes MHA, FFN = 4h, ungated: it ignores a model's actual FFN size and KV heads.
 */
export function megatronFlopsPerIteration(m: Model, globalBatchSize: number, opts: { recompute: boolean }): number {
  const { seqLength: s, layers: l, hiddenSize: h, vocabSize: V } = m;
  const k = opts.recompute ? 96 : 72;
  return k * globalBatchSize * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

/** Forward FLOPs per token of each part of one layer (whole model width, no parallelism). */
export interface LayerForwardFlops {
  /** Q/K/V/O projections (MLA: down and up projections too). */
  attentionProjections: number;
  /** Score (QKᵀ) and context (AV) matmuls over the full s×s square. */
  attentionCore: number;
  /** Dense FFN, or router + routed experts (topK) + shared experts. */
  ffn: number;
}

export function layerForwardFlopsPerToken(m: Model, kind: LayerKind): LayerForwardFlops {
  const h = m.hiddenSize;
  const attn = attentionMatrixParams(m);
  const g = ffnMatrices(m);
  let ffn: number;
  if (kind === "moe" && m.moe) {
    const { experts, topK, expertFfnHiddenSize: fe, sharedExperts: ns, sharedExpertFfnHiddenSize: fs } = m.moe;
    ffn = 2 * h * experts + topK * 2 * g * h * fe + ns * 2 * g * h * fs;
  } else {
    ffn = 2 * g * h * m.ffnHiddenSize;
  }
  return {
    attentionProjections: 2 * (attn.tpSharded + attn.replicated),
    attentionCore: 2 * m.seqLength * m.attentionHeads * (m.qkHeadDim + m.vHeadDim),
    ffn,
  };
}

/** Forward FLOPs per token of the output layer (logits): 2·h·V. */
export function logitsForwardFlopsPerToken(m: Model): number {
  return 2 * m.hiddenSize * m.vocabSize;
}

function sumLayers(m: Model, part: (f: LayerForwardFlops) => number): number {
  const dense = layerForwardFlopsPerToken(m, "dense");
  const moe = m.moe ? layerForwardFlopsPerToken(m, "moe") : dense;
  let n = 0;
  for (const kind of m.layerKinds) n += part(kind === "moe" ? moe : dense);
  return n;
}

/** Forward FLOPs per token of the whole model (layers + logits). */
export function forwardFlopsPerToken(m: Model): number {
  return sumLayers(m, (f) => f.attentionProjections + f.attentionCore + f.ffn) + logitsForwardFlopsPerToken(m);
}

/**
 * Model FLOPs per token, the MFU numerator: forward + backward = 3× forward,
 * no recomputation. For a dense MHA model this is PaLM's 6·N + 12·l·h·s
 * (Chowdhery et al. 2022, App. B) with N the non-embedding matrix parameters
 * plus the output layer, generalised to GQA, gated FFNs, MoE (active experts)
 * and MLA.
 */
export function modelFlopsPerToken(m: Model): number {
  return 3 * forwardFlopsPerToken(m);
}

/**
 * Hardware FLOPs per token, the HFU numerator: model FLOPs plus the
 * recomputed forward. full: every layer's forward once more (not the logits:
 * Megatron does not recompute the output layer); selective: the attention
 * core (QKᵀ and AV) once more (Korthikanti et al. 2022 §5), or the matmuls of
 * the listed recompute modules (mlp: dense layers' FFN; shared_experts: the
 * shared experts; mla_up_proj: MLA's Q and KV up-projections; layernorm and
 * moe_act re-run no matmul). With full recomputation this equals the Megatron
 * 96-formula for GPT-style models.
 */
export function hardwareFlopsPerToken(
  m: Model,
  recompute: "none" | "selective" | "full",
  modules: readonly RecomputeModule[] = ["core_attn"],
): number {
  if (recompute === "none") return modelFlopsPerToken(m);
  if (recompute === "full") {
    return modelFlopsPerToken(m) + sumLayers(m, (f) => f.attentionProjections + f.attentionCore + f.ffn);
  }
  const h = m.hiddenSize;
  const g = ffnMatrices(m);
  let extra = 0;
  if (modules.includes("core_attn")) extra += sumLayers(m, (f) => f.attentionCore);
  if (modules.includes("mlp")) {
    extra += m.layerKinds.filter((k) => k !== "moe").length * 2 * g * h * m.ffnHiddenSize;
  }
  if (modules.includes("shared_experts") && m.moe) {
    const moeLayers = m.layerKinds.filter((k) => k === "moe").length;
    extra += moeLayers * m.moe.sharedExperts * 2 * g * h * m.moe.sharedExpertFfnHiddenSize;
  }
  if (modules.includes("mla_up_proj") && m.mla) {
    const { qLoraRank: qr, kvLoraRank: kvr, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: dv } = m.mla;
    const a = m.attentionHeads;
    extra += m.layers * 2 * ((qr > 0 ? qr * a * (nope + rope) : 0) + kvr * a * (nope + dv));
  }
  return modelFlopsPerToken(m) + extra;
}
