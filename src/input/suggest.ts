/**
 * "Did you mean" suggestions: the closest candidate by edit distance
 * (case-insensitive Levenshtein), and unit hints for the classic GB/s vs
 * Gb/s mistake.
 */

/** Levenshtein distance between two strings (insert, delete, substitute: cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough
 * (distance at most max(2, a third of the word's length), compared
 * case-insensitively; a case-only difference always matches).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(lower, c.toLowerCase());
    // A prefix/suffix relation ("bandwidth" vs "bandwidthGBps") counts as close.
    const contained = c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase());
    const score = contained ? Math.min(d, 1.5) : d;
    if (score < bestDistance) {
      bestDistance = score;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** "; did you mean 'x'?" or "" when nothing is close. For field names, a unit note is added. */
export function didYouMean(word: string, candidates: Iterable<string>, fieldNames = true): string {
  const c = closest(word, candidates);
  if (c === undefined) return "";
  return `; did you mean '${c}'?${fieldNames ? unitNote(word, c) : ""}`;
}

const UNIT_SUFFIXES: ReadonlyArray<[RegExp, string]> = [
  [/Gbps$/, "Gb/s = 10^9 bits/s"],
  [/GBps$/, "GB/s = 10^9 bytes/s"],
  [/TBps$/, "TB/s = 10^12 bytes/s"],
  [/GB$/, "GB = 10^9 bytes"],
  [/Us$/, "microseconds"],
  [/Tflops$/, "TFLOP/s = 10^12 FLOP/s"],
];

/** The unit a field name carries, spelled out (undefined when none). */
export function unitOfField(field: string): string | undefined {
  for (const [re, unit] of UNIT_SUFFIXES) if (re.test(field)) return unit;
  return undefined;
}

/** A note when the typo is a unit mistake (GBps vs Gbps) or a missing unit suffix. */
export function unitNote(typed: string, suggested: string): string {
  const unit = unitOfField(suggested);
  if (unit === undefined) return "";
  if (typed.toLowerCase() === suggested.toLowerCase()) {
    return ` (units are in field names and case matters: '${suggested}' is in ${unit}; Gbps = bits, GBps = bytes, 8 bits per byte)`;
  }
  if (unitOfField(typed) === undefined) return ` (units are in field names: '${suggested}' is in ${unit})`;
  return ` ('${suggested}' is in ${unit})`;
}
