import { describe, expect, it } from "vitest";
import { resizeAnySets, resizeServingSets, servingCards } from "../../src/claims/resize.js";
import { loadAnyScenario, loadServingScenario } from "../../src/scenario/load-scenario.js";
import type { ServingScenarioSpec } from "../../src/scenario/serving-scenario-spec.js";

const FIX = "test/fixtures/serving";
// 2 instances of TP 2 (4 cards) on small-2x8 (2 nodes of 8); poisson 4 req/s, 80 requests, 10 warm-up.
const POISSON = `${FIX}/tiny-poisson.yaml`;
// 1 instance of TP 1; offline, 50 requests.
const OFFLINE = `${FIX}/tiny-offline.yaml`;

/** The scenario with its traffic replaced (a trace, closed loop, ...) without a file. */
function withTraffic(s: ServingScenarioSpec, traffic: Partial<ServingScenarioSpec["serving"]["traffic"]>) {
  return { ...s, serving: { ...s.serving, traffic: { ...s.serving.traffic, ...traffic } } } as ServingScenarioSpec;
}

describe("resizing a serving scenario", () => {
  const poisson = loadServingScenario(POISSON);
  const offline = loadServingScenario(OFFLINE);

  it("counts the cards a deployment uses: instances x tp x pp", () => {
    expect(servingCards(poisson)).toBe(4);
    expect(servingCards(offline)).toBe(1);
  });

  it("weak: instances = cards / (tp·pp); the rate, request count and warm-up grow with the instances", () => {
    expect(resizeServingSets(poisson, 8, "weak")).toEqual({
      ok: true,
      instances: 4,
      sets: [
        "serving.deployment.instances=4",
        "serving.traffic.ratePerS=8",
        "serving.traffic.requests=160",
        "serving.traffic.warmupRequests=20",
      ],
    });
    // Shrinking scales down as well.
    expect(resizeServingSets(poisson, 2, "weak")).toMatchObject({
      ok: true,
      sets: [
        "serving.deployment.instances=1",
        "serving.traffic.ratePerS=2",
        "serving.traffic.requests=40",
        "serving.traffic.warmupRequests=5",
      ],
    });
  });

  it("the size as written changes nothing but the (same) instance count", () => {
    expect(resizeServingSets(poisson, 4, "weak")).toEqual({
      ok: true,
      instances: 2,
      sets: ["serving.deployment.instances=2"],
    });
  });

  it("grows the topology by whole nodes when it holds fewer than firstCard + cards cards", () => {
    // 32 cards: 4 nodes of 8 (the file has 2).
    const r = resizeServingSets(poisson, 32, "weak");
    expect(r.ok && r.sets.slice(0, 3)).toEqual([
      "topology.nodes=4",
      "topology.cards=32",
      "serving.deployment.instances=16",
    ]);
    // With the first instance at card 8, 16 cards need cards 8..23: 3 nodes.
    const shifted = loadServingScenario(POISSON, ["serving.deployment.firstCard=8"]);
    const s = resizeServingSets(shifted, 16, "strong");
    expect(s).toEqual({
      ok: true,
      instances: 8,
      sets: ["topology.nodes=3", "topology.cards=24", "serving.deployment.instances=8"],
    });
  });

  it("strong: the offered load stays as written", () => {
    expect(resizeServingSets(poisson, 8, "strong")).toEqual({
      ok: true,
      instances: 4,
      sets: ["serving.deployment.instances=4"],
    });
  });

  it("says why a size cannot exist: instances not whole", () => {
    expect(resizeServingSets(poisson, 6, "weak")).toMatchObject({ ok: true, instances: 3 });
    expect(resizeServingSets(poisson, 5, "weak")).toEqual({
      ok: false,
      reason: "instances not integral: 5 cards / (tp 2 x pp 1 = 2) is not whole",
    });
    const pp = loadServingScenario(POISSON, ["serving.deployment.pp=2"]);
    expect(resizeServingSets(pp, 4, "weak")).toMatchObject({ ok: true, instances: 1 });
    expect(resizeServingSets(pp, 6, "weak")).toEqual({ ok: false, reason: expect.stringContaining("tp 2 x pp 2 = 4") });
  });

  it("offline: the request count is the load and must stay whole", () => {
    expect(resizeServingSets(offline, 4, "weak")).toEqual({
      ok: true,
      instances: 4,
      sets: ["serving.deployment.instances=4", "serving.traffic.requests=200"],
    });
    const two = loadServingScenario(OFFLINE, ["serving.deployment.instances=2", "serving.traffic.requests=51"]);
    expect(resizeServingSets(two, 1, "weak")).toEqual({
      ok: false,
      reason: expect.stringContaining("51 offline requests do not scale to a whole number"),
    });
  });

  it("closed loop: users scale (and must stay whole), the request count too", () => {
    const closed = withTraffic(poisson, { arrival: "closed-loop", users: 3, requests: 90, warmupRequests: 0 });
    expect(resizeServingSets(closed, 8, "weak")).toEqual({
      ok: true,
      instances: 4,
      sets: ["serving.deployment.instances=4", "serving.traffic.users=6", "serving.traffic.requests=180"],
    });
    expect(resizeServingSets(closed, 2, "weak")).toEqual({
      ok: false,
      reason: expect.stringContaining("3 users do not scale to a whole number"),
    });
  });

  it("a trace cannot be scaled in weak mode; strong mode and the same size are fine", () => {
    const trace = withTraffic(poisson, { arrival: "trace", traceFile: "/nonexistent/trace.csv" });
    expect(resizeServingSets(trace, 8, "weak")).toEqual({
      ok: false,
      reason: expect.stringContaining("a trace cannot be scaled"),
    });
    expect(resizeServingSets(trace, 8, "strong")).toMatchObject({ ok: true });
    expect(resizeServingSets(trace, 4, "weak")).toMatchObject({ ok: true });
  });

  it("resizeAnySets dispatches on the kind", () => {
    const training = loadAnyScenario("test/claims/fixtures/tiny.yaml");
    expect(resizeAnySets(training, 8, "weak")).toMatchObject({
      ok: true,
      sets: expect.arrayContaining(["parallel.dp=8"]),
    });
    const serving = loadAnyScenario(POISSON);
    expect(resizeAnySets(serving, 8, "weak")).toMatchObject({
      ok: true,
      sets: expect.arrayContaining(["serving.deployment.instances=4"]),
    });
  });
});

describe("resizing a disaggregated (prefill/decode) serving scenario", () => {
  // 1 prefill + 1 decode instance of TP 1 (decode on card 8 of small-2x8); poisson 4 req/s, 80 requests.
  const pd = loadServingScenario("test/fixtures/serving-pd/tiny-pd.yaml");

  it("counts both pools' cards", () => {
    expect(servingCards(pd)).toBe(2);
  });

  it("weak: both pools grow by the same factor (P:D split kept), the decode pool right after the prefill pool", () => {
    expect(resizeServingSets(pd, 8, "weak")).toEqual({
      ok: true,
      instances: 8,
      sets: [
        "serving.deployment.instances=4",
        "serving.decode.instances=4",
        "serving.decode.firstCard=4",
        "serving.traffic.ratePerS=16",
        "serving.traffic.requests=320",
        "serving.traffic.warmupRequests=40",
      ],
    });
  });

  it("a size that does not keep the split in whole instances is a reason, not a run", () => {
    const r = resizeServingSets(pd, 3, "weak");
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(
        /^pools not integral: 3 cards keep the P:D split of 1 prefill x 1 and 1 decode x 1 cards only as 1\.5 and 1\.5 instances$/,
      );
  });
});
