import { describe, expect, it } from "vitest";
import type { CollectiveRequest } from "../../src/collectives/types.js";
import { Simulator } from "../../src/engine/index.js";
import type { CollectiveRunner, ComputeTiming } from "../../src/system/ports.js";
import { TaskExecutor } from "../../src/system/task-executor.js";
import { pipelineSchedule, type ScheduleKind } from "../../src/workload/pipeline-schedule.js";
import { trainingStepGraph } from "../../src/workload/training/step-graph.js";
import type { StepProgram } from "../../src/workload/training/step-program.js";

/** A network where every collective takes a fixed time per byte (an oracle for tests). */
class FixedRateRunner implements CollectiveRunner {
  readonly calls: CollectiveRequest[] = [];
  constructor(
    private readonly sim: Simulator,
    private readonly secondsPerByte: number,
  ) {}
  run(req: CollectiveRequest, onDone: () => void): void {
    this.calls.push(req);
    this.sim.callAfter(req.sizeBytes * this.secondsPerByte, req.label ?? "c", onDone);
  }
  send(src: number, dst: number, sizeBytes: number, onDone: () => void): void {
    this.run({ op: "sendrecv", cards: [src, dst], sizeBytes }, onDone);
  }
}

interface Shape {
  pp: number;
  m: number;
  v?: number;
  replicas?: number;
  tp?: number;
  kind?: ScheduleKind;
  fS?: number;
  bS?: number;
  ppBytes?: number;
  bucketBytes?: number;
  readyAt?: number;
  overlap?: boolean;
  optimizerS?: number;
}

function program(s: Shape): StepProgram {
  const v = s.v ?? 1;
  const tp = s.tp ?? 1;
  const replicas = s.replicas ?? 1;
  const kind = s.kind ?? (v > 1 ? "interleaved-1f1b" : "1f1b");
  return {
    pp: s.pp,
    virtualStages: v,
    microBatches: s.m,
    replicas,
    cardsPerActor: tp,
    tp,
    schedule: Array.from({ length: s.pp }, (_, r) => pipelineSchedule(kind, s.pp, r, s.m, v)),
    passCost: (_r, _c, k) => ({
      computeS: (k === "F" ? (s.fS ?? 1) : (s.bS ?? 2)) / v,
      tpCommS: 0,
      commS: { tpComm: 0, cpComm: 0, zero3Comm: 0 },
    }),
    actorCards: (a) => {
      const rank = a % s.pp;
      const replica = Math.floor(a / s.pp);
      return Array.from({ length: tp }, (_, i) => (rank * replicas + replica) * tp + i);
    },
    ppSendBytesPerCard: s.ppBytes ?? 0,
    overlapPipelineSends: false,
    dataParallel: {
      gradOp: "allreduce",
      buckets: () => (s.bucketBytes ? [{ sizeBytes: s.bucketBytes, readyAtFraction: s.readyAt ?? 1 }] : []),
      overlap: s.overlap ?? false,
      paramGatherBytes: () => 0,
      overlapParamGather: false,
    },
    optimizerS: () => s.optimizerS ?? 0,
  };
}

function runSteps(s: Shape, steps = 1, timing?: ComputeTiming, secondsPerByte = 1) {
  const sim = new Simulator();
  const runner = new FixedRateRunner(sim, secondsPerByte);
  const records = new TaskExecutor(sim, trainingStepGraph(program(s)), runner, timing).run(steps);
  return { records, runner };
}

describe("TaskExecutor on the training step graph", () => {
  it("reproduces the 1F1B makespan m(F+B) + (pp-1)(F+B)", () => {
    const { records } = runSteps({ pp: 4, m: 8 });
    expect(records[0]?.endS).toBeCloseTo(8 * 3 + 3 * 3, 9);
  });

  it("reproduces the interleaved makespan with the bubble divided by v", () => {
    const { records } = runSteps({ pp: 4, m: 8, v: 2 });
    expect(records[0]?.endS).toBeCloseTo(8 * 3 + (3 * 3) / 2, 9);
  });

  it("puts pipeline sends on the critical path and accounts them", () => {
    // Each send takes 0.25 s; with 1F1B the critical path crosses 2(pp-1) boundaries per fill/drain.
    const { records, runner } = runSteps({ pp: 2, m: 1, ppBytes: 0.25 });
    // F0 (1) -> send (0.25) -> F1 (1) -> B1 (2) -> send (0.25) -> B0 (2)
    expect(records[0]?.endS).toBeCloseTo(1 + 0.25 + 1 + 2 + 0.25 + 2, 9);
    expect(runner.calls.filter((c) => c.op === "sendrecv")).toHaveLength(2);
    expect(records[0]?.meanS.ppComm).toBeCloseTo(0.25, 9);
  });

  it("syncs gradients across replicas, one collective per TP rank, before the optimizer", () => {
    const { records, runner } = runSteps({ pp: 1, m: 2, replicas: 4, tp: 2, bucketBytes: 5, optimizerS: 1 });
    const dp = runner.calls.filter((c) => c.op === "allreduce");
    expect(dp).toHaveLength(2);
    expect(dp[0]?.cards).toEqual([0, 2, 4, 6]);
    expect(records[0]?.endS).toBeCloseTo(2 * 3 + 5 + 1, 9);
    expect(records[0]?.meanS.dpComm).toBeCloseTo(5, 9);
  });

  it("hides bucket collectives under the backward when overlapped", () => {
    // F0 0-1, B0 1-3, F1 3-4, B1 4-6; the bucket is ready half-way through B1 (t=5) and takes 1 s.
    const base = { pp: 1, m: 2, replicas: 2, bucketBytes: 1, readyAt: 0.5 };
    const plain = runSteps({ ...base, overlap: false }).records[0]?.endS as number;
    const overlapped = runSteps({ ...base, overlap: true }).records[0]?.endS as number;
    expect(plain).toBeCloseTo(6 + 1, 9);
    expect(overlapped).toBeCloseTo(6, 9);
  });

  it("lets one slow actor delay every replica through the gradient sync", () => {
    const slow: ComputeTiming = { slowdown: (a) => (a === 3 ? 1.5 : 1), computeS: (a, s) => (a === 3 ? 1.5 * s : s) };
    const { records } = runSteps({ pp: 1, m: 4, replicas: 4, bucketBytes: 1 }, 1, slow);
    expect(records[0]?.endS).toBeCloseTo(4 * 3 * 1.5 + 1, 9);
  });

  it("runs consecutive steps back to back", () => {
    const { records } = runSteps({ pp: 4, m: 8 }, 3);
    expect(records.map((r) => r.endS)).toEqual([33, 66, 99].map((x) => expect.closeTo(x, 9)));
  });
});
