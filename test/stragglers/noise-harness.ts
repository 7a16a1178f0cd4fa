import type { CollectiveRequest } from "../../src/collectives/types.js";
import { RandomStreams, Simulator } from "../../src/engine/index.js";
import { NoisyComputeTiming } from "../../src/stragglers/compute-timing.js";
import { type NoiseSpec, NoiseSpecSchema } from "../../src/stragglers/noise-spec.js";
import type { CollectiveRunner, ComputeTiming, StepRecord } from "../../src/system/ports.js";
import { TaskExecutor } from "../../src/system/task-executor.js";
import { pipelineSchedule } from "../../src/workload/pipeline-schedule.js";
import { trainingStepGraph } from "../../src/workload/training/step-graph.js";
import type { StepProgram } from "../../src/workload/training/step-program.js";

/**
 * Executor-level harness for the noise tests: a hand-built StepProgram and a
 * network oracle where every collective or send takes `sizeBytes · secondsPerByte`
 * (so "bytes" below are really seconds at the default rate of 1 s/byte).
 */
export class FixedRateRunner implements CollectiveRunner {
  readonly calls: CollectiveRequest[] = [];
  constructor(
    private readonly sim: Simulator,
    private readonly secondsPerByte = 1,
  ) {}
  run(req: CollectiveRequest, onDone: () => void): void {
    this.calls.push(req);
    this.sim.callAfter(req.sizeBytes * this.secondsPerByte, req.label ?? "c", onDone);
  }
  send(src: number, dst: number, sizeBytes: number, onDone: () => void): void {
    this.run({ op: "sendrecv", cards: [src, dst], sizeBytes }, onDone);
  }
}

export interface Shape {
  pp: number;
  /** Micro-batches per step. */
  m: number;
  replicas: number;
  /** Cards per actor (tensor-parallel width). */
  tp?: number;
  /** Nominal compute seconds of one forward / backward pass of one micro-batch on one stage. */
  fS: number;
  bS: number;
  /** Seconds of the single gradient-bucket collective per pipeline rank (0: no bucket). */
  bucketS: number;
  /** Seconds of one pipeline send (default 0). */
  ppSendS?: number;
  optimizerS?: number;
  overlap?: boolean;
}

/**
 * A 1F1B program (virtualStages 1). Actor a = replica·pp + rank holds cards
 * (rank·replicas + replica)·tp + [0, tp): card ids are dense, so with pp = 1 and
 * tp = 1 actor a is card a.
 */
export function program(s: Shape): StepProgram {
  const tp = s.tp ?? 1;
  return {
    pp: s.pp,
    virtualStages: 1,
    microBatches: s.m,
    replicas: s.replicas,
    cardsPerActor: tp,
    tp,
    schedule: Array.from({ length: s.pp }, (_, r) => pipelineSchedule("1f1b", s.pp, r, s.m, 1)),
    passCost: (_r, _c, k) => ({
      computeS: k === "F" ? s.fS : s.bS,
      tpCommS: 0,
      commS: { tpComm: 0, cpComm: 0, zero3Comm: 0 },
    }),
    actorCards: (a) => {
      const rank = a % s.pp;
      const replica = Math.floor(a / s.pp);
      return Array.from({ length: tp }, (_, i) => (rank * s.replicas + replica) * tp + i);
    },
    ppSendBytesPerCard: s.ppSendS ?? 0,
    overlapPipelineSends: false,
    dataParallel: {
      gradOp: "allreduce",
      buckets: () => (s.bucketS > 0 ? [{ sizeBytes: s.bucketS, readyAtFraction: 1 }] : []),
      overlap: s.overlap ?? false,
      paramGatherBytes: () => 0,
      overlapParamGather: false,
    },
    optimizerS: () => s.optimizerS ?? 0,
  };
}

/** A full noise spec from a partial one (defaults filled in by the schema). */
export function noise(partial: unknown): NoiseSpec {
  return NoiseSpecSchema.parse(partial);
}

/** Noisy timing for a program: per-card draws from `RandomStreams(seed)`. */
export function noisyTiming(p: StepProgram, spec: NoiseSpec, seed: number): NoisyComputeTiming {
  return new NoisyComputeTiming(spec, (a) => p.actorCards(a), p.replicas * p.pp, new RandomStreams(seed));
}

/** Runs `steps` steps of a program on a fresh simulator. */
export function runProgram(p: StepProgram, steps: number, timing?: ComputeTiming): StepRecord[] {
  const sim = new Simulator();
  return new TaskExecutor(sim, trainingStepGraph(p), new FixedRateRunner(sim), timing).run(steps);
}

/** Step durations from the records (first step starts at 0). */
export function stepTimes(records: readonly StepRecord[]): number[] {
  return records.map((r, i) => r.endS - (i === 0 ? 0 : (records[i - 1] as StepRecord).endS));
}
