import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTraceActors, ServingTraceCollector, TraceCollector } from "../../src/report/perfetto-trace.js";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runScenario } from "../../src/scenario/run.js";
import { runServingScenario } from "../../src/scenario/run-serving.js";
import { TIME_CATEGORIES } from "../../src/system/ports.js";
import { runCli } from "../helpers/run-cli.js";

/** The tiny claims scenario as a 2-stage pipeline with TP 2 and 4 replicas: compute, TP, PP, bubble, DP, optimizer. */
const SCENARIO = "test/claims/fixtures/tiny.yaml";
const SETS = ["parallel.tp=2", "parallel.pp=2", "parallel.dp=4", "parallel.overlapGradReduce=true"];
const STEPS = 2;

interface Event {
  name: string;
  ph: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}

function traced(actors: "all" | "replica0" | number[]) {
  const trace = new TraceCollector(actors);
  const r = runScenario({ scenarioPath: SCENARIO, sets: SETS, seed: 1, steps: STEPS }, { taskHook: trace });
  if (!r.ok) throw new Error(r.error);
  const file = JSON.parse(trace.toJson({ scenario: SCENARIO })) as { traceEvents: Event[] };
  return { r, events: file.traceEvents };
}

describe("Perfetto / Chrome trace of a training run (run --trace)", () => {
  const { r, events } = traced("all");
  const slices = events.filter((e) => e.ph === "X");
  const actors = (r.metrics.cards as number) / 2; // TP 2: two cards per actor

  it("parses as trace-event JSON with named stage processes and replica threads", () => {
    expect(slices.length).toBeGreaterThan(0);
    const processes = events.filter((e) => e.ph === "M" && e.name === "process_name").map((e) => e.args?.name);
    expect(processes).toEqual(["stage 0", "stage 1", "busiest links"]);
    const threads = events.filter((e) => e.ph === "M" && e.name === "thread_name" && (e.tid as number) < actors);
    expect(threads).toHaveLength(actors);
    for (const s of slices) {
      expect(TIME_CATEGORIES as readonly string[]).toContain(s.name);
      expect(s.dur as number).toBeGreaterThan(0);
      expect(typeof s.args?.task).toBe("string");
    }
  });

  it("slices on one track never overlap", () => {
    const byTrack = new Map<number, Event[]>();
    for (const s of slices) byTrack.set(s.tid as number, [...(byTrack.get(s.tid as number) ?? []), s]);
    expect(byTrack.size).toBe(actors);
    for (const [tid, list] of byTrack) {
      list.sort((a, b) => (a.ts as number) - (b.ts as number));
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1] as Event;
        // 1e-6 µs of slack: ends and starts are the same simulated instants, in microseconds.
        expect((prev.ts as number) + (prev.dur as number), `track ${tid}, slice ${i}`).toBeLessThanOrEqual(
          (list[i]?.ts as number) + 1e-6,
        );
      }
    }
  });

  it("per category, the slices' time over actors and steps equals the run's breakdown within 1e-9", () => {
    const breakdown = r.details.breakdownSeconds as Record<string, number>;
    const seen = new Set(slices.map((s) => s.name));
    expect([...seen]).toEqual(expect.arrayContaining(["compute", "tpComm", "ppComm", "bubble", "optimizer"]));
    for (const c of TIME_CATEGORIES) {
      const totalUs = slices.filter((s) => s.name === c).reduce((a, s) => a + (s.dur as number), 0);
      const mean = totalUs / 1e6 / (actors * STEPS);
      const want = breakdown[c] as number;
      expect(Math.abs(mean - want), c).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
    }
  });

  it("overlapped tasks are async slices that begin and end in pairs on the actor's overlapped track", () => {
    const begins = events.filter((e) => e.ph === "b");
    const ends = events.filter((e) => e.ph === "e");
    expect(begins.length).toBeGreaterThan(0); // overlapped gradient buckets and pipeline sends
    expect(ends.map((e) => e.id).sort()).toEqual(begins.map((e) => e.id).sort());
    for (const b of begins) expect(b.tid as number).toBeGreaterThanOrEqual(actors);
  });

  it("pipeline sends are flow arrows from a stage's track to the next stage's, in start/finish pairs", () => {
    const starts = events.filter((e) => e.ph === "s");
    const finishes = events.filter((e) => e.ph === "f");
    expect(starts.length).toBeGreaterThan(0);
    expect(finishes.map((e) => e.id).sort()).toEqual(starts.map((e) => e.id).sort());
    for (const f of finishes) {
      const s = starts.find((x) => x.id === f.id) as Event;
      expect(f.pid).not.toBe(s.pid); // another stage
      expect(f.ts as number).toBeGreaterThanOrEqual(s.ts as number);
    }
  });

  it("counter tracks: the busiest links at the traced cards, utilisation between 0 and 1", () => {
    const counters = events.filter((e) => e.ph === "C");
    expect(counters.length).toBeGreaterThan(0);
    const names = new Set(counters.map((e) => e.name));
    expect(names.size).toBeGreaterThan(0);
    expect(names.size).toBeLessThanOrEqual(8);
    for (const n of names) expect(n).toMatch(/ -> .* utilisation$/);
    for (const c of counters) {
      const u = c.args?.utilisation as number;
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it("traces replica 0's pipeline by default, or the listed actors", () => {
    const tids = (ev: Event[]) => [...new Set(ev.filter((e) => e.ph === "X").map((e) => e.tid))].sort();
    expect(tids(traced("replica0").events)).toEqual([0, 1]);
    expect(tids(traced([3, 5]).events)).toEqual([3, 5]);
  });

  it("is the same file for the same inputs", () => {
    const a = new TraceCollector("all");
    const b = new TraceCollector("all");
    runScenario({ scenarioPath: SCENARIO, sets: SETS, seed: 1, steps: 1 }, { taskHook: a });
    runScenario({ scenarioPath: SCENARIO, sets: SETS, seed: 1, steps: 1 }, { taskHook: b });
    expect(a.toJson()).toBe(b.toJson());
  });
});

describe("run --trace on the command line", () => {
  it("writes the file; bad --trace-actors, --trace-actors alone and --trace-actors on a serving scenario are usage errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "trace-"));
    const file = join(dir, "t.json");
    const ok = runCli(["run", SCENARIO, ...SETS.flatMap((s) => ["--set", s]), "--trace", file]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).traceEvents.length).toBeGreaterThan(0);
    const bad = runCli(["run", SCENARIO, "--trace", file, "--trace-actors", "1,x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--trace-actors: expected 'all' or actor indices like '0,1,7', found '1,x'");
    expect(runCli(["run", SCENARIO, "--trace-actors", "all"]).code).toBe(2);
    const serving = runCli(["run", "test/fixtures/serving/tiny-offline.yaml", "--trace", file, "--trace-actors", "0"]);
    expect(serving.code).toBe(2);
    expect(serving.stderr).toMatch(/--trace-actors is for training scenarios/);
    expect(parseTraceActors(" 2, 0 ,2")).toEqual([2, 0]);
  });
});

