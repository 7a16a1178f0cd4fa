import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Issue 13, item 5: directory walks follow no symlink loops and report broken links as bad
// input (exit 2); reference cycles get a "refers to itself through A → B → A" message; an
// error about a referenced file never echoes that file's bytes.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/clustersim.mjs");
const REFS = "test/fixtures/hardening/refs";
const CLAIM = join(ROOT, "topologies/claims/megatron-h100-8k.yaml");
const STACK = /\n\s+at /;

function cli(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "clustersim-walk-"));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("check DIR with symbolic links", () => {
  it("a link back to a containing folder is a cycle: exit 2, one line per link, no ELOOP trace", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "claims/sub"), { recursive: true });
    symlinkSync("..", join(dir, "claims/sub/up"));
    symlinkSync(".", join(dir, "claims/here"));
    const r = cli(["check", "claims"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toMatch(/ELOOP|ENOENT|ENAMETOOLONG/);
    expect(r.stderr).toContain("claims/here: a symbolic link back to the folder claims that contains it (a cycle)");
    expect(r.stderr).toContain("claims/sub/up: a symbolic link back to the folder claims that contains it (a cycle)");
    expect(r.stdout).toBe("");
  });

  it("a link that points to itself is reported, not followed", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "claims"));
    symlinkSync("loop.yaml", join(dir, "claims/loop.yaml"));
    const r = cli(["check", "claims"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("claims/loop.yaml: a symbolic link that loops");
    expect(r.stderr).not.toMatch(STACK);
    const direct = cli(["check", "claims/loop.yaml"], dir);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toContain("claims/loop.yaml: a symbolic link that loops");
    expect(direct.stderr).not.toMatch(STACK);
  });

  it("a dangling link is bad input (exit 2), in a folder or named directly", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "claims"));
    symlinkSync("gone.yaml", join(dir, "claims/dangling.yaml"));
    for (const target of ["claims", "claims/dangling.yaml"]) {
      const r = cli(["check", target], dir);
      expect(r.code, target).toBe(2);
      expect(r.stderr).toContain("claims/dangling.yaml: a dangling symbolic link (its target does not exist)");
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).not.toMatch(/ENOENT/);
    }
  });

  it("a link to a file or folder walked elsewhere is followed once, not reported", async () => {
    const { collectInputs } = await import("../../src/claims/input-files.js");
    const dir = tempDir();
    mkdirSync(join(dir, "a"));
    writeFileSync(join(dir, "a/claim.yaml"), readFileSync(CLAIM, "utf8").replaceAll("../", `${ROOT}topologies/`));
    mkdirSync(join(dir, "b"));
    symlinkSync("../a", join(dir, "b/to-a"));
    symlinkSync("../a/claim.yaml", join(dir, "b/same.yaml"));
    const found = collectInputs([dir], ["claim"]);
    expect(found.map((f) => f.file)).toEqual([join(dir, "a/claim.yaml")]);
  });
});

