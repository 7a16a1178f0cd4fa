import { backwardGemmShapes, type GemmShape } from "../hardware/gemm-shape.js";
import type { LayerKind, Model } from "./model-spec.js";
import {
  ACTIVATION_BYTES,
  type CommNeed,
  FP8_QUANTIZE_BYTES_PER_ELEMENT,
  MEMORY_OP_BACKWARD_BYTES_FACTOR,
  memoryOp,
  type Op,
  operandBytes,
} from "./ops.js";
import { ffnMatrices, kvHeadsPerRank, layerParamsPerCard } from "./params.js";
import { type RecomputeModule, type ResolvedPlan, recomputes, type resolvePlan } from "./plan-spec.js";

/**
 * The work of one transformer layer on one card (its TP rank, CP shard and
 * EP rank) for one micro-batch: compute ops of the forward, backward and
 * recomputed forward, and the collectives they need. Formulas and
 * assumptions: docs/model.md, "Workload: FLOPs, per-layer costs, memory".
 *
 * Shapes: T = b·s/cp tokens per card; with sequence parallelism norms,
 * residuals and routing see Tn = T/tp tokens, else T. Matmuls are sharded as
 * in Megatron-LM (QKV/FFN-up column-parallel, O/FFN-down row-parallel).
 * Routed experts are whole on a card (expert tensor parallelism 1): each card
 * routes its Tn tokens; with balanced routing it receives Tn·topK token-expert
 * pairs for its experts/ep local experts.
 * There are two layer kinds only (dense, moe): cache by kind.
 */
export interface LayerWork {
  kind: LayerKind;
  forward: Op[];
  backward: Op[];
  /** Ops re-run before the backward (none: empty). */
  recompute: Op[];
  comms: CommNeed[];
}

/**
 * ASSUMPTION: flash attention with a causal mask skips fully masked tiles, so it
 * executes about half of the s×s work (Dao 2023, FlashAttention-2 §3.1.1). The
 * unfused 2021 path computes the whole square.
 */
export const FLASH_CAUSAL_WORK_FRACTION = 0.5;
/** Flash attention backward: 5 matmuls against 2 in the forward (Dao 2023, §3.1.2): 2.5× forward FLOPs. */
export const FLASH_BACKWARD_FLOPS_FACTOR = 2.5;
/**
 * Weight-gradient matmuls accumulate into an fp32 main-grad buffer (Megatron-LM
 * gradient_accumulation_fusion): read + write 4 bytes per weight element.
 */
export const WGRAD_ACCUMULATE_BYTES = 8;

interface MatmulShape {
  M: number;
  K: number;
  N: number;
  /** Independent products (batched matmul). */
  batch: number;
  /** Weight matrices of K×N read (grouped experts: local experts); 0 = both operands are activations. */
  weightGroups: number;
}

interface Item {
  op: Op;
  mm?: MatmulShape;
  flash?: { qBytes: number; kvBytes: number; oBytes: number; lseBytes: number };
  /** The Megatron-Core recompute module the op belongs to (core_attn: the attention core), if any. */
  module?: RecomputeModule;
  /** FP8: the output gradient is quantized before the backward GEMMs, moving this many bytes per element. */
  quantizeGradBytes?: number;
  /** No backward kernel (an FP8 quantization: the gradient's own is backwardOf's quantize-grad). */
  forwardOnly?: boolean;
  /** A weight GEMM kept in BF16 whatever the run's precision (the MoE router), forward and backward. */
  bf16?: boolean;
}

export function layerWork(m: Model, plan: ResolvedPlan, layerIndex: number): LayerWork {
  const kind = m.layerKinds[layerIndex];
  if (kind === undefined) throw new RangeError(`layerWork: layer ${layerIndex} out of range 0..${m.layers - 1}`);
  return layerWorkByKind(m, plan, kind);
}

/**
 * `forwardOnly`: the forward ops alone (backward, recompute and collectives left empty), for callers that
 * price a forward pass only (serving's per-op kernels, src/workload/serving/per-op-kernels.ts).
 */
