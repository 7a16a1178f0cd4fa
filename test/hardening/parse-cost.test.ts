import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TopologySpecSchema } from "../../src/cluster/topology-schema.js";
import { formatIssue, InputError, readDocument } from "../../src/input/index.js";
import {
  MAX_FLOW_DEPTH,
  MAX_INDENT_COLUMNS,
  MAX_LINES,
  MAX_SEPARATORS,
  parseDocument,
} from "../../src/input/parse-document.js";
import { validateDocument } from "../../src/input/validate-document.js";

// Issue 13 item 2: parsing cost is linear and bounded. No wall-time asserts
// (project rule): the vitest timeout is the guard; these check correctness at size.

const HEAD =
  "name: t\nnodes: 2\ncardsPerNode: 8\naccelerator:\n  name: A100-SXM4-80GB\nscaleUp:\n  kind: switched\n  bandwidthGBps: 300\n  latencyUs: 1\nscaleOut:\n  kind: single-switch\n  nicsPerNode: 8\n  nicGbps: 200\n  latencyUs: 1.5\n";

const dir = mkdtempSync(join(tmpdir(), "clustersim-parse-cost-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    const doc = readDocument(file);
    const r = validateDocument(doc, TopologySpecSchema);
    return { file, issues: r.ok ? [] : r.issues.map(formatIssue) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { file, issues: err.issues.map(formatIssue) };
  }
}

describe("parse cost (issue 13)", () => {
  it("a long flow sequence under the bounds: the bad last value at its line:column", () => {
    // ~0.8 MB on one line: 15-digit items, the bad one last.
    const n = MAX_SEPARATORS - 40;
    const items = Array.from({ length: n }, () => "999999999999999").join(", ");
    const text = `${HEAD}description: x\ntags: [${items}, "bad"]\n`;
    expect(text.length).toBeGreaterThan(500_000);
    const { file, issues } = load("flow.yaml", text);
    expect(issues).toEqual([
      `${file}:16:1: tags: unknown field 'tags'; expected one of the fields name, description, nodes, cardsPerNode, cards, accelerator, nodeGroups, scaleUp, scaleOut`,
    ]);
    // The same sequence under a field that takes a list: the error is at the list, the bad item is found by path.
    const parsed = parseDocument("f.yaml", `dims: [${items}, "bad"]\n`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const col = `dims: [${items}, `.length + 1;
    expect(parsed.doc.sources.valueAt(["dims", n])).toEqual({ file: "f.yaml", line: 1, column: col });
    expect(parsed.doc.sources.valueAt(["dims", n, "deeper"])).toEqual({ file: "f.yaml", line: 1, column: col });
  });

  it("a long block sequence and many keys: positions of the last entries", () => {
    const n = MAX_LINES - 100;
    const seq = parseDocument("s.yaml", `xs:\n${"  - 1\n".repeat(n)}  - bad\n`);
    expect(seq.ok && seq.doc.sources.valueAt(["xs", n])).toEqual({ file: "s.yaml", line: n + 2, column: 5 });
    const keys = Array.from({ length: n }, (_, i) => `k${i}: ${i}\n`).join("");
    const map = parseDocument("m.yaml", `${keys}last: bad\n`);
    expect(map.ok && map.doc.sources.keyAt(["last"])).toEqual({ file: "m.yaml", line: n + 1, column: 1 });
    // A repeated key at the end of many keys (checked in one pass, not against every earlier key).
    const dup = parseDocument("d.yaml", `${keys}k0: again\n`);
    expect(dup.ok ? [] : dup.issues.map(formatIssue)).toEqual([
      `d.yaml:${n + 1}:1: expected valid YAML, found a syntax error: Map keys must be unique`,
    ]);
  });

  it("a multi-megabyte file over the parse bounds is refused before parsing, with a position", () => {
    // 3 MB of one flow sequence (issue 13's example shape took 19-38 s at this size).
    const items = Array.from({ length: 1_000_000 }, (_, i) => i % 10).join(", ");
    const huge = `${HEAD}description: x\ntags: [${items}, "bad"]\n`;
    const { file, issues } = load("huge.yaml", huge);
    const size = Buffer.byteLength(huge).toLocaleString("en-US");
    expect(issues).toEqual([
      `${file}: expected a YAML or JSON document of at most 2,097,152 bytes, found ${size} bytes`,
    ]);
    // HEAD has 17 of these characters, `tags: [` 2 more; the refusal points at the comma over the bound.
    const many = load("many.yaml", `${HEAD}tags: [${Array.from({ length: 60_000 }, () => 1).join(",")}]\n`);
    expect(many.issues).toEqual([
      `${many.file}:15:${7 + 2 * (MAX_SEPARATORS + 1 - 17 - 2)}: expected at most 50,000 of the characters , - : ? [ { (list items and mapping entries), found more than 50,000`,
    ]);
    const lines = load("lines.yaml", `${HEAD}${"\n".repeat(MAX_LINES)}`);
    expect(lines.issues).toEqual([
      `${lines.file}:${MAX_LINES + 1}:1: expected a document of at most 50,000 lines, found more than 50,000 lines`,
    ]);
  });
});

describe("nesting depth (issue 13: a parser that recurses per level)", () => {
  it("20,000 nested flow brackets: refused at the 65th with its line:column, no crash", () => {
    const { file, issues } = load("deep-flow.yaml", `${HEAD}tags: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    const line = HEAD.split("\n").length;
    expect(issues).toEqual([
      `${file}:${line}:${6 + MAX_FLOW_DEPTH + 1}: expected at most ${MAX_FLOW_DEPTH} nested [ or { (nesting that deep is not a clustersim file), found deeper nesting`,
    ]);
  });

  it("block nesting by indentation or by compact '- - -' sequences: refused past 256 columns", () => {
    const block = Array.from({ length: 1500 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n");
    const compact = `tags:\n${"- ".repeat(3000)}x`;
    for (const [name, body] of [
      ["deep-block.yaml", block],
      ["deep-compact.yaml", compact],
    ] as const) {
      const { issues } = load(name, `${HEAD}${body} 1\n`);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(
        new RegExp(
          `:\\d+:${MAX_INDENT_COLUMNS + 1}: expected a line indented by at most ${MAX_INDENT_COLUMNS} columns`,
        ),
      );
    }
  });

  it("brackets inside quoted strings and comments do not count as nesting", () => {
    const deep = "[".repeat(200);
    const { issues } = load("quoted.yaml", `${HEAD}description: "${deep}" # ${deep}\n# '${deep}' {{{\n`);
    expect(issues).toEqual([]);
  });
});
