import { LINK_KINDS, type LinkKind, type LinkTable } from "./types.js";

interface VertexBlock {
  base: number;
  count: number;
  name: (i: number) => string;
}

const KIND_INDEX = new Map<LinkKind, number>(LINK_KINDS.map((k, i) => [k, i]));

/**
 * Accumulates vertices (cards first, then switches) and directed links into
 * growable typed arrays; `finish()` returns the LinkTable. Link ids are
 * handed out in blocks so routing can compute them arithmetically.
 */
export class GraphBuilder {
  private capacity = 1024;
  private n = 0;
  private bw = new Float64Array(this.capacity);
  private lat = new Float64Array(this.capacity);
  private kinds = new Uint8Array(this.capacity);
  private srcs = new Int32Array(this.capacity);
  private dsts = new Int32Array(this.capacity);
  private readonly blocks: VertexBlock[] = [];
  private vertexCount = 0;

  /** Adds `count` vertices named by `name(i)`; returns the first id. */
  addVertices(count: number, name: (i: number) => string): number {
    const base = this.vertexCount;
    if (count > 0) this.blocks.push({ base, count, name });
    this.vertexCount += count;
    return base;
  }

  /** Reserves `count` consecutive link ids; returns the first. Fill each with `set`. */
  reserveLinks(count: number): number {
    const base = this.n;
    this.n += count;
    if (this.n > this.capacity) {
      let cap = this.capacity;
      while (cap < this.n) cap *= 2;
      this.bw = grow(this.bw, new Float64Array(cap));
      this.lat = grow(this.lat, new Float64Array(cap));
      this.kinds = grow(this.kinds, new Uint8Array(cap));
      this.srcs = grow(this.srcs, new Int32Array(cap));
      this.dsts = grow(this.dsts, new Int32Array(cap));
      this.capacity = cap;
    }
    return base;
  }

  set(link: number, kind: LinkKind, src: number, dst: number, bandwidthBytesPerS: number, latencyS: number): void {
    this.kinds[link] = KIND_INDEX.get(kind) ?? 0;
    this.srcs[link] = src;
    this.dsts[link] = dst;
    this.bw[link] = bandwidthBytesPerS;
    this.lat[link] = latencyS;
  }

  finish(): LinkTable {
    const count = this.n;
    const src = this.srcs.slice(0, count);
    const dst = this.dsts.slice(0, count);
    const kind = this.kinds.slice(0, count);
    const blocks = this.blocks.slice();
    const vertices = this.vertexCount;
    const vertexName = (v: number): string => {
      for (const b of blocks) if (v >= b.base && v < b.base + b.count) return b.name(v - b.base);
      throw new RangeError(`vertex ${v} out of range 0..${vertices - 1}`);
    };
    return {
      count,
      bandwidthBytesPerS: this.bw.slice(0, count),
      latencyS: this.lat.slice(0, count),
      kind,
      src,
      dst,
      vertices,
      vertexName,
      name(link: number): string {
        if (!(link >= 0 && link < count)) throw new RangeError(`link ${link} out of range 0..${count - 1}`);
        return `${vertexName(src[link] ?? 0)} -> ${vertexName(dst[link] ?? 0)} [${LINK_KINDS[kind[link] ?? 0]}]`;
      },
    };
  }
}

function grow<T extends Float64Array | Uint8Array | Int32Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
