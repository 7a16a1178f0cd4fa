import type { CollectiveRequest } from "../collectives/types.js";
import type { HandlerId, Simulator } from "../engine/index.js";
import type { Pass } from "../workload/pipeline-schedule.js";
import type { StepProgram } from "./step-program.js";

/** What the executor needs from the network: run a collective starting now. */
export interface CollectiveRunner {
  run(req: CollectiveRequest, onDone: () => void): void;
  /** Point-to-point send of `sizeBytes` from card `src` to card `dst`, starting now. */
  send(src: number, dst: number, sizeBytes: number, onDone: () => void, label?: string): void;
}

/** Per-actor compute speed: persistent slowdowns, jitter and pauses (see src/stragglers/). */
export interface ComputeTiming {
  /** Persistent multiplier on the actor's compute (its slowest card), used for the optimizer step. */
  slowdown(actor: number): number;
  /** Actual seconds of a compute segment whose nominal length is `nominalS` (draws noise). */
  computeS(actor: number, nominalS: number): number;
}

export const NOMINAL_TIMING: ComputeTiming = { slowdown: () => 1, computeS: (_a, s) => s };

/** Where an actor's time went in one step (seconds). */
export const TIME_CATEGORIES = [
  "compute",
  "straggler",
  "tpComm",
  "epComm",
  "ppComm",
  "bubble",
  "dpComm",
  "optimizer",
  "paramGather",
] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

export interface StepRecord {
  /** Simulated time at which the last actor finished this step. */
  endS: number;
  /** Mean over actors of each category, seconds. */
  meanS: Record<TimeCategory, number>;
}

enum Phase {
  Ready = 0,
  Compute = 1,
  EpWait = 2,
  Sending = 3,
  PassesDone = 4,
  Optimizer = 5,
  Gather = 6,
  Done = 7,
}

/**
 * Runs compiled training steps on the engine: each actor walks its pipeline
 * schedule, computes, joins the EP all-to-alls of its group, sends
 * activations/gradients to its pipeline neighbours over the network, starts
 * gradient bucket collectives with its data-parallel peers, then runs the
 * optimizer. Nothing is assumed symmetric: a slow actor delays exactly what
 * depends on it.
 */
/** Optional control of a multi-step run: a budget that can end it early, and progress. */
export interface StepControl {
  /** Asked once per step boundary, after `stepsDone` steps: false ends the run there. */
  continueAfter?(stepsDone: number): boolean;
  /** Called when every actor has finished `stepsDone` of `stepsPlanned` steps. */
  onStepEnd?(stepsDone: number, stepsPlanned: number): void;
}

export class StepExecutor {
  private readonly actors: number;
  private readonly stages: number;
  private readonly phase: Uint8Array;
  private readonly passIdx: Int32Array;
  private readonly segIdx: Int32Array;
  private readonly step: Int32Array;
  private readonly passDurS: Float64Array;
  private readonly passComputeS: Float64Array;
  private readonly passTpS: Float64Array;
  private readonly phaseStartS: Float64Array;
  private readonly pendingBuckets: Int32Array;
  private readonly stepStartS: Float64Array;
  /** arrivedF/B[actor * v * m + chunk * m + mb] = step whose input has arrived (-1 none). */
  private readonly arrivedF: Int32Array;
  private readonly arrivedB: Int32Array;
  /** Accumulated seconds per category for the current step, [actor * C + c]. */
  private readonly acc: Float64Array;
  private readonly stepSums: Float64Array[] = [];
  private readonly stepDoneCount: number[] = [];
  private readonly stepEndS: number[] = [];
  private readonly bucketArrivals = new Map<string, number>();
  private readonly epArrivals = new Map<string, number>();
  private readonly gatherArrivals = new Map<string, number>();
  /**
   * Gradient collectives of one pipeline rank's data-parallel communicators run
   * one after another, as on one NCCL stream: queued launches and a busy flag per rank.
   */
  private readonly dpQueue: Array<Array<() => void>> = [];
  private readonly dpBusy: Uint8Array;
  private readonly groupCardsCache = new Map<string, number[][]>();
  private readonly hPassDone: HandlerId;
  private readonly hOptimizerDone: HandlerId;
  private stepsToRun = 0;
  private control: StepControl = {};

