import { z } from "zod";

/**
 * The model file format (topologies/models/*.yaml): a decoder-only
 * transformer, dense or mixture-of-experts, with optional multi-head latent
 * attention. The single source of truth for its types and its JSON Schema
 * (topologies/schemas/model.schema.json, see model-json-schema.ts).
 * Documented in docs/model.md, "Workload: FLOPs, per-layer costs, memory".
 */

/**
 * Plausibility ceilings (issue 13): model dimensions size arrays and loops
 * (one entry per layer, per expert), so an absurd value is an input error
 * instead of an exhausted heap. Ten to a hundred times today's largest models.
 */
const MAX_DIMENSION = 10_000_000;
const posInt = (desc: string, max = MAX_DIMENSION) => z.int().min(1).max(max).describe(desc);
const nonNegInt = (desc: string, max = MAX_DIMENSION) => z.int().min(0).max(max).describe(desc);

export const MoeSpecSchema = z
  .strictObject({
    experts: posInt("Routed experts per MoE layer (DeepSeek-V3: 256)", 1_000_000),
    topK: posInt("Routed experts each token is sent to (DeepSeek-V3: 8)"),
    expertFfnHiddenSize: posInt("Inner size of one routed expert's FFN (DeepSeek-V3: 2048)"),
    expertGroups: posInt(
      "Mixture of Grouped Experts (MoGE, Pangu Pro MoE: 8): the routed experts are split into this many equal groups and every token activates topK / expertGroups experts in each group; must divide experts and topK. Absent: plain top-k over all experts",
    ).optional(),
    sharedExperts: nonNegInt("Shared experts every token goes through, in every MoE layer (DeepSeek-V3: 1)").default(0),
    sharedExpertFfnHiddenSize: posInt(
      "Inner size of one shared expert's FFN; defaults to expertFfnHiddenSize",
    ).optional(),
    denseLayers: nonNegInt(
      "Number of leading dense layers (FFN of ffnHiddenSize) before the MoE layers (DeepSeek-V3: 3). Exclusive with moeLayers",
    ).optional(),
    moeLayers: z
      .array(nonNegInt("A 0-based layer index"))
      .min(1)
      .optional()
      .describe("Explicit 0-based indices of the MoE layers; all other layers are dense. Exclusive with denseLayers"),
  })
  .describe("Mixture of experts: routed and shared experts, and which layers are MoE");

export const MlaSpecSchema = z
  .strictObject({
    qLoraRank: nonNegInt("Rank of the query down-projection (DeepSeek-V3: 1536); 0 = queries not compressed"),
    kvLoraRank: posInt("Rank of the joint key/value down-projection (DeepSeek-V3: 512)"),
    qkNopeHeadDim: posInt("Per-head query/key dimension without rotary embedding (DeepSeek-V3: 128)"),
    qkRopeHeadDim: posInt("Per-head query/key rotary dimension, key part shared by all heads (DeepSeek-V3: 64)"),
    vHeadDim: posInt("Per-head value dimension (DeepSeek-V3: 128)"),
  })
  .describe("Multi-head latent attention (DeepSeek-V2/V3): low-rank compressed queries, keys and values");

export const ModelSpecSchema = z
  .strictObject({
    name: z.string().min(1).describe("Model name, e.g. gpt3-175b"),
    source: z.string().min(1).describe("Where every figure in this file comes from (paper, table, config file)"),
    layers: posInt("Transformer layers (blocks)", 100_000),
    hiddenSize: posInt("Model (residual stream) width h"),
    attentionHeads: posInt("Query heads a"),
    kvHeads: posInt(
      "Key/value heads (grouped-query attention; 1 = multi-query); defaults to attentionHeads (multi-head attention)",
    ).optional(),
    headDim: posInt("Per-head dimension; defaults to hiddenSize / attentionHeads").optional(),
    ffnHiddenSize: posInt("Inner size of the dense FFN (4h for GPT-3; 14336 for Llama-3 8B)"),
    gatedFfn: z
      .boolean()
      .default(false)
      .describe("Gated FFN (SwiGLU/GeGLU): three weight matrices (gate, up, down) instead of two"),
    vocabSize: posInt("Vocabulary size (embedding and output-layer rows)"),
    seqLength: posInt("Training sequence length in tokens"),
    contextLength: posInt(
      "Longest context (prompt + output) the released model serves, tokens (serving); defaults to seqLength",
    ).optional(),
    tiedEmbeddings: z
      .boolean()
      .default(false)
      .describe("Input embedding and output layer share one matrix (GPT-3/Megatron: true)"),
    positionEmbedding: z
      .enum(["learned", "rotary"])
      .default("rotary")
      .describe(
        "learned: absolute position table added at the input (GPT-3); rotary: RoPE applied to q and k per layer",
      ),
    dropout: z
      .boolean()
      .default(false)
      .describe("Dropout on attention probabilities and residual branches (GPT-3/Megatron 2021: true; Llama: false)"),
    moe: MoeSpecSchema.optional(),
    mla: MlaSpecSchema.optional(),
  })
  .superRefine((m, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const kv = m.kvHeads ?? m.attentionHeads;
    if (m.kvHeads !== undefined && m.attentionHeads % m.kvHeads !== 0) {
      issue(["kvHeads"], `kvHeads ${m.kvHeads} must divide attentionHeads ${m.attentionHeads}`);
    }
    if (m.headDim === undefined && m.mla === undefined && m.hiddenSize % m.attentionHeads !== 0) {
      issue(
        ["headDim"],
        `attentionHeads ${m.attentionHeads} does not divide hiddenSize ${m.hiddenSize}: give headDim explicitly`,
      );
    }
    if (m.mla !== undefined && kv !== m.attentionHeads) {
      issue(["kvHeads"], `with mla every head has its own keys and values: kvHeads ${kv} must equal attentionHeads`);
    }
    if (m.mla !== undefined && m.headDim !== undefined) {
      issue(["headDim"], "headDim does not apply with mla (give qkNopeHeadDim, qkRopeHeadDim, vHeadDim)");
    }
    const moe = m.moe;
    if (moe === undefined) return;
    if (moe.topK > moe.experts) issue(["moe", "topK"], `topK ${moe.topK} exceeds experts ${moe.experts}`);
    const groups = moe.expertGroups;
    if (groups !== undefined && moe.experts % groups !== 0) {
      issue(["moe", "expertGroups"], `expertGroups ${groups} must divide experts ${moe.experts} (equal groups)`);
    }
    if (groups !== undefined && moe.topK % groups !== 0) {
      issue(
        ["moe", "expertGroups"],
        `expertGroups ${groups} must divide topK ${moe.topK} (each token activates topK / expertGroups experts in every group)`,
      );
    }
    if (moe.sharedExpertFfnHiddenSize !== undefined && moe.sharedExperts === 0) {
      issue(["moe", "sharedExpertFfnHiddenSize"], "sharedExpertFfnHiddenSize is given but sharedExperts is 0");
    }
    if (moe.denseLayers !== undefined && moe.moeLayers !== undefined) {
      issue(["moe", "moeLayers"], "give either denseLayers or moeLayers, not both");
    }
    if (moe.denseLayers !== undefined && moe.denseLayers >= m.layers) {
      issue(["moe", "denseLayers"], `denseLayers ${moe.denseLayers} leaves no MoE layer out of ${m.layers}`);
    }
    if (moe.moeLayers !== undefined) {
      const seen = new Set<number>();
      moe.moeLayers.forEach((l, i) => {
        if (l >= m.layers) issue(["moe", "moeLayers", i], `layer ${l} out of range 0..${m.layers - 1}`);
        if (seen.has(l)) issue(["moe", "moeLayers", i], `layer ${l} listed twice`);
        seen.add(l);
      });
    }
  })
  .describe("A decoder-only transformer: dense, grouped-query, gated-FFN, mixture-of-experts and MLA variants");

