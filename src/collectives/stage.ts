/**
 * A piece of a collective that runs on the network and calls `done` once,
 * in simulated time, when it has finished. Algorithms are built from
 * stages: flow phases (phase granularity), step-by-step rings and
 * chunk-pipelined trees (fine granularity), and sequences of these.
 */
export interface Stage {
  start(done: () => void): void;
}

/** Runs stages one after the other. */
export class Sequence implements Stage {
  constructor(private readonly stages: readonly Stage[]) {}

  start(done: () => void): void {
    let i = 0;
    const next = (): void => {
      const s = this.stages[i++];
      if (s === undefined) done();
      else s.start(next);
    };
    next();
  }
}

/** A tree (or chain) over group positions, for tree and pipelined-chain algorithms. */
export interface TreeSpec {
  /** Card at each position. */
  members: Int32Array;
  /** Parent position of each position; -1 at the root. */
  parent: Int32Array;
  /** PXN relay card for the edge between a position and its parent (in the data's direction); -1 none. */
  via: Int32Array;
}
