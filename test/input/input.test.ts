import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  applySets,
  closest,
  editDistance,
  formatIssue,
  graftDocument,
  InputError,
  loadInput,
  parseDocument,
  type SourcedDocument,
  validateDocument,
} from "../../src/input/index.js";
import { UserError } from "../../src/input/user-error.js";

const Schema = z.strictObject({
  name: z.string(),
  link: z.strictObject({ nicGbps: z.number().positive(), latencyUs: z.number().positive().optional() }),
  tiers: z.array(z.strictObject({ radix: z.int().min(2) })).optional(),
});

function doc(file: string, text: string): SourcedDocument {
  const r = parseDocument(file, text);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
  return r.doc;
}

describe("parseDocument", () => {
  it("keeps the line and column of every node", () => {
    const d = doc("a.yaml", "name: x\nlink:\n  nicGbps: 400\ntiers:\n  - radix: 8\n");
    expect(d.sources.valueAt(["link", "nicGbps"])).toEqual({ file: "a.yaml", line: 3, column: 12 });
    expect(d.sources.keyAt(["link", "nicGbps"])).toEqual({ file: "a.yaml", line: 3, column: 3 });
    expect(d.sources.valueAt(["tiers", 0, "radix"])).toEqual({ file: "a.yaml", line: 5, column: 12 });
  });

  it("accepts JSON with positions", () => {
    const d = doc("a.json", '{\n  "name": "x",\n  "link": { "nicGbps": 400 }\n}');
    expect(d.value).toEqual({ name: "x", link: { nicGbps: 400 } });
    expect(d.sources.valueAt(["link", "nicGbps"])?.line).toBe(3);
  });

  it("reports syntax errors, duplicate keys and empty files as issues", () => {
    const bad = parseDocument("b.yaml", "name: [x\nlink: 1\n");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]?.message).toMatch(/^expected valid YAML, found a syntax error/);
    const dup = parseDocument("d.yaml", "a: 1\na: 2\n");
    expect(!dup.ok && dup.issues[0]?.line).toBe(2);
    const empty = parseDocument("e.yaml", "# only a comment\n");
    expect(!empty.ok && empty.issues[0]?.message).toBe("expected a YAML mapping, found only comments");
  });
});

describe("validateDocument", () => {
  it("maps every zod issue to file:line:col, a missing field to its parent", () => {
    const d = doc("a.yaml", "name: 3\nlink:\n  nicGBps: 400\ntiers:\n  - radix: 1\n");
    const r = validateDocument(d, Schema);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map(formatIssue)).toEqual([
      "a.yaml:1:7: name: expected a string, found 3",
      "a.yaml:3:3: link.nicGbps: expected a finite number (in Gb/s = 10^9 bits/s, as the field name says), found nothing (the field is missing)",
      "a.yaml:3:3: link.nicGBps: unknown field 'nicGBps'; did you mean 'nicGbps'? (units are in field names and case matters: 'nicGbps' is in Gb/s = 10^9 bits/s; Gbps = bits, GBps = bytes, 8 bits per byte)",
      "a.yaml:5:12: tiers.0.radix: expected a number >= 2, found 1",
    ]);
    expect(r.issues[0]).toMatchObject({ expected: "a string", found: "3", path: "name" });
  });
});

describe("applySets", () => {
  it("sets existing fields, adds optional ones, indexes lists, and parses YAML values", () => {
    const d = doc("a.yaml", "name: x\nlink:\n  nicGbps: 400\ntiers:\n  - radix: 8\n");
    const issues = applySets(d, ["link.nicGbps=200", "link.latencyUs=1.5", "tiers.0.radix=16", "name=y"], Schema);
    expect(issues).toEqual([]);
    expect(d.value).toEqual({ name: "y", link: { nicGbps: 200, latencyUs: 1.5 }, tiers: [{ radix: 16 }] });
    expect(d.sources.valueAt(["link", "nicGbps"])?.file).toBe("--set link.nicGbps=200");
  });

  it("rejects unknown paths with a suggestion, and bad values through validation", () => {
    const d = doc("a.yaml", "name: x\nlink:\n  nicGbps: 400\n");
    const issues = applySets(d, ["link.nicGBps=200", "lnk.nicGbps=1", "noequals"], Schema);
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^--set link.nicGBps=200: link.nicGBps: expected a field of link, found 'nicGBps'; did you mean 'nicGbps'\?/,
      ),
      "--set lnk.nicGbps=1: lnk: expected a field of the document, found 'lnk'; did you mean 'link'?",
      '--set noequals: expected path=value, found "noequals"',
    ]);
    const e = doc("a.yaml", "name: x\nlink:\n  nicGbps: 400\n");
    expect(applySets(e, ["link.nicGbps=-5"], Schema)).toEqual([]);
    const r = validateDocument(e, Schema);
    expect(!r.ok && formatIssue(r.issues[0] as never)).toMatch(
      /^--set link.nicGbps=-5: link.nicGbps: expected a number > 0/,
    );
  });
});

