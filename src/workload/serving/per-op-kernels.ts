import { gemmFixedS } from "../../hardware/gemm-shape.js";
import { opTimeS } from "../../hardware/roofline.js";
import type { Accelerator } from "../../hardware/types.js";
import { layerWorkByKind } from "../layer-ops.js";
import type { LayerKind, Model } from "../model-spec.js";
import { FP8_QUANTIZE_BYTES_PER_ELEMENT, type Op } from "../ops.js";
import { ParallelPlanSchema, type ResolvedPlan, resolvePlan } from "../plan-spec.js";

/**
 * Bytes one FP8 quantisation kernel moves per element at inference: it reads the BF16 tensor (2)
 * and writes the row-wise FP8 copy (1); the per-128-element scales add 4/128. Training's quantize
 * (FP8_QUANTIZE_BYTES_PER_ELEMENT) also writes the column-wise copy the backward GEMMs read, which
 * inference has no use for. From the kernel's algorithm; DeepSeek's profile shows the row-wise
 * cast alone (deepseek-ai/profile-data train.json, per_token_cast_to_fp8: read 59 MB, write 30 MB
 * and scales for 4,096 × 7,168 elements).
 */
export const INFERENCE_QUANTIZE_BYTES_PER_ELEMENT = 2 + 1 + 4 / 128;

/** Seconds of one layer's forward kernels on one card, by the serving breakdown's parts. */
export interface PerOpLayerS {
  /** Non-expert GEMMs (attention projections, router, shared experts, dense FFN). */
  linear: number;
  /** Routed experts' grouped GEMMs. */
  experts: number;
  /** Memory-bound kernels: norms, rotary, FP8 quantisation, activation, MoE permute/unpermute, router top-k, residuals. */
  elementwise: number;
  computeBound: number;
  memoryBound: number;
  /**
   * The same kernels by block of DeepSeek's decode schedule (deepseek-ai/profile-data README, decode
   * figure), for a layer of routed experts: before the attention core (norm, down/up projections,
   * rotary: ATTN-0), after it up to the routing gate (output projection, residual, norm, router:
   * ATTN-1 without the core), the shared expert (SHARED), the routed experts with their permutations
   * (MLP), and what follows (the residual).
   */
  blocks: PerOpBlocksS;
}

/** Seconds of one layer's kernels by block (PerOpLayerS.blocks); the attention core is not in them. */
export interface PerOpBlocksS {
  preAttention: number;
  postAttention: number;
  shared: number;
  routed: number;
  rest: number;
}

/** Most distinct token counts cached per layer kind before the cache is dropped (bounded memory). */
const CACHE_LIMIT = 1 << 14;

/**
 * Per-op kernel pricing for an expert-parallel serving instance (expertParallel.kernels per-op;
 * docs/serving.md, "Kernels"): one layer's forward is the training layer model's forward ops
 * (src/workload/layer-ops.ts: the same GEMMs by shape, FP8 quantisation per GEMM input, router,
 * MoE permute and unpermute, norms, rotary, residuals, each its own kernel) for the tokens one card
 * holds, timed by the same roofline (src/hardware/roofline.ts), without the attention core (the
 * serving model prices attention over each sequence's KV cache itself). With tp 1, experts whole on
 * the card (ep cards, `slotsPerCard` expert copies each), FP8 blockwise where the GEMMs run in FP8
 * (DeepGEMM, as DeepSeek's engine and SGLang run it) and the quantisation at inference's bytes.
 * ASSUMPTION: every local expert copy's weights are read each forward (all are hit at the batch
 * sizes of expert-parallel deployments: hundreds of tokens per expert at prefill, and at decode
 * batches of a few thousand tokens per instance against a few hundred experts).
 */
export class PerOpKernels {
  private readonly plan: ResolvedPlan;
  private readonly model: Model;
  private readonly cache = new Map<string, PerOpLayerS>();