  constructor(
    private readonly sim: Simulator,
    private readonly program: StepProgram,
    private readonly comm: CollectiveRunner,
    private readonly timing: ComputeTiming = NOMINAL_TIMING,
  ) {
    const p = program;
    this.actors = p.replicas * p.pp;
    this.stages = p.pp * p.virtualStages;
    const n = this.actors;
    this.phase = new Uint8Array(n);
    this.passIdx = new Int32Array(n);
    this.segIdx = new Int32Array(n);
    this.step = new Int32Array(n);
    this.passDurS = new Float64Array(n);
    this.passComputeS = new Float64Array(n);
    this.passTpS = new Float64Array(n);
    this.phaseStartS = new Float64Array(n);
    this.pendingBuckets = new Int32Array(n);
    this.stepStartS = new Float64Array(n);
    const slots = n * p.virtualStages * p.microBatches;
    this.arrivedF = new Int32Array(slots).fill(-1);
    this.arrivedB = new Int32Array(slots).fill(-1);
    this.acc = new Float64Array(n * TIME_CATEGORIES.length);
    this.dpBusy = new Uint8Array(p.pp);
    for (let r = 0; r < p.pp; r++) this.dpQueue.push([]);
    this.hPassDone = sim.handler("pass-done", (a) => this.onSegmentDone(a));
    this.hOptimizerDone = sim.handler("optimizer-done", (a) => this.onOptimizerDone(a));
  }

  /**
   * Simulates up to `steps` consecutive steps; returns one record per step run.
   * `control.continueAfter(k)` is asked once, when the first actor finishes
   * step k, whether step k + 1 starts (a time budget); `control.onStepEnd(k)`
   * when every actor has finished step k (progress).
   */
  run(steps: number, control: StepControl = {}): StepRecord[] {
    this.stepsToRun = steps;
    this.control = control;
    for (let a = 0; a < this.actors; a++) this.beginStep(a);
    this.sim.run();
    if (this.stepEndS.length !== this.stepsToRun) {
      const stuck = [];
      for (let a = 0; a < this.actors && stuck.length < 5; a++) {
        if (this.phase[a] !== Phase.Done) stuck.push(`actor ${a} phase ${this.phase[a]} pass ${this.passIdx[a]}`);
      }
      throw new Error(
        `executor invariant violated: deadlock after ${this.stepEndS.length} steps (${stuck.join("; ")})`,
      );
    }
    return this.stepEndS.map((endS, k) => {
      const sums = this.stepSums[k] as Float64Array;
      const meanS = {} as Record<TimeCategory, number>;
      TIME_CATEGORIES.forEach((c, i) => {
        meanS[c] = (sums[i] as number) / this.actors;
      });
      return { endS, meanS };
    });
  }

  // ---- pass walking -------------------------------------------------------

  private beginStep(a: number): void {
    this.phase[a] = Phase.Ready;
    this.passIdx[a] = 0;
    this.segIdx[a] = 0;
    this.stepStartS[a] = this.sim.now;
    this.phaseStartS[a] = this.sim.now;
    this.acc.fill(0, a * TIME_CATEGORIES.length, (a + 1) * TIME_CATEGORIES.length);
    this.tryStartPass(a);
  }

  private currentPass(a: number): Pass | undefined {
    const rank = a % this.program.pp;
    return this.program.schedule[rank]?.[this.passIdx[a] as number];
  }

  private slot(a: number, chunk: number, mb: number): number {
    const p = this.program;
    return (a * p.virtualStages + chunk) * p.microBatches + mb;
  }

  private tryStartPass(a: number): void {
    if (this.phase[a] !== Phase.Ready) return;
    const pass = this.currentPass(a);
    if (pass === undefined) {
      this.onPassesDone(a);
      return;
    }
    const p = this.program;
    const rank = a % p.pp;
    const stage = pass.chunk * p.pp + rank;
    const step = this.step[a] as number;
    const s = this.slot(a, pass.chunk, pass.microBatch);
    if (pass.kind === "F" && stage > 0 && (this.arrivedF[s] as number) < step) return;
    if (pass.kind === "B" && stage < this.stages - 1 && (this.arrivedB[s] as number) < step) return;
    this.addTime(a, "bubble", this.sim.now - (this.phaseStartS[a] as number));
    const cost = p.passCost(rank, pass.chunk, pass.kind);
    this.passComputeS[a] = cost.computeS;
    this.passTpS[a] = cost.tpCommS;
    this.passDurS[a] = cost.computeS * this.timing.slowdown(a) + cost.tpCommS;
    this.segIdx[a] = 0;
    if (pass.kind === "B" && pass.microBatch === p.microBatches - 1) this.scheduleBuckets(a, rank, pass.chunk);
    this.startSegment(a);
  }

