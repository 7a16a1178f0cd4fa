import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { runCli } from "../helpers/run-cli.js";

const SCENARIO = fileURLToPath(new URL("../fixtures/symmetry/gpt-tp4.yaml", import.meta.url));

describe("a forced collective algorithm that the plan cannot use", () => {
  it("is an input error naming collectives.algo, what it cannot run and what would", () => {
    // ZeRO-1 reduces gradients with reduce-scatters, which the tree algorithm does not implement.
    const r = runScenario({
      scenarioPath: SCENARIO,
      sets: ["collectives.algo=tree", "parallel.zeroStage=1"],
      seed: 1,
      steps: 1,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe("invalid-input");
    expect(r.error).toMatch(
      /^collectives\.algo: expected an algorithm that runs every collective of this plan \(or auto\), found 'tree': reducescatter .*does not implement reducescatter \(choose from ring, halving-doubling, mesh, auto\)$/,
    );
  });

  it("exits 1 from the CLI with the message and no stack trace; tree still runs all-reduce-only plans", () => {
    const bad = runCli(["run", SCENARIO, "--set", "collectives.algo=tree", "--set", "parallel.zeroStage=1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("collectives.algo: expected an algorithm");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const ok = runScenario({ scenarioPath: SCENARIO, sets: ["collectives.algo=tree"], seed: 1, steps: 1 });
    expect(ok.ok, ok.ok ? "" : ok.error).toBe(true);
  });
});
