import {
  type AcceleratorOverrides,
  type AcceleratorSpec,
  type GemmModelSpec,
  GemmModelSpecSchema,
} from "./accelerator-spec.js";
import { ACCELERATOR_CATALOG, isCatalogName } from "./catalog.js";
import type { GemmModel } from "./gemm-shape.js";
import type { Accelerator } from "./types.js";

/** How a topology file names its accelerator (see AcceleratorRefSchema in src/cluster/topology-schema.ts). */
export interface AcceleratorRef {
  name: string;
  spec?: AcceleratorSpec | undefined;
  overrides?: AcceleratorOverrides | undefined;
}

const TERA = 1e12;
const GIGA = 1e9;

/** Catalog entry (or inline spec) merged with the overrides, converted to SI units. */
export function resolveAccelerator(ref: AcceleratorRef): Accelerator {
  let base: AcceleratorSpec;
  let sources: Record<string, string>;
  if (ref.spec) {
    base = ref.spec;
    sources = Object.fromEntries(Object.keys(ref.spec).map((k) => [k, "topology file (inline spec)"]));
  } else if (isCatalogName(ref.name)) {
    const entry = ACCELERATOR_CATALOG[ref.name];
    base = entry.spec;
    sources = { ...entry.sources };
  } else {
    throw new Error(`resolveAccelerator: '${ref.name}' is not in the catalog and no spec was given`);
  }
  const o = ref.overrides ?? {};
  const efficiency = { ...base.efficiency, ...o.efficiency } as AcceleratorSpec["efficiency"];
  const gemm = mergedGemm(base, o);
  if (gemm) efficiency.gemm = gemm;
  const mla = o.efficiency?.mlaDecode;
  if (mla) {
    efficiency.mlaDecode = {
      compute: mla.compute ?? base.efficiency.mlaDecode?.compute ?? efficiency.matmul,
      memory: mla.memory ?? base.efficiency.mlaDecode?.memory ?? efficiency.memory,
    };
  }
  const spec: AcceleratorSpec = { ...base, ...o, efficiency };
  for (const [key, value] of Object.entries(o)) {
    if (key === "efficiency" && value && typeof value === "object") {
      for (const k of Object.keys(value)) sources[`efficiency.${k}`] = "topology file override";
    } else sources[key] = "topology file override";
  }
  return toAccelerator(ref.name, spec, sources);
}

/** The base card's GEMM model with an override's fields (bf16 / fp8 merged field by field); undefined: none. */
function mergedGemm(base: AcceleratorSpec, o: AcceleratorOverrides): GemmModelSpec | undefined {
  const b = base.efficiency.gemm;
  const g = o.efficiency?.gemm;
  if (!g) return b && scaledCeilings(base, o, b);
  const merged = { ...b, ...g, ceiling: { ...b?.ceiling, ...g.ceiling }, kHalf: { ...b?.kHalf, ...g.kHalf } };
  const parsed = GemmModelSpecSchema.safeParse(merged);
  if (parsed.success && g.ceiling === undefined && b) return scaledCeilings(base, o, parsed.data);
  // The topology schema reports an incomplete model (gemmOverrideIssue) before any resolve.
  if (!parsed.success) throw new Error("resolveAccelerator: incomplete efficiency.gemm");
  return parsed.data;
}

/**
 * A what-if on efficiency.matmul / matmulFp8 (the typical GEMM) without GEMM ceilings of its own moves the
 * card's ceilings by the same ratio, so it means the same thing for training's shaped GEMMs as for serving.
 */
function scaledCeilings<T extends { ceiling: GemmModelSpec["ceiling"] }>(
  base: AcceleratorSpec,
  o: AcceleratorOverrides,
  g: T,
): T {
  const e = base.efficiency;
  const bf16 = o.efficiency?.matmul === undefined ? 1 : o.efficiency.matmul / e.matmul;
  const fp8Base = e.matmulFp8 ?? e.matmul;
  const fp8Override = o.efficiency?.matmulFp8 ?? (e.matmulFp8 === undefined ? o.efficiency?.matmul : undefined);
  const fp8 = fp8Override === undefined ? 1 : fp8Override / fp8Base;
  if (bf16 === 1 && fp8 === 1) return g;
  const c = g.ceiling;
  const cap = (x: number) => Math.min(1, x);
  return {
    ...g,
    ceiling: {
      bf16: cap(c.bf16 * bf16),
      ...(c.fp8 === undefined ? {} : { fp8: cap(c.fp8 * fp8) }),
      ...(c.fp8Blockwise === undefined ? {} : { fp8Blockwise: cap(c.fp8Blockwise * fp8) }),
    },
  };
}

