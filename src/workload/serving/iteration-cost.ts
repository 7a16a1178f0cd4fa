import { attentionEfficiency, matmulEfficiency, matmulPeakFlopsPerS } from "../../hardware/roofline.js";
import type { Accelerator } from "../../hardware/types.js";
import type { Model } from "../model-spec.js";
import { layerParams } from "../params.js";
import {
  ACTIVATION_BYTES,
  bytesPerElement,
  EMBEDDING_PRECISION,
  kvBytesPerTokenPerLayer,
  servingStageLayers,
} from "./deployment-memory.js";
import type { PerOpKernels, PerOpLayerS } from "./per-op-kernels.js";
import type { ServingPrecision } from "./serving-spec.js";

/**
 * What one iteration's batch asks of the instance (the scheduler fills it).
 * Context lengths are in tokens of the sequence, prompt and output together.
 */
export interface BatchWork {
  /** Tokens processed: prompt-chunk tokens plus one per decoding sequence. */
  tokens: number;
  /** Sequences decoding one token. */
  decodeSeqs: number;
  /** Σ over decoding sequences of the context their attention reads (KV tokens, including the new one). */
  decodeContextTokens: number;
  /** Σ over prompt chunks (c tokens after o cached) of causal query-key pairs c·(o + (c + 1)/2). */
  prefillAttentionPairs: number;
  /** Σ over prompt chunks of the KV tokens their attention reads (o + c). */
  prefillContextTokens: number;
  /** Sequences that sample a token this iteration (decodes and prompts completed by this chunk). */
  logitsTokens: number;
  /**
   * Σ over prompt chunks of their causal pairs × the keys they attend over (o + c): divided by
   * prefillAttentionPairs, the pair-weighted key length that sets the attention kernel's efficiency.
   * Absent: the key length is taken as prefillContextTokens (one chunk).
   */
  prefillPairKeyTokens?: number;
}

/** Time of a collective of `bytes` on a fixed group: latency + bytes / bandwidth (fitted to the network's own prediction). */
export interface LinearCommS {
  latencyS: number;
  sPerByte: number;
}

export interface IterationCostParams {
  model: Model;
  accelerator: Accelerator;
  tp: number;
  pp: number;
  weights: ServingPrecision;
  activations: "bf16" | "fp8";
  kvCache: ServingPrecision;
  /** Multiplier on routed-expert compute for uneven expert loads (1 = even). */
  moeImbalance: number;
  /** TP all-reduce of the instance's group (unused when tp = 1). */
  tpAllReduce: LinearCommS;
  /** Stage-to-stage send (unused when pp = 1). */
  ppSend: LinearCommS;
  iterationOverheadS: number;
  /** Expert parallelism (docs/serving.md, "Expert parallelism"); absent: experts tensor-parallel over tp. */
  expertParallel?: ExpertParallelCost;
}

/** A stage's per-op kernel seconds by part (PerOpLayerS without the per-layer blocks). */
type PerOpSumsS = Omit<PerOpLayerS, "blocks">;

/**
 * An expert-parallel instance: `ep` cards, attention data-parallel over
 * `dataParallelGroups` groups of tp cards, whole experts spread over the
 * cards, a dispatch and a combine all-to-all per MoE layer priced per token
 * leaving each card (LinearCommS with sPerByte read as seconds per token).
 */
export interface ExpertParallelCost {
  ep: number;
  dataParallelGroups: number;
  /** Expert copies on one card ((experts + redundant) / ep). */
  slotsPerCard: number;
  dispatch: LinearCommS;
  combine: LinearCommS;
  twoBatchOverlap: boolean;
  /**
   * Fraction of the card's compute units the all-to-all kernels hold while
   * they run beside compute (two-batch overlap): DeepEP's normal kernels run
   * on SMs, its low-latency kernels free them (0).
   */
  commComputeShare: number;
  /**
   * Which compute the all-to-alls hide behind under two-batch overlap. "all": every block of the
   * other micro-batch, routed experts included (DeepSeek's prefill schedule: the communication
   * stream is busy beside attention, shared experts and MLP alike). "non-expert": not the routed
   * experts (DeepSeek's decode schedule: a micro-batch's MLP runs between its dispatch and its
   * combine, with no all-to-all beside it; deepseek-ai/profile-data README, decode figure).
   */
  overlapWith: "all" | "non-expert";
  /** Most loaded card's expert tokens over the mean, for a batch of this many tokens. */
  imbalance: (tokens: number) => number;
  /** Per-op kernel pricing of the layers (expertParallel.kernels per-op); absent: the fused-kernel formulas. */
  perOp?: PerOpKernels;
}

