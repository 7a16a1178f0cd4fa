import { describe, expect, it } from "vitest";
import type { CollectiveRequest } from "../../src/collectives/types.js";
import { Simulator } from "../../src/engine/index.js";
import type { CollectiveRunner } from "../../src/system/ports.js";
import { finishTaskLists, type Program, TaskKind, type TaskList, TaskListBuilder } from "../../src/system/program.js";
import { TaskExecutor } from "../../src/system/task-executor.js";
import { pipelineSchedule, type ScheduleKind } from "../../src/workload/pipeline-schedule.js";
import { trainingStepGraph } from "../../src/workload/training/step-graph.js";
import type { EpSegment, StepProgram } from "../../src/workload/training/step-program.js";

interface Shape {
  pp: number;
  m: number;
  v?: number;
  replicas?: number;
  kind?: ScheduleKind;
  buckets?: number[];
  overlap?: boolean;
  ep?: {
    groupReplicas: number;
    segments: EpSegment[];
    overlap?: { commComputeShare: number; predictS(rank: number, bytesPerCard: number): number };
  };
  gatherBytes?: number;
  overlapSends?: boolean;
  prefetchGather?: boolean;
}

function stepProgram(s: Shape): StepProgram {
  const v = s.v ?? 1;
  const kind = s.kind ?? (v > 1 ? "interleaved-1f1b" : "1f1b");
  return {
    pp: s.pp,
    virtualStages: v,
    microBatches: s.m,
    replicas: s.replicas ?? 1,
    cardsPerActor: 1,
    tp: 1,
    schedule: Array.from({ length: s.pp }, (_, r) =>
      pipelineSchedule(kind, s.pp, r, s.m, v, s.ep?.overlap !== undefined),
    ),
    passCost: (_r, _c, k) => ({
      computeS: k === "F" ? 1 : 2,
      tpCommS: k === "F" ? 0.1 : 0.2,
      commS: { tpComm: k === "F" ? 0.1 : 0.2, cpComm: 0, zero3Comm: 0 },
    }),
    actorCards: (a) => [a],
    ppSendBytesPerCard: 10,
    overlapPipelineSends: s.overlapSends ?? false,
    ...(s.ep
      ? {
          expertParallel: {
            group: { replicas: s.ep.groupReplicas, positionBlock: 1 },
            segments: () => s.ep?.segments ?? [],
            ...(s.ep.overlap ? { overlap: s.ep.overlap } : {}),
          },
        }
      : {}),
    dataParallel: {
      gradOp: "allreduce",
      buckets: () => (s.buckets ?? []).map((f) => ({ sizeBytes: 100, readyAtFraction: f })),
      overlap: s.overlap ?? false,
      paramGatherBytes: () => s.gatherBytes ?? 0,
      overlapParamGather: s.prefetchGather ?? false,
    },
    optimizerS: () => 0.5,
  };
}

const KIND = ["compute", "scaled", "delay", "collective", "send"];

/** The chain of a rank as labels ("send" for sends), and every edge as "r0:label -> r1:label". */
function draw(g: Program): { chains: string[][]; edges: string[] } {
  const name = (t: TaskList, i: number) =>
    t.kind[i] === TaskKind.Send ? `send(${t.label[i]})` : (t.label[i] as string);
  const chains = g.tasks.map((t) => Array.from(t.chain, (i) => name(t, i)));
  const edges: string[] = [];
  g.tasks.forEach((t, rank) => {
    for (let i = 0; i < t.size; i++) {
      for (let e = t.edgeFirst[i] as number; e < (t.edgeFirst[i + 1] as number); e++) {
        const toRank = (t.edgeRank[e] as number) < 0 ? rank : (t.edgeRank[e] as number);
        const to = g.tasks[toRank] as TaskList;
        const from =
          t.kind[i] === TaskKind.Send && (t.chainPos[i] as number) >= 0
            ? `send after ${t.label[Array.from(t.chain)[(t.chainPos[i] as number) - 1] as number]}`
            : name(t, i);
        edges.push(
          `r${rank}:${from} -${t.edgeOnStart[e] ? "start" : "end"}-> r${toRank}:${name(to, t.edgeTask[e] as number)}`,
        );
      }
    }
  });
  return { chains, edges };
}

