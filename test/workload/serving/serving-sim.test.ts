import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../../src/engine/rng.js";
import type { BatchWork } from "../../../src/workload/serving/iteration-cost.js";
import { openLoopRequests } from "../../../src/workload/serving/request-table.js";
import {
  type ServingSimOutcome,
  type ServingSimParams,
  simulateServing,
  type TrafficSource,
} from "../../../src/workload/serving/serving-sim.js";
import {
  type SchedulerSpec,
  SchedulerSpecSchema,
  TrafficSpecSchema,
} from "../../../src/workload/serving/serving-spec.js";

/**
 * The request-level engine loop (simulateServing) with hand-made iteration
 * costs, so that every property is exact: conservation of requests and
 * tokens, the KV cache bound, preemption under each reservation policy,
 * Little's law, determinism, and a few timelines worked out by hand.
 */

type Reservation = "incremental" | "full-request";

interface Recorded {
  instance: number;
  work: BatchWork;
}

/** An iteration cost that grows with the batch's tokens and context (deterministic, always > 0). */
const costOf = (w: BatchWork) => 2e-3 + 2e-5 * w.tokens + 2e-8 * (w.decodeContextTokens + w.prefillContextTokens);

function run(
  traffic: TrafficSource,
  opts: {
    instances?: number;
    scheduler?: Record<string, unknown>;
    blockTokens?: number;
    blocksPerInstance: number;
    prefixHitFraction?: number;
    router?: ServingSimParams["router"];
    iterationS?: (w: BatchWork) => number;
  },
): { outcome: ServingSimOutcome; iterations: Recorded[]; scheduler: SchedulerSpec } {
  const iterations: Recorded[] = [];
  const scheduler = SchedulerSpecSchema.parse(opts.scheduler ?? {});
  const cost = opts.iterationS ?? costOf;
  const outcome = simulateServing({
    instances: opts.instances ?? 1,
    scheduler,
    blockTokens: opts.blockTokens ?? 16,
    blocksPerInstance: opts.blocksPerInstance,
    prefixHitFraction: opts.prefixHitFraction ?? 0,
    router: opts.router ?? "round-robin",
    iterationS: (instance, w) => {
      iterations.push({ instance, work: { ...w } });
      return cost(w);
    },
    traffic,
  });
  return { outcome, iterations, scheduler };
}

/** Open-loop traffic from explicit (arrival, input, output) triples. */
function openTraffic(rows: readonly (readonly [number, number, number])[]): TrafficSource {
  return {
    kind: "open",
    count: rows.length,
    arrivalS: Float64Array.from(rows.map((r) => r[0])),
    inputTokens: Int32Array.from(rows.map((r) => r[1])),
    outputTokens: Int32Array.from(rows.map((r) => r[2])),
  };
}

/** Poisson traffic from the real generator, lengths uniform and clipped to `maxContext`. */
function poisson(opts: {
  seed: number;
  ratePerS: number;
  requests: number;
  input: [number, number];
  output: [number, number];
  maxContext: number;
}): TrafficSource {
  const spec = TrafficSpecSchema.parse({
    arrival: "poisson",
    ratePerS: opts.ratePerS,
    requests: opts.requests,
    inputTokens: { distribution: "uniform", min: opts.input[0], max: opts.input[1] },
    outputTokens: { distribution: "uniform", min: opts.output[0], max: opts.output[1] },
  });
  return { kind: "open", ...openLoopRequests(spec, opts.maxContext, new RandomStreams(opts.seed)) };
}

const sum = (xs: ArrayLike<number>, n = xs.length) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i] as number;
  return s;
};

/**
 * The invariants every run must satisfy, whatever the scheduler settings.
 * Collected as messages (one expect at the end keeps thousands of checks per run cheap).
 */
