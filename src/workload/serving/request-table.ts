import type { RandomStream, RandomStreams } from "../../engine/rng.js";
import { interArrivalSampler } from "./arrivals.js";
import { LengthSampler } from "./lengths.js";
import { rateCurveArrivals, readRateCurve } from "./rate-curve.js";
import { readRequestTrace } from "./request-trace.js";
import { MAX_SERVING_REQUESTS, type RequestClassSpec, type TrafficSpec } from "./serving-spec.js";

/**
 * The requests of an open-loop run, in arrival order, as parallel typed
 * arrays (16 bytes per request; 24 with request classes): request i arrives at
 * arrivalS[i] (s, non-decreasing) with a prompt of inputTokens[i] and
 * generates outputTokens[i]; with request classes it is of class
 * requestClass[i] (an index in traffic.classes) and starts with the shared
 * prefix prefix[i] (see `RequestDraw`).
 */
export interface RequestTable {
  count: number;
  arrivalS: Float64Array;
  inputTokens: Int32Array;
  outputTokens: Int32Array;
  requestClass?: Int32Array;
  prefix?: Int32Array;
}

/**
 * One request's draws: its prompt and output lengths and, with request
 * classes, its class (an index in traffic.classes) and its shared prefix, an
 * id over all classes (class c's prefixes are numbered after those of classes
 * 0 … c − 1).
 */
export type RequestDraw = [input: number, output: number, requestClass?: number, prefix?: number];

/** Capacity reserved up front when only durationS bounds the count: λ·T plus 4 Poisson standard deviations. */
const expectedArrivals = (ratePerS: number, durationS: number): number => {
  const mean = ratePerS * durationS;
  return Math.ceil(mean + 4 * Math.sqrt(mean) + 16);
};

/**
 * The requests of open-loop traffic (every arrival kind but closed-loop):
 * - poisson / gamma / constant: arrival i (0-based) at the sum of i + 1
 *   inter-arrival times (so the first is not at 0; constant: exactly (i + 1)/λ);
 * - offline: `requests` requests, all at t = 0;
 * - trace: the rows of `traffic.traceFile` (read as given: the scenario loader
 *   resolves it relative to the scenario file), see `readRequestTrace`.
 * Count: the first `requests` arrivals and/or every arrival with arrivalS < durationS
 * (both when both are given). Streams: arrivals "traffic/arrivals", prompt lengths
 * "traffic/input", output lengths "traffic/output", so changing one distribution
 * never changes the other draws (with request classes: see `requestDraws`; a
 * trace's rows draw only their class and prefix). Lengths are clipped to the
 * context: input = min(input, maxContextTokens − 1), output = min(output,
 * maxContextTokens − input).
 */
export function openLoopRequests(traffic: TrafficSpec, maxContextTokens: number, streams: RandomStreams): RequestTable {
  checkContext(maxContextTokens);
  const maxRequests = traffic.requests ?? Number.POSITIVE_INFINITY;
  const durationS = traffic.durationS ?? Number.POSITIVE_INFINITY;
  switch (traffic.arrival) {
    case "closed-loop":
      throw new RangeError("closed-loop traffic has no request table: use closedLoopLengths per user");
    case "trace": {
      if (traffic.traceFile === undefined) throw new RangeError("trace arrivals need traceFile");
      const table = limitTable(readRequestTrace(traffic.traceFile, maxContextTokens), maxRequests, durationS);
      return traffic.classes === undefined ? table : withClasses(table, traffic.classes, streams);
    }
    case "offline": {
      if (traffic.requests === undefined) throw new RangeError("offline traffic needs requests");
      const lengths = requestDraws(traffic, maxContextTokens, streams, "traffic");
      const table = new TableBuilder(traffic.requests, traffic.classes !== undefined);
      for (let i = 0; i < traffic.requests; i++) table.push(0, lengths());
      return table.finish();
    }
    case "rate-curve": {
      if (traffic.rateCurveFile === undefined) throw new RangeError("rate-curve arrivals need rateCurveFile");
      if (!Number.isFinite(maxRequests) && !Number.isFinite(durationS)) {
        throw new RangeError("rate-curve arrivals need requests or durationS");
      }
      const curve = readRateCurve(traffic.rateCurveFile);
      const next = rateCurveArrivals(curve, streams.stream("traffic/arrivals"));
      const lengths = requestDraws(traffic, maxContextTokens, streams, "traffic");
      const table = new TableBuilder(Math.min(maxRequests, 1024), traffic.classes !== undefined);
      for (let i = 0; i < maxRequests && i < MAX_SERVING_REQUESTS; i++) {
        const tS = next();
        if (!(tS < durationS)) break;
        table.push(tS, lengths());
      }
      return table.finish();
    }
    case "poisson":
    case "gamma":
    case "constant": {
      if (!Number.isFinite(maxRequests) && !Number.isFinite(durationS)) {
        throw new RangeError(`${traffic.arrival} arrivals need requests or durationS`);
      }
      const rate = traffic.ratePerS ?? Number.NaN;
      const gap = interArrivalSampler(traffic, streams.stream("traffic/arrivals"));
      const lengths = requestDraws(traffic, maxContextTokens, streams, "traffic");
      const table = new TableBuilder(
        Math.min(maxRequests, expectedArrivals(rate, durationS)),
        traffic.classes !== undefined,
      );
      let tS = 0;
      for (let i = 0; i < maxRequests; i++) {
        // Constant: (i + 1)/λ, not a running sum, so 1/λ's rounding error does not accumulate.
        tS = traffic.arrival === "constant" ? (i + 1) / rate : tS + gap();
        if (!(tS < durationS)) break;
        table.push(tS, lengths());
      }
      return table.finish();
    }
  }
}