describe("training step graph: schedules as chains and edges (hand-drawn)", () => {
  it("1F1B, pp 2, 2 micro-batches: warm-up forward on rank 0, sends forward and back", () => {
    const { chains, edges } = draw(trainingStepGraph(stepProgram({ pp: 2, m: 2 })));
    expect(chains).toEqual([
      ["F0.0", "send(pp)", "F0.1", "send(pp)", "B0.0", "B0.1", "optimizer"],
      ["F0.0", "B0.0", "send(pp)", "F0.1", "B0.1", "send(pp)", "optimizer"],
    ]);
    expect(edges.sort()).toEqual(
      [
        "r0:send after F0.0 -end-> r1:F0.0",
        "r0:send after F0.1 -end-> r1:F0.1",
        "r1:send after B0.0 -end-> r0:B0.0",
        "r1:send after B0.1 -end-> r0:B0.1",
      ].sort(),
    );
  });

  it("interleaved, pp 2, v 2, 2 micro-batches: stage s = chunk·pp + rank sends to s ± 1 across ranks", () => {
    const g = trainingStepGraph(stepProgram({ pp: 2, m: 2, v: 2 }));
    const { edges } = draw(g);
    // Forward: stage 0 (r0 c0) -> 1 (r1 c0) -> 2 (r0 c1) -> 3 (r1 c1); backward the other way.
    for (const mb of [0, 1]) {
      expect(edges).toContain(`r0:send after F0.${mb} -end-> r1:F0.${mb}`);
      expect(edges).toContain(`r1:send after F0.${mb} -end-> r0:F1.${mb}`);
      expect(edges).toContain(`r0:send after F1.${mb} -end-> r1:F1.${mb}`);
      expect(edges).toContain(`r1:send after B1.${mb} -end-> r0:B1.${mb}`);
      expect(edges).toContain(`r0:send after B1.${mb} -end-> r1:B0.${mb}`);
      expect(edges).toContain(`r1:send after B0.${mb} -end-> r0:B0.${mb}`);
    }
    // The last stage's forward and the first stage's backward send nothing: 12 edges in all.
    expect(edges).toHaveLength(12);
  });

  it("overlapped sends (Megatron-LM overlap_p2p_comm): off the chain, after their pass, before the receiver's", () => {
    const { chains, edges } = draw(trainingStepGraph(stepProgram({ pp: 2, m: 2, overlapSends: true })));
    // The rank goes on with its next pass while the send is in flight: no send on any chain.
    expect(chains).toEqual([
      ["F0.0", "F0.1", "B0.0", "B0.1", "optimizer"],
      ["F0.0", "B0.0", "F0.1", "B0.1", "optimizer"],
    ]);
    expect(edges.sort()).toEqual(
      [
        "r0:F0.0 -end-> r0:send(pp)",
        "r0:F0.1 -end-> r0:send(pp)",
        "r0:send(pp) -end-> r1:F0.0",
        "r0:send(pp) -end-> r1:F0.1",
        "r1:B0.0 -end-> r1:send(pp)",
        "r1:B0.1 -end-> r1:send(pp)",
        "r1:send(pp) -end-> r0:B0.0",
        "r1:send(pp) -end-> r0:B0.1",
      ].sort(),
    );
  });

  it("GPipe: all forwards, then all backwards, in the chain", () => {
    const { chains } = draw(trainingStepGraph(stepProgram({ pp: 2, m: 2, kind: "gpipe" })));
    expect(chains[1]).toEqual(["F0.0", "F0.1", "B0.0", "send(pp)", "B0.1", "send(pp)", "optimizer"]);
  });
});