/** Per-stage coefficients, computed once per deployment. */
interface StageCoefficients {
  layers: number;
  moeLayers: number;
  /** Non-expert GEMM FLOPs per token on one card (2 × parameters through which a token passes). */
  linearFlopsPerToken: number;
  /** Non-expert weight bytes read once per iteration by one card. */
  linearWeightBytes: number;
  /** Bytes elementwise kernels move per token on one card (all the stage's layers). */
  elementwiseBytesPerToken: number;
  /** One routed expert's parameters on one card (1/tp of the expert). */
  expertParamsPerCard: number;
  hasLogits: boolean;
}

/** Seconds of each part of one iteration (summed over stages), for tests and breakdowns. */
export interface IterationBreakdownS {
  linear: number;
  elementwise: number;
  experts: number;
  attentionPrefill: number;
  attentionDecode: number;
  logits: number;
  tpComm: number;
  ppComm: number;
  /** Expert all-to-all time not hidden behind compute (expert parallelism). */
  epComm: number;
  overhead: number;
  total: number;
  /** All-to-all time of the iteration, hidden or not (not part of total). */
  epCommAll: number;
  /** Of the kernels' seconds (linear, elementwise, experts, attention, logits), those bound by compute (not part of total). */
  computeBound: number;
  /** ... and those bound by memory bandwidth (not part of total). */
  memoryBound: number;
}

/** The parts of an iteration that its batch's kernels and per-layer communication take (in IterationBreakdownS order). */
export const STEP_PARTS = [
  "linear",
  "elementwise",
  "experts",
  "attentionPrefill",
  "attentionDecode",
  "logits",
  "tpComm",
  "ppComm",
] as const;

/** max(compute, memory), booking it to the side that bounds it. */
function roof(out: IterationBreakdownS, computeS: number, memoryS: number, times = 1): number {
  if (computeS >= memoryS) out.computeBound += times * computeS;
  else out.memoryBound += times * memoryS;
  return Math.max(computeS, memoryS);
}

/**
 * The cost of one iteration on one instance, per card, by the roofline of
 * src/hardware/roofline.ts applied to each kind of kernel summed over the
 * stage's layers (docs/model.md, "Serving: cost of one iteration"):
 *   GEMMs      max(2·T·P_card / F, P_card·w / BW)   (decode: weights read once per iteration)
 *   elementwise T · (8h + 2·(a+kv)/tp·d + 3f/tp) · 2 bytes / BW per layer (norms, residual, rotary, activation)
 *   experts    per MoE layer, E·(1 − (1 − k/E)^T) distinct experts' weights read,
 *              2·T·k·P_expert/tp·imbalance FLOPs
 *   attention  prefill: max(2·(a/tp)·(d_qk + d_v)·pairs / F_attn, KV read / BW);
 *              decode:  max(same FLOPs over the context, context · KV bytes / BW)
 *   logits     last stage: max(2·N·h·V/tp / F_bf16, h·V/tp·2 / BW) (the LM head stays bf16)
 *   TP         2 all-reduces of T·h·2 bytes per layer; PP: one send of T·h·2 bytes per stage boundary
 *   overhead   per iteration (host)
 * F = dense peak at the activation precision × matmul efficiency; F_attn = bf16 peak × the card's
 * fused-attention forward efficiency at the batch's pair-weighted key length for prefill, × matmul
 * efficiency for decode (ASSUMPTION: attention math in bf16 whatever the KV precision), and for an MLA
 * model's decode the card's measured MLA kernel where it has one (efficiency.mlaDecode: FlashMLA on Hopper,
 * its compute fraction of the bf16 peak and its memory fraction of HBM);
 * BW = HBM bandwidth × memory efficiency. Stages run one after another (a batch
 * crosses the pipeline; ASSUMPTION: no overlap of successive iterations).
 */
