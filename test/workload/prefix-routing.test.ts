import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/rng.js";
import type { Simulator } from "../../src/engine/simulator.js";
import { servingMetrics } from "../../src/metrics/serving-metrics.js";
import { servingRunJson, servingRunText } from "../../src/report/serving-report.js";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../src/scenario/run-serving.js";
import type { RunOk } from "../../src/scenario/types.js";
import type { BatchWork } from "../../src/workload/serving/iteration-cost.js";
import { PrefixCache } from "../../src/workload/serving/prefix-cache.js";
import { openLoopRequests } from "../../src/workload/serving/request-table.js";
import {
  type DecodePool,
  type ServingSimOutcome,
  type ServingSimParams,
  simulateServing,
} from "../../src/workload/serving/serving-sim.js";
import { SchedulerSpecSchema, SloSpecSchema, TrafficSpecSchema } from "../../src/workload/serving/serving-spec.js";

/**
 * Shared prefixes of request classes, per-instance prefix caches and the
 * prefix-aware router (docs/serving.md, "Request classes and prefix-aware
 * routing"), by value: the LRU, hit fractions under each router, the balance
 * threshold, disaggregated prefill pools, the class-less behaviour kept, and
 * determinism of the shipped example.
 */

/** An iteration cost that grows with the batch's tokens and context (deterministic, always > 0). */
const costOf = (w: BatchWork) => 2e-3 + 2e-5 * w.tokens + 2e-8 * (w.decodeContextTokens + w.prefillContextTokens);

interface Case {
  instances: number;
  router: ServingSimParams["router"];
  classes?: Record<string, unknown>[];
  /** Traffic-level fields over the defaults (Poisson 100 req/s, 4,000 requests, prompts 2,000, outputs 20). */
  traffic?: Record<string, unknown>;
  blocksPerInstance?: number;
  prefixHitFraction?: number;
  prefixCacheEntries?: number;
  routerBalanceThreshold?: number;
  decode?: DecodePool;
  seed?: number;
}

function simulate(c: Case): { outcome: ServingSimOutcome; hitFraction: number } {
  const spec = TrafficSpecSchema.parse({
    arrival: "poisson",
    ratePerS: 100,
    requests: 4000,
    inputTokens: { distribution: "fixed", mean: 2000 },
    outputTokens: { distribution: "fixed", mean: 20 },
    ...(c.classes ? { classes: c.classes } : {}),
    ...c.traffic,
  });
  const outcome = simulateServing({
    instances: c.instances,
    scheduler: SchedulerSpecSchema.parse({}),
    blockTokens: 16,
    blocksPerInstance: c.blocksPerInstance ?? 12_000,
    prefixHitFraction: c.prefixHitFraction ?? 0,
    router: c.router,
    routerBalanceThreshold: c.routerBalanceThreshold,
    classes: spec.classes,
    prefixCacheEntries: c.prefixCacheEntries,
    iterationS: (_, w) => costOf(w),
    traffic: { kind: "open", ...openLoopRequests(spec, 8192, new RandomStreams(c.seed ?? 1)) },
    ...(c.decode ? { decode: c.decode } : {}),
  });
  const { metrics } = servingMetrics({
    outcome,
    warmupRequests: 0,
    cards: c.instances,
    instances: c.instances,
    slo: SloSpecSchema.parse({}),
    rateDriven: true,
    kvBlocksPerInstance: c.blocksPerInstance ?? 12_000,
  });
  return { outcome, hitFraction: metrics.prefixHitTokenFraction as number };
}

/** Distinct instances that served each prefix (mean over the prefixes seen). */
function instancesPerPrefix(o: ServingSimOutcome): number {
  const seen = new Map<number, Set<number>>();
  const s = o.requests;
  for (let r = 0; r < s.count; r++) {
    const k = s.prefix[r] as number;
    let set = seen.get(k);
    if (!set) {
      set = new Set();
      seen.set(k, set);
    }
    set.add(s.instance[r] as number);
  }
  let sum = 0;
  for (const set of seen.values()) sum += set.size;
  return sum / seen.size;
}

