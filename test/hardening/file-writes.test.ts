import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

/**
 * Every output written with the atomic writer (schema --out, run
 * --requests-csv, scale --csv, check --junit, plots) refuses a target that is
 * not a regular file, and a folder that cannot be written is bad input (exit
 * 1, one line, no stack trace), never a hang or a raw error (issue 13).
 */
describe("outputs refuse special files and unwritable folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-writes-"));
  const fifo = join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);

  it("schema --out to a FIFO: exit 1 naming the kind, no hang", () => {
    const r = runCli(["schema", "topology", "--out", fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`clustersim: ${fifo}: expected a regular file to write, found a FIFO (named pipe)`);
  });

  it("run --requests-csv under a path that is not a folder: exit 1, one line", () => {
    const r = runCli(["run", "test/fixtures/serving/tiny-offline.yaml", "--requests-csv", "/dev/null/requests.csv"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("/dev/null/requests.csv");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("a regular target is still written atomically", () => {
    const out = join(dir, "topology.schema.json");
    const r = runCli(["schema", "topology", "--out", out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).title).toBe("clustersim topology");
  });
});
