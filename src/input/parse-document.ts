import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument as yamlParseDocument } from "yaml";
import type { InputIssue } from "./issues.js";
import { type Position, SourceMap, type TreePath } from "./source-map.js";

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
  const lineCounter = new LineCounter();
  const doc = yamlParseDocument(text, { lineCounter, prettyErrors: false, version: "1.2", uniqueKeys: true });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const p = at(e.pos[0]);
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
  if (doc.contents) walk(doc.contents, [], sources, at);
  return { ok: true, doc: { file, value, sources } };
}

function walk(node: unknown, path: TreePath, sources: SourceMap, at: (offset: number) => Position): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const valueNode = pair.value as Node | null;
      const keyPos = keyNode?.range ? at(keyNode.range[0]) : undefined;
      const valuePos = valueNode?.range ? at(valueNode.range[0]) : keyPos;
      if (valuePos) sources.set([...path, key], valuePos, keyPos);
      if (valueNode) walk(valueNode, [...path, key], sources, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const n = item as Node | null;
      if (n?.range) sources.set([...path, i], at(n.range[0]));
      if (n) walk(n, [...path, i], sources, at);
    });
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
