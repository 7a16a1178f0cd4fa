import type { TopologySpec } from "../../cluster/topology-schema.js";
import { resolveAccelerator } from "../../hardware/resolve.js";
import type { Accelerator } from "../../hardware/types.js";
import { type Model, type ModelSpec, resolveModel } from "../model-spec.js";
import { defaultWorkspaceBytes, type KvCapacity, kvCapacity } from "./deployment-memory.js";
import { maxLength } from "./lengths.js";
import type { ServingSpec } from "./serving-spec.js";

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
  const accelerator = resolveAccelerator(topology.accelerator);
  const cardsPerInstance = d.tp * d.pp;
  const cards = d.instances * cardsPerInstance;
  const available = topologyCards(topology);
  if (d.firstCard + cards > available) {
    issues.push({
      path: at("instances"),
      message: `expected the deployment to fit the topology's ${available} cards, found ${d.instances} instances x ${cardsPerInstance} cards (tp ${d.tp} x pp ${d.pp}) = ${cards} cards from card ${d.firstCard}`,
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
      : defaultWorkspaceBytes(model, d.tp, sch.maxBatchedTokens, sch.maxSequences);
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
  });
  const needTokens = Math.max(1, longestRequest);
  if (capacity.kvCapacityTokensPerInstance < needTokens) {
    issues.push({
      path: at("instances"),
      message:
        `the KV cache cannot hold one request of ${needTokens} tokens: per card ${gb(capacity.hbmBytes)} HBM x ${d.hbmUsableFraction} usable = ${gb(capacity.usableBytes)}, ` +
        `minus weights ${gb(capacity.weightsBytesPerCard)} (${d.weights}) and workspace ${gb(capacity.workspaceBytesPerCard)} leaves ${gb(capacity.kvCacheBytesPerCard)} ` +
        `for ${capacity.kvCapacityTokensPerInstance} tokens at ${capacity.kvBytesPerTokenPerCard} bytes per token per card (${d.kvCache} KV): use more tp/pp, a lower precision, or shorter requests`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: { model, accelerator, cardsPerInstance, cards, maxContextTokens, workspaceBytes, capacity },
  };
}
