import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

/**
 * Every output written with the atomic writer (schema --out, run
 * --requests-csv, scale --csv, check --junit, plots) refuses a target that is
 * not a regular file, and a folder that cannot be written is bad input (exit
 * 1, one line, no stack trace), never a hang or a raw error (issue 13).
 */
describe("outputs refuse special files and unwritable folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-writes-"));
  const fifo = join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);

  it("schema --out to a FIFO: exit 1 naming the kind, no hang", () => {
    const r = runCli(["schema", "topology", "--out", fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`clustersim: ${fifo}: expected a regular file to write, found a FIFO (named pipe)`);
  });

  it("run --requests-csv under a path that is not a folder: exit 1, one line", () => {
    const r = runCli(["run", "test/fixtures/serving/tiny-offline.yaml", "--requests-csv", "/dev/null/requests.csv"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("/dev/null/requests.csv");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("a regular target is still written atomically", () => {
    const out = join(dir, "topology.schema.json");
    const r = runCli(["schema", "topology", "--out", out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).title).toBe("clustersim topology");
  });
});

/**
 * An output never destroys an input: the same file as an input of the command
 * (directly or through a symlink), or any existing YAML file, is a usage error
 * (exit 2) before anything runs, and the file is left as it was.
 */
describe("outputs never overwrite inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-inputs-"));
  const scenario = join(dir, "s.yaml");
  const trace = join(dir, "trace.csv");
  writeFileSync(
    scenario,
    readFileSync("test/fixtures/serving/tiny-offline.yaml", "utf8").replaceAll("../../../", `${process.cwd()}/`),
  );
  writeFileSync(trace, "arrival_s,input_tokens,output_tokens\n0,100,10\n0.5,200,20\n");
  symlinkSync(scenario, join(dir, "link.csv"));
  const textOf = (f: string) => readFileSync(f, "utf8");

  const cases: Array<[string, string[], string, RegExp]> = [
    ["run --requests-csv on the scenario", ["run", scenario, "--requests-csv", scenario], scenario, /is an input/],
    [
      "run --requests-csv on a symlink to the scenario",
      ["run", scenario, "--requests-csv", join(dir, "link.csv")],
      scenario,
      /is an input/,
    ],
    [
      "run --requests-csv on the request trace it reads",
      [
        "run",
        scenario,
        "--set",
        "serving.traffic.arrival=trace",
        "--set",
        `serving.traffic.traceFile=${trace}`,
        "--requests-csv",
        trace,
      ],
      trace,
      /is an input/,
    ],
    ["schema --out on a YAML file", ["schema", "scenario", "--out", scenario], scenario, /an existing YAML file/],
    ["scale --csv on its scenario", ["scale", scenario, "--cards", "1,2", "--csv", scenario], scenario, /is an input/],
    ["check --junit on the claim it checks", ["check", scenario, "--junit", scenario], scenario, /is an input/],
  ];
  for (const [what, args, file, message] of cases) {
    it(`${what}: exit 2, one line, the file untouched`, () => {
      const content = textOf(file);
      const r = runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(textOf(file)).toBe(content);
    });
  }
});
