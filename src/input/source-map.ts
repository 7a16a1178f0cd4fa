/**
 * Where each node of a document tree came from. Keys are paths in the tree
 * (the same paths zod reports), so positions survive merging several files
 * into one tree (`graftDocument`) and `--set` overrides.
 */
export type TreePath = readonly (string | number)[];

export interface Position {
  file: string;
  /** 1-based; 0 when the value did not come from a file (e.g. a `--set`). */
  line: number;
  column: number;
}

interface Entry {
  /** Position of the value node. */
  value: Position;
  /** Position of the key (for mapping entries), used for unknown-key errors. */
  key?: Position;
}

const keyOf = (path: readonly PropertyKey[]) =>
  JSON.stringify(path.map((p) => (typeof p === "number" ? p : String(p))));

export class SourceMap {
  private readonly entries = new Map<string, Entry>();

  set(path: TreePath, value: Position, key?: Position): void {
    this.entries.set(keyOf(path), key ? { value, key } : { value });
  }

  /** Position of the value at `path`, or of its nearest ancestor that has one. */
  valueAt(path: readonly PropertyKey[]): Position | undefined {
    for (let n = path.length; n >= 0; n--) {
      const e = this.entries.get(keyOf(path.slice(0, n)));
      if (e) return e.value;
    }
    return undefined;
  }

  /** Position of the key at `path` (falls back to the value, then to the ancestors). */
  keyAt(path: readonly PropertyKey[]): Position | undefined {
    return this.entries.get(keyOf(path))?.key ?? this.valueAt(path);
  }

  /** Removes the entries at and below `path` (before replacing that subtree). */
  deleteBelow(path: TreePath): void {
    const prefix = keyOf(path).slice(0, -1);
    for (const k of [...this.entries.keys()]) {
      if (k === `${prefix}]` || k.startsWith(`${prefix},`) || (path.length === 0 && k.startsWith("["))) {
        this.entries.delete(k);
      }
    }
  }

  /** Copies every entry of `other` with its path prefixed by `at`. */
  graft(at: TreePath, other: SourceMap): void {
    for (const [k, e] of other.entries) {
      const path = JSON.parse(k) as (string | number)[];
      this.entries.set(keyOf([...at, ...path]), e);
    }
  }
}
