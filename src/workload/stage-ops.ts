import { backwardGemmShapes } from "../hardware/gemm-shape.js";
import { WGRAD_ACCUMULATE_BYTES } from "./layer-ops.js";
import type { Model } from "./model-spec.js";
import {
  ACTIVATION_BYTES,
  type CommNeed,
  MEMORY_OP_BACKWARD_BYTES_FACTOR,
  matmulOp,
  memoryOp,
  type Op,
} from "./ops.js";
import type { ResolvedPlan } from "./plan-spec.js";

/**
 * Work outside the transformer layers, per micro-batch on one card: the
 * embedding on the first pipeline stage, the final norm, output layer and
 * cross-entropy on the last (Megatron's vocab-parallel embedding and loss:
 * the vocabulary is split over TP ranks).
 */
export interface StageExtras {
  /** Run before the stage's first layer (first stage) or after its last (last stage). */
  forwardHead: Op[];
  forwardTail: Op[];
  /** Backward of the tail (runs first) and of the head (runs last). */
  backwardTail: Op[];
  backwardHead: Op[];
  comms: CommNeed[];
}

/**
 * ASSUMPTION: Megatron's vocab-parallel cross-entropy moves ~6 bytes per logit
 * forward (read bf16 logits, write the fp32 softmax kept for the backward) and
 * ~6 backward (read the fp32 softmax, write bf16 gradients).
 */
export const CROSS_ENTROPY_BYTES_PER_LOGIT = 6;

export function stageExtras(m: Model, plan: ResolvedPlan, stage: number): StageExtras {
  const p = plan;
  if (!(Number.isInteger(stage) && stage >= 0 && stage < p.pp)) {
    throw new RangeError(`stageExtras: stage ${stage} out of range for pp ${p.pp}`);
  }
  const A = ACTIVATION_BYTES;
  const h = m.hiddenSize;
  const tp = p.tp;
  const sp = p.sequenceParallel && tp > 1;
  const T = (p.microBatchSize * m.seqLength) / p.cp;
  const Tn = sp ? T / tp : T;
  const out: StageExtras = { forwardHead: [], forwardTail: [], backwardTail: [], backwardHead: [], comms: [] };
  const tpAct = T * h * A;
  const bwdMem = (op: Op): Op => ({
    ...op,
    name: `${op.name}.bwd`,
    flops: op.flops * MEMORY_OP_BACKWARD_BYTES_FACTOR,
    bytes: op.bytes * MEMORY_OP_BACKWARD_BYTES_FACTOR,
  });

  if (stage === 0) {
    // Lookup of this rank's vocabulary shard (rows outside it are zero), then the TP reduction.
    const lookup = memoryOp("embedding", 2 * T * h * A + (m.rotary ? 0 : T * h * A), T * h);
    out.forwardHead.push(lookup);
    if (m.dropout) out.forwardHead.push(memoryOp("embedding-dropout", Tn * h * (2 * A + 1), Tn * h));
    // Scatter-add of the output gradient into the fp32 main grad of the table.
    out.backwardHead.push(memoryOp("embedding.bwd", T * h * A + T * h * WGRAD_ACCUMULATE_BYTES, T * h));
    if (tp > 1) {
      out.comms.push({
        group: "tp",
        op: sp ? "reducescatter" : "allreduce",
        sizeBytes: tpAct,
        phase: "forward",
        afterOp: "embedding",
        beforeOp: null,
        label: `tp embedding ${sp ? "reduce-scatter" : "all-reduce"}`,
      });
      if (sp) {
        out.comms.push({
          group: "tp",
          op: "allgather",
          sizeBytes: tpAct,
          phase: "backward",
          afterOp: null,
          beforeOp: "embedding.bwd",
          label: "tp embedding gradient all-gather",
        });
      }
    }
  }
  if (stage === p.pp - 1) {
    const V = m.vocabSize / tp;
    const norm = memoryOp("final-norm", 2 * Tn * h * A, Tn * h);
    // The output layer is Megatron-Core's own ColumnParallelLinear, not a Transformer Engine module, so it
    // runs in BF16 under FP8 training (fp8_autocast only reaches TE modules).
    const logits: Op = { ...matmulOp("logits", T, h, V, A), precision: "bf16" };
    const logitsGrads = backwardGemmShapes({ m: T, n: V, k: h, groups: 1 });
    const ce = memoryOp("cross-entropy", T * V * CROSS_ENTROPY_BYTES_PER_LOGIT, T * V);
    out.forwardTail.push(norm, logits, ce);
    out.backwardTail.push(
      { ...ce, name: "cross-entropy.bwd" },
      {
        name: "logits.dgrad",
        kind: "matmul",
        flops: logits.flops,
        bytes: T * V * A + h * V * A + T * h * A,
        precision: "bf16",
        gemm: logitsGrads.dgrad,
      },
      {
        name: "logits.wgrad",
        kind: "matmul",
        flops: logits.flops,
        bytes: T * h * A + T * V * A + h * V * WGRAD_ACCUMULATE_BYTES,
        precision: "bf16",
        gemm: logitsGrads.wgrad,
      },
      bwdMem(norm),
    );
    if (tp > 1) {
      if (sp) {
        out.comms.push({
          group: "tp",
          op: "allgather",
          sizeBytes: tpAct,
          phase: "forward",
          afterOp: "final-norm",
          beforeOp: "logits",
          label: "tp logits input all-gather",
        });
      }
      // Vocab-parallel cross-entropy: max, sum of exponentials and target logit, fp32 per token.
      out.comms.push({
        group: "tp",
        op: "allreduce",
        sizeBytes: 3 * T * 4,
        phase: "forward",
        afterOp: "logits",
        beforeOp: null,
        label: "tp cross-entropy all-reduces",
      });
      out.comms.push({
        group: "tp",
        op: sp ? "reducescatter" : "allreduce",
        sizeBytes: tpAct,
        phase: "backward",
        afterOp: "logits.dgrad",
        beforeOp: "final-norm.bwd",
        label: `tp logits input-gradient ${sp ? "reduce-scatter" : "all-reduce"}`,
      });
    }
  }
  return out;
}

/** Bytes one card sends to the next pipeline stage per micro-batch (activations forward, gradients backward). */
export function pipelineMessageBytes(m: Model, plan: ResolvedPlan): number {
  const p = plan;
  // Each TP rank sends 1/tp of the activation: sequence-parallel shard, or Megatron's
  // scatter/gather optimisation without SP (Narayanan et al. 2021 §4.1).
  return (p.microBatchSize * (m.seqLength / p.cp) * m.hiddenSize * ACTIVATION_BYTES) / p.tp;
}
