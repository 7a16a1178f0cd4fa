import type { Command } from "commander";
import { loadCluster } from "../cluster/load-topology.js";
import type { Cluster } from "../cluster/types.js";
import { CollectiveError } from "../collectives/errors.js";
import { simulateCollective } from "../collectives/simulate.js";
import { formatBytes, parseSizeBytes, SIZE_UNITS_HELP } from "../collectives/sizes.js";
import {
  COLLECTIVE_ALGOS,
  COLLECTIVE_OPS,
  type CollectiveAlgo,
  type CollectiveOp,
  type CollectiveResult,
  type Granularity,
} from "../collectives/types.js";
import { UsageError, UserError } from "./errors.js";

interface CollectiveOptions {
  op: string;
  bytes?: string;
  sweepBytes?: string;
  group: string;
  algo: string;
  granularity: string;
  json?: boolean;
  set: string[];
}

/**
 * `clustersim collective TOPOLOGY --op allreduce --bytes 1GiB --group all`:
 * one collective alone on the cluster, measured as nccl-tests does.
 */
export function addCollectiveCommand(program: Command, out: (line: string) => void): void {
  program
    .command("collective")
    .description("simulate one collective on an idle cluster: time, algbw, busbw (nccl-tests conventions)")
    .argument("<topology>", "topology file (YAML or JSON)")
    .option("--op <op>", `operation: ${COLLECTIVE_OPS.join(", ")}`, "allreduce")
    .option("--bytes <size>", `size as nccl-tests counts it (${SIZE_UNITS_HELP})`)
    .option("--sweep-bytes <from:to>", "sizes from:to doubling, e.g. 8B:8GiB (nccl-tests-style table)")
    .option(
      "--group <group>",
      "all | node (cards of node 0) | rail (card 0's rail across nodes) | N (first N cards) | list 0,8,16",
      "all",
    )
    .option("--algo <algo>", `algorithm: ${COLLECTIVE_ALGOS.join(", ")}`, "auto")
    .option("--granularity <g>", "phase (one flow per rank per phase) | fine (per step and chunk)", "phase")
    .option("--json", "JSON output (one object per size)")
    .option(
      "--set <path=value>",
      "override a topology field (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .action((topology: string, opts: CollectiveOptions) => {
      const op = pickOne(opts.op, COLLECTIVE_OPS, "--op") as CollectiveOp;
      const algo = pickOne(opts.algo, COLLECTIVE_ALGOS, "--algo") as CollectiveAlgo;
      const granularity = pickOne(opts.granularity, ["phase", "fine"], "--granularity") as Granularity;
      if (opts.bytes !== undefined && opts.sweepBytes !== undefined) {
        throw new UsageError("give either --bytes or --sweep-bytes, not both");
      }
      const sizes =
        opts.sweepBytes !== undefined ? sweepSizes(opts.sweepBytes) : [parseSize(opts.bytes ?? "1GiB", "--bytes")];
      const cluster = loadCluster(topology, opts.set);
      const cards = groupCards(cluster, opts.group);
      const results: CollectiveResult[] = [];
      for (const sizeBytes of sizes) {
        try {
          results.push(simulateCollective(cluster, { op, cards, sizeBytes, algo }, { granularity }));
        } catch (err) {
          if (err instanceof CollectiveError) throw new UserError(err.message);
          throw err;
        }
      }
      if (opts.json) {
        for (const r of results) out(JSON.stringify(toJson(cluster, opts.group, r)));
        return;
      }
      if (opts.sweepBytes === undefined) {
        const r = results[0] as CollectiveResult;
        out(
          `${cluster.name}: ${op} of ${formatBytes(r.sizeBytes)} over ${r.cards} cards (group ${opts.group}), ` +
            `algorithm ${algoName(r)}`,
        );
        out(
          `time ${fmtTime(r.timeS)}  algbw ${(r.algBytesPerS / 1e9).toFixed(2)} GB/s  busbw ${(r.busBytesPerS / 1e9).toFixed(2)} GB/s  ` +
            `(closed form ${fmtTime(r.predictedS)})`,
        );
        return;
      }
      out(`# ${cluster.name}: ${op} over ${cards.length} cards (group ${opts.group}), algorithm ${algo}`);
      out(
        `# ${"size(B)".padStart(12)} ${"count".padStart(12)} ${"algo".padStart(18)} ${"time(us)".padStart(12)} ${"algbw(GB/s)".padStart(12)} ${"busbw(GB/s)".padStart(12)}`,
      );
      for (const r of results) {
        out(
          `  ${String(r.sizeBytes).padStart(12)} ${String(Math.floor(r.sizeBytes / 4)).padStart(12)} ${algoName(r).padStart(18)} ` +
            `${(r.timeS * 1e6).toFixed(2).padStart(12)} ${(r.algBytesPerS / 1e9).toFixed(2).padStart(12)} ${(r.busBytesPerS / 1e9).toFixed(2).padStart(12)}`,
        );
      }
    });
}

