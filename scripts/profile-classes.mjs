// Sums a PyTorch profiler trace's GPU kernels by class, per layer, for the kernels launched inside
// annotations whose names match a pattern: how test/fixtures/kernels/deepseek-v3-h800-moe-layer-forward.csv
// was made from DeepSeek's profile (deepseek-ai/profile-data train.json, commit 4496024):
//
//   node scripts/profile-classes.mjs train.json '^(attn|mlp)\(F\)$' 4
//
// Arguments: the trace (JSON), a regular expression for the annotations (user_annotation events) whose
// launches count, and the number of layers the trace holds (the sums are divided by it). A kernel belongs
// to the annotation its launch (the cuda_runtime event with the same correlation id) falls in. Classes:
// the DeepGEMM-style grouped GEMMs, the other FP8 GEMMs (attention projections under an attn annotation,
// shared experts under mlp), BF16 cuBLAS GEMMs (the router), flash attention, and the rest (memory-bound).
// Prints class,kernels,us (per layer).
import { readFileSync } from "node:fs";

const [file, pattern = "^(attn|mlp)\\(F\\)$", layersArg = "1"] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node scripts/profile-classes.mjs TRACE.json [ANNOTATION_REGEX] [LAYERS]\n");
  process.exit(2);
}
const layers = Number(layersArg);
const trace = JSON.parse(readFileSync(file, "utf8"));
const events = trace.traceEvents ?? [];
const match = new RegExp(pattern);
const annotations = events.filter((e) => e.cat === "user_annotation" && match.test(e.name));
const launches = new Map();
for (const e of events) if (e.cat === "cuda_runtime" || e.cat === "cuda_driver") launches.set(e.args?.correlation, e);

const classOf = (name, annotation) => {
  if (/m_grouped_fp8/.test(name)) return "routed-expert-gemms";
  if (/fp8_ptp128c::GemmKernel/.test(name)) return annotation.startsWith("attn") ? "attention-projection-gemms" : "shared-expert-gemms";
  if (/sm90_xmma_gemm_bf16/.test(name)) return "router-gemm";
  if (/flash::compute_attn/.test(name)) return "attention-core";
  return "memory-bound";
};

const sums = new Map();
for (const k of events) {
  if (k.cat !== "kernel") continue;
  const launch = launches.get(k.args?.correlation);
  if (!launch) continue;
  const a = annotations.find((x) => launch.ts >= x.ts && launch.ts <= x.ts + x.dur);
  if (!a) continue;
  const c = classOf(k.name, a.name);
  const s = sums.get(c) ?? { kernels: 0, us: 0 };
  s.kernels++;
  s.us += k.dur;
  sums.set(c, s);
}
const order = [
  "attention-projection-gemms",
  "router-gemm",
  "shared-expert-gemms",
  "routed-expert-gemms",
  "attention-core",
  "memory-bound",
];
process.stdout.write("class,kernels,us\n");
for (const c of order) {
  const s = sums.get(c);
  if (s) process.stdout.write(`${c},${+(s.kernels / layers).toFixed(2)},${(s.us / layers).toFixed(1)}\n`);
}
