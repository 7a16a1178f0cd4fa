import type { TopologySpec } from "../../cluster/topology-schema.js";
import type { ModelSpec } from "../model-spec.js";
import { type DeploymentIssue, type ResolvedDeployment, resolveDeployment } from "./deployment-checks.js";
import type { ServingSpec } from "./serving-spec.js";

/** The decode pool of a disaggregated deployment, resolved and placed. */
export interface ResolvedDecodePool extends ResolvedDeployment {
  firstCard: number;
  /** The serving block as the decode pool sees it (its own parallelism and batch limits). */
  serving: ServingSpec;
}

export interface ResolvedPools {
  prefill: ResolvedDeployment;
  decode?: ResolvedDecodePool;
}

/** Where a decode-pool field lives in the scenario tree, from the path resolveDeployment reports. */
function decodePath(path: (string | number)[]): (string | number)[] {
  if (path[1] === "deployment") return ["serving", "decode", ...path.slice(2)];
  if (path[1] === "scheduler") return ["serving", "decode", ...path.slice(2)];
  return path;
}

/**
 * Resolves the prefill (or only) pool and, with `serving.decode`, the decode
 * pool: each is checked like a deployment of its own (parallelism, placement,
 * KV capacity, expert parallelism), the decode pool placed after the prefill
 * pool unless it says where, and the two must not share cards. Pure: the
 * scenario schema's refinement reports the issues at file:line:col, the run
 * uses the values.
 */
export function resolveServingPools(
  topology: TopologySpec,
  modelSpec: ModelSpec,
  serving: ServingSpec,
): { ok: true; value: ResolvedPools } | { ok: false; issues: DeploymentIssue[] } {
  const prefill = resolveDeployment(topology, modelSpec, serving);
  if (!prefill.ok) return prefill;
  const dp = serving.decode;
  if (!dp) return { ok: true, value: { prefill: prefill.value } };
  const d = serving.deployment;
  const firstCard = dp.firstCard ?? d.firstCard + prefill.value.cards;
  const { expertParallel: _prefillEp, ...prefillRest } = d;
  const decodeServing: ServingSpec = {
    ...serving,
    deployment: {
      ...prefillRest,
      instances: dp.instances,
      tp: dp.tp,
      pp: dp.pp,
      firstCard,
      ...(dp.expertParallel ? { expertParallel: dp.expertParallel } : {}),
    },
    scheduler: {
      ...serving.scheduler,
      maxSequences: dp.maxSequences ?? serving.scheduler.maxSequences,
      maxBatchedTokens: dp.maxBatchedTokens ?? serving.scheduler.maxBatchedTokens,
    },
  };
  const decode = resolveDeployment(topology, modelSpec, decodeServing);
  if (!decode.ok) {
    return { ok: false, issues: decode.issues.map((i) => ({ path: decodePath(i.path), message: i.message })) };
  }
  const pre = prefill.value;
  if (firstCard < d.firstCard + pre.cards && firstCard + decode.value.cards > d.firstCard) {
    return {
      ok: false,
      issues: [
        {
          path: ["serving", "decode", "firstCard"],
          message: `expected the decode pool's cards ${firstCard}..${firstCard + decode.value.cards - 1} not to overlap the prefill pool's ${d.firstCard}..${d.firstCard + pre.cards - 1}`,
        },
      ],
    };
  }
  return { ok: true, value: { prefill: pre, decode: { ...decode.value, firstCard, serving: decodeServing } } };
}