/**
 * Prompt and output lengths (and, with request classes, class and prefix) for
 * one closed-loop user u, from the streams "user/<u>/input" and
 * "user/<u>/output" (with classes: see `requestDraws`, scope "user/<u>"),
 * clipped to the context as in `openLoopRequests`.
 */
export function closedLoopLengths(
  traffic: TrafficSpec,
  maxContextTokens: number,
  streams: RandomStreams,
  user: number,
): { next(): RequestDraw } {
  checkContext(maxContextTokens);
  if (!Number.isSafeInteger(user) || user < 0) throw new RangeError(`user must be an integer >= 0, found ${user}`);
  return { next: requestDraws(traffic, maxContextTokens, streams, `user/${user}`) };
}

/**
 * Draws requests of one scope ("traffic", or "user/<u>" in a closed loop).
 * Without classes: lengths from "<scope>/input" and "<scope>/output" (as
 * before classes existed). With classes: the class by share from
 * "<scope>/class" (a uniform u picks the first class whose cumulative share
 * exceeds u; the last takes the rounding remainder), then the class's lengths
 * (its own distributions, else the traffic's) from
 * "<scope>/class/<name>/input" and ".../output", and its prefix uniformly
 * among its `prefixes` from "<scope>/class/<name>/prefix": each class draws
 * from streams of its own, so adding a class leaves the others' lengths and
 * prefixes as they were (not which requests they fall on).
 */
export function requestDraws(
  traffic: TrafficSpec,
  maxContextTokens: number,
  streams: RandomStreams,
  scope: string,
): () => RequestDraw {
  const classes = traffic.classes;
  if (classes === undefined) {
    return lengthPairs(traffic, maxContextTokens, streams.stream(`${scope}/input`), streams.stream(`${scope}/output`));
  }
  const pick = classPicker(classes, streams, scope);
  const lengths = classes.map((c) =>
    lengthPairs(
      {
        ...traffic,
        inputTokens: c.inputTokens ?? traffic.inputTokens,
        outputTokens: c.outputTokens ?? traffic.outputTokens,
      },
      maxContextTokens,
      streams.stream(`${scope}/class/${c.name}/input`),
      streams.stream(`${scope}/class/${c.name}/output`),
    ),
  );
  return () => {
    const [c, prefix] = pick();
    const [input, output] = (lengths[c] as () => [number, number])();
    return [input, output, c, prefix];
  };
}

/** A class by share and a prefix in it (see `requestDraws`): [class index, prefix id over all classes]. */
function classPicker(
  classes: readonly RequestClassSpec[],
  streams: RandomStreams,
  scope: string,
): () => [requestClass: number, prefix: number] {
  const classRng = streams.stream(`${scope}/class`);
  const prefixRngs = classes.map((c) => streams.stream(`${scope}/class/${c.name}/prefix`));
  const firstPrefix: number[] = [];
  let offset = 0;
  for (const c of classes) {
    firstPrefix.push(offset);
    offset += c.prefixes;
  }
  const last = classes.length - 1;
  return () => {
    const u = classRng.uniform();
    let c = 0;
    let cumulative = (classes[0] as RequestClassSpec).share;
    while (c < last && u >= cumulative) {
      c++;
      cumulative += (classes[c] as RequestClassSpec).share;
    }
    const cls = classes[c] as RequestClassSpec;
    const k = cls.prefixes > 1 ? Math.floor((prefixRngs[c] as RandomStream).uniform() * cls.prefixes) : 0;
    return [c, (firstPrefix[c] as number) + k];
  };
}

