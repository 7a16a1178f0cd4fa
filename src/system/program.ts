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
  /**
   * Bytes from card i to card j (row-major over `cards`) of an alltoall task
   * of `sizeBytes` per card on those cards; absent or undefined: uniform
   * (sizeBytes / n to each card).
   */
  alltoallTraffic?(cards: readonly number[], sizeBytes: number): ArrayLike<number> | undefined;
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

  /** Packs the tasks; `needOf(task)` counts edges into it from every rank's builder. One pass per array. */
  finish(incoming: (task: number) => number): TaskList {
    const n = this.specs.length;
    const s = this.specs;
    const kind = new Uint8Array(n);
    const slowS = new Float64Array(n);
    const fixedS = new Float64Array(n);
    const fraction = new Float64Array(n);
    const bytes = new Float64Array(n);
    const groupReplicas = new Int32Array(n);
    const positionModulo = new Int32Array(n);
    const positionBlock = new Int32Array(n);
    const stream = new Int32Array(n);
    const peerRank = new Int32Array(n);
    const waitCat = new Uint8Array(n);
    const runCat = new Uint8Array(n);
    const partFirst = new Int32Array(n + 1);
    const chainPos = new Int32Array(n).fill(-1);
    const need = new Int32Array(n);
    const op: (CollectiveOp | undefined)[] = new Array(n);
    const label: string[] = new Array(n);
    const chain: number[] = [];
    let parts = 0;
    for (let i = 0; i < n; i++) {
      const t = s[i] as TaskSpec;
      kind[i] = t.kind;
      slowS[i] = t.slowS ?? 0;
      fixedS[i] = t.fixedS ?? 0;
      fraction[i] = t.fraction ?? 1;
      bytes[i] = t.bytes ?? 0;
      groupReplicas[i] = t.groupReplicas ?? 1;
      positionModulo[i] = t.positionModulo ?? 0;
      positionBlock[i] = t.positionBlock ?? 0;
      stream[i] = t.stream ?? -1;
      peerRank[i] = t.peerRank ?? -1;
      waitCat[i] = t.waitCat ?? NO_CATEGORY;
      runCat[i] = t.runCat ?? NO_CATEGORY;
      op[i] = t.op;
      label[i] = t.label;
      parts += t.parts?.length ?? 0;
      partFirst[i + 1] = parts;
      if (t.chain) {
        chainPos[i] = chain.length;
        chain.push(i);
      }
      need[i] = incoming(i);
    }
    const partCat = new Uint8Array(parts);
    const partS = new Float64Array(parts);
    for (let i = 0, k = 0; i < n; i++) {
      for (const [c, x] of (s[i] as TaskSpec).parts ?? []) {
        partCat[k] = c;
        partS[k++] = x;
      }
    }
    // Edges grouped by source task, in insertion order within a task (a stable counting sort).
    const edges = this.edges;
    const edgeFirst = new Int32Array(n + 1);
    for (const e of edges) edgeFirst[e.from + 1] = (edgeFirst[e.from + 1] as number) + 1;
    for (let i = 0; i < n; i++) edgeFirst[i + 1] = (edgeFirst[i + 1] as number) + (edgeFirst[i] as number);
    const fill = edgeFirst.slice(0, n);
    const edgeTask = new Int32Array(edges.length);
    const edgeRank = new Int32Array(edges.length);
    const edgeOnStart = new Uint8Array(edges.length);
    for (const e of edges) {
      const at = fill[e.from] as number;
      fill[e.from] = at + 1;
      edgeTask[at] = e.to;
      edgeRank[at] = e.rank;
      edgeOnStart[at] = e.onStart ? 1 : 0;
    }
    return {
      size: n,
      kind,
      slowS,
      fixedS,
      fraction,
      bytes,
      op,
      groupReplicas,
      positionModulo,
      positionBlock,
      stream,
      peerRank,
      waitCat,
      runCat,
      partFirst,
      partCat,
      partS,
      label,
      chain: Int32Array.from(chain),
      chainPos,
      need,
      edgeFirst,
      edgeTask,
      edgeRank,
      edgeOnStart,
    };
  }

  /** Adds this builder's edges to `incoming[rank][task]` (its own rank `ownRank` for edges with rank -1). */
  countEdgesInto(ownRank: number, incoming: readonly Int32Array[]): void {
    for (const e of this.edges) {
      const counts = incoming[e.rank === -1 ? ownRank : e.rank];
      if (counts !== undefined) counts[e.to] = (counts[e.to] as number) + 1;
    }
  }
}

/** Packs every rank's builder, counting each task's incoming edges over all ranks (one pass over the edges). */
export function finishTaskLists(builders: readonly TaskListBuilder[]): TaskList[] {
  const incoming = builders.map((b) => new Int32Array(b.size));
  builders.forEach((b, from) => {
    b.countEdgesInto(from, incoming);
  });
  return builders.map((b, rank) => b.finish((t) => (incoming[rank] as Int32Array)[t] ?? 0));
}
