import { MAX_STEPS } from "../scenario/limits.js";
import type { RunSpec } from "../scenario/types.js";
import { formatValue } from "./format-value.js";
import { pointId } from "./point-id.js";
import { type Assignment, latinHypercubeSamples, randomSamples } from "./sampling.js";
import { type AxisBlockSpec, type AxisValue, blockPaths, type RUN_FIELD_PATHS, type SweepSpec } from "./sweep-spec.js";

/** Most points one sweep may expand to (a guard against a typo'd grid). */
export const MAX_POINTS = 1_000_000;

/** One run of a sweep. */
export interface SweepPoint {
  /** Position in the sweep's full, deterministic expansion (0-based). */
  index: number;
  /** Stable hash of (sets, seed, steps): see pointId. */
  id: string;
  /** Axis path → value, for the CSV's axis columns. */
  values: Record<string, AxisValue>;
  spec: RunSpec;
}

export interface SweepPlan {
  /** Every varied path in column order (blocks in order, paths in written order). */
  axisPaths: string[];
  points: SweepPoint[];
  /** Points dropped because an earlier point already had the same id. */
  duplicatesDropped: number;
}

/**
 * Expands a sweep into its points: each block yields a list of assignments
 * (grid: product; zip: pairs; points: as written; random/lhs: seeded samples)
 * and the sweep is the product of the blocks, the last block varying fastest.
 * The expansion depends on the sweep file alone, so every worker, shard and
 * machine sees the same points in the same order.
 */
export function expandSweep(spec: SweepSpec, scenarioPath: string): SweepPlan {
  const perBlock = spec.axes.map((block) => blockAssignments(block, spec.seed));
  const total = perBlock.reduce((n, list) => n * list.length, 1);
  if (total > MAX_POINTS) {
    throw new RangeError(`the sweep expands to ${total} points, more than the limit of ${MAX_POINTS}`);
  }
  const axisPaths = spec.axes.flatMap(blockPaths);
  const points: SweepPoint[] = [];
  const seen = new Set<string>();
  let duplicatesDropped = 0;
  for (const assignment of product(perBlock)) {
    const values: Record<string, AxisValue> = {};
    const sets = [...spec.set];
    let seed = spec.seed;
    let steps = spec.steps;
    for (const [path, value] of assignment) {
      values[path] = value;
      if (path === "seed") seed = runField(path, value);
      else if (path === "steps") steps = runField(path, value);
      else sets.push(`${path}=${formatValue(value)}`);
    }
    const id = pointId(sets, seed, steps);
    if (seen.has(id)) {
      duplicatesDropped++;
      continue;
    }
    seen.add(id);
    points.push({ index: points.length, id, values, spec: { scenarioPath, sets, seed, steps } });
  }
  return { axisPaths, points, duplicatesDropped };
}

function blockAssignments(block: AxisBlockSpec, sweepSeed: number): Assignment[] {
  switch (block.kind) {
    case "grid": {
      const size = Object.values(block.values).reduce((n, list) => n * list.length, 1);
      if (size > MAX_POINTS) throw new RangeError(`a grid block expands to ${size} points, more than ${MAX_POINTS}`);
      return product(Object.entries(block.values).map(([path, list]) => list.map((v) => [[path, v] as const])));
    }
    case "zip": {
      const entries = Object.entries(block.values);
      const n = entries[0]?.[1].length ?? 0;
      return Array.from({ length: n }, (_, i) => entries.map(([path, list]) => [path, list[i] as AxisValue] as const));
    }
    case "points": {
      const order = Object.keys(block.points[0] ?? {});
      return block.points.map((p) => order.map((path) => [path, p[path] as AxisValue] as const));
    }
    case "random":
      return randomSamples(block.ranges, block.count, block.seed ?? sweepSeed);
    case "lhs":
      return latinHypercubeSamples(block.ranges, block.count, block.seed ?? sweepSeed);
  }
}

/** Cartesian product of lists of assignments, concatenated; the last list varies fastest. */
function product(lists: Assignment[][]): Assignment[] {
  let acc: Assignment[] = [[]];
  for (const list of lists) {
    const next: Assignment[] = [];
    for (const head of acc) for (const tail of list) next.push([...head, ...tail]);
    acc = next;
  }
  return acc;
}

function runField(path: (typeof RUN_FIELD_PATHS)[number], value: AxisValue): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || (path === "steps" && value < 1)) {
    throw new RangeError(`axis '${path}' must take ${path === "steps" ? "positive " : ""}integers, found ${value}`);
  }
  if (path === "steps" && value > MAX_STEPS) {
    throw new RangeError(`axis 'steps' takes at most ${MAX_STEPS.toLocaleString("en-US")} steps, found ${value}`);
  }
  return value;
}