function checkInvariants(
  traffic: Extract<TrafficSource, { kind: "open" }>,
  r: ReturnType<typeof run>,
  opts: { instances: number; prefixHitFraction?: number },
) {
  const { outcome: o, iterations, scheduler } = r;
  const s = o.requests;
  const n = traffic.count;
  const bad: string[] = [];
  const check = (ok: boolean, what: () => string) => {
    if (!ok && bad.length < 10) bad.push(what());
  };
  check(s.count === n, () => `${s.count} requests simulated, ${n} sent`);
  let e2eSum = 0;
  let lastFinish = 0;
  for (let i = 0; i < n; i++) {
    const a = s.arrivalS[i] as number;
    const ft = s.firstTokenS[i] as number;
    const f = s.finishS[i] as number;
    const out = s.outputTokens[i] as number;
    // Finished exactly once, after its first token, which came after its arrival.
    check(Number.isFinite(f), () => `request ${i} never finished`);
    check(ft > a, () => `request ${i}: first token ${ft} not after arrival ${a}`);
    check(out === 1 ? f === ft : f > ft, () => `request ${i}: finish ${f} vs first token ${ft} (${out} tokens)`);
    check(s.generated[i] === out, () => `request ${i}: generated ${s.generated[i]} of ${out}`);
    check(s.blocks[i] === 0, () => `request ${i} still holds ${s.blocks[i]} blocks`);
    // The requests are the traffic's, unchanged.
    check(
      a === traffic.arrivalS[i] && s.inputTokens[i] === traffic.inputTokens[i] && out === traffic.outputTokens[i],
      () => `request ${i} differs from the traffic`,
    );
    const k = s.instance[i] as number;
    check(k >= 0 && k < opts.instances, () => `request ${i} on instance ${k}`);
    e2eSum += f - a;
    lastFinish = Math.max(lastFinish, f);
  }
  // Tokens: every output token is sampled by exactly one iteration (a decode, or a prompt's last chunk).
  let sampled = 0;
  let processed = 0;
  for (const it of iterations) {
    const w = it.work;
    sampled += w.logitsTokens;
    processed += w.tokens;
    check(w.tokens > 0, () => "an empty iteration was run");
    check(w.decodeSeqs <= scheduler.maxSequences, () => `${w.decodeSeqs} decodes > maxSequences`);
    check(w.logitsTokens >= w.decodeSeqs, () => "a decode sampled no token");
  }
  const preemptions = sum(s.preemptions, n);
  for (const it of iterations) {
    const w = it.work;
    // Chunked prefill never exceeds the token budget (unchunked, only a recomputation may: it goes alone).
    check(
      !(scheduler.chunkedPrefill || preemptions === 0) || w.tokens <= scheduler.maxBatchedTokens,
      () => `${w.tokens} tokens > budget ${scheduler.maxBatchedTokens}`,
    );
    // Unchunked: every prompt in an iteration is whole, so it samples its first token.
    check(
      scheduler.chunkedPrefill || w.tokens === w.decodeSeqs || w.logitsTokens > w.decodeSeqs,
      () => `unchunked iteration with a partial prompt: ${JSON.stringify(w)}`,
    );
  }
  check(sampled === sum(s.outputTokens, n), () => `${sampled} tokens sampled, ${sum(s.outputTokens, n)} expected`);
  check(iterations.length === o.iterations, () => `${iterations.length} iterations priced, ${o.iterations} counted`);
  const hit = opts.prefixHitFraction ?? 0;
  let minimal = 0;
  for (let i = 0; i < n; i++) {
    const input = s.inputTokens[i] as number;
    minimal += input - Math.floor(input * hit) + (s.outputTokens[i] as number) - 1;
  }
  // Each prompt token computed once and one token per decode; recomputation only adds.
  check(
    preemptions === 0 ? processed === minimal : processed > minimal,
    () => `${processed} tokens processed, minimum ${minimal}, ${preemptions} preemptions`,
  );
  // The KV cache never holds more blocks than it has.
  check(o.kvMaxUtilization > 0 && o.kvMaxUtilization <= 1, () => `kvMaxUtilization ${o.kvMaxUtilization}`);
  // Full-request reservation never preempts.
  check(
    scheduler.kvReservation !== "full-request" || preemptions === 0,
    () => `${preemptions} preemptions with full-request reservation`,
  );
  // Little's law: time-average of requests in the system = throughput × mean time in the system.
  check(o.makespanS === lastFinish, () => `makespan ${o.makespanS} vs last finish ${lastFinish}`);
  const L = o.inSystemSeconds / o.makespanS;
  const lambdaW = (n / o.makespanS) * (e2eSum / n);
  check(Math.abs(L - lambdaW) / lambdaW < 0.02, () => `Little: L = ${L}, λW = ${lambdaW}`);
  // (Exact, in fact: the integral is accumulated at every arrival and departure.)
  check(Math.abs(o.inSystemSeconds - e2eSum) / e2eSum < 1e-9, () => `∫N dt ${o.inSystemSeconds} vs Σ(f − a) ${e2eSum}`);
  // FCFS: without preemption, and without a per-sequence chunk cap (which lets a short prompt admitted
  // later finish its prefill first), each instance's first tokens come in arrival order.
  if (preemptions === 0 && (!scheduler.chunkedPrefill || scheduler.prefillChunkTokens === undefined)) {
    const lastFirst = new Array<number>(opts.instances).fill(0);
    for (let i = 0; i < n; i++) {
      const k = s.instance[i] as number;
      const ft = s.firstTokenS[i] as number;
      check(ft >= (lastFirst[k] as number), () => `request ${i}: first token ${ft} before an earlier request's`);
      lastFirst[k] = ft;
    }
  }
  expect(bad).toEqual([]);
  return { preemptions, processed, minimal };
}

