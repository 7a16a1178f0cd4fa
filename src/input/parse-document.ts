import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  type YAMLError,
  type YAMLMap,
  parseDocument as yamlParseDocument,
} from "yaml";
import type { InputIssue } from "./issues.js";
import { type Entry, type Position, type PositionTree, SourceMap, type TreePath } from "./source-map.js";

/**
 * A parsed input: a plain JSON-like tree plus where each node came from.
 * `value` is mutable: `applySets` and `graftDocument` change it in place.
 */
export interface SourcedDocument {
  /** The file the root came from (issues without a position name it). */
  file: string;
  value: unknown;
  sources: SourceMap;
}

export type ParseResult = { ok: true; doc: SourcedDocument } | { ok: false; issues: InputIssue[] };

/**
 * Parses YAML 1.2 (JSON is YAML too), keeping the line and column of every
 * node. Syntax errors, duplicate keys, several documents and an empty file are
 * issues with positions.
 */
export function parseDocument(file: string, text: string): ParseResult {
  const tooBig = checkParseBudget(file, text);
  if (tooBig) return { ok: false, issues: [tooBig] };
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below in one pass: yaml's own check compares each key
  // with every earlier key of its mapping (quadratic in the number of keys).
  const doc = yamlParseDocument(text, { lineCounter, prettyErrors: false, version: "1.2", uniqueKeys: false });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const errors = withDuplicateKeys(doc.errors, doc.contents);
  if (errors.length > 0) {
    return {
      ok: false,
      issues: errors.map((e) => {
        const p = at(e.offset);
        const message = `expected valid YAML, found a syntax error: ${firstLine(e.message)}`;
        return { ...p, path: "", expected: "valid YAML", found: "a syntax error", message };
      }),
    };
  }
  if (doc.contents === null) {
    const found = text.trim() === "" ? "an empty file" : "only comments";
    const issue = { file, line: 0, column: 0, path: "", expected: "a YAML mapping", found };
    return { ok: false, issues: [{ ...issue, message: `expected a YAML mapping, found ${found}` }] };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return {
      ok: false,
      issues: [{ ...at(0), path: "", message: `expected valid YAML, found: ${firstLine(String(err))}` }],
    };
  }
  const sources = new SourceMap();
  sources.set([], at(doc.contents?.range?.[0] ?? 0));
  if (doc.contents) sources.addTree([], new YamlPositions(doc.contents, at));
  return { ok: true, doc: { file, value, sources } };
}

/**
 * Most lines and most collection separators a document may have. The YAML
 * parser needs ~1 kB and a few microseconds per node, and some shapes (runs of
 * blank lines) cost more than linear in it; a topology is a few hundred lines,
 * so these bounds only stop generated or hostile files, before parsing.
 */
export const MAX_LINES = 50_000;
export const MAX_SEPARATORS = 50_000;
/**
 * Deepest nesting a document may have: flow brackets `[ {` open at once, and
 * the indentation (columns) of a line. The parser recurses per level: ~900
 * block levels overflow its stack and ~20,000 flow levels abort the process
 * out of memory. Real files nest under 10 levels.
 */
export const MAX_FLOW_DEPTH = 64;
export const MAX_INDENT_COLUMNS = 256;
/** Most bytes parsed as YAML (long quoted scalars cost ~0.5 s per MB to fold). */
export const MAX_PARSE_BYTES = 2 * 1024 * 1024;

/** One linear scan: refuses, with a position, a text over the bounds above. */
function checkParseBudget(file: string, text: string): InputIssue | undefined {
  const refuse = (line: number, column: number, expected: string, found: string): InputIssue => ({
    file,
    line,
    column,
    path: "",
    expected,
    found,
    message: `expected ${expected}, found ${found}`,
  });
  const size = Buffer.byteLength(text);
  if (size > MAX_PARSE_BYTES) {
    return refuse(0, 0, `a YAML or JSON document of at most ${fmt(MAX_PARSE_BYTES)} bytes`, `${fmt(size)} bytes`);
  }
  let lines = 1;
  let lineStart = 0;
  let separators = 0;
  let depth = 0;
  let indenting = true;
  // Quotes and comments are skipped for the bracket depth (a "[" inside a string does not nest).
  let quote = 0;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lines++;
      lineStart = i + 1;
      indenting = true;
      comment = false;
      if (quote === 39) quote = 0; // a single-quoted scalar rarely spans lines; do not let one quote hide the rest
      if (lines > MAX_LINES) {
        return refuse(lines, 1, `a document of at most ${fmt(MAX_LINES)} lines`, `more than ${fmt(MAX_LINES)} lines`);
      }
      continue;
    }
    if (c === 44 || c === 45 || c === 58 || c === 63 || c === 91 || c === 123) {
      // , - : ? [ {  (every list item or mapping entry has one; strings may too)
      separators++;
      if (separators > MAX_SEPARATORS) {
        return refuse(
          lines,
          i - lineStart + 1,
          `at most ${fmt(MAX_SEPARATORS)} of the characters , - : ? [ { (list items and mapping entries)`,
          `more than ${fmt(MAX_SEPARATORS)}`,
        );
      }
    }
    if (indenting) {
      // Compact nested sequences ("- - - x") nest like indentation: count their columns too.
      if (c === 32 || (c === 45 && text.charCodeAt(i + 1) === 32)) {
        if (i - lineStart + 1 > MAX_INDENT_COLUMNS) {
          return refuse(
            lines,
            i - lineStart + 1,
            `a line indented by at most ${MAX_INDENT_COLUMNS} columns (nesting that deep is not a clustersim file)`,
            "deeper indentation",
          );
        }
        continue;
      }
      indenting = false;
    }
    if (comment) continue;
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 92 && quote === 34) i++; // \" inside a double-quoted scalar
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 35 && (i === lineStart || text.charCodeAt(i - 1) === 32)) comment = true;
    else if (c === 91 || c === 123) {
      depth++;
      if (depth > MAX_FLOW_DEPTH) {
        return refuse(
          lines,
          i - lineStart + 1,
          `at most ${MAX_FLOW_DEPTH} nested [ or { (nesting that deep is not a clustersim file)`,
          "deeper nesting",
        );
      }
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return undefined;
}

