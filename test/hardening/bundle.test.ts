import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS module of the bin (no type declarations)
import { pickEntry } from "../../bin/pick-entry.mjs";
// @ts-expect-error plain JS module of the bin (no type declarations)
import { sourceHash } from "../../bin/source-hash.mjs";

/**
 * The start-up bundle (scripts/build-bundle.mjs, built by `npm ci`): it
 * builds, it runs the same code as the sources (same output, same sweep CSV
 * through its bundled worker threads), and a stale, partial or missing bundle
 * is never run: the bin falls back to the sources.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "clustersim.mjs");
const work = mkdtempSync(join(tmpdir(), "clustersim-bundle-"));

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: ROOT,
    timeout: 180_000,
    env: { ...process.env, CLUSTERSIM_SHOW_ENTRY: "1", ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A directory that looks like a bundle whose code prints OLD CODE, with the given manifest hash. */
function fakeBundle(name: string, hash: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "cli.mjs"),
    'export async function main() { process.stdout.write("OLD CODE\\n"); return 0; }\n',
  );
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ sourceHash: hash, entries: { cli: "cli.mjs" } }));
  return dir;
}

describe("start-up bundle", () => {
  // Inside the package (a bundle finds package.json, topologies/ and bench/ one level up), git-ignored.
  const dist = join(ROOT, "test-output", `dist-${process.pid}`);
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it("builds, records the hash of the sources, and runs with the same output as the sources", () => {
    const build = spawnSync(
      process.execPath,
      [join(ROOT, "scripts", "build-bundle.mjs"), "--outdir", dist, "--strict"],
      {
        encoding: "utf8",
        cwd: ROOT,
        timeout: 180_000,
      },
    );
    expect(build.status, build.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dist, "manifest.json"), "utf8")) as { sourceHash: string };
    expect(manifest.sourceHash).toBe(sourceHash(ROOT));
    expect(pickEntry(ROOT, dist, {})).toEqual({ kind: "bundle", file: join(dist, "cli.mjs") });

    const args = ["run", "test/fixtures/scenarios/small-dp16.yaml", "--json"];
    const bundled = cli(args, { CLUSTERSIM_DIST: dist });
    const sources = cli(args, { CLUSTERSIM_NO_BUNDLE: "1" });
    expect(bundled.stderr).toContain(`running from ${join(dist, "cli.mjs")}`);
    expect(sources.stderr).toContain("running from sources (CLUSTERSIM_NO_BUNDLE is set)");
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stdout.length).toBeGreaterThan(100);
    expect(bundled.stdout).toBe(sources.stdout);
  });

  it("a sweep on 2 worker threads from the bundle writes the same CSV as from the sources", () => {
    const outs = { bundle: join(work, "bundle.csv"), sources: join(work, "sources.csv") };
    const sweepPath = join(work, "sweep.yaml");
    writeFileSync(
      sweepPath,
      [
        `scenario: ${JSON.stringify(join(ROOT, "test/fixtures/scenarios/small-dp16.yaml"))}`,
        "seed: 1",
        "steps: 1",
        "axes:",
        "  - kind: grid",
        "    values:",
        "      topology.scaleOut.nicGbps: [100, 400]",
        "      noise.jitter.sigma: [0, 0.05]",
        "",
      ].join("\n"),
    );
    const sweep = ["sweep", sweepPath, "--workers", "2"];
    const a = cli([...sweep, "--out", outs.bundle], { CLUSTERSIM_DIST: dist });
    const b = cli([...sweep, "--out", outs.sources], { CLUSTERSIM_NO_BUNDLE: "1" });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toContain("running from");
    expect(a.stderr).not.toContain("running from sources");
    const csv = readFileSync(outs.bundle, "utf8");
    expect(csv.split("\r\n").length).toBeGreaterThan(3);
    expect(csv).toBe(readFileSync(outs.sources, "utf8"));
  });

  it("never runs a bundle built from other sources: stale, incomplete or missing falls back to the sources", () => {
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    const stale = fakeBundle("stale", "0".repeat(64));
    const r = cli(["--version"], { CLUSTERSIM_DIST: stale });
    expect(r.stdout.trim()).toBe(version);
    expect(r.stderr).toContain("sources changed since the bundle was built");

    // The same fake bundle with the current hash is run: the check above is what kept it out.
    const fresh = fakeBundle("fresh", sourceHash(ROOT));
    expect(cli(["--version"], { CLUSTERSIM_DIST: fresh }).stdout).toBe("OLD CODE\n");

    const partial = fakeBundle("partial", sourceHash(ROOT));
    writeFileSync(join(partial, "manifest.json"), JSON.stringify({ sourceHash: sourceHash(ROOT), entries: {} }));
    expect(pickEntry(ROOT, partial, {}).kind).toBe("sources");
    writeFileSync(join(partial, "manifest.json"), "{ not json");
    expect(pickEntry(ROOT, partial, {}).kind).toBe("sources");
    const missing = cli(["--version"], { CLUSTERSIM_DIST: join(work, "nowhere") });
    expect(missing.stdout.trim()).toBe(version);
    expect(missing.stderr).toContain("no bundle built");
  });

  it("the source hash changes with any edit, addition or removal under src/ and bench/", () => {
    const tree = join(work, "tree");
    mkdirSync(join(tree, "src", "a"), { recursive: true });
    mkdirSync(join(tree, "bench"), { recursive: true });
    writeFileSync(join(tree, "src", "a", "x.ts"), "export const x = 1;\n");
    writeFileSync(join(tree, "bench", "b.ts"), "export const b = 1;\n");
    const h0 = sourceHash(tree);
    expect(sourceHash(tree)).toBe(h0);
    writeFileSync(join(tree, "src", "a", "x.ts"), "export const x = 2;\n");
    const h1 = sourceHash(tree);
    expect(h1).not.toBe(h0);
    writeFileSync(join(tree, "src", "y.ts"), "");
    const h2 = sourceHash(tree);
    expect(h2).not.toBe(h1);
    writeFileSync(join(tree, "bench", "b.ts"), "export const b = 2;\n");
    expect(sourceHash(tree)).not.toBe(h2);
  });
});
