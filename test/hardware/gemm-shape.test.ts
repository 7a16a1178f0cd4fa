import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TopologySpecSchema } from "../../src/cluster/topology-schema.js";
import {
  backwardGemmShapes,
  type GemmModel,
  type GemmShape,
  gemmOccupancy,
  gemmShapeEfficiency,
  gemmShapeFactor,
  perPrecision,
} from "../../src/hardware/gemm-shape.js";
import { resolveAccelerator } from "../../src/hardware/resolve.js";
import { kernelTimeS, opTimeS } from "../../src/hardware/roofline.js";
import { runCli } from "../helpers/run-cli.js";

const H100 = resolveAccelerator({ name: "H100-SXM5-80GB" });
const H800 = resolveAccelerator({ name: "H800-SXM5-80GB" });
const MODEL: GemmModel = {
  computeUnits: 132,
  occupancyTile: 64,
  fixedS: 5e-6,
  ceiling: { bf16: 0.8, fp8: 0.7, fp8Blockwise: 0.6 },
  kHalf: { bf16: 100, fp8: 200, fp8Blockwise: 300 },
};

function fixture(name: string): Record<string, number>[] {
  const lines = readFileSync(new URL(`../fixtures/gemm/${name}`, import.meta.url), "utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0 && !l.startsWith("#"));
  const header = (lines.shift() as string).split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i] as string, Number(v)])));
}

/** A (m×k)·(k×n) GEMM op, `groups` times: operands in `ein` bytes, output bf16 (as src/workload/ops.ts). */
function gemmOp(s: GemmShape, ein: number) {
  const { m, n, k, groups: g } = s;
  return {
    kind: "matmul" as const,
    flops: 2 * g * m * n * k,
    bytes: g * (m * k * ein + k * n * ein + m * n * 2),
    gemm: s,
  };
}

const meanAbs = (xs: number[]) => xs.reduce((a, x) => a + Math.abs(x), 0) / xs.length;

