import type { Cluster } from "../cluster/types.js";
import { CollectiveRunner } from "../collectives/runner.js";
import type { CollectiveAlgo, CollectivePrediction, CollectiveRequest, Granularity } from "../collectives/types.js";
import type { Simulator } from "../engine/index.js";
import type { FlowNetwork } from "../network/flow-network.js";
import { SymmetricNetwork, SymmetryBroken } from "../network/symmetric-network.js";
import type { NetworkStats } from "../network/types.js";
import type { CollectiveRunner as CollectivePort } from "../system/ports.js";

export interface TrainingCommOptions {
  granularity: Granularity;
  /** Whether the automatic choice may run NVLS (scenario collectives.nvls; default false). */
  nvls?: boolean;
  algo: CollectiveAlgo;
  expertAllToAll: "simulated" | "predicted";
  /**
   * Simulate one representative of each group of copies: `copies` card
   * positions whose traffic is that of position 0 moved by `image` (see
   * SymmetricNetwork). Absent: every flow is simulated.
   */
  symmetry?: { copies: number; image: (card: number) => number };
}

/**
 * What a symmetric run did (`details.symmetry`), or why the run was not symmetric after all
 * (`off`: the reason, e.g. the first asymmetry found before or during the run).
 */
export type SymmetryReport = SymmetryCounts | { off: string };

export interface SymmetryCounts {
  copies: number;
  /** Collectives and sends run once for all copies. */
  replicatedCollectives: number;
  replicatedSends: number;
  /** Flows simulated standing for `copies` flows each, and flows standing for themselves. */
  representativeFlows: number;
  fullFlows: number;
}

/** The training executor's port to the collectives and the network, with its counters. */
export interface TrainingComm extends CollectivePort {
  /** Closed-form time of a collective (the step compiler's in-layer costs). */
  predict(req: CollectiveRequest): CollectivePrediction;
  /** Collectives and sends the step ran, copies included. */
  collectives(): number;
  sends(): number;
  network(): NetworkStats;
  symmetry(): SymmetryReport | undefined;
}

/**
 * Binds the training step's traffic to one flow network: collectives with
 * the scenario's algorithm and granularity, expert all-to-alls simulated or
 * at their closed form, sends as single flows. With `symmetry`, a group of
 * collectives or sends that are copies of one another under the card
 * permutation (`runAll`/`sendAll` from the executor) runs once through a
 * SymmetricNetwork, which checks the symmetry flow by flow and throws
 * SymmetryBroken where it does not hold (the caller reruns without).
 */