export class IterationCostModel {
  private readonly stages: StageCoefficients[];
  private readonly flopsPerS: number;
  private readonly attentionFlopsPerS: number;
  /** Decode attention: FLOP/s and bytes/s of the card's MLA decode kernel for an MLA model, else F_attn and BW. */
  private readonly decodeAttentionFlopsPerS: number;
  private readonly decodeAttentionBytesPerS: number;
  private readonly bytesPerS: number;
  private readonly kvBytesPerTokenPerLayer: number;
  /** Attention FLOPs per (query, key) pair per layer on one card. */
  private readonly prefillFlopsPerPair: number;
  private readonly decodeFlopsPerContextToken: number;
  private readonly weightBytes: number;

  constructor(private readonly p: IterationCostParams) {
    const { model, accelerator: acc, tp, pp } = p;
    this.flopsPerS = matmulPeakFlopsPerS(acc, p.activations) * matmulEfficiency(acc, p.activations);
    this.attentionFlopsPerS = matmulPeakFlopsPerS(acc, "bf16") * matmulEfficiency(acc, "bf16");
    this.bytesPerS = acc.hbmBytesPerS * acc.efficiency.memory;
    const mlaKernel = model.mla ? acc.efficiency.mlaDecode : undefined;
    this.decodeAttentionFlopsPerS = mlaKernel
      ? matmulPeakFlopsPerS(acc, "bf16") * mlaKernel.compute
      : this.attentionFlopsPerS;
    this.decodeAttentionBytesPerS = mlaKernel ? acc.hbmBytesPerS * mlaKernel.memory : this.bytesPerS;
    this.weightBytes = bytesPerElement(p.weights);
    this.kvBytesPerTokenPerLayer = kvBytesPerTokenPerLayer(model, tp, p.kvCache);
    const headsPerCard = model.attentionHeads / tp;
    this.prefillFlopsPerPair = 2 * headsPerCard * (model.qkHeadDim + model.vHeadDim);
    // MLA decodes with the up-projections absorbed (DeepSeek-V2 §2.1.3): scores over the latent plus
    // the rotary key, and the context over the latent: 2·(2·kvLoraRank + rope) per head per token.
    this.decodeFlopsPerContextToken = model.mla
      ? 2 * headsPerCard * (2 * model.mla.kvLoraRank + model.mla.qkRopeHeadDim)
      : this.prefillFlopsPerPair;
    const g = model.gatedFfn ? 3 : 2;
    // Elementwise kernels per layer per token (bf16 activations, read + write), counted kernel by kernel
    // (ASSUMPTION: TensorRT-LLM/vLLM fuse the residual add into the norm): 2 fused add+norm (read 2h,
    // write 2h each: 8h), rotary on the card's q and k heads (read + write 2·(a/tp + kv/tp)·d), and
    // the gated activation (read 2f/tp, write f/tp; ungated: read and write f/tp).
    const ffnPerCard = (model.moe ? model.moe.expertFfnHiddenSize * model.moe.topK : model.ffnHiddenSize) / tp;
    const qkPerCard = (model.attentionHeads / tp + Math.ceil(model.kvHeads / tp)) * model.qkHeadDim;
    const elementwisePerLayer =
      (8 * model.hiddenSize + (model.rotary ? 2 * qkPerCard : 0) + (model.gatedFfn ? 3 : 2) * ffnPerCard) *
      ACTIVATION_BYTES;
    const expertParams = model.moe ? g * model.hiddenSize * model.moe.expertFfnHiddenSize : 0;
    // Expert parallelism holds whole experts on a card; otherwise every card holds 1/tp of each.
    const expertShards = p.expertParallel ? 1 : tp;
    this.stages = servingStageLayers(model.layers, pp).map((layers, s) => {
      let linearParams = 0;
      let moeLayers = 0;
      for (const l of layers) {
        const kind = model.layerKinds[l] ?? "dense";
        const lp = layerParams(model, kind);
        linearParams += lp.tpSharded / tp + lp.replicated;
        if (kind === "moe" && model.moe) moeLayers++;
      }
      return {
        layers: layers.length,
        moeLayers,
        elementwiseBytesPerToken: layers.length * elementwisePerLayer,
        linearFlopsPerToken: 2 * linearParams,
        linearWeightBytes: linearParams * this.weightBytes,
        expertParamsPerCard: expertParams / expertShards,
        hasLogits: s === pp - 1,
      };
    });
  }