const reservations: Reservation[] = ["incremental", "full-request"];

describe("simulateServing: properties over random deployments and traffic", () => {
  it("conserves requests and tokens, respects the KV cache and budgets, and obeys Little's law", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(1_000_000),
          ratePerS: fc.double({ min: 0.5, max: 400, noNaN: true }),
          requests: fc.integer({ min: 1, max: 80 }),
          instances: fc.integer({ min: 1, max: 4 }),
          inMin: fc.integer({ min: 1, max: 300 }),
          inSpan: fc.integer({ min: 0, max: 700 }),
          outMin: fc.integer({ min: 1, max: 100 }),
          outSpan: fc.integer({ min: 0, max: 200 }),
          maxSequences: fc.integer({ min: 1, max: 64 }),
          maxBatchedTokens: fc.integer({ min: 64, max: 4096 }),
          prefillChunkTokens: fc.option(fc.integer({ min: 8, max: 1024 }), { nil: undefined }),
          blockTokens: fc.constantFrom(1, 8, 16, 32),
          /** KV capacity in maximal requests (< 1 is raised to one request's worth). */
          kvRequests: fc.double({ min: 0.5, max: 40, noNaN: true }),
          reservation: fc.constantFrom<Reservation>(...reservations),
          chunkedPrefill: fc.boolean(),
          router: fc.constantFrom<ServingSimParams["router"]>("round-robin", "least-outstanding"),
          prefixHitFraction: fc.constantFrom(0, 0, 0.5),
        }),
        (c) => {
          const maxInput = c.inMin + c.inSpan;
          const maxContext = maxInput + c.outMin + c.outSpan;
          const blocksPerInstance = Math.ceil((Math.max(1, c.kvRequests) * maxContext) / c.blockTokens);
          const traffic = poisson({
            seed: c.seed,
            ratePerS: c.ratePerS,
            requests: c.requests,
            input: [c.inMin, maxInput],
            output: [c.outMin, c.outMin + c.outSpan],
            maxContext,
          }) as Extract<TrafficSource, { kind: "open" }>;
          const scheduler: Record<string, unknown> = {
            maxSequences: c.maxSequences,
            // Unchunked prompts must fit the budget (the deployment checks refuse it otherwise).
            maxBatchedTokens: c.chunkedPrefill ? c.maxBatchedTokens : Math.max(c.maxBatchedTokens, maxInput),
            chunkedPrefill: c.chunkedPrefill,
            kvReservation: c.reservation,
          };
          if (c.chunkedPrefill && c.prefillChunkTokens !== undefined) {
            scheduler.prefillChunkTokens = c.prefillChunkTokens;
          }
          const r = run(traffic, {
            instances: c.instances,
            scheduler,
            blockTokens: c.blockTokens,
            blocksPerInstance,
            prefixHitFraction: c.prefixHitFraction,
            router: c.router,
          });
          checkInvariants(traffic, r, { instances: c.instances, prefixHitFraction: c.prefixHitFraction });
          if (c.router === "round-robin") {
            for (let i = 0; i < traffic.count; i++) expect(r.outcome.requests.instance[i]).toBe(i % c.instances);
          }
        },
      ),
      { numRuns: 100, seed: 20240611 },
    );
  });

  it.each(
    reservations.flatMap((reservation) =>
      [true, false].map((chunkedPrefill) => [reservation, chunkedPrefill] as const),
    ),
  )("a KV cache of a few blocks (%s, chunkedPrefill %s): every request still finishes", (reservation, chunked) => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 1, max: 3 }), (seed, instances) => {
        // 12 blocks of 16 = 192 tokens: about two requests of up to 80 + 100 tokens.
        const traffic = poisson({
          seed,
          ratePerS: 200,
          requests: 80,
          input: [40, 80],
          output: [40, 100],
          maxContext: 180,
        }) as Extract<TrafficSource, { kind: "open" }>;
        const r = run(traffic, {
          instances,
          scheduler: { maxSequences: 16, maxBatchedTokens: 256, chunkedPrefill: chunked, kvReservation: reservation },
          blocksPerInstance: 12,
        });
        const { preemptions } = checkInvariants(traffic, r, { instances });
        if (reservation === "incremental") expect(preemptions).toBeGreaterThan(0);
        else expect(preemptions).toBe(0);
      }),
      { numRuns: 15, seed: 7 },
    );
  });
});