export function layerWorkByKind(
  m: Model,
  plan: ResolvedPlan,
  kind: LayerKind,
  options: { forwardOnly?: boolean } = {},
): LayerWork {
  const p = plan;
  const ein = operandBytes(p.precision);
  const A = ACTIVATION_BYTES;
  const { tp, cp } = p;
  const sp = p.sequenceParallel && tp > 1;
  const h = m.hiddenSize;
  const T = (p.microBatchSize * m.seqLength) / cp;
  const Tn = sp ? T / tp : T;
  const ah = m.attentionHeads / tp;
  const kvh = kvHeadsPerRank(m, tp);
  const items: Item[] = [];
  const comms: CommNeed[] = [];

  const fp8 = p.precision === "fp8";
  const quantizeBytes = FP8_QUANTIZE_BYTES_PER_ELEMENT[p.fp8Scaling];
  const blockScaled = fp8 && p.fp8Scaling === "blockwise";
  // The recompute module the ops being added belong to (Megatron-Core's --recompute-modules).
  let module: RecomputeModule | undefined;
  const mm = (name: string, M: number, K: number, N: number, weightGroups = 1, batch = 1, keepBf16 = false) => {
    if (weightGroups === 0) {
      // Activation x activation products (the unfused attention core): BF16 whatever the run's precision
      // (Transformer Engine keeps dot-product attention in BF16 unless fp8_dpa is set).
      const op: Op = {
        name,
        kind: "matmul",
        flops: 2 * M * K * N * batch,
        bytes: batch * (M * K * A + K * N * A + M * N * A),
        precision: "bf16",
        gemm: { m: M, n: N, k: K, groups: batch },
      };
      items.push({ op, mm: { M, K, N, batch, weightGroups }, module });
      return;
    }
    if (keepBf16) {
      const op: Op = {
        name,
        kind: "matmul",
        flops: 2 * M * K * N * batch,
        bytes: batch * (M * K * A + M * N * A) + weightGroups * K * N * A,
        precision: "bf16",
        gemm: gemmShapeOf({ M, K, N, batch, weightGroups }),
      };
      items.push({ op, mm: { M, K, N, batch, weightGroups }, module, bf16: true });
      return;
    }
    // FP8: the BF16 input is quantized first (its gradient before the backward GEMMs: backwardOf).
    if (fp8) {
      const elements = M * K * batch;
      items.push({
        op: memoryOp(`${name}.quantize`, quantizeBytes * elements, elements),
        module,
        forwardOnly: true,
      });
    }
    const op: Op = {
      name,
      kind: "matmul",
      flops: 2 * M * K * N * batch,
      bytes: batch * (M * K * ein + M * N * A) + weightGroups * K * N * ein,
      gemm: { ...gemmShapeOf({ M, K, N, batch, weightGroups }), ...(blockScaled ? { blockScaled } : {}) },
    };
    items.push({
      op,
      mm: { M, K, N, batch, weightGroups },
      module,
      ...(fp8 ? { quantizeGradBytes: quantizeBytes } : {}),
    });
  };
  const mem = (name: string, bytes: number, elements: number) => {
    items.push({ op: memoryOp(name, bytes, elements), module });
  };
  const inModule = (m: RecomputeModule, add: () => void) => {
    module = m;
    add();
    module = undefined;
  };
  const comm = (c: Omit<CommNeed, "phase"> & { phase?: CommNeed["phase"] }) => comms.push({ phase: "forward", ...c });
  const tpActBytes = T * h * A;

  // ---- attention block ----
  inModule("layernorm", () => mem("input-norm", 2 * Tn * h * A, Tn * h));
  let firstAttnOp: string;
  let kvOp: string;
  if (m.mla) {
    const { qLoraRank: qr, kvLoraRank: kvr, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: dv } = m.mla;
    if (qr > 0) {
      mm("q-down", T, h, qr);
      mem("q-norm", 2 * T * qr * A, T * qr);
      inModule("mla_up_proj", () => mm("q-up", T, qr, ah * (nope + rope)));
      firstAttnOp = "q-down";
    } else {
      mm("q-proj", T, h, ah * (nope + rope));
      firstAttnOp = "q-proj";
    }
    mm("kv-down", T, h, kvr + rope);
    mem("kv-norm", 2 * T * kvr * A, T * kvr);
    inModule("mla_up_proj", () => {
      mm("kv-up", T, kvr, ah * (nope + dv));
      mem("rotary", 2 * T * (ah + 1) * rope * A, T * (ah + 1) * rope);
    });
    kvOp = "kv-up";
  } else {
    mm("qkv", T, h, (ah + kvh) * m.qkHeadDim + kvh * m.vHeadDim);
    firstAttnOp = "qkv";
    kvOp = "qkv";
    if (m.rotary) mem("rotary", 2 * T * (ah + kvh) * m.qkHeadDim * A, T * (ah + kvh) * m.qkHeadDim);
  }
  if (tp > 1 && sp) {
    comm({
      group: "tp",
      op: "allgather",
      sizeBytes: tpActBytes,
      afterOp: "input-norm",
      beforeOp: firstAttnOp,
      label: "tp attention input all-gather",
    });
  }
  const sq = m.seqLength / cp;
  const skv = m.seqLength;
  const b = p.microBatchSize;
  const dqk = m.qkHeadDim;
  const dv = m.vHeadDim;
  const coreOp = p.flashAttention ? "flash-attention" : "attn-scores";
  if (cp > 1) {
    // K and V of the whole sequence gathered over the CP group (ring attention moves the same bytes).
    comm({
      group: "cp",
      op: "allgather",
      sizeBytes: b * skv * kvh * (dqk + dv) * A,
      afterOp: kvOp,
      beforeOp: coreOp,
      label: "cp key/value all-gather",
    });
  }
  module = "core_attn";
  if (p.flashAttention) {
    const flops = 2 * b * ah * sq * skv * (dqk + dv) * FLASH_CAUSAL_WORK_FRACTION;
    // BF16 operands whatever the run's precision (Transformer Engine's fp8_dpa is off by default).
    const qBytes = b * sq * ah * dqk * A;
    const kvBytes = b * skv * kvh * (dqk + dv) * A;
    const oBytes = b * sq * ah * dv * A;
    const lseBytes = b * ah * sq * 4;
    // Each kernel call attends over one sequence's keys (with CP, one ring step's shard of them).
    const keyTokens = m.seqLength / cp;
    items.push({
      op: {
        name: "flash-attention",
        kind: "matmul",
        flops,
        bytes: qBytes + kvBytes + oBytes + lseBytes,
        precision: "bf16",
        // The query/key head dim sets the kernel's tiles (FlashAttention-3 measures by it).
        attention: { pass: "forward", keyTokens, headDim: dqk },
      },
      flash: { qBytes, kvBytes, oBytes, lseBytes },
      module,
    });
  } else {
    const scores = b * ah * sq * skv;
    mm("attn-scores", sq, dqk, skv, 0, b * ah);
    mem("softmax", 2 * scores * A, scores);
    if (m.dropout) mem("attn-dropout", scores * (2 * A + 1), scores);
    mm("attn-context", sq, skv, dv, 0, b * ah);
  }
  module = undefined;
  mm("attn-out", T, ah * dv, h);
  const residualBytes = 3 * Tn * h * A + (m.dropout ? Tn * h : 0);
  if (tp > 1) {
    comm(
      sp
        ? {
            group: "tp",
            op: "reducescatter",
            sizeBytes: tpActBytes,
            afterOp: "attn-out",
            beforeOp: "attn-residual",
            label: "tp attention output reduce-scatter",
          }
        : {
            group: "tp",
            op: "allreduce",
            sizeBytes: tpActBytes,
            afterOp: "attn-out",
            beforeOp: "attn-residual",
            label: "tp attention output all-reduce",
          },
    );
  }
  mem("attn-residual", residualBytes, Tn * h);

  // ---- FFN / MoE block ----
  inModule("layernorm", () => mem("mlp-norm", 2 * Tn * h * A, Tn * h));
  const g = ffnMatrices(m);
  const upMats = g - 1;
  const denseFfn = (prefix: "mlp" | "shared", f: number) => {
    const fl = f / tp;
    inModule(prefix === "mlp" ? "mlp" : "shared_experts", () => {
      mm(`${prefix}-up`, T, h, upMats * fl);
      mem(`${prefix}-activation`, (upMats + 1) * T * fl * A, upMats * T * fl);
      mm(`${prefix}-down`, T, fl, h);
    });
    if (tp > 1) {
      if (sp) {
        comm({
          group: "tp",
          op: "allgather",
          sizeBytes: tpActBytes,
          afterOp: "mlp-norm",
          beforeOp: `${prefix}-up`,
          label: `tp ${prefix} input all-gather`,
        });
      }
      comm({
        group: "tp",
        op: sp ? "reducescatter" : "allreduce",
        sizeBytes: tpActBytes,
        afterOp: `${prefix}-down`,
        beforeOp: "mlp-residual",
        label: `tp ${prefix} output ${sp ? "reduce-scatter" : "all-reduce"}`,
      });
    }
  };
  if (kind === "moe" && m.moe) {
    const { experts: E, topK, expertFfnHiddenSize: fe, sharedExperts: ns, sharedExpertFfnHiddenSize: fs } = m.moe;
    const R = Tn * topK; // token-expert pairs leaving this card
    // Token-expert pairs the busiest card computes (parallel.expertImbalance; 1 = balanced): every card of the
    // EP group waits for it at the next all-to-all, so the step runs at its pace.
    const received = p.ep > 1 ? R * p.expertImbalance : R;
    const localExperts = E / p.ep;
    // The gating GEMM stays BF16 under FP8 training (DeepSeek-V3 report §3.3.1: "MoE gating modules" keep
    // their original precision; Megatron-Core's router is a plain BF16/FP32 linear, not a Transformer Engine one).
    mm("router", Tn, h, E, 1, 1, true);
    mem("router-topk", Tn * E * 4 + Tn * topK * 8, Tn * E);
    mem("dispatch-permute", Tn * h * A + R * h * ein, R * h);
    mm("experts-up", received, h, upMats * fe, localExperts);
    inModule("moe_act", () => mem("experts-activation", (upMats + 1) * received * fe * A, upMats * received * fe));
    mm("experts-down", received, fe, h, localExperts);
    mem("combine-unpermute", R * h * A + Tn * h * A, R * h);
    if (p.ep > 1) {
      comm({
        group: "ep",
        op: "alltoall",
        // Priced as if every card carried the busiest card's load: the most loaded port sets the time.
        sizeBytes: received * h * ein,
        afterOp: "dispatch-permute",
        beforeOp: "experts-up",
        label: "ep dispatch all-to-all",
      });
      comm({
        group: "ep",
        op: "alltoall",
        sizeBytes: received * h * A,
        afterOp: "experts-down",
        beforeOp: "combine-unpermute",
        label: "ep combine all-to-all",
      });
    }
    if (ns > 0) denseFfn("shared", ns * fs);
  } else {
    denseFfn("mlp", m.ffnHiddenSize);
  }
  mem("mlp-residual", residualBytes, Tn * h);

  // ---- backward, recompute ----
  const forward = items.map((i) => i.op);
  if (options.forwardOnly) return { kind, forward, backward: [], recompute: [], comms: [] };
  const backward: Op[] = [];
  for (let k = items.length - 1; k >= 0; k--) {
    const it = items[k];
    if (it) backward.push(...backwardOf(it, ein));
  }
  // Full: every op once more. Selective: the listed modules' ops (the attention core only without flash
  // attention, whose fused kernel keeps no s×s tensors to drop).
  const recomputeItems =
    p.recompute === "full"
      ? items
      : items.filter(
          (i) => i.module !== undefined && recomputes(p, i.module) && !(i.module === "core_attn" && i.flash),
        );
  const recompute = recomputeItems.map((i) => ({ ...i.op, name: `recompute:${i.op.name}` }));
  const recomputed = new Set(recomputeItems.map((i) => i.op.name));

  // Backward collectives mirror the forward ones (the backward of an all-gather is a
  // reduce-scatter and vice versa; of an all-reduce, an all-reduce; of an all-to-all, an all-to-all).
  const forwardComms = [...comms];
  for (const c of forwardComms) {
    const mirrored = mirrorComm(c, firstAttnOp);
    if (mirrored) comms.push(mirrored);
    if (c.group === "cp") {
      // K/V gathered again for the backward, and their gradients reduce-scattered.
      comms.push({
        ...c,
        phase: "backward",
        afterOp: null,
        beforeOp: `${coreOp}${p.flashAttention ? ".bwd" : ".grad1"}`,
        label: "cp key/value all-gather (backward)",
      });
      comms.push({
        ...c,
        op: "reducescatter",
        phase: "backward",
        afterOp: p.flashAttention ? "flash-attention.bwd" : "attn-scores.grad2",
        beforeOp: `${kvOp}.dgrad`,
        label: "cp key/value gradient reduce-scatter",
      });
    }
  }
  // A recomputed module re-runs the collectives inside it: those next to one of its ops (the dense MLP's
  // TP all-gather and reduce-scatter with recompute mlp); anchors outside the recomputed ops are dropped.
  for (const c of forwardComms) {
    const after = c.afterOp !== null && recomputed.has(c.afterOp);
    const before = c.beforeOp !== null && recomputed.has(c.beforeOp);
    if (!after && !before) continue;
    comms.push({
      ...c,
      phase: "recompute",
      afterOp: after ? `recompute:${c.afterOp}` : null,
      beforeOp: before ? `recompute:${c.beforeOp}` : null,
      label: `${c.label} (recompute)`,
    });
  }
  if (p.zeroStage === 3) comms.push(...zero3Comms(m, p, kind));
  return { kind, forward, backward, recompute, comms };
}