  private startSegment(a: number): void {
    const p = this.program;
    const pass = this.currentPass(a) as Pass;
    const rank = a % p.pp;
    const segs = p.expertParallel?.segments(rank, pass.chunk, pass.kind) ?? [];
    const seg = this.segIdx[a] as number;
    const prevFrac = seg === 0 ? 0 : (segs[seg - 1]?.computeFraction ?? 0);
    const endFrac = seg < segs.length ? (segs[seg]?.computeFraction as number) : 1;
    const nominalS = (this.passComputeS[a] as number) * (endFrac - prevFrac);
    const tpS = (this.passTpS[a] as number) * (endFrac - prevFrac);
    const actualS = this.timing.computeS(a, nominalS);
    this.addTime(a, "compute", nominalS);
    this.addTime(a, "straggler", actualS - nominalS);
    this.addTime(a, "tpComm", tpS);
    this.phase[a] = Phase.Compute;
    this.sim.after(actualS + tpS, this.hPassDone, a);
  }

  private onSegmentDone(a: number): void {
    const p = this.program;
    const pass = this.currentPass(a) as Pass;
    const rank = a % p.pp;
    const segs = p.expertParallel?.segments(rank, pass.chunk, pass.kind) ?? [];
    const seg = this.segIdx[a] as number;
    if (seg < segs.length) {
      this.joinAllToAll(a, pass, seg, (segs[seg] as { alltoallBytesPerCard: number }).alltoallBytesPerCard);
      return;
    }
    this.sendOutput(a, pass);
  }

  private joinAllToAll(a: number, pass: Pass, seg: number, bytesPerCard: number): void {
    const p = this.program;
    const ep = p.expertParallel?.groupActors ?? 1;
    const rank = a % p.pp;
    const replica = Math.floor(a / p.pp);
    const group = Math.floor(replica / ep);
    this.phase[a] = Phase.EpWait;
    this.phaseStartS[a] = this.sim.now;
    const key = `${this.step[a]}:${rank}:${group}:${pass.kind}${pass.chunk}.${pass.microBatch}:${seg}`;
    const arrived = (this.epArrivals.get(key) ?? 0) + 1;
    if (arrived < ep) {
      this.epArrivals.set(key, arrived);
      return;
    }
    this.epArrivals.delete(key);
    const members = Array.from({ length: ep }, (_, i) => (group * ep + i) * p.pp + rank);
    this.runPerTpRank("alltoall", members, bytesPerCard, `ep ${pass.kind}${pass.chunk}.${pass.microBatch}`, () => {
      for (const m of members) {
        this.addTime(m, "epComm", this.sim.now - (this.phaseStartS[m] as number));
        this.segIdx[m] = (this.segIdx[m] as number) + 1;
        this.startSegment(m);
      }
    });
  }

  private sendOutput(a: number, pass: Pass): void {
    const p = this.program;
    const rank = a % p.pp;
    const stage = pass.chunk * p.pp + rank;
    const replica = Math.floor(a / p.pp);
    const target = pass.kind === "F" ? stage + 1 : stage - 1;
    if (target < 0 || target >= this.stages || p.pp === 1) {
      this.finishPass(a);
      return;
    }
    const toRank = target % p.pp;
    const toChunk = Math.floor(target / p.pp);
    const to = replica * p.pp + toRank;
    const from = p.actorCards(a);
    const dest = p.actorCards(to);
    const step = this.step[a] as number;
    const mb = pass.microBatch;
    const kind = pass.kind;
    this.phase[a] = Phase.Sending;
    this.phaseStartS[a] = this.sim.now;
    let remaining = from.length;
    const done = () => {
      if (--remaining > 0) return;
      const s = this.slot(to, toChunk, mb);
      if (kind === "F") this.arrivedF[s] = step;
      else this.arrivedB[s] = step;
      this.addTime(a, "ppComm", this.sim.now - (this.phaseStartS[a] as number));
      this.finishPass(a);
      this.tryStartPass(to);
    };
    for (let i = 0; i < from.length; i++) {
      this.comm.send(from[i] as number, dest[i] as number, p.ppSendBytesPerCard, done, "pp");
    }
  }

