import { Simulator } from "../../engine/simulator.js";
import { InstanceState } from "./instance-state.js";
import type { BatchWork } from "./iteration-cost.js";
import { LeastLoaded } from "./least-loaded.js";
import { PREFIX_CACHE_KV_FRACTION, PrefixCache } from "./prefix-cache.js";
import { RequestStore } from "./request-store.js";
import type { RequestDraw } from "./request-table.js";
import type { Router, SchedulerSpec } from "./serving-spec.js";

/** Where requests come from. */
export type TrafficSource =
  | {
      kind: "open";
      /** Arrival times (non-decreasing) and lengths. */
      count: number;
      arrivalS: Float64Array;
      inputTokens: Int32Array;
      outputTokens: Int32Array;
      /** With request classes: each request's class and shared prefix (request-table.ts, RequestDraw). */
      requestClass?: Int32Array;
      prefix?: Int32Array;
    }
  | {
      kind: "closed";
      users: number;
      thinkTimeS: number;
      /** Stop issuing after this many requests (Infinity: no cap). */
      maxRequests: number;
      /** Stop issuing after this time (Infinity: no limit). */
      durationS: number;
      /** Next (input, output) lengths of a user's requests, with classes also (class, prefix). */
      nextLengths: (user: number) => RequestDraw;
    };

/** Moves a request's KV cache between instances on the network; `done` when it has arrived. */
export type KvTransport = (from: number, to: number, tokens: number, done: () => void) => void;

/** A separate decode pool (prefill/decode disaggregation). */
export interface DecodePool {
  instances: number;
  blocksPerInstance: number;
  maxSequences: number;
  maxBatchedTokens: number;
  /** Built once on the run's simulator (the network shares its clock). */
  transport: (sim: Simulator) => KvTransport;
}

export interface ServingSimParams {
  instances: number;
  scheduler: SchedulerSpec;
  blockTokens: number;
  blocksPerInstance: number;
  /** Share of each prompt served from the prefix cache, for requests without a class (always a hit). */
  prefixHitFraction: number;
  router: Router;
  /** prefix-aware: how many more outstanding requests than the least-outstanding instance the prefix's instance may have (default 32). */
  routerBalanceThreshold?: number | undefined;
  /**
   * Request classes (traffic.classes), in the order of the requests' class indices: each one's share
   * of the prompt that is its shared prefix (default: prefixHitFraction) and its number of prefixes.
   */
  classes?: readonly { prefixHitFraction?: number | undefined; prefixes: number }[] | undefined;
  /** Most prefixes an instance's prefix cache holds; default: those whose tokens fit in half its KV cache. */
  prefixCacheEntries?: number | undefined;
  /** Seconds of one iteration of `instance` with this batch (stragglers included); decode instances follow the prefill ones. */
  iterationS: (instance: number, work: BatchWork) => number;
  /** Told of every iteration as it starts (a trace writer): instance, start, seconds, batch. */
  onIteration?: (instance: number, startS: number, durationS: number, batch: IterationBatch) => void;
  traffic: TrafficSource;
  /** With a decode pool, `instances` prefill and hand each request over after its first token. */
  decode?: DecodePool;
}

export interface ServingSimOutcome {
  requests: RequestStore;
  iterations: number;
  events: number;
  /** Σ sequences over iterations (mean batch size = this / iterations). */
  batchSequences: number;
  /** Time integral of KV blocks in use, summed over instances (block·s). */
  kvBlockSeconds: number;
  kvMaxUtilization: number;
  /** Time integral of requests in the system (arrived, not finished). */
  inSystemSeconds: number;
  makespanS: number;
  /** Queued (not admitted) requests integrated over the first and second half of the arrival window (open loop). */
  queuedFirstHalf: number;
  queuedSecondHalf: number;
  /** Requests queued at the last arrival (open loop). */
  queuedAtLastArrival: number;
  arrivalWindowS: number;
}

