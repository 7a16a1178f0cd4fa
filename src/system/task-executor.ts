import type { CollectiveRequest } from "../collectives/types.js";
import { type HandlerId, Join, Resource, type Simulator } from "../engine/index.js";
import {
  type CollectiveRunner,
  type ComputeTiming,
  NOMINAL_TIMING,
  type StepControl,
  type StepRecord,
  type TaskHook,
  type TimeCategory,
} from "./ports.js";
import { NO_CATEGORY, type Program, TaskKind, type TaskList } from "./program.js";

export type { TaskHook } from "./ports.js";

/**
 * Runs a Program (src/system/program.ts) on the engine for a number of steps:
 * dependency counters per (actor, task, step parity), chain tasks in order,
 * collectives through one keyed barrier (the engine's Join) and ordered
 * streams (the engine's Resource), time booked per category. Knows nothing of
 * what the tasks mean.
 */
export class TaskExecutor {
  private readonly actors: number;
  private readonly cats: number;
  /** Next chain position per actor; -1 while its chain task runs. */
  private readonly pc: Int32Array;
  private readonly running: Uint8Array;
  private readonly step: Int32Array;
  /** End time of the last chain task per actor (start of waiting). */
  private readonly idleSinceS: Float64Array;
  /** Arrival time at the running chain collective, per actor. */
  private readonly arrivedS: Float64Array;
  /** got[(actor * T + task) * 2 + step parity]: dependencies arrived. */
  private readonly got: Int32Array[];
  private readonly acc: Float64Array;
  private readonly stepSums: Float64Array[] = [];
  private readonly stepDoneCount: number[] = [];
  private readonly stepEndS: number[] = [];
  private readonly barriers = new Map<number, Join>();
  private readonly streams = new Map<number, Resource>();
  private readonly groupCardsCache = new Map<string, number[][]>();
  private readonly hComputeDone: HandlerId;
  private readonly hScaledDone: HandlerId;
  private readonly currentTask: Int32Array;
  private stepsToRun = 0;
  private control: StepControl = {};
  /** The constructor's hook, else the run's control.taskHook. */
  private hook: TaskHook | undefined;
  /** The longest rank task list (the stride of barrier keys). */
  private readonly maxTasks: number;

  constructor(
    private readonly sim: Simulator,
    private readonly program: Program,
    private readonly comm: CollectiveRunner,
    private readonly timing: ComputeTiming = NOMINAL_TIMING,
    hook?: TaskHook,
  ) {
    this.hook = hook;
    const n = program.replicas * program.ranks;
    this.actors = n;
    this.cats = program.categories.length;
    this.pc = new Int32Array(n);
    this.running = new Uint8Array(n);
    this.step = new Int32Array(n);
    this.idleSinceS = new Float64Array(n);
    this.arrivedS = new Float64Array(n);
    this.currentTask = new Int32Array(n);
    this.acc = new Float64Array(n * this.cats);
    this.got = program.tasks.map((t) => new Int32Array(program.replicas * t.size * 2));
    this.maxTasks = Math.max(1, ...program.tasks.map((t) => t.size));
    this.hComputeDone = sim.handler("task-done", (a) => this.endChainTask(a));
    this.hScaledDone = sim.handler("scaled-done", (a) => this.endChainTask(a));
  }

  /** Simulates up to `steps` steps (see StepControl); one record per step run. */
  run(steps: number, control: StepControl = {}): StepRecord[] {
    this.stepsToRun = steps;
    this.control = control;
    this.hook = this.hook ?? control.taskHook;
    this.hook?.onProgram?.(this.program);
    for (let a = 0; a < this.actors; a++) this.beginStep(a);
    this.sim.run();
    if (this.stepEndS.length !== this.stepsToRun) {
      const stuck: string[] = [];
      for (let a = 0; a < this.actors && stuck.length < 5; a++) {
        const t = this.list(a);
        const pos = this.pc[a] as number;
        if (pos > t.chain.length) continue;
        const task = t.chain[pos] as number;
        const got = (this.got[this.rankOf(a)] as Int32Array)[this.gotIndex(a, task, this.step[a] as number)];
        stuck.push(
          `actor ${a} step ${this.step[a]} at ${this.running[a] ? "running " : ""}${t.label[task] ?? "end"} (${got}/${t.need[task]} arrived)`,
        );
      }
      throw new Error(
        `task executor invariant violated: deadlock after ${this.stepEndS.length} steps (${stuck.join("; ")})`,
      );
    }
    const names = this.program.categories as readonly TimeCategory[];
    return this.stepEndS.map((endS, k) => {
      const sums = this.stepSums[k] as Float64Array;
      const meanS = {} as Record<TimeCategory, number>;
      names.forEach((c, i) => {
        meanS[c] = (sums[i] as number) / this.actors;
      });
      return { endS, meanS };
    });
  }

