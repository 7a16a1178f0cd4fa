import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIR = "test/fixtures/bad/topology";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Each bad fixture and a fragment its error line must contain (after `file:line:col: `). */
const EXPECTED: Record<string, string[]> = {
  "a-directory.yaml": ["expected a YAML or JSON file, found a directory"],
  "attention-head-dims.yaml": [
    ":9:22: accelerator.overrides.efficiency.attentionByHeadDim.0.headDim: expected a whole number, found 64.5",
  ],
  "attention-head-dim-twice.yaml": [
    ":9:9: accelerator.overrides.efficiency.attentionByHeadDim: expected each head dim once, found 96 more than once",
  ],
  "absurd-size.yaml": [":2:8: nodes: expected a number <= 1,048,576, found 1000000000000"],
  "bad-kind.yaml": [
    ':11:9: scaleOut.kind: expected one of "single-switch", "fat-tree", "rail-optimized", "torus", found "fat-three"',
    "did you mean 'fat-tree'?",
  ],
  "bad-yaml-syntax.yaml": [":8:3: expected valid YAML, found a syntax error"],
  "binary.yaml": ["expected a UTF-8 text file, found binary data"],
  "cards-mismatch.yaml": [":4:8: cards: expected nodes x cardsPerNode = 2 x 8 = 16, found 15"],
  "duplicate-key.yaml": [":3:1: expected valid YAML, found a syntax error: Map keys must be unique"],
  "empty.yaml": ["expected a YAML mapping, found an empty file"],
  "nics-not-dividing-cards.yaml": [
    ":12:16: scaleOut.nicsPerNode: expected a multiple or a divisor of cardsPerNode (8)",
  ],
  "infinite-latency.yaml": [":14:14: scaleOut.latencyUs: expected a finite number", "found .inf (infinite)"],
  "many-errors.yaml": [
    ":2:8: nodes: expected a number >= 1, found -2",
    ":3:15: cardsPerNode: expected a whole number, found 8.5",
    ":7:14: accelerator.overrides.hbmTBps: expected a number > 0",
    ":10:3: scaleUp.bandwidthGbps: unknown field 'bandwidthGbps'; did you mean 'bandwidthGBps'?",
    ":13:3: scaleOut.latencyUs: expected a finite number (in microseconds, as the field name says), found nothing",
  ],
  "missing-section.yaml": [":1:1: scaleOut: expected a mapping, found nothing (the field is missing)"],
  "negative-bandwidth.yaml": [":13:12: scaleOut.nicGbps: expected a number > 0", "found -400"],
  "non-divisible-domain.yaml": [":10:16: scaleUp.domainCards: expected a divisor of the card count 16, found 12"],
  "oversubscription-below-one.yaml": [":17:25: scaleOut.tiers.0.oversubscription: expected a number >= 1, found 0.5"],
  "spine-radix-too-small.yaml": [":17:14: scaleOut.tiers.1.radix: expected a spine radix of at least 256"],
  "too-many-cards.yaml": [":2:8: nodes: expected at most 1,048,576 cards in all"],
  "typo.yaml": [":3:1: cardPerNode: unknown field 'cardPerNode'; did you mean 'cardsPerNode'?"],
  "unit-gbytes-vs-gbits.yaml": [
    ":13:3: scaleOut.nicGBps: unknown field 'nicGBps'; did you mean 'nicGbps'?",
    "Gbps = bits, GBps = bytes",
  ],
  "unit-in-string.yaml": [
    ':13:12: scaleOut.nicGbps: expected a finite number (in Gb/s = 10^9 bits/s, as the field name says), found "400 Gb/s"',
  ],
  "unit-missing.yaml": [":8:3: scaleUp.bandwidth: unknown field 'bandwidth'; did you mean 'bandwidthGBps'?"],
  "unknown-accelerator.yaml": [
    ":5:9: accelerator.name: expected a catalog accelerator",
    "did you mean 'H100-SXM5-80GB'?",
  ],
  "unknown-key.yaml": [":15:1: colour: unknown field 'colour'"],
  "wrong-type.json": [":6:49: scaleUp.latencyUs: expected a finite number", "found true (a boolean)"],
  "wrong-type.yaml": [':2:8: nodes: expected a finite number, found "many"'],
  "zero-bandwidth.yaml": [":8:18: scaleUp.bandwidthGBps: expected a number > 0", "found 0"],
};

describe("clustersim validate on bad topology files", () => {
  it("has an expectation for every fixture (at least 15)", () => {
    const files = readdirSync(`${ROOT}${DIR}`).sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it("prints every error of every file as file:line:col: path: message, exits 1, no stack trace", () => {
    const files = Object.keys(EXPECTED).map((f) => `${DIR}/${f}`);
    const r = runCliIn(["validate", ...files]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const lines = r.stderr.trim().split("\n");
    for (const [file, fragments] of Object.entries(EXPECTED)) {
      const mine = lines.filter((l) => l.startsWith(`${DIR}/${file}:`));
      expect(mine.length, file).toBeGreaterThan(0);
      for (const fragment of fragments) {
        expect(
          mine.some((l) => l.includes(fragment)),
          `${file}: ${fragment}\n${mine.join("\n")}`,
        ).toBe(true);
      }
    }
    expect(lines.at(-1)).toBe(
      `clustersim: ${files.length} of ${files.length} files invalid (${lines.length - 1} errors)`,
    );
  });

  it("exits 1 for one bad file among good ones and still prints the good ones' OK lines", () => {
    const r = runCliIn(["validate", "topologies/clusters/small-2x8.yaml", `${DIR}/typo.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^OK topologies\/clusters\/small-2x8.yaml: small-2x8: 16 cards/);
    expect(r.stderr).toMatch(/typo.yaml:3:1: cardPerNode: unknown field/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("applies --set before validation with the same checks", () => {
    const ok = runCliIn(["validate", "topologies/clusters/small-2x8.yaml", "--set", "scaleOut.nicGbps=400"]);
    expect(ok.code).toBe(0);
    // 16 NICs x 400 Gb/s / 8 / 2 = 0.40 TB/s bisection (was 0.20 at 200 Gb/s).
    expect(ok.stdout).toMatch(/bisection 0\.40 TB\/s/);
    const bad = runCliIn(["validate", "topologies/clusters/small-2x8.yaml", "--set", "scaleOut.nicGBps=400"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--set scaleOut.nicGBps=400: scaleOut.nicGBps: .*did you mean 'nicGbps'\?/);
    const neg = runCliIn(["validate", "topologies/clusters/small-2x8.yaml", "--set", "scaleOut.nicGbps=-1"]);
    expect(neg.code).toBe(1);
    expect(neg.stderr).toMatch(/--set scaleOut.nicGbps=-1: scaleOut.nicGbps: expected a number > 0/);
  });
});

/** Runs the real CLI from the repository root, as a user would. */
function runCliIn(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/clustersim.mjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
