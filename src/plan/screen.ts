import type { Cluster } from "../cluster/types.js";
import type { CollectiveRunner } from "../collectives/runner.js";
import type { CollectiveRequest } from "../collectives/types.js";
import type { Model } from "../workload/model-spec.js";
import type { ResolvedPlan } from "../workload/plan-spec.js";
import { compileStep } from "../workload/training/compile.js";
import { trainingStepGraph } from "../workload/training/step-graph.js";
import { estimateProgram, type PredictRequestS, type ProgramEstimate } from "./estimate-program.js";

/**
 * The closed-form step time of a plan: the same compiled step (per-op
 * roofline costs, in-layer collectives predicted on their groups) and the
 * same task graph the DES runs, evaluated for one replica without the event
 * simulation of the network (estimateProgram). `predict` is the cluster's
 * closed-form collective predictor (CollectiveRunner.predict); share one,
 * memoised by request content (sharedPredictor), across plans.
 */
export function screenPlan(
  model: Model,
  plan: ResolvedPlan,
  cluster: Cluster,
  predict: PredictRequestS,
): ProgramEstimate {
  const program = compileStep(model, plan, cluster, predict, { inLayer: "predicted" });
  return estimateProgram(trainingStepGraph(program), predict);
}

/**
 * The runner's closed-form time memoised by request content (op, size,
 * cards): the runner memoises by the identity of the cards array, and every
 * compiled plan builds its own arrays for groups other plans share.
 */
export function sharedPredictor(runner: CollectiveRunner): PredictRequestS {
  const memo = new Map<string, number>();
  return (req: CollectiveRequest) => {
    const key = `${req.op}|${req.algo ?? "auto"}|${req.sizeBytes}|${req.cards.join(",")}`;
    let t = memo.get(key);
    if (t === undefined) {
      t = runner.predict(req).timeS;
      memo.set(key, t);
    }
    return t;
  };
}
