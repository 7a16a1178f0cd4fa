import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type GraftOptions, InputError, loadDocument, loadSourcedDocument } from "../../src/input/index.js";

// The one loader (issue 14 item 5): read -> parse -> graft referenced files -> own and
// command-line overrides -> validate, for any file kind. Generic words only: a "main" file
// that may reference a "part" file.

const Part = z.strictObject({ name: z.string(), sizeBytes: z.number().positive() });
const Main = z.strictObject({
  title: z.string(),
  set: z.array(z.string()).default([]),
  part: Part,
});
const Other = z.strictObject({ title: z.string(), other: z.literal(true), part: Part });

const GRAFT: GraftOptions = {
  referrer: "main",
  fields: [{ field: "part", kind: "part", kindFields: ["sizeBytes"] }],
  kindOf: (tree) => (tree && typeof tree === "object" && "title" in tree ? "main" : undefined),
};

function files(content: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-load-"));
  for (const [name, text] of Object.entries(content)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.message.split("\n");
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("loadDocument", () => {
  it("grafts a referenced file (relative to the referencing one), applies own then given overrides, validates", () => {
    const dir = files({
      "main.yaml": "title: t\nset: [part.sizeBytes=2]\npart: parts/p.yaml\n",
      "parts/p.yaml": "name: p\nsizeBytes: 1\n",
    });
    const main = join(dir, "main.yaml");
    expect(loadDocument(main, Main, { setsField: "set", graft: GRAFT }).part).toEqual({ name: "p", sizeBytes: 2 });
    expect(
      loadDocument(main, Main, { sets: ["part.sizeBytes=3"], setsField: "set", graft: GRAFT }).part.sizeBytes,
    ).toBe(3);
    // Without setsField the file's own list is data only.
    expect(loadDocument(main, Main, { graft: GRAFT }).part.sizeBytes).toBe(1);
    // The document is returned too, with both files' positions.
    const { doc } = loadSourcedDocument(main, Main, { graft: GRAFT });
    expect(doc.sources.valueAt(["part", "name"])).toEqual({ file: join(dir, "parts/p.yaml"), line: 1, column: 7 });
  });

  it("an issue inside the referenced file is at that file's line; an override's at the --set", () => {
    const dir = files({ "main.yaml": "title: t\npart: p.yaml\n", "p.yaml": "name: p\nsizeBytes: -1\n" });
    const main = join(dir, "main.yaml");
    expect(issuesOf(() => loadDocument(main, Main, { graft: GRAFT }))).toEqual([
      `${join(dir, "p.yaml")}:2:12: part.sizeBytes: expected a number > 0, found -1`,
    ]);
    expect(issuesOf(() => loadDocument(main, Main, { sets: ["part.sizeByte=1"], graft: GRAFT }))[0]).toMatch(
      /^--set part.sizeByte=1: part.sizeByte: expected a field of part, found 'sizeByte'; did you mean 'sizeBytes'\?/,
    );
  });

  it("a missing file, a cycle, a file of another kind and a file that does not parse are issues at the field", () => {
    const dir = files({
      "missing.yaml": "title: t\npart: nowhere.yaml\n",
      "a.yaml": "title: a\npart: b.yaml\n",
      "b.yaml": "name: b\npart: a.yaml\n",
      "list.yaml": "title: t\npart: l.yaml\n",
      "l.yaml": "- secret 1\n- secret 2\n",
      "main-as-part.yaml": "title: t\npart: other-main.yaml\n",
      "other-main.yaml": "title: secret\n",
      "bad.yaml": "title: t\npart: broken.yaml\n",
      "broken.yaml": "name: [secret\n",
    });
    const at = (f: string) => join(dir, f);
    const load = (f: string) => issuesOf(() => loadDocument(at(f), Main, { graft: GRAFT }));
    const expected = "expected a part file (path relative to the main file) or an inline part";
    expect(load("missing.yaml")).toEqual([
      `${at("missing.yaml")}:2:7: part: ${expected}, found 'nowhere.yaml' (no such file: ${at("nowhere.yaml")})`,
    ]);
    expect(load("a.yaml")).toEqual([
      `${at("a.yaml")}:2:7: part: ${expected}, found 'b.yaml', which refers to itself through ${at("a.yaml")} → ${at("b.yaml")} → ${at("a.yaml")} (a reference cycle)`,
    ]);
    expect(load("list.yaml")).toEqual([
      `${at("list.yaml")}:2:7: part: expected a part file, found 'l.yaml', a YAML list, not a mapping (contents not shown)`,
    ]);
    expect(load("main-as-part.yaml")).toEqual([
      `${at("main-as-part.yaml")}:2:7: part: expected a part file, found 'other-main.yaml', which looks like a main file, not a part (contents not shown)`,
    ]);
    const broken = load("bad.yaml");
    expect(broken).toHaveLength(1);
    expect(broken).toEqual([
      `${at("broken.yaml")}:2:1: expected valid YAML, found a syntax error (details not shown for a file referenced by ${at("bad.yaml")}; validate ${at("broken.yaml")} itself to see them)`,
    ]);
    for (const line of [...load("list.yaml"), ...load("main-as-part.yaml"), ...broken]) {
      expect(line).not.toContain("secret");
    }
  });

  it("the schema may be chosen from the grafted tree", () => {
    const dir = files({ "o.yaml": "title: t\nother: true\npart: { name: p, sizeBytes: 1 }\n" });
    const pick = (tree: unknown) => (tree && typeof tree === "object" && "other" in tree ? Other : Main);
    expect(loadDocument<z.infer<typeof Main> | z.infer<typeof Other>>(join(dir, "o.yaml"), pick)).toMatchObject({
      other: true,
    });
  });

  it("issues of grafting, then of overrides, then of validation: each stage throws its own together", () => {
    const dir = files({ "m.yaml": "title: 1\npart: { name: p, sizeBytes: 1 }\n" });
    const m = join(dir, "m.yaml");
    expect(issuesOf(() => loadDocument(m, Main, { sets: ["nope=1", "part.nope=2"] }))).toHaveLength(2);
    expect(issuesOf(() => loadDocument(m, Main))).toEqual([`${m}:1:8: title: expected a string, found 1`]);
  });
});
