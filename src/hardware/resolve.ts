import type { AcceleratorOverrides, AcceleratorSpec } from "./accelerator-spec.js";
import { ACCELERATOR_CATALOG, isCatalogName } from "./catalog.js";
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
  const spec: AcceleratorSpec = {
    ...base,
    ...o,
    efficiency: { ...base.efficiency, ...o.efficiency },
  };
  for (const [key, value] of Object.entries(o)) {
    if (key === "efficiency" && value && typeof value === "object") {
      for (const k of Object.keys(value)) sources[`efficiency.${k}`] = "topology file override";
    } else sources[key] = "topology file override";
  }
  return toAccelerator(ref.name, spec, sources);
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
    },
    sources,
  };
  if (spec.scaleUpGBps !== undefined) acc.scaleUpBytesPerS = spec.scaleUpGBps * GIGA;
  return acc;
}
