import { describe, expect, it } from "vitest";
import { estimateProgram } from "../../src/plan/estimate-program.js";
import { finishTaskLists, NO_CATEGORY, type Program, TaskKind, TaskListBuilder } from "../../src/system/program.js";

const CATS = ["compute", "ppComm", "dpComm"];

function program(builders: TaskListBuilder[], cardsPerActor = 1, replicas = 2): Program {
  return {
    ranks: builders.length,
    replicas,
    cardsPerActor,
    tasks: finishTaskLists(builders),
    // Actor a = replica * ranks + rank; one card each, numbered like the actors.
    actorCards: (a) => [a],
    categories: CATS,
    noiseCategory: NO_CATEGORY,
  };
}

describe("estimateProgram: the closed-form tier evaluates the executor's rules without the network", () => {
  it("two pipeline ranks: chains, a send edge, and a gradient collective on a stream (hand-computed)", () => {
    // Rank 0: F (2 s) -> send (predicted 0.5 s, off the chain) -> B waits for rank 1's reply.
    const r0 = new TaskListBuilder();
    const f0 = r0.add({ kind: TaskKind.Compute, label: "F", chain: true, slowS: 2, fixedS: 0, runCat: 0 });
    const s0 = r0.add({ kind: TaskKind.Send, label: "pp", chain: false, bytes: 100, peerRank: 1, runCat: 1 });
    r0.edge(f0, s0);
    const b0 = r0.add({ kind: TaskKind.Compute, label: "B", chain: true, slowS: 3, fixedS: 1, runCat: 0 });
    // Two gradient buckets on stream 0, ready at the start and at half of B: they serialise.
    const g1 = r0.add({
      kind: TaskKind.Collective,
      label: "g1",
      chain: false,
      op: "allreduce",
      bytes: 10,
      groupReplicas: 2,
      stream: 0,
    });
    const g2 = r0.add({
      kind: TaskKind.Collective,
      label: "g2",
      chain: false,
      op: "allreduce",
      bytes: 20,
      groupReplicas: 2,
      stream: 0,
    });
    const half = r0.add({ kind: TaskKind.Delay, label: "ready", chain: false, slowS: 3, fixedS: 1, fraction: 0.5 });
    r0.edge(b0, g1, { onStart: true });
    r0.edge(b0, half, { onStart: true });
    r0.edge(half, g2);
    const opt = r0.add({ kind: TaskKind.Scaled, label: "optimizer", chain: true, slowS: 0.25, runCat: 0 });
    r0.edge(g1, opt);
    r0.edge(g2, opt);
    // Rank 1: F (1 s) after rank 0's send, then B (1.5 s), then its send back to rank 0's B.
    const r1 = new TaskListBuilder();
    const f1 = r1.add({ kind: TaskKind.Compute, label: "F", chain: true, slowS: 1, runCat: 0 });
    r1.add({ kind: TaskKind.Compute, label: "B", chain: true, slowS: 1.5, runCat: 0 });
    const s1 = r1.add({ kind: TaskKind.Send, label: "pp", chain: true, bytes: 100, peerRank: 0, runCat: 1 });
    r0.edge(s0, f1, { rank: 1 });
    r1.edge(s1, b0, { rank: 0 });
    const predicted: string[] = [];
    const est = estimateProgram(program([r0, r1]), (req) => {
      predicted.push(`${req.op}:${req.sizeBytes}:${req.cards.join(",")}`);
      return req.op === "sendrecv" ? 0.5 : req.sizeBytes / 10; // g1 1 s, g2 2 s
    });
    // F0 0-2, send 2-2.5, F1 2.5-3.5, B1 3.5-5, send 5-5.5, B0 5.5-9.5;
    // g1 ready 5.5 runs 5.5-6.5; g2 ready 7.5 (half of B0) runs 7.5-9.5; optimizer 9.5-9.75.
    expect(est.stepS).toBeCloseTo(9.75, 12);
    expect(est.tasks).toBe(10);
    expect(est.chainS.compute).toBeCloseTo(2 + 4 + 0.25 + 1 + 1.5, 12);
    expect(est.chainS.ppComm).toBeCloseTo(0.5, 12); // rank 1's send is on its chain
    // The gradient group: position 0 of replicas 0 and 1 of rank 0 (actors 0 and 2).
    expect(predicted).toContain("allreduce:10:0,2");
    expect(predicted).toContain("sendrecv:100:0,1");
  });

  it("a bucket ready before the stream is free waits for it, in the order buckets became ready", () => {
    const r = new TaskListBuilder();
    const c = r.add({ kind: TaskKind.Compute, label: "B", chain: true, slowS: 1, runCat: 0 });
    const dp = { kind: TaskKind.Collective, chain: false, op: "allreduce", groupReplicas: 2, stream: 0 } as const;
    const a = r.add({ ...dp, label: "a", bytes: 30 });
    const b = r.add({ ...dp, label: "b", bytes: 10 });
    r.edge(c, a, { onStart: true });
    r.edge(c, b);
    const est = estimateProgram(program([r], 1, 2), (req) => req.sizeBytes / 10);
    // a: 0-3 (over replicas 0 and 1); b ready at 1, waits for the stream until 3, ends at 4.
    expect(est.stepS).toBeCloseTo(4, 12);
  });

  it("names a task that can never start (a dependency cycle) instead of returning a wrong time", () => {
    const r = new TaskListBuilder();
    const x = r.add({ kind: TaskKind.Compute, label: "x", chain: false, slowS: 1 });
    const y = r.add({ kind: TaskKind.Compute, label: "y", chain: false, slowS: 1 });
    r.edge(x, y);
    r.edge(y, x);
    expect(() => estimateProgram(program([r], 1, 1), () => 0)).toThrow(/2 of 2 tasks never became ready/);
  });
});