/**
 * The GEMM kernel of a matmul item: grouped expert GEMMs run one product per local expert (Megatron-Core's
 * moe_grouped_gemm), each over its share of the token-expert pairs; batched products one per batch entry.
 */
function gemmShapeOf(s: MatmulShape): GemmShape {
  if (s.weightGroups > 1) return { m: (s.M * s.batch) / s.weightGroups, n: s.N, k: s.K, groups: s.weightGroups };
  return { m: s.M, n: s.N, k: s.K, groups: s.batch };
}

function backwardOf(it: Item, ein: number): Op[] {
  const { op } = it;
  if (it.forwardOnly) return [];
  if (it.flash) {
    const f = it.flash;
    // Reads Q, K, V, O, dO and the softmax statistics; writes dQ, dK, dV.
    const bytes = 2 * f.qBytes + 2 * f.kvBytes + 2 * f.oBytes + f.lseBytes;
    return [
      {
        name: `${op.name}.bwd`,
        kind: "matmul",
        flops: FLASH_BACKWARD_FLOPS_FACTOR * op.flops,
        bytes,
        precision: "bf16",
        ...(op.attention ? { attention: { ...op.attention, pass: "backward" as const } } : {}),
      },
    ];
  }
  if (!it.mm) {
    return [
      {
        ...op,
        name: `${op.name}.bwd`,
        flops: op.flops * MEMORY_OP_BACKWARD_BYTES_FACTOR,
        bytes: op.bytes * MEMORY_OP_BACKWARD_BYTES_FACTOR,
      },
    ];
  }
  const { M, K, N, batch, weightGroups } = it.mm;
  const flops = 2 * M * K * N * batch;
  const shapes = backwardGemmShapes(op.gemm ?? gemmShapeOf(it.mm));
  if (weightGroups === 0) {
    // Batched activation×activation product: gradients w.r.t. both operands.
    return [
      { name: `${op.name}.grad1`, kind: "matmul", flops, bytes: op.bytes, precision: "bf16", gemm: shapes.dgrad },
      { name: `${op.name}.grad2`, kind: "matmul", flops, bytes: op.bytes, precision: "bf16", gemm: shapes.wgrad },
    ];
  }
  const W = weightGroups * K * N;
  // A BF16-kept GEMM (the router) reads its operands in BF16 and runs in BF16 in the backward too.
  const e = it.bf16 ? ACTIVATION_BYTES : ein;
  const keep = it.bf16 ? { precision: "bf16" as const } : {};
  const quantize: Op[] = it.quantizeGradBytes
    ? [memoryOp(`${op.name}.quantize-grad`, it.quantizeGradBytes * M * N * batch, M * N * batch)]
    : [];
  return [
    ...quantize,
    // dX (M×K) = dY (M×N) · Wᵀ
    {
      name: `${op.name}.dgrad`,
      kind: "matmul",
      flops,
      bytes: M * N * e + W * e + M * K * ACTIVATION_BYTES,
      gemm: shapes.dgrad,
      ...keep,
    },
    // dW (K×N) = Xᵀ · dY, accumulated into the fp32 main grad
    {
      name: `${op.name}.wgrad`,
      kind: "matmul",
      flops,
      bytes: M * K * e + M * N * e + W * WGRAD_ACCUMULATE_BYTES,
      gemm: shapes.wgrad,
      ...keep,
    },
  ];
}

