import { RandomStreams } from "../src/engine/rng.js";
import { runHoldModel } from "./engine-hold.js";

/**
 * Baselines for the engine's hold-model figure (`clustersim bench engine`),
 * run interleaved in one process so that they share the machine's state:
 *
 * - engine: the hold model through the Simulator (runHoldModel);
 * - bare-heap: the same hold model on a bare 4-ary min-heap over two typed
 *   arrays (time, id): a pop (last entry to the root, sift down) then a push
 *   (append, sift up) per event; no slot records, no handler dispatch, no
 *   cancellation, no tie-break on sequence numbers;
 * - cpu-loop: the same Exp(1) draws summed in a loop, no queue and no memory
 *   traffic: what is left of an event once the queue is gone.
 *
 * The engine and the bare heap draw the same numbers from the same stream
 * and pop the same times, so they end at the same simulated time
 * (`checksum`); the CPU loop's checksum is the sum of its draws.
 */

const WARM_UP_EVENTS = 200_000;

export type BaselineKind = "engine" | "bare-heap" | "cpu-loop";

export interface BaselineRun {
  benchmark: "heap-baseline";
  kind: BaselineKind;
  repeat: number;
  /** Events kept pending (0 for the CPU loop). */
  pending: number;
  /** Timed events (loop iterations for the CPU loop), after a warm-up of min(events, 200,000). */
  events: number;
  seconds: number;
  /** Process CPU time (user + system) over the timed part. */
  cpuSeconds: number;
  eventsPerSecond: number;
  /** Events per CPU second: less sensitive than events/s to other load on a shared machine. */
  eventsPerCpuSecond: number;
  checksum: number;
}

export interface BaselineSummary {
  benchmark: "heap-baseline-summary";
  kind: BaselineKind;
  runs: number;
  pending: number;
  events: number;
  minEventsPerSecond: number;
  medianEventsPerSecond: number;
  maxEventsPerSecond: number;
  /** (max − min) / median of events/s over the runs. */
  spread: number;
  /** Median events/s as a fraction of the bare heap's median. */
  ofBareHeap: number;
  medianEventsPerCpuSecond: number;
  /** Median events per CPU second as a fraction of the bare heap's. */
  ofBareHeapCpu: number;
  totalCpuSeconds: number;
  totalSeconds: number;
}

/** The hold model on a bare 4-ary typed-array heap: pop + push per event. */
export function runBareHeapHold(pending: number, events: number, seed = 1): Omit<BaselineRun, "repeat"> {
  const rng = new RandomStreams(seed).stream("hold");
  const heap = new BareHeap(pending);
  for (let i = 0; i < pending; i++) heap.push(rng.exponential(1), i);
  const step = (n: number): number => {
    let now = 0;
    for (let k = 0; k < n; k++) {
      now = heap.topTime();
      const id = heap.pop();
      heap.push(now + rng.exponential(1), id);
    }
    return now;
  };
  step(Math.min(events, WARM_UP_EVENTS));
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const endTimeS = step(events);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (heap.size !== pending) throw new Error(`bare heap lost events: ${heap.size} pending, expected ${pending}`);
  return result("bare-heap", pending, events, seconds, cpu, endTimeS);
}

/** The Exp(1) draws of the hold model summed in a loop: no queue, no memory traffic. */
export function runCpuLoop(iterations: number, seed = 1): Omit<BaselineRun, "repeat"> {
  const rng = new RandomStreams(seed).stream("hold");
  const loop = (n: number): number => {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += rng.exponential(1);
    return sum;
  };
  loop(Math.min(iterations, WARM_UP_EVENTS));
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const sum = loop(iterations);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return result("cpu-loop", 0, iterations, seconds, cpu, sum);
}

