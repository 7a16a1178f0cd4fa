import type { RandomStream, RandomStreams } from "../../engine/rng.js";
import { interArrivalSampler } from "./arrivals.js";
import { LengthSampler } from "./lengths.js";
import { rateCurveArrivals, readRateCurve } from "./rate-curve.js";
import { readRequestTrace } from "./request-trace.js";
import { MAX_SERVING_REQUESTS, type TrafficSpec } from "./serving-spec.js";

/**
 * The requests of an open-loop run, in arrival order, as parallel typed
 * arrays (16 bytes per request): request i arrives at arrivalS[i] (s, non-
 * decreasing) with a prompt of inputTokens[i] and generates outputTokens[i].
 */
export interface RequestTable {
  count: number;
  arrivalS: Float64Array;
  inputTokens: Int32Array;
  outputTokens: Int32Array;
}

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
 * never changes the other draws. Lengths are clipped to the context: input =
 * min(input, maxContextTokens − 1), output = min(output, maxContextTokens − input).
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
      return limitTable(readRequestTrace(traffic.traceFile, maxContextTokens), maxRequests, durationS);
    }
    case "offline": {
      if (traffic.requests === undefined) throw new RangeError("offline traffic needs requests");
      const lengths = lengthPairs(
        traffic,
        maxContextTokens,
        streams.stream("traffic/input"),
        streams.stream("traffic/output"),
      );
      const table = new TableBuilder(traffic.requests);
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
      const lengths = lengthPairs(
        traffic,
        maxContextTokens,
        streams.stream("traffic/input"),
        streams.stream("traffic/output"),
      );
      const table = new TableBuilder(Math.min(maxRequests, 1024));
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
      const lengths = lengthPairs(
        traffic,
        maxContextTokens,
        streams.stream("traffic/input"),
        streams.stream("traffic/output"),
      );
      const table = new TableBuilder(Math.min(maxRequests, expectedArrivals(rate, durationS)));
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
 * Prompt and output lengths for one closed-loop user u, from the streams
 * "user/<u>/input" and "user/<u>/output", clipped to the context as in
 * `openLoopRequests`.
 */
export function closedLoopLengths(
  traffic: TrafficSpec,
  maxContextTokens: number,
  streams: RandomStreams,
  user: number,
): { next(): [input: number, output: number] } {
  checkContext(maxContextTokens);
  if (!Number.isSafeInteger(user) || user < 0) throw new RangeError(`user must be an integer >= 0, found ${user}`);
  const next = lengthPairs(
    traffic,
    maxContextTokens,
    streams.stream(`user/${user}/input`),
    streams.stream(`user/${user}/output`),
  );
  return { next };
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
  };
}

/** Appends requests to typed arrays, doubling them when full; `finish` trims to the count. */
class TableBuilder {
  private count = 0;
  private arrivalS: Float64Array;
  private inputTokens: Int32Array;
  private outputTokens: Int32Array;

  constructor(capacity: number) {
    const n = Math.max(1, capacity);
    this.arrivalS = new Float64Array(n);
    this.inputTokens = new Int32Array(n);
    this.outputTokens = new Int32Array(n);
  }

  push(arrivalS: number, [input, output]: [number, number]): void {
    if (this.count === this.arrivalS.length) this.grow();
    this.arrivalS[this.count] = arrivalS;
    this.inputTokens[this.count] = input;
    this.outputTokens[this.count] = output;
    this.count++;
  }

  finish(): RequestTable {
    const n = this.count;
    if (n < this.arrivalS.length) {
      this.arrivalS = this.arrivalS.slice(0, n);
      this.inputTokens = this.inputTokens.slice(0, n);
      this.outputTokens = this.outputTokens.slice(0, n);
    }
    return { count: n, arrivalS: this.arrivalS, inputTokens: this.inputTokens, outputTokens: this.outputTokens };
  }

  private grow(): void {
    const capacity = 2 * this.arrivalS.length;
    const arrivalS = new Float64Array(capacity);
    arrivalS.set(this.arrivalS);
    const inputTokens = new Int32Array(capacity);
    inputTokens.set(this.inputTokens);
    const outputTokens = new Int32Array(capacity);
    outputTokens.set(this.outputTokens);
    this.arrivalS = arrivalS;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
  }
}