  private rankOf(a: number): number {
    return a % this.program.ranks;
  }

  private list(a: number): TaskList {
    return this.program.tasks[this.rankOf(a)] as TaskList;
  }

  private gotIndex(a: number, task: number, step: number): number {
    const replica = Math.floor(a / this.program.ranks);
    return (replica * this.list(a).size + task) * 2 + (step & 1);
  }

  private book(a: number, cat: number, s: number): void {
    if (cat === NO_CATEGORY) return;
    const i = a * this.cats + cat;
    this.acc[i] = (this.acc[i] as number) + s;
  }

  /** Books `s` seconds from `startS` and tells the hook of the interval. */
  private slice(a: number, cat: number, startS: number, s: number, task: number): void {
    this.book(a, cat, s);
    if (this.hook?.onSlice && cat !== NO_CATEGORY && s > 0) {
      this.hook.onSlice(a, cat, startS, startS + s, task, this.step[a] as number);
    }
  }

  private beginStep(a: number): void {
    this.pc[a] = 0;
    this.idleSinceS[a] = this.sim.now;
    this.acc.fill(0, a * this.cats, (a + 1) * this.cats);
    this.tryChain(a);
  }

  /** Starts the actor's next chain task if it is idle and the task's dependencies have arrived. */
  private tryChain(a: number): void {
    if (this.running[a] === 1) return;
    const t = this.list(a);
    const pos = this.pc[a] as number;
    if (pos >= t.chain.length) {
      this.finishStep(a);
      return;
    }
    const task = t.chain[pos] as number;
    const need = t.need[task] as number;
    const g = this.got[this.rankOf(a)] as Int32Array;
    const gi = this.gotIndex(a, task, this.step[a] as number);
    if ((g[gi] as number) < need) return;
    g[gi] = 0;
    this.running[a] = 1;
    this.currentTask[a] = task;
    const idle = this.idleSinceS[a] as number;
    this.slice(a, t.waitCat[task] as number, idle, this.sim.now - idle, task);
    this.startTask(a, task);
  }

  private startTask(a: number, task: number): void {
    const t = this.list(a);
    this.hook?.onTask?.("start", a, task, this.step[a] as number, this.sim.now);
    this.fireEdges(a, task, true);
    switch (t.kind[task]) {
      case TaskKind.Compute: {
        const nominalS = t.slowS[task] as number;
        const fixedS = t.fixedS[task] as number;
        const actualS = this.timing.computeS(a, nominalS);
        const now = this.sim.now;
        this.slice(a, t.runCat[task] as number, now, nominalS, task);
        this.slice(a, this.program.noiseCategory, now + nominalS, actualS - nominalS, task);
        let at = now + actualS;
        for (let k = t.partFirst[task] as number; k < (t.partFirst[task + 1] as number); k++) {
          this.slice(a, t.partCat[k] as number, at, t.partS[k] as number, task);
          at += t.partS[k] as number;
        }
        this.sim.after(actualS + fixedS, this.hComputeDone, a);
        return;
      }
      case TaskKind.Scaled: {
        const s = (t.slowS[task] as number) * this.timing.slowdown(a);
        this.slice(a, t.runCat[task] as number, this.sim.now, s, task);
        this.sim.after(s, this.hScaledDone, a);
        return;
      }
      case TaskKind.Delay: {
        const dur = (t.slowS[task] as number) * this.timing.slowdown(a) + (t.fixedS[task] as number);
        const step = this.step[a] as number;
        this.sim.callAt(this.sim.now + dur * (t.fraction[task] as number), t.label[task] as string, () =>
          this.endOffChain(a, task, step),
        );
        return;
      }
      case TaskKind.Collective:
        this.arriveCollective(a, task);
        return;
      case TaskKind.Send:
        this.send(a, task);
        return;
    }
  }

