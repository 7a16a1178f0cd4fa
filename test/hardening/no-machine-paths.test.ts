import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Issue 13, item 8: docs and output show paths as given or relative to the working
// directory, never an absolute path of a development checkout or a home folder.

const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const BIN = join(ROOT, "bin/clustersim.mjs");
const REFS = "test/fixtures/hardening/refs";
const MACHINE_PATH = /(?<![\w.~-])\/(?:work|home|root|tmp|Users)\/[^\s`'")\]]*/g;

function files(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...files(p, keep));
    else if (keep(name)) out.push(p);
  }
  return out;
}

describe("docs name no machine paths", () => {
  const docs = [
    "README.md",
    "BENCHMARKS.md",
    ...files("docs", (n) => n.endsWith(".md")),
    ...files("topologies", (n) => /\.ya?ml$/.test(n)),
  ];

  it("README, BENCHMARKS, docs/*.md and topologies/**/*.yaml contain no /work/, /home/, /root/, /tmp/ or /Users/ path", () => {
    expect(docs.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const doc of docs) {
      readFileSync(join(ROOT, doc), "utf8")
        .split("\n")
        .forEach((line, i) => {
          for (const m of line.matchAll(MACHINE_PATH)) found.push(`${doc}:${i + 1}: ${m[0]}`);
        });
    }
    expect(found, `absolute machine paths in docs:\n${found.join("\n")}`).toEqual([]);
  });

  it("the pattern finds what it must and leaves relative paths alone", () => {
    const hits = (s: string) => [...s.matchAll(MACHINE_PATH)].map((m) => m[0]);
    expect(hits("see /work/main/topologies/x.yaml and /home/me/x, `/tmp/run.csv`")).toEqual([
      "/work/main/topologies/x.yaml",
      "/home/me/x,",
      "/tmp/run.csv",
    ]);
    expect(hits("runs/work/a.csv topologies/home/x ~/tmp/y")).toEqual([]);
  });
});

describe("the CLI shows no absolute path of the checkout", () => {
  const cases: string[][] = [
    ["sweep", "topologies/sweeps/example.yaml", "--dry-run"],
    ["sweep", `${REFS}/sweep-missing.yaml`, "--dry-run"],
    ["sweep", `${REFS}/sweep-missing.yaml`, "--out", "runs/never-written.csv"],
    ["sweep", `${REFS}/sweep-invalid.yaml`, "--out", "runs/never-written.csv"],
    ["validate", "topologies/sweeps/example.yaml", "topologies/scenarios/gpt3-175b-h100-1024.yaml"],
    ["validate", `${REFS}/invalid.yaml`, `${REFS}/bad-topology.yaml`, `${REFS}/broken-ref.yaml`],
    ["run", `${REFS}/bad-topology.yaml`],
    ["run", `${REFS}/cycle-a.yaml`],
    ["run", `${REFS}/self.yaml`],
    ["run", "no-such-scenario.yaml"],
  ];
  for (const args of cases) {
    it(args.join(" "), () => {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      const all = `${r.stdout}${r.stderr}`;
      expect(all.length).toBeGreaterThan(0);
      expect(all, all).not.toContain(ROOT);
      expect(all).not.toMatch(/\n\s+at /);
      // The paths it shows are the ones given, relative to the working directory.
      for (const m of all.matchAll(/(?:topologies|test)\/[\w./-]+\.yaml/g)) {
        expect(relative(ROOT, join(ROOT, m[0]))).toBe(m[0]);
      }
    });
  }
});
