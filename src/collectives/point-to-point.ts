import type { CollectiveContext } from "./context.js";

/**
 * Point-to-point sends (pipeline activations and gradients) as single flows
 * straight on the network: no group validation, no phase objects, nothing
 * allocated per send once the callback table has grown. Each send pays the
 * launch latency plus the per-message overhead and path latency (the flow
 * model adds those), like an NCCL send/recv pair.
 */
export class PointToPoint {
  private readonly callbacks: Array<(() => void) | undefined> = [];
  private readonly free: number[] = [];
  private readonly onFlowDone: (tag: number) => void;
  private sent = 0;

  constructor(
    private readonly ctx: CollectiveContext,
    private readonly launchS: number,
  ) {
    this.onFlowDone = (tag) => {
      const cb = this.callbacks[tag];
      this.callbacks[tag] = undefined;
      this.free.push(tag);
      cb?.();
    };
  }

  /** Sends so far. */
  get count(): number {
    return this.sent;
  }

  send(src: number, dst: number, sizeBytes: number, onDone: () => void, label?: string): void {
    if (!(sizeBytes > 0) || src === dst) {
      this.ctx.sim.callAfter(0, label ?? "send", onDone);
      return;
    }
    const tag = this.free.pop() ?? this.callbacks.length;
    this.callbacks[tag] = onDone;
    this.sent++;
    const path = this.ctx.routeVia(src, -1, dst, this.ctx.nextFlowId());
    this.ctx.network.startFlow(path, sizeBytes, this.onFlowDone, tag, {
      messages: 1,
      overheadS: this.ctx.overheadS(src, dst) + this.launchS,
      ...(label === undefined ? {} : { label }),
    });
  }
}
