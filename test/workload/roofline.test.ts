import { describe, expect, it } from "vitest";
import { opsTimeS, opTimeS } from "../../src/hardware/roofline.js";
import { A100 } from "./helpers.js";

describe("roofline", () => {
  it("a large matmul is compute bound: flops / (312 TF · ε)", () => {
    const n = 8192;
    const op = { kind: "matmul" as const, flops: 2 * n ** 3, bytes: 3 * n * n * 2 };
    expect(opTimeS(op, A100, "bf16")).toBeCloseTo((2 * n ** 3) / (312e12 * 0.7), 12);
  });
  it("a skinny matmul is memory bound: bytes / (2.039 TB/s · ε)", () => {
    const op = { kind: "matmul" as const, flops: 2 * 8192 * 8192, bytes: 8192 * 8192 * 2 };
    expect(opTimeS(op, A100, "bf16")).toBeCloseTo((8192 * 8192 * 2) / (2.039e12 * 0.8), 12);
  });
  it("memory ops are bandwidth bound, their flops at the fp32 rate only if that binds", () => {
    expect(opTimeS({ kind: "memory", flops: 1e6, bytes: 1e9 }, A100, "bf16")).toBeCloseTo(1e9 / (2.039e12 * 0.8), 12);
    expect(opTimeS({ kind: "memory", flops: 1e12, bytes: 1 }, A100, "bf16")).toBeCloseTo(1e12 / 19.5e12, 12);
    const noFp32 = { ...A100, peakFlopsPerS: { bf16: 312e12 } };
    expect(opTimeS({ kind: "memory", flops: 1e12, bytes: 1 }, noFp32, "bf16")).toBeCloseTo(1e12 / 312e12, 12);
  });
  it("fp8 on a card without an fp8 peak is an error naming the card", () => {
    expect(() => opTimeS({ kind: "matmul", flops: 1, bytes: 1 }, A100, "fp8")).toThrow(
      /A100-SXM4-80GB has no fp8 peak/,
    );
  });
  it("sums a list", () => {
    const ops = [
      { kind: "memory" as const, flops: 0, bytes: 2.039e12 * 0.8 },
      { kind: "matmul" as const, flops: 312e12 * 0.7, bytes: 0 },
    ];
    expect(opsTimeS(ops, A100, "bf16")).toBeCloseTo(2, 12);
  });
});
