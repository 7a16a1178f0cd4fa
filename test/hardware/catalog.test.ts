import { describe, expect, it } from "vitest";
import { type AcceleratorSpec, AcceleratorSpecSchema } from "../../src/hardware/accelerator-spec.js";
import { ACCELERATOR_CATALOG, CATALOG_NAMES } from "../../src/hardware/catalog.js";
import { resolveAccelerator } from "../../src/hardware/resolve.js";
import { numberCell, readReferenceCsv, referenceRow } from "../scenario/reference-csv.js";

/** Committed copy of reference/hardware.csv: a missing file or row fails the tests below. */
const HARDWARE = readReferenceCsv("hardware.csv");

/** Catalog figure -> hardware.csv column (units as in the names: TFLOP/s, GB, TB/s, GB/s per direction). */
const COLUMNS = {
  peakBf16Tflops: "bf16_dense_tflops",
  peakFp8Tflops: "fp8_dense_tflops",
  peakFp32Tflops: "fp32_tflops",
  peakTf32Tflops: "tf32_dense_tflops",
  hbmGB: "hbm_gigabytes",
  hbmTBps: "hbm_terabytes_per_s",
  scaleUpGBps: "scaleup_gigabytes_per_s_per_direction",
} as const satisfies Record<Exclude<keyof AcceleratorSpec, "efficiency">, string>;

/**
 * Cards whose datasheet "80GB" the catalog stores as 80 GiB = 85.899 GB (a
 * deliberate correction, documented in src/hardware/catalog.ts: the capacity
 * is binary, five 16 GiB stacks); compared here as 80 GiB against the CSV's 80.
 */
const HBM_IN_GIB = ["A100-SXM4-80GB", "H100-SXM5-80GB", "H800-SXM5-80GB"];

/**
 * Catalog cards that are not a row of hardware.csv but are read from another row's source note, with
 * the figures that note gives (the rest of their spec is derived and marked ASSUMPTION in the catalog).
 */
const FROM_NOTES: Record<
  string,
  { row: string; figures: Partial<Record<keyof typeof COLUMNS, number>>; text: RegExp }
> = {
  "GB200-NVL72": {
    row: "B200-HGX",
    figures: { peakBf16Tflops: 2500, hbmTBps: 8, hbmGB: 186 },
    text: /GB200 NVL72 per-GPU figures differ \(~2500 TF \/ 8 TB\/s \/ 186 GB\)/,
  },
};
const CSV_CARDS = CATALOG_NAMES.filter((name) => !(name in FROM_NOTES));

/** A source that cites: a committed reference CSV or a file of a public repository (owner/repo path/file.ext). */
const CITATION = /reference\/[\w-]+\.csv|\b[\w.-]+\/[\w.-]+ [\w./-]+\.\w+|\barXiv \d{4}\.\d{4,5}/;

