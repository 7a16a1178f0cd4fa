import { describe, expect, it } from "vitest";
import { buildCluster } from "../../../src/cluster/build.js";
import { CollectiveRunner } from "../../../src/collectives/runner.js";
import { Simulator } from "../../../src/engine/index.js";
import { clusterNetwork } from "../../../src/network/cluster-network.js";
import { loadServingScenario } from "../../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../../src/scenario/run-serving.js";
import type { RunOk } from "../../../src/scenario/types.js";
import { runCli } from "../../helpers/run-cli.js";

/** Prefill/decode disaggregation (issue 15 item 1, first part): KV caches moved as flows on the network. */
const PD = "test/fixtures/serving-pd/tiny-pd.yaml";
// tiny-llm: 4 layers x 8 KV heads x (128 + 128) dims x 2 bytes = 16 KiB of KV per token.
const KV_BYTES_PER_TOKEN = 4 * 8 * 256 * 2;

function run(sets: string[] = [], keep = false): RunOk {
  const r = runServingScenario(loadServingScenario(PD, sets), 1, { keepRequests: keep });
  if (!r.ok) throw new Error(r.error);
  return r;
}
const m = (r: RunOk, k: string) => r.metrics[k] as number;

describe("prefill/decode disaggregation", () => {
  it("on an idle fabric a KV transfer takes the path's closed-form send time (bytes over the bottleneck NIC)", () => {
    const r = run();
    const spec = loadServingScenario(PD);
    const cluster = buildCluster(spec.topology);
    const sim = new Simulator();
    const predicted = new CollectiveRunner(sim, cluster, clusterNetwork(sim, cluster)).predict({
      op: "sendrecv",
      cards: [0, 8],
      sizeBytes: 2048 * KV_BYTES_PER_TOKEN,
    }).timeS;
    // 4 requests/s against ~40 ms per request: transfers never overlap.
    expect(m(r, "kvTransferMeanSeconds")).toBeCloseTo(predicted, 9);
    expect(m(r, "kvTransferP99Seconds")).toBeCloseTo(predicted, 9);
    // 32 MiB over a 200 Gb/s NIC: about 1.3 ms plus latency.
    expect(m(r, "kvTransferMeanSeconds")).toBeGreaterThan((2048 * KV_BYTES_PER_TOKEN) / 25e9);
  });

  it("half the NIC bandwidth: the transfer takes about twice as long; the prefill and decode compute do not change", () => {
    const full = run();
    const half = run(["topology.scaleOut.nicGbps=100"]);
    const ratio = m(half, "kvTransferMeanSeconds") / m(full, "kvTransferMeanSeconds");
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.01);
    expect(m(half, "ttftMeanSeconds")).toBeCloseTo(m(full, "ttftMeanSeconds"), 12);
  });

  it("a degraded NIC on the prefill card (noise.degradedLinks) slows its transfers as half the NIC speed does", () => {
    const full = run();
    const degraded = run(["noise.degradedLinks.bandwidthFactor=0.5", "noise.degradedLinks.nicOfCards=[0]"]);
    const half = run(["topology.scaleOut.nicGbps=100"]);
    // Card 0's NIC is the transfers' source: at half speed it is their bottleneck, as a 100 Gb/s fabric is.
    expect(m(degraded, "kvTransferMeanSeconds")).toBeGreaterThan(1.9 * m(full, "kvTransferMeanSeconds"));
    expect(m(degraded, "kvTransferMeanSeconds")).toBeLessThanOrEqual(m(half, "kvTransferMeanSeconds") * (1 + 1e-9));
    expect(m(degraded, "ttftMeanSeconds")).toBeCloseTo(m(full, "ttftMeanSeconds"), 12);
  });

  it("eight prefill instances into one decode card: transfers share its NIC and take longer", () => {
    const idle = run();
    const busy = run([
      "serving.deployment.instances=8",
      "serving.traffic.arrival=offline",
      "serving.traffic.requests=64",
      "serving.traffic.warmupRequests=0",
    ]);
    expect(m(busy, "kvTransferMeanSeconds")).toBeGreaterThan(2 * m(idle, "kvTransferMeanSeconds"));
  });

  it("every request finishes once, after its transfer; TTFT is the prefill's first token (before the transfer)", () => {
    const r = run(["serving.traffic.warmupRequests=0"], true);
    const q = r.details.requests as Record<string, number[]>;
    const n = (q.arrivalS as number[]).length;
    expect(n).toBe(80);
    expect(m(r, "requests")).toBe(80);
    for (let i = 0; i < n; i++) {
      expect(q.firstTokenS?.[i] as number).toBeGreaterThan(q.arrivalS?.[i] as number);
      // The first token comes from the prefill; the 31 others need the KV cache on the decode card.
      expect((q.finishS?.[i] as number) - (q.firstTokenS?.[i] as number)).toBeGreaterThan(
        m(r, "kvTransferMeanSeconds"),
      );
      expect(q.instance?.[i]).toBe(1); // finished on the decode instance (index after the prefill pool)
    }
    expect(m(r, "cards")).toBe(2);
  });

  it("requests of one output token finish on the prefill instance and move nothing", () => {
    const r = run(["serving.traffic.outputTokens.mean=1"]);
    expect(Number.isNaN(m(r, "kvTransferMeanSeconds"))).toBe(true);
    expect(m(r, "requests")).toBe(70);
  });

  // The decode pool is checked when the scenario loads (src/workload/serving/serving-pools.ts), so its
  // problems point at the field: file:line:col, or the --set that gave the value.
  it("a decode pool whose KV cache cannot hold one request is bad input with the numbers", () => {
    expect(() =>
      loadServingScenario("topologies/scenarios/llama3-70b-h100-serving.yaml", [
        "serving.deployment.instances=1",
        "serving.decode.instances=1",
        "serving.decode.tp=1",
      ]),
    ).toThrow(/serving\.decode\.\w+: the KV cache cannot hold one request of 131072 tokens: .*weights 72\.66 GB/);
  });

  it("a decode pool that overlaps the prefill pool or leaves the topology is bad input naming serving.decode", () => {
    expect(() => loadServingScenario(PD, ["serving.decode.firstCard=0"])).toThrow(
      /serving\.decode\.firstCard: expected the decode pool's cards 0\.\.0 not to overlap/,
    );
    expect(() => loadServingScenario(PD, ["serving.decode.instances=9"])).toThrow(
      /serving\.decode\.instances: expected the deployment to fit the topology's 16 cards/,
    );
  });

  it("a decode-pool problem in the file is reported at its line and column", () => {
    const r = runCli(["run", "test/fixtures/serving-pd/bad-decode-overlap.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "bad-decode-overlap.yaml:22:16: serving.decode.firstCard: expected the decode pool's cards",
    );
  });
});

describe("disaggregated runs are deterministic across worker counts", () => {
  it("run --seeds 3 --json: the same object with 1 and 2 workers", () => {
    const args = ["run", PD, "--seeds", "3", "--json"];
    const one = runCli([...args, "--workers", "1"]);
    const two = runCli([...args, "--workers", "2"]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
    expect(JSON.parse(one.stdout).kvTransferSeconds.mean).toBeGreaterThan(0);
  });
});

describe("--solve over values where the scenario is inconsistent", () => {
  it("a probe that is invalid input (pools would overlap) ends the direction; it is not a failing verdict", () => {
    const r = runCli([
      "run",
      PD,
      "--set",
      "serving.traffic.ratePerS=200",
      "--set",
      "serving.traffic.requests=2000",
      "--set",
      "serving.traffic.warmupRequests=200",
      "--solve",
      "serving.deployment.instances",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // 9 or more prefill instances would overlap the decode pool on card 8: not a breaking point at 8.
    expect(j.holdsAt).toBeUndefined();
    expect(j.summary).toMatch(
      /holds at every probed serving\.deployment\.instances \(1, 2, 4, 8\); no breaking point found/,
    );
  });
});
