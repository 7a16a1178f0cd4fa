import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { kindOf } from "../../src/claims/input-files.js";

// Issue 13, item 6: validate knows every file kind (inferred, or --kind); a sweep whose
// scenario does not load fails once, up front, with exit 1.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/clustersim.mjs");
const REFS = "test/fixtures/hardening/refs";
const STACK = /\n\s+at /;

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const shipped = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `${dir}/${f}`);

const temp = mkdtempSync(join(tmpdir(), "clustersim-kinds-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("kindOf", () => {
  it("tells the kinds apart by their top-level fields", () => {
    expect(kindOf({ statement: "x", bound: {}, scenario: "s.yaml" })).toBe("claim");
    expect(kindOf({ scenario: "s.yaml", axes: [] })).toBe("sweep");
    expect(kindOf({ topology: "t.yaml", model: "m.yaml", parallel: {} })).toBe("scenario");
    expect(kindOf({ topology: "t.yaml", model: "m.yaml", serving: {} })).toBe("scenario");
    expect(kindOf({ name: "m", layers: 2, hiddenSize: 64 })).toBe("model");
    expect(kindOf({ name: "t", nodes: 2, cardsPerNode: 8 })).toBe("topology");
    expect(kindOf({ name: "x" })).toBeUndefined();
    expect(kindOf("text")).toBeUndefined();
    expect(kindOf([1, 2])).toBeUndefined();
  });
});

describe("validate on every shipped kind", () => {
  const kinds: [string, string][] = [
    ["topologies/clusters", "topology"],
    ["topologies/scenarios", "scenario"],
    ["topologies/models", "model"],
    ["topologies/sweeps", "sweep"],
    ["topologies/claims", "claim"],
    ["topologies/published/megatron-2021", "scenario"],
  ];
  const files = kinds.flatMap(([dir, kind]) => shipped(dir).map((f) => [f, kind] as const));

  it("exits 0 with one OK line per file naming its kind (topologies keep their cluster summary)", () => {
    const r = cli(["validate", ...files.map(([f]) => f)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(files.length);
    files.forEach(([file, kind], i) => {
      const line = lines[i] ?? "";
      expect(line.startsWith(`OK ${file}: `), line).toBe(true);
      if (kind === "topology") expect(line).toMatch(/: [\w.-]+: [\d,]+ cards \(/);
      else if (kind === "scenario") expect(line).toMatch(/: (serving )?scenario \S+$/);
      else expect(line).toMatch(new RegExp(`: ${kind} \\S`));
    });
  });

  it("--kind names the kind; a file of another kind is one clear error, exit 1", () => {
    const scenario = "topologies/scenarios/gpt3-175b-h100-1024.yaml";
    const ok = cli(["validate", "--kind", "scenario", scenario]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(`OK ${scenario}: scenario gpt3-175b-h100-1024`);
    const bad = cli(["validate", "--kind", "topology", scenario]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toEqual([
      `${scenario}: expected a topology file (--kind topology), found a scenario file (by its top-level fields)`,
      "clustersim: 1 of 1 file invalid (1 error)",
    ]);
    const model = cli(["validate", "--kind", "model", "topologies/clusters/small-2x8.yaml"]);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain("expected a model file (--kind model), found a topology file");
    const unknown = cli(["validate", "--kind", "cluster", scenario]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "--kind: expected one of topology, scenario, model, sweep, claim, found 'cluster'",
    );
    for (const r of [bad, model, unknown]) expect(r.stderr).not.toMatch(STACK);
  });

  it("--set applies to scenarios and models as to topologies, and is refused for sweeps and claims", () => {
    const scenario = cli(["validate", "topologies/scenarios/gpt3-175b-h100-1024.yaml", "--set", "parallel.tpp=4"]);
    expect(scenario.code).toBe(1);
    expect(scenario.stderr).toContain("did you mean 'tp'?");
    const model = cli(["validate", "topologies/models/llama3-8b.yaml", "--set", "layers=-1"]);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain("layers");
    const sweep = cli(["validate", "topologies/sweeps/example.yaml", "--set", "seed=2"]);
    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toContain("--set applies to topology, scenario and model files, not to a sweep file");
  });

  it("bad files of each kind are reported with file:line:col and field, exit 1", () => {
    const r = cli([
      "validate",
      `${REFS}/invalid.yaml`,
      `${REFS}/sweep-invalid.yaml`,
      `${REFS}/sweep-missing.yaml`,
      "topologies/clusters/small-2x8.yaml",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toMatch(/^OK topologies\/clusters\/small-2x8.yaml: small-2x8: 16 cards/);
    expect(r.stderr).toContain(`${REFS}/invalid.yaml:5:75: parallel.recomptue: unknown field 'recomptue'`);
    expect(r.stderr).toContain(`${REFS}/sweep-invalid.yaml: the scenario ${REFS}/invalid.yaml does not load`);
    expect(r.stderr).toContain(
      `${REFS}/sweep-missing.yaml: scenario file not found: ${REFS}/no-such-scenario.yaml (no point was run)`,
    );
    expect(r.stderr).toMatch(/clustersim: 3 of 4 files invalid/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe("sweep whose scenario does not load", () => {
  for (const [name, fragment] of [
    ["sweep-missing.yaml", `scenario file not found: ${REFS}/no-such-scenario.yaml (no point was run)`],
    ["sweep-invalid.yaml", `the scenario ${REFS}/invalid.yaml does not load (no point was run):`],
    ["sweep-cycle.yaml", "refers to itself through"],
  ] as const) {
    it(`${name}: exit 1 once, before any point runs; no results file`, () => {
      const out = join(temp, `${name}.csv`);
      const r = cli(["sweep", `${REFS}/${name}`, "--out", out, "--workers", "1"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(fragment);
      expect(r.stderr).not.toMatch(STACK);
      // Once: the scenario's problem is printed one time, not per point.
      expect(r.stderr.match(/no point was run/g)).toHaveLength(1);
      expect(r.stdout).toBe("");
      expect(existsSync(out)).toBe(false);
    });
  }

  it("the dry run still works without the scenario (it only lists points)", () => {
    const r = cli(["sweep", `${REFS}/sweep-missing.yaml`, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`scenario: ${REFS}/no-such-scenario.yaml (not found: a real run needs it)`);
  });
});