describe("training step graph: cut points", () => {
  it("overlapped buckets: a timer per bucket started with the last backward, at its ready fraction", () => {
    const g = trainingStepGraph(stepProgram({ pp: 1, m: 2, buckets: [0.5, 1], overlap: true }));
    const t = g.tasks[0] as TaskList;
    const timers = Array.from({ length: t.size }, (_, i) => i).filter((i) => t.kind[i] === TaskKind.Delay);
    expect(timers.map((i) => t.fraction[i])).toEqual([0.5, 1]);
    // Each timer spans the whole pass: compute at the actor's speed plus the exposed communication.
    expect(timers.map((i) => [t.slowS[i], t.fixedS[i]])).toEqual([
      [2, 0.2],
      [2, 0.2],
    ]);
    const { edges } = draw(g);
    expect([...edges].sort()).toEqual(
      [
        "r0:B0.1 -start-> r0:bucket-ready",
        "r0:B0.1 -start-> r0:bucket-ready",
        "r0:bucket-ready -end-> r0:dp grad r0 c0 b0",
        "r0:bucket-ready -end-> r0:dp grad r0 c0 b1",
        "r0:dp grad r0 c0 b0 -end-> r0:optimizer",
        "r0:dp grad r0 c0 b1 -end-> r0:optimizer",
      ].sort(),
    );
    expect(t.need[t.chain[t.chain.length - 1] as number]).toBe(2); // the optimizer waits for both buckets
  });

  it("buckets without overlap: all ready when the last pass ends, later chunks first, on one stream", () => {
    const g = trainingStepGraph(stepProgram({ pp: 2, m: 2, v: 2, buckets: [1] }));
    const t = g.tasks[0] as TaskList;
    const { edges } = draw(g);
    const late = edges.filter((e) => e.includes("-end-> r0:dp grad"));
    expect(late).toEqual(["r0:B0.1 -end-> r0:dp grad r0 c1 b0", "r0:B0.1 -end-> r0:dp grad r0 c0 b0"]);
    const collectives = Array.from({ length: t.size }, (_, i) => i).filter((i) => t.kind[i] === TaskKind.Collective);
    expect(collectives.map((i) => t.stream[i])).toEqual([0, 0]);
    expect(collectives.every((i) => t.chainPos[i] === -1)).toBe(true);
  });

  it("EP all-to-alls cut each pass at their fractions, between compute segments of the right lengths", () => {
    const segments = [
      { computeFraction: 0.25, alltoallBytesPerCard: 7 },
      { computeFraction: 0.75, alltoallBytesPerCard: 9 },
    ];
    const g = trainingStepGraph(stepProgram({ pp: 1, m: 1, replicas: 2, ep: { groupReplicas: 2, segments } }));
    const t = g.tasks[0] as TaskList;
    const chain = Array.from(t.chain);
    expect(chain.map((i) => KIND[t.kind[i] as number])).toEqual([
      "compute",
      "collective",
      "compute",
      "collective",
      "compute",
      "compute",
      "collective",
      "compute",
      "collective",
      "compute",
      "scaled",
    ]);
    // Forward (1 s compute, 0.1 s exposed TP): quarters 0.25 / 0.5 / 0.25.
    expect(
      chain
        .slice(0, 5)
        .filter((i) => t.kind[i] === TaskKind.Compute)
        .map((i) => t.slowS[i]),
    ).toEqual([0.25, 0.5, 0.25]);
    expect(chain.filter((i) => t.kind[i] === TaskKind.Collective).map((i) => [t.bytes[i], t.groupReplicas[i]])).toEqual(
      [
        [7, 2],
        [9, 2],
        [7, 2],
        [9, 2],
      ],
    );
  });

  it("the parameter all-gather is the last chain task when there is something to gather", () => {
    const t = trainingStepGraph(stepProgram({ pp: 1, m: 1, replicas: 4, gatherBytes: 64 })).tasks[0] as TaskList;
    const last = t.chain[t.chain.length - 1] as number;
    expect([t.label[last], t.op[last], t.bytes[last], t.positionModulo[last]]).toEqual([
      "dp param gather r0",
      "allgather",
      64,
      1,
    ]);
  });

  it("overlapped parameter gather: bucket by bucket at the step's start, each chunk's first forward waits for its first bucket", () => {
    const g = trainingStepGraph(
      stepProgram({
        pp: 1,
        m: 2,
        v: 2,
        kind: "interleaved-1f1b",
        replicas: 4,
        gatherBytes: 60,
        buckets: [0.5, 1],
        overlap: true,
        prefetchGather: true,
      }),
    );
    const t = g.tasks[0] as TaskList;
    const labels = Array.from(t.chain, (i) => t.label[i]);
    // A zero-length launch first; no gather left on the chain after the optimizer.
    expect(labels[0]).toBe("param gather launch");
    expect(labels[labels.length - 1]).toBe("optimizer");
    const gathers = Array.from({ length: t.size }, (_, i) => i).filter((i) =>
      String(t.label[i]).startsWith("dp param gather"),
    );
    // Two chunks x two buckets of equal size: 60 bytes split in quarters, off the chain, on the rank's stream.
    expect(gathers.map((i) => [t.label[i], t.bytes[i], t.chainPos[i], t.stream[i]])).toEqual([
      ["dp param gather r0 c0 b0", 15, -1, 0],
      ["dp param gather r0 c0 b1", 15, -1, 0],
      ["dp param gather r0 c1 b0", 15, -1, 0],
      ["dp param gather r0 c1 b1", 15, -1, 0],
    ]);
    const { edges } = draw(g);
    expect(edges).toContain("r0:dp param gather r0 c0 b0 -end-> r0:F0.0");
    expect(edges).toContain("r0:dp param gather r0 c1 b0 -end-> r0:F1.0");
    for (const b of ["c0 b0", "c0 b1", "c1 b0", "c1 b1"]) {
      expect(edges).toContain(`r0:param gather launch -start-> r0:dp param gather r0 ${b}`);
      expect(edges).toContain(`r0:dp param gather r0 ${b} -end-> r0:optimizer`);
    }
  });
});