export function trainingComm(
  sim: Simulator,
  cluster: Cluster,
  network: FlowNetwork,
  options: TrainingCommOptions,
): TrainingComm {
  const runnerOptions = { granularity: options.granularity, nvls: options.nvls ?? false };
  let preflightFailure: string | undefined;
  let sym: SymmetricNetwork | undefined;
  if (options.symmetry) {
    sym = new SymmetricNetwork(network, options.symmetry.copies, options.symmetry.image);
    try {
      sym.preflight(cluster, options.symmetry.copies);
    } catch (err) {
      if (!(err instanceof SymmetryBroken)) throw err;
      preflightFailure = err.message;
      sym = undefined;
    }
  }
  const full = new CollectiveRunner(sim, cluster, sym ? sym.full : network, runnerOptions);
  const copies = sym ? sym.copies : 1;
  const rep = sym ? new CollectiveRunner(sim, sym.checkedCluster(cluster), sym.replicated, runnerOptions) : undefined;
  const orbitMemo = new WeakMap<readonly number[], Map<string, Orbits>>();
  let replicatedCollectives = 0;
  let replicatedSends = 0;

  const runOn = (runner: CollectiveRunner, req: CollectiveRequest, onDone: () => void) => {
    if (req.op === "alltoall" && options.expertAllToAll === "predicted") {
      sim.callAfter(runner.predict(req).timeS, req.label ?? "alltoall", onDone);
      return;
    }
    const algo = options.algo;
    runner.run(algo === "auto" || req.op === "sendrecv" || req.op === "alltoall" ? req : { ...req, algo }, onDone);
  };

  /** Request i's image: the request whose cards are request i's moved by the permutation (same bytes and traffic). */
  const imageOf = (reqs: readonly CollectiveRequest[], i: number): number => {
    const a = reqs[i] as CollectiveRequest;
    const first = (sym as SymmetricNetwork).image(a.cards[0] as number);
    for (let j = 0; j < reqs.length; j++) {
      const b = reqs[j] as CollectiveRequest;
      if (b.cards[0] !== first || b.op !== a.op || b.sizeBytes !== a.sizeBytes || b.cards.length !== a.cards.length) {
        continue;
      }
      let same = true;
      for (let c = 1; same && c < a.cards.length; c++) same = b.cards[c] === sym?.image(a.cards[c] as number);
      if (!same || !sameMatrix(a.sendBytesMatrix, b.sendBytesMatrix)) return -1;
      // A closed form prices each copy on its own links: equal by symmetry, checked rather than assumed.
      if (
        a.op === "alltoall" &&
        options.expertAllToAll === "predicted" &&
        full.predict(a).timeS !== full.predict(b).timeS
      ) {
        return -1;
      }
      return j;
    }
    return -1;
  };

  /**
   * Requests in orbits (one representative each) and the rest, memoised by the group's first cards
   * array (the executor reuses its arrays), the operation and the size (which fix the traffic).
   */
  const split = (reqs: readonly CollectiveRequest[]): Orbits => {
    const first = reqs[0] as CollectiveRequest;
    const key = `${first.op}:${first.sizeBytes}`;
    let byKey = orbitMemo.get(first.cards);
    const known = byKey?.get(key);
    if (known !== undefined && known.size === reqs.length) return known;
    const found = orbits(reqs.length, copies, (i) => imageOf(reqs, i));
    if (byKey === undefined) {
      byKey = new Map();
      orbitMemo.set(first.cards, byKey);
    }
    byKey.set(key, found);
    return found;
  };

  /** Whether send j is send 0 moved j times by the permutation, for every j. */
  const isOneOrbit = (src: readonly number[], dst: readonly number[]): boolean => {
    const image = (sym as SymmetricNetwork).image;
    for (let j = 1; j < src.length; j++) {
      if (src[j] !== image(src[j - 1] as number) || dst[j] !== image(dst[j - 1] as number)) return false;
    }
    return image(src[src.length - 1] as number) === src[0];
  };

  return {
    run: (req, onDone) => runOn(full, req, onDone),
    send: (src, dst, bytes, onDone, label) => full.send(src, dst, bytes, onDone, label),
    runAll(reqs, onDone) {
      const found = rep && reqs.length >= copies ? split(reqs) : undefined;
      if (rep === undefined || found === undefined || found.representatives.length === 0) {
        const done = countdown(reqs.length, onDone);
        for (const req of reqs) runOn(full, req, done);
        return;
      }
      const done = countdown(found.representatives.length + found.rest.length, onDone);
      replicatedCollectives += found.representatives.length;
      for (const i of found.representatives) runOn(rep, reqs[i] as CollectiveRequest, done);
      for (const i of found.rest) runOn(full, reqs[i] as CollectiveRequest, done);
    },
    sendAll(src, dst, bytes, onDone, label) {
      if (rep && src.length === copies && isOneOrbit(src, dst)) {
        // The common case, one orbit in position order: no search, no allocation.
        replicatedSends++;
        rep.send(src[0] as number, dst[0] as number, bytes, onDone, label);
        return;
      }
      const imageOfSend = (i: number) => {
        const s = sym?.image(src[i] as number);
        const d = sym?.image(dst[i] as number);
        for (let j = 0; j < src.length; j++) if (src[j] === s && dst[j] === d) return j;
        return -1;
      };
      const found = rep && src.length >= copies ? orbits(src.length, copies, imageOfSend) : undefined;
      const done = countdown(found ? found.representatives.length + found.rest.length : src.length, onDone);
      if (rep === undefined || found === undefined) {
        for (let i = 0; i < src.length; i++) full.send(src[i] as number, dst[i] as number, bytes, done, label);
        return;
      }
      replicatedSends += found.representatives.length;
      for (const i of found.representatives) rep.send(src[i] as number, dst[i] as number, bytes, done, label);
      for (const i of found.rest) full.send(src[i] as number, dst[i] as number, bytes, done, label);
    },
    predict: (req) => full.predict(req),
    collectives: () => full.count + (rep ? rep.count * copies : 0),
    sends: () => full.sends + (rep ? rep.sends * copies : 0),
    network: () => network.stats(),
    symmetry: () => {
      if (preflightFailure !== undefined) return { off: `asymmetric topology: ${preflightFailure}` };
      return sym ? { copies, replicatedCollectives, replicatedSends, ...sym.counts() } : undefined;
    },
  };
}

/** A callback that calls `onDone` on its n-th call. */
function countdown(n: number, onDone: () => void): () => void {
  let remaining = n;
  return () => {
    if (--remaining === 0) onDone();
  };
}

function sameMatrix(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Items split into whole orbits of the permutation (one representative each) and the rest. */
interface Orbits {
  size: number;
  representatives: number[];
  rest: number[];
}

/**
 * Splits items 0..n-1 into cycles of `image` (the index of an item's image, -1: none): a cycle of
 * exactly `copies` distinct items is an orbit, represented by its first item; every item of a
 * shorter, longer or broken cycle is simulated on its own.
 */
export function orbits(n: number, copies: number, image: (i: number) => number): Orbits {
  const state = new Int8Array(n); // 0 unseen, 1 in an orbit, 2 on its own
  const representatives: number[] = [];
  const rest: number[] = [];
  const cycle: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    cycle.length = 0;
    let j = i;
    let ok = true;
    for (let step = 0; step < copies; step++) {
      if (j < 0 || state[j] !== 0 || cycle.includes(j)) {
        ok = false;
        break;
      }
      cycle.push(j);
      j = image(j);
    }
    ok &&= j === i;
    if (ok) {
      representatives.push(i);
      for (const c of cycle) state[c] = 1;
    } else {
      state[i] = 2;
      rest.push(i);
    }
  }
  return { size: n, representatives, rest };
}