  private endChainTask(a: number): void {
    const task = this.currentTask[a] as number;
    this.running[a] = 0;
    this.pc[a] = (this.pc[a] as number) + 1;
    this.idleSinceS[a] = this.sim.now;
    this.hook?.onTask?.("end", a, task, this.step[a] as number, this.sim.now);
    // The chain goes on first, then the task's edges (a receiver starts after its sender moves on).
    this.tryChain(a);
    this.fireEdges(a, task, false);
  }

  private endOffChain(a: number, task: number, step: number): void {
    this.hook?.onTask?.("end", a, task, step, this.sim.now);
    this.fireEdges(a, task, false, step);
  }

  private fireEdges(a: number, task: number, onStart: boolean, step = this.step[a] as number): void {
    const t = this.list(a);
    const ranks = this.program.ranks;
    for (let e = t.edgeFirst[task] as number; e < (t.edgeFirst[task + 1] as number); e++) {
      if ((t.edgeOnStart[e] === 1) !== onStart) continue;
      const rank = t.edgeRank[e] as number;
      const to = rank < 0 ? a : Math.floor(a / ranks) * ranks + rank;
      this.arrive(to, t.edgeTask[e] as number, step);
    }
  }

  /** A dependency of (actor, task) for `step` has arrived. */
  private arrive(a: number, task: number, step: number): void {
    const t = this.list(a);
    const g = this.got[this.rankOf(a)] as Int32Array;
    const gi = this.gotIndex(a, task, step);
    g[gi] = (g[gi] as number) + 1;
    if ((t.chainPos[task] as number) >= 0) {
      if (step === this.step[a] && this.pc[a] === t.chainPos[task]) this.tryChain(a);
      return;
    }
    if ((g[gi] as number) < (t.need[task] as number)) return;
    g[gi] = 0;
    this.startTask(a, task);
  }

  // ---- collectives and sends ---------------------------------------------

  private arriveCollective(a: number, task: number): void {
    const t = this.list(a);
    const p = this.program;
    const rank = this.rankOf(a);
    const replica = Math.floor(a / p.ranks);
    const size = t.groupReplicas[task] as number;
    const group = Math.floor(replica / size);
    const step = this.step[a] as number;
    this.arrivedS[a] = this.sim.now;
    // Keyed by (step parity, rank, task, group) with the largest task list as the task stride: ranks'
    // lists differ in length, so a rank's own size as the stride would let two ranks' barriers collide.
    const key = (((step & 1) * p.ranks + rank) * this.maxTasks + task) * p.replicas + group;
    let join = this.barriers.get(key);
    if (join === undefined) {
      const members = Array.from({ length: size }, (_, i) => (group * size + i) * p.ranks + rank);
      join = new Join(size, () => {
        this.barriers.delete(key);
        this.launch(members, task, step);
      });
      this.barriers.set(key, join);
    }
    join.arrive();
  }