describe("Perfetto trace of a serving run (run --trace on a serving scenario)", () => {
  // One prefill and one decode instance (disaggregated): iterations per instance, requests as async slices.
  const spec = loadServingScenario("test/fixtures/serving-pd/tiny-pd.yaml");
  const trace = new ServingTraceCollector(1, 1);
  const r = runServingScenario(spec, 1, { keepRequests: true, onIteration: trace.onIteration });
  if (!r.ok) throw new Error(r.error);
  const requests = r.details.requests as Parameters<ServingTraceCollector["toJson"]>[0];
  const events = (JSON.parse(trace.toJson(requests)) as { traceEvents: Event[] }).traceEvents;
  const iterations = events.filter((e) => e.ph === "X");

  it("one slice per iteration, on its pool's instance track, never overlapping, with the batch as arguments", () => {
    expect(iterations).toHaveLength(r.metrics.iterations as number);
    for (const tid of [0, 1]) {
      const list = iterations.filter((e) => e.tid === tid).sort((a, b) => (a.ts as number) - (b.ts as number));
      expect(list.length).toBeGreaterThan(0);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1] as Event;
        expect((prev.ts as number) + (prev.dur as number)).toBeLessThanOrEqual((list[i]?.ts as number) + 1e-6);
      }
      for (const e of list) expect(e.args?.sequences as number).toBeGreaterThan(0);
    }
    expect(new Set(iterations.filter((e) => e.tid === 1).map((e) => e.pid))).toEqual(new Set([1]));
  });

  it("the iterations' time per pool over instances and the simulated time is the pool's busy fraction", () => {
    const sim = r.metrics.simulatedSeconds as number;
    for (const [tid, key] of [
      [0, "prefillBusyFraction"],
      [1, "decodeBusyFraction"],
    ] as const) {
      const busyS = iterations.filter((e) => e.tid === tid).reduce((a, e) => a + (e.dur as number) / 1e6, 0);
      expect(Math.abs(busyS / sim - (r.metrics[key] as number))).toBeLessThan(1e-9);
    }
  });

  it("each measured request is an async slice from arrival to last token, its first token nested inside", () => {
    const begins = events.filter((e) => e.ph === "b" && e.name.startsWith("request"));
    expect(begins).toHaveLength(r.metrics.requests as number);
    const ttft = events.filter((e) => e.name === "to first token");
    expect(ttft).toHaveLength(2 * begins.length);
    for (const b of begins) {
      const end = events.find((e) => e.ph === "e" && e.id === b.id && e.name === b.name) as Event;
      const first = events.find((e) => e.ph === "e" && e.id === b.id && e.name === "to first token") as Event;
      expect(b.ts as number).toBeLessThanOrEqual(first.ts as number);
      expect(first.ts as number).toBeLessThanOrEqual(end.ts as number);
    }
  });
});
