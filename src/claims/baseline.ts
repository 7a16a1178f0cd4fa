import { mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { checkShape } from "../input/check-shape.js";
import { MAX_INPUT_BYTES, readBounded, refusalMessage } from "../input/read-bounded.js";
import { UserError } from "../input/user-error.js";
import { RunMetricsSchema } from "../scenario/run-result.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";

/** Metrics a baseline stores and compares (plus the claim's metric for claims). */
export const BASELINE_METRICS = ["stepTimeSeconds", "mfu", "peakMemoryBytes", "tokensPerSecond"] as const;

/** Metrics a baseline of a serving scenario (or a claim about one) stores and compares. */
export const SERVING_BASELINE_METRICS = [
  "outputTokensPerSecond",
  "requestsPerSecond",
  "ttftP99Seconds",
  "tpotP99Seconds",
] as const;

/** The metrics a baseline keeps of a run: the kind's list, finite values only (JSON has no NaN). */
export function baselineMetrics(kind: "training" | "serving", m: Record<string, number>): Record<string, number> {
  const keys: readonly string[] = kind === "serving" ? SERVING_BASELINE_METRICS : BASELINE_METRICS;
  const out: Record<string, number> = {};
  for (const k of keys) {
    const v = m[k];
    if (v !== undefined && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** Default relative tolerance of a baseline comparison (2%, issue 7). */
export const DEFAULT_TOLERANCE = 0.02;

/** A stored baseline: what one scenario or claim run gave, as runs/baselines/*.json hold it. */
export const BaselineRecordSchema = z.object({
  /** The scenario or claim file, relative to the working directory, with '/' separators. */
  file: z.string(),
  kind: z.enum(["scenario", "claim"]),
  seed: z.number(),
  steps: z.number(),
  cards: z.number(),
  /** Run metrics (RunResult's: documented keys and any other, e.g. a claim's `metric:relative`). */
  metrics: RunMetricsSchema,
  /**
   * A scenario that does not run, by the model's own verdict (out-of-memory, invalid-plan): the
   * failure kind is the baseline (metrics empty). It passes while the run fails the same way; a run
   * that starts to succeed, or fails otherwise, differs. Shipped published runs that clustersim's
   * memory model rejects are kept this way, so the day they fit is seen.
   */
  failure: z.enum(["out-of-memory", "invalid-plan"]).optional(),
});

export type BaselineRecord = z.infer<typeof BaselineRecordSchema>;

export interface BaselineDiff {
  key: string;
  stored?: number;
  current?: number;
  /** (current − stored) / |stored|. */
  relChange: number;
  over: boolean;
}

export interface BaselineComparison {
  file: string;
  status: "pass" | "fail" | "missing" | "written" | "error";
  diffs: BaselineDiff[];
  message?: string;
}

/** Path of a file relative to the working directory, '/' separated (the baseline's identity). */
export function inputId(file: string): string {
  return relative(process.cwd(), resolve(file)).split(/[\\/]/).join("/");
}

/** Baseline file of an input: its path with '/' as '__' and .json (one file per scenario or claim). */
export function baselineFileName(file: string): string {
  const id = inputId(file)
    .replace(/\.(ya?ml|json)$/i, "")
    .replaceAll("../", "up__")
    .replaceAll("/", "__");
  return `${id}.json`;
}

/** Stable text of a record: fixed top-level order, metric keys sorted, 2-space JSON, trailing newline. */
export function baselineText(r: BaselineRecord): string {
  const metrics: Record<string, number> = {};
  for (const k of Object.keys(r.metrics).sort()) metrics[k] = r.metrics[k] as number;
  const ordered = {
    file: r.file,
    kind: r.kind,
    seed: r.seed,
    steps: r.steps,
    cards: r.cards,
    metrics,
    ...(r.failure ? { failure: r.failure } : {}),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * The stored baseline of an input, or undefined when there is none. A baseline
 * that is not a regular JSON file (a FIFO, a device, a directory, over
 * MAX_INPUT_BYTES, unreadable, not JSON) or not a baseline record (checked
 * with BaselineRecordSchema) is a UserError naming it.
 */
export function readBaseline(dir: string, file: string): BaselineRecord | undefined {
  const p = join(dir, baselineFileName(file));
  const read = readBounded(p, { maxBytes: MAX_INPUT_BYTES, expected: "a baseline JSON file" });
  if ("refusal" in read) {
    if (read.refusal.code === "ENOENT") return undefined;
    throw new UserError(refusalMessage(read.refusal));
  }
  let value: unknown;
  try {
    value = JSON.parse(read.bytes.toString("utf8"));
  } catch (err) {
    throw new UserError(`${p}: expected a baseline JSON file, found invalid JSON (${(err as Error).message})`);
  }
  const checked = checkShape(BaselineRecordSchema, value, p);
  if (!checked.ok) throw new UserError(`${p}: expected a baseline record, found a malformed one: ${checked.problem}`);
  return checked.value;
}

export function writeBaseline(dir: string, r: BaselineRecord): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, baselineFileName(r.file));
  writeFileAtomic(p, baselineText(r));
  return p;
}

/** Compares every stored metric with the current one; `over` when the relative change exceeds the tolerance. */
export function compareBaseline(
  stored: BaselineRecord,
  current: BaselineRecord,
  tolerance: number,
): BaselineComparison {
  if (stored.failure !== undefined || current.failure !== undefined) {
    const same = stored.failure === current.failure;
    const what = (r: BaselineRecord) => (r.failure ? `fails (${r.failure})` : "runs");
    return {
      file: current.file,
      status: same ? "pass" : "fail",
      diffs: [],
      ...(same ? {} : { message: `stored: ${what(stored)}; now: ${what(current)}` }),
    };
  }
  const keys = [...new Set([...Object.keys(stored.metrics), ...Object.keys(current.metrics)])].sort();
  const diffs = keys.map((key): BaselineDiff => {
    const s = stored.metrics[key];
    const c = current.metrics[key];
    if (s === undefined || c === undefined) {
      return {
        key,
        ...(s !== undefined ? { stored: s } : {}),
        ...(c !== undefined ? { current: c } : {}),
        relChange: Number.NaN,
        over: true,
      };
    }
    const relChange = s === 0 ? (c === 0 ? 0 : Number.POSITIVE_INFINITY) : (c - s) / Math.abs(s);
    return { key, stored: s, current: c, relChange, over: Math.abs(relChange) > tolerance };
  });
  const setup = stored.seed !== current.seed || stored.steps !== current.steps;
  return {
    file: current.file,
    status: diffs.some((d) => d.over) || setup ? "fail" : "pass",
    diffs,
    ...(setup
      ? {
          message: `stored with seed ${stored.seed}, ${stored.steps} step(s); run with seed ${current.seed}, ${current.steps} step(s)`,
        }
      : {}),
  };
}