function mirrorComm(c: CommNeed, firstAttnOp: string): CommNeed | null {
  if (c.group === "cp") return null;
  const label = `${c.label} (backward)`;
  if (c.group === "ep") {
    // combine's backward precedes the experts' backward; dispatch's follows it.
    return c.afterOp === "experts-down"
      ? { ...c, phase: "backward", afterOp: "combine-unpermute.bwd", beforeOp: "experts-down.dgrad", label }
      : { ...c, phase: "backward", afterOp: "experts-up.dgrad", beforeOp: "dispatch-permute.bwd", label };
  }
  // TP. Output collectives (after attn-out / *-down): their gradient arrives before that op's backward.
  if (c.op === "reducescatter") {
    return {
      ...c,
      op: "allgather",
      phase: "backward",
      afterOp: `${c.beforeOp}.bwd`,
      beforeOp: `${c.afterOp}.dgrad`,
      label,
    };
  }
  if (c.op === "allgather") {
    // Input all-gather: its backward reduce-scatters the input gradient after the first matmul's dgrad.
    const norm = c.afterOp ?? "input-norm";
    return {
      ...c,
      op: "reducescatter",
      phase: "backward",
      afterOp: `${c.beforeOp}.dgrad`,
      beforeOp: `${norm}.bwd`,
      label,
    };
  }
  // allreduce without SP: forward output all-reduce ⇒ backward input all-reduce after the first matmul's dgrad.
  const first = c.afterOp === "attn-out" ? firstAttnOp : c.afterOp?.replace(/-down$/, "-up");
  const norm = c.afterOp === "attn-out" ? "input-norm" : "mlp-norm";
  return { ...c, phase: "backward", afterOp: `${first}.dgrad`, beforeOp: `${norm}.bwd`, label };
}