  constructor(
    model: Model,
    private readonly accelerator: Accelerator,
    private readonly precision: "bf16" | "fp8",
    ep: number,
    slotsPerCard: number,
    /** FP8 dispatch (expertParallel.dispatchPrecision fp8): tokens are quantised once before the dispatch. */
    private readonly dispatchFp8: boolean,
  ) {
    this.model = model.moe ? { ...model, moe: { ...model.moe, experts: slotsPerCard * ep } } : model;
    this.plan = resolvePlan(
      ParallelPlanSchema.parse({
        tp: 1,
        pp: 1,
        dp: ep,
        ep,
        microBatchSize: 1,
        globalBatchSize: ep,
        precision,
        fp8Scaling: "blockwise",
        flashAttention: true,
        recompute: "none",
      }),
    );
  }

  /** One layer of `kind` with `tokens` on the card and the busiest card's expert load `imbalance` × the mean. */
  layerS(kind: LayerKind, tokens: number, imbalance: number): PerOpLayerS {
    const key = `${kind}|${tokens}|${imbalance}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    const blocks: PerOpBlocksS = { preAttention: 0, postAttention: 0, shared: 0, routed: 0, rest: 0 };
    const out: PerOpLayerS = { linear: 0, experts: 0, elementwise: 0, computeBound: 0, memoryBound: 0, blocks };
    if (tokens > 0) {
      const work = layerWorkByKind(
        { ...this.model, seqLength: tokens },
        { ...this.plan, expertImbalance: imbalance },
        kind,
        { forwardOnly: true },
      );
      // With FP8 dispatch the routed experts' input arrives quantised: its cast ran on the card's own
      // tokens before the dispatch, not on the token-expert pairs it receives (topK × imbalance as many).
      const received = tokens * (this.model.moe?.topK ?? 1) * imbalance;
      const expertInputShare = this.dispatchFp8 ? tokens / received : 1;
      let block: keyof PerOpBlocksS = "preAttention";
      for (const op of work.forward) {
        if (op.attention) {
          block = "postAttention";
          continue;
        }
        const routed =
          op.name.startsWith("experts-") || op.name === "dispatch-permute" || op.name === "combine-unpermute";
        const shared = op.name.startsWith("shared-");
        if (routed || shared) block = "rest";
        const s = this.add(out, op, op.name === "experts-up.quantize" ? expertInputShare : 1);
        blocks[routed ? "routed" : shared ? "shared" : block] += s;
      }
    }
    this.cache.set(key, out);
    return out;
  }

  /** Adds one forward op (not the attention core) and returns its seconds; `share` scales a quantisation's elements. */
  private add(out: PerOpLayerS, op: Op, share: number): number {
    if (op.kind === "memory") {
      const quantize = op.name.endsWith(".quantize");
      const bytes = quantize
        ? (share * op.bytes * INFERENCE_QUANTIZE_BYTES_PER_ELEMENT) / FP8_QUANTIZE_BYTES_PER_ELEMENT.blockwise
        : op.bytes;
      const s = opTimeS({ ...op, bytes }, this.accelerator, this.precision);
      out.elementwise += s;
      out.memoryBound += s;
      return s;
    }
    const s = opTimeS(op, this.accelerator, this.precision);
    if (op.name.startsWith("experts-")) out.experts += s;
    else out.linear += s;
    // Bound by compute when its time beyond the kernel's fixed time exceeds its bytes' time.
    const memoryS = op.bytes / (this.accelerator.hbmBytesPerS * this.accelerator.efficiency.memory);
    const gemm = this.accelerator.efficiency.gemm;
    const fixedS = gemm && op.gemm ? gemmFixedS(gemm, op.precision ?? this.precision, op.gemm) : 0;
    if (s > memoryS * (1 + 1e-12) + fixedS + (this.accelerator.efficiency.kernelGapS ?? 0)) out.computeBound += s;
    else out.memoryBound += s;
    return s;
  }
}