const fmt = (n: number) => n.toLocaleString("en-US");

interface SyntaxError {
  offset: number;
  message: string;
}

/**
 * The parser's errors plus one "Map keys must be unique" error per repeated
 * key (the same offset and message yaml's own uniqueKeys check gives), in
 * document order. One pass with a Set per mapping.
 */
function withDuplicateKeys(errors: readonly YAMLError[], contents: Node | null): SyntaxError[] {
  const dups: SyntaxError[] = [];
  const stack: unknown[] = contents ? [contents] : [];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        // yaml's check: the same key node, or two scalars whose values are === (so NaN never repeats).
        const k = isScalar(key) ? key.value : key;
        if (typeof k === "number" && Number.isNaN(k)) continue;
        if (seen.has(k)) dups.push({ offset: keyOffset(key, pair), message: "Map keys must be unique" });
        else seen.add(k);
      }
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        if (pair?.value) stack.push(pair.value);
        if (pair?.key) stack.push(pair.key);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  const out: SyntaxError[] = errors.map((e) => ({ offset: e.pos[0], message: e.message }));
  if (dups.length === 0) return out;
  dups.sort((a, b) => a.offset - b.offset);
  const merged: SyntaxError[] = [];
  let d = 0;
  for (const e of out) {
    while (d < dups.length && (dups[d] as SyntaxError).offset < e.offset) merged.push(dups[d++] as SyntaxError);
    merged.push(e);
  }
  while (d < dups.length) merged.push(dups[d++] as SyntaxError);
  return merged;
}

function keyOffset(key: Node | null, pair: { value: unknown }): number {
  if (key?.range) return key.range[0];
  const v = pair.value as Node | null;
  return v?.range?.[0] ?? 0;
}

/**
 * Positions of a parsed YAML tree, found on demand: a path is followed from
 * the root through the nodes (each mapping indexes its keys on first use), so
 * a lookup costs O(depth) and nothing is done for nodes never asked about.
 */
class YamlPositions implements PositionTree {
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly root: Node,
    private readonly at: (offset: number) => Position,
  ) {}

  entryAt(path: readonly PropertyKey[]): Entry | undefined {
    let node: unknown = this.root;
    let entry: Entry | undefined =
      node && (node as Node).range ? { value: this.at((node as Node).range?.[0] ?? 0) } : undefined;
    for (const seg of path) {
      if (isMap(node)) {
        if (typeof seg === "number") return undefined;
        const pair = this.keysOf(node).get(String(seg));
        if (!pair) return undefined;
        const keyNode = pair.key as Node | null;
        const valueNode = pair.value as Node | null;
        const keyPos = keyNode?.range ? this.at(keyNode.range[0]) : undefined;
        const valuePos = valueNode?.range ? this.at(valueNode.range[0]) : keyPos;
        entry = valuePos ? (keyPos ? { value: valuePos, key: keyPos } : { value: valuePos }) : undefined;
        node = valueNode;
      } else if (isSeq(node)) {
        if (typeof seg !== "number") return undefined;
        const item = node.items[seg] as Node | null | undefined;
        if (!item?.range) return undefined;
        entry = { value: this.at(item.range[0]) };
        node = item;
      } else {
        return undefined;
      }
      if (!entry) return undefined;
    }
    return entry;
  }

  /** The mapping's pairs by key as a string (a later repeat of a key wins, as a Map.set walk did). */
  private keysOf(map: YAMLMap): Map<string, Pair> {
    let keys = this.index.get(map);
    if (!keys) {
      keys = new Map();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        keys.set(isScalar(keyNode) ? String(keyNode.value) : String(keyNode), pair);
      }
      this.index.set(map, keys);
    }
    return keys;
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

/** Puts `child` (another parsed file) into `parent` at `path`, keeping both files' positions. */
export function graftDocument(parent: SourcedDocument, path: TreePath, child: SourcedDocument): void {
  if (path.length === 0) throw new Error("graftDocument: path must not be empty");
  let container: unknown = parent.value;
  for (const seg of path.slice(0, -1)) {
    if (!container || typeof container !== "object") throw new Error(`graftDocument: no object at ${path.join(".")}`);
    container = (container as Record<string | number, unknown>)[seg];
  }
  if (!container || typeof container !== "object") throw new Error(`graftDocument: no object at ${path.join(".")}`);
  (container as Record<string | number, unknown>)[path[path.length - 1] as string | number] = child.value;
  const keyPos = parent.sources.keyAt(path);
  parent.sources.deleteBelow(path);
  parent.sources.graft(path, child.sources);
  const rootPos = child.sources.valueAt([]);
  if (rootPos) parent.sources.set(path, rootPos, keyPos);
}
