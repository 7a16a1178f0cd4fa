import { describe, expect, it } from "vitest";
import { AcceleratorSpecSchema } from "../../src/hardware/accelerator-spec.js";
import { ACCELERATOR_CATALOG, CATALOG_NAMES } from "../../src/hardware/catalog.js";
import { resolveAccelerator } from "../../src/hardware/resolve.js";

describe("accelerator catalog", () => {
  it("holds the cards of the issue, each a valid spec with a source for every figure", () => {
    for (const name of [
      "A100-SXM4-80GB",
      "A100-SXM4-40GB",
      "H100-SXM5-80GB",
      "H800-SXM5-80GB",
      "H200-SXM-141GB",
      "B200-HGX",
      "Ascend-910B",
      "Ascend-910C",
      "TPU-v4",
      "TPU-v5p",
    ]) {
      expect(CATALOG_NAMES).toContain(name);
    }
    for (const name of CATALOG_NAMES) {
      const e = ACCELERATOR_CATALOG[name];
      expect(AcceleratorSpecSchema.safeParse(e.spec).success, name).toBe(true);
      for (const key of Object.keys(e.spec)) {
        if (key === "efficiency") continue;
        expect(e.sources[key], `${name}.${key}`).toMatch(/hardware\.csv/);
      }
      expect(e.sources["efficiency.matmul"]).toMatch(/ASSUMPTION/);
      expect(e.sources["efficiency.memory"]).toMatch(/ASSUMPTION/);
    }
  });

  it("resolves to SI units (dense figures: H100 989.5 TFLOP/s BF16, not the 2x sparsity figure)", () => {
    const h100 = resolveAccelerator({ name: "H100-SXM5-80GB" });
    expect(h100.peakFlopsPerS.bf16).toBeCloseTo(989.5e12, 0);
    expect(h100.peakFlopsPerS.fp8).toBeCloseTo(1979e12, 0);
    expect(h100.hbmBytes).toBe(80 * 2 ** 30); // "80GB" = 80 GiB (five 16 GiB stacks);
    expect(h100.hbmBytesPerS).toBeCloseTo(3.35e12, 0);
    expect(h100.scaleUpBytesPerS).toBe(450e9);
    expect(h100.efficiency).toEqual({ matmul: 0.75, matmulFp8: 0.709, memory: 0.85 });
    // The H800 differs from the H100 only by its NVLink bandwidth.
    const h800 = resolveAccelerator({ name: "H800-SXM5-80GB" });
    expect(h800.peakFlopsPerS).toEqual(h100.peakFlopsPerS);
    expect(h800.scaleUpBytesPerS).toBe(200e9);
    expect(resolveAccelerator({ name: "Ascend-910B" }).peakFlopsPerS.fp8).toBeUndefined();
  });

  it("applies overrides field by field and records their source", () => {
    const a = resolveAccelerator({
      name: "H100-SXM5-80GB",
      overrides: { hbmTBps: 2, efficiency: { matmul: 0.6 } },
    });
    expect(a.hbmBytesPerS).toBe(2e12);
    expect(a.efficiency).toEqual({ matmul: 0.6, matmulFp8: 0.709, memory: 0.85 });
    expect(a.sources.hbmTBps).toBe("topology file override");
    expect(a.sources["efficiency.matmul"]).toBe("topology file override");
    expect(a.sources.hbmGB).toMatch(/hardware\.csv/);
    // The catalog itself is untouched.
    expect(ACCELERATOR_CATALOG["H100-SXM5-80GB"].spec.hbmTBps).toBe(3.35);
  });

  it("takes a full inline spec", () => {
    const a = resolveAccelerator({
      name: "MyChip",
      spec: { peakBf16Tflops: 100, hbmGB: 10, hbmTBps: 1, efficiency: { matmul: 0.5, memory: 0.5 } },
    });
    expect(a.name).toBe("MyChip");
    expect(a.peakFlopsPerS.bf16).toBe(100e12);
    expect(a.sources.hbmGB).toMatch(/inline/);
  });
});