/**
 * Why an accelerator reference's efficiency.gemm override cannot be used, or null: a card without a GEMM
 * model takes one only whole (every field), and an override never leaves it incomplete.
 */
export function gemmOverrideIssue(ref: AcceleratorRef): string | null {
  const g = ref.overrides?.efficiency?.gemm;
  if (!g) return null;
  const base = ref.spec ?? (isCatalogName(ref.name) ? ACCELERATOR_CATALOG[ref.name].spec : undefined);
  if (!base) return null;
  try {
    mergedGemm(base, ref.overrides ?? {});
    return null;
  } catch {
    return base.efficiency.gemm
      ? "expected a complete GEMM model once merged with the card's"
      : `${ref.name} has no GEMM model to override: expected all of computeUnits, occupancyTile, fixedUs, ceiling.bf16 and kHalf.bf16 (fp8 and fp8Blockwise optional)`;
  }
}

function gemmModel(g: GemmModelSpec): GemmModel {
  return {
    computeUnits: g.computeUnits,
    occupancyTile: g.occupancyTile,
    fixedS: g.fixedUs * 1e-6,
    ...(g.fixedUsBlockwise === undefined ? {} : { fixedSBlockwise: g.fixedUsBlockwise * 1e-6 }),
    ceiling: {
      bf16: g.ceiling.bf16,
      ...(g.ceiling.fp8 === undefined ? {} : { fp8: g.ceiling.fp8 }),
      ...(g.ceiling.fp8Blockwise === undefined ? {} : { fp8Blockwise: g.ceiling.fp8Blockwise }),
    },
    kHalf: {
      bf16: g.kHalf.bf16,
      ...(g.kHalf.fp8 === undefined ? {} : { fp8: g.kHalf.fp8 }),
      ...(g.kHalf.fp8Blockwise === undefined ? {} : { fp8Blockwise: g.kHalf.fp8Blockwise }),
    },
  };
}

export function toAccelerator(name: string, spec: AcceleratorSpec, sources: Record<string, string>): Accelerator {
  const peakFlopsPerS: Accelerator["peakFlopsPerS"] = { bf16: spec.peakBf16Tflops * TERA };
  if (spec.peakFp32Tflops !== undefined) peakFlopsPerS.fp32 = spec.peakFp32Tflops * TERA;
  if (spec.peakTf32Tflops !== undefined) peakFlopsPerS.tf32 = spec.peakTf32Tflops * TERA;
  if (spec.peakFp8Tflops !== undefined) peakFlopsPerS.fp8 = spec.peakFp8Tflops * TERA;
  const acc: Accelerator = {
    name,
    peakFlopsPerS,
    hbmBytes: spec.hbmGB * GIGA,
    hbmBytesPerS: spec.hbmTBps * TERA,
    efficiency: {
      matmul: spec.efficiency.matmul,
      memory: spec.efficiency.memory,
      ...(spec.efficiency.matmulFp8 === undefined ? {} : { matmulFp8: spec.efficiency.matmulFp8 }),
      ...(spec.efficiency.elementwise === undefined ? {} : { elementwise: spec.efficiency.elementwise }),
      ...(spec.efficiency.scaleUp === undefined ? {} : { scaleUp: spec.efficiency.scaleUp }),
      ...(spec.efficiency.attentionForward === undefined ? {} : { attentionForward: spec.efficiency.attentionForward }),
      ...(spec.efficiency.attentionBackward === undefined
        ? {}
        : { attentionBackward: spec.efficiency.attentionBackward }),
      ...(spec.efficiency.attentionHeadDim === undefined ? {} : { attentionHeadDim: spec.efficiency.attentionHeadDim }),
      ...(spec.efficiency.attentionByHeadDim === undefined
        ? {}
        : {
            attentionByHeadDim: [...spec.efficiency.attentionByHeadDim]
              .sort((a, b) => a.headDim - b.headDim)
              .map((r) => ({ ...r })),
          }),
      ...(spec.efficiency.mlaDecode === undefined ? {} : { mlaDecode: { ...spec.efficiency.mlaDecode } }),
      ...(spec.efficiency.gemm === undefined ? {} : { gemm: gemmModel(spec.efficiency.gemm) }),
      ...(spec.efficiency.kernelGapUs === undefined ? {} : { kernelGapS: spec.efficiency.kernelGapUs * 1e-6 }),
    },
    sources,
  };
  if (spec.scaleUpGBps !== undefined) acc.scaleUpBytesPerS = spec.scaleUpGBps * GIGA;
  return acc;
}
