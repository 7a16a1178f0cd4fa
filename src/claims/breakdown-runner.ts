import type { NoiseFreeCache } from "../scenario/noise-free-cache.js";
import { runScenario } from "../scenario/run.js";
import type { RunResult, RunSpec } from "../scenario/types.js";
import type { StepControl } from "../system/ports.js";

/** Prefix of the step-breakdown entries folded into the metrics (seconds per step by category). */
export const BREAKDOWN_PREFIX = "breakdown.";

/**
 * runScenario with the step breakdown folded into the flat metrics
 * (`breakdown.compute`, `breakdown.bubble`, ...), so it survives the sweep
 * pool, which keeps numeric metrics only. The claim checker and `scale` run
 * every point through this function, in-process or on worker threads.
 */
export function runWithBreakdown(spec: RunSpec, control?: StepControl, noiseFree?: NoiseFreeCache): RunResult {
  const r = runScenario(spec, control, noiseFree);
  if (!r.ok) return r;
  const metrics = { ...r.metrics };
  const breakdown = r.details.breakdownSeconds as Record<string, number> | undefined;
  for (const [k, v] of Object.entries(breakdown ?? {})) metrics[`${BREAKDOWN_PREFIX}${k}`] = v;
  return { ok: true, metrics, details: {} };
}

/** The breakdown entries of flat metrics, keyed by category. */
export function breakdownOf(metrics: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (k.startsWith(BREAKDOWN_PREFIX)) out[k.slice(BREAKDOWN_PREFIX.length)] = v;
  }
  return out;
}
