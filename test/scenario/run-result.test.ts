import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBaseline } from "../../src/claims/baseline.js";
import { UserError } from "../../src/input/user-error.js";
import { metricColumns } from "../../src/scenario/metric-columns.js";
import { runScenario } from "../../src/scenario/run.js";
import { parseRunResult, RunResultSchema, SERVING_METRICS, TRAINING_METRICS } from "../../src/scenario/run-result.js";
import { servingMetricColumns } from "../../src/scenario/serving-metric-columns.js";
import { receivedPointResult, toPointResult } from "../../src/sweep/result-columns.js";

// Issue 14 item 5: one zod schema for what runScenario returns; results that arrive from
// elsewhere (worker threads, runner modules, baseline files) are parsed through it.

const TRAINING = "test/claims/fixtures/tiny.yaml";
const SERVING = "test/fixtures/serving/tiny-offline.yaml";

describe("RunResult schema", () => {
  it("a real training run and a real serving run parse, and report only documented metric keys", () => {
    const training = runScenario({ scenarioPath: TRAINING, sets: [], seed: 1, steps: 2 });
    const serving = runScenario({ scenarioPath: SERVING, sets: [], seed: 1, steps: 1 });
    for (const [r, known] of [
      [training, TRAINING_METRICS],
      [serving, SERVING_METRICS],
    ] as const) {
      expect(r.ok).toBe(true);
      expect(RunResultSchema.safeParse(r).success).toBe(true);
      if (r.ok) expect(Object.keys(r.metrics).filter((k) => !(k in known))).toEqual([]);
    }
  });

  it("a serving run with nothing to measure (one output token: no TPOT, NaN) is a well-formed result", () => {
    const r = runScenario({ scenarioPath: SERVING, sets: ["serving.traffic.outputTokens.mean=1"], seed: 1, steps: 1 });
    expect(r.ok && Number.isNaN(r.metrics.tpotP99Seconds)).toBe(true);
    expect(parseRunResult(r)).toEqual(r);
  });

  it("the CSV metric columns are documented keys (scalingEfficiency is the claim checker's, not a run's)", () => {
    expect(metricColumns().filter((k) => !(k in TRAINING_METRICS))).toEqual(["scalingEfficiency"]);
    expect(servingMetricColumns().filter((k) => !(k in SERVING_METRICS))).toEqual([]);
  });

  it("parseRunResult keeps a good result as it came (metrics in their order, other keys allowed)", () => {
    const ok = { ok: true, metrics: { notAColumn: 42, mfu: 0.5, cards: 8, "breakdown.compute": 1 }, details: { a: 1 } };
    const parsed = parseRunResult(ok);
    expect(parsed).toEqual(ok);
    expect(parsed.ok && Object.keys(parsed.metrics)).toEqual(["notAColumn", "mfu", "cards", "breakdown.compute"]);
    const failed = { ok: false, kind: "out-of-memory", error: "out of memory:\nline two" };
    expect(parseRunResult(failed)).toEqual(failed);
  });

  it("a malformed result is an internal failure with one line naming the field", () => {
    const cases: [unknown, string][] = [
      [undefined, "the runner returned no RunResult: undefined"],
      [42, "the runner returned no RunResult: 42"],
      [
        { ok: "yes" },
        'the runner returned a malformed RunResult: ok: expected one of true, false, found "yes" (a string)',
      ],
      [
        { ok: true, metrics: { mfu: Number.POSITIVE_INFINITY }, details: {} },
        "the runner returned a malformed RunResult: metrics.mfu: expected a finite number (or NaN when nothing was measured) (found .inf (infinite))",
      ],
      [
        { ok: true, metrics: { cards: 8 } },
        "the runner returned a malformed RunResult: details: expected a record, found nothing (the field is missing)",
      ],
      [
        { ok: false, kind: "oops", error: "e" },
        'the runner returned a malformed RunResult: kind: expected one of "invalid-input", "out-of-memory", "invalid-plan", "internal", found "oops" (a string)',
      ],
      [
        { ok: true, metrics: { a: "1", b: "2" }, details: {} },
        'the runner returned a malformed RunResult: metrics.a: expected a finite number (or NaN when nothing was measured) (found "1" (a string)) (and 1 more problem)',
      ],
    ];
    for (const [value, error] of cases) {
      expect(parseRunResult(value)).toEqual({ ok: false, kind: "internal", error });
      expect(error).not.toContain("\n");
    }
  });

  it("a row's result: toPointResult drops the details; a malformed result sent by a worker is internal", () => {
    expect(toPointResult({ ok: true, metrics: { x: 1 }, details: { big: [1, 2, 3] } })).toEqual({
      ok: true,
      metrics: { x: 1 },
    });
    expect(receivedPointResult({ ok: false, kind: "worker-crash", error: "died" })).toEqual({
      ok: false,
      kind: "worker-crash",
      error: "died",
    });
    expect(receivedPointResult({ ok: true, metrics: { x: "1" } })).toEqual({
      ok: false,
      kind: "internal",
      error:
        'the worker sent a malformed result: metrics.x: expected a finite number (or NaN when nothing was measured) (found "1" (a string))',
    });
  });
});

describe("baselines are parsed when read", () => {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-baseline-"));
  const record = { file: "s.yaml", kind: "scenario", seed: 1, steps: 1, cards: 8, metrics: { mfu: 0.4 } };

  it("a well-formed baseline reads back as written", () => {
    writeFileSync(join(dir, "s.json"), JSON.stringify(record));
    expect(readBaseline(dir, "s.yaml")).toEqual(record);
  });

  it("a baseline that is JSON but not a baseline record is a UserError naming the file and the field", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...record, file: "bad.yaml", metrics: { mfu: "0.4" } }));
    expect(() => readBaseline(dir, "bad.yaml")).toThrow(UserError);
    expect(() => readBaseline(dir, "bad.yaml")).toThrow(
      `${join(dir, "bad.json")}: expected a baseline record, found a malformed one: metrics.mfu: expected a finite number (or NaN when nothing was measured) (found "0.4" (a string))`,
    );
    writeFileSync(join(dir, "nokind.json"), JSON.stringify({ ...record, kind: undefined }));
    expect(() => readBaseline(dir, "nokind.yaml")).toThrow(
      /: kind: expected one of "scenario", "claim", found nothing/,
    );
  });
});