/**
 * Request-level simulation of a serving deployment on the discrete-event
 * engine: one event per iteration per instance and one per distinct arrival
 * time (never one per token). Each instance runs vLLM-style continuous
 * batching (docs/serving.md, "Scheduler"):
 *  1. running sequences in admission order get one decode token each, or
 *     their next prompt chunk (chunked prefill), within the token budget;
 *     when the KV cache has no block for one, the latest-admitted running
 *     sequence is preempted (its blocks freed; recomputed later);
 *  2. if nothing was preempted, queued requests are admitted FCFS (preempted
 *     ones first) while sequences, tokens and KV blocks allow; head-of-line
 *     blocking: admission stops at the first request that does not fit.
 *     With full-request reservation a request takes the blocks of its prompt
 *     and whole output when admitted (TensorRT-LLM GUARANTEED_NO_EVICT), so
 *     step 1 never runs out of blocks.
 * Without chunked prefill prompts are admitted whole (within the remaining
 * budget) and share the iteration with the decodes (TensorRT-LLM without
 * chunked context; vLLM V1 with chunking off). A prompt that completes
 * samples the first output token at the end of its iteration; every decode
 * samples one.
 *
 * Prefix caching: a request without a class finds ⌊input · prefixHitFraction⌋
 * prompt tokens cached wherever it runs. A request of a class finds its
 * prefix's ⌊input · f⌋ tokens (f: the class's prefixHitFraction) cached only
 * when the instance admitting its prefill holds that prefix (PrefixCache, per
 * prefill or colocated instance); the prompt chunk that computes the prefix
 * adds it there. The router `prefix-aware` sends a request to the instance
 * its prefix was last routed to (a new prefix: to the instance with the
 * fewest prefixes routed to it, lowest index among equals) unless that one
 * has more than routerBalanceThreshold outstanding requests beyond the
 * least-outstanding instance: then to the least-outstanding one.
 */
/** One iteration's batch, as a trace shows it. */
export interface IterationBatch {
  sequences: number;
  /** Tokens computed: prompt chunk tokens plus one per decoding sequence. */
  tokens: number;
  decodeSequences: number;
}

/** claimBlocks' outcomes. */
const CLAIMED = 0;
const CLAIMED_AFTER_PREEMPTING = 1;
const SELF_PREEMPTED = 2;

