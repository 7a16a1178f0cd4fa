/**
 * Per-request state of a serving run, as typed arrays indexed by request id
 * (ids in arrival order): ~82 bytes a request, so 10^6 requests cost ~82 MB.
 * Grows by doubling when the count is not known in advance (closed loop with
 * a duration).
 */
export class RequestStore {
  count = 0;
  arrivalS: Float64Array;
  firstTokenS: Float64Array;
  finishS: Float64Array;
  inputTokens: Int32Array;
  outputTokens: Int32Array;
  /** Output tokens produced so far. */
  generated: Int32Array;
  /** Tokens whose keys and values are in the KV cache. */
  kvTokens: Int32Array;
  /** Tokens the current prefill must have computed (prompt + generated when recomputing). */
  prefillTarget: Int32Array;
  /** Tokens of the current prefill computed so far (prefix-cache hits included). */
  prefilled: Int32Array;
  blocks: Int32Array;
  preemptions: Int32Array;
  instance: Int32Array;
  /** Closed loop: the user who sent it (-1 for open-loop traffic). */
  user: Int32Array;
  /** Disaggregated: when the KV transfer to the decode pool started and ended (NaN: none). */
  transferStartS: Float64Array;
  transferEndS: Float64Array;
  /** Request classes: the class (index in traffic.classes) and shared prefix (id over all classes); -1: none. */
  requestClass: Int32Array;
  prefix: Int32Array;
  /** Prompt tokens served from the prefix cache at the request's first prefill (-1 until it is admitted). */
  prefixHitTokens: Int32Array;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.arrivalS = new Float64Array(n);
    this.firstTokenS = new Float64Array(n);
    this.finishS = new Float64Array(n);
    this.inputTokens = new Int32Array(n);
    this.outputTokens = new Int32Array(n);
    this.generated = new Int32Array(n);
    this.kvTokens = new Int32Array(n);
    this.prefillTarget = new Int32Array(n);
    this.prefilled = new Int32Array(n);
    this.blocks = new Int32Array(n);
    this.preemptions = new Int32Array(n);
    this.instance = new Int32Array(n);
    this.user = new Int32Array(n);
    this.transferStartS = new Float64Array(n);
    this.transferEndS = new Float64Array(n);
    this.requestClass = new Int32Array(n);
    this.prefix = new Int32Array(n);
    this.prefixHitTokens = new Int32Array(n);
  }

  /** Adds a request (of a class and shared prefix, or -1 for none); returns its id. */
  add(
    arrivalS: number,
    inputTokens: number,
    outputTokens: number,
    user: number,
    requestClass = -1,
    prefix = -1,
  ): number {
    if (this.count === this.arrivalS.length) this.grow();
    const r = this.count++;
    this.arrivalS[r] = arrivalS;
    this.firstTokenS[r] = Number.NaN;
    this.finishS[r] = Number.NaN;
    this.inputTokens[r] = inputTokens;
    this.outputTokens[r] = outputTokens;
    this.instance[r] = -1;
    this.user[r] = user;
    this.transferStartS[r] = Number.NaN;
    this.transferEndS[r] = Number.NaN;
    this.requestClass[r] = requestClass;
    this.prefix[r] = prefix;
    this.prefixHitTokens[r] = -1;
    return r;
  }

  private grow(): void {
    const n = this.arrivalS.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.arrivalS = f64(this.arrivalS);
    this.firstTokenS = f64(this.firstTokenS);
    this.finishS = f64(this.finishS);
    this.inputTokens = i32(this.inputTokens);
    this.outputTokens = i32(this.outputTokens);
    this.generated = i32(this.generated);
    this.kvTokens = i32(this.kvTokens);
    this.prefillTarget = i32(this.prefillTarget);
    this.prefilled = i32(this.prefilled);
    this.blocks = i32(this.blocks);
    this.preemptions = i32(this.preemptions);
    this.instance = i32(this.instance);
    this.user = i32(this.user);
    this.transferStartS = f64(this.transferStartS);
    this.transferEndS = f64(this.transferEndS);
    this.requestClass = i32(this.requestClass);
    this.prefix = i32(this.prefix);
    this.prefixHitTokens = i32(this.prefixHitTokens);
  }
}