  private launch(members: number[], task: number, step: number): void {
    const t = this.list(members[0] as number);
    const streamId = t.stream[task] as number;
    const done = (release: boolean) => {
      for (const m of members) this.endCollective(m, task, step);
      if (release) this.streams.get(streamId)?.release();
    };
    const start = (release: boolean) => this.runCollective(members, task, () => done(release));
    if (streamId < 0) {
      start(false);
      return;
    }
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      stream = new Resource(this.sim, `stream ${streamId}`);
      this.streams.set(streamId, stream);
    }
    stream.acquire(() => start(true));
  }

  private endCollective(m: number, task: number, step: number): void {
    const t = this.list(m);
    if ((t.chainPos[task] as number) < 0) {
      this.endOffChain(m, task, step);
      return;
    }
    const arrived = this.arrivedS[m] as number;
    this.slice(m, t.runCat[task] as number, arrived, this.sim.now - arrived, task);
    this.endChainTask(m);
  }

  /**
   * One collective per card position over the members' cards at that
   * position, per position modulo m (positions merged), or per block of
   * positions; a group with nothing to exchange completes in a zero-delay event.
   */
  private runCollective(members: readonly number[], task: number, onDone: () => void): void {
    const t = this.list(members[0] as number);
    const modulo = t.positionModulo[task] as number;
    const block = t.positionBlock[task] as number;
    const label = t.label[task] as string;
    const lists = this.groupCards(members, modulo, block);
    if (lists.every((cards) => cards.length < 2)) {
      this.sim.callAfter(0, label, onDone);
      return;
    }
    const op = t.op[task] as CollectiveRequest["op"];
    const sizeBytes = t.bytes[task] as number;
    const traffic = op === "alltoall" ? this.program.alltoallTraffic : undefined;
    const requests = lists.map((cards): CollectiveRequest => {
      const matrix = traffic?.(cards, sizeBytes);
      return { op, cards, sizeBytes, label, ...(matrix ? { sendBytesMatrix: matrix } : {}) };
    });
    if (this.comm.runAll) {
      this.comm.runAll(requests, onDone);
      return;
    }
    let remaining = requests.length;
    const done = () => {
      if (--remaining === 0) onDone();
    };
    for (const req of requests) this.comm.run(req, done);
  }

  private groupCards(members: readonly number[], modulo: number, block: number): number[][] {
    const key = `${modulo}:${block}:${members[0]}:${members.length}:${members[1] ?? -1}`;
    let lists = this.groupCardsCache.get(key);
    if (lists === undefined) {
      const width = this.program.cardsPerActor;
      const groups = block > 0 ? Math.ceil(width / block) : modulo > 0 ? modulo : width;
      const listOf = (pos: number) => (block > 0 ? Math.floor(pos / block) : pos % groups);
      lists = Array.from({ length: groups }, () => [] as number[]);
      for (const m of members) {
        const cards = this.program.actorCards(m);
        for (let pos = 0; pos < width; pos++) lists[listOf(pos)]?.push(cards[pos] as number);
      }
      this.groupCardsCache.set(key, lists);
    }
    return lists;
  }

  private send(a: number, task: number): void {
    const t = this.list(a);
    const p = this.program;
    const to = Math.floor(a / p.ranks) * p.ranks + (t.peerRank[task] as number);
    const from = p.actorCards(a);
    const dest = p.actorCards(to);
    const startS = this.sim.now;
    const step = this.step[a] as number;
    const onChain = (t.chainPos[task] as number) >= 0;
    let remaining = this.comm.sendAll ? 1 : from.length;
    const done = () => {
      if (--remaining > 0) return;
      if (!onChain) {
        // Off the chain (overlapped): nothing is booked on the sender; the receiver's wait shows.
        this.endOffChain(a, task, step);
        return;
      }
      this.slice(a, t.runCat[task] as number, startS, this.sim.now - startS, task);
      this.endChainTask(a);
    };
    const bytes = t.bytes[task] as number;
    const label = t.label[task] as string;
    if (this.comm.sendAll) {
      this.comm.sendAll(from, dest, bytes, done, label);
      return;
    }
    for (let i = 0; i < from.length; i++) this.comm.send(from[i] as number, dest[i] as number, bytes, done, label);
  }

  // ---- steps ---------------------------------------------------------------

  private finishStep(a: number): void {
    const k = this.step[a] as number;
    let sums = this.stepSums[k];
    if (sums === undefined) {
      sums = new Float64Array(this.cats);
      this.stepSums[k] = sums;
      this.stepDoneCount[k] = 0;
    }
    const base = a * this.cats;
    for (let c = 0; c < this.cats; c++) sums[c] = (sums[c] as number) + (this.acc[base + c] as number);
    this.stepDoneCount[k] = (this.stepDoneCount[k] as number) + 1;
    if (this.stepDoneCount[k] === this.actors) {
      this.stepEndS[k] = this.sim.now;
      this.control.onStepEnd?.(k + 1, this.stepsToRun);
    }
    if (this.stepDoneCount[k] === 1 && k + 1 < this.stepsToRun && this.control.continueAfter?.(k + 1) === false) {
      this.stepsToRun = k + 1;
    }
    if (k + 1 < this.stepsToRun) {
      this.step[a] = k + 1;
      this.beginStep(a);
    } else {
      this.pc[a] = this.list(a).chain.length + 1;
    }
  }
}