describe("GEMM efficiency by shape: hand-computed cases", () => {
  it("occupancy: one 64×64 tile keeps 1 of 132 units busy; a unit's worth of tiles each fills them all", () => {
    expect(gemmOccupancy(MODEL, { m: 64, n: 64, k: 1, groups: 1 })).toBeCloseTo(1 / 132, 15);
    // 2 × 2 = 4 tiles of which the last row and column are a quarter-full: 100·100 useful of 4·64·64 on 132 units.
    expect(gemmOccupancy(MODEL, { m: 100, n: 100, k: 1, groups: 1 })).toBeCloseTo((100 * 100) / (132 * 64 * 64), 15);
    expect(gemmOccupancy(MODEL, { m: 4096, n: 4096, k: 1, groups: 1 })).toBe(1);
    // 66 tiles (half the units) in each of 2 groups: full.
    expect(gemmOccupancy(MODEL, { m: 64 * 66, n: 64, k: 1, groups: 2 })).toBe(1);
    // 200 tiles, 64 elements of the last ones' 128 rows useful: tile quantization, not waves.
    expect(gemmOccupancy(MODEL, { m: 64 * 199 + 32, n: 64, k: 1, groups: 1 })).toBeCloseTo(
      (64 * 199 + 32) / (64 * 200),
      15,
    );
  });
  it("shape factor = occupancy × k / (k + kHalf), kHalf by precision and scaling (fp8 absent: bf16's)", () => {
    const s = { m: 4096, n: 4096, k: 300, groups: 1 };
    expect(gemmShapeFactor(MODEL, "bf16", s)).toBeCloseTo(300 / 400, 15);
    expect(gemmShapeFactor(MODEL, "fp8", s)).toBeCloseTo(300 / 500, 15);
    expect(gemmShapeFactor(MODEL, "fp8", { ...s, blockScaled: true })).toBeCloseTo(0.5, 15);
    expect(gemmShapeFactor(MODEL, "bf16", { ...s, k: 900, m: 64, n: 64 })).toBeCloseTo(0.9 / 132, 15);
    expect(perPrecision({ bf16: 100 }, "fp8", true)).toBe(100);
    expect(perPrecision({ bf16: 100, fp8: 200 }, "fp8", true)).toBe(200);
  });
  it("efficiency = ceiling × shape factor, ceiling by precision and scaling", () => {
    const s = { m: 4096, n: 4096, k: 300, groups: 1 };
    expect(gemmShapeEfficiency(MODEL, "bf16", s)).toBeCloseTo(0.8 * 0.75, 15);
    expect(gemmShapeEfficiency(MODEL, "fp8", s)).toBeCloseTo(0.7 * 0.6, 15);
    expect(gemmShapeEfficiency(MODEL, "fp8", { ...s, blockScaled: true })).toBeCloseTo(0.6 * 0.5, 15);
  });
  it("a what-if on efficiency.matmul / matmulFp8 alone moves the GEMM ceilings by the same ratio", () => {
    const a = resolveAccelerator({ name: "H100-SXM5-80GB", overrides: { efficiency: { matmul: 0.375 } } });
    expect(a.efficiency.gemm?.ceiling.bf16).toBeCloseTo(0.836 / 2, 12);
    expect(a.efficiency.gemm?.ceiling.fp8).toBe(0.723);
    const f = resolveAccelerator({ name: "H100-SXM5-80GB", overrides: { efficiency: { matmulFp8: 0.6 } } });
    expect(f.efficiency.gemm?.ceiling.fp8Blockwise).toBeCloseTo(0.672 * (0.6 / 0.623), 12);
    const own = resolveAccelerator({
      name: "H100-SXM5-80GB",
      overrides: { efficiency: { matmul: 0.375, gemm: { ceiling: { bf16: 0.5 } } } },
    });
    expect(own.efficiency.gemm?.ceiling.bf16).toBe(0.5);
  });
  it("backward shapes: dgrad m×k over n, wgrad k×n over m, groups and scaling kept", () => {
    const s = { m: 10, n: 20, k: 30, groups: 4, blockScaled: true };
    expect(backwardGemmShapes(s)).toEqual({
      dgrad: { m: 10, n: 30, k: 20, groups: 4, blockScaled: true },
      wgrad: { m: 30, n: 20, k: 10, groups: 4, blockScaled: true },
    });
  });
  it("a kernel's time on H100: fixed time + FLOPs at peak × ceiling × ramp (compute bound), or the bytes (memory bound)", () => {
    const g = H100.efficiency.gemm as GemmModel;
    const big = { m: 8192, n: 8192, k: 8192, groups: 1 };
    const computeS = (2 * 8192 ** 3) / (989.5e12 * g.ceiling.bf16 * (8192 / (8192 + g.kHalf.bf16)));
    expect(kernelTimeS(gemmOp(big, 2), H100, "bf16")).toBeCloseTo(g.fixedS + computeS, 15);
    // m = 16: 128 tiles of 64 × 64 over 132 units, read the 8192 × 8192 weight: memory bound.
    const skinny = { m: 16, n: 8192, k: 8192, groups: 1 };
    const bytes = 16 * 8192 * 2 + 8192 * 8192 * 2 + 16 * 8192 * 2;
    expect(kernelTimeS(gemmOp(skinny, 2), H100, "bf16")).toBeCloseTo(g.fixedS + bytes / (3.35e12 * 0.85), 15);
    // An op without a shape keeps the one efficiency, with no fixed time.
    const { gemm: _s, ...plain } = gemmOp(big, 2);
    expect(kernelTimeS(plain, H100, "bf16")).toBeCloseTo((2 * 8192 ** 3) / (989.5e12 * H100.efficiency.matmul), 15);
    // In a step each kernel also waits the card's kernel-to-kernel gap (2.07 us on Hopper).
    expect(opTimeS(gemmOp(skinny, 2), H100, "bf16")).toBeCloseTo(
      2.07e-6 + kernelTimeS(gemmOp(skinny, 2), H100, "bf16"),
      15,
    );
  });
});