describe("training step graph: expert all-to-all overlap (expertCommOverlap)", () => {
  const segments = [{ computeFraction: 0.5, alltoallBytesPerCard: 7 }];
  /** One step of two actors (one EP group of 2): every collective takes 1 s, every send 0.5 s. */
  const stepEndS = (overlap?: { commComputeShare: number; predictS(rank: number, bytes: number): number }) => {
    const sim = new Simulator();
    const comm: CollectiveRunner = {
      run: (_req, done) => sim.callAfter(1, "c", done),
      send: (_s, _d, _b, done) => sim.callAfter(0.5, "s", done),
    };
    const ep = { groupReplicas: 2, segments, ...(overlap ? { overlap } : {}) };
    const g = trainingStepGraph(stepProgram({ pp: 1, m: 2, replicas: 2, ep }));
    return { g, endS: (new TaskExecutor(sim, g, comm).run(1)[0] as { endS: number }).endS };
  };

  it("pairs a forward with the backward after it; pieces alternate, the all-to-alls leave the chain", () => {
    const { g } = stepEndS({ commComputeShare: 0, predictS: () => 1 });
    const t = g.tasks[0] as TaskList;
    // pp 1, paired warm-up 1: F0 alone (first forward), then F1 with B0, then B1 alone.
    expect(Array.from(t.chain, (i) => t.label[i])).toEqual([
      "F0.0/0",
      "ep F0.0",
      "F0.0/1",
      "F0.1/0",
      "B0.0/0",
      "F0.1/1",
      "B0.0/1",
      "B0.1/0",
      "ep B0.1",
      "B0.1/1",
      "optimizer",
    ]);
    const offChain = Array.from({ length: t.size }, (_, i) => i).filter(
      (i) => t.kind[i] === TaskKind.Collective && (t.chainPos[i] as number) < 0,
    );
    expect(offChain.map((i) => t.label[i])).toEqual(["ep F0.1", "ep B0.0"]);
  });

  it("hand-computed step: each all-to-all hides behind the other pass's piece (1.55 s saved)", () => {
    // Pieces: F halves 0.55 s (compute 0.5 + TP 0.05), B halves 1.1 s; every all-to-all 1 s.
    // Without overlap: F0 2.1 + F1 2.1 + B0 3.2 + B1 3.2 + optimizer 0.5 = 11.1 s.
    expect(stepEndS().endS).toBeCloseTo(11.1, 12);
    // With: F0 [0, 2.1]; F1/0 [2.1, 2.65], its all-to-all to 3.65; B0/0 [2.65, 3.75], its all-to-all to
    // 4.75; F1/1 [3.75, 4.3]; B0/1 waits for its all-to-all: [4.75, 5.85]; B1 3.2 and the optimizer 0.5.
    expect(stepEndS({ commComputeShare: 0, predictS: () => 1 }).endS).toBeCloseTo(9.55, 12);
  });

  it("the all-to-all kernels' share of the card slows the piece that runs beside them", () => {
    // Share 0.1 of a 2 s predicted all-to-all: +0.2 s on B0/0 (beside F1's) and on F1/1 (beside B0's).
    // B0/0 [2.65, 3.95], its all-to-all to 4.95; F1/1 [3.95, 4.7]; B0/1 [4.95, 6.05]; then 3.7 s.
    expect(stepEndS({ commComputeShare: 0.1, predictS: () => 2 }).endS).toBeCloseTo(9.75, 12);
  });
});