describe("scenario references", () => {
  it("a scenario whose topology is itself: 'refers to itself through S → S', exit 1", () => {
    const r = cli(["run", `${REFS}/self.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${REFS}/self.yaml:3:11: topology: expected a topology file (path relative to the scenario file) or an inline topology, found './self.yaml', which refers to itself through ${REFS}/self.yaml → ${REFS}/self.yaml (a reference cycle)`,
    );
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("A → B → A: the cycle is named in order", () => {
    const r = cli(["run", `${REFS}/cycle-a.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `refers to itself through ${REFS}/cycle-a.yaml → ${REFS}/cycle-b.yaml → ${REFS}/cycle-a.yaml`,
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it("a model reference back to the scenario is a cycle too", () => {
    const r = cli(["validate", `${REFS}/model-cycle.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${REFS}/model-cycle.yaml:4:8: model:`);
    expect(r.stderr).toContain("refers to itself through");
  });

  it("a cycle through a symbolic link is found by real path", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "s.yaml"),
      `name: s\ntopology: link.yaml\nmodel: ${ROOT}topologies/models/megatron-1.7b.yaml\nparallel: { tp: 1, pp: 1, dp: 16, microBatchSize: 1, globalBatchSize: 16 }\n`,
    );
    symlinkSync("s.yaml", join(dir, "link.yaml"));
    const r = cli(["run", "s.yaml"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refers to itself through s.yaml → link.yaml");
  });

  const passwd = existsSync("/etc/passwd") ? readFileSync("/etc/passwd", "utf8") : "";
  const passwdLines = passwd
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length >= 4);

  it.skipIf(passwd === "")("topology: /etc/passwd names the file and field and shows none of its contents", () => {
    for (const args of [
      ["run", `${REFS}/passwd.yaml`],
      ["validate", `${REFS}/passwd.yaml`],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(1);
      const all = r.stdout + r.stderr;
      expect(all).toContain(
        `${REFS}/passwd.yaml:4:11: topology: expected a topology file, found '/etc/passwd', a text that is not a YAML mapping (contents not shown)`,
      );
      expect(all).not.toContain("root:");
      for (const line of passwdLines) expect(all).not.toContain(line);
      for (const field of passwd.split(/[:\n]/).filter((f) => f.length >= 12)) expect(all).not.toContain(field);
      expect(all).not.toMatch(STACK);
    }
  });

  it.skipIf(passwd === "")("a sweep over it is refused up front: no results file, no bytes of it anywhere", () => {
    const out = join(tempDir(), "results.csv");
    const r = cli(["sweep", `${REFS}/sweep-passwd.yaml`, "--out", out, "--workers", "1"]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(r.stderr).toContain("does not load (no point was run)");
    expect(r.stderr).not.toContain("root:");
    for (const line of passwdLines) expect(r.stderr + r.stdout).not.toContain(line);
  });

  it("a topology that is a scenario, a list, or a mapping of other fields is described, not echoed", () => {
    const dir = tempDir();
    const scenario = (topology: string) =>
      `name: s\ntopology: ${topology}\nmodel: ${ROOT}topologies/models/megatron-1.7b.yaml\nparallel: { tp: 1, pp: 1, dp: 16, microBatchSize: 1, globalBatchSize: 16 }\n`;
    writeFileSync(join(dir, "list.yaml"), "- secret-token-123\n- other-secret-456\n");
    writeFileSync(join(dir, "env.yaml"), "password: hunter2-secret\napiKey: sk-live-abcdef\n");
    writeFileSync(join(dir, "other.yaml"), scenario("list.yaml"));
    const cases: [string, string][] = [
      ["list.yaml", "found 'list.yaml', a YAML list, not a mapping (contents not shown)"],
      ["env.yaml", "found 'env.yaml', a YAML mapping with none of the topology fields"],
      ["other.yaml", "found 'other.yaml', which looks like a scenario file, not a topology (contents not shown)"],
    ];
    for (const [target, fragment] of cases) {
      writeFileSync(join(dir, "s.yaml"), scenario(target));
      const r = cli(["run", "s.yaml"], dir);
      expect(r.code, target).toBe(1);
      expect(r.stderr).toContain(`s.yaml:2:11: topology: expected a topology file, ${fragment}`);
      expect(r.stderr).not.toMatch(/secret|hunter2|sk-live|password|apiKey/);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it("a referenced file that is not valid YAML: position kept, parser detail (which may quote it) not shown", () => {
    const r = cli(["run", `${REFS}/broken-ref.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${REFS}/broken-topology.yaml:3:1: expected valid YAML, found a syntax error (details not shown`,
    );
    // Named directly, the file's own errors are shown in full.
    const direct = cli(["validate", `${REFS}/broken-topology.yaml`]);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/broken-topology.yaml:3:1: expected valid YAML, found a syntax error: \S/);
  });

  it("a real topology's own errors are still reported in full, at its path relative to the working directory", () => {
    const r = cli(["run", `${REFS}/bad-topology.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "test/fixtures/bad/topology/typo.yaml:3:1: topology.cardPerNode: unknown field 'cardPerNode'; did you mean 'cardsPerNode'?",
    );
    expect(r.stderr).not.toContain(ROOT);
  });
});
