import { describe, expect, it } from "vitest";
import { INTERNAL_ERROR_EXIT, internalErrorText } from "../../src/cli/main.js";
import { EngineError } from "../../src/engine/simulator.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * Internal errors (issue 13 item 3): an invariant of the engine or a model
 * that breaks is a bug, reported in one line with a pointer to report it and
 * exit code 3; the stack trace only with --debug.
 */
describe("internal errors", () => {
  const err = new EngineError(
    "schedule 'pass-done': delay must be a finite number >= 0 s, found Infinity\nsecond line",
  );

  it("print one line naming the error and a pointer to report it, no stack", () => {
    const text = internalErrorText(err, false);
    expect(text.split("\n")[0]).toBe(
      "clustersim: internal error: EngineError: schedule 'pass-done': delay must be a finite number >= 0 s, found Infinity",
    );
    expect(text).toContain("please report it");
    expect(text).toContain("--debug");
    expect(text).not.toMatch(/\n\s+at /);
    expect(text.trimEnd().split("\n")).toHaveLength(2);
  });

  it("print the stack with --debug", () => {
    expect(internalErrorText(err, true)).toMatch(/\n\s+at /);
  });

  it("exit with 3, apart from bad input (1) and usage (2)", () => {
    expect(INTERNAL_ERROR_EXIT).toBe(3);
  });

  it("--debug is accepted anywhere on the command line and changes nothing else", () => {
    const r = runCli(["--debug", "validate", "topologies/clusters/small-2x8.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OK topologies/clusters/small-2x8.yaml");
  });
});