export function simulateServing(p: ServingSimParams): ServingSimOutcome {
  const sim = new Simulator();
  const sch = p.scheduler;
  const B = p.blockTokens;
  const chunkCap = sch.prefillChunkTokens ?? sch.maxBatchedTokens;
  const reserveFull = sch.kvReservation === "full-request";
  const store = new RequestStore(
    p.traffic.kind === "open" ? p.traffic.count : Math.min(p.traffic.maxRequests, 1 << 16),
  );
  const dec = p.decode;
  const classFraction = (p.classes ?? []).map((c) => c.prefixHitFraction ?? p.prefixHitFraction);
  const prefixCount = (p.classes ?? []).reduce((a, c) => a + c.prefixes, 0);
  const insts = Array.from(
    { length: p.instances },
    (_, i) =>
      new InstanceState(i, p.blocksPerInstance, sch.maxSequences, sch.maxBatchedTokens, dec ? "prefill" : "both"),
  );
  const decodeInsts = dec
    ? Array.from(
        { length: dec.instances },
        (_, j) =>
          new InstanceState(p.instances + j, dec.blocksPerInstance, dec.maxSequences, dec.maxBatchedTokens, "decode"),
      )
    : [];
  const allInsts = [...insts, ...decodeInsts];
  if (p.classes !== undefined) {
    const entries = p.prefixCacheEntries ?? Number.POSITIVE_INFINITY;
    const tokens =
      p.prefixCacheEntries === undefined
        ? Math.floor(PREFIX_CACHE_KV_FRACTION * p.blocksPerInstance * B)
        : Number.POSITIVE_INFINITY;
    for (const inst of insts) inst.prefixCache = new PrefixCache(entries, tokens);
  }
  /** prefix-aware: the prefill instance each prefix was last routed to (-1: never), and how many prefixes each holds so. */
  const lastRouted = new Int32Array(p.router === "prefix-aware" ? prefixCount : 0).fill(-1);
  const prefixesRouted = new Int32Array(p.instances);
  const fewestPrefixes = new LeastLoaded(
    p.router === "prefix-aware" ? p.instances : 0,
    (i) => prefixesRouted[i] as number,
  );
  const balanceThreshold = p.routerBalanceThreshold ?? 32;
  const transport = dec?.transport(sim);
  const out = {
    iterations: 0,
    batchSequences: 0,
    kvBlockSeconds: 0,
    kvMaxUtilization: 0,
  };
  let rr = 0;
  let inSystem = 0;
  let inSystemSeconds = 0;
  let queued = 0;
  let lastChangeS = 0;
  const arrivalEnd =
    p.traffic.kind === "open" && p.traffic.count > 0 ? (p.traffic.arrivalS[p.traffic.count - 1] as number) : 0;
  const half = arrivalEnd / 2;
  const queuedHalves = [0, 0];
  let queuedAtLastArrival = 0;

  /** Integrates the in-system and queued counts up to now (call before changing them). */
  const integrate = () => {
    const now = sim.now;
    const dt = now - lastChangeS;
    if (dt > 0) {
      inSystemSeconds += inSystem * dt;
      if (queued > 0 && lastChangeS < arrivalEnd) {
        const a = lastChangeS;
        const b = Math.min(now, arrivalEnd);
        const first = Math.max(0, Math.min(b, half) - a);
        queuedHalves[0] = (queuedHalves[0] as number) + queued * first;
        queuedHalves[1] = (queuedHalves[1] as number) + queued * (b - a - first);
      }
      lastChangeS = now;
    }
  };

  let rrDecode = 0;
  const leastPrefill = new LeastLoaded(insts.length, (i) => (insts[i] as InstanceState).outstanding);
  const leastDecode = new LeastLoaded(decodeInsts.length, (i) => (decodeInsts[i] as InstanceState).outstanding);
  /** The instance of `pool` for request r (decode pool: prefix-aware routes least-outstanding). */
  const route = (r: number, pool: readonly InstanceState[] = insts): InstanceState => {
    if (p.router === "round-robin") {
      const k = pool === insts ? rr : rrDecode;
      const inst = pool[k] as InstanceState;
      if (pool === insts) rr = (rr + 1) % pool.length;
      else rrDecode = (rrDecode + 1) % pool.length;
      return inst;
    }
    if (pool !== insts) return decodeInsts[leastDecode.peek()] as InstanceState;
    const least = leastPrefill.peek();
    const k = store.prefix[r] as number;
    if (p.router !== "prefix-aware" || k < 0) return insts[least] as InstanceState;
    // The prefix's instance; for a prefix never routed, the instance with the fewest prefixes (SGLang's
    // smallest tree). Either gives way to the least-outstanding instance beyond the balance threshold.
    const holder = lastRouted[k] as number;
    const candidate = holder >= 0 ? holder : fewestPrefixes.peek();
    const pick =
      (insts[candidate] as InstanceState).outstanding - (insts[least] as InstanceState).outstanding <= balanceThreshold
        ? candidate
        : least;
    if (pick !== holder) {
      lastRouted[k] = pick;
      prefixesRouted[pick] = (prefixesRouted[pick] as number) + 1;
      fewestPrefixes.update(pick);
      if (holder >= 0) {
        prefixesRouted[holder] = (prefixesRouted[holder] as number) - 1;
        fewestPrefixes.update(holder);
      }
    }
    return insts[pick] as InstanceState;
  };
  /** Keeps the least-outstanding order after an instance's outstanding count changed. */
  const changed = (inst: InstanceState) => {
    if (inst.role === "decode") leastDecode.update(inst.index - p.instances);
    else leastPrefill.update(inst.index);
  };

  const assign = (r: number): InstanceState => {
    const c = store.requestClass[r] as number;
    const k = store.prefix[r] as number;
    if (c >= classFraction.length || k >= prefixCount || c >= 0 !== k >= 0) {
      throw new Error(
        `serving: request ${r} has class ${c} and prefix ${k}, but the run has ${classFraction.length} classes with ${prefixCount} prefixes`,
      );
    }
    integrate();
    const inst = route(r);
    store.instance[r] = inst.index;
    inst.enqueue(r);
    inst.outstanding++;
    changed(inst);
    inSystem++;
    queued++;
    return inst;
  };

  const preempt = (inst: InstanceState, victim: number) => {
    inst.running.pop();
    inst.freeBlocks += store.blocks[victim] as number;
    store.blocks[victim] = 0;
    store.kvTokens[victim] = 0;
    store.prefilled[victim] = 0;
    store.preemptions[victim] = (store.preemptions[victim] as number) + 1;
    inst.preempted.push(victim);
    integrate();
    queued++;
  };

  /**
   * Gives running sequence r `need` more blocks, preempting the most recently admitted sequences (the
   * end of the running list) until they fit: CLAIMED (nothing preempted), CLAIMED_AFTER_PREEMPTING, or
   * SELF_PREEMPTED (r itself was preempted before its blocks fitted; it holds none then).
   */
  const claimBlocks = (inst: InstanceState, r: number, need: number): number => {
    let result = CLAIMED;
    while (need > inst.freeBlocks) {
      const victim = inst.running[inst.running.length - 1] as number;
      preempt(inst, victim);
      result = CLAIMED_AFTER_PREEMPTING;
      if (victim === r) return SELF_PREEMPTED;
    }
    if (need > 0) {
      store.blocks[r] = (store.blocks[r] as number) + need;
      inst.freeBlocks -= need;
    }
    return result;
  };

  /** Blocks a sequence needs to hold `tokens` tokens, beyond those it has. */
  const blocksNeeded = (r: number, tokens: number) => Math.ceil(tokens / B) - (store.blocks[r] as number);

  const work: BatchWork = {
    tokens: 0,
    decodeSeqs: 0,
    decodeContextTokens: 0,
    prefillAttentionPairs: 0,
    prefillPairKeyTokens: 0,
    prefillContextTokens: 0,
    logitsTokens: 0,
  };

  const addToBatch = (inst: InstanceState, r: number, chunk: number) => {
    inst.batchIds[inst.batchSize] = r;
    inst.batchChunk[inst.batchSize] = chunk;
    inst.batchSize++;
    if (chunk === 0) {
      work.tokens += 1;
      work.decodeSeqs += 1;
      work.decodeContextTokens += (store.kvTokens[r] as number) + 1;
      work.logitsTokens += 1;
    } else {
      const o = store.prefilled[r] as number;
      work.tokens += chunk;
      const pairs = chunk * (o + (chunk + 1) / 2);
      work.prefillAttentionPairs += pairs;
      work.prefillPairKeyTokens = (work.prefillPairKeyTokens ?? 0) + pairs * (o + chunk);
      work.prefillContextTokens += o + chunk;
      if (o + chunk === store.prefillTarget[r]) work.logitsTokens += 1;
    }
  };

  /** Tokens of a prefix of request r's prompt: ⌊input · f⌋, f its class's share (without a class: prefixHitFraction). */
  const prefixTokens = (r: number): number => {
    const c = store.requestClass[r] as number;
    return Math.floor((store.inputTokens[r] as number) * (c < 0 ? p.prefixHitFraction : (classFraction[c] as number)));
  };
  /** Prompt tokens of request r found in the prefix cache of `inst` (always, for a request without a class). */
  const cachedTokens = (inst: InstanceState, r: number): number => {
    if ((store.requestClass[r] as number) < 0) return prefixTokens(r);
    return inst.prefixCache?.has(store.prefix[r] as number) ? prefixTokens(r) : 0;
  };

  /** Admits queued requests FCFS while they fit; returns the tokens used. */
  const admit = (inst: InstanceState, budget: number, wholePrompts: boolean): number => {
    let used = 0;
    while (inst.running.length < inst.maxSequences && used < budget) {
      const r = inst.peekQueued();
      if (r < 0) break;
      if (inst.role === "decode" && (store.prefilled[r] as number) === (store.prefillTarget[r] as number)) {
        // Handed over with its KV cache: admitted straight to decoding (blocks for the context and the
        // next token, or the whole request with full reservation).
        const kv = store.kvTokens[r] as number;
        const need = Math.ceil(
          (reserveFull ? (store.inputTokens[r] as number) + (store.outputTokens[r] as number) : kv + 1) / B,
        );
        if (need > inst.freeBlocks) break;
        inst.popQueued();
        integrate();
        queued--;
        store.blocks[r] = need;
        inst.freeBlocks -= need;
        inst.running.push(r);
        addToBatch(inst, r, 0);
        used += 1;
        continue;
      }
      const target = (store.inputTokens[r] as number) + (store.generated[r] as number);
      const cached = cachedTokens(inst, r);
      const todo = target - cached;
      const room = budget - used;
      // Without chunking a prompt goes whole; one longer than the whole budget (a recomputation of
      // prompt + output) goes as the iteration's only prompt, over the budget.
      const chunk = wholePrompts
        ? todo <= room || (todo > sch.maxBatchedTokens && used === 0)
          ? todo
          : 0
        : Math.min(todo, room, chunkCap);
      if (chunk <= 0) break;
      const need = Math.ceil(
        (reserveFull ? (store.inputTokens[r] as number) + (store.outputTokens[r] as number) : cached + chunk) / B,
      );
      if (need > inst.freeBlocks) break;
      inst.popQueued();
      integrate();
      queued--;
      if (cached > 0) inst.prefixCache?.touch(store.prefix[r] as number);
      if ((store.prefixHitTokens[r] as number) < 0) store.prefixHitTokens[r] = cached;
      store.prefillTarget[r] = target;
      store.prefilled[r] = cached;
      store.kvTokens[r] = cached;
      store.blocks[r] = need;
      inst.freeBlocks -= need;
      inst.running.push(r);
      addToBatch(inst, r, chunk);
      used += chunk;
    }
    return used;
  };

  /** Schedules the running sequences (decodes and prompt chunks); returns whether one was preempted. */
  const scheduleRunning = (inst: InstanceState, budget: number): { used: number; preempted: boolean } => {
    let used = 0;
    let preempted = false;
    // The store's columns, read once (nothing here adds a request, so none is reallocated meanwhile).
    const { prefilled, prefillTarget, kvTokens, blocks } = store;
    // Decoding sequences' contributions to the batch, summed here (integers: the same sums in any order).
    let decodes = 0;
    let decodeContext = 0;
    for (let i = 0; i < inst.running.length && used < budget; i++) {
      const r = inst.running[i] as number;
      const prefilling = (prefilled[r] as number) < (prefillTarget[r] as number);
      if (!prefilling) {
        // A decode: one token; a new block when its next token starts one.
        const tokensAfter = (kvTokens[r] as number) + 1;
        const held = blocks[r] as number;
        // Most decodes fit the blocks they hold (no division then).
        const need = tokensAfter > held * B ? Math.ceil(tokensAfter / B) - held : 0;
        const claim = claimBlocks(inst, r, need);
        if (claim !== CLAIMED) preempted = true;
        if (claim === SELF_PREEMPTED) break;
        inst.batchIds[inst.batchSize] = r;
        inst.batchChunk[inst.batchSize] = 0;
        inst.batchSize++;
        decodes++;
        decodeContext += tokensAfter;
        used += 1;
        continue;
      }
      // A prompt chunk: as much of the rest of the prompt as the budget and the chunk cap allow.
      const chunk = Math.min((prefillTarget[r] as number) - (prefilled[r] as number), budget - used, chunkCap);
      const claim = claimBlocks(inst, r, blocksNeeded(r, (prefilled[r] as number) + chunk));
      if (claim !== CLAIMED) preempted = true;
      if (claim === SELF_PREEMPTED) break;
      addToBatch(inst, r, chunk);
      used += chunk;
    }
    work.tokens += decodes;
    work.decodeSeqs += decodes;
    work.decodeContextTokens += decodeContext;
    work.logitsTokens += decodes;
    return { used, preempted };
  };

  const iterationEnd = sim.handler("serving iteration end", (i) => finishIteration(allInsts[i] as InstanceState));

  /** Forms the next batch of an idle instance and starts it; leaves it idle when there is nothing to do. */
  const startIteration = (inst: InstanceState) => {
    inst.batchSize = 0;
    work.tokens = 0;
    work.decodeSeqs = 0;
    work.decodeContextTokens = 0;
    work.prefillAttentionPairs = 0;
    work.prefillPairKeyTokens = 0;
    work.prefillContextTokens = 0;
    work.logitsTokens = 0;
    const budget = Math.min(sch.maxBatchedTokens, inst.maxBatchedTokens);
    const { used, preempted } = scheduleRunning(inst, budget);
    if (!preempted) admit(inst, budget - used, !sch.chunkedPrefill);
    if (inst.batchSize === 0) {
      inst.busy = false;
      if (inst.queued > 0 && inst.running.length === 0) {
        const r = inst.peekQueued();
        throw new Error(
          `serving: instance ${inst.index} cannot admit request ${r} (${store.inputTokens[r]} + ${store.outputTokens[r]} tokens) into an empty KV cache of ${inst.totalBlocks} blocks`,
        );
      }
      return;
    }
    inst.busy = true;
    const durationS = p.iterationS(inst.index, work);
    const usedBlocks = inst.totalBlocks - inst.freeBlocks;
    out.kvBlockSeconds += usedBlocks * durationS;
    const util = inst.totalBlocks > 0 ? usedBlocks / inst.totalBlocks : 0;
    if (util > out.kvMaxUtilization) out.kvMaxUtilization = util;
    out.iterations++;
    out.batchSequences += inst.batchSize;
    p.onIteration?.(inst.index, sim.now, durationS, {
      sequences: inst.batchSize,
      tokens: work.tokens,
      decodeSequences: work.decodeSeqs,
    });
    sim.after(durationS, iterationEnd, inst.index);
  };

  const finished: number[] = [];
  const handOver: number[] = [];
  /**
   * Prefill done and first token sampled on a prefill instance: the KV cache
   * (the prompt's tokens) moves to a decode instance; the prefill instance
   * keeps its blocks until the transfer has arrived.
   */
  const startTransfer = (from: InstanceState, r: number) => {
    const to = route(r, decodeInsts);
    to.outstanding++;
    from.outstanding--;
    changed(to);
    changed(from);
    store.transferStartS[r] = sim.now;
    const tokens = store.kvTokens[r] as number;
    (transport as KvTransport)(from.index, to.index - p.instances, tokens, () => {
      store.transferEndS[r] = sim.now;
      from.freeBlocks += store.blocks[r] as number;
      store.blocks[r] = 0;
      store.instance[r] = to.index;
      integrate();
      to.enqueue(r);
      queued++;
      if (!to.busy) startIteration(to);
      if (!from.busy) startIteration(from);
    });
  };
  const finishIteration = (inst: InstanceState) => {
    const now = sim.now;
    finished.length = 0;
    const { kvTokens, generated, outputTokens } = store;
    for (let k = 0; k < inst.batchSize; k++) {
      const r = inst.batchIds[k] as number;
      const chunk = inst.batchChunk[k] as number;
      if (chunk === 0) {
        kvTokens[r] = (kvTokens[r] as number) + 1;
        const g = (generated[r] as number) + 1;
        generated[r] = g;
        if (g === outputTokens[r]) finished.push(r);
        continue;
      }
      const before = store.prefilled[r] as number;
      const done = before + chunk;
      // The chunk that computes a class's shared prefix leaves it in this instance's prefix cache.
      if (inst.prefixCache && (store.requestClass[r] as number) >= 0) {
        const k = prefixTokens(r);
        if (before < k && k <= done) inst.prefixCache.insert(store.prefix[r] as number, k);
      }
      store.prefilled[r] = done;
      store.kvTokens[r] = done;
      if (done === store.prefillTarget[r]) {
        store.generated[r] = (store.generated[r] as number) + 1;
        if (Number.isNaN(store.firstTokenS[r])) store.firstTokenS[r] = now;
        if (inst.role === "prefill" && store.generated[r] !== store.outputTokens[r]) handOver.push(r);
      }
      if (store.generated[r] === store.outputTokens[r]) finished.push(r);
    }
    if (handOver.length > 0) {
      inst.running = inst.running.filter((r) => !handOver.includes(r));
      for (const r of handOver) startTransfer(inst, r);
      handOver.length = 0;
    }
    if (finished.length > 0) {
      integrate();
      for (const r of finished) {
        store.finishS[r] = now;
        inst.freeBlocks += store.blocks[r] as number;
        store.blocks[r] = 0;
        inst.outstanding--;
        changed(inst);
        inSystem--;
      }
      // Drop the finished sequences from the running list, in place and in order.
      const running = inst.running;
      const { finishS } = store;
      let kept = 0;
      for (let i = 0; i < running.length; i++) {
        const r = running[i] as number;
        if (!(finishS[r] === now && generated[r] === outputTokens[r])) running[kept++] = r;
      }
      running.length = kept;
      if (p.traffic.kind === "closed") for (const r of finished) userDone(store.user[r] as number);
    }
    startIteration(inst);
  };

  // Arrivals.
  const traffic = p.traffic;
  if (traffic.kind === "open") {
    let next = 0;
    const arrival = sim.handler("serving arrivals", () => {
      const now = sim.now;
      const kicked: InstanceState[] = [];
      while (next < traffic.count && (traffic.arrivalS[next] as number) <= now) {
        const r = store.add(
          traffic.arrivalS[next] as number,
          traffic.inputTokens[next] as number,
          traffic.outputTokens[next] as number,
          -1,
          traffic.requestClass?.[next] ?? -1,
          traffic.prefix?.[next] ?? -1,
        );
        next++;
        const inst = assign(r);
        if (!inst.busy && !kicked.includes(inst)) kicked.push(inst);
      }
      if (next >= traffic.count) {
        integrate();
        queuedAtLastArrival = queued;
      }
      for (const inst of kicked) if (!inst.busy) startIteration(inst);
      if (next < traffic.count) sim.at(traffic.arrivalS[next] as number, arrival);
    });
    if (traffic.count > 0) sim.at(traffic.arrivalS[0] as number, arrival);
  }
  let issued = 0;
  const issue = (user: number) => {
    if (traffic.kind !== "closed") return;
    if (issued >= traffic.maxRequests || sim.now >= traffic.durationS) return;
    const [input, output, cls, prefix] = traffic.nextLengths(user);
    const r = store.add(sim.now, input, output, user, cls, prefix);
    issued++;
    const inst = assign(r);
    if (!inst.busy) startIteration(inst);
  };
  const userIssue = sim.handler("serving user request", (u) => issue(u));
  const userDone = (user: number) => {
    if (traffic.kind !== "closed") return;
    if (traffic.thinkTimeS > 0) sim.after(traffic.thinkTimeS, userIssue, user);
    else issue(user);
  };
  if (traffic.kind === "closed") {
    // All users send their first request at t = 0; instances start once every user has sent.
    const start = sim.handler("serving closed loop start", () => {
      for (let u = 0; u < traffic.users && issued < traffic.maxRequests; u++) {
        const [input, output, cls, prefix] = traffic.nextLengths(u);
        assign(store.add(0, input, output, u, cls, prefix));
        issued++;
      }
      for (const inst of insts) if (!inst.busy) startIteration(inst);
    });
    sim.at(0, start);
  }

  sim.run();
  integrate();
  for (const inst of allInsts) {
    if (inst.outstanding !== 0) {
      throw new Error(`serving: instance ${inst.index} ended with ${inst.outstanding} unfinished requests`);
    }
  }
  return {
    requests: store,
    iterations: out.iterations,
    events: sim.eventsProcessed,
    batchSequences: out.batchSequences,
    kvBlockSeconds: out.kvBlockSeconds,
    kvMaxUtilization: out.kvMaxUtilization,
    inSystemSeconds,
    makespanS: sim.now,
    queuedFirstHalf: queuedHalves[0] as number,
    queuedSecondHalf: queuedHalves[1] as number,
    queuedAtLastArrival,
    arrivalWindowS: arrivalEnd,
  };
}
