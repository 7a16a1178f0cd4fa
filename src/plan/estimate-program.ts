import type { CollectiveRequest } from "../collectives/types.js";
import { EventQueue } from "../engine/event-queue.js";
import { type Program, TaskKind, type TaskList } from "../system/program.js";

/** Closed-form time of a collective or point-to-point request on an idle network (the alpha-beta predictor). */
export type PredictRequestS = (req: CollectiveRequest) => number;

export interface ProgramEstimate {
  /** When the last task of replica 0 ends: the step time without contention or noise (s). */
  stepS: number;
  /** Seconds of chain time per category (summed over ranks), from the tasks' run categories. */
  chainS: Record<string, number>;
  /** Tasks evaluated (one replica: every rank's list once). */
  tasks: number;
}

/**
 * The screening tier of the plan search: the task graph the DES runs
 * (src/system/program.ts), evaluated for ONE replica in simulated time
 * without the engine's network: every task takes a fixed duration (compute
 * and scaled tasks their nominal seconds, delays their fraction, collectives
 * and sends the closed-form alpha-beta time of replica 0's group on an idle
 * network, the same predictor the collectives use to choose an algorithm),
 * and the executor's rules decide start times: a chain task starts after the
 * previous one and its cross-rank dependencies; an off-chain task when its
 * dependencies have fired; collectives on one stream one at a time, in the
 * order they become ready. Replicas are taken as identical (no noise), so
 * barriers across replicas add no wait. What it leaves out is contention
 * between flows (several collectives or sends sharing a link), which the
 * DES resolves max-min fairly; see docs/plan-search.md.
 *
 * The engine's event queue orders the start and end points; the cost is
 * O(T log T) in the tasks of one replica, with no allocation per task beyond
 * a few typed arrays.
 */
export function estimateProgram(p: Program, predict: PredictRequestS): ProgramEstimate {
  const lists = p.tasks;
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((t, r) => {
    offsets[r + 1] = (offsets[r] as number) + t.size;
  });
  const total = offsets[lists.length] as number;
  const need = new Int32Array(total);
  const readyS = new Float64Array(total);
  const startS = new Float64Array(total);
  lists.forEach((t, r) => {
    const base = offsets[r] as number;
    for (let i = 0; i < t.size; i++) {
      // Cross edges, plus the chain predecessor for every chain task but the first.
      need[base + i] = (t.need[i] as number) + ((t.chainPos[i] as number) > 0 ? 1 : 0);
    }
  });
  // The engine's own priority queue, keyed by (time, push order); the "handler" field holds READY or END.
  const queue = new EventQueue();
  let seq = 0;
  const push = (atS: number, g: number, kind: number) => queue.push(atS, seq++, kind, g);
  const streamFreeS = new Map<number, number>();
  const durations = taskDurations(p, predict);
  const catS = new Float64Array(256);
  const rankOfTask = new Int32Array(total);
  const isStreamed = new Uint8Array(total);
  lists.forEach((t, r) => {
    const base = offsets[r] as number;
    rankOfTask.fill(r, base, base + t.size);
    for (let i = 0; i < t.size; i++) {
      if ((t.stream[i] as number) >= 0 && (t.kind[i] as number) === TaskKind.Collective) isStreamed[base + i] = 1;
    }
  });

  // A task whose dependencies have all fired starts at once (its start fires its onStart edges, its end
  // goes on the heap), except a collective on a stream: it waits on the heap as READY, so the stream
  // takes collectives in the order they became ready. Releases only take maxima and count down, so the
  // order in which tasks of one instant are released does not change any time.
  const start = (g: number, atS: number) => {
    startS[g] = atS;
    fire(g, true, atS);
    push(atS + (durations[g] as number), g, END);
  };
  const release = (g: number, atS: number) => {
    if (atS > (readyS[g] as number)) readyS[g] = atS;
    const left = (need[g] as number) - 1;
    need[g] = left;
    if (left !== 0) return;
    if (isStreamed[g] === 1) push(readyS[g] as number, g, READY);
    else start(g, readyS[g] as number);
  };
  function fire(g: number, onStart: boolean, atS: number): void {
    const r = rankOfTask[g] as number;
    const t = lists[r] as TaskList;
    const i = g - (offsets[r] as number);
    const want = onStart ? 1 : 0;
    for (let e = t.edgeFirst[i] as number; e < (t.edgeFirst[i + 1] as number); e++) {
      if ((t.edgeOnStart[e] as number) !== want) continue;
      const toRank = (t.edgeRank[e] as number) < 0 ? r : (t.edgeRank[e] as number);
      release((offsets[toRank] as number) + (t.edgeTask[e] as number), atS);
    }
  }

  // The tasks with nothing to wait for, collected before any starts (a start releases others).
  const initial: number[] = [];
  for (let g = 0; g < total; g++) if (need[g] === 0) initial.push(g);
  for (const g of initial) {
    if (isStreamed[g] === 1) push(0, g, READY);
    else start(g, 0);
  }
  let stepS = 0;
  let done = 0;
  while (queue.settleTop()) {
    const slot = queue.topSlot();
    const timeS = queue.topTimeS();
    const kind = queue.handlerOf(slot);
    const g = queue.argOf(slot);
    queue.takeTop();
    const r = rankOfTask[g] as number;
    const t = lists[r] as TaskList;
    const i = g - (offsets[r] as number);
    if (kind === READY) {
      // Stream ids are per rank in the step graph; key them by rank too.
      const key = r * 1_000_003 + (t.stream[i] as number);
      const at = Math.max(timeS, streamFreeS.get(key) ?? 0);
      streamFreeS.set(key, at + (durations[g] as number));
      start(g, at);
    } else {
      done++;
      if (timeS > stepS) stepS = timeS;
      const pos = t.chainPos[i] as number;
      if (pos >= 0) {
        const c = t.runCat[i] as number;
        catS[c] = (catS[c] as number) + (timeS - (startS[g] as number));
        if (pos + 1 < t.chain.length) release((offsets[r] as number) + (t.chain[pos + 1] as number), timeS);
      }
      fire(g, false, timeS);
    }
    queue.finishTake();
  }
  if (done !== total) {
    throw new Error(`plan screening invariant violated: ${total - done} of ${total} tasks never became ready`);
  }
  const chainS: Record<string, number> = {};
  p.categories.forEach((name, c) => {
    if ((catS[c] as number) > 0) chainS[name] = catS[c] as number;
  });
  return { stepS, chainS, tasks: total };
}

