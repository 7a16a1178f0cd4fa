import type { CollectiveOp } from "../collectives/types.js";

/**
 * The contract between a workload and the system layer: a program of tasks
 * per pipeline rank, shared by every replica (actor) that runs it. An actor
 * is a group of cards in lock step (its cards are `actorCards(actor)`); actor
 * index = replica * ranks + rank.
 *
 * Each actor walks its rank's `chain` in order: a chain task starts when the
 * one before it has ended and its cross-dependencies (`need`, counted per
 * step) have arrived. Tasks off the chain start as soon as their
 * dependencies have arrived. An edge from task i goes to a task of the same
 * actor (rank -1) or of the actor of the same replica on another rank; it
 * fires when i starts (`onStart`) or ends. Task kinds:
 * - compute: `slowS` at the actor's speed (noise drawn per task) plus
 *   `fixedS`, booked in parts (`parts`: category and seconds);
 * - scaled: `slowS` times the actor's persistent slowdown, no noise draw;
 * - delay: a timer of (slowS · slowdown + fixedS) · fraction, off the chain;
 * - collective: `op` of `bytes` per card over the `groupReplicas` consecutive
 *   replicas of the group (a keyed barrier, then one collective per card
 *   position, per position modulo `positionModulo`, or per block of
 *   `positionBlock` positions), on ordered `stream` (or -1);
 * - send: `bytes` from each card of the actor to the same position of the
 *   actor at `peerRank`.
 * Time between the end of a chain task and the start of the next is booked
 * to the next one's `waitCat`, a task's own time to `runCat` (indices into
 * the category list; NO_CATEGORY books nothing).
 */
export const TaskKind = { Compute: 0, Scaled: 1, Delay: 2, Collective: 3, Send: 4 } as const;
export type TaskKindCode = (typeof TaskKind)[keyof typeof TaskKind];

export const NO_CATEGORY = 255;

export interface TaskList {
  size: number;
  kind: Uint8Array;
  slowS: Float64Array;
  fixedS: Float64Array;
  fraction: Float64Array;
  bytes: Float64Array;
  op: readonly (CollectiveOp | undefined)[];
  groupReplicas: Int32Array;
  /** Collective: 0 = one per card position; m > 0 = one per position modulo m (positions merged). */
  positionModulo: Int32Array;
  /** Collective: b > 0 = one per block of b consecutive positions of each member (a group inside the actor). */
  positionBlock: Int32Array;
  stream: Int32Array;
  peerRank: Int32Array;
  waitCat: Uint8Array;
  runCat: Uint8Array;
  /** Booking of a compute task's fixed seconds: parts partFirst[i] .. partFirst[i + 1] - 1. */
  partFirst: Int32Array;
  partCat: Uint8Array;
  partS: Float64Array;
  label: readonly string[];
  /** Chain tasks in order. */
  chain: Int32Array;
  /** Position of each task in the chain, -1 when off the chain. */
  chainPos: Int32Array;
  /** Cross-dependencies a task waits for, per step. */
  need: Int32Array;
  /** Outgoing edges of task i: indices edgeFirst[i] .. edgeFirst[i + 1] - 1. */
  edgeFirst: Int32Array;
  edgeTask: Int32Array;
  edgeRank: Int32Array;
  edgeOnStart: Uint8Array;
}

export interface Program {
  ranks: number;
  replicas: number;
  cardsPerActor: number;
  tasks: readonly TaskList[];
  actorCards(actor: number): readonly number[];
  /** Category names, in index order (for records and errors). */
  categories: readonly string[];
  /** Where the noise of compute tasks (actual - nominal seconds) is booked. */
  noiseCategory: number;
}

export interface TaskSpec {
  kind: TaskKindCode;
  label: string;
  chain: boolean;
  slowS?: number;
  fixedS?: number;
  fraction?: number;
  bytes?: number;
  op?: CollectiveOp;
  groupReplicas?: number;
  positionModulo?: number;
  positionBlock?: number;
  stream?: number;
  peerRank?: number;
  waitCat?: number;
  runCat?: number;
  /** Compute: how `fixedS` is booked, by category (their sum should be fixedS). */
  parts?: ReadonlyArray<readonly [number, number]>;
}

interface EdgeSpec {
  from: number;
  to: number;
  rank: number;
  onStart: boolean;
}

/** Accumulates one rank's tasks and edges; `finish()` packs them into typed arrays. */
export class TaskListBuilder {
  private readonly specs: TaskSpec[] = [];
  private readonly edges: EdgeSpec[] = [];