describe("issue codes", () => {
  it("an unknown field is code 'unknown-field', from a --set path and from a file's key alike; other issues have no code", () => {
    const d = doc("a.yaml", "name: x\nlink:\n  nicGbps: 400\n  nicGBps: 1\n");
    const setIssues = applySets(d, ["link.latencyUS=1", "lnk.nicGbps=1", "noequals", "tiers.0.radix=2"], Schema);
    expect(setIssues.map((i) => [i.path, i.code])).toEqual([
      ["link.latencyUS", "unknown-field"],
      ["lnk", "unknown-field"],
      ["", undefined],
      ["tiers.0", undefined],
    ]);
    const r = validateDocument(d, Schema);
    expect(!r.ok && r.issues.map((i) => [i.path, i.code])).toEqual([["link.nicGBps", "unknown-field"]]);
    const e = doc("a.yaml", "name: 3\nlink:\n  nicGbps: -1\n");
    const bad = validateDocument(e, Schema);
    expect(!bad.ok && bad.issues.map((i) => i.code)).toEqual([undefined, undefined]);
  });

  it("the code is not part of the message: formatIssue prints the same line with or without it", () => {
    const issue = { file: "a.yaml", line: 1, column: 2, path: "x", message: "unknown field 'x'" };
    expect(formatIssue({ ...issue, code: "unknown-field" })).toBe(formatIssue(issue));
  });
});

describe("merging files", () => {
  it("keeps each file's positions after grafting one document into another", () => {
    const scenario = doc("scenario.yaml", "run: 1\ncluster: topo.yaml\n");
    const topo = doc("topo.yaml", "name: x\nlink:\n  nicGbps: -1\n");
    graftDocument(scenario, ["cluster"], topo);
    const Merged = z.strictObject({ run: z.number(), cluster: Schema });
    expect(applySets(scenario, ["cluster.link.latencyUs=0"], Merged)).toEqual([]);
    const r = validateDocument(scenario, Merged);
    expect(!r.ok && r.issues.map(formatIssue)).toEqual([
      "--set cluster.link.latencyUs=0: cluster.link.latencyUs: expected a number > 0 (in microseconds, as the field name says), found 0",
      "topo.yaml:3:12: cluster.link.nicGbps: expected a number > 0 (in Gb/s = 10^9 bits/s, as the field name says), found -1",
    ]);
  });
});

describe("loadInput", () => {
  it("returns the value or throws an InputError (a UserError, exit 1) with every issue", () => {
    const dir = mkdtempSync(join(tmpdir(), "clustersim-input-"));
    const good = join(dir, "good.yaml");
    writeFileSync(good, "name: x\nlink:\n  nicGbps: 400\n");
    expect(loadInput(good, Schema, { sets: ["link.nicGbps=100"] }).link.nicGbps).toBe(100);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: 1\nlink:\n  nicGbps: 0\n");
    try {
      loadInput(bad, Schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect(err).toBeInstanceOf(UserError);
      const e = err as InputError;
      expect(e.exitCode).toBe(1);
      expect(e.issues).toHaveLength(2);
      expect(e.message.split("\n")).toHaveLength(2);
    }
    expect(() => loadInput(join(dir, "missing.yaml"), Schema)).toThrow(/found no such file/);
    expect(() => loadInput(dir, Schema)).toThrow(/found a directory/);
  });
});

describe("suggestions", () => {
  it("edit distance and closest candidate", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closest("cardPerNode", ["cards", "cardsPerNode", "nodes"])).toBe("cardsPerNode");
    expect(closest("zzzzzz", ["cards", "nodes"])).toBeUndefined();
    expect(closest("bandwidth", ["bandwidthGBps", "latencyUs"])).toBe("bandwidthGBps");
  });
});
