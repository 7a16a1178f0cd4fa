import type { TaskHook } from "../system/ports.js";
import type { Program } from "../system/program.js";

/**
 * A Chrome trace-event / Perfetto timeline of a training run, fed by the
 * executor's TaskHook (src/system/ports.ts). Open it at https://ui.perfetto.dev
 * (or chrome://tracing).
 *
 * Layout: one process per pipeline rank ("stage r"), one thread per traced
 * actor ("replica k": its cards in lock step). On that thread, one complete
 * slice per booked interval, named by its time category (compute, tpComm,
 * bubble, ...) with the task's label as an argument: they never overlap, and
 * per actor and category they sum to what the run's breakdown books (the
 * breakdown is their mean over actors and steps). Tasks off the chain
 * (overlapped collectives and sends, timers) are async slices on the actor's
 * "overlapped" track, as they may run side by side; their time is not booked.
 * Times are microseconds of simulated time.
 *
 * Which actors: `all`, or a list of actor indices (actor = replica · ranks +
 * rank). Default (`defaultTraceActors`): every actor of replica 0 (the whole
 * pipeline of one data-parallel replica), which keeps an 8,192-card run's
 * trace small; `all` for runs of up to a few hundred actors.
 */
export type TraceActors = "all" | "replica0" | readonly number[];

interface TraceEvent {
  name: string;
  ph: "X" | "M" | "b" | "e";
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  args?: Record<string, string | number>;
}

const US = 1e6;

export class TraceCollector implements TaskHook {
  private program: Program | undefined;
  private readonly events: TraceEvent[] = [];
  private readonly traced = new Set<number>();
  private readonly openAsync = new Map<string, number>();
  private nextAsyncId = 1;

  constructor(private readonly actors: TraceActors = "replica0") {}

  onProgram(program: Program): void {
    this.program = program;
    this.traced.clear();
    const n = program.replicas * program.ranks;
    const chosen =
      this.actors === "all"
        ? Array.from({ length: n }, (_, a) => a)
        : this.actors === "replica0"
          ? Array.from({ length: program.ranks }, (_, r) => r)
          : this.actors.filter((a) => a >= 0 && a < n);
    for (const a of chosen) this.traced.add(a);
    for (let r = 0; r < program.ranks; r++) {
      this.events.push({ name: "process_name", ph: "M", pid: r, args: { name: `stage ${r}` } });
      this.events.push({ name: "process_sort_index", ph: "M", pid: r, args: { sort_index: r } });
    }
    for (const a of [...this.traced].sort((x, y) => x - y)) {
      const rank = a % program.ranks;
      const replica = Math.floor(a / program.ranks);
      const cards = program.actorCards(a);
      const span = cards.length > 1 ? `cards ${cards[0]}-${cards[cards.length - 1]}` : `card ${cards[0]}`;
      this.events.push({
        name: "thread_name",
        ph: "M",
        pid: rank,
        tid: a,
        args: { name: `replica ${replica} (${span})` },
      });
      this.events.push({ name: "thread_sort_index", ph: "M", pid: rank, tid: a, args: { sort_index: 2 * replica } });
      this.events.push({
        name: "thread_name",
        ph: "M",
        pid: rank,
        tid: this.overlapTid(a),
        args: { name: `replica ${replica} overlapped` },
      });
      this.events.push({
        name: "thread_sort_index",
        ph: "M",
        pid: rank,
        tid: this.overlapTid(a),
        args: { sort_index: 2 * replica + 1 },
      });
    }
  }

  onSlice(actor: number, category: number, startS: number, endS: number, task: number, step: number): void {
    const p = this.program;
    if (!p || !this.traced.has(actor)) return;
    const rank = actor % p.ranks;
    this.events.push({
      name: p.categories[category] ?? `category ${category}`,
      cat: p.categories[category] ?? "",
      ph: "X",
      pid: rank,
      tid: actor,
      ts: startS * US,
      dur: (endS - startS) * US,
      args: { task: p.tasks[rank]?.label[task] ?? "", step },
    });
  }

  onTask(event: "start" | "end", actor: number, task: number, step: number, timeS: number): void {
    const p = this.program;
    if (!p || !this.traced.has(actor)) return;
    const rank = actor % p.ranks;
    const list = p.tasks[rank];
    if (!list || (list.chainPos[task] as number) >= 0) return;
    const key = `${actor}:${task}:${step}`;
    const label = list.label[task] ?? "";
    if (event === "start") {
      const id = this.nextAsyncId++;
      this.openAsync.set(key, id);
      this.events.push({
        name: label,
        cat: "overlapped",
        ph: "b",
        id,
        pid: rank,
        tid: this.overlapTid(actor),
        ts: timeS * US,
        args: { step },
      });
      return;
    }
    const id = this.openAsync.get(key);
    if (id === undefined) return;
    this.openAsync.delete(key);
    this.events.push({
      name: label,
      cat: "overlapped",
      ph: "e",
      id,
      pid: rank,
      tid: this.overlapTid(actor),
      ts: timeS * US,
    });
  }

  /** The trace file's text: `{"traceEvents": [...], "displayTimeUnit": "ms"}`, one event per line. */
  toJson(meta: Record<string, string | number> = {}): string {
    const lines = this.events.map((e) => JSON.stringify(e));
    return `{"displayTimeUnit":"ms","metadata":${JSON.stringify(meta)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`;
  }

  /** Thread id of an actor's track of overlapped (off-chain) tasks. */
  private overlapTid(actor: number): number {
    const p = this.program as Program;
    return p.replicas * p.ranks + actor;
  }
}

/** Parses `--trace-actors`: `all`, or comma-separated actor indices; an error sentence otherwise. */
export function parseTraceActors(text: string): TraceActors | { error: string } {
  if (text === "all") return "all";
  const parts = text.split(",").map((s) => s.trim());
  const ids = parts.map(Number);
  if (parts.length === 0 || ids.some((x, i) => parts[i] === "" || !Number.isSafeInteger(x) || x < 0)) {
    return { error: `expected 'all' or actor indices like '0,1,7', found '${text}'` };
  }
  return [...new Set(ids)];
}
