/**
 * Where each node of a document tree came from. Keys are paths in the tree
 * (the same paths zod reports), so positions survive merging several files
 * into one tree (`graftDocument`) and `--set` overrides.
 *
 * Positions are looked up lazily: a parsed file registers one `PositionTree`
 * (which answers for any path below it by walking the parsed YAML nodes), and
 * only explicit overrides (`--set`, graft roots) are stored per path. Nothing
 * is done per node of the file until a position is asked for, so building a
 * SourceMap costs O(1) whatever the file's size and shape (issue 13).
 */
export type TreePath = readonly (string | number)[];

export interface Position {
  file: string;
  /** 1-based; 0 when the value did not come from a file (e.g. a `--set`). */
  line: number;
  column: number;
}

export interface Entry {
  /** Position of the value node. */
  value: Position;
  /** Position of the key (for mapping entries), used for unknown-key errors. */
  key?: Position;
}

/** Answers, for a path relative to its root, the entry of that node (undefined when it has none). */
export interface PositionTree {
  entryAt(path: readonly PropertyKey[]): Entry | undefined;
}

/** A tree grafted at `at`; `masks` are subtrees (relative to `at`) replaced after it was added. */
interface Layer {
  at: readonly (string | number)[];
  tree: PositionTree;
  masks: (string | number)[][];
}

/** Path segments compare as they did when paths were JSON keys: numbers as numbers, the rest as strings. */
const norm = (p: PropertyKey): string | number => (typeof p === "number" ? p : String(p));

const keyOf = (path: readonly PropertyKey[]) => JSON.stringify(path.map(norm));

/** True when `prefix` is a prefix of `path` (or equal to it). */
function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++)
    if (norm(path[i] as PropertyKey) !== norm(prefix[i] as PropertyKey)) return false;
  return true;
}

export class SourceMap {
  /** Explicit entries (`--set` values, graft roots); they take precedence over the trees. */
  private readonly entries = new Map<string, Entry>();
  /** Parsed files, newest last. */
  private layers: Layer[] = [];

  set(path: TreePath, value: Position, key?: Position): void {
    this.entries.set(keyOf(path), key ? { value, key } : { value });
  }

  /** Registers a parsed tree that answers for every path at and below `at`. */
  addTree(at: TreePath, tree: PositionTree): void {
    this.layers.push({ at: at.map(norm), tree, masks: [] });
  }

  /** The entry at exactly `path`: an explicit one, else the newest tree's that is not masked. */
  private entryAt(path: readonly PropertyKey[]): Entry | undefined {
    if (this.entries.size > 0) {
      const e = this.entries.get(keyOf(path));
      if (e) return e;
    }
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as Layer;
      if (!startsWith(path, layer.at)) continue;
      const rel = path.slice(layer.at.length);
      if (layer.masks.some((m) => startsWith(rel, m))) continue;
      const e = layer.tree.entryAt(rel);
      if (e) return e;
    }
    return undefined;
  }

  /** Position of the value at `path`, or of its nearest ancestor that has one. */
  valueAt(path: readonly PropertyKey[]): Position | undefined {
    for (let n = path.length; n >= 0; n--) {
      const e = this.entryAt(n === path.length ? path : path.slice(0, n));
      if (e) return e.value;
    }
    return undefined;
  }

  /** Position of the key at `path` (falls back to the value, then to the ancestors). */
  keyAt(path: readonly PropertyKey[]): Position | undefined {
    return this.entryAt(path)?.key ?? this.valueAt(path);
  }

  /** Removes the entries at and below `path` (before replacing that subtree). */
  deleteBelow(path: TreePath): void {
    const prefix = keyOf(path).slice(0, -1);
    for (const k of [...this.entries.keys()]) {
      if (k === `${prefix}]` || k.startsWith(`${prefix},`) || (path.length === 0 && k.startsWith("["))) {
        this.entries.delete(k);
      }
    }
    this.layers = this.layers.filter((layer) => !startsWith(layer.at, path));
    for (const layer of this.layers) {
      if (startsWith(path, layer.at)) layer.masks.push(path.slice(layer.at.length).map(norm));
    }
  }

  /** Copies every entry of `other` with its path prefixed by `at`. */
  graft(at: TreePath, other: SourceMap): void {
    for (const [k, e] of other.entries) {
      const path = JSON.parse(k) as (string | number)[];
      this.entries.set(keyOf([...at, ...path]), e);
    }
    for (const layer of other.layers) {
      this.layers.push({ at: [...at.map(norm), ...layer.at], tree: layer.tree, masks: layer.masks.map((m) => [...m]) });
    }
  }
}
