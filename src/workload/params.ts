import type { LayerKind, Model } from "./model-spec.js";
import { type ParallelPlan, stageLayerIndices } from "./plan-spec.js";

/**
 * Parameter counts. Biases are ignored (as in the Megatron and PaLM FLOPs
 * formulas); norm weights are counted. Matrix shapes:
 * - attention: Q h×(a·dqk), K h×(kv·dqk), V h×(kv·dv), O (a·dv)×h;
 *   MLA: q down h×qr (+norm qr) and up qr×(a·dqk) (or Q h×(a·dqk) when qr = 0),
 *   kv down h×(kvr+rope) (+norm kvr), kv up kvr×(a·(nope+dv)), O (a·dv)×h
 *   (DeepSeek-V2 paper §2.1, DeepSeek-V3 config);
 * - FFN: (gated ? 3 : 2)·h·f; MoE: router h×E, E routed and ns shared experts.
 */
export interface LayerParams {
  /** Split over TP ranks (Megatron column/row-parallel matrices). */
  tpSharded: number;
  /** Replicated on every TP rank: norms, router, MLA down-projections. */
  replicated: number;
  /** Routed experts: all of them (each card holds experts/ep of them, whole: expert TP = 1). */
  routedExperts: number;
}

export function ffnMatrices(model: Model): number {
  return model.gatedFfn ? 3 : 2;
}

/** Attention weight matrices of one layer: TP-sharded part and the replicated MLA down-projections (no norms). */
export function attentionMatrixParams(m: Model): { tpSharded: number; replicated: number } {
  const h = m.hiddenSize;
  const a = m.attentionHeads;
  if (!m.mla) {
    return {
      tpSharded: h * a * m.qkHeadDim + h * m.kvHeads * (m.qkHeadDim + m.vHeadDim) + a * m.vHeadDim * h,
      replicated: 0,
    };
  }
  const { qLoraRank: qr, kvLoraRank: kvr, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: dv } = m.mla;
  const qUp = qr > 0 ? qr * a * (nope + rope) : h * a * (nope + rope);
  return {
    tpSharded: qUp + kvr * a * (nope + dv) + a * dv * h,
    replicated: (qr > 0 ? h * qr : 0) + h * (kvr + rope),
  };
}

/**
 * KV heads on one TP rank: kvHeads / tp, or 1 when tp exceeds the KV heads (Megatron replicates
 * each KV group over tp / kvHeads ranks; tp must then be a multiple of kvHeads). MLA: heads / tp.
 */
export function kvHeadsPerRank(m: Model, tp: number): number {
  if (m.mla) return m.attentionHeads / tp;
  return Math.max(1, m.kvHeads / tp);
}

/** Per rank and layer, the K/V projection parameters that replication adds beyond an even 1/tp share. */
export function kvReplicaParams(m: Model, tp: number): number {
  if (m.mla || tp <= m.kvHeads) return 0;
  return m.hiddenSize * (m.qkHeadDim + m.vHeadDim) * (1 - m.kvHeads / tp);
}

export function layerParams(m: Model, kind: LayerKind): LayerParams {
  const h = m.hiddenSize;
  const attn = attentionMatrixParams(m);
  let tpSharded = attn.tpSharded;
  // Two layer norms, plus MLA's norms of the compressed q and kv.
  let replicated = attn.replicated + 2 * h + (m.mla ? m.mla.qLoraRank + m.mla.kvLoraRank : 0);
  let routedExperts = 0;
  const g = ffnMatrices(m);
  if (kind === "moe" && m.moe) {
    replicated += h * m.moe.experts;
    routedExperts = m.moe.experts * g * h * m.moe.expertFfnHiddenSize;
    tpSharded += m.moe.sharedExperts * g * h * m.moe.sharedExpertFfnHiddenSize;
  } else {
    tpSharded += g * h * m.ffnHiddenSize;
  }
  return { tpSharded, replicated, routedExperts };
}

/** Embedding (and learned positions) and output-layer parameters. */
export function embeddingParams(m: Model): { input: number; output: number } {
  const positions = m.rotary ? 0 : m.seqLength * m.hiddenSize;
  return {
    input: m.vocabSize * m.hiddenSize + positions,
    output: (m.tiedEmbeddings ? 0 : m.vocabSize * m.hiddenSize) + m.hiddenSize, // + final norm
  };
}

/** Total parameters of the model. */
export function totalParams(m: Model): number {
  let n = 0;
  for (const kind of m.layerKinds) {
    const p = layerParams(m, kind);
    n += p.tpSharded + p.replicated + p.routedExperts;
  }
  const e = embeddingParams(m);
  return n + e.input + e.output;
}

/** Parameters one token goes through (MoE: topK routed experts instead of all). */
export function activeParams(m: Model): number {
  let n = 0;
  for (const kind of m.layerKinds) {
    const p = layerParams(m, kind);
    const routedActive = m.moe && kind === "moe" ? (p.routedExperts * m.moe.topK) / m.moe.experts : 0;
    n += p.tpSharded + p.replicated + routedActive;
  }
  const e = embeddingParams(m);
  return n + e.input + e.output;
}

/** Parameters held by one card of a pipeline rank, split by how they are data-parallel reduced. */
export interface CardParams {
  /** Non-expert parameters: gradients reduced over the dp·cp group. */
  dense: number;
  /** Routed-expert parameters: gradients reduced over the expert-DP group (tp·dp·cp/ep). */
  expert: number;
}

/** One layer's parameters on one card: matrices split over TP, KV replicas, routed experts split over EP. */
export function layerParamsPerCard(m: Model, plan: Pick<ParallelPlan, "tp" | "ep">, kind: LayerKind): CardParams {
  const p = layerParams(m, kind);
  return {
    dense: p.tpSharded / plan.tp + p.replicated + kvReplicaParams(m, plan.tp),
    expert: p.routedExperts / plan.ep,
  };
}

export function paramsPerCard(m: Model, plan: ParallelPlan, stage: number): CardParams {
  const chunks = stageLayerIndices(m.layers, plan)[stage];
  if (chunks === undefined) throw new RangeError(`paramsPerCard: stage ${stage} out of range for pp ${plan.pp}`);
  let dense = 0;
  let expert = 0;
  for (const chunk of chunks) {
    for (const l of chunk) {
      const p = layerParamsPerCard(m, plan, m.layerKinds[l] ?? "dense");
      dense += p.dense;
      expert += p.expert;
    }
  }
  const positions = m.rotary ? 0 : m.seqLength * m.hiddenSize;
  const vocabShard = (m.vocabSize * m.hiddenSize) / plan.tp;
  if (stage === 0) dense += vocabShard + positions;
  if (stage === plan.pp - 1) {
    // Output layer and final norm. With tied embeddings and pp > 1 the last stage keeps its
    // own copy of the shared matrix (Megatron's embedding group all-reduces the copies' gradients).
    const ownsOutput = !m.tiedEmbeddings || plan.pp > 1;
    dense += (ownsOutput ? vocabShard : 0) + m.hiddenSize;
  }
  return { dense, expert };
}
