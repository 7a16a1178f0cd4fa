import { EventQueue } from "./event-queue.js";

/**
 * The discrete-event engine. Simulated time is a float64 count of seconds
 * from the start of the run (`now`). Events are ordered by (time, insertion
 * sequence), so events at equal times run in the order they were scheduled
 * and every run is bit-for-bit reproducible.
 *
 * Hot-path events carry a registered handler id and one numeric argument
 * (an entity index, a flow id): scheduling one allocates nothing. For
 * occasional events a closure can be scheduled with `callAt`/`callAfter`.
 *
 * No module-level state: any number of simulators can live in one process.
 */

/** Id of a handler registered with {@link Simulator.handler}. */
export type HandlerId = number & { readonly __brand: "HandlerId" };
/** Opaque reference to a scheduled event, for {@link Simulator.cancel}. */
export type EventHandle = number & { readonly __brand: "EventHandle" };

export interface RunOptions {
  /** Stop before the first event later than this time; `now` becomes this time. */
  untilS?: number;
  /** Stop after this many events (a guard against runaway models). */
  maxEvents?: number;
}

export interface RunStats {
  events: number;
  endTimeS: number;
}

/** Error thrown when a model asks the engine for something impossible. */
export class EngineError extends Error {
  override name = "EngineError";
}

// Handle = generation (27 bits, wrapped by the queue) * 2^26 + slot: below 2^53.
const SLOT_BITS = 2 ** 26;
const CLOSURE_HANDLER = 0;

export class Simulator {
  private readonly queue: EventQueue;
  private readonly handlers: Array<(arg: number) => void> = [];
  private readonly handlerNames: string[] = [];
  private readonly closures: Array<(() => void) | undefined> = [];
  private readonly closureNames: string[] = [];
  private closureFree: number[] = [];
  private nowS = 0;
  private seq = 0;
  private processed = 0;
  private runningHandler = -1;
  private runningArg = 0;
  private running = false;

  constructor(options: { initialCapacity?: number } = {}) {
    this.queue = new EventQueue(options.initialCapacity);
    // Handler 0 runs scheduled closures; its argument is the closure index.
    this.handlers.push((index) => {
      const fn = this.closures[index];
      this.closures[index] = undefined;
      this.closureFree.push(index);
      fn?.();
    });
    this.handlerNames.push("closure");
  }

  /** Current simulated time in seconds. */
  get now(): number {
    return this.nowS;
  }

  /** Number of pending events. */
  get pending(): number {
    return this.queue.length;
  }

  /** Number of events run so far. */
  get eventsProcessed(): number {
    return this.processed;
  }

  /** Registers a named handler; the name appears in error messages. */
  handler(name: string, fn: (arg: number) => void): HandlerId {
    this.handlers.push(fn);
    this.handlerNames.push(name);
    return (this.handlers.length - 1) as HandlerId;
  }

  /** Schedules `handler(arg)` at absolute time `timeS`. */
  at(timeS: number, handler: HandlerId, arg = 0): EventHandle {
    if (!(timeS >= this.nowS) || timeS === Number.POSITIVE_INFINITY) {
      this.rejectTime(timeS, "time", handler);
    }
    if (handler <= CLOSURE_HANDLER || handler >= this.handlers.length) {
      throw new EngineError(`schedule: unknown handler id ${handler}`);
    }
    return this.push(timeS, handler, arg);
  }

  /** Schedules `handler(arg)` after `delayS` seconds. */
  after(delayS: number, handler: HandlerId, arg = 0): EventHandle {
    if (!(delayS >= 0) || delayS === Number.POSITIVE_INFINITY) {
      this.rejectTime(delayS, "delay", handler);
    }
    if (handler <= CLOSURE_HANDLER || handler >= this.handlers.length) {
      throw new EngineError(`schedule: unknown handler id ${handler}`);
    }
    return this.push(this.nowS + delayS, handler, arg);
  }

