import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package installs without a registry package of its own: `npm pack`
 * here, `npm install <tarball>` in a fresh project (its runtime dependencies
 * come from the npm registry), then `npx --no-install clustersim` there, so npx
 * can never fall back to a registry package of the same name.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STACK = /\n\s+at /;
const MINUTES = 60_000;

const work = mkdtempSync(join(tmpdir(), "clustersim-install-"));
const project = join(work, "project");

function sh(cmd: string, args: string[], cwd: string, timeout = 4 * MINUTES, extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", ...extraEnv };
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

const npx = (args: string[]) => sh("npx", ["--no-install", "clustersim", ...args], project, 2 * MINUTES);

describe("installed from an npm pack tarball into another project", () => {
  let tarball = "";

  beforeAll(() => {
    const pack = sh("npm", ["pack", "--json", "--pack-destination", work], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const packed = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const info = packed[0];
    if (!info) throw new Error("npm pack printed no package");
    tarball = join(work, info.filename);
    const files = info.files.map((f) => f.path);
    expect(files).toContain("bin/clustersim.mjs");
    // npm pack ran the prepare script: the start-up bundle ships with its manifest.
    expect(files).toContain("dist/cli.mjs");
    expect(files).toContain("dist/manifest.json");
    expect(files).toContain("src/sweep/worker-bootstrap.mjs");
    expect(files).toContain("topologies/clusters/small-2x8.yaml");
    expect(files.some((f) => f.startsWith("test/") || f.startsWith("runs/"))).toBe(false);

    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "platform-repo", private: true }, null, 2));
    // Before installing: npx --no-install must fail, not fetch a package called clustersim.
    const missing = npx(["--version"]);
    expect(missing.code).not.toBe(0);
    const install = sh("npm", ["install", "--save-dev", "--no-audit", tarball], project);
    expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
    // The files a platform team writes: a scenario on a shipped topology and model, and a claim about it.
    mkdirSync(join(project, "claims"));
    writeFileSync(
      join(project, "claims", "scenario.yaml"),
      [
        "name: tiny",
        "topology: ../node_modules/clustersim/topologies/clusters/small-2x8.yaml",
        "model: ../node_modules/clustersim/topologies/models/megatron-1.7b.yaml",
        "parallel: { tp: 1, pp: 1, dp: 16, microBatchSize: 1, globalBatchSize: 32 }",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(project, "claims", "holds.yaml"),
      [
        "statement: 50% scaling efficiency from 8 to 16 cards",
        "scenario: scenario.yaml",
        "mode: weak",
        "baseCards: 8",
        "targetCards: 16",
        'bound: { metric: scalingEfficiency, op: ">=", value: 0.5 }',
        "variants:",
        "  - name: nic-100g",
        "    set: [topology.scaleOut.nicGbps=100]",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(project, "claims", "fails.yaml"),
      "statement: an MFU no card reaches\nscenario: scenario.yaml\ntargetCards: 16\nbound: { metric: mfu, op: '>=', value: 0.99 }\n",
    );
  }, 8 * MINUTES);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("puts the package and its bin under node_modules", () => {
    expect(existsSync(join(project, "node_modules", ".bin", "clustersim"))).toBe(true);
    expect(existsSync(join(project, "node_modules", "tsx"))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(pkg.devDependencies.clustersim).toMatch(/\.tgz$/);
  });

  it("npx --no-install clustersim check: a claim that holds exits 0, one that fails exits 1", () => {
    const holds = npx(["check", "claims/holds.yaml", "--threads", "2"]);
    expect(holds.code, holds.stderr).toBe(0);
    expect(holds.stdout).toMatch(/^claim: 50% scaling efficiency from 8 to 16 cards$/m);
    expect(holds.stdout).toMatch(/^ {2}baseline +[\d.]+% +>= 50\.0% +holds /m);
    const fails = npx(["check", "claims/fails.yaml", "--threads", "1"]);
    expect(fails.code).toBe(1);
    expect(fails.stderr).toMatch(/^clustersim: check failed: claim does not hold: claims\/fails\.yaml \(baseline\)$/m);
    for (const r of [holds, fails]) expect(r.stderr).not.toMatch(STACK);
  });

  it("npx --no-install clustersim validate: a shipped topology is OK, a broken one exits 1", () => {
    const ok = npx(["validate", "node_modules/clustersim/topologies/clusters/small-2x8.yaml"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^OK node_modules\/clustersim\/topologies\/clusters\/small-2x8\.yaml: small-2x8: 16 cards/m,
    );
    writeFileSync(join(project, "broken.yaml"), "name: broken\nnodes: two\n");
    const bad = npx(["validate", "broken.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/broken\.yaml:2:\d+: nodes: /);
    expect(bad.stderr).not.toMatch(STACK);
  });

  it("runs seeds on worker threads from node_modules, from the bundle npm pack built (and from the sources)", () => {
    const args = ["run", "claims/scenario.yaml", "--seeds", "2", "--workers", "2", "--json"];
    const bundled = sh("npx", ["--no-install", "clustersim", ...args], project, 2 * MINUTES, {
      CLUSTERSIM_SHOW_ENTRY: "1",
    });
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stderr).toMatch(/running from .*node_modules\/clustersim\/dist\/cli\.mjs/);
    expect(JSON.parse(bundled.stdout).seeds.seeds).toEqual([1, 2]);
    // The tsx worker bootstrap, as when no bundle was built.
    const sources = sh("npx", ["--no-install", "clustersim", ...args], project, 2 * MINUTES, {
      CLUSTERSIM_NO_BUNDLE: "1",
    });
    expect(sources.code, sources.stderr).toBe(0);
    expect(sources.stdout).toBe(bundled.stdout);
  });
});
