import type { HandlerId, Simulator } from "./simulator.js";

/**
 * A FIFO resource with `capacity` identical servers (a compute stream, a DMA
 * engine). A job holds one server for its service time; jobs that find every
 * server busy wait in arrival order. On completion `handler(arg)` is scheduled
 * at the completion time. Queues live in growable typed ring buffers.
 */
export class Resource {
  private busy = 0;
  private readonly doneHandler: HandlerId;
  private qService: Float64Array;
  private qHandler: Int32Array;
  private qArg: Float64Array;
  private head = 0;
  private count = 0;
  private busyTimeS = 0;
  private readonly held: Array<() => void> = [];

  // Completion bookkeeping: a server finishing job -> next job starts.
  private readonly finishFree: number[] = [];
  private finishSlotHandler: Int32Array;
  private finishSlotArg: Float64Array;

  constructor(
    private readonly sim: Simulator,
    readonly name: string,
    readonly capacity = 1,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`resource '${name}': capacity must be an integer >= 1, found ${capacity}`);
    }
    this.qService = new Float64Array(16);
    this.qHandler = new Int32Array(16);
    this.qArg = new Float64Array(16);
    this.finishSlotHandler = new Int32Array(capacity);
    this.finishSlotArg = new Float64Array(capacity);
    for (let i = capacity - 1; i >= 0; i--) this.finishFree.push(i);
    this.doneHandler = sim.handler(`resource '${name}' done`, (slot) => this.onDone(slot));
  }

  /** Servers currently busy. */
  get inUse(): number {
    return this.busy;
  }

  /** Jobs waiting for a server. */
  get queued(): number {
    return this.count;
  }

  /** Total server-seconds of service started so far. */
  get busySeconds(): number {
    return this.busyTimeS;
  }

  /** Submits a job of `serviceS` seconds; `handler(arg)` runs when it completes. */
  submit(serviceS: number, handler: HandlerId, arg = 0): void {
    if (!(serviceS >= 0) || serviceS === Number.POSITIVE_INFINITY) {
      throw new RangeError(`resource '${this.name}': service time must be finite and >= 0 s, found ${serviceS}`);
    }
    if (this.busy < this.capacity) {
      this.start(serviceS, handler, arg);
      return;
    }
    if (this.count === this.qService.length) this.growQueue();
    const tail = (this.head + this.count) % this.qService.length;
    this.qService[tail] = serviceS;
    this.qHandler[tail] = handler;
    this.qArg[tail] = arg;
    this.count++;
  }

  private start(serviceS: number, handler: number, arg: number): void {
    const slot = this.finishFree.pop() as number;
    this.finishSlotHandler[slot] = handler;
    this.finishSlotArg[slot] = arg;
    this.busy++;
    this.busyTimeS += serviceS;
    this.sim.after(serviceS, this.doneHandler, slot);
  }

  private onDone(slot: number): void {
    const handler = this.finishSlotHandler[slot] as HandlerId;
    const arg = this.finishSlotArg[slot] as number;
    this.finishFree.push(slot);
    this.busy--;
    if (this.count > 0) {
      const h = this.head;
      this.head = (h + 1) % this.qService.length;
      this.count--;
      this.start(this.qService[h] as number, this.qHandler[h] as number, this.qArg[h] as number);
    }
    this.sim.after(0, handler, arg);
  }

  /**
   * Holds a server for a job of unknown length (a collective on an ordered
   * stream): `onGranted` runs at once when a server is free, else when one
   * is released, in request order. The holder calls `release()` when done.
   * Held jobs and `submit` jobs queue separately; a resource serves one kind.
   */
  acquire(onGranted: () => void): void {
    if (this.busy < this.capacity) {
      this.busy++;
      onGranted();
      return;
    }
    this.held.push(onGranted);
  }

  /** Frees a server taken by `acquire`; the next waiting request (if any) takes it at once. */
  release(): void {
    if (this.busy === 0) throw new RangeError(`resource '${this.name}': release without a held server`);
    const next = this.held.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.busy--;
  }

  private growQueue(): void {
    const cap = this.qService.length * 2;
    const s = new Float64Array(cap);
    const h = new Int32Array(cap);
    const a = new Float64Array(cap);
    for (let i = 0; i < this.count; i++) {
      const j = (this.head + i) % this.qService.length;
      s[i] = this.qService[j] as number;
      h[i] = this.qHandler[j] as number;
      a[i] = this.qArg[j] as number;
    }
    this.qService = s;
    this.qHandler = h;
    this.qArg = a;
    this.head = 0;
  }
}