describe("simulateServing: determinism", () => {
  const trafficOf = (seed: number) =>
    poisson({ seed, ratePerS: 60, requests: 300, input: [50, 900], output: [1, 200], maxContext: 1100 });
  const arrays = (o: ServingSimOutcome) => {
    const s = o.requests;
    const pick = (a: Float64Array | Int32Array) => Array.from(a.subarray(0, s.count));
    return {
      arrivalS: pick(s.arrivalS),
      firstTokenS: pick(s.firstTokenS),
      finishS: pick(s.finishS),
      inputTokens: pick(s.inputTokens),
      outputTokens: pick(s.outputTokens),
      preemptions: pick(s.preemptions),
      instance: pick(s.instance),
    };
  };

  it.each(reservations)("same seed: identical per-request arrays (%s)", (reservation) => {
    const opts = {
      instances: 3,
      scheduler: { maxSequences: 32, maxBatchedTokens: 1024, kvReservation: reservation },
      blocksPerInstance: 200,
      router: "least-outstanding" as const,
    };
    const a = run(trafficOf(11), opts);
    const b = run(trafficOf(11), opts);
    expect(arrays(b.outcome)).toEqual(arrays(a.outcome));
    expect(b.iterations).toEqual(a.iterations);
    expect(JSON.stringify(arrays(b.outcome))).toBe(JSON.stringify(arrays(a.outcome)));
    const c = run(trafficOf(12), opts);
    expect(arrays(c.outcome).arrivalS).not.toEqual(arrays(a.outcome).arrivalS);
    expect(arrays(c.outcome).finishS).not.toEqual(arrays(a.outcome).finishS);
  });
});