describe("accelerator catalog", () => {
  it("holds the cards of the issue, each a valid spec", () => {
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
    }
  });

  it("has exactly the accelerators of the committed hardware.csv, and the cards read from its notes", () => {
    expect([...CSV_CARDS].sort()).toEqual(HARDWARE.map((r) => r.accelerator).sort());
  });

  for (const [name, from] of Object.entries(FROM_NOTES)) {
    it(`${name}: the figures its hardware.csv note gives (row ${from.row}) equal the catalog's`, () => {
      const row = referenceRow(HARDWARE, "accelerator", from.row, "hardware.csv");
      expect(row.source, `the ${from.row} row's note`).toMatch(from.text);
      const spec: AcceleratorSpec = ACCELERATOR_CATALOG[name as keyof typeof ACCELERATOR_CATALOG].spec;
      for (const [field, value] of Object.entries(from.figures))
        expect(spec[field as keyof typeof COLUMNS], field).toBe(value);
    });
  }

  for (const name of CSV_CARDS) {
    it(`${name}: every figure equals its hardware.csv cell, and every CSV figure is in the catalog`, () => {
      const row = referenceRow(HARDWARE, "accelerator", name, "hardware.csv");
      const spec: AcceleratorSpec = ACCELERATOR_CATALOG[name].spec;
      for (const [field, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
        const what = `${name}.${field} vs hardware.csv ${column}`;
        expect(Object.hasOwn(row, column), `hardware.csv has no column ${column}`).toBe(true);
        const value = spec[field];
        if (row[column] === "") {
          expect(value, `${what}: no CSV figure, so no catalog figure`).toBeUndefined();
          continue;
        }
        const published = numberCell(row, column);
        expect(value, `${what}: CSV figure missing from the catalog`).toBeDefined();
        if (field === "hbmGB" && HBM_IN_GIB.includes(name)) {
          // Stored as 80 GiB in GB (85.899); the CSV's "80" is the datasheet's 80 GiB.
          expect(((value as number) * 1e9) / 2 ** 30, `${what} (catalog GB read as GiB)`).toBeCloseTo(published, 9);
          expect(value as number).toBeCloseTo(85.899, 3);
        } else {
          expect(value, what).toBe(published);
        }
      }
    });
  }

  it("stores HBM as 80 GiB only for the three 80GB cards; the Ascend-910B scale-up figure is per peer", () => {
    for (const name of CSV_CARDS) {
      const csv = numberCell(referenceRow(HARDWARE, "accelerator", name, "hardware.csv"), "hbm_gigabytes");
      expect(ACCELERATOR_CATALOG[name].spec.hbmGB === csv, name).toBe(!HBM_IN_GIB.includes(name));
    }
    // HCCS: 392 GB/s aggregate over the 7 peers of an 8-card full mesh = 56 GB/s card-to-card (hardware.csv).
    expect(ACCELERATOR_CATALOG["Ascend-910B"].spec.scaleUpGBps).toBe(392 / 7);
    expect(ACCELERATOR_CATALOG["Ascend-910B"].sources.scaleUpGBps).toMatch(/per-peer/);
  });

  it("gives every efficiency field a source that is a citation or says ASSUMPTION", () => {
    for (const name of CATALOG_NAMES) {
      const e = ACCELERATOR_CATALOG[name];
      for (const key of Object.keys(e.spec.efficiency)) {
        const source = e.sources[`efficiency.${key}`];
        expect(source, `${name}.efficiency.${key} has no source`).toBeDefined();
        if (/ASSUMPTION/.test(source as string)) continue;
        expect(source, `${name}.efficiency.${key}: neither a citation nor an ASSUMPTION`).toMatch(CITATION);
        // A cited reference CSV must be a committed one (readReferenceCsv throws otherwise).
        const csv = /reference\/([\w-]+\.csv)/.exec(source as string)?.[1];
        if (csv !== undefined) expect(readReferenceCsv(csv).length, csv).toBeGreaterThan(0);
      }
    }
  });

  it("A100 scale-up efficiency 0.8 is the mid-range of its cited collectives.csv row over the 300 GB/s link", () => {
    // Consistency of the constant with its source (the figure it was derived from), not a validation.
    const row = referenceRow(readReferenceCsv("collectives.csv"), "case", "8xA100-SXM4 one node NVLink+NVSwitch");
    const mid = (numberCell(row, "busbw_gigabytes_per_s_low") + numberCell(row, "busbw_gigabytes_per_s_high")) / 2;
    for (const name of ["A100-SXM4-80GB", "A100-SXM4-40GB"] as const) {
      const { spec, sources } = ACCELERATOR_CATALOG[name];
      expect(sources["efficiency.scaleUp"]).toMatch(/collectives\.csv/);
      expect(spec.efficiency.scaleUp).toBeCloseTo(mid / (spec.scaleUpGBps as number), 9);
    }
  });

  it("Hopper's attention curves are the cited FlashAttention-3 cuDNN figures over the 989.5 TFLOP/s BF16 peak", () => {
    // Consistency of the constants with their source (arXiv 2407.08608, Fig. 5 causal head dims 128 and 64 forward
    // and the head-dim-128 and -64 backward figures, cuDNN bars), not a validation.
    const lengths = [512, 1024, 2048, 4096, 8192, 16384];
    const forwardTflops = [315, 410, 484, 518, 529, 539];
    const backwardTflops = [305, 408, 465, 499, 518, 516];
    for (const name of ["H100-SXM5-80GB", "H800-SXM5-80GB", "H200-SXM-141GB"] as const) {
      const e = ACCELERATOR_CATALOG[name].spec.efficiency;
      expect(e.attentionForward?.map((p) => p[0])).toEqual(lengths);
      expect(e.attentionBackward?.map((p) => p[0])).toEqual(lengths);
      for (const [i, p] of (e.attentionForward ?? []).entries()) {
        expect(p[1]).toBeCloseTo((forwardTflops[i] as number) / 989.5, 12);
      }
      for (const [i, p] of (e.attentionBackward ?? []).entries()) {
        expect(p[1]).toBeCloseTo((backwardTflops[i] as number) / 989.5, 12);
      }
      // Head dim 64, the same figure set (Fig. 5 causal head dim 64 forward, the head-dim-64 backward figure).
      expect(e.attentionHeadDim).toBe(128);
      const h64 = e.attentionByHeadDim?.find((r) => r.headDim === 64);
      expect(h64?.forward?.map((p) => p[0])).toEqual(lengths);
      expect(h64?.backward?.map((p) => p[0])).toEqual(lengths);
      const f64 = [225, 288, 334, 363, 379, 388];
      const b64 = [266, 348, 395, 417, 432, 433];
      for (const [i, p] of (h64?.forward ?? []).entries()) expect(p[1]).toBeCloseTo((f64[i] as number) / 989.5, 12);
      for (const [i, p] of (h64?.backward ?? []).entries()) expect(p[1]).toBeCloseTo((b64[i] as number) / 989.5, 12);
    }
  });

  it("resolves to SI units (dense figures: H100 989.5 TFLOP/s BF16, not the 2x sparsity figure)", () => {
    const h100 = resolveAccelerator({ name: "H100-SXM5-80GB" });
    expect(h100.peakFlopsPerS.bf16).toBeCloseTo(989.5e12, 0);
    expect(h100.peakFlopsPerS.fp8).toBeCloseTo(1979e12, 0);
    expect(h100.hbmBytes).toBe(80 * 2 ** 30); // "80GB" = 80 GiB (five 16 GiB stacks);
    expect(h100.hbmBytesPerS).toBeCloseTo(3.35e12, 0);
    expect(h100.scaleUpBytesPerS).toBe(450e9);
    expect(h100.efficiency).toMatchObject({ matmul: 0.75, matmulFp8: 0.623, memory: 0.85 });
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
    expect(a.efficiency).toMatchObject({ matmul: 0.6, matmulFp8: 0.623, memory: 0.85 });
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
