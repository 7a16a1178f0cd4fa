import { describe, expect, it } from "vitest";
import { resolveFailureParams } from "../../src/stragglers/failures-params.js";
import {
  DEFAULT_CARD_MTBF_HOURS,
  DEFAULT_NODE_MTBF_HOURS,
  FailureSpecSchema,
} from "../../src/stragglers/failures-spec.js";

const minimal = { detectionS: 60, restartS: 600, checkpoint: { writeGBps: 100, readGBps: 200 } };

function problems(input: unknown): string[] {
  const r = FailureSpecSchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("FailureSpecSchema", () => {
  it("fills the Llama 3 defaults: 16,384 cards and 2,048 nodes fail 419 times in 54 days", () => {
    const spec = FailureSpecSchema.parse(minimal);
    expect(spec.cardMtbfHours).toBe(DEFAULT_CARD_MTBF_HOURS);
    expect(spec.nodeMtbfHours).toBe(DEFAULT_NODE_MTBF_HOURS);
    expect(spec.checkpoint.intervalS).toBe("auto");
    expect(spec.checkpoint.blocking).toBe(true);
    const failuresPerHour = 16_384 / spec.cardMtbfHours + 2_048 / spec.nodeMtbfHours;
    expect(failuresPerHour * 54 * 24).toBeCloseTo(419, 9);
    // The GPU share is the paper's 58.7%.
    expect(16_384 / spec.cardMtbfHours / failuresPerHour).toBeCloseTo(0.587, 12);
  });

  it("names every bad field, with what was expected and found", () => {
    const found = problems({
      cardMtbfHours: 0,
      nodeMtbfHours: -5,
      detectionS: -1,
      restartS: "soon",
      checkpoint: { intervalS: -30, sizeBytes: 0, writeGBps: -1, readGBps: 0, blocking: "yes" },
    });
    const byField = (field: string) => found.find((p) => p.startsWith(`${field}: `));
    expect(byField("cardMtbfHours")).toMatch(/> 0.*found 0.*mean time between failures must be positive/);
    expect(byField("nodeMtbfHours")).toMatch(/found -5/);
    expect(byField("detectionS")).toMatch(/>= 0.*found -1/);
    expect(byField("restartS")).toMatch(/expected a finite number/);
    expect(byField("checkpoint.intervalS")).toMatch(/found -30/);
    expect(byField("checkpoint.sizeBytes")).toMatch(/found 0/);
    expect(byField("checkpoint.writeGBps")).toMatch(/found -1/);
    expect(byField("checkpoint.readGBps")).toMatch(/found 0/);
    expect(byField("checkpoint.blocking")).toMatch(/true or false/);
    expect(found).toHaveLength(9);
  });

  it("rejects infinities, unknown keys, missing fields and bad interval words", () => {
    expect(problems({ ...minimal, restartS: Number.POSITIVE_INFINITY })[0]).toMatch(
      /^restartS: expected a finite number/,
    );
    expect(problems({ ...minimal, mtbf: 3 })[0]).toMatch(/Unrecognized key: "mtbf"/);
    expect(problems({ ...minimal, checkpoint: { writeGBps: 1 } })[0]).toMatch(/^checkpoint.readGBps: /);
    expect(problems({ ...minimal, checkpoint: { ...minimal.checkpoint, intervalS: "hourly" } })[0]).toMatch(
      /^checkpoint.intervalS: expected a number of seconds > 0 or "auto", found "hourly"/,
    );
  });

  it("describes every field", () => {
    const shape = FailureSpecSchema.shape;
    for (const [key, field] of Object.entries(shape)) expect(field.description, key).toBeTruthy();
    for (const [key, field] of Object.entries(shape.checkpoint.shape)) expect(field.description, key).toBeTruthy();
  });
});

describe("resolveFailureParams", () => {
  const spec = FailureSpecSchema.parse({
    cardMtbfHours: 10_000,
    nodeMtbfHours: 5_000,
    detectionS: 60,
    restartS: 540,
    checkpoint: { intervalS: 1800, writeGBps: 50, readGBps: 100 },
  });

  it("computes λ, δ, R from the spec and the caller's checkpoint size (GB/s = 1e9 bytes/s)", () => {
    const p = resolveFailureParams(spec, { cards: 1000, nodes: 125, usefulS: 86_400, checkpointBytes: 1e12 });
    expect(p.failureRatePerS).toBeCloseTo((1000 / 10_000 + 125 / 5_000) / 3600, 15);
    expect(p.mtbfS).toBeCloseTo(3600 / 0.125, 9);
    expect(p.writeS).toBe(20); // 1e12 B / 50e9 B/s
    expect(p.restoreS).toBe(10);
    expect(p.recoveryS).toBe(60 + 540 + 10);
    expect(p.intervalS).toBe(1800);
  });

  it("prefers the spec's sizeBytes, rounds the interval to whole steps, and names a missing size", () => {
    const withSize = { ...spec, checkpoint: { ...spec.checkpoint, sizeBytes: 5e11 } };
    const p = resolveFailureParams(withSize, { cards: 8, nodes: 1, usefulS: 1e5, checkpointBytes: 1e12, stepTimeS: 7 });
    expect(p.writeS).toBe(10);
    expect(p.intervalS).toBe(1799); // 257 steps of 7 s
    expect(() => resolveFailureParams(spec, { cards: 8, nodes: 1, usefulS: 1e5 })).toThrow(
      /failures\.checkpoint\.sizeBytes/,
    );
    expect(() => resolveFailureParams(spec, { cards: -1, nodes: 1, usefulS: 1e5, checkpointBytes: 1 })).toThrow(
      /job\.cards: expected an integer >= 0, found -1/,
    );
  });

  it("refuses a non-blocking interval shorter than the write", () => {
    const nb = { ...spec, checkpoint: { ...spec.checkpoint, blocking: false, intervalS: 5 } };
    expect(() => resolveFailureParams(nb, { cards: 8, nodes: 1, usefulS: 1e5, checkpointBytes: 1e12 })).toThrow(
      /intervalS >= the write time 20 s, found 5/,
    );
  });
});
