import { TopologySpecSchema } from "../src/cluster/topology-schema.js";
import { MAX_LINES, MAX_PARSE_BYTES, MAX_SEPARATORS, parseDocument } from "../src/input/parse-document.js";
import { validateDocument } from "../src/input/validate-document.js";

export interface ParseBenchResult {
  benchmark: "parse";
  shape: string;
  bytes: number;
  seconds: number;
  /** Process CPU time (user + system) of parse + validate. */
  cpuSeconds: number;
  /** Process RSS right after (the process is shared by the shapes, run in this order). */
  rssBytes: number;
  /** The first issue, file:line:col message (every shape has one bad value at its end). */
  firstIssue: string;
}

const HEAD =
  "name: t\nnodes: 2\ncardsPerNode: 8\naccelerator:\n  name: A100-SXM4-80GB\nscaleUp:\n  kind: switched\n  bandwidthGBps: 300\n  latencyUs: 1\nscaleOut:\n  kind: torus\n  linkGBps: 1\n  latencyUs: 1\n";

/** The largest topology of each shape that still passes the parse bounds (the worst ones under them). */
export const PARSE_SHAPES: Record<string, () => string> = {
  /** One long flow sequence `[2, 3, ..., x]` (issue 13's example). */
  "flow-sequence": () =>
    `${HEAD}  dims: [${Array.from({ length: MAX_SEPARATORS - 30 }, (_, i) => (i % 10) + 2).join(", ")}, x]\n`,
  /** The same with 15-digit numbers: the most bytes per separator. */
  "flow-sequence-long-items": () =>
    `${HEAD}  dims: [${Array.from({ length: MAX_SEPARATORS - 30 }, () => "9".repeat(15)).join(", ")}, x]\n`,
  "block-sequence": () => `${HEAD}  dims:\n${"    - 2\n".repeat(MAX_LINES - 30)}    - x\n`,
  "many-keys": () =>
    `${HEAD}  dims: [2]\nextra:\n${Array.from({ length: MAX_LINES - 30 }, (_, i) => `  k${i}: ${i}\n`).join("")}`,
  "blank-lines": () => `${HEAD}${"\n".repeat(MAX_LINES - 30)}  dims: x\n`,
  "double-quoted-string": () =>
    `${HEAD}  dims: [2]\ndescription: "${"a b ".repeat((MAX_PARSE_BYTES - 400) / 4)}"\nextra: 1\n`,
  "single-quoted-string": () =>
    `${HEAD}  dims: [2]\ndescription: '${"a''b ".repeat((MAX_PARSE_BYTES - 400) / 5)}'\nextra: 1\n`,
};

/** Parses and validates (as a topology) one generated file of each shape. */
export function runParseBench(shapes: readonly string[] = Object.keys(PARSE_SHAPES)): ParseBenchResult[] {
  const out: ParseBenchResult[] = [];
  for (const shape of shapes) {
    const make = PARSE_SHAPES[shape];
    if (!make) throw new Error(`unknown parse shape '${shape}'`);
    const text = make();
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const parsed = parseDocument(`${shape}.yaml`, text);
    const issues = parsed.ok ? validateDocument(parsed.doc, TopologySpecSchema) : parsed;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const first = issues.ok ? undefined : issues.issues[0];
    out.push({
      benchmark: "parse",
      shape,
      bytes: Buffer.byteLength(text),
      seconds: Math.round(seconds * 1e4) / 1e4,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
      rssBytes: process.memoryUsage().rss,
      firstIssue: first ? `${first.line}:${first.column} ${first.message}` : "valid",
    });
  }
  return out;
}