describe("task executor hook", () => {
  it("reports one start and one end per task run, ends after starts, in time order", () => {
    const sim = new Simulator();
    const calls: CollectiveRequest[] = [];
    const comm: CollectiveRunner = {
      run: (req, done) => {
        calls.push(req);
        sim.callAfter(1, "c", done);
      },
      send: (_s, _d, _b, done) => sim.callAfter(0.5, "s", done),
    };
    const events: Array<[string, number, number, number]> = [];
    const g = trainingStepGraph(stepProgram({ pp: 2, m: 2, replicas: 2, buckets: [1] }));
    new TaskExecutor(sim, g, comm, undefined, {
      onTask: (ev, actor, task, _step, timeS) => events.push([ev, actor, task, timeS]),
    }).run(1);
    const starts = events.filter((e) => e[0] === "start");
    const ends = events.filter((e) => e[0] === "end");
    expect(starts.length).toBe(ends.length);
    for (const [, actor, task, t] of ends) {
      const s = starts.find((x) => x[1] === actor && x[2] === task);
      expect(s).toBeDefined();
      expect(t).toBeGreaterThanOrEqual((s as [string, number, number, number])[3]);
    }
    const times = events.map((e) => e[3]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Every task of every actor ran once: 4 actors; per rank, its tasks.
    const perActor = g.tasks.map((t) => t.size);
    expect(starts.length).toBe(2 * ((perActor[0] as number) + (perActor[1] as number)));
  });
});

describe("task executor barriers", () => {
  it("barriers of ranks with task lists of different lengths never share a key (a collision deadlocked 8k-card runs)", () => {
    // Rank 0: 3 computes then a collective (task 3 of 4); rank 1: a compute then a collective (task 1 of 2).
    // Keyed with each rank's own list length as the stride, ((parity·ranks + rank)·length + task), both
    // are key 3: rank 0's first replica would join rank 1's half-full barrier.
    const r0 = new TaskListBuilder();
    for (let i = 0; i < 3; i++) r0.add({ kind: TaskKind.Compute, label: `c${i}`, chain: true, slowS: 1 });
    r0.add({ kind: TaskKind.Collective, label: "g0", chain: true, op: "allreduce", bytes: 1, groupReplicas: 2 });
    const r1 = new TaskListBuilder();
    r1.add({ kind: TaskKind.Compute, label: "c", chain: true, slowS: 1 });
    r1.add({ kind: TaskKind.Collective, label: "g1", chain: true, op: "allreduce", bytes: 1, groupReplicas: 2 });
    const program: Program = {
      ranks: 2,
      replicas: 2,
      cardsPerActor: 1,
      tasks: finishTaskLists([r0, r1]),
      actorCards: (a) => [a],
      categories: ["compute", "straggler", "comm"],
      noiseCategory: 1,
    };
    const sim = new Simulator();
    const groups: number[][] = [];
    const comm: CollectiveRunner = {
      run: (req, done) => {
        groups.push([...req.cards]);
        sim.callAfter(1, "c", done);
      },
      send: (_s, _d, _b, done) => sim.callAfter(0, "s", done),
    };
    // Replica 1 of every rank runs 10x slower, so each barrier waits with one member for a while.
    const timing = {
      slowdown: (a: number) => (a >= 2 ? 10 : 1),
      computeS: (a: number, s: number) => s * (a >= 2 ? 10 : 1),
    };
    const records = new TaskExecutor(sim, program, comm, timing).run(2);
    expect(records).toHaveLength(2);
    // Each rank's collective ran once per step over its own two replicas: actors 0 and 2 (rank 0),
    // 1 and 3 (rank 1).
    expect(groups.map((g) => [...g].sort().join(",")).sort()).toEqual(["0,2", "0,2", "1,3", "1,3"]);
  });
});
