import type { TaskHook } from "../system/ports.js";
import { type Program, TaskKind } from "../system/program.js";

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
  ph: "X" | "M" | "b" | "e" | "s" | "f" | "C";
  bp?: "e";
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  args?: Record<string, string | number>;
}

const US = 1e6;
/** Cards whose links are watched for counter tracks, and how many of the busiest links get a track. */
const MAX_WATCHED_CARDS = 256;
const BUSIEST_LINKS = 8;
/** The process id of the counter tracks (above any pipeline stage's). */
const LINKS_PID = 1_000_000;

export class TraceCollector implements TaskHook {
  private program: Program | undefined;
  private readonly events: TraceEvent[] = [];
  private readonly traced = new Set<number>();
  private readonly openAsync = new Map<string, number>();
  private nextAsyncId = 1;
  private readonly openFlows = new Map<string, number>();
  /** Load samples per watched link: times, utilisations, and the time integral so far (for "busiest"). */
  private readonly loads = new Map<string, { t: number[]; u: number[]; integral: number }>();
  private nextFlowId = 1;

  constructor(private readonly actors: TraceActors = "replica0") {}

  private chosen(program: Program): number[] {
    const n = program.replicas * program.ranks;
    return this.actors === "all"
      ? Array.from({ length: n }, (_, a) => a)
      : this.actors === "replica0"
        ? Array.from({ length: program.ranks }, (_, r) => r)
        : this.actors.filter((a) => a >= 0 && a < n);
  }

  /** The cards of the traced actors (at most MAX_WATCHED_CARDS): their links' loads become counter tracks. */
  cardsToWatch(program: Program): number[] {
    const cards: number[] = [];
    for (const a of this.chosen(program)) {
      for (const c of program.actorCards(a)) {
        if (cards.length >= MAX_WATCHED_CARDS) return cards;
        cards.push(c);
      }
    }
    return cards;
  }

  onLinkLoad(timeS: number, link: string, utilisation: number): void {
    let l = this.loads.get(link);
    if (!l) {
      l = { t: [], u: [], integral: 0 };
      this.loads.set(link, l);
    }
    const n = l.t.length;
    if (n > 0) l.integral += (l.u[n - 1] as number) * (timeS - (l.t[n - 1] as number));
    if (n > 0 && l.t[n - 1] === timeS) l.u[n - 1] = utilisation;
    else {
      l.t.push(timeS);
      l.u.push(utilisation);
    }
  }

