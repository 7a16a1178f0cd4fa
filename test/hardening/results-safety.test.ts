import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/sweep/csv.js";
import { FIXTURE_RUNNER_ENV, runCli, sleep, startCli, tempSweep } from "../sweep/helpers.js";

/** 6 fast points of the fixture runner. */
function smallSweep(extra: Record<string, unknown> = {}) {
  return tempSweep({ seed: 3, steps: 1, axes: [{ kind: "grid", values: { a: [1, 2, 3], b: [1, 2] } }], ...extra });
}

const sweep = (args: string[]) => runCli(["sweep", ...args, "--workers", "1"], FIXTURE_RUNNER_ENV);

function rows(path: string): string[][] {
  return parseCsv(readFileSync(path, "utf8")).slice(1);
}

function writeLock(out: string, pid: number, host = hostname()): void {
  writeFileSync(`${out}.lock`, `${JSON.stringify({ pid, host, startedAt: "2026-01-01T00:00:00.000Z" })}\n`);
}

describe("results files are safe under requeues and edits (issue 13 item 4)", () => {
  it("a normal run and a resume work, write a provenance sidecar, and leave no lock", () => {
    const { dir, sweepPath } = smallSweep();
    const out = join(dir, "r.csv");
    const first = sweep([sweepPath, "--out", out, "--shard", "1/2"]);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, "utf8"));
    expect(prov).toMatchObject({ tool: "clustersim", sweepFile: sweepPath, shard: "1/2" });
    expect(prov.sweepSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prov.pointsSha256).toMatch(/^[0-9a-f]{64}$/);
    // The CSV itself stays plain: header first, no comment lines.
    expect(readFileSync(out, "utf8").startsWith("point_id,point_index,")).toBe(true);

    const again = sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 points run now .* 3 already done, 0 remaining/);
    expect(existsSync(`${out}.lock`)).toBe(false);
    // Resuming with another shard is another run: refused.
    const other = sweep([sweepPath, "--out", out, "--shard", "2/2", "--resume"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/shard: file 1\/2, this run 2\/2/);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it("a second writer is refused while a live process holds the lock; the lock is left alone", () => {
    const { dir, sweepPath } = smallSweep();
    const out = join(dir, "r.csv");
    writeLock(out, process.pid);
    const r = sweep([sweepPath, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`pid ${process.pid} on ${hostname()} since 2026-01-01T00:00:00.000Z`);
    expect(existsSync(out)).toBe(false);
    expect(JSON.parse(readFileSync(`${out}.lock`, "utf8")).pid).toBe(process.pid);
    // A lock of another host cannot be checked: refused too.
    writeLock(out, 1, "some-other-node");
    expect(sweep([sweepPath, "--out", out]).stderr).toMatch(/pid 1 on some-other-node/);
  });

  it("two concurrent --resume runs: the second is refused, no duplicate rows", async () => {
    const { dir, sweepPath } = smallSweep({ set: ["fixture.busyMs=150"] });
    const out = join(dir, "r.csv");
    const child = startCli(["sweep", sweepPath, "--out", out, "--workers", "1"], FIXTURE_RUNNER_ENV);
    for (let i = 0; i < 400 && !existsSync(out); i++) await sleep(25);
    expect(existsSync(`${out}.lock`)).toBe(true);
    const second = sweep([sweepPath, "--out", out, "--resume"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is being written by pid \d+/);
    const code = await new Promise((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    const ids = rows(out).map((r) => r[0]);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it("a stale lock (a finished process of this host) is taken over with a note", () => {
    const { dir, sweepPath } = smallSweep();
    const out = join(dir, "r.csv");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number;
    writeLock(out, gone);
    const r = sweep([sweepPath, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`took over the stale lock .* of pid ${gone}`));
    expect(rows(out)).toHaveLength(6);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it("resume refuses a file of a changed sweep, of another version, or without provenance", () => {
    const { dir, sweepPath } = smallSweep();
    const out = join(dir, "r.csv");
    expect(sweep([sweepPath, "--out", out, "--shard", "1/2"]).code).toBe(0);
    const before = readFileSync(out, "utf8");

    // Changed sweep file (another value of b): other bytes and other points.
    const original = readFileSync(sweepPath, "utf8");
    writeFileSync(sweepPath, original.replace(/- 2\n/, "- 7\n"));
    const changed = sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/cannot resume: it was written by another sweep or version/);
    expect(changed.stderr).toMatch(/sweep file: .*sha256 differs/);
    expect(changed.stderr).toMatch(/points: the sweep's points/);
    expect(changed.stderr).not.toMatch(/\n\s+at /);
    // A comment-only edit still changes the file's hash: refused as well.
    writeFileSync(sweepPath, `# edited\n${original}`);
    const commented = sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]);
    expect(commented.code).toBe(1);
    expect(commented.stderr).toMatch(/sweep file: /);
    expect(commented.stderr).not.toMatch(/points: /);
    writeFileSync(sweepPath, original);

    // Another tool version in the sidecar.
    const provPath = `${out}.provenance.json`;
    const prov = JSON.parse(readFileSync(provPath, "utf8"));
    writeFileSync(provPath, JSON.stringify({ ...prov, version: "0.0.1-other" }));
    const version = sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]);
    expect(version.code).toBe(1);
    expect(version.stderr).toMatch(/tool version: file 0\.0\.1-other, this clustersim /);

    // No sidecar at all: refused while the file has rows.
    writeFileSync(provPath, "");
    expect(sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]).stderr).toMatch(/not a valid provenance/);
    spawnSync("rm", ["-f", provPath]);
    const missing = sweep([sweepPath, "--out", out, "--shard", "1/2", "--resume"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no .*provenance\.json says which sweep and version wrote its 3 rows; start over/);
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(existsSync(`${out}.lock`)).toBe(false);

    // An empty file may be resumed: it gets a header and a sidecar.
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    const fresh = sweep([sweepPath, "--out", empty, "--resume"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(rows(empty)).toHaveLength(6);
    expect(existsSync(`${empty}.provenance.json`)).toBe(true);
  });

  it("merge --sweep exits 1 when rows are not points of the sweep", () => {
    const a = smallSweep();
    const b = smallSweep({ seed: 4 });
    const outA = join(a.dir, "a.csv");
    const outB = join(b.dir, "b.csv");
    expect(sweep([a.sweepPath, "--out", outA]).code).toBe(0);
    expect(sweep([b.sweepPath, "--out", outB]).code).toBe(0);
    const merged = join(a.dir, "m.csv");
    const ok = runCli(["merge", outA, "--out", merged, "--sweep", a.sweepPath]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = runCli(["merge", outA, outB, "--out", join(a.dir, "bad.csv"), "--sweep", a.sweepPath]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/merge: 6 rows are not points of .*sweep\.yaml \(nothing written\)/);
    expect(bad.stderr).toContain("b.csv");
    expect(existsSync(join(a.dir, "bad.csv"))).toBe(false);
  });
});
