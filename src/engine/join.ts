/**
 * A countdown join: fires once when `count` predecessors have arrived. It
 * calls `onDone` synchronously from the event in which the last predecessor
 * arrives, so the time it fires is that event's time.
 */
export class Join {
  private remaining: number;
  private fired = false;

  constructor(
    count: number,
    private readonly onDone: () => void,
    private readonly name = "join",
  ) {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`${name}: count must be an integer >= 0, found ${count}`);
    }
    this.remaining = count;
    if (count === 0) this.fire();
  }

  get pending(): number {
    return this.remaining;
  }

  get done(): boolean {
    return this.fired;
  }

  /** One predecessor is done. */
  arrive(): void {
    if (this.fired) throw new RangeError(`${this.name}: arrival after the join already fired`);
    this.remaining--;
    if (this.remaining === 0) this.fire();
  }

  private fire(): void {
    this.fired = true;
    this.onDone();
  }
}