  /** Seconds of one iteration with this batch (nominal: no stragglers). */
  iterationS(w: BatchWork): number {
    return this.breakdown(w).total;
  }

  breakdown(w: BatchWork): IterationBreakdownS {
    const ep = this.p.expertParallel;
    if (!ep) {
      const out = this.emptyBreakdown();
      this.addStages(out, w, (st) => this.tensorParallelExpertsS(out, st, w.tokens));
      this.finish(out);
      return out;
    }
    return this.expertParallelBreakdown(w, ep);
  }

  private emptyBreakdown(): IterationBreakdownS {
    return {
      linear: 0,
      elementwise: 0,
      experts: 0,
      attentionPrefill: 0,
      attentionDecode: 0,
      logits: 0,
      tpComm: 0,
      ppComm: 0,
      epComm: 0,
      overhead: this.p.iterationOverheadS,
      total: 0,
      epCommAll: 0,
      computeBound: 0,
      memoryBound: 0,
    };
  }

  private finish(out: IterationBreakdownS): void {
    out.total =
      out.linear +
      out.elementwise +
      out.experts +
      out.attentionPrefill +
      out.attentionDecode +
      out.logits +
      out.tpComm +
      out.ppComm +
      out.epComm +
      out.overhead;
  }

  /** Routed experts of one stage's MoE layers, tensor-parallel over the instance's tp cards. */
  private tensorParallelExpertsS(out: IterationBreakdownS, st: StageCoefficients, T: number): number {
    const { model } = this.p;
    if (st.moeLayers === 0 || !model.moe || T === 0) return 0;
    const { experts: E, topK: k } = model.moe;
    const distinct = E * (1 - (1 - k / E) ** T);
    const perLayer = roof(
      out,
      (2 * T * k * st.expertParamsPerCard * this.p.moeImbalance) / this.flopsPerS,
      (distinct * st.expertParamsPerCard * this.weightBytes) / this.bytesPerS,
      st.moeLayers,
    );
    return st.moeLayers * perLayer;
  }