describe("PrefixCache: least recently used, bounded by prefixes and by tokens", () => {
  it("a bound on prefixes evicts the least recently used; a hit (touch) makes a prefix the most recent", () => {
    const c = new PrefixCache(2, Number.POSITIVE_INFINITY);
    c.insert(1, 100);
    c.insert(2, 100);
    c.touch(1);
    c.insert(3, 100);
    expect([c.has(1), c.has(2), c.has(3), c.size, c.tokens]).toEqual([true, false, true, 2, 200]);
    c.insert(4, 100);
    expect([c.has(1), c.has(3), c.has(4)]).toEqual([false, true, true]);
  });

  it("a bound on tokens evicts until the held prefixes fit; a prefix larger than the bound is not held", () => {
    const c = new PrefixCache(Number.POSITIVE_INFINITY, 100);
    c.insert(1, 60);
    c.insert(2, 30);
    c.insert(3, 20);
    expect([c.has(1), c.has(2), c.has(3), c.tokens]).toEqual([false, true, true, 50]);
    c.insert(4, 150);
    expect([c.has(2), c.has(3), c.has(4), c.tokens]).toEqual([true, true, false, 50]);
    // Re-inserting a held prefix replaces its size and makes it the most recent: 3 is evicted for it.
    c.insert(2, 90);
    expect([c.has(2), c.has(3), c.tokens]).toEqual([true, false, 90]);
  });
});

describe("prefix hits under each router", () => {
  // 400 documents of 1,600 shared tokens (80% of a 2,000-token prompt); an instance's prefix cache holds
  // half of 12,000 blocks x 16 tokens = 96,000 tokens = 60 of them.
  const rag = [{ name: "rag", share: 1, prefixes: 400, prefixHitFraction: 0.8 }];

  it("many instances and many prefixes: prefix-aware routing hits far more often than round-robin", () => {
    const results = (["prefix-aware", "round-robin", "least-outstanding"] as const).map((router) =>
      simulate({ instances: 8, router, classes: rag }),
    );
    const [aware, rr, least] = results.map((r) => r.hitFraction) as [number, number, number];
    // Prefix-aware: each instance sees its ~50 documents, which fit its cache; only first sights miss
    // (at most 400 of 4,000 requests: a hit fraction >= 0.8 x 0.9 = 0.72, less what load balancing moves).
    expect(aware).toBeGreaterThan(0.68);
    expect(aware).toBeLessThanOrEqual(0.8);
    // Round-robin and least-outstanding spread every document over all 8 instances: each instance holds
    // 60 of the 400 (~15%), so about 0.8 x 0.15 = 0.12.
    expect(rr).toBeLessThan(0.2);
    expect(least).toBeLessThan(0.2);
    expect(aware).toBeGreaterThan(3 * rr);
    // Where the requests went: prefix-aware keeps a document on about one instance.
    expect(instancesPerPrefix((results[0] as { outcome: ServingSimOutcome }).outcome)).toBeLessThan(1.5);
    expect(instancesPerPrefix((results[1] as { outcome: ServingSimOutcome }).outcome)).toBeGreaterThan(5);
    // Fewer prompt tokens to compute: every request finishes sooner on average.
    const meanE2e = (o: ServingSimOutcome) => {
      let s = 0;
      for (let r = 0; r < o.requests.count; r++)
        s += (o.requests.finishS[r] as number) - (o.requests.arrivalS[r] as number);
      return s / o.requests.count;
    };
    expect(meanE2e((results[0] as { outcome: ServingSimOutcome }).outcome)).toBeLessThan(
      meanE2e((results[1] as { outcome: ServingSimOutcome }).outcome),
    );
  });

  it("one prefix on one instance: the hit fraction approaches the class's prefixHitFraction", () => {
    const { outcome, hitFraction } = simulate({
      instances: 1,
      router: "round-robin",
      classes: [{ name: "chat", share: 1, prefixHitFraction: 0.5 }],
      traffic: { ratePerS: 5, requests: 2000, inputTokens: { distribution: "fixed", mean: 1000 } },
    });
    // Only requests admitted before the first prompt's prefix was computed miss (here the first).
    let misses = 0;
    for (let r = 0; r < outcome.requests.count; r++) if (outcome.requests.prefixHitTokens[r] === 0) misses++;
    expect(misses).toBe(1);
    expect(hitFraction).toBe((0.5 * 1000 * 1999) / (1000 * 2000));
    // Lognormal prompts: ⌊input · 0.5⌋ / input, close to 0.5.
    const lognormal = simulate({
      instances: 1,
      router: "prefix-aware",
      classes: [{ name: "chat", share: 1, prefixHitFraction: 0.5 }],
      traffic: { ratePerS: 5, requests: 2000, inputTokens: { distribution: "lognormal", mean: 1000, cv: 1 } },
    });
    expect(lognormal.hitFraction).toBeGreaterThan(0.499);
    expect(lognormal.hitFraction).toBeLessThanOrEqual(0.5);
  });

  it("a class's prefixHitFraction defaults to kvCache.prefixHitFraction", () => {
    const { hitFraction } = simulate({
      instances: 1,
      router: "round-robin",
      prefixHitFraction: 0.25,
      classes: [{ name: "chat", share: 1 }],
      traffic: { ratePerS: 5, requests: 1000, inputTokens: { distribution: "fixed", mean: 1000 } },
    });
    expect(hitFraction).toBe((250 * 999) / (1000 * 1000));
  });

  it("prefixCacheEntries bounds the prefixes an instance holds", () => {
    const two = [{ name: "chat", share: 1, prefixes: 2, prefixHitFraction: 0.5 }];
    const opts = {
      instances: 1,
      router: "round-robin" as const,
      classes: two,
      traffic: { ratePerS: 5, requests: 1000 },
    };
    const both = simulate({ ...opts, prefixCacheEntries: 2 }).hitFraction;
    const one = simulate({ ...opts, prefixCacheEntries: 1 }).hitFraction;
    // Two entries: only the two first sights miss. One entry: a hit only when the last prefix is drawn again (~1/2).
    expect(both).toBe((0.5 * 998) / 1000);
    expect(one).toBeGreaterThan(0.2);
    expect(one).toBeLessThan(0.3);
  });

  it("without classes: every request hits kvCache.prefixHitFraction, and prefix-aware routes as least-outstanding", () => {
    const opts = {
      instances: 4,
      prefixHitFraction: 0.3,
      traffic: { inputTokens: { distribution: "lognormal", mean: 1500, cv: 1 } },
    };
    const aware = simulate({ ...opts, router: "prefix-aware" });
    const least = simulate({ ...opts, router: "least-outstanding" });
    const s = aware.outcome.requests;
    let hit = 0;
    let input = 0;
    for (let r = 0; r < s.count; r++) {
      expect(s.prefixHitTokens[r]).toBe(Math.floor((s.inputTokens[r] as number) * 0.3));
      hit += s.prefixHitTokens[r] as number;
      input += s.inputTokens[r] as number;
    }
    expect(aware.hitFraction).toBe(hit / input);
    expect(Array.from(s.instance.subarray(0, s.count))).toEqual(
      Array.from(least.outcome.requests.instance.subarray(0, s.count)),
    );
    expect(Array.from(s.finishS.subarray(0, s.count))).toEqual(
      Array.from(least.outcome.requests.finishS.subarray(0, s.count)),
    );
  });
});

