import type { ScenarioSpec } from "./scenario-spec.js";

/**
 * Mean step times of noise-free runs, keyed by the canonical noise-free spec
 * (noiseFreeKey): the "noise-free twin" a noisy training run is compared
 * against (stragglerShare). Many runs share one twin: the seeds of a
 * `--seeds` run, the jitter levels of a sweep, a claim's straggler variants
 * and its noise-free baseline. A noise-free run does not depend on the seed
 * (the random streams drive only the noise), so one entry serves them all.
 *
 * One cache lives per worker thread and per in-process check or scale (it is
 * passed, never global); what it returns is the number the run would have
 * computed, bit for bit, so results do not depend on which worker ran what.
 * Least-recently-used entries beyond `maxEntries` are dropped.
 */
export class NoiseFreeCache {
  private readonly entries = new Map<string, number>();
  /** Lookups answered from the cache / computed (for tests and benchmarks). */
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries = 256) {}

  get(key: string): number | undefined {
    const v = this.entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  set(key: string, meanStepS: number): void {
    this.entries.delete(key);
    this.entries.set(key, meanStepS);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The key of a scenario's noise-free twin over `steps` steps: the canonical
 * JSON (object keys sorted, recursively) of the validated scenario without
 * its `noise` section, and the step count. Seed and noise do not enter it;
 * any other field that could change the simulation does.
 */
export function noiseFreeKey(scenario: ScenarioSpec, steps: number): string {
  const { noise: _noise, ...rest } = scenario;
  return canonicalJson({ scenario: rest, steps });
}

/** JSON with object keys in sorted order at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
