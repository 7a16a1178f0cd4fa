import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAccelerator } from "../../../src/hardware/resolve.js";
import { loadServingScenario } from "../../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../../src/scenario/run-serving.js";
import type { RunOk } from "../../../src/scenario/types.js";
import { resolveModel } from "../../../src/workload/model-spec.js";
import { expertParallelShare } from "../../../src/workload/serving/deployment-memory.js";
import { IterationCostModel } from "../../../src/workload/serving/iteration-cost.js";
import { PerOpKernels } from "../../../src/workload/serving/per-op-kernels.js";
import { runCli } from "../../helpers/run-cli.js";

/** Expert parallelism for MoE serving (issue 15 item 2). */
const EP = "test/fixtures/serving-ep/tiny-moe-ep.yaml";

function run(sets: string[] = []): RunOk {
  const r = runServingScenario(loadServingScenario(EP, ["serving.overheads.iterationS=0", ...sets]), 1);
  if (!r.ok) throw new Error(r.error);
  return r;
}
const decodeShare = (r: RunOk, part: string) => {
  const it = (r.details.iterationSeconds as Record<string, Record<string, number>>).all as Record<string, number>;
  return it[part] as number;
};

describe("expert parallelism: all-to-alls on the network", () => {
  it("half the NIC bandwidth slows an EP step that spans two nodes, and not one inside a node", () => {
    const cross = run();
    const crossHalf = run(["topology.scaleOut.nicGbps=200"]);
    expect(decodeShare(crossHalf, "epComm")).toBeGreaterThan(1.3 * decodeShare(cross, "epComm"));
    const tpot = (r: RunOk) => r.metrics.tpotMeanSeconds as number;
    expect(tpot(crossHalf)).toBeGreaterThan(tpot(cross));

    const intra = run(["serving.deployment.expertParallel.ep=8"]);
    const intraHalf = run(["serving.deployment.expertParallel.ep=8", "topology.scaleOut.nicGbps=200"]);
    expect(tpot(intraHalf)).toBe(tpot(intra));
    expect(decodeShare(intraHalf, "epComm")).toBe(decodeShare(intra, "epComm"));
  });

  it("node-limited routing M = 1 with local-first nodes: no all-to-all crosses the NICs", () => {
    const base = ["serving.deployment.expertParallel.maxNodesPerToken=1"];
    const local = [...base, "serving.deployment.expertParallel.nodeSelection=local-first"];
    const tpot = (r: RunOk) => r.metrics.tpotMeanSeconds as number;
    // With every token kept on its node, the NIC speed does not matter.
    expect(tpot(run([...local, "topology.scaleOut.nicGbps=100"]))).toBe(tpot(run(local)));
    // By score, one node in two is another node: the NIC matters.
    expect(tpot(run([...base, "topology.scaleOut.nicGbps=100"]))).toBeGreaterThan(tpot(run(base)));
  });

  it("two-batch overlap hides all-to-all time behind compute at a full decode batch (SGLang: +25.5% at 256 per card)", () => {
    // SGLang's decode at 256 sequences per card, all-to-alls ~ as long as compute: the overlap pays.
    const sglang = (tbo: boolean) => {
      const r = runServingScenario(
        loadServingScenario("topologies/published/deepseek/sglang-h100-decode-ep72.yaml", [
          "serving.traffic.requests=36864",
          `serving.decode.expertParallel.twoBatchOverlap=${tbo}`,
        ]),
        1,
      );
      if (!r.ok) throw new Error(r.error);
      return r.metrics.decodeOutputTokensPerSecondPerCard as number;
    };
    const speedup = sglang(true) / sglang(false);
    expect(speedup).toBeGreaterThan(1.15);
    expect(speedup).toBeLessThan(1.5);
  });

  it("bad input: ep not dividing the experts, ep on a dense model, pp with ep (file:line:col, exit 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "clustersim-ep-"));
    const bad = join(dir, "ep-12.yaml");
    writeFileSync(bad, readFileSync(EP, "utf8").replace("ep: 16", "ep: 12"));
    const r = await runCli(["run", bad]);
    expect(r.code).toBe(1);
    // ep is on line 38 of the fixture, its value at column 11.
    expect(r.stderr).toContain("ep-12.yaml:38:11");
    expect(r.stderr).toContain("expected ep to divide the 32 routed experts + 0 redundant = 32, found 12");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const dense = await runCli(["run", EP, "--set", "model.moe=null"]);
    expect(dense.code).toBe(1);
    const groups = await runCli([
      "run",
      EP,
      "--set",
      "model.moe.expertGroups=4",
      "--set",
      "serving.deployment.expertParallel.redundantExperts=2",
    ]);
    expect(groups.code).toBe(1);
    expect(groups.stderr).toContain(
      "serving.deployment.expertParallel.redundantExperts: expected a multiple of the model's 4 expert groups (each group keeps its share of copies), found 2",
    );
    const pp = await runCli(["run", EP, "--set", "serving.deployment.pp=2"]);
    expect(pp.code).toBe(1);
    expect(pp.stderr).toContain("expected pp 1 with expert parallelism, found 2");
  });

  it("bad input: per-op kernels with tp 2 or with weights in another precision than the activations (exit 1)", async () => {
    const perOp = ["--set", "serving.deployment.expertParallel.kernels=per-op"];
    const tp = await runCli(["run", EP, ...perOp, "--set", "serving.deployment.tp=2"]);
    expect(tp.code).toBe(1);
    expect(tp.stderr).toContain(
      "serving.deployment.tp: expected tp 1 with expertParallel.kernels per-op (attention data-parallel, whole experts per card), found 2: use kernels fused",
    );
    expect(tp.stderr).not.toMatch(/\n\s+at /);
    const int8 = await runCli(["run", EP, ...perOp, "--set", "serving.deployment.weights=int8"]);
    expect(int8.code).toBe(1);
    expect(int8.stderr).toContain(
      "serving.deployment.weights: expected weights in the activations' precision (fp8) with expertParallel.kernels per-op, found int8: use kernels fused",
    );
    const kernels = await runCli(["run", EP, "--set", "serving.deployment.expertParallel.kernels=unfused"]);
    expect(kernels.code).toBe(1);
    expect(kernels.stderr).toContain("serving.deployment.expertParallel.kernels");
  });
});