  get size(): number {
    return this.specs.length;
  }

  add(spec: TaskSpec): number {
    this.specs.push(spec);
    return this.specs.length - 1;
  }

  /** An edge from task `from` (its start or end) to task `to` of the actor at `rank` (-1: the same actor). */
  edge(from: number, to: number, opts: { rank?: number; onStart?: boolean } = {}): void {
    this.edges.push({ from, to, rank: opts.rank ?? -1, onStart: opts.onStart ?? false });
  }

  /** Packs the tasks; `needOf(task)` counts edges into it from every rank's builder. */
  finish(incoming: (task: number) => number): TaskList {
    const n = this.specs.length;
    const s = this.specs;
    const num = (f: (t: TaskSpec) => number | undefined, dflt: number) => s.map((t) => f(t) ?? dflt);
    const chain = s.flatMap((t, i) => (t.chain ? [i] : []));
    const chainPos = new Int32Array(n).fill(-1);
    chain.forEach((t, k) => {
      chainPos[t] = k;
    });
    const sorted = this.edges.map((e, i) => ({ e, i })).sort((x, y) => x.e.from - y.e.from || x.i - y.i);
    const edgeFirst = new Int32Array(n + 1);
    for (const { e } of sorted) edgeFirst[e.from + 1] = (edgeFirst[e.from + 1] as number) + 1;
    for (let i = 0; i < n; i++) edgeFirst[i + 1] = (edgeFirst[i + 1] as number) + (edgeFirst[i] as number);
    return {
      size: n,
      kind: Uint8Array.from(s.map((t) => t.kind)),
      slowS: Float64Array.from(num((t) => t.slowS, 0)),
      fixedS: Float64Array.from(num((t) => t.fixedS, 0)),
      fraction: Float64Array.from(num((t) => t.fraction, 1)),
      bytes: Float64Array.from(num((t) => t.bytes, 0)),
      op: s.map((t) => t.op),
      groupReplicas: Int32Array.from(num((t) => t.groupReplicas, 1)),
      positionModulo: Int32Array.from(num((t) => t.positionModulo, 0)),
      positionBlock: Int32Array.from(num((t) => t.positionBlock, 0)),
      stream: Int32Array.from(num((t) => t.stream, -1)),
      peerRank: Int32Array.from(num((t) => t.peerRank, -1)),
      waitCat: Uint8Array.from(num((t) => t.waitCat, NO_CATEGORY)),
      runCat: Uint8Array.from(num((t) => t.runCat, NO_CATEGORY)),
      partFirst: Int32Array.from([0, ...cumulative(s.map((t) => t.parts?.length ?? 0))]),
      partCat: Uint8Array.from(s.flatMap((t) => (t.parts ?? []).map(([c]) => c))),
      partS: Float64Array.from(s.flatMap((t) => (t.parts ?? []).map(([, x]) => x))),
      label: s.map((t) => t.label),
      chain: Int32Array.from(chain),
      chainPos,
      need: Int32Array.from(Array.from({ length: n }, (_, i) => incoming(i))),
      edgeFirst,
      edgeTask: Int32Array.from(sorted.map(({ e }) => e.to)),
      edgeRank: Int32Array.from(sorted.map(({ e }) => e.rank)),
      edgeOnStart: Uint8Array.from(sorted.map(({ e }) => (e.onStart ? 1 : 0))),
    };
  }

  /** Edges of this builder into tasks of `rank` (this builder's own rank when rank is -1), for counting `need`. */
  edgesInto(ownRank: number, rank: number): readonly number[] {
    return this.edges.filter((e) => (e.rank === -1 ? ownRank : e.rank) === rank).map((e) => e.to);
  }
}

function cumulative(xs: readonly number[]): number[] {
  let sum = 0;
  return xs.map((x) => {
    sum += x;
    return sum;
  });
}

/** Packs every rank's builder, counting each task's incoming edges over all ranks. */
export function finishTaskLists(builders: readonly TaskListBuilder[]): TaskList[] {
  const incoming = builders.map(() => new Map<number, number>());
  builders.forEach((b, from) => {
    for (let rank = 0; rank < builders.length; rank++) {
      for (const to of b.edgesInto(from, rank)) {
        const m = incoming[rank] as Map<number, number>;
        m.set(to, (m.get(to) ?? 0) + 1);
      }
    }
  });
  return builders.map((b, rank) => b.finish((t) => (incoming[rank] as Map<number, number>).get(t) ?? 0));
}
