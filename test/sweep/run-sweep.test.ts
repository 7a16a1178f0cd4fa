import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/sweep/csv.js";
import { mergeResults } from "../../src/sweep/merge.js";
import { readResults } from "../../src/sweep/results-file.js";
import { runSweep } from "../../src/sweep/run-sweep.js";
import { FIXTURE_RUNNER, FIXTURES, tempSweep } from "./helpers.js";

/** The fixture sweep copied into a temp folder (12 points). */
function smallSweep() {
  const t = tempSweep();
  copyFileSync(join(FIXTURES, "small.yaml"), t.sweepPath);
  return t;
}

const run = (sweepPath: string, outPath: string, extra: Partial<Parameters<typeof runSweep>[0]> = {}) =>
  runSweep({ sweepPath, outPath, runner: FIXTURE_RUNNER, workers: 1, ...extra });

describe("runSweep with the fixture runner", () => {
  it("writes one row per point with axes and metrics; 1 and 2 workers give byte-identical files", async () => {
    const { dir, sweepPath } = smallSweep();
    const one = join(dir, "one.csv");
    const two = join(dir, "two.csv");
    const s1 = await run(sweepPath, one, { workers: 1 });
    const s2 = await run(sweepPath, two, { workers: 2 });
    expect([s1.ran, s1.failed, s1.remaining, s2.ran, s2.workers]).toEqual([12, 0, 0, 12, 2]);
    expect(readFileSync(two, "utf8")).toBe(readFileSync(one, "utf8"));
    const { header, rows } = readResults(one);
    expect(header.slice(0, 8)).toEqual([
      "point_id",
      "point_index",
      "seed",
      "steps",
      "topology.scaleOut.nicGbps",
      "parallel.tp",
      "stragglers.sigma",
      "model.name",
    ]);
    expect(header).not.toContain("notAColumn");
    expect(rows.map((r) => Number(r[1]))).toEqual([...Array(12).keys()]);
    const col = (name: string) => header.indexOf(name);
    const row5 = rows[5] as string[];
    // grid (2 nic x 3 tp) x zip (2 pairs), last block fastest: index 5 = nic 200, tp 4, second pair.
    expect([row5[col("topology.scaleOut.nicGbps")], row5[col("parallel.tp")], row5[col("model.name")]]).toEqual([
      "200",
      "4",
      'needs, quoting "here"',
    ]);
    // Fixture metrics: sum of numeric sets = 200 + 4 + 0.05; stepTimeSeconds = (sum + seed) / 3.
    expect(Number(row5[col("stepTimeSeconds")])).toBe((200 + 4 + 0.05 + 3) / 3);
    expect(row5[col("ok")]).toBe("true");
    expect(row5[col("hfu")]).toBe("");
  });

  it("records failing points as rows and goes on; a crashed worker is replaced and the point retried once", async () => {
    const { dir, sweepPath } = tempSweep({
      axes: [
        {
          kind: "points",
          points: [
            { "fixture.mode": "ok", x: 1 },
            { "fixture.mode": "throw", x: 2 },
            { "fixture.mode": "fail", x: 3 },
            { "fixture.mode": "exit", x: 4 },
            { "fixture.mode": "exit-once", x: 5 },
            { "fixture.mode": "ok", x: 6 },
          ],
        },
      ],
    });
    const marker = join(dir, "crashed-once");
    writeFileSync(
      sweepPath,
      readFileSync(sweepPath, "utf8").replace("axes:", `set: ["fixture.marker=${marker}"]\naxes:`),
    );
    const out = join(dir, "r.csv");
    const s = await run(sweepPath, out, { workers: 2 });
    expect(s).toMatchObject({ ran: 6, failed: 3, retried: 2, remaining: 0 });
    const { header, rows } = readResults(out);
    const get = (i: number, c: string) => rows[i]?.[header.indexOf(c)];
    expect([get(0, "ok"), get(5, "ok")]).toEqual(["true", "true"]);
    expect([get(1, "ok"), get(1, "error_kind"), get(1, "error")]).toEqual([
      "false",
      "internal",
      "fixture asked to throw (seed 1)",
    ]);
    expect([get(2, "error_kind"), get(2, "error")]).toEqual(["invalid-plan", "fixture plan does not fit: | line two"]);
    expect([get(3, "ok"), get(3, "error_kind")]).toEqual(["false", "worker-crash"]);
    expect(get(3, "error")).toMatch(/worker died twice.*exited with code: 7/);
    // exit-once: the first attempt crashed (marker written), the retry succeeded.
    expect(readFileSync(marker, "utf8")).toMatch(/crashed once/);
    expect(get(4, "ok")).toBe("true");
  });

  it("a runner result the RunResult schema refuses is an internal row saying which field, in one line", async () => {
    const { dir, sweepPath } = tempSweep({
      axes: [
        {
          kind: "points",
          points: [
            { "fixture.mode": "malformed", x: 1 },
            { "fixture.mode": "ok", x: 2 },
          ],
        },
      ],
    });
    const out = join(dir, "r.csv");
    const s = await run(sweepPath, out, { workers: 1 });
    expect(s).toMatchObject({ ran: 2, failed: 1 });
    const { header, rows } = readResults(out);
    const get = (i: number, c: string) => rows[i]?.[header.indexOf(c)];
    expect([get(0, "ok"), get(0, "error_kind"), get(0, "error")]).toEqual([
      "false",
      "internal",
      'the runner returned a malformed RunResult: metrics.mfu: expected a finite number (or NaN when nothing was measured) (found "high" (a string))',
    ]);
    expect(get(1, "ok")).toBe("true");
  });

  it("shards merged equal the unsharded run, whatever the input order", async () => {
    const { dir, sweepPath } = smallSweep();
    const full = join(dir, "full.csv");
    await run(sweepPath, full);
    const shards = [1, 2, 3].map((k) => join(dir, `shard-${k}.csv`));
    for (const [i, path] of shards.entries()) {
      const s = await run(sweepPath, path, { shard: { k: i + 1, n: 3 } });
      expect(s.shardPoints).toBe(4);
    }
    const merged = join(dir, "merged.csv");
    const m = mergeResults({
      inputs: [shards[2], shards[0], shards[1], shards[0]] as string[],
      outPath: merged,
      sweepPath,
    });
    expect(m).toMatchObject({ rows: 12, duplicates: 4, missing: [], unknownIds: [] });
    expect(readFileSync(merged, "utf8")).toBe(readFileSync(full, "utf8"));
  });

  it("merge reports missing points and refuses files with other columns", async () => {
    const { dir, sweepPath } = smallSweep();
    const shard = join(dir, "s1.csv");
    await run(sweepPath, shard, { shard: { k: 1, n: 2 } });
    const m = mergeResults({ inputs: [shard], outPath: join(dir, "m.csv"), sweepPath });
    expect(m.missing?.map((x) => x.index)).toEqual([1, 3, 5, 7, 9, 11]);
    const other = join(dir, "other.csv");
    writeFileSync(other, "point_id,point_index,x\r\nabc,0,1\r\n");
    expect(() => mergeResults({ inputs: [shard, other], outPath: join(dir, "m2.csv") })).toThrow(/other columns/);
  });

  it("resume truncates a partial last row and runs only the missing points", async () => {
    const { dir, sweepPath } = smallSweep();
    const ref = join(dir, "ref.csv");
    await run(sweepPath, ref);
    const lines = readFileSync(ref, "utf8").split("\r\n");
    // A file as a kill leaves it: header, rows 0-4 in completion order, half of row 5.
    const partial = join(dir, "partial.csv");
    writeFileSync(partial, `${lines.slice(0, 6).join("\r\n")}\r\n`);
    appendFileSync(partial, (lines[6] as string).slice(0, 20));
    await expect(run(sweepPath, partial)).rejects.toThrow(/already exists: pass --resume/);
    const s = await run(sweepPath, partial, { resume: true });
    expect(s).toMatchObject({ alreadyDone: 5, ran: 7, remaining: 0 });
    expect(s.truncatedBytes).toBe(20);
    expect(readFileSync(partial, "utf8")).toBe(readFileSync(ref, "utf8"));
    const ids = parseCsv(readFileSync(partial, "utf8"))
      .slice(1)
      .map((r) => r[0]);
    expect(new Set(ids).size).toBe(12);
  });

  it("stop: no new points after the signal; rows so far are kept and the file stays valid", async () => {
    const { dir, sweepPath } = tempSweep({
      set: ["fixture.busyMs=30"],
      axes: [{ kind: "grid", values: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }],
    });
    const out = join(dir, "r.csv");
    const stop = new AbortController();
    let seen = 0;
    const progress = {
      start() {},
      note() {},
      stop() {},
      point() {
        if (++seen === 3) stop.abort();
      },
    };
    const s = await run(sweepPath, out, { stop: stop.signal, progress });
    expect(s).toMatchObject({ ran: 3, remaining: 7, interrupted: true });
    expect(readResults(out).rows).toHaveLength(3);
    expect(readResults(out).partialBytes).toBe(0);
  });

  it("abandon: running points are dropped at once, finished rows kept", async () => {
    const { dir, sweepPath } = tempSweep({
      set: ["fixture.busyMs=150"],
      axes: [{ kind: "grid", values: { x: [1, 2, 3, 4, 5, 6] } }],
    });
    const out = join(dir, "r.csv");
    const stop = new AbortController();
    const abandon = new AbortController();
    const progress = {
      start() {},
      note() {},
      stop() {},
      point() {
        stop.abort();
        abandon.abort();
      },
    };
    const s = await run(sweepPath, out, { workers: 2, stop: stop.signal, abandon: abandon.signal, progress });
    expect(s).toMatchObject({ ran: 1, remaining: 5, interrupted: true });
    const table = readResults(out);
    expect([table.rows.length, table.partialBytes]).toEqual([1, 0]);
  });

  it("a runner module that does not load stops the sweep with a user error", async () => {
    const { dir } = smallSweep();
    const sweepPath = join(dir, "sweep.yaml");
    await expect(
      runSweep({
        sweepPath,
        outPath: join(dir, "r.csv"),
        workers: 1,
        runner: { module: FIXTURE_RUNNER.module, exportName: "noSuchExport" },
      }),
    ).rejects.toThrow(/has no exported function 'noSuchExport'/);
  });
});