describe("simulateServing: timelines worked out by hand (every iteration takes 1 s)", () => {
  const oneSecond = () => 1;

  it.each([true, false])("one request: prompt in one iteration, then one decode per token (chunked %s)", (chunked) => {
    const r = run(openTraffic([[0.5, 100, 5]]), {
      scheduler: { chunkedPrefill: chunked },
      blocksPerInstance: 100,
      iterationS: oneSecond,
    });
    const s = r.outcome.requests;
    expect([s.firstTokenS[0], s.finishS[0]]).toEqual([1.5, 5.5]);
    expect(r.iterations.map((it) => it.work.tokens)).toEqual([100, 1, 1, 1, 1]);
    expect(r.iterations[0]?.work).toEqual({
      tokens: 100,
      decodeSeqs: 0,
      decodeContextTokens: 0,
      prefillAttentionPairs: (100 * 101) / 2,
      // Every pair of the one chunk attends over its 100 keys.
      prefillPairKeyTokens: ((100 * 101) / 2) * 100,
      prefillContextTokens: 100,
      logitsTokens: 1,
    });
    // Decode i reads the prompt and the i tokens generated so far, plus the new one.
    expect(r.iterations.slice(1).map((it) => it.work.decodeContextTokens)).toEqual([101, 102, 103, 104]);
    expect(r.outcome.makespanS).toBe(5.5);
    expect(r.outcome.inSystemSeconds).toBe(5);
  });

  it("chunked prefill of 40 tokens: a 100-token prompt takes 3 iterations (40, 40, 20)", () => {
    const r = run(openTraffic([[0, 100, 3]]), {
      scheduler: { prefillChunkTokens: 40 },
      blocksPerInstance: 100,
      iterationS: oneSecond,
    });
    const s = r.outcome.requests;
    expect([s.firstTokenS[0], s.finishS[0]]).toEqual([3, 5]);
    expect(r.iterations.map((it) => it.work.tokens)).toEqual([40, 40, 20, 1, 1]);
    expect(r.iterations.map((it) => it.work.logitsTokens)).toEqual([0, 0, 1, 1, 1]);
    // The second chunk attends to the 40 cached tokens and causally to itself: 40·(40 + 41/2) pairs.
    expect(r.iterations[1]?.work.prefillAttentionPairs).toBe(40 * (40 + 41 / 2));
    // ... over the 80 keys it reaches.
    expect(r.iterations[1]?.work.prefillPairKeyTokens).toBe(40 * (40 + 41 / 2) * 80);
    expect(r.iterations[2]?.work.prefillContextTokens).toBe(100);
  });

  it("maxSequences 1: the second request waits for the first to finish", () => {
    const r = run(
      openTraffic([
        [0, 10, 3],
        [0, 10, 3],
      ]),
      { scheduler: { maxSequences: 1 }, blocksPerInstance: 100, iterationS: oneSecond },
    );
    const s = r.outcome.requests;
    expect(Array.from(s.firstTokenS.subarray(0, 2))).toEqual([1, 4]);
    expect(Array.from(s.finishS.subarray(0, 2))).toEqual([3, 6]);
    expect(r.outcome.inSystemSeconds).toBe(9);
  });

  it.each([true, false])("a new prompt shares the iteration with the running decodes (chunked %s)", (chunked) => {
    // A decodes from t = 1; B arrives at 2.5 and is prefilled in the iteration starting at 3, next to A's decode.
    const r = run(
      openTraffic([
        [0, 10, 10],
        [2.5, 10, 2],
      ]),
      { scheduler: { chunkedPrefill: chunked }, blocksPerInstance: 100, iterationS: oneSecond },
    );
    const s = r.outcome.requests;
    expect([s.firstTokenS[1], s.finishS[1]]).toEqual([4, 5]);
    // A is never paused: 1 prompt iteration + 9 decodes.
    expect([s.firstTokenS[0], s.finishS[0]]).toEqual([1, 10]);
    expect(r.iterations[3]?.work).toMatchObject({ tokens: 11, decodeSeqs: 1, logitsTokens: 2 });
  });

  it("a prompt that does not fit the budget left by the decodes: chunked splits it, unchunked waits", () => {
    const rows = [
      [0, 10, 10],
      [2.5, 16, 2],
    ] as const;
    const opts = (chunkedPrefill: boolean) => ({
      scheduler: { chunkedPrefill, maxBatchedTokens: 16 },
      blocksPerInstance: 100,
      iterationS: oneSecond,
    });
    const chunked = run(openTraffic(rows), opts(true)).outcome.requests;
    // t = 3: A's decode + 15 prompt tokens of B; t = 4: A's decode + B's last token → first token at 5.
    expect([chunked.firstTokenS[1], chunked.finishS[1]]).toEqual([5, 6]);
    const whole = run(openTraffic(rows), opts(false));
    // 16 tokens never fit beside A's decode (15 left): B is prefilled when A has finished (t = 10).
    expect([whole.outcome.requests.firstTokenS[1], whole.outcome.requests.finishS[1]]).toEqual([11, 12]);
    expect(whole.iterations.every((it) => it.work.tokens <= 16)).toBe(true);
  });

  it.each([true, false])(
    "4 blocks of 16: incremental reservation preempts the later request and recomputes it; full-request makes it wait (chunked %s)",
    (chunked) => {
      // A: 16 + 40 tokens (4 blocks at its end); B (at 0.5): 8 + 30 tokens (3 blocks at its end).
      const rows = [
        [0, 16, 40],
        [0.5, 8, 30],
      ] as const;
      const opts = (kvReservation: Reservation) => ({
        scheduler: { chunkedPrefill: chunked, kvReservation },
        blockTokens: 16,
        blocksPerInstance: 4,
        iterationS: oneSecond,
      });
      // Incremental: A takes 1 block, B is admitted at t = 1 with 1; A's second block at t = 1 and B's
      // second at t = 10 fill the cache; A's third at t = 17 evicts B (16 tokens generated). A finishes at
      // 40; B is recomputed (8 + 16 = 24 tokens) from t = 40 and decodes its 13 remaining tokens to t = 54.
      const inc = run(openTraffic(rows), opts("incremental"));
      const si = inc.outcome.requests;
      expect(Array.from(si.preemptions.subarray(0, 2))).toEqual([0, 1]);
      expect(Array.from(si.firstTokenS.subarray(0, 2))).toEqual([1, 2]);
      expect(Array.from(si.finishS.subarray(0, 2))).toEqual([40, 54]);
      const recompute = inc.iterations.find((it) => it.work.tokens === 24);
      expect(recompute?.work).toMatchObject({ decodeSeqs: 0, prefillContextTokens: 24, logitsTokens: 1 });
      expect(inc.outcome.kvMaxUtilization).toBe(1);
      // Full-request: A holds its 4 blocks from t = 0, so B (3 blocks) waits for A's end.
      const full = run(openTraffic(rows), opts("full-request"));
      const sf = full.outcome.requests;
      expect(Array.from(sf.preemptions.subarray(0, 2))).toEqual([0, 0]);
      expect(Array.from(sf.firstTokenS.subarray(0, 2))).toEqual([1, 41]);
      expect(Array.from(sf.finishS.subarray(0, 2))).toEqual([40, 70]);
      expect(full.outcome.kvMaxUtilization).toBe(1);
    },
  );

  it("the cost function sees each instance's own batches; instances run in parallel", () => {
    const rows = Array.from({ length: 4 }, () => [0, 10, 4] as const);
    const r = run(openTraffic(rows), { instances: 2, blocksPerInstance: 100, iterationS: oneSecond });
    // Round-robin: two requests per instance, batched together: 1 prompt iteration + 3 decodes each.
    expect(Array.from(r.outcome.requests.finishS.subarray(0, 4))).toEqual([4, 4, 4, 4]);
    expect(r.iterations.filter((it) => it.instance === 0).map((it) => it.work.decodeSeqs)).toEqual([0, 2, 2, 2]);
    expect(r.iterations.filter((it) => it.instance === 1)).toHaveLength(4);
    expect(r.outcome.makespanS).toBe(4);
  });
});

