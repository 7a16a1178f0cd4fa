import { z } from "zod";
import { MAX_STEPS } from "../scenario/limits.js";

/** Seed of every point unless the sweep file or a `seed` axis says otherwise. */
export const DEFAULT_SEED = 1;
/**
 * Steps per point unless the sweep file or a `steps` axis says otherwise.
 * ASSUMPTION: 3 steps, enough for straggler noise to show in a step-time
 * mean while keeping a point cheap; not a measured figure.
 */
export const DEFAULT_STEPS = 3;

/** Axis paths that set a RunSpec field instead of a `--set` override. */
export const RUN_FIELD_PATHS = ["seed", "steps"] as const;

const AxisPathSchema = z
  .string()
  .regex(/^[^\s=]+$/, "expected a field path without spaces or '=' (e.g. topology.scaleOut.nicGbps)")
  .describe(
    "A `--set` field path of the scenario (e.g. topology.scaleOut.nicGbps, parallel.tp, noise.jitter.sigma), or `seed` / `steps` to vary the run's seed or step count",
  );

const AxisValueSchema = z
  .union([z.number(), z.string(), z.boolean()])
  .describe("One value of an axis: a number, a string (e.g. an accelerator name) or a boolean");

const ValueListSchema = z.array(AxisValueSchema).min(1).describe("The values the axis takes, in order");

const ValuesByPathSchema = z
  .record(AxisPathSchema, ValueListSchema)
  .refine((r) => Object.keys(r).length > 0, "expected at least one axis")
  .describe("Field path → list of values");

const GridBlockSchema = z
  .strictObject({
    kind: z.literal("grid").describe("Full grid: the product of every axis's values (last axis varies fastest)"),
    values: ValuesByPathSchema,
  })
  .describe("Full grid over the listed axes");

const ZipBlockSchema = z
  .strictObject({
    kind: z.literal("zip").describe("Paired lists: the i-th point takes the i-th value of every axis"),
    values: ValuesByPathSchema,
  })
  .superRefine((block, ctx) => {
    const lengths = Object.entries(block.values).map(([path, list]) => [path, list.length] as const);
    const first = lengths[0];
    if (first === undefined) return;
    for (const [path, n] of lengths) {
      if (n !== first[1]) {
        ctx.addIssue({
          code: "custom",
          path: ["values", path],
          message: `zip lists must have equal lengths: '${first[0]}' has ${first[1]} values, '${path}' has ${n}`,
        });
      }
    }
  })
  .describe("Paired lists of equal length");

const PointsBlockSchema = z
  .strictObject({
    kind: z.literal("points").describe("Explicit points, each a map of field path → value"),
    points: z
      .array(z.record(AxisPathSchema, AxisValueSchema))
      .min(1)
      .describe("The points; every point must set the same paths"),
  })
  .superRefine((block, ctx) => {
    const first = block.points[0];
    if (first === undefined) return;
    const firstKeys = Object.keys(first).sort().join(",");
    if (firstKeys === "") ctx.addIssue({ code: "custom", path: ["points", 0], message: "expected at least one path" });
    block.points.forEach((p, i) => {
      const keys = Object.keys(p).sort().join(",");
      if (keys !== firstKeys) {
        ctx.addIssue({
          code: "custom",
          path: ["points", i],
          message: `every point must set the same paths: point 0 sets [${firstKeys}], point ${i} sets [${keys}]`,
        });
      }
    });
  })
  .describe("Explicit list of points");

const RangeSchema = z
  .strictObject({
    min: z.number().optional().describe("Lower end of a numeric range (inclusive)"),
    max: z.number().optional().describe("Upper end of a numeric range (exclusive for reals, inclusive for integers)"),
    log: z.boolean().optional().describe("Sample uniformly in log space (min must be > 0)"),
    integer: z.boolean().optional().describe("Round samples to integers in [min, max]"),
    values: ValueListSchema.optional().describe("Sample one of these values instead of a numeric range"),
  })
  .superRefine((r, ctx) => {
    if (r.values !== undefined) {
      for (const k of ["min", "max", "log", "integer"] as const) {
        if (r[k] !== undefined)
          ctx.addIssue({ code: "custom", path: [k], message: `'${k}' cannot be used with 'values'` });
      }
      return;
    }
    if (r.min === undefined || r.max === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "expected either 'values' or both 'min' and 'max'" });
      return;
    }
    if (!(r.min < r.max) && !(r.integer === true && r.min === r.max)) {
      ctx.addIssue({ code: "custom", path: ["max"], message: `expected max > min, found min ${r.min}, max ${r.max}` });
    }
    if (r.log === true && r.min <= 0) {
      ctx.addIssue({ code: "custom", path: ["min"], message: `a log range needs min > 0, found ${r.min}` });
    }
  })
  .describe("How a sampled axis draws its values: a numeric range or a list of values");

