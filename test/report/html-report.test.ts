import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportHtml, reportKind } from "../../src/report/html/report.js";
import { runCli } from "../helpers/run-cli.js";

describe("clustersim report: inputs and errors (the page itself is tested in test/browser/)", () => {
  it("classifies run, scale and check JSON; names what it found otherwise", () => {
    expect(reportKind({ file: "a.json", text: '{"breakdown":{},"stepTimeSeconds":1}' })).toMatchObject({
      kind: "training-run",
    });
    expect(reportKind({ file: "a.json", text: '{"kind":"serving","ttftSeconds":{}}' })).toMatchObject({
      kind: "serving-run",
    });
    expect(reportKind({ file: "a.json", text: '[{"cards":8,"ok":true}]' })).toMatchObject({ kind: "scale" });
    expect(reportKind({ file: "a.json", text: '{"claims":[]}' })).toMatchObject({ kind: "check" });
    expect(reportKind({ file: "a.json", text: '{"x":1}' })).toEqual({
      error: "expected run --json, scale --json or check --json output, found an object with keys x",
    });
    expect(reportKind({ file: "a.json", text: "nope" })).toMatchObject({
      error: expect.stringMatching(
        /^expected JSON from run\/scale\/check --json or a sweep CSV, found text that is not JSON/,
      ),
    });
  });

  it("a page has no external reference: no src= or href= to http, no link or script tags with a source", () => {
    const html = reportHtml([{ file: "c.json", kind: "check", data: { claims: [] } }]);
    expect(html).not.toMatch(/\b(src|href)="https?:/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("exit 1 naming the file for an input it cannot draw; exit 2 for --out that is not .html; writes the page", () => {
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"hello": 1}');
    const r = runCli(["report", bad, "--out", join(dir, "r.html")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: expected run --json, scale --json or check --json output`);
    expect(r.stderr).not.toMatch(/\bat \w+ \(/); // no stack trace
    expect(runCli(["report", bad, "--out", join(dir, "r.txt")]).code).toBe(2);
    const notSweep = join(dir, "x.csv");
    writeFileSync(notSweep, "a,b\n1,2\n");
    const csv = runCli(["report", notSweep, "--out", join(dir, "r.html")]);
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain(
      `${notSweep}:1:1: not a sweep results file (expected columns point_id,point_index,...)`,
    );
    const missing = runCli(["report", bad, "--out", join(dir, "no", "r.html")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`the folder ${join(dir, "no")} does not exist`);
    const good = join(dir, "run.json");
    writeFileSync(good, runCli(["run", "test/claims/fixtures/tiny.yaml", "--json"]).stdout);
    const ok = runCli(["report", good, "--out", join(dir, "r.html")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, "r.html"), "utf8")).toContain('data-key="tokensPerSecond"');
  });

  it("run, scale and check take --report FILE.html directly (the same page as report on their --json)", () => {
    const dir = mkdtempSync(join(tmpdir(), "report-flag-"));
    const cases: [string[], string][] = [
      [["run", "test/claims/fixtures/tiny.yaml"], "training-run"],
      [["scale", "test/claims/fixtures/tiny.yaml", "--cards", "8,16", "--threads", "1"], "scale"],
      [["check", "test/claims/fixtures/holds.yaml", "--threads", "1"], "check"],
    ];
    for (const [args, section] of cases) {
      const file = join(dir, `${section}.html`);
      const r = runCli([...args, "--report", file]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(file, "utf8")).toContain(`<section class="${section}">`);
    }
    expect(runCli(["run", "test/claims/fixtures/tiny.yaml", "--report", join(dir, "x.svg")]).code).toBe(2);
    // --json stays one JSON document with or without --report (no text table after it).
    for (const args of [
      ["check", "test/claims/fixtures/holds.yaml", "--threads", "1", "--json"],
      ["scale", "test/claims/fixtures/tiny.yaml", "--cards", "8,16", "--threads", "1", "--json"],
    ]) {
      for (const extra of [[], ["--report", join(dir, "j.html")]]) {
        const r = runCli([...args, ...extra]);
        expect(r.code, r.stderr).toBe(0);
        expect(() => JSON.parse(r.stdout), `${args[0]} ${extra.join(" ")}`).not.toThrow();
      }
    }
  });
});