describe("simulateServing: edges", () => {
  it.each(reservations)("a request larger than the whole KV cache is an error, not a hang (%s)", (kvReservation) => {
    // 2 blocks of 16 = 32 tokens; the request needs 16 + 40.
    expect(() =>
      run(openTraffic([[0, 16, 40]]), {
        scheduler: { kvReservation },
        blocksPerInstance: 2,
        iterationS: () => 1,
      }),
    ).toThrow("serving: instance 0 cannot admit request 0 (16 + 40 tokens) into an empty KV cache of 2 blocks");
  });

  it.each(reservations)(
    "closed loop: each user sends its next request a think time after the last finishes (%s)",
    (kv) => {
      let next = 0;
      const traffic: TrafficSource = {
        kind: "closed",
        users: 3,
        thinkTimeS: 0.25,
        maxRequests: 30,
        durationS: Number.POSITIVE_INFINITY,
        nextLengths: () => {
          next++;
          return [20 + ((next * 37) % 200), 1 + ((next * 13) % 40)];
        },
      };
      const r = run(traffic, {
        instances: 2,
        scheduler: { maxSequences: 2, kvReservation: kv },
        blocksPerInstance: 40,
      });
      const s = r.outcome.requests;
      expect(s.count).toBe(30);
      const lastFinish = new Map<number, number>();
      const bad: string[] = [];
      for (let i = 0; i < s.count; i++) {
        const u = s.user[i] as number;
        const prev = lastFinish.get(u);
        const a = s.arrivalS[i] as number;
        // The first three requests go at t = 0; then one per user, a think time after its last.
        if (prev === undefined) {
          if (a !== 0) bad.push(`user ${u}'s first request at ${a}`);
        } else if (Math.abs(a - (prev + 0.25)) > 1e-12)
          bad.push(`request ${i} of user ${u} at ${a}, last finish ${prev}`);
        if (!(Number.isFinite(s.finishS[i] as number) && (s.finishS[i] as number) > a))
          bad.push(`request ${i} unfinished`);
        if (s.generated[i] !== s.outputTokens[i]) bad.push(`request ${i}: ${s.generated[i]} of ${s.outputTokens[i]}`);
        lastFinish.set(u, s.finishS[i] as number);
      }
      expect(bad).toEqual([]);
      expect([...lastFinish.keys()].sort()).toEqual([0, 1, 2]);
      // At most 3 requests in the system at once: the time-average of the count is below 3.
      expect(r.outcome.inSystemSeconds / r.outcome.makespanS).toBeLessThanOrEqual(3);
      const tokens = r.iterations.reduce((acc, it) => acc + it.work.logitsTokens, 0);
      expect(tokens).toBe(sum(s.outputTokens, s.count));
    },
  );
});
