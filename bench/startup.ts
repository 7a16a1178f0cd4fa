import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../src/version.js";

/**
 * Start-up cost of the CLI as whole processes: `node bin/clustersim.mjs ARGS`
 * from the bundle and from the sources (CLUSTERSIM_NO_BUNDLE=1), alternately,
 * `repeats` times each. The process's own CPU time (user + system, all
 * threads) is read at exit through a preloaded hook, so a busy machine shows
 * as wall time, not as CPU.
 */
export interface StartupResult {
  benchmark: "startup";
  /** The arguments after `clustersim`. */
  command: string;
  /** Which entry actually ran: "bundle" or "sources" (no fresh bundle, or CLUSTERSIM_NO_BUNDLE). */
  entry: string;
  runs: number;
  medianWallSeconds: number;
  medianCpuSeconds: number;
}

const COMMANDS: string[][] = [["--version"], ["--help"], ["validate", "topologies/clusters/small-2x8.yaml"]];

/** Preloaded into each child: prints the process's CPU time on exit, after everything else. */
const CPU_HOOK =
  "data:text/javascript,process.on('exit',()=>process.stderr.write('\\nclustersim-cpu '+JSON.stringify(process.cpuUsage())+'\\n'))";

function once(args: string[], env: Record<string, string>): { wallS: number; cpuS: number; entry: string } {
  const root = packageRoot();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", CPU_HOOK, join(root, "bin", "clustersim.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLUSTERSIM_SHOW_ENTRY: "1", ...env },
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = /clustersim-cpu (\{.*\})/.exec(r.stderr ?? "");
  const entry = /clustersim: running from (.*)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !cpu?.[1] || !entry?.[1]) {
    throw new Error(`clustersim ${args.join(" ")} exited ${r.status}: ${(r.stderr ?? "").slice(0, 400)}`);
  }
  const usage = JSON.parse(cpu[1]) as { user: number; system: number };
  return {
    wallS,
    cpuS: (usage.user + usage.system) / 1e6,
    entry: entry[1].startsWith("sources") ? "sources" : "bundle",
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};

/** Each command `repeats` times from the bundle and from the sources, interleaved. */
export function runStartupBench(repeats = 5): StartupResult[] {
  const results: StartupResult[] = [];
  for (const args of COMMANDS) {
    const modes = [
      { env: {} as Record<string, string>, samples: [] as ReturnType<typeof once>[] },
      { env: { CLUSTERSIM_NO_BUNDLE: "1" } as Record<string, string>, samples: [] as ReturnType<typeof once>[] },
    ];
    for (let i = 0; i < repeats; i++) for (const m of modes) m.samples.push(once(args, m.env));
    for (const m of modes) {
      results.push({
        benchmark: "startup",
        command: args.join(" "),
        entry: m.samples[0]?.entry ?? "",
        runs: m.samples.length,
        medianWallSeconds: median(m.samples.map((s) => s.wallS)),
        medianCpuSeconds: median(m.samples.map((s) => s.cpuS)),
      });
    }
  }
  return results;
}