export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type MoeSpec = z.infer<typeof MoeSpecSchema>;
export type MlaSpec = z.infer<typeof MlaSpecSchema>;

export type LayerKind = "dense" | "moe";

/** A validated model with every default resolved: what the cost functions read. */
export interface Model {
  name: string;
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  /** Per-head q/k dimension (MLA: nope + rope). */
  qkHeadDim: number;
  /** Per-head value dimension. */
  vHeadDim: number;
  ffnHiddenSize: number;
  gatedFfn: boolean;
  vocabSize: number;
  seqLength: number;
  /** Longest served context (prompt + output), tokens: contextLength, else seqLength. */
  contextLength: number;
  tiedEmbeddings: boolean;
  rotary: boolean;
  dropout: boolean;
  moe?: {
    experts: number;
    topK: number;
    expertFfnHiddenSize: number;
    sharedExperts: number;
    sharedExpertFfnHiddenSize: number;
    /** MoGE expert groups (topK / expertGroups experts per group per token); absent = plain top-k. */
    expertGroups?: number;
  };
  mla?: MlaSpec;
  /** Kind of each layer, by 0-based index. */
  layerKinds: readonly LayerKind[];
}

export function resolveModel(spec: ModelSpec): Model {
  const headDim = spec.headDim ?? spec.hiddenSize / spec.attentionHeads;
  const moe = spec.moe;
  const layerKinds: LayerKind[] = new Array<LayerKind>(spec.layers).fill(moe ? "moe" : "dense");
  if (moe?.moeLayers !== undefined) {
    layerKinds.fill("dense");
    for (const l of moe.moeLayers) layerKinds[l] = "moe";
  } else if (moe?.denseLayers !== undefined) {
    layerKinds.fill("dense", 0, moe.denseLayers);
  }
  const model: Model = {
    name: spec.name,
    layers: spec.layers,
    hiddenSize: spec.hiddenSize,
    attentionHeads: spec.attentionHeads,
    kvHeads: spec.kvHeads ?? spec.attentionHeads,
    qkHeadDim: spec.mla ? spec.mla.qkNopeHeadDim + spec.mla.qkRopeHeadDim : headDim,
    vHeadDim: spec.mla ? spec.mla.vHeadDim : headDim,
    ffnHiddenSize: spec.ffnHiddenSize,
    gatedFfn: spec.gatedFfn,
    vocabSize: spec.vocabSize,
    seqLength: spec.seqLength,
    contextLength: spec.contextLength ?? spec.seqLength,
    tiedEmbeddings: spec.tiedEmbeddings,
    rotary: spec.positionEmbedding === "rotary",
    dropout: spec.dropout,
    layerKinds,
  };
  if (moe) {
    model.moe = {
      experts: moe.experts,
      topK: moe.topK,
      expertFfnHiddenSize: moe.expertFfnHiddenSize,
      sharedExperts: moe.sharedExperts,
      sharedExpertFfnHiddenSize: moe.sharedExpertFfnHiddenSize ?? moe.expertFfnHiddenSize,
    };
    if (moe.expertGroups !== undefined) model.moe.expertGroups = moe.expertGroups;
  }
  if (spec.mla) model.mla = spec.mla;
  return model;
}