/** ZeRO-3: the layer's weights all-gathered before its forward and backward; gradients reduce-scattered after. */
function zero3Comms(m: Model, p: ReturnType<typeof resolvePlan>, kind: LayerKind): CommNeed[] {
  const { dense, expert } = layerParamsPerCard(m, p, kind);
  const gradBytes = p.gradReducePrecision === "fp32" ? 4 : 2;
  const out: CommNeed[] = [];
  const add = (group: "dp" | "expert-dp", params: number) => {
    if (params <= 0) return;
    const w = params * ACTIVATION_BYTES;
    out.push({
      group,
      op: "allgather",
      sizeBytes: w,
      phase: "forward",
      afterOp: null,
      beforeOp: null,
      label: `zero-3 ${group} weight all-gather`,
    });
    out.push({
      group,
      op: "allgather",
      sizeBytes: w,
      phase: "backward",
      afterOp: null,
      beforeOp: null,
      label: `zero-3 ${group} weight all-gather (backward)`,
    });
    out.push({
      group,
      op: "reducescatter",
      sizeBytes: params * gradBytes,
      phase: "backward",
      afterOp: null,
      beforeOp: null,
      label: `zero-3 ${group} gradient reduce-scatter`,
    });
  };
  add("dp", dense);
  add("expert-dp", expert);
  return out;
}