  private finishPass(a: number): void {
    this.passIdx[a] = (this.passIdx[a] as number) + 1;
    this.phase[a] = Phase.Ready;
    this.phaseStartS[a] = this.sim.now;
    this.tryStartPass(a);
  }

  // ---- data-parallel gradient buckets -----------------------------------

  private scheduleBuckets(a: number, rank: number, chunk: number): void {
    const dp = this.program.dataParallel;
    const buckets = dp.buckets(rank, chunk);
    this.pendingBuckets[a] = (this.pendingBuckets[a] as number) + buckets.length;
    if (!dp.overlap) return; // started after the last pass, see onPassesDone
    const startS = this.sim.now;
    const durS = this.passDurS[a] as number;
    buckets.forEach((b, k) => {
      this.sim.callAt(startS + durS * b.readyAtFraction, "bucket-ready", () => this.bucketReady(a, rank, chunk, k));
    });
  }

  private bucketReady(a: number, rank: number, chunk: number, k: number): void {
    const p = this.program;
    const key = `${this.step[a]}:${rank}:${chunk}:${k}`;
    const arrived = (this.bucketArrivals.get(key) ?? 0) + 1;
    if (arrived < p.replicas) {
      this.bucketArrivals.set(key, arrived);
      return;
    }
    this.bucketArrivals.delete(key);
    const members = Array.from({ length: p.replicas }, (_, r) => r * p.pp + rank);
    const bucket = p.dataParallel.buckets(rank, chunk)[k] as { sizeBytes: number };
    this.enqueueDp(rank, () =>
      this.runPerTpRank(
        p.dataParallel.gradOp,
        members,
        bucket.sizeBytes,
        `dp grad r${rank} c${chunk} b${k}`,
        () => {
          for (const m of members) {
            this.pendingBuckets[m] = (this.pendingBuckets[m] as number) - 1;
            this.maybeStartOptimizer(m);
          }
          this.dpBusy[rank] = 0;
          this.nextDp(rank);
        },
        true,
      ),
    );
  }

  private enqueueDp(rank: number, launch: () => void): void {
    this.dpQueue[rank]?.push(launch);
    this.nextDp(rank);
  }

  private nextDp(rank: number): void {
    if (this.dpBusy[rank] === 1) return;
    const launch = this.dpQueue[rank]?.shift();
    if (launch === undefined) return;
    this.dpBusy[rank] = 1;
    launch();
  }

  private onPassesDone(a: number): void {
    this.phase[a] = Phase.PassesDone;
    this.phaseStartS[a] = this.sim.now;
    const p = this.program;
    if (!p.dataParallel.overlap) {
      const rank = a % p.pp;
      for (let c = p.virtualStages - 1; c >= 0; c--) {
        const n = p.dataParallel.buckets(rank, c).length;
        for (let k = 0; k < n; k++) this.bucketReady(a, rank, c, k);
      }
    }
    this.maybeStartOptimizer(a);
  }

  private maybeStartOptimizer(a: number): void {
    if (this.phase[a] !== Phase.PassesDone || (this.pendingBuckets[a] as number) > 0) return;
    this.addTime(a, "dpComm", this.sim.now - (this.phaseStartS[a] as number));
    const rank = a % this.program.pp;
    const optS = this.program.optimizerS(rank) * this.timing.slowdown(a);
    this.addTime(a, "optimizer", optS);
    this.phase[a] = Phase.Optimizer;
    this.sim.after(optS, this.hOptimizerDone, a);
  }