const sampleBlock = <K extends "random" | "lhs">(kind: K, what: string) =>
  z
    .strictObject({
      kind: z.literal(kind).describe(what),
      count: z.number().int().min(1).max(1_000_000).describe("Number of points to draw"),
      seed: z
        .number()
        .int()
        .refine(Number.isSafeInteger, "expected a safe integer")
        .optional()
        .describe("Seed of the draws (default: the sweep's seed)"),
      ranges: z
        .record(AxisPathSchema, RangeSchema)
        .refine((r) => Object.keys(r).length > 0, "expected at least one axis")
        .describe("Field path → range to sample"),
    })
    .describe(what);

const RandomBlockSchema = sampleBlock("random", "Independent uniform random samples (seeded)");
const LhsBlockSchema = sampleBlock(
  "lhs",
  "Latin-hypercube samples (seeded): each axis's range is cut into `count` equal strata, each stratum used exactly once",
);

export const AxisBlockSchema = z
  .discriminatedUnion("kind", [GridBlockSchema, ZipBlockSchema, PointsBlockSchema, RandomBlockSchema, LhsBlockSchema])
  .describe("One block of axes; the sweep is the product of its blocks (the last block varies fastest)");

export const SweepSpecSchema = z
  .strictObject({
    description: z.string().optional().describe("What the sweep is for"),
    scenario: z.string().min(1).describe("The base scenario file, relative to this sweep file"),
    seed: z
      .number()
      .int()
      .refine(Number.isSafeInteger, "expected a safe integer")
      .default(DEFAULT_SEED)
      .describe(`Seed of every point unless a 'seed' axis varies it (default ${DEFAULT_SEED})`),
    steps: z
      .number()
      .int()
      .min(1)
      .max(MAX_STEPS)
      .default(DEFAULT_STEPS)
      .describe(
        `Training steps per point unless a 'steps' axis varies it (default ${DEFAULT_STEPS}; ignored by serving scenarios)`,
      ),
    set: z
      .array(z.string().regex(/^[^\s=]+=/, "expected 'path=value'"))
      .default([])
      .describe("Fixed `path=value` overrides applied to every point before the axes"),
    axes: z.array(AxisBlockSchema).min(1).describe("Blocks of axes; the points are the product of the blocks"),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.axes.forEach((block, i) => {
      for (const path of blockPaths(block)) {
        const prev = seen.get(path);
        if (prev !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["axes", i],
            message: `axis '${path}' already varies in axes[${prev}]; a path may appear in one block only`,
          });
        } else seen.set(path, i);
      }
    });
    spec.set.forEach((s, i) => {
      const path = s.slice(0, s.indexOf("="));
      if (seen.has(path)) {
        ctx.addIssue({ code: "custom", path: ["set", i], message: `'${path}' is fixed here and also an axis` });
      }
    });
  })
  .describe("A clustersim sweep: a base scenario and axes over its fields; one run per point");

export type AxisValue = z.infer<typeof AxisValueSchema>;
export type RangeSpec = z.infer<typeof RangeSchema>;
export type AxisBlockSpec = z.infer<typeof AxisBlockSchema>;
export type SweepSpec = z.infer<typeof SweepSpecSchema>;

/** The field paths a block varies, in the order they are written. */
export function blockPaths(block: AxisBlockSpec): string[] {
  switch (block.kind) {
    case "grid":
    case "zip":
      return Object.keys(block.values);
    case "points":
      return Object.keys(block.points[0] ?? {});
    case "random":
    case "lhs":
      return Object.keys(block.ranges);
  }
}
