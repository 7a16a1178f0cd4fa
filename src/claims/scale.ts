import { loadAnyScenario, loadScenario } from "../scenario/load-scenario.js";
import type { ServingScenarioSpec } from "../scenario/serving-scenario-spec.js";
import type { RunSpec } from "../scenario/types.js";
import { linearity, lossContributions, scalingEfficiency, timeShares } from "./efficiency.js";
import { sizePoint } from "./evaluate.js";
import { resizeServingSets, resizeSets, type ScalingMode } from "./resize.js";
import { type PointsProgress, runPoints } from "./run-points.js";

export interface ScaleOptions {
  scenarioPath: string;
  sets: string[];
  cards: number[];
  mode: ScalingMode;
  steps: number;
  seed: number;
  threads?: number;
  /** Told of the runs as they finish. */
  progress?: PointsProgress;
}

export type ScaleRow =
  | {
      cards: number;
      ok: true;
      dp: number;
      globalBatchSize: number;
      stepTimeSeconds: number;
      tokensPerSecond: number;
      tokensPerSecondPerCard: number;
      /** Relative to the smallest size that could run (the base). */
      scalingEfficiency: number;
      linearity: number;
      mfu: number;
      /** Share of the step time by category. */
      shares: Record<string, number>;
      /** Contribution of each category to 1 − scalingEfficiency (0 for the base row). */
      lossContributions: Record<string, number>;
    }
  | { cards: number; ok: false; reason: string };

/**
 * Runs the scenario (loaded with `sets`; throws InputError when it is bad)
 * at each size, weak or strong, and reports efficiency against the smallest
 * size that runs. Sizes that cannot exist (plan not integral, topology not
 * buildable, out of memory) are rows with the reason.
 */
export async function runScale(opts: ScaleOptions): Promise<ScaleRow[]> {
  const scenario = loadScenario(opts.scenarioPath, opts.sets);
  const measured = (await runSizes(opts, (cards) => resizeSets(scenario, cards, opts.mode))).map((m) =>
    m.ok ? { ...m, dp: m.resize.dp, globalBatchSize: m.resize.globalBatchSize } : m,
  );
  const base = measured.find((m) => m.ok);
  return measured.map((m): ScaleRow => {
    if (!m.ok || !base?.ok) return m.ok ? { cards: m.cards, ok: false, reason: "no base" } : m;
    const bp = sizePoint(base.metrics);
    const np = sizePoint(m.metrics);
    return {
      cards: m.cards,
      ok: true,
      dp: m.dp,
      globalBatchSize: m.globalBatchSize,
      stepTimeSeconds: np.stepTimeSeconds,
      tokensPerSecond: np.tokensPerSecond,
      tokensPerSecondPerCard: np.tokensPerSecond / m.cards,
      scalingEfficiency: scalingEfficiency(bp, np),
      linearity: linearity(bp, np),
      mfu: m.metrics.mfu ?? Number.NaN,
      shares: timeShares(np),
      lossContributions: lossContributions(bp, np),
    };
  });
}

/** A row of `scale` on a serving scenario. */
export type ServingScaleRow =
  | {
      cards: number;
      ok: true;
      instances: number;
      requestsPerSecond: number;
      outputTokensPerSecond: number;
      outputTokensPerSecondPerCard: number;
      /** Per-card output tokens/s relative to the smallest size that could run (the base). */
      scalingEfficiency: number;
      linearity: number;
      ttftP99Seconds: number;
      tpotP99Seconds: number;
      sloAttainment: number;
      /** The offered load exceeded capacity at this size (latency percentiles are not steady-state). */
      overloaded: boolean;
    }
  | { cards: number; ok: false; reason: string };

/** Rows of `scale` for either kind of scenario. */
export type AnyScaleRows = { kind: "training"; rows: ScaleRow[] } | { kind: "serving"; rows: ServingScaleRow[] };

/** `scale` on a scenario of either kind (the file says which). Throws InputError when it is bad. */
export async function runAnyScale(opts: ScaleOptions): Promise<AnyScaleRows> {
  const s = loadAnyScenario(opts.scenarioPath, opts.sets);
  if (s.kind === "training") return { kind: "training", rows: await runScale(opts) };
  return { kind: "serving", rows: await runServingScale(opts, s.spec) };
}

/**
 * Runs a serving scenario at each size: instances = cards / (tp·pp), the
 * offered load scaled with the instances in weak mode, kept in strong mode
 * (src/claims/resize.ts resizeServingSets). Efficiency is per-card output
 * tokens/s relative to the smallest size that runs.
 */
export async function runServingScale(opts: ScaleOptions, scenario: ServingScenarioSpec): Promise<ServingScaleRow[]> {
  const measured = (await runSizes(opts, (cards) => resizeServingSets(scenario, cards, opts.mode))).map((m) =>
    m.ok ? { ...m, instances: m.resize.instances } : m,
  );
  const base = measured.find((m) => m.ok);
  const nan = Number.NaN;
  return measured.map((m): ServingScaleRow => {
    if (!m.ok || !base?.ok) return m.ok ? { cards: m.cards, ok: false, reason: "no base" } : m;
    const at = (x: typeof m) => ({ cards: x.cards, tokensPerSecond: x.metrics.outputTokensPerSecond ?? nan });
    const out = m.metrics.outputTokensPerSecond ?? nan;
    return {
      cards: m.cards,
      ok: true,
      instances: m.instances,
      requestsPerSecond: m.metrics.requestsPerSecond ?? nan,
      outputTokensPerSecond: out,
      outputTokensPerSecondPerCard: out / m.cards,
      scalingEfficiency: scalingEfficiency(at(base), at(m)),
      linearity: linearity(at(base), at(m)),
      ttftP99Seconds: m.metrics.ttftP99Seconds ?? nan,
      tpotP99Seconds: m.metrics.tpotP99Seconds ?? nan,
      sloAttainment: m.metrics.sloAttainment ?? nan,
      overloaded: m.metrics.overloaded === 1,
    };
  });
}

type Resized<R> = ({ ok: true; sets: string[] } & R) | { ok: false; reason: string };

/**
 * Runs the scenario at each distinct size (ascending) with the overrides
 * `resize` gives, on the worker pool; a size that cannot exist or whose run
 * fails is a row with the reason.
 */
async function runSizes<R>(
  opts: ScaleOptions,
  resize: (cards: number) => Resized<R>,
): Promise<
  Array<
    | { cards: number; ok: true; resize: R; metrics: Record<string, number> }
    | { cards: number; ok: false; reason: string }
  >
> {
  const sizes = [...new Set(opts.cards)].sort((a, b) => a - b);
  const specs: RunSpec[] = [];
  const plans = sizes.map((cards) => {
    const r = resize(cards);
    if (!r.ok) return { cards, r, index: -1 };
    specs.push({
      scenarioPath: opts.scenarioPath,
      sets: [...opts.sets, ...r.sets],
      seed: opts.seed,
      steps: opts.steps,
    });
    return { cards, r, index: specs.length - 1 };
  });
  const results = await runPoints(specs, {
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  return plans.map((p) => {
    if (!p.r.ok) return { cards: p.cards, ok: false as const, reason: p.r.reason };
    const res = results[p.index];
    if (res === undefined) return { cards: p.cards, ok: false as const, reason: "not run" };
    if (!res.ok) return { cards: p.cards, ok: false as const, reason: `${res.kind}: ${oneLine(res.error)}` };
    return { cards: p.cards, ok: true as const, resize: p.r as R, metrics: res.metrics };
  });
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " | ").trim();
}
