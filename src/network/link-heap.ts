/**
 * A binary min-heap of (key, link, version) triples in growable typed
 * arrays, for progressive filling. Entries are never updated in place: a
 * link whose key changes gets a new entry with a higher version, and stale
 * entries are skipped by the caller when popped (lazy deletion). Keys of a
 * link only grow during progressive filling, so stale entries surface
 * before the current one.
 */
export class LinkHeap {
  private keys = new Float64Array(1024);
  private links = new Int32Array(1024);
  private versions = new Int32Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  push(key: number, link: number, version: number): void {
    if (this.n === this.keys.length) this.grow();
    const keys = this.keys;
    const links = this.links;
    const versions = this.versions;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent] as number;
      if (pk < key || (pk === key && (links[parent] as number) <= link)) break;
      keys[i] = pk;
      links[i] = links[parent] as number;
      versions[i] = versions[parent] as number;
      i = parent;
    }
    keys[i] = key;
    links[i] = link;
    versions[i] = version;
  }

  topKey(): number {
    return this.keys[0] as number;
  }
  topLink(): number {
    return this.links[0] as number;
  }
  topVersion(): number {
    return this.versions[0] as number;
  }

  pop(): void {
    const n = --this.n;
    if (n === 0) return;
    const keys = this.keys;
    const links = this.links;
    const versions = this.versions;
    const key = keys[n] as number;
    const link = links[n] as number;
    const version = versions[n] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n) {
        const kr = keys[right] as number;
        const kc = keys[child] as number;
        if (kr < kc || (kr === kc && (links[right] as number) < (links[child] as number))) child = right;
      }
      const ck = keys[child] as number;
      if (key < ck || (key === ck && link <= (links[child] as number))) break;
      keys[i] = ck;
      links[i] = links[child] as number;
      versions[i] = versions[child] as number;
      i = child;
    }
    keys[i] = key;
    links[i] = link;
    versions[i] = version;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const keys = new Float64Array(cap);
    keys.set(this.keys);
    const links = new Int32Array(cap);
    links.set(this.links);
    const versions = new Int32Array(cap);
    versions.set(this.versions);
    this.keys = keys;
    this.links = links;
    this.versions = versions;
  }
}