describe("prefix-aware: the balance threshold", () => {
  // One shared prefix and a load that keeps requests outstanding on 4 instances.
  const hot = [{ name: "hot", share: 1, prefixes: 1, prefixHitFraction: 0.5 }];
  const opts = {
    instances: 4,
    router: "prefix-aware" as const,
    classes: hot,
    traffic: { ratePerS: 100, requests: 2000 },
  };
  const used = (o: ServingSimOutcome) => new Set(Array.from(o.requests.instance.subarray(0, o.requests.count))).size;

  it("a threshold no imbalance reaches: every request goes to the prefix's instance", () => {
    const { outcome } = simulate({ ...opts, routerBalanceThreshold: 1_000_000 });
    expect(used(outcome)).toBe(1);
  });

  it("threshold 0: a request leaves the prefix's instance as soon as another has fewer outstanding", () => {
    const { outcome, hitFraction } = simulate({ ...opts, routerBalanceThreshold: 0 });
    expect(used(outcome)).toBe(4);
    // Each instance computes the prefix once and then hits it.
    expect(hitFraction).toBeGreaterThan(0.49);
  });

  it("the default (32, SGLang's balance_abs_threshold) lets the prefix's instance run ahead by 32", () => {
    const s = simulate(opts).outcome.requests;
    const t = simulate({ ...opts, routerBalanceThreshold: 32 }).outcome.requests;
    expect(Array.from(s.instance.subarray(0, s.count))).toEqual(Array.from(t.instance.subarray(0, t.count)));
  });
});