  /** Schedules a closure at absolute time `timeS` (allocates; not for hot paths). */
  callAt(timeS: number, name: string, fn: () => void): EventHandle {
    if (!(timeS >= this.nowS) || timeS === Number.POSITIVE_INFINITY) {
      this.rejectTime(timeS, "time", CLOSURE_HANDLER, name);
    }
    const index = this.closureFree.pop() ?? this.closures.length;
    this.closures[index] = fn;
    this.closureNames[index] = name;
    return this.push(timeS, CLOSURE_HANDLER, index);
  }

  /** Schedules a closure after `delayS` seconds. */
  callAfter(delayS: number, name: string, fn: () => void): EventHandle {
    if (!(delayS >= 0) || delayS === Number.POSITIVE_INFINITY) {
      this.rejectTime(delayS, "delay", CLOSURE_HANDLER, name);
    }
    return this.callAt(this.nowS + delayS, name, fn);
  }

  /** Cancels a pending event. Returns false if it already ran or was cancelled. */
  cancel(handle: EventHandle): boolean {
    const slot = handle % SLOT_BITS;
    const generation = Math.floor(handle / SLOT_BITS);
    const isClosure = this.queue.handlerOf(slot) === CLOSURE_HANDLER;
    const index = this.queue.argOf(slot);
    if (!this.queue.cancel(slot, generation)) return false;
    if (isClosure) {
      this.closures[index] = undefined;
      this.closureFree.push(index);
    }
    return true;
  }

  /** Runs events in (time, sequence) order until the queue is empty or a limit is hit. */
  run(options: RunOptions = {}): RunStats {
    if (this.running) throw new EngineError("run: the simulator is already running (re-entrant run)");
    const untilS = options.untilS ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(untilS) || untilS < this.nowS) {
      throw new EngineError(`run: untilS must be a time >= now (${this.nowS} s), found ${untilS}`);
    }
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
    const queue = this.queue;
    const handlers = this.handlers;
    let count = 0;
    this.running = true;
    try {
      while (count < maxEvents && queue.settleTop()) {
        const t = queue.topTimeS();
        if (t > untilS) break;
        const slot = queue.topSlot();
        const h = queue.handlerOf(slot);
        const arg = queue.argOf(slot);
        queue.takeTop();
        this.nowS = t;
        this.runningHandler = h;
        this.runningArg = arg;
        (handlers[h] as (a: number) => void)(arg);
        queue.finishTake();
        count++;
      }
    } finally {
      queue.finishTake(); // no-op unless a handler threw mid-take
      this.running = false;
      this.runningHandler = -1;
      this.processed += count;
    }
    if (untilS !== Number.POSITIVE_INFINITY && count < maxEvents && untilS > this.nowS) {
      this.nowS = untilS;
    }
    return { events: count, endTimeS: this.nowS };
  }

  private push(timeS: number, handler: number, arg: number): EventHandle {
    const slot = this.queue.push(timeS, this.seq++, handler, arg);
    return (this.queue.generationOf(slot) * SLOT_BITS + slot) as EventHandle;
  }

  private rejectTime(value: number, what: "time" | "delay", handler: number, closureName?: string): never {
    const target = closureName ?? this.handlerNames[handler] ?? `#${handler}`;
    const problem =
      what === "delay"
        ? `delay must be a finite number >= 0 s, found ${value}`
        : `time must be finite and >= now (${this.nowS} s), found ${value}`;
    throw new EngineError(`schedule '${target}': ${problem} (${this.describeCaller()})`);
  }

  private describeCaller(): string {
    if (this.runningHandler < 0) return "called outside any event";
    const name =
      this.runningHandler === CLOSURE_HANDLER
        ? `closure '${this.closureNames[this.runningArg] ?? "?"}'`
        : `handler '${this.handlerNames[this.runningHandler]}' (arg ${this.runningArg})`;
    return `called from ${name} at t=${this.nowS} s`;
  }
}
