import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/run-cli.js";

/**
 * Serving scenarios a user can get wrong, through the real CLI: each is exit
 * code 1, a message on stderr at file:line:column naming the field (and, for
 * the KV cache, the numbers), no stack trace, nothing on stdout.
 */

const DIR = "test/fixtures/serving-mech";

function expectInputError(file: string): string {
  const r = runCli(["run", `${DIR}/${file}`]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toContain("    at ");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.startsWith("clustersim: ")).toBe(true);
  return r.stderr;
}

describe("clustersim run: bad serving input", () => {
  it("a KV cache that cannot hold one request (Llama 3.1 405B bf16 on one H100): the field and the numbers", () => {
    const err = expectInputError("bad-kv-405b-tp1.yaml");
    // At the deployment (line 8, column 16: `instances: 1`).
    expect(err).toContain(`${DIR}/bad-kv-405b-tp1.yaml:8:16: serving.deployment.instances: `);
    expect(err).toContain("the KV cache cannot hold one request of 2000 tokens");
    // HBM: 80 GiB = 85.90 GB, 0.9 usable; weights: 405.85 B parameters x 2 bytes = 811.71 GB.
    expect(err).toContain("per card 85.90 GB HBM x 0.9 usable = 77.31 GB");
    expect(err).toContain("minus weights 811.71 GB (bf16)");
    expect(err).toContain("leaves 0.00 GB for 0 tokens");
    // 126 layers x 8 KV heads x 128 x 2 (K and V) x 2 bytes = 516,096 bytes per token.
    expect(126 * 8 * 128 * 2 * 2).toBe(516096);
    expect(err).toContain("at 516096 bytes per token per card (bf16 KV)");
    expect(err).toContain("use more tp/pp, a lower precision, or shorter requests");
  });

  it("more cards than the topology has (9 TP1 instances on an 8-card node)", () => {
    const err = expectInputError("bad-instances-9.yaml");
    expect(err).toContain(
      `${DIR}/bad-instances-9.yaml:7:16: serving.deployment.instances: expected the deployment to fit the topology's 8 cards, found 9 instances x 1 cards (tp 1 x pp 1) = 9 cards from card 0`,
    );
  });

  it("tp not dividing the attention heads (tp 3 for 32 heads)", () => {
    const err = expectInputError("bad-tp-3.yaml");
    expect(err).toContain(
      `${DIR}/bad-tp-3.yaml:8:9: serving.deployment.tp: expected tp to divide the model's 32 attention heads, found 3`,
    );
    // Also outside any 8-card scale-up domain's divisors: reported at the same field.
    expect(err).toContain(
      `${DIR}/bad-tp-3.yaml:8:9: serving.deployment.tp: expected each tensor-parallel group inside one scale-up domain of 8 cards`,
    );
  });

  it("a non-positive arrival rate (ratePerS 0)", () => {
    const err = expectInputError("bad-rate-0.yaml");
    expect(err).toContain(`${DIR}/bad-rate-0.yaml:8:15: serving.traffic.ratePerS: expected a number > 0, found 0`);
  });

  it("length distributions with mean 0 and a negative mean: both reported, each at its own field", () => {
    const err = expectInputError("bad-length-mean.yaml");
    expect(err).toContain(
      `${DIR}/bad-length-mean.yaml:10:47: serving.traffic.inputTokens.mean: expected a number > 0, found 0`,
    );
    expect(err).toContain(
      `${DIR}/bad-length-mean.yaml:11:52: serving.traffic.outputTokens.mean: expected a number > 0, found -20`,
    );
  });

  it("a trace row with a missing column: the CSV file, its line and column, the column's name", () => {
    const err = expectInputError("bad-trace.yaml");
    expect(err).toContain(`${DIR}/bad-trace.yaml: `);
    // Line 5 is `0.250,96` (after a comment, the header and two rows); column 9 is the end of the row.
    expect(err).toMatch(
      /serving-mech\/bad-trace-missing-column\.csv:5:9: output_tokens: expected 3 cells as in the header, found 2 \(missing column output_tokens\)/,
    );
  });
});