describe("the shipped Hopper GEMM curves against the measurements they come from", () => {
  it("BF16: OpenXLA's 375 measured H100 shapes within 6% on average, the 75 over 30 µs within 3%", () => {
    const rows = fixture("xla-h100-bf16.csv");
    expect(rows.length).toBe(375);
    const all: number[] = [];
    const long: number[] = [];
    for (const r of rows) {
      const s = { m: r.m as number, n: r.n as number, k: r.k as number, groups: r.b as number };
      const op = gemmOp(s, 2);
      const measuredS = op.flops / (r.flops_per_s as number);
      const e = kernelTimeS(op, H100, "bf16") / measuredS - 1;
      all.push(e);
      if (measuredS > 30e-6) long.push(e);
    }
    expect(long.length).toBe(75);
    expect(meanAbs(all)).toBeLessThan(0.06);
    expect(meanAbs(long)).toBeLessThan(0.03);
  });
  it("blockwise FP8: DeepGEMM's 28 H800 rows within 10% on average, decode-sized (m 64/128) and large alike", () => {
    const rows = fixture("deepgemm-h800-fp8.csv");
    expect(rows.length).toBe(28);
    const error = (r: Record<string, number | string>) => {
      const s = { m: r.m as number, n: r.n as number, k: r.k as number, groups: r.groups as number, blockScaled: true };
      const op = gemmOp(s, 1);
      return kernelTimeS(op, H800, "fp8") / (op.flops / ((r.tflops as number) * 1e12)) - 1;
    };
    expect(meanAbs(rows.map(error))).toBeLessThan(0.1);
    const small = rows.filter((r) => (r.m as number) < 256);
    expect(small.length).toBe(12);
    expect(meanAbs(small.map(error))).toBeLessThan(0.1);
    expect(meanAbs(rows.filter((r) => (r.m as number) >= 256).map(error))).toBeLessThan(0.12);
  });
  it("blockwise FP8 GEMMs pay their own fixed time (fixedUsBlockwise), other GEMMs fixedUs", () => {
    const g = H800.efficiency.gemm as NonNullable<typeof H800.efficiency.gemm>;
    expect(g.fixedSBlockwise).toBeCloseTo(2.4e-6, 12);
    expect(g.fixedS).toBeCloseTo(5.6e-6, 12);
    // A tiny GEMM is all fixed time plus its bytes.
    const tiny = { m: 1, n: 64, k: 64, groups: 1 };
    const memoryS = (op: { bytes: number }) => op.bytes / (H800.hbmBytesPerS * H800.efficiency.memory);
    const blockOp = gemmOp({ ...tiny, blockScaled: true }, 1);
    const tensorOp = gemmOp(tiny, 1);
    expect(kernelTimeS(blockOp, H800, "fp8")).toBeGreaterThanOrEqual(2.4e-6 + memoryS(blockOp) * (1 - 1e-12));
    // The tiny tile's compute (one 64×64 tile on 1 of 132 units) is well under a microsecond either way.
    expect(kernelTimeS(blockOp, H800, "fp8")).toBeLessThan(5.6e-6);
    expect(kernelTimeS(tensorOp, H800, "fp8")).toBeGreaterThanOrEqual(5.6e-6);
  });
  it("per-tensor FP8: the best measured cuBLAS shape (1,402.6 TFLOP/s at 1024×9216×14336) within 5%", () => {
    // A timing loop of back-to-back kernels: its time holds the fixed time and the kernel-to-kernel gap, so
    // opTimeS (both included) is the comparison. 3.8% before the gap came in (2026-12-07), 4.03% with it.
    const op = gemmOp({ m: 1024, n: 9216, k: 14336, groups: 1 }, 1);
    const measuredS = op.flops / 1402.6e12;
    expect(Math.abs(opTimeS(op, H100, "fp8") / measuredS - 1)).toBeLessThan(0.05);
  });
});

describe("efficiency.gemm overrides in a topology file", () => {
  const topology = (accelerator: Record<string, unknown>) =>
    TopologySpecSchema.safeParse({
      name: "t",
      nodes: 1,
      cardsPerNode: 8,
      accelerator,
      scaleUp: { kind: "switched", bandwidthGBps: 300, latencyUs: 1 },
      scaleOut: { kind: "single-switch", nicsPerNode: 8, nicGbps: 200, latencyUs: 2 },
    });
  it("a card without a GEMM model takes one only whole: a partial one is an error naming the field", () => {
    const r = topology({ name: "A100-SXM4-80GB", overrides: { efficiency: { gemm: { computeUnits: 108 } } } });
    expect(r.success).toBe(false);
    const issue = r.error?.issues[0];
    expect(issue?.path).toEqual(["accelerator", "overrides", "efficiency", "gemm"]);
    expect(issue?.message).toMatch(/A100-SXM4-80GB has no GEMM model to override: expected all of computeUnits/);
  });
  it("a card with one takes single fields, and the resolved model has them", () => {
    const r = topology({
      name: "H100-SXM5-80GB",
      overrides: { efficiency: { gemm: { fixedUs: 0, kHalf: { bf16: 0 } } } },
    });
    expect(r.success).toBe(true);
    const a = resolveAccelerator({
      name: "H100-SXM5-80GB",
      overrides: { efficiency: { gemm: { fixedUs: 0, kHalf: { bf16: 0 } } } },
    });
    expect(a.efficiency.gemm).toMatchObject({ fixedS: 0, computeUnits: 132, kHalf: { bf16: 0, fp8: 296 } });
  });
});

describe("the CLI on a partial GEMM model", () => {
  it("validate names file:line:col and the field, exit 1, no stack trace", () => {
    const r = runCli(["validate", "test/fixtures/gemm/a100-partial-gemm.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "test/fixtures/gemm/a100-partial-gemm.yaml:10:9: accelerator.overrides.efficiency.gemm: A100-SXM4-80GB has no GEMM model to override: expected all of computeUnits, occupancyTile, fixedUs, ceiling.bf16 and kHalf.bf16",
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