describe("expert parallelism: memory and iteration cost by hand", () => {
  it("each card holds (experts + redundant) / ep whole experts", () => {
    expect(expertParallelShare(256, 32, 144)).toBeCloseTo(2 / 256, 15);
    expect(expertParallelShare(256, 32, 32)).toBeCloseTo(9 / 256, 15);
  });

  it("an EP iteration by hand: attention on the group's share, whole experts, all-to-alls per MoE layer", () => {
    const spec = loadServingScenario(EP);
    const model = resolveModel(spec.model);
    const accelerator = resolveAccelerator(spec.topology.accelerator);
    const none = { latencyS: 0, sPerByte: 0 };
    const base = {
      model,
      accelerator,
      tp: 1,
      pp: 1,
      weights: "fp8" as const,
      activations: "fp8" as const,
      kvCache: "bf16" as const,
      moeImbalance: 1,
      tpAllReduce: none,
      ppSend: none,
      iterationOverheadS: 0,
    };
    const ep = {
      ep: 16,
      dataParallelGroups: 16,
      slotsPerCard: 2,
      dispatch: { latencyS: 1e-5, sPerByte: 1e-7 },
      combine: { latencyS: 2e-5, sPerByte: 2e-7 },
      twoBatchOverlap: false,
      commComputeShare: 0,
      overlapWith: "all" as const,
      imbalance: () => 1.25,
    };
    const w = {
      tokens: 160,
      decodeSeqs: 160,
      decodeContextTokens: 160 * 600,
      prefillAttentionPairs: 0,
      prefillContextTokens: 0,
      logitsTokens: 160,
    };
    const b = new IterationCostModel({ ...base, expertParallel: ep }).breakdown(w);
    // One card's share of the batch (1/16), priced as a one-card instance would price it.
    const share = new IterationCostModel(base).breakdown({
      tokens: 10,
      decodeSeqs: 10,
      decodeContextTokens: 10 * 600,
      prefillAttentionPairs: 0,
      prefillContextTokens: 0,
      logitsTokens: 10,
    });
    for (const k of ["linear", "elementwise", "attentionDecode", "logits"] as const)
      expect(b[k]).toBeCloseTo(share[k], 15);
    // Experts: 3 MoE layers; a card receives 160 × 4 / 16 × 1.25 = 50 tokens for its 2 whole experts
    // (3 × 2048 × 1024 parameters each, fp8), of which 1 − (1 − 4/32)^160 are touched.
    const F = accelerator.peakFlopsPerS.fp8 as number;
    const flops = F * (accelerator.efficiency.matmulFp8 ?? accelerator.efficiency.matmul);
    const BW = accelerator.hbmBytesPerS * accelerator.efficiency.memory;
    const pe = 3 * 2048 * 1024;
    const perLayer = Math.max((2 * 50 * pe) / flops, (2 * (1 - (1 - 4 / 32) ** 160) * pe) / BW);
    expect(b.experts).toBeCloseTo(3 * perLayer, 15);
    // All-to-alls: 3 layers × (dispatch + combine) of 160/16 × 1.25 = 12.5 tokens leaving each card.
    const comm = 3 * (1e-5 + 1e-7 * 12.5 + 2e-5 + 2e-7 * 12.5);
    expect(b.epComm).toBeCloseTo(comm, 15);
    expect(b.epCommAll).toBeCloseTo(comm, 15);
    expect(b.total).toBeCloseTo(b.linear + b.elementwise + b.experts + b.attentionDecode + b.logits + b.epComm, 15);

    // Two-batch overlap: two half batches; the all-to-alls hide behind compute, but for one layer's fill.
    const o = new IterationCostModel({ ...base, expertParallel: { ...ep, twoBatchOverlap: true } }).breakdown(w);
    const half = new IterationCostModel({ ...base, expertParallel: { ...ep, twoBatchOverlap: false } }).breakdown({
      ...w,
      tokens: 80,
      decodeSeqs: 80,
      decodeContextTokens: 80 * 600,
      logitsTokens: 80,
    });
    const compute = 2 * (half.total - half.epComm);
    const commAll = 2 * half.epComm;
    expect(o.epCommAll).toBeCloseTo(commAll, 15);
    const fill = Math.min((half.total - half.epComm) / model.layers, half.epComm / 3);
    expect(o.total).toBeCloseTo(Math.max(compute, commAll) + fill, 12);

    // All-to-all kernels that hold a share s of the card slow the compute beside them:
    // iteration = max(all-to-alls, compute + s × all-to-alls) + fill, whichever binds.
    for (const s of [0.1, 0.5, 0.9]) {
      const shared = new IterationCostModel({
        ...base,
        expertParallel: { ...ep, twoBatchOverlap: true, commComputeShare: s },
      }).breakdown(w);
      expect(shared.total).toBeCloseTo(Math.max(commAll, compute + s * commAll) + fill, 12);
      expect(shared.total).toBeGreaterThan(o.total);
      expect(shared.epCommAll).toBeCloseTo(commAll, 15);
    }
    // DeepSeek's decode schedule: a micro-batch's routed experts run between its dispatch and its combine with
    // no all-to-all beside them, so the all-to-alls hide only behind the rest of the compute:
    // iteration = experts + max(compute − experts, all-to-alls) + fill.
    const decodeSchedule = new IterationCostModel({
      ...base,
      expertParallel: { ...ep, twoBatchOverlap: true, overlapWith: "non-expert" },
    }).breakdown(w);
    const experts = 2 * half.experts;
    expect(decodeSchedule.total).toBeCloseTo(experts + Math.max(compute - experts, commAll) + fill, 12);
    expect(decodeSchedule.total).toBeGreaterThanOrEqual(o.total);
    // Without overlap the kernels run alone: the share changes nothing.
    const alone = new IterationCostModel({ ...base, expertParallel: { ...ep, commComputeShare: 0.5 } }).breakdown(w);
    expect(alone.total).toBeCloseTo(b.total, 15);

    // Per-op kernels: the decode schedule block by block. A micro-batch's dispatch hides behind its shared
    // expert and the other's ATTN-0, its combine behind the other's ATTN-1 (core attention included), its
    // routed experts behind nothing; the last combine of the iteration has no next layer to hide behind.
    const perOp = new PerOpKernels(model, accelerator, "fp8", 16, 2, true);
    const withPerOp = { ...ep, perOp };
    const scheduled = new IterationCostModel({
      ...base,
      expertParallel: { ...withPerOp, twoBatchOverlap: true, overlapWith: "non-expert" },
    }).breakdown(w);
    const halfPerOp = new IterationCostModel({ ...base, expertParallel: withPerOp }).breakdown({
      ...w,
      tokens: 80,
      decodeSeqs: 80,
      decodeContextTokens: 80 * 600,
      logitsTokens: 80,
    });
    // One micro-batch on one card: 160 / 16 / 2 = 5 tokens, the busiest card's expert load 1.25 × the mean.
    const layer = perOp.layerS("moe", 5, 1.25);
    const blocks = layer.blocks;
    expect(blocks.preAttention + blocks.postAttention + blocks.shared + blocks.routed + blocks.rest).toBeCloseTo(
      layer.linear + layer.experts + layer.elementwise,
      15,
    );
    expect(blocks.routed).toBeGreaterThanOrEqual(layer.experts);
    const dispatchS = 1e-5 + 1e-7 * 6.25;
    const combineS = 2e-5 + 2e-7 * 6.25;
    const attentionS = halfPerOp.attentionDecode / model.layers;
    const hiddenDispatch = Math.min(dispatchS, blocks.shared + blocks.preAttention);
    const hiddenCombine = Math.min(combineS, blocks.postAttention + attentionS);
    const exposed = 2 * 3 * (dispatchS - hiddenDispatch + combineS - hiddenCombine) + hiddenCombine;
    expect(scheduled.epComm).toBeCloseTo(exposed, 15);
    expect(scheduled.total).toBeCloseTo(2 * (halfPerOp.total - halfPerOp.epComm) + exposed, 12);
    // Never faster than the schedule that lets the whole non-expert compute hide both all-to-alls.
    const pooled =
      2 * halfPerOp.experts +
      Math.max(2 * (halfPerOp.total - halfPerOp.epComm - halfPerOp.experts), 2 * halfPerOp.epComm);
    expect(scheduled.total).toBeGreaterThanOrEqual(pooled);
  });
});

describe("expert-parallel runs are deterministic across worker counts", () => {
  it("run --seeds 3 --json: the same bytes with 1 and 2 workers (all-to-alls priced per run)", async () => {
    const args = [
      "run",
      EP,
      "--seeds",
      "3",
      "--json",
      "--set",
      "serving.deployment.expertParallel.twoBatchOverlap=true",
    ];
    const one = await runCli([...args, "--workers", "1"]);
    const two = await runCli([...args, "--workers", "2"]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(JSON.parse(one.stdout).allToAllShare).toBeGreaterThan(0);
  });
});