  /** Adds every stage's kernels for the batch `w` as one card sees it; `expertsS` prices a stage's routed experts. */
  private addStages(
    out: IterationBreakdownS,
    w: BatchWork,
    expertsS: (st: StageCoefficients) => number,
    perOpStage?: (st: StageCoefficients) => PerOpSumsS,
  ): void {
    const { model, tp, pp } = this.p;
    const F = this.flopsPerS;
    const BW = this.bytesPerS;
    const T = w.tokens;
    const kvB = this.kvBytesPerTokenPerLayer;
    const layers = this.stages.reduce((n, st) => n + st.layers, 0);
    const keyTokens =
      w.prefillAttentionPairs > 0
        ? (w.prefillPairKeyTokens ?? w.prefillContextTokens * w.prefillAttentionPairs) / w.prefillAttentionPairs
        : 0;
    const prefillAttnFlopsPerS =
      matmulPeakFlopsPerS(this.p.accelerator, "bf16") *
      attentionEfficiency(this.p.accelerator, "forward", keyTokens, model.qkHeadDim);
    const prefillAttn = roof(
      out,
      (this.prefillFlopsPerPair * w.prefillAttentionPairs) / prefillAttnFlopsPerS,
      (w.prefillContextTokens * kvB) / BW,
      layers,
    );
    const decodeAttn = roof(
      out,
      (this.decodeFlopsPerContextToken * w.decodeContextTokens) / this.decodeAttentionFlopsPerS,
      (w.decodeContextTokens * kvB) / this.decodeAttentionBytesPerS,
      layers,
    );
    const activationBytes = T * model.hiddenSize * ACTIVATION_BYTES;
    const allReduceS =
      tp > 1 && T > 0 ? this.p.tpAllReduce.latencyS + this.p.tpAllReduce.sPerByte * activationBytes : 0;
    for (const st of this.stages) {
      if (perOpStage) {
        const k = perOpStage(st);
        out.linear += k.linear;
        out.elementwise += k.elementwise;
        out.experts += k.experts;
        out.computeBound += k.computeBound;
        out.memoryBound += k.memoryBound;
      } else {
        if (T > 0) out.linear += roof(out, (st.linearFlopsPerToken * T) / F, st.linearWeightBytes / BW);
        const elementwiseS = (st.elementwiseBytesPerToken * T) / BW;
        out.elementwise += elementwiseS;
        out.memoryBound += elementwiseS;
        out.experts += expertsS(st);
      }
      out.attentionPrefill += st.layers * prefillAttn;
      out.attentionDecode += st.layers * decodeAttn;
      out.tpComm += 2 * st.layers * allReduceS;
      if (st.hasLogits && w.logitsTokens > 0) {
        // The output layer stays bf16 in quantised deployments (deployment-memory.ts weightParamsPerCard).
        const vh = (model.vocabSize * model.hiddenSize) / tp;
        out.logits += roof(
          out,
          (2 * w.logitsTokens * vh) / this.attentionFlopsPerS,
          (vh * bytesPerElement(EMBEDDING_PRECISION)) / BW,
        );
      }
    }
    if (pp > 1 && T > 0) out.ppComm = (pp - 1) * (this.p.ppSend.latencyS + this.p.ppSend.sPerByte * activationBytes);
  }