/** `repeats` rounds of engine, bare heap and CPU loop, interleaved; then one summary per kind. */
export function runHeapBaseline(
  pending: number,
  events: number,
  repeats: number,
  onRun: (r: BaselineRun) => void = () => {},
): { runs: BaselineRun[]; summaries: BaselineSummary[] } {
  const runs: BaselineRun[] = [];
  const record = (r: Omit<BaselineRun, "repeat">, repeat: number) => {
    const run = { ...r, repeat };
    runs.push(run);
    onRun(run);
  };
  for (let repeat = 1; repeat <= repeats; repeat++) {
    const e = runHoldModel(pending, events);
    const engine: Omit<BaselineRun, "repeat"> = {
      benchmark: "heap-baseline",
      kind: "engine",
      pending,
      events: e.events,
      seconds: e.seconds,
      cpuSeconds: e.cpuSeconds,
      eventsPerSecond: e.eventsPerSecond,
      eventsPerCpuSecond: Math.round(e.events / e.cpuSeconds),
      checksum: e.endTimeS,
    };
    record(engine, repeat);
    record(runBareHeapHold(pending, events), repeat);
    record(runCpuLoop(events), repeat);
  }
  const kinds: BaselineKind[] = ["engine", "bare-heap", "cpu-loop"];
  const of = (kind: BaselineKind) => runs.filter((r) => r.kind === kind);
  const bareWall = median(of("bare-heap").map((r) => r.eventsPerSecond));
  const bareCpu = median(of("bare-heap").map((r) => r.eventsPerCpuSecond));
  const summaries = kinds.map((kind): BaselineSummary => {
    const mine = of(kind);
    const rates = mine.map((r) => r.eventsPerSecond);
    const med = median(rates);
    const medCpu = median(mine.map((r) => r.eventsPerCpuSecond));
    return {
      benchmark: "heap-baseline-summary",
      kind,
      runs: mine.length,
      pending: kind === "cpu-loop" ? 0 : pending,
      events,
      minEventsPerSecond: Math.min(...rates),
      medianEventsPerSecond: med,
      maxEventsPerSecond: Math.max(...rates),
      spread: round4((Math.max(...rates) - Math.min(...rates)) / med),
      ofBareHeap: round4(med / bareWall),
      medianEventsPerCpuSecond: medCpu,
      ofBareHeapCpu: round4(medCpu / bareCpu),
      totalCpuSeconds: round4(mine.reduce((a, r) => a + r.cpuSeconds, 0)),
      totalSeconds: round4(mine.reduce((a, r) => a + r.seconds, 0)),
    };
  });
  return { runs, summaries };
}

/** Min-heap of (time, id) over typed arrays, arity 4, fixed capacity. */
class BareHeap {
  private readonly times: Float64Array;
  private readonly ids: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(1, capacity));
    this.ids = new Int32Array(Math.max(1, capacity));
  }

  topTime(): number {
    return this.times[0] as number;
  }

  push(t: number, id: number): void {
    const times = this.times;
    const ids = this.ids;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      if (pt <= t) break;
      times[i] = pt;
      ids[i] = ids[parent] as number;
      i = parent;
    }
    times[i] = t;
    ids[i] = id;
  }

  /** Removes the root; returns its id. */
  pop(): number {
    const times = this.times;
    const ids = this.ids;
    const top = ids[0] as number;
    const n = --this.size;
    if (n === 0) return top;
    const t = times[n] as number;
    const id = ids[n] as number;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      let bt = times[first] as number;
      const end = Math.min(first + 4, n);
      for (let c = first + 1; c < end; c++) {
        const ct = times[c] as number;
        if (ct < bt) {
          best = c;
          bt = ct;
        }
      }
      if (bt >= t) break;
      times[i] = bt;
      ids[i] = ids[best] as number;
      i = best;
    }
    times[i] = t;
    ids[i] = id;
    return top;
  }
}

function result(
  kind: BaselineKind,
  pending: number,
  events: number,
  seconds: number,
  cpu: { user: number; system: number },
  checksum: number,
): Omit<BaselineRun, "repeat"> {
  const cpuMicros = cpu.user + cpu.system;
  return {
    benchmark: "heap-baseline",
    kind,
    pending,
    events,
    seconds: round4(seconds),
    cpuSeconds: round4(cpuMicros / 1e6),
    eventsPerSecond: Math.round(events / seconds),
    eventsPerCpuSecond: Math.round(events / (cpuMicros / 1e6)),
    checksum,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