  onProgram(program: Program): void {
    this.program = program;
    this.traced.clear();
    for (const a of this.chosen(program)) this.traced.add(a);
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
    if (!list) return;
    if (list.kind[task] === TaskKind.Send) this.flow(event, actor, list.peerRank[task] as number, task, step, timeS);
    if ((list.chainPos[task] as number) >= 0) return;
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

  /** A pipeline send as a flow arrow: from the sender's track when it starts to the receiver's when it lands. */
  private flow(event: "start" | "end", actor: number, peerRank: number, task: number, step: number, timeS: number) {
    const p = this.program as Program;
    const receiver = Math.floor(actor / p.ranks) * p.ranks + peerRank;
    if (!this.traced.has(receiver)) return;
    const key = `${actor}:${task}:${step}`;
    if (event === "start") {
      const id = this.nextFlowId++;
      this.openFlows.set(key, id);
      this.events.push({
        name: "pipeline send",
        cat: "flow",
        ph: "s",
        id,
        pid: actor % p.ranks,
        tid: actor,
        ts: timeS * US,
      });
      return;
    }
    const id = this.openFlows.get(key);
    if (id === undefined) return;
    this.openFlows.delete(key);
    this.events.push({
      name: "pipeline send",
      cat: "flow",
      ph: "f",
      bp: "e",
      id,
      pid: peerRank,
      tid: receiver,
      ts: timeS * US,
    });
  }

  /** The trace file's text: `{"traceEvents": [...], "displayTimeUnit": "ms"}`, one event per line. */
  toJson(meta: Record<string, string | number> = {}): string {
    const lines = this.events.map((e) => JSON.stringify(e));
    // Counter tracks: the busiest watched links by time-integrated utilisation, name order among equals.
    const busiest = [...this.loads]
      .filter(([, l]) => l.integral > 0)
      .sort((a, b) => b[1].integral - a[1].integral || (a[0] < b[0] ? -1 : 1))
      .slice(0, BUSIEST_LINKS);
    if (busiest.length > 0) {
      lines.push(JSON.stringify({ name: "process_name", ph: "M", pid: LINKS_PID, args: { name: "busiest links" } }));
      lines.push(JSON.stringify({ name: "process_sort_index", ph: "M", pid: LINKS_PID, args: { sort_index: -1 } }));
      for (const [name, l] of busiest) {
        for (let i = 0; i < l.t.length; i++) {
          lines.push(
            JSON.stringify({
              name: `${name} utilisation`,
              ph: "C",
              pid: LINKS_PID,
              ts: (l.t[i] as number) * US,
              args: { utilisation: Number((l.u[i] as number).toFixed(6)) },
            }),
          );
        }
      }
    }
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

/** Most requests a serving trace draws (async slices); the iterations are always all there. */
export const SERVING_TRACE_MAX_REQUESTS = 20_000;

/** What a serving trace shows of the requests: details.requests of a run with keepRequests. */
export interface TraceRequests {
  arrivalS: readonly number[];
  firstTokenS: readonly number[];
  finishS: readonly number[];
  inputTokens: readonly number[];
  outputTokens: readonly number[];
  instance: readonly number[];
}

/**
 * A Perfetto / Chrome trace of a serving run: a process per pool (prefill, decode; or one for
 * colocated instances) with a thread per instance and one complete slice per iteration (batch
 * sequences, tokens and decoding sequences as arguments); and a "requests" process with one async
 * slice per request from arrival to its last token, with a nested "to first token" slice (TTFT).
 * Requests beyond SERVING_TRACE_MAX_REQUESTS are left out (the metadata says how many were drawn).
 */
export class ServingTraceCollector {
  private readonly iterations: TraceEvent[] = [];

  /** `prefillInstances`: instances of the first pool; decode instances follow them. */
  constructor(
    private readonly prefillInstances: number,
    private readonly decodeInstances: number,
  ) {}

  onIteration = (
    instance: number,
    startS: number,
    durationS: number,
    batch: { sequences: number; tokens: number; decodeSequences: number },
  ): void => {
    const decode = instance >= this.prefillInstances;
    this.iterations.push({
      name: "iteration",
      cat: decode ? "decode" : this.decodeInstances > 0 ? "prefill" : "iteration",
      ph: "X",
      pid: decode ? 1 : 0,
      tid: instance,
      ts: startS * US,
      dur: durationS * US,
      args: { sequences: batch.sequences, tokens: batch.tokens, decodeSequences: batch.decodeSequences },
    });
  };

  toJson(requests: TraceRequests | undefined, meta: Record<string, string | number> = {}): string {
    const disaggregated = this.decodeInstances > 0;
    const events: TraceEvent[] = [
      { name: "process_name", ph: "M", pid: 0, args: { name: disaggregated ? "prefill pool" : "instances" } },
    ];
    if (disaggregated) events.push({ name: "process_name", ph: "M", pid: 1, args: { name: "decode pool" } });
    events.push({ name: "process_name", ph: "M", pid: 2, args: { name: "requests" } });
    for (let i = 0; i < this.prefillInstances + this.decodeInstances; i++) {
      const decode = i >= this.prefillInstances;
      const name = decode
        ? `decode instance ${i - this.prefillInstances}`
        : disaggregated
          ? `prefill instance ${i}`
          : `instance ${i}`;
      events.push({ name: "thread_name", ph: "M", pid: decode ? 1 : 0, tid: i, args: { name } });
    }
    events.push(...this.iterations);
    const n = Math.min(requests?.arrivalS.length ?? 0, SERVING_TRACE_MAX_REQUESTS);
    for (let r = 0; r < n && requests; r++) {
      const id = r + 1;
      const a = requests.arrivalS[r] as number;
      const ft = requests.firstTokenS[r] as number;
      const f = requests.finishS[r] as number;
      const args = {
        inputTokens: requests.inputTokens[r] as number,
        outputTokens: requests.outputTokens[r] as number,
        instance: requests.instance[r] as number,
      };
      events.push({ name: `request ${r}`, cat: "request", ph: "b", id, pid: 2, tid: 0, ts: a * US, args });
      events.push({ name: "to first token", cat: "request", ph: "b", id, pid: 2, tid: 0, ts: a * US });
      events.push({ name: "to first token", cat: "request", ph: "e", id, pid: 2, tid: 0, ts: ft * US });
      events.push({ name: `request ${r}`, cat: "request", ph: "e", id, pid: 2, tid: 0, ts: f * US });
    }
    const lines = events.map((e) => JSON.stringify(e));
    const m = { ...meta, requestsDrawn: n, requests: requests?.arrivalS.length ?? 0 };
    return `{"displayTimeUnit":"ms","metadata":${JSON.stringify(m)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`;
  }
}