describe("disaggregated serving: the prefix caches are on the prefill instances", () => {
  /** A KV transfer that takes 1 ms whatever its size. */
  const decode = (instances: number): DecodePool => ({
    instances,
    blocksPerInstance: 12_000,
    maxSequences: 256,
    maxBatchedTokens: 8192,
    transport: (sim: Simulator) => {
      const pending: (() => void)[] = [];
      const arrive = sim.handler("test kv transfer", (i) => (pending[i] as () => void)());
      return (_from, _to, _tokens, done) => {
        pending.push(done);
        sim.after(1e-3, arrive, pending.length - 1);
      };
    },
  });
  const rag = [{ name: "rag", share: 1, prefixes: 400, prefixHitFraction: 0.8 }];

  it("prefix-aware routing of the prefill pool hits more often than round-robin; decode instances hold no prefixes", () => {
    const aware = simulate({ instances: 8, router: "prefix-aware", classes: rag, decode: decode(4) });
    const rr = simulate({ instances: 8, router: "round-robin", classes: rag, decode: decode(4) });
    expect(aware.hitFraction).toBeGreaterThan(0.68);
    expect(rr.hitFraction).toBeLessThan(0.2);
    // Every request ends on a decode instance (indices 8..11), each of them used (least-outstanding).
    const s = aware.outcome.requests;
    const perDecode = [0, 0, 0, 0];
    for (let r = 0; r < s.count; r++) {
      const i = s.instance[r] as number;
      expect(i).toBeGreaterThanOrEqual(8);
      perDecode[i - 8] = (perDecode[i - 8] as number) + 1;
    }
    for (const n of perDecode) expect(n).toBeGreaterThan(500);
  });
});

describe("the shipped example (topologies/scenarios/llama3-8b-h100-prefix-routing.yaml)", () => {
  const EXAMPLE = "topologies/scenarios/llama3-8b-h100-prefix-routing.yaml";
  const SHORT = ["serving.traffic.requests=3000", "serving.traffic.warmupRequests=300"];
  const run = (sets: string[], seed = 1): RunOk => {
    const r = runServingScenario(loadServingScenario(EXAMPLE, [...SHORT, ...sets]), seed, { keepRequests: true });
    if (!r.ok) throw new Error(r.error);
    return r;
  };

  it("same seed: byte-identical per-request output, metrics and classes; another seed differs", () => {
    const a = run([]);
    const b = run([]);
    expect(JSON.stringify(b.details.requests)).toBe(JSON.stringify(a.details.requests));
    expect(JSON.stringify(b.details.classes)).toBe(JSON.stringify(a.details.classes));
    expect(JSON.stringify(b.metrics)).toBe(JSON.stringify(a.metrics));
    const c = run([], 2);
    expect(JSON.stringify(c.details.requests)).not.toBe(JSON.stringify(a.details.requests));
  });

  it("results: prefixHitTokenFraction overall and per class, in --json and the text report", () => {
    const aware = run([]);
    const rr = run(["serving.router=round-robin"]);
    const classes = aware.details.classes as Record<string, { requests: number; prefixHitTokenFraction: number }>;
    expect(Object.keys(classes)).toEqual(["chat", "rag"]);
    expect((classes.chat?.requests ?? 0) + (classes.rag?.requests ?? 0)).toBe(2700);
    // chat: 10 system prompts of 30% of the prompt, each held everywhere: close to 0.3 under any router.
    expect(classes.chat?.prefixHitTokenFraction).toBeGreaterThan(0.28);
    expect(classes.chat?.prefixHitTokenFraction).toBeLessThanOrEqual(0.3);
    // rag: 200 documents, too many for one instance's cache: the router decides.
    const rrRag = (rr.details.classes as typeof classes).rag?.prefixHitTokenFraction as number;
    expect(classes.rag?.prefixHitTokenFraction).toBeGreaterThan(2 * rrRag);
    expect(aware.metrics.prefixHitTokenFraction).toBeGreaterThan(rr.metrics.prefixHitTokenFraction as number);
    const json = servingRunJson(EXAMPLE, 1, aware);
    expect(json.prefixHitTokenFraction).toBe(aware.metrics.prefixHitTokenFraction);
    expect(json.classes).toEqual(classes);
    const text = servingRunText(aware).join("\n");
    expect(text).toMatch(/prefix cache {5}\d+\.\d% of prompt tokens served from it/);
    expect(text).toMatch(/ {2}rag +\d[\d,]* +[\d.]+ ms +[\d.]+ ms +\d+\.\d%/);
  });

  it("without classes the report has no prefix-cache lines and --json no classes", () => {
    const r = run(["serving.router=least-outstanding"]);
    expect(r.details.classes).toBeDefined();
    const plain = runServingScenario(
      loadServingScenario("topologies/scenarios/llama3-8b-h100-serving.yaml", SHORT),
      1,
    ) as RunOk;
    expect(plain.details.classes).toBeUndefined();
    expect(servingRunJson("x", 1, plain).classes).toBeUndefined();
    expect(servingRunJson("x", 1, plain).prefixHitTokenFraction).toBe(0);
    expect(servingRunText(plain).join("\n")).not.toContain("prefix cache");
  });
});
