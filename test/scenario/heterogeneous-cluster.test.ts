import { describe, expect, it } from "vitest";
import { InputError } from "../../src/input/issues.js";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runScenario } from "../../src/scenario/run.js";
import type { RunOk } from "../../src/scenario/types.js";
import { resolveDeployment } from "../../src/workload/serving/deployment-checks.js";

/**
 * Workloads on a heterogeneous cluster (topology nodeGroups, docs/topology.md
 * "Node groups"): training refuses mixed card kinds; each serving pool takes
 * the card kind of its own cards and may not span two.
 */
const TRAINING = "test/fixtures/scenarios/small-dp16.yaml"; // pure DP over small-2x8's 16 A100s
const PD = "test/fixtures/serving-pd/tiny-pd.yaml"; // prefill on card 0, decode on card 8 of small-2x8
const POISSON = "test/fixtures/serving/tiny-poisson.yaml"; // 2 instances of tp 2 from card 0 of small-2x8
/** small-2x8 with node 1 (cards 8..15) turned into H100s. */
const TWO_KINDS = "topology.nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1, accelerator: {name: H100-SXM5-80GB}}]";

function loadError(path: string, sets: string[]): string {
  try {
    loadServingScenario(path, sets);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error(`${path} loaded without an error`);
}

describe("training on a heterogeneous cluster", () => {
  it("a job whose cards span two card kinds is an input error naming the field and both kinds", () => {
    const r = runScenario({ scenarioPath: TRAINING, sets: [TWO_KINDS], seed: 1, steps: 1 });
    expect(r).toEqual({
      ok: false,
      kind: "invalid-input",
      error:
        "topology.nodeGroups: expected the training job's 16 cards (all of the cluster's) on one card kind, found " +
        "A100-SXM4-80GB on cards 0..7 (topology.accelerator, node group 'a') and " +
        "H100-SXM5-80GB on cards 8..15 (topology.nodeGroups.1.accelerator, node group 'b'); training across card kinds is not modeled",
    });
  });

  it("node groups of one card kind train exactly as the same cluster without groups", () => {
    const plain = runScenario({ scenarioPath: TRAINING, sets: [], seed: 1, steps: 2 }) as RunOk;
    const grouped = runScenario({
      scenarioPath: TRAINING,
      sets: ["topology.nodeGroups=[{name: a, nodes: 1}, {name: b, nodes: 1}]"],
      seed: 1,
      steps: 2,
    }) as RunOk;
    expect(plain.ok).toBe(true);
    expect(grouped.metrics).toEqual(plain.metrics);
  });
});

describe("serving pools on a heterogeneous cluster", () => {
  it("prefill and decode pools on two card kinds resolve to their own cards' accelerators", () => {
    const spec = loadServingScenario(PD, [TWO_KINDS]);
    const prefill = resolveDeployment(spec.topology, spec.model, spec.serving);
    // The decode pool is resolved as a deployment of its own on its cards (as src/scenario/run-serving.ts does).
    const d = spec.serving.deployment;
    const decodeServing = { ...spec.serving, deployment: { ...d, instances: 1, tp: 1, pp: 1, firstCard: 8 } };
    const decode = resolveDeployment(spec.topology, spec.model, decodeServing);
    if (!prefill.ok || !decode.ok) throw new Error("expected both pools to resolve");
    expect(prefill.value.accelerator.name).toBe("A100-SXM4-80GB");
    expect(decode.value.accelerator.name).toBe("H100-SXM5-80GB");
    // The KV capacity is sized on each pool's own HBM (both 80 GiB here, different bandwidth and peak).
    expect(prefill.value.capacity.hbmBytes).toBe(prefill.value.accelerator.hbmBytes);
    expect(decode.value.accelerator.peakFlopsPerS.bf16).toBe(989.5e12);
    expect(prefill.value.accelerator.peakFlopsPerS.bf16).toBe(312e12);
  });

  it("a single pool inside one group takes that group's card kind", () => {
    const spec = loadServingScenario(POISSON, [TWO_KINDS, "serving.deployment.firstCard=8"]);
    const r = resolveDeployment(spec.topology, spec.model, spec.serving);
    expect(r.ok && r.value.accelerator.name).toBe("H100-SXM5-80GB");
  });

  it("a pool spanning two card kinds is rejected at serving.deployment.instances with the kinds found", () => {
    const msg = loadError(POISSON, [TWO_KINDS, "serving.deployment.instances=4", "serving.deployment.tp=4"]);
    // Reported at the --set that made the pool this large (at file:line:col when the file says it).
    expect(msg).toBe(
      "--set serving.deployment.instances=4: serving.deployment.instances: expected the pool's cards 0..15 (firstCard 0, 4 instances x 4 cards) on one card kind, found " +
        "A100-SXM4-80GB on cards 0..7 (topology.accelerator, node group 'a') and " +
        "H100-SXM5-80GB on cards 8..15 (topology.nodeGroups.1.accelerator, node group 'b'): place the pool inside one node group",
    );
  });

  it("a pool that ends inside the next group names just the cards it spans", () => {
    const msg = loadError(POISSON, [TWO_KINDS, "serving.deployment.firstCard=4", "serving.deployment.instances=3"]);
    expect(msg).toContain(
      "expected the pool's cards 4..9 (firstCard 4, 3 instances x 2 cards) on one card kind, found " +
        "A100-SXM4-80GB on cards 4..7 (topology.accelerator, node group 'a') and " +
        "H100-SXM5-80GB on cards 8..9 (topology.nodeGroups.1.accelerator, node group 'b')",
    );
  });
});