const READY = 0;
const END = 1;

/** Each task's fixed duration for replica 0 (collectives and sends predicted once per distinct request). */
function taskDurations(p: Program, predict: PredictRequestS): Float64Array {
  const out = new Float64Array(p.tasks.reduce((s, t) => s + t.size, 0));
  const memo = new Map<string, number>();
  const sendMemo = new Map<number, Map<number, number>>();
  let g = 0;
  p.tasks.forEach((t, rank) => {
    for (let i = 0; i < t.size; i++, g++) {
      const kind = t.kind[i] as number;
      const slow = t.slowS[i] as number;
      const fixed = t.fixedS[i] as number;
      if (kind === TaskKind.Compute) out[g] = slow + fixed;
      else if (kind === TaskKind.Scaled) out[g] = slow;
      else if (kind === TaskKind.Delay) out[g] = (slow + fixed) * (t.fraction[i] as number);
      else if (kind === TaskKind.Send) out[g] = sendS(p, t, i, rank, predict, sendMemo);
      else out[g] = collectiveS(p, t, i, rank, predict, memo);
    }
  });
  return out;
}

/** Replica 0's send from rank to its peer, predicted; memoised by (rank, peer) and bytes (a pipeline repeats them). */
function sendS(
  p: Program,
  t: TaskList,
  i: number,
  rank: number,
  predict: PredictRequestS,
  memo: Map<number, Map<number, number>>,
) {
  const bytes = t.bytes[i] as number;
  const peer = t.peerRank[i] as number;
  const pair = rank * p.ranks + peer;
  let byBytes = memo.get(pair);
  if (byBytes === undefined) {
    byBytes = new Map();
    memo.set(pair, byBytes);
  }
  let s = byBytes.get(bytes);
  if (s === undefined) {
    const from = p.actorCards(rank)[0] as number;
    const to = p.actorCards(peer)[0] as number;
    s = !(bytes > 0) || from === to ? 0 : predict({ op: "sendrecv", cards: [from, to], sizeBytes: bytes });
    byBytes.set(bytes, s);
  }
  return s;
}

/** The executor's first card list of replica 0's group (runCollective / groupCards), predicted. */
function collectiveS(
  p: Program,
  t: TaskList,
  i: number,
  rank: number,
  predict: PredictRequestS,
  memo: Map<string, number>,
): number {
  const size = t.groupReplicas[i] as number;
  const modulo = t.positionModulo[i] as number;
  const block = t.positionBlock[i] as number;
  const op = t.op[i] as CollectiveRequest["op"];
  const bytes = t.bytes[i] as number;
  const key = `c:${rank}:${op}:${bytes}:${size}:${modulo}:${block}`;
  let s = memo.get(key);
  if (s !== undefined) return s;
  const width = p.cardsPerActor;
  const groups = block > 0 ? Math.ceil(width / block) : modulo > 0 ? modulo : width;
  const inFirst = (pos: number) => (block > 0 ? Math.floor(pos / block) : pos % groups) === 0;
  const cards: number[] = [];
  for (let m = 0; m < size; m++) {
    const actorCards = p.actorCards(m * p.ranks + rank);
    for (let pos = 0; pos < width; pos++) if (inFirst(pos)) cards.push(actorCards[pos] as number);
  }
  const matrix = op === "alltoall" ? p.alltoallTraffic?.(cards, bytes) : undefined;
  s = cards.length < 2 ? 0 : predict({ op, cards, sizeBytes: bytes, ...(matrix ? { sendBytesMatrix: matrix } : {}) });
  memo.set(key, s);
  return s;
}
