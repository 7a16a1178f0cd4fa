import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * Issue 6 bad input, through the real CLI: negative rates, σ < 0, fractions
 * outside [0, 1], a slowdown factor < 1, a clock factor > 1, and card ids the
 * cluster does not have: a clear error naming the field, exit 1, no stack trace.
 */
const FIXTURES = new URL("../fixtures/scenarios/", import.meta.url).pathname;
const SMALL = `${FIXTURES}small-dp16.yaml`;

function expectCleanError(r: ReturnType<typeof runCli>): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^clustersim: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe("bad noise input", () => {
  it("the fixture itself runs (the errors below come from the noise values)", () => {
    const r = runScenario({ scenarioPath: SMALL, sets: [], seed: 1, steps: 1 });
    expect(r.ok).toBe(true);
  });

  it("every out-of-range noise value in a file is reported with file:line:col, field, expected and found", () => {
    const r = runCli(["run", `${FIXTURES}bad-noise.yaml`]);
    expectCleanError(r);
    const expected: Array<[string, string, string]> = [
      ["13:12", "noise.persistent.sigma", ">= 0, found -0.1"],
      ["14:19", "noise.persistent.slowFraction", "<= 1, found 2"],
      ["15:17", "noise.persistent.slowFactor", ">= 1, found 0.9"],
      ["17:12", "noise.jitter.sigma", ">= 0, found -1"],
      ["19:22", "noise.pauses.ratePerCardPerS", ">= 0, found -3"],
      ["20:17", "noise.pauses.meanPauseS", ">= 0, found -0.5"],
      ["22:15", "noise.throttling.fraction", "<= 1, found 1.1"],
      ["23:18", "noise.throttling.clockFactor", "<= 1, found 1.2"],
      ["25:15", "noise.degradedLinks.fraction", ">= 0, found -0.2"],
      ["26:22", "noise.degradedLinks.bandwidthFactor", ">= 0.01, found 0"],
    ];
    for (const [at, field, what] of expected) {
      expect(r.stderr).toContain(`bad-noise.yaml:${at}: ${field}: expected a number ${what}`);
    }
  });

  it("--set overrides are checked the same way, every issue reported in one run", () => {
    const cases: Array<[string, string]> = [
      ["noise.persistent.sigma=-1", "noise.persistent.sigma: expected a number >= 0, found -1"],
      ["noise.pauses.ratePerCardPerS=-2", "noise.pauses.ratePerCardPerS: expected a number >= 0, found -2"],
      ["noise.degradedLinks.fraction=1.5", "noise.degradedLinks.fraction: expected a number <= 1, found 1.5"],
      ["noise.persistent.slowFactor=0.5", "noise.persistent.slowFactor: expected a number >= 1, found 0.5"],
      ["noise.throttling.clockFactor=1.5", "noise.throttling.clockFactor: expected a number <= 1, found 1.5"],
    ];
    const r = runCli(["run", SMALL, ...cases.flatMap(([set]) => ["--set", set])]);
    expectCleanError(r);
    for (const [set, message] of cases) expect(r.stderr).toContain(`--set ${set}: ${message}`);
  });

  it("card ids beyond the cluster (slowCards, nicOfCards) are errors naming the field, not ignored or a crash", () => {
    const r = runCli([
      "run",
      SMALL,
      "--set",
      "noise.persistent.slowCards=[3, 16]",
      "--set",
      "noise.persistent.slowFactor=1.5",
      "--set",
      "noise.degradedLinks.nicOfCards=[99]",
      "--set",
      "noise.degradedLinks.bandwidthFactor=0.5",
    ]);
    expectCleanError(r);
    expect(r.stderr).toContain(
      "noise.persistent.slowCards[1]: expected a card id in [0, 15] (the cluster has 16 cards), found 16",
    );
    expect(r.stderr).toContain(
      "noise.degradedLinks.nicOfCards[0]: expected a card id in [0, 15] (the cluster has 16 cards), found 99",
    );
  });
});
