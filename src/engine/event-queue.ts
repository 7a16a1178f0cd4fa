/**
 * Pending-event priority queue: a 4-ary min-heap over typed arrays, keyed by
 * (timeS, sequence). Each pending event lives in a pooled slot (handler, arg,
 * sequence, generation); the heap holds (time, slot) pairs. No allocation per
 * event once the arrays have grown to the working size.
 *
 * Cancellation is lazy: a cancelled slot is marked dead and discarded when it
 * reaches the top; when dead entries outnumber live ones the heap is rebuilt
 * (O(n)), so memory stays bounded by twice the live count.
 *
 * Taking the top is split in two (takeTop / finishTake) so that the common
 * case of an event that schedules one successor costs one sift-down instead
 * of a sift-down plus a sift-up.
 */

const INITIAL_CAPACITY = 1024;
const DEAD = -1;
const COMPACT_MIN_DEAD = 1024;

export class EventQueue {
  // Heap arrays, indexed by heap position.
  private heapTimeS: Float64Array;
  private heapSlot: Int32Array;
  private size = 0;
  /** Root logically taken but still in place; the next push may fill it. */
  private rootIsHole = false;
  private deadCount = 0;

  // Slot arrays, indexed by slot id.
  private slotHandler: Int32Array; // DEAD once cancelled
  private slotArg: Float64Array;
  private slotSeq: Float64Array;
  private slotGeneration: Int32Array;
  private slotInHeap: Uint8Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    const cap = Math.max(4, initialCapacity);
    this.heapTimeS = new Float64Array(cap);
    this.heapSlot = new Int32Array(cap);
    this.slotHandler = new Int32Array(cap);
    this.slotArg = new Float64Array(cap);
    this.slotSeq = new Float64Array(cap);
    this.slotGeneration = new Int32Array(cap);
    this.slotInHeap = new Uint8Array(cap);
    this.freeSlots = new Int32Array(cap);
  }

  /** Live (not cancelled, not taken) events. */
  get length(): number {
    return this.size - this.deadCount - (this.rootIsHole ? 1 : 0);
  }

  /**
   * Discards cancelled events at the top; returns false when no live event is
   * left. After it returns true, the top is live.
   */
  settleTop(): boolean {
    while (this.size > 0) {
      const slot = this.heapSlot[0] as number;
      if (this.slotHandler[slot] !== DEAD) return true;
      this.deadCount--;
      this.releaseSlot(slot);
      this.removeAt(0);
    }
    return false;
  }

  /** Time of the top entry (call settleTop first). */
  topTimeS(): number {
    return this.heapTimeS[0] as number;
  }

  topSlot(): number {
    return this.heapSlot[0] as number;
  }

  handlerOf(slot: number): number {
    return this.slotHandler[slot] as number;
  }

  argOf(slot: number): number {
    return this.slotArg[slot] as number;
  }

  generationOf(slot: number): number {
    return this.slotGeneration[slot] as number;
  }

  /** Inserts an event; returns its slot id (valid until the event runs or is cancelled). */
  push(timeS: number, seq: number, handler: number, arg: number): number {
    const slot = this.allocSlot();
    this.slotHandler[slot] = handler;
    this.slotArg[slot] = arg;
    this.slotSeq[slot] = seq;
    this.slotInHeap[slot] = 1;
    if (this.rootIsHole) {
      // timeS >= the hole's time, which is <= every other key: sift down from the root.
      this.rootIsHole = false;
      this.siftDown(0, timeS, seq, slot);
      return slot;
    }
    if (this.size === this.heapTimeS.length) this.growHeap();
    this.siftUp(this.size++, timeS, seq, slot);
    return slot;
  }

  /** Takes the (live) top out logically; read its fields first. Follow with finishTake(). */
  takeTop(): void {
    this.releaseSlot(this.heapSlot[0] as number);
    this.rootIsHole = true;
  }

  /** Ends a take: removes the root if no push has refilled it. Idempotent. */
  finishTake(): void {
    if (this.rootIsHole) {
      this.rootIsHole = false;
      this.removeAt(0);
    }
  }

  /** Cancels a pending event; false if the slot/generation is no longer pending. */
  cancel(slot: number, generation: number): boolean {
    if (slot < 0 || slot >= this.slotCount) return false;
    if (this.slotGeneration[slot] !== generation || this.slotInHeap[slot] === 0) return false;
    if (this.slotHandler[slot] === DEAD) return false;
    this.slotHandler[slot] = DEAD;
    this.deadCount++;
    if (!this.rootIsHole && this.deadCount >= COMPACT_MIN_DEAD && this.deadCount * 2 > this.size) {
      this.compact();
    }
    return true;
  }

  /** Rebuilds the heap without dead entries (Floyd's heapify, O(n)). */
  private compact(): void {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = this.heapSlot[i] as number;
      if (this.slotHandler[slot] === DEAD) {
        this.releaseSlot(slot);
        continue;
      }
      this.heapTimeS[n] = this.heapTimeS[i] as number;
      this.heapSlot[n] = slot;
      n++;
    }
    this.size = n;
    this.deadCount = 0;
    for (let i = (n - 2) >> 2; i >= 0; i--) {
      const slot = this.heapSlot[i] as number;
      this.siftDown(i, this.heapTimeS[i] as number, this.slotSeq[slot] as number, slot);
    }
  }

  private removeAt(pos: number): void {
    const last = --this.size;
    if (pos === last) return;
    const t = this.heapTimeS[last] as number;
    const s = this.heapSlot[last] as number;
    this.siftDown(pos, t, this.slotSeq[s] as number, s);
  }

  private siftUp(start: number, t: number, q: number, s: number): void {
    const times = this.heapTimeS;
    const seqs = this.slotSeq;
    const slots = this.heapSlot;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      const ps = slots[parent] as number;
      if (pt < t || (pt === t && (seqs[ps] as number) < q)) break;
      times[i] = pt;
      slots[i] = ps;
      i = parent;
    }
    times[i] = t;
    slots[i] = s;
  }

  /**
   * Places (t, q, s) into the hole at `start`, moving it down. Bottom-up
   * (Floyd's trick): walk the hole down the path of smallest children to a
   * leaf without comparing against the new key, then sift the key up from
   * there. A new event usually belongs near the bottom, so this saves one
   * hard-to-predict comparison per level.
   */
  private siftDown(start: number, t: number, q: number, s: number): void {
    const times = this.heapTimeS;
    const slots = this.heapSlot;
    const seqs = this.slotSeq;
    const n = this.size;
    let i = start;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      let bt = times[first] as number;
      if (first + 3 < n) {
        // Full node: a tournament of pairs (fewer dependent branches).
        const t1 = times[first + 1] as number;
        const t2 = times[first + 2] as number;
        const t3 = times[first + 3] as number;
        let b2 = first + 2;
        let bt2 = t2;
        if (t1 < bt || (t1 === bt && this.seqLess(first + 1, first))) {
          best = first + 1;
          bt = t1;
        }
        if (t3 < bt2 || (t3 === bt2 && this.seqLess(first + 3, b2))) {
          b2 = first + 3;
          bt2 = t3;
        }
        if (bt2 < bt || (bt2 === bt && this.seqLess(b2, best))) {
          best = b2;
          bt = bt2;
        }
      } else {
        for (let c = first + 1; c < n; c++) {
          const ct = times[c] as number;
          if (ct < bt || (ct === bt && this.seqLess(c, best))) {
            best = c;
            bt = ct;
          }
        }
      }
      times[i] = bt;
      slots[i] = slots[best] as number;
      i = best;
    }
    // The hole is at leaf i; sift the new key up, no higher than `start`.
    while (i > start) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      const ps = slots[parent] as number;
      if (pt < t || (pt === t && (seqs[ps] as number) < q)) break;
      times[i] = pt;
      slots[i] = ps;
      i = parent;
    }
    times[i] = t;
    slots[i] = s;
  }

  /** Whether the entry at heap position a was scheduled before the one at b. */
  private seqLess(a: number, b: number): boolean {
    return (this.slotSeq[this.heapSlot[a] as number] as number) < (this.slotSeq[this.heapSlot[b] as number] as number);
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    if (this.slotCount === this.slotHandler.length) this.growSlots();
    return this.slotCount++;
  }

  private releaseSlot(slot: number): void {
    this.slotInHeap[slot] = 0;
    this.slotGeneration[slot] = ((this.slotGeneration[slot] as number) + 1) & 0x7ffffff;
    this.freeSlots[this.freeCount++] = slot;
  }

  private growHeap(): void {
    const cap = this.heapTimeS.length * 2;
    this.heapTimeS = grow(this.heapTimeS, cap);
    this.heapSlot = grow(this.heapSlot, cap);
  }

  private growSlots(): void {
    const cap = this.slotHandler.length * 2;
    this.slotHandler = grow(this.slotHandler, cap);
    this.slotArg = grow(this.slotArg, cap);
    this.slotSeq = grow(this.slotSeq, cap);
    this.slotGeneration = grow(this.slotGeneration, cap);
    this.slotInHeap = grow(this.slotInHeap, cap);
    this.freeSlots = grow(this.freeSlots, cap);
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  return b;
}