/** A trace's rows with a class and prefix drawn for each (scope "traffic"; the trace gives the lengths). */
function withClasses(table: RequestTable, classes: readonly RequestClassSpec[], streams: RandomStreams): RequestTable {
  const pick = classPicker(classes, streams, "traffic");
  const requestClass = new Int32Array(table.count);
  const prefix = new Int32Array(table.count);
  for (let i = 0; i < table.count; i++) [requestClass[i], prefix[i]] = pick();
  return { ...table, requestClass, prefix };
}

/** Draws [input, output] with input ≤ maxContextTokens − 1 and input + output ≤ maxContextTokens (both ≥ 1). */
function lengthPairs(
  traffic: TrafficSpec,
  maxContextTokens: number,
  inputRng: RandomStream,
  outputRng: RandomStream,
): () => [input: number, output: number] {
  if (traffic.inputTokens === undefined || traffic.outputTokens === undefined) {
    throw new RangeError(`${traffic.arrival} traffic needs inputTokens and outputTokens distributions`);
  }
  const input = new LengthSampler(traffic.inputTokens, maxContextTokens - 1, inputRng);
  const output = new LengthSampler(traffic.outputTokens, maxContextTokens - 1, outputRng);
  return () => {
    const inTokens = Math.min(input.next(), maxContextTokens - 1);
    const outTokens = Math.min(output.next(), maxContextTokens - inTokens);
    return [inTokens, outTokens];
  };
}

function checkContext(maxContextTokens: number): void {
  if (!Number.isSafeInteger(maxContextTokens) || maxContextTokens < 2 || maxContextTokens > 2 ** 31 - 1) {
    throw new RangeError(`maxContextTokens must be an integer in [2, 2^31 − 1], found ${maxContextTokens}`);
  }
}

/** The first maxRequests rows of a table with arrivalS < durationS (arrivals are non-decreasing). */
function limitTable(table: RequestTable, maxRequests: number, durationS: number): RequestTable {
  let count = Math.min(table.count, maxRequests);
  while (count > 0 && !((table.arrivalS[count - 1] ?? 0) < durationS)) count--;
  if (count === table.count) return table;
  return {
    count,
    arrivalS: table.arrivalS.slice(0, count),
    inputTokens: table.inputTokens.slice(0, count),
    outputTokens: table.outputTokens.slice(0, count),
    ...(table.requestClass && table.prefix
      ? { requestClass: table.requestClass.slice(0, count), prefix: table.prefix.slice(0, count) }
      : {}),
  };
}

/** Appends requests to typed arrays, doubling them when full; `finish` trims to the count. */
class TableBuilder {
  private count = 0;
  private arrivalS: Float64Array;
  private inputTokens: Int32Array;
  private outputTokens: Int32Array;
  /** With request classes only. */
  private requestClass: Int32Array | undefined;
  private prefix: Int32Array | undefined;

  constructor(capacity: number, classes = false) {
    const n = Math.max(1, capacity);
    this.arrivalS = new Float64Array(n);
    this.inputTokens = new Int32Array(n);
    this.outputTokens = new Int32Array(n);
    if (classes) {
      this.requestClass = new Int32Array(n);
      this.prefix = new Int32Array(n);
    }
  }

  push(arrivalS: number, [input, output, requestClass, prefix]: RequestDraw): void {
    if (this.count === this.arrivalS.length) this.grow();
    this.arrivalS[this.count] = arrivalS;
    this.inputTokens[this.count] = input;
    this.outputTokens[this.count] = output;
    if (this.requestClass && this.prefix) {
      this.requestClass[this.count] = requestClass ?? -1;
      this.prefix[this.count] = prefix ?? -1;
    }
    this.count++;
  }

  finish(): RequestTable {
    const n = this.count;
    if (n < this.arrivalS.length) {
      this.arrivalS = this.arrivalS.slice(0, n);
      this.inputTokens = this.inputTokens.slice(0, n);
      this.outputTokens = this.outputTokens.slice(0, n);
      this.requestClass = this.requestClass?.slice(0, n);
      this.prefix = this.prefix?.slice(0, n);
    }
    return {
      count: n,
      arrivalS: this.arrivalS,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      ...(this.requestClass && this.prefix ? { requestClass: this.requestClass, prefix: this.prefix } : {}),
    };
  }

  private grow(): void {
    const capacity = 2 * this.arrivalS.length;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.arrivalS = f64(this.arrivalS);
    this.inputTokens = i32(this.inputTokens);
    this.outputTokens = i32(this.outputTokens);
    if (this.requestClass && this.prefix) {
      this.requestClass = i32(this.requestClass);
      this.prefix = i32(this.prefix);
    }
  }
}