  private onOptimizerDone(a: number): void {
    const p = this.program;
    const rank = a % p.pp;
    const bytes = p.dataParallel.paramGatherBytes(rank);
    if (bytes <= 0 || p.replicas * (p.cardsPerActor / p.tp) === 1) {
      this.finishStep(a);
      return;
    }
    this.phase[a] = Phase.Gather;
    this.phaseStartS[a] = this.sim.now;
    const key = `${this.step[a]}:${rank}`;
    const arrived = (this.gatherArrivals.get(key) ?? 0) + 1;
    if (arrived < p.replicas) {
      this.gatherArrivals.set(key, arrived);
      return;
    }
    this.gatherArrivals.delete(key);
    const members = Array.from({ length: p.replicas }, (_, r) => r * p.pp + rank);
    this.runPerTpRank(
      "allgather",
      members,
      bytes,
      `dp param gather r${rank}`,
      () => {
        for (const m of members) {
          this.addTime(m, "paramGather", this.sim.now - (this.phaseStartS[m] as number));
          this.finishStep(m);
        }
      },
      true,
    );
  }

  private finishStep(a: number): void {
    const k = this.step[a] as number;
    this.phase[a] = Phase.Done;
    let sums = this.stepSums[k];
    if (sums === undefined) {
      sums = new Float64Array(TIME_CATEGORIES.length);
      this.stepSums[k] = sums;
      this.stepDoneCount[k] = 0;
    }
    const base = a * TIME_CATEGORIES.length;
    for (let c = 0; c < TIME_CATEGORIES.length; c++) sums[c] = (sums[c] as number) + (this.acc[base + c] as number);
    this.stepDoneCount[k] = (this.stepDoneCount[k] as number) + 1;
    if (this.stepDoneCount[k] === this.actors) {
      this.stepEndS[k] = this.sim.now;
      this.control.onStepEnd?.(k + 1, this.stepsToRun);
    }
    // The first actor to finish step k decides for all whether step k + 1 runs (others have not begun it).
    if (this.stepDoneCount[k] === 1 && k + 1 < this.stepsToRun && this.control.continueAfter?.(k + 1) === false) {
      this.stepsToRun = k + 1;
    }
    if (k + 1 < this.stepsToRun) {
      this.step[a] = k + 1;
      this.beginStep(a);
    }
  }

  // ---- helpers ----------------------------------------------------------

  /**
   * Runs the group's collectives in parallel and calls `onDone` when all have
   * finished. Per position (EP all-to-all, PP): one collective per actor card
   * position, over the members' cards at that position (the same rail).
   * Merged (DP gradients): one per TP rank, over every member card holding
   * that TP rank's parameters (all its context-parallel positions).
   */
  private runPerTpRank(
    op: CollectiveRequest["op"],
    memberActors: readonly number[],
    sizeBytes: number,
    label: string,
    onDone: () => void,
    mergeContextParallel = false,
  ): void {
    if (memberActors.length <= 1 && (!mergeContextParallel || this.program.cardsPerActor === this.program.tp)) {
      this.sim.callAfter(0, label, onDone); // a group of one has nothing to exchange
      return;
    }
    const groupCards = this.groupCardsOf(memberActors, mergeContextParallel);
    let remaining = groupCards.length;
    const done = () => {
      if (--remaining === 0) onDone();
    };
    for (const cards of groupCards) this.comm.run({ op, cards, sizeBytes, label }, done);
  }

  /**
   * Card lists of a group's collectives (see runPerTpRank), built once per
   * group and reused, so the collectives can recognise repeated requests.
   */
  private groupCardsOf(memberActors: readonly number[], mergeContextParallel: boolean): number[][] {
    const key = `${mergeContextParallel ? "m" : "p"}:${memberActors[0]}:${memberActors.length}:${memberActors[1] ?? -1}`;
    let lists = this.groupCardsCache.get(key);
    if (lists === undefined) {
      const width = this.program.cardsPerActor;
      const groups = mergeContextParallel ? this.program.tp : width;
      lists = Array.from({ length: groups }, () => [] as number[]);
      for (const m of memberActors) {
        const cards = this.program.actorCards(m);
        for (let pos = 0; pos < width; pos++) lists[pos % groups]?.push(cards[pos] as number);
      }
      this.groupCardsCache.set(key, lists);
    }
    return lists;
  }

  private addTime(a: number, c: TimeCategory, s: number): void {
    const i = a * TIME_CATEGORIES.length + TIME_CATEGORIES.indexOf(c);
    this.acc[i] = (this.acc[i] as number) + s;
  }
}
