import type { TopologySpec } from "../../cluster/topology-schema.js";
import type { Accelerator } from "../../hardware/types.js";
import { type Model, type ModelSpec, resolveModel } from "../model-spec.js";
import { defaultWorkspaceBytes, expertParallelShare, type KvCapacity, kvCapacity } from "./deployment-memory.js";
import { maxLength } from "./lengths.js";
import { poolAccelerator } from "./pool-accelerator.js";
import { type ExpertParallelSpec, cardsPerInstance as poolCardsPerInstance, type ServingSpec } from "./serving-spec.js";

export interface DeploymentIssue {
  /** Path inside the scenario tree (so the loader can point at file:line:col). */
  path: (string | number)[];
  message: string;
}

/** Everything the serving run derives from a deployment before simulating. */
export interface ResolvedDeployment {
  model: Model;
  accelerator: Accelerator;
  cardsPerInstance: number;
  cards: number;
  /** Attention data-parallel groups per instance (ep / tp with expert parallelism, else 1). */
  dataParallelGroups: number;
  maxContextTokens: number;
  workspaceBytes: number;
  capacity: KvCapacity;
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

/** Cards of the topology (cards, else nodes × cardsPerNode). */
function topologyCards(t: TopologySpec): number {
  return t.cards ?? t.nodes * t.cardsPerNode;
}

/** Cards per scale-up domain of the topology. */
function domainCards(t: TopologySpec): number {
  return t.scaleUp?.domainCards ?? t.cardsPerNode;
}

/**
 * Resolves a serving deployment against its topology and model and checks
 * what the schema alone cannot: placement within the topology, TP within a
 * scale-up domain and dividing the heads, PP dividing into the layers, the
 * GEMM precision's peak on the card, the context limit, unchunked prompts
 * within the token budget, and a KV cache that holds at least one request
 * of the longest length the traffic can produce (with the numbers). Pure:
 * used by the scenario schema's refinement (issues at file:line:col) and by
 * the run.
 */
export function resolveDeployment(
  topology: TopologySpec,
  modelSpec: ModelSpec,
  serving: ServingSpec,
): { ok: true; value: ResolvedDeployment } | { ok: false; issues: DeploymentIssue[] } {
  const issues: DeploymentIssue[] = [];
  const d = serving.deployment;
  const at = (...path: (string | number)[]) => ["serving", "deployment", ...path];
  const model = resolveModel(modelSpec);
  const ep = d.expertParallel;
  const cardsPerInstance = poolCardsPerInstance(d);
  const dataParallelGroups = ep ? Math.max(1, Math.floor(ep.ep / d.tp)) : 1;
  const cards = d.instances * cardsPerInstance;
  // The card kind of the pool's own cards (one kind per pool on a heterogeneous cluster).
  const pool = poolAccelerator(topology, d.firstCard, d.instances, cardsPerInstance, at("instances"));
  const accelerator = pool.accelerator;
  if (pool.issue) issues.push(pool.issue);
  if (ep) issues.push(...expertParallelIssues(model, d.tp, d.pp, ep, at));
  if (ep?.kernels === "per-op") issues.push(...perOpKernelIssues(d.tp, d.weights, d.activations, at));
  const available = topologyCards(topology);
  if (d.firstCard + cards > available) {
    issues.push({
      path: at("instances"),
      message: `expected the deployment to fit the topology's ${available} cards, found ${d.instances} instances x ${cardsPerInstance} cards (${ep ? `ep ${ep.ep}` : `tp ${d.tp} x pp ${d.pp}`}) = ${cards} cards from card ${d.firstCard}`,
    });
  }
  if (model.attentionHeads % d.tp !== 0) {
    issues.push({
      path: at("tp"),
      message: `expected tp to divide the model's ${model.attentionHeads} attention heads, found ${d.tp}`,
    });
  }
  const domain = domainCards(topology);
  if (d.tp > domain || (d.firstCard % domain) % d.tp !== 0 || domain % d.tp !== 0) {
    issues.push({
      path: at("tp"),
      message: `expected each tensor-parallel group inside one scale-up domain of ${domain} cards (tp dividing it, firstCard aligned), found tp ${d.tp} from card ${d.firstCard}`,
    });
  }
  if (d.pp > model.layers) {
    issues.push({ path: at("pp"), message: `expected at most the model's ${model.layers} layers, found ${d.pp}` });
  }
  if (accelerator.peakFlopsPerS[d.activations] === undefined) {
    issues.push({
      path: at("activations"),
      message: `expected a precision ${accelerator.name} has a dense peak for (bf16${accelerator.peakFlopsPerS.fp8 ? ", fp8" : ""}), found ${d.activations}`,
    });
  }
  const maxContextTokens = d.maxContextTokens ?? model.contextLength;
  if (maxContextTokens > model.contextLength) {
    issues.push({
      path: at("maxContextTokens"),
      message: `expected at most the model's context of ${model.contextLength} tokens, found ${maxContextTokens}`,
    });
  }
  const t = serving.traffic;
  const sch = serving.scheduler;
  let longestInput = 0;
  let longestRequest = 0;
  if (t.inputTokens && t.outputTokens) {
    longestInput = Math.min(maxLength(t.inputTokens, maxContextTokens - 1), maxContextTokens - 1);
    longestRequest = Math.min(longestInput + maxLength(t.outputTokens, maxContextTokens), maxContextTokens);
  }
  if (!sch.chunkedPrefill && longestInput > sch.maxBatchedTokens) {
    issues.push({
      path: ["serving", "scheduler", "maxBatchedTokens"],
      message: `expected at least the longest prompt (${longestInput} tokens) when chunkedPrefill is false, found ${sch.maxBatchedTokens}`,
    });
  }
  const workspaceBytes =
    d.workspaceGB !== undefined
      ? d.workspaceGB * 1e9
      : defaultWorkspaceBytes(
          model,
          d.tp,
          Math.ceil(sch.maxBatchedTokens / dataParallelGroups),
          Math.ceil(sch.maxSequences / dataParallelGroups),
        );
  const capacity = kvCapacity({
    model,
    tp: d.tp,
    pp: d.pp,
    hbmBytes: accelerator.hbmBytes,
    usableFraction: d.hbmUsableFraction,
    weights: d.weights,
    kv: d.kvCache,
    workspaceBytes,
    blockTokens: serving.kvCache.blockTokens,
    dataParallelGroups,
    ...(ep && model.moe
      ? { routedExpertShare: expertParallelShare(model.moe.experts, ep.redundantExperts, ep.ep) }
      : {}),
  });
  const needTokens = Math.max(1, longestRequest);
  if (capacity.tokensPerGroup < needTokens) {
    issues.push({
      path: at("instances"),
      message:
        `the KV cache cannot hold one request of ${needTokens} tokens: per card ${gb(capacity.hbmBytes)} HBM x ${d.hbmUsableFraction} usable = ${gb(capacity.usableBytes)}, ` +
        `minus weights ${gb(capacity.weightsBytesPerCard)} (${d.weights}) and workspace ${gb(capacity.workspaceBytesPerCard)} leaves ${gb(capacity.kvCacheBytesPerCard)} ` +
        `for ${capacity.tokensPerGroup} tokens${dataParallelGroups > 1 ? " per attention data-parallel group" : ""} at ${capacity.kvBytesPerTokenPerCard} bytes per token per card (${d.kvCache} KV): use more ${ep ? "ep" : "tp/pp"}, a lower precision, or shorter requests`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: {
      model,
      accelerator,
      cardsPerInstance,
      cards,
      dataParallelGroups,
      maxContextTokens,
      workspaceBytes,
      capacity,
    },
  };
}

/**
 * What per-op kernel pricing needs (src/workload/serving/per-op-kernels.ts): attention data-parallel
 * with whole experts per card (tp 1, the layer model's expert layout), and weights stored in the
 * precision the GEMMs compute in (the layer model reads each weight in its operand precision).
 */
function perOpKernelIssues(
  tp: number,
  weights: string,
  activations: string,
  at: (...path: (string | number)[]) => (string | number)[],
): DeploymentIssue[] {
  const issues: DeploymentIssue[] = [];
  if (tp !== 1) {
    issues.push({
      path: at("tp"),
      message: `expected tp 1 with expertParallel.kernels per-op (attention data-parallel, whole experts per card), found ${tp}: use kernels fused`,
    });
  }
  if (weights !== activations) {
    issues.push({
      path: at("weights"),
      message: `expected weights in the activations' precision (${activations}) with expertParallel.kernels per-op, found ${weights}: use kernels fused`,
    });
  }
  return issues;
}

/** What expert parallelism needs of the model and the rest of the deployment. */
function expertParallelIssues(
  model: Model,
  tp: number,
  pp: number,
  ep: ExpertParallelSpec,
  at: (...path: (string | number)[]) => (string | number)[],
): DeploymentIssue[] {
  const issues: DeploymentIssue[] = [];
  if (!model.moe) {
    issues.push({
      path: at("expertParallel"),
      message: `expected a mixture-of-experts model for expert parallelism, found ${model.name} (dense): remove expertParallel`,
    });
    return issues;
  }
  const slots = model.moe.experts + ep.redundantExperts;
  if (slots % ep.ep !== 0) {
    issues.push({
      path: at("expertParallel", "ep"),
      message: `expected ep to divide the ${model.moe.experts} routed experts + ${ep.redundantExperts} redundant = ${slots}, found ${ep.ep}`,
    });
  }
  const groups = model.moe.expertGroups ?? 1;
  if (groups > 1 && ep.redundantExperts % groups !== 0) {
    issues.push({
      path: at("expertParallel", "redundantExperts"),
      message: `expected a multiple of the model's ${groups} expert groups (each group keeps its share of copies), found ${ep.redundantExperts}`,
    });
  }
  if (groups > 1 && ep.ep % groups !== 0 && groups % ep.ep !== 0) {
    issues.push({
      path: at("expertParallel", "ep"),
      message: `expected a multiple or a divisor of the model's ${groups} expert groups (whole groups per card, or whole cards per group), found ${ep.ep}`,
    });
  }
  if (ep.ep % tp !== 0) {
    issues.push({ path: at("tp"), message: `expected tp to divide expertParallel.ep ${ep.ep}, found ${tp}` });
  }
  if (pp !== 1) {
    issues.push({ path: at("pp"), message: `expected pp 1 with expert parallelism, found ${pp}` });
  }
  return issues;
}
