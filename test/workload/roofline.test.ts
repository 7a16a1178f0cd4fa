import { describe, expect, it } from "vitest";
import { resolveAccelerator } from "../../src/hardware/resolve.js";
import { attentionEfficiency, opsTimeS, opTimeS } from "../../src/hardware/roofline.js";
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
  it("memory ops use the elementwise efficiency where the card has one; matmuls' bytes keep the streaming one", () => {
    const withElementwise = { ...A100, efficiency: { ...A100.efficiency, elementwise: 0.42 } };
    expect(opTimeS({ kind: "memory", flops: 0, bytes: 1e9 }, withElementwise, "bf16")).toBeCloseTo(
      1e9 / (2.039e12 * 0.42),
      12,
    );
    // The optimizer's multi-tensor kernels stream whole buffers: the streaming efficiency.
    expect(opTimeS({ kind: "memory", flops: 0, bytes: 1e9, streaming: true }, withElementwise, "bf16")).toBeCloseTo(
      1e9 / (2.039e12 * 0.8),
      12,
    );
    const skinny = { kind: "matmul" as const, flops: 2 * 8192 * 8192, bytes: 8192 * 8192 * 2 };
    expect(opTimeS(skinny, withElementwise, "bf16")).toBe(opTimeS(skinny, A100, "bf16"));
  });
  it("every kernel pays the card's kernel-to-kernel gap once, matmul or memory, on top of its own time", () => {
    const gapped = { ...A100, efficiency: { ...A100.efficiency, kernelGapS: 2.07e-6 } };
    const mem = { kind: "memory" as const, flops: 0, bytes: 1e6 };
    expect(opTimeS(mem, gapped, "bf16")).toBeCloseTo(2.07e-6 + 1e6 / (2.039e12 * 0.8), 15);
    const mm = { kind: "matmul" as const, flops: 2 * 4096 ** 3, bytes: 3 * 4096 * 4096 * 2 };
    expect(opTimeS(mm, gapped, "bf16")).toBeCloseTo(2.07e-6 + (2 * 4096 ** 3) / (312e12 * 0.7), 15);
    // A list of n kernels pays n gaps.
    expect(opsTimeS([mem, mem, mm], gapped, "bf16") - opsTimeS([mem, mem, mm], A100, "bf16")).toBeCloseTo(
      3 * 2.07e-6,
      15,
    );
  });
  it("the Hopper catalog entries carry the gap measured on H800 (2.07 us), with its source", () => {
    for (const name of ["H100-SXM5-80GB", "H800-SXM5-80GB"] as const) {
      const acc = resolveAccelerator({ name });
      expect(acc.efficiency.kernelGapS).toBeCloseTo(2.07e-6, 15);
      expect(acc.sources["efficiency.kernelGapUs"]).toContain("profile-data");
    }
    expect(resolveAccelerator({ name: "A100-SXM4-80GB" }).efficiency.kernelGapS).toBeUndefined();
    // A topology override replaces it (what-if: CUDA graphs with a smaller gap).
    const what = resolveAccelerator({ name: "H100-SXM5-80GB", overrides: { efficiency: { kernelGapUs: 0.5 } } });
    expect(what.efficiency.kernelGapS).toBeCloseTo(0.5e-6, 15);
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
  it("an op's own precision overrides the run's (attention under FP8 runs at the BF16 peak)", () => {
    const fp8Card = { ...A100, peakFlopsPerS: { ...A100.peakFlopsPerS, fp8: 624e12 } };
    const op = { kind: "matmul" as const, flops: 1e15, bytes: 0 };
    expect(opTimeS(op, fp8Card, "fp8")).toBeCloseTo(1e15 / (624e12 * 0.7), 12);
    expect(opTimeS({ ...op, precision: "bf16" as const }, fp8Card, "fp8")).toBeCloseTo(1e15 / (312e12 * 0.7), 12);
  });
  it("attention kernels use the card's curve: log2-linear between points, flat beyond the ends", () => {
    const card = {
      ...A100,
      efficiency: {
        ...A100.efficiency,
        attentionForward: [
          [1024, 0.4],
          [4096, 0.6],
        ] as [number, number][],
        attentionBackward: [[2048, 0.5]] as [number, number][],
      },
    };
    expect(attentionEfficiency(card, "forward", 512)).toBe(0.4);
    expect(attentionEfficiency(card, "forward", 1024)).toBe(0.4);
    // 2048 is halfway between 1024 and 4096 in log2: (0.4 + 0.6) / 2.
    expect(attentionEfficiency(card, "forward", 2048)).toBeCloseTo(0.5, 12);
    expect(attentionEfficiency(card, "forward", 65536)).toBe(0.6);
    expect(attentionEfficiency(card, "backward", 100)).toBe(0.5);
    // Without a curve: the matmul efficiency.
    expect(attentionEfficiency(A100, "forward", 2048)).toBe(0.7);
    const op = {
      kind: "matmul" as const,
      flops: 1e15,
      bytes: 0,
      precision: "bf16" as const,
      attention: { pass: "forward" as const, keyTokens: 2048 },
    };
    expect(opTimeS(op, card, "bf16")).toBeCloseTo(1e15 / (312e12 * 0.5), 12);
  });
  it("attention curves at several head dims: log2-interpolated between measured head dims, nearest beyond them", () => {
    const card = {
      ...A100,
      efficiency: {
        ...A100.efficiency,
        // Main curves at head dim 128 (the default), one more at 64 (forward only) and one at 256.
        attentionForward: [[1024, 0.6]] as [number, number][],
        attentionBackward: [[1024, 0.5]] as [number, number][],
        attentionByHeadDim: [
          { headDim: 64, forward: [[1024, 0.4]] as [number, number][] },
          { headDim: 256, forward: [[1024, 0.8]] as [number, number][], backward: [[1024, 0.7]] as [number, number][] },
        ],
      },
    };
    expect(attentionEfficiency(card, "forward", 1024, 64)).toBe(0.4);
    expect(attentionEfficiency(card, "forward", 1024, 128)).toBe(0.6);
    // Without a head dim: the main curves' (128).
    expect(attentionEfficiency(card, "forward", 1024)).toBe(0.6);
    // 2^6.5 = 90.51 is halfway between 64 and 128 in log2: (0.4 + 0.6) / 2.
    expect(attentionEfficiency(card, "forward", 1024, 2 ** 6.5)).toBeCloseTo(0.5, 12);
    // 192 = 2^7.585: 0.585 of the way from 128 to 256.
    expect(attentionEfficiency(card, "forward", 1024, 192)).toBeCloseTo(0.6 + Math.log2(1.5) * 0.2, 12);
    // Beyond the measured head dims: the nearest.
    expect(attentionEfficiency(card, "forward", 1024, 32)).toBe(0.4);
    expect(attentionEfficiency(card, "forward", 1024, 512)).toBe(0.8);
    // The backward pass has no 64 curve: head dim 64 takes the nearest backward curve, 128's.
    expect(attentionEfficiency(card, "backward", 1024, 64)).toBe(0.5);
    expect(attentionEfficiency(card, "backward", 1024, 192)).toBeCloseTo(0.5 + Math.log2(1.5) * 0.2, 12);
    // An entry at the main head dim replaces the main curve for its pass.
    const replaced = {
      ...card,
      efficiency: {
        ...card.efficiency,
        attentionByHeadDim: [{ headDim: 128, forward: [[1024, 0.3]] as [number, number][] }],
      },
    };
    expect(attentionEfficiency(replaced, "forward", 1024, 128)).toBe(0.3);
    expect(attentionEfficiency(replaced, "backward", 1024, 128)).toBe(0.5);
    // The op carries its head dim.
    const op = {
      kind: "matmul" as const,
      flops: 1e15,
      bytes: 0,
      precision: "bf16" as const,
      attention: { pass: "forward" as const, keyTokens: 1024, headDim: 64 },
    };
    expect(opTimeS(op, card, "bf16")).toBeCloseTo(1e15 / (312e12 * 0.4), 12);
  });
});
