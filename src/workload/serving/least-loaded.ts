/**
 * The least-loaded member of a pool in O(log n): an indexed binary min-heap
 * of member indices ordered by (load, index), so ties go to the lowest index
 * (the order a linear scan would give). Call `update(i)` whenever member i's
 * load changes.
 */
export class LeastLoaded {
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;

  constructor(
    size: number,
    private readonly load: (i: number) => number,
  ) {
    this.heap = Int32Array.from({ length: size }, (_, i) => i);
    this.pos = Int32Array.from({ length: size }, (_, i) => i);
  }

  /** The member with the least load (lowest index among equals). */
  peek(): number {
    return this.heap[0] as number;
  }

  /** Restores the order after member i's load changed. */
  update(i: number): void {
    const at = this.pos[i] as number;
    if (!this.up(at)) this.down(at);
  }

  private less(a: number, b: number): boolean {
    const la = this.load(a);
    const lb = this.load(b);
    return la < lb || (la === lb && a < b);
  }

  private swap(x: number, y: number): void {
    const a = this.heap[x] as number;
    const b = this.heap[y] as number;
    this.heap[x] = b;
    this.heap[y] = a;
    this.pos[b] = x;
    this.pos[a] = y;
  }

  private up(at: number): boolean {
    let k = at;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(this.heap[k] as number, this.heap[parent] as number)) break;
      this.swap(k, parent);
      k = parent;
    }
    return k !== at;
  }

  private down(at: number): void {
    const n = this.heap.length;
    let k = at;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < n && this.less(this.heap[l] as number, this.heap[m] as number)) m = l;
      if (r < n && this.less(this.heap[r] as number, this.heap[m] as number)) m = r;
      if (m === k) return;
      this.swap(k, m);
      k = m;
    }
  }
}