  /**
   * Expert parallelism: each card runs attention and the dense parts for its
   * data-parallel group's share of the batch (ASSUMPTION: the scheduler
   * balances the groups), its expert copies for the tokens routed to them
   * (T·k/ep on average, times the imbalance of the most loaded card, which the
   * all-to-alls wait for), and per MoE layer a dispatch and a combine. With
   * two-batch overlap the batch runs as two micro-batches (each reading the
   * weights again) and one's all-to-alls hide behind the other's compute:
   * iteration = compute + max(all-to-alls − overlappable, s × all-to-alls) + the
   * shorter of one micro-batch's layer compute and layer all-to-all (the
   * pipeline's fill), where s is the share of the card the all-to-all kernels
   * hold while they run (compute slows to 1 − s beside them) and overlappable is
   * all the compute (ep.overlapWith "all", DeepSeek's prefill schedule) or all
   * but the routed experts ("non-expert", its decode schedule: each
   * micro-batch's MLP runs between its dispatch and its combine, alone);
   * without two-batch overlap, compute + all-to-alls.
   */
  private expertParallelBreakdown(w: BatchWork, ep: ExpertParallelCost): IterationBreakdownS {
    const { model } = this.p;
    const micro = ep.twoBatchOverlap && w.tokens >= 2 ? 2 : 1;
    const instanceTokens = w.tokens / micro;
    const share = 1 / (ep.dataParallelGroups * micro);
    const part: BatchWork = {
      tokens: w.tokens * share,
      decodeSeqs: w.decodeSeqs * share,
      decodeContextTokens: w.decodeContextTokens * share,
      prefillAttentionPairs: w.prefillAttentionPairs * share,
      prefillContextTokens: w.prefillContextTokens * share,
      ...(w.prefillPairKeyTokens !== undefined ? { prefillPairKeyTokens: w.prefillPairKeyTokens * share } : {}),
      logitsTokens: w.logitsTokens * share,
    };
    const imbalance = instanceTokens > 0 ? ep.imbalance(instanceTokens) : 1;
    let moeLayers = 0;
    const expertsS = (st: StageCoefficients): number => {
      if (st.moeLayers === 0 || !model.moe || instanceTokens === 0) return 0;
      moeLayers += st.moeLayers;
      const { experts: E, topK: k } = model.moe;
      const received = ((instanceTokens * k) / ep.ep) * imbalance;
      const distinctSlots = ep.slotsPerCard * (1 - (1 - k / E) ** instanceTokens);
      return (
        st.moeLayers *
        roof(
          one,
          (2 * received * st.expertParamsPerCard) / this.flopsPerS,
          (distinctSlots * st.expertParamsPerCard * this.weightBytes) / this.bytesPerS,
          st.moeLayers,
        )
      );
    };
    const perOp = ep.perOp;
    // Per-op kernels: each stage's dense and MoE layers at the card's tokens (part.tokens) and the busiest card's load.
    const perOpStage = perOp
      ? (st: StageCoefficients): PerOpSumsS => {
          if (instanceTokens > 0) moeLayers += st.moeLayers;
          const dense = perOp.layerS("dense", part.tokens, imbalance);
          const moe = perOp.layerS("moe", part.tokens, imbalance);
          const n = st.layers - st.moeLayers;
          const sum = (key: keyof PerOpSumsS) => n * dense[key] + st.moeLayers * moe[key];
          return {
            linear: sum("linear"),
            experts: sum("experts"),
            elementwise: sum("elementwise"),
            computeBound: sum("computeBound"),
            memoryBound: sum("memoryBound"),
          };
        }
      : undefined;
    const one = this.emptyBreakdown();
    one.overhead = 0;
    this.addStages(one, part, expertsS, perOpStage);
    this.finish(one);
    const leaving = (instanceTokens / ep.ep) * imbalance;
    const dispatchS = instanceTokens > 0 ? ep.dispatch.latencyS + ep.dispatch.sPerByte * leaving : 0;
    const combineS = instanceTokens > 0 ? ep.combine.latencyS + ep.combine.sPerByte * leaving : 0;
    const layerCommS = dispatchS + combineS;
    const out = this.emptyBreakdown();
    for (const key of STEP_PARTS) out[key] = one[key] * micro;
    out.computeBound = one.computeBound * micro;
    out.memoryBound = one.memoryBound * micro;
    const computeS = one.total * micro;
    const commS = layerCommS * moeLayers * micro;
    out.epCommAll = commS;
    if (micro === 2 && moeLayers > 0 && ep.overlapWith === "non-expert" && perOp) {
      // DeepSeek's decode schedule, block by block (docs/model.md, "Expert parallelism"): one
      // micro-batch's dispatch runs beside its shared expert and the other's ATTN-0, its combine beside
      // the other's ATTN-1 (attention core, output projection, gate), its routed experts beside no
      // all-to-all. Per MoE layer and micro-batch the exposed part is what each all-to-all outlasts its
      // own blocks; the last combine has no next layer to hide behind.
      const b = perOp.layerS("moe", part.tokens, imbalance).blocks;
      const attentionPerLayerS = (one.attentionDecode + one.attentionPrefill) / model.layers;
      const hiddenDispatchS = Math.min(dispatchS, b.shared + b.preAttention);
      const hiddenCombineS = Math.min(combineS, b.postAttention + attentionPerLayerS);
      const exposedS = micro * moeLayers * (dispatchS - hiddenDispatchS + combineS - hiddenCombineS);
      out.epComm = Math.max(exposedS + hiddenCombineS, ep.commComputeShare * commS);
    } else if (micro === 2 && moeLayers > 0) {
      const fill = Math.min(one.total / model.layers, layerCommS);
      const overlappableS = ep.overlapWith === "all" ? computeS : computeS - one.experts * micro;
      out.epComm = Math.max(commS - overlappableS, ep.commComputeShare * commS, 0) + fill;
    } else {
      out.epComm = commS;
    }
    this.finish(out);
    return out;
  }
}
