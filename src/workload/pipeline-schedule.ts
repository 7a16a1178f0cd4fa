/**
 * Pipeline schedules: the order in which one pipeline rank runs its forward
 * and backward passes. A pass is (kind, chunk, microBatch); chunk is the
 * model chunk (virtual stage) index on this rank, so the global virtual stage
 * of a pass is chunk * pp + rank.
 *
 * - "gpipe": all forwards, then all backwards (Huang et al. 2019).
 * - "1f1b": PipeDream-Flush / Megatron's non-interleaved schedule
 *   (Narayanan et al. 2021, Fig. 4 top): pp - rank - 1 warm-up forwards,
 *   then one-forward-one-backward, then the remaining backwards. With
 *   `pairedWarmup`, 2·(pp - rank) - 1 warm-up forwards: each steady-state
 *   forward then runs as one unit with the backward after it (expert
 *   all-to-all overlap) without a stage waiting on its neighbour's unit:
 *   rank r's unit needs rank r+1's unit with the same backward finished and
 *   rank r+1's needs rank r's with the same forward finished, so the
 *   forward/backward distance grows by two per stage (one on the last).
 * - "interleaved-1f1b": Megatron's interleaved schedule (Narayanan et al.
 *   2021, Fig. 4 bottom; Megatron-LM schedules.py): v chunks per rank,
 *   micro-batches taken in groups of pp; warm-up of (pp - rank - 1) * 2 +
 *   (v - 1) * pp passes. Requires microBatches % pp === 0.
 */

export type PassKind = "F" | "B";

export interface Pass {
  kind: PassKind;
  chunk: number;
  microBatch: number;
  /** A steady-state forward of a paired 1f1b schedule: it may run as one unit with the backward after it. */
  pairedWithNext?: true;
}

export type ScheduleKind = "gpipe" | "1f1b" | "interleaved-1f1b";

export function pipelineSchedule(
  kind: ScheduleKind,
  pp: number,
  rank: number,
  microBatches: number,
  virtualStages = 1,
  pairedWarmup = false,
): Pass[] {
  if (!(Number.isInteger(pp) && pp >= 1 && rank >= 0 && rank < pp)) {
    throw new RangeError(`pipelineSchedule: rank ${rank} out of range for pp ${pp}`);
  }
  if (!(Number.isInteger(microBatches) && microBatches >= 1)) {
    throw new RangeError(`pipelineSchedule: microBatches must be a positive integer, found ${microBatches}`);
  }
  if (kind === "gpipe") return gpipe(microBatches, virtualStages);
  if (kind === "1f1b" || virtualStages === 1) {
    if (virtualStages !== 1) throw new RangeError("pipelineSchedule: 1f1b takes one chunk per rank");
    return oneFOneB(pp, rank, microBatches, pairedWarmup);
  }
  return interleaved(pp, rank, microBatches, virtualStages);
}

function gpipe(m: number, v: number): Pass[] {
  const passes: Pass[] = [];
  for (let c = 0; c < v; c++) for (let mb = 0; mb < m; mb++) passes.push({ kind: "F", chunk: c, microBatch: mb });
  for (let c = v - 1; c >= 0; c--) for (let mb = 0; mb < m; mb++) passes.push({ kind: "B", chunk: c, microBatch: mb });
  return passes;
}

function oneFOneB(pp: number, rank: number, m: number, pairedWarmup: boolean): Pass[] {
  const warmup = Math.min(pairedWarmup ? 2 * (pp - rank) - 1 : pp - rank - 1, m);
  const passes: Pass[] = [];
  let f = 0;
  let b = 0;
  for (let i = 0; i < warmup; i++) passes.push({ kind: "F", chunk: 0, microBatch: f++ });
  while (f < m) {
    passes.push(
      pairedWarmup
        ? { kind: "F", chunk: 0, microBatch: f++, pairedWithNext: true }
        : { kind: "F", chunk: 0, microBatch: f++ },
    );
    passes.push({ kind: "B", chunk: 0, microBatch: b++ });
  }
  while (b < m) passes.push({ kind: "B", chunk: 0, microBatch: b++ });
  return passes;
}

function interleaved(pp: number, rank: number, m: number, v: number): Pass[] {
  if (m % pp !== 0) {
    throw new RangeError(`interleaved-1f1b needs micro-batches (${m}) divisible by pp (${pp})`);
  }
  const total = m * v;
  const group = pp * v;
  const chunkOf = (k: number, forward: boolean): number => {
    const c = Math.floor((k % group) / pp);
    return forward ? c : v - 1 - c;
  };
  const microBatchOf = (k: number): number => Math.floor(k / group) * pp + (k % pp);
  const warmup = m === pp ? total : Math.min((pp - rank - 1) * 2 + (v - 1) * pp, total);
  const passes: Pass[] = [];
  let f = 0;
  let b = 0;
  const pushF = () => {
    passes.push({ kind: "F", chunk: chunkOf(f, true), microBatch: microBatchOf(f) });
    f++;
  };
  const pushB = () => {
    passes.push({ kind: "B", chunk: chunkOf(b, false), microBatch: microBatchOf(b) });
    b++;
  };
  for (let i = 0; i < warmup; i++) pushF();
  while (f < total) {
    pushF();
    pushB();
  }
  while (b < total) pushB();
  return passes;
}
