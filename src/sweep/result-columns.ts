import { z } from "zod";
import { checkShape } from "../input/check-shape.js";
import { InputError } from "../input/issues.js";
import { readDocument } from "../input/load-document.js";
import { isServingTree } from "../scenario/load-scenario.js";
import { metricColumns } from "../scenario/metric-columns.js";
import {
  parseRunResult,
  RUN_FAILURE_KINDS,
  RunFailedSchema,
  RunOkSchema,
  type RunResult,
} from "../scenario/run-result.js";
import { servingMetricColumns } from "../scenario/serving-metric-columns.js";
import type { SweepPoint } from "./expand.js";
import { formatValue } from "./format-value.js";
import { RUN_FIELD_PATHS } from "./sweep-spec.js";

/** Fixed leading columns of a results file. */
export const ID_COLUMN = "point_id";
export const INDEX_COLUMN = "point_index";

/**
 * What a results row records of a run: the RunResult without its (large)
 * details, as a sweep worker thread sends it back; a point whose worker died
 * twice is a failure of kind "worker-crash" (src/sweep/pool.ts).
 */
export const PointResultSchema = z.discriminatedUnion(
  "ok",
  [
    RunOkSchema.pick({ ok: true, metrics: true }),
    RunFailedSchema.extend({ kind: z.enum([...RUN_FAILURE_KINDS, "worker-crash"]) }),
  ],
  { error: "expected ok: true (with metrics) or ok: false (with kind and error)" },
);

export type PointResult = z.infer<typeof PointResultSchema>;

/** The columns of a results file: the header line and which cells hold what. */
export interface ResultColumns {
  header: string[];
  /** Axis paths (without seed/steps), in header order. */
  axisPaths: string[];
  /** Metric keys, in header order. */
  metrics: string[];
}

const LEADING = [ID_COLUMN, INDEX_COLUMN, "seed", "steps"];
const STATUS = ["ok", "error_kind", "error"];

/**
 * The header of a sweep's results file: point_id, point_index, seed, steps,
 * one column per axis (named by its `--set` path), ok, error_kind, error, then
 * the metric columns (`metricKeys`: training's src/scenario/metric-columns.ts
 * by default, src/scenario/serving-metric-columns.ts for a serving scenario,
 * see sweepMetricColumns; one named like a fixed column is left out). Fixed
 * before the first result, so every row of every shard has the same columns.
 * An axis path that equals another column's name (e.g. an axis `cards` and
 * the metric `cards`) gets the column name `axis:<path>`.
 */
export function resultColumns(
  allAxisPaths: readonly string[],
  metricKeys: readonly string[] = metricColumns(),
): ResultColumns {
  const axisPaths = allAxisPaths.filter((p) => !(RUN_FIELD_PATHS as readonly string[]).includes(p));
  const fixed = new Set([...LEADING, ...STATUS]);
  const metrics = metricKeys.filter((m) => !fixed.has(m));
  const taken = new Set([...LEADING, ...STATUS, ...metrics]);
  const axisNames = axisPaths.map((p) => (taken.has(p) ? `axis:${p}` : p));
  return { header: [...LEADING, ...axisNames, ...STATUS, ...metrics], axisPaths, metrics };
}

/**
 * The metric columns of a sweep over this base scenario: the serving metrics
 * when the file (its top-level keys, read once, nothing grafted or validated)
 * is a serving scenario, else the training metrics. A file that is missing or
 * does not parse gets the training columns (a dry run does not need the
 * scenario; a real run reports the problem per point).
 */
export function sweepMetricColumns(scenarioPath: string): string[] {
  let root: unknown;
  try {
    root = readDocument(scenarioPath).value;
  } catch (err) {
    if (err instanceof InputError) return metricColumns();
    throw err;
  }
  return isServingTree(root) ? servingMetricColumns() : metricColumns();
}

/** The cells of one row, in header order. Numbers as `String(x)`; no wall times. */
export function resultCells(columns: ResultColumns, point: SweepPoint, result: PointResult): string[] {
  const axes = columns.axisPaths.map((p) => {
    const v = point.values[p];
    return v === undefined ? "" : formatValue(v);
  });
  const status = result.ok ? ["true", "", ""] : ["false", oneLine(result.kind), oneLine(result.error)];
  const metrics = columns.metrics.map((k) => {
    const v = result.ok ? result.metrics[k] : undefined;
    return typeof v === "number" ? formatValue(v) : "";
  });
  return [
    point.id,
    String(point.index),
    String(point.spec.seed),
    String(point.spec.steps),
    ...axes,
    ...status,
    ...metrics,
  ];
}

/** Error text on one physical line, so every row is exactly one line of the file. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " | ").trim();
}

/**
 * Reduces a RunResult to what a row records. The value comes from a runner
 * (possibly a user's module, through a worker thread): it is parsed with the
 * RunResult schema, and a malformed one is a failure of kind "internal"
 * saying why in one line.
 */
export function toPointResult(r: RunResult | unknown): PointResult {
  const parsed = parseRunResult(r);
  return parsed.ok ? { ok: true, metrics: parsed.metrics } : { ok: false, kind: parsed.kind, error: parsed.error };
}

/**
 * A result a worker thread sent back, checked: itself when it is a
 * PointResult, else a failure of kind "internal" saying why in one line.
 */
export function receivedPointResult(value: unknown): PointResult {
  const checked = checkShape(PointResultSchema, value, "result");
  if (checked.ok) return value as PointResult; // as sent: same values, metrics in their order
  return { ok: false, kind: "internal", error: `the worker sent a malformed result: ${checked.problem}` };
}
