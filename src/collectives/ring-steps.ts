import type { CollectiveContext } from "./context.js";
import type { Stage } from "./stage.js";

/**
 * Fine granularity ring: one flow per rank, channel and step, with the
 * ring's data dependency (rank i sends step s once it has sent step s-1 and
 * received step s-1 from its predecessor). For validation of the phase
 * model on small groups.
 */
export class RingSteps implements Stage {
  private sent: Int32Array = new Int32Array(0);
  private recvd: Int32Array = new Int32Array(0);
  private busy: Uint8Array = new Uint8Array(0);
  private pending = 0;
  private done: () => void = () => {};
  private readonly onFlow = (tag: number): void => this.flowDone(tag);

  /**
   * @param rings member cards of each ring (all rings the same length n)
   * @param vias PXN relay for the hop from position i to i+1 of each ring (-1 none)
   */
  constructor(
    private readonly ctx: CollectiveContext,
    private readonly rings: readonly Int32Array[],
    private readonly vias: readonly Int32Array[],
    private readonly steps: number,
    private readonly bytesPerStep: number,
  ) {}

  start(done: () => void): void {
    const n = this.rings[0]?.length ?? 0;
    const total = this.rings.length * n;
    this.sent = new Int32Array(total);
    this.recvd = new Int32Array(total);
    this.busy = new Uint8Array(total);
    this.pending = total * this.steps;
    this.done = done;
    if (this.pending === 0) {
      this.ctx.sim.callAfter(0, "collective empty ring", done);
      return;
    }
    for (let t = 0; t < total; t++) this.trySend(t);
  }

  private trySend(t: number): void {
    const s = this.sent[t] as number;
    if (this.busy[t] === 1 || s >= this.steps || (this.recvd[t] as number) < s) return;
    const n = (this.rings[0] as Int32Array).length;
    const c = Math.floor(t / n);
    const i = t - c * n;
    const ring = this.rings[c] as Int32Array;
    const src = ring[i] as number;
    const dst = ring[(i + 1) % n] as number;
    const via = (this.vias[c] as Int32Array)[i] as number;
    const ctx = this.ctx;
    const path = ctx.routeVia(src, via, dst, ctx.nextFlowId());
    this.busy[t] = 1;
    ctx.network.startFlow(path, this.bytesPerStep, this.onFlow, t, { messages: 1, overheadS: ctx.overheadS(src, dst) });
  }

  private flowDone(t: number): void {
    const n = (this.rings[0] as Int32Array).length;
    const c = Math.floor(t / n);
    const next = c * n + ((t - c * n + 1) % n);
    this.busy[t] = 0;
    this.sent[t] = (this.sent[t] as number) + 1;
    this.recvd[next] = (this.recvd[next] as number) + 1;
    if (--this.pending === 0) {
      this.done();
      return;
    }
    this.trySend(t);
    this.trySend(next);
  }
}