function algoName(r: CollectiveResult): string {
  return r.innerAlgo ? `${r.algo}/${r.innerAlgo}` : r.algo;
}

function fmtTime(s: number): string {
  return s >= 1e-3 ? `${(s * 1e3).toFixed(3)} ms` : `${(s * 1e6).toFixed(2)} us`;
}

function toJson(cluster: Cluster, group: string, r: CollectiveResult) {
  return {
    topology: cluster.name,
    op: r.op,
    group,
    cards: r.cards,
    algo: r.algo,
    ...(r.innerAlgo ? { innerAlgo: r.innerAlgo } : {}),
    sizeBytes: r.sizeBytes,
    timeS: r.timeS,
    algbwGBps: r.algBytesPerS / 1e9,
    busbwGBps: r.busBytesPerS / 1e9,
    predictedS: r.predictedS,
    events: r.events,
    flows: r.flows,
  };
}

function pickOne(value: string, allowed: readonly string[], flag: string): string {
  if (!allowed.includes(value)) {
    throw new UsageError(`${flag}: expected one of ${allowed.join(", ")}, found '${value}'`);
  }
  return value;
}

/** Parses a size; malformed text is a usage error (exit 2), a zero or negative size bad input (exit 1). */
function parseSize(text: string, flag: string): number {
  const v = parseSizeBytes(text);
  if (v === undefined) throw new UsageError(`${flag}: expected a size (${SIZE_UNITS_HELP}), found '${text}'`);
  if (!(v > 0)) throw new UserError(`${flag}: size must be positive, found '${text}' (${v} bytes)`);
  if (!Number.isInteger(v))
    throw new UserError(`${flag}: size must be a whole number of bytes, found '${text}' (${v})`);
  if (v > MAX_COLLECTIVE_BYTES) {
    throw new UserError(
      `${flag}: expected at most 1 PiB (${MAX_COLLECTIVE_BYTES} bytes), found '${text}' (${v} bytes)`,
    );
  }
  return v;
}

/** Largest collective buffer (1 PiB): far beyond any card's memory; larger is a typo (issue 13). */
const MAX_COLLECTIVE_BYTES = 2 ** 50;

function sweepSizes(text: string): number[] {
  const parts = text.split(":");
  if (parts.length !== 2) throw new UsageError(`--sweep-bytes: expected FROM:TO, e.g. 8B:8GiB, found '${text}'`);
  const from = parseSize(parts[0] as string, "--sweep-bytes");
  const to = parseSize(parts[1] as string, "--sweep-bytes");
  if (to < from) throw new UserError(`--sweep-bytes: TO (${to} B) is smaller than FROM (${from} B)`);
  const out: number[] = [];
  for (let s = from; s <= to; s *= 2) out.push(s);
  return out;
}

/** Resolves --group to card indices (validity of each card is checked by the collective). */
export function groupCards(cluster: Cluster, group: string): number[] {
  if (group === "all") return Array.from({ length: cluster.cards }, (_, i) => i);
  if (group === "node") {
    const out: number[] = [];
    for (let c = 0; c < cluster.cards; c++) if (cluster.nodeOf(c) === 0) out.push(c);
    return out;
  }
  if (group === "rail") {
    const rail = cluster.railOf(0);
    const out: number[] = [];
    for (let c = 0; c < cluster.cards; c++) if (cluster.railOf(c) === rail) out.push(c);
    return out;
  }
  if (/^[0-9]+$/.test(group)) {
    const n = Number(group);
    if (n === 0) throw new UserError("--group 0: the group is empty; give at least one card");
    if (n > cluster.cards) {
      throw new UserError(`--group ${n}: the cluster '${cluster.name}' has only ${cluster.cards} cards`);
    }
    return Array.from({ length: n }, (_, i) => i);
  }
  if (/^[0-9]+(,[0-9]+)+$/.test(group)) return group.split(",").map(Number);
  throw new UsageError(`--group: expected all, node, rail, a count N or a list like 0,8,16, found '${group}'`);
}
