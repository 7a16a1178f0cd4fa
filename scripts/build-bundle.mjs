// Builds the start-up bundle in dist/ (run by `npm ci` through the "prepare"
// script, and by `npm run build`): the CLI, the sweep worker and the point
// runners as ES modules with the dependencies inlined, commands split into
// chunks loaded on demand, and dist/manifest.json naming the hash of the
// sources it was built from (bin/pick-entry.mjs runs the bundle only while
// that hash still matches src/). A failed build leaves no bundle: the CLI then
// runs from the sources through tsx, slower to start but the same code.
//
// An up-to-date bundle (same sources, same package-lock.json) is kept as it
// is unless --force.
//
//   node scripts/build-bundle.mjs [--outdir DIR] [--force] [--strict]
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MANIFEST } from "../bin/pick-entry.mjs";
import { sourceHash } from "../bin/source-hash.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const outFlag = args.indexOf("--outdir");
const outDir = resolve(outFlag >= 0 && args[outFlag + 1] ? args[outFlag + 1] : join(root, "dist"));

/** Entry name → source file; the sweep pool loads `sweep-worker.mjs` and `runners.mjs` by these names. */
export const ENTRIES = {
  cli: "src/cli/main.ts",
  "sweep-worker": "src/sweep/worker-bundle-entry.ts",
  runners: "src/sweep/runners.ts",
};

/** Hash of package-lock.json (the inlined dependencies), "" without one. */
function lockHash() {
  const lock = join(root, "package-lock.json");
  return existsSync(lock) ? createHash("sha256").update(readFileSync(lock)).digest("hex") : "";
}

/** True when `dir` holds a complete bundle of the current sources and dependencies. */
function upToDate(dir) {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8"));
    return (
      manifest.sourceHash === sourceHash(root) &&
      manifest.lockHash === lockHash() &&
      Object.keys(ENTRIES).every((name) => existsSync(join(dir, String(manifest.entries?.[name]))))
    );
  } catch {
    return false;
  }
}

async function buildInto(dir) {
  const { build } = await import("esbuild");
  const hashBefore = sourceHash(root);
  await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    // Flat output: every chunk sits directly in dist/, so `new URL("..", import.meta.url)`
    // is the package root from a chunk as from a file directly under src/.
    chunkNames: "chunk-[hash]",
    // piscina starts its own worker file by path; tsx and esbuild are loaders, not code to inline.
    external: ["piscina", "tsx", "tsx/*", "esbuild"],
    // CommonJS dependencies inlined into an ES module still call require().
    banner: { js: 'import { createRequire as __csCreateRequire } from "node:module"; const require = __csCreateRequire(import.meta.url);' },
    logLevel: "warning",
  });
  const hashAfter = sourceHash(root);
  if (hashAfter !== hashBefore) throw new Error("the sources changed during the build; run it again");
  const entries = Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, `${name}.mjs`]));
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify({ sourceHash: hashBefore, lockHash: lockHash(), entries }, null, 2)}\n`);
}

const tmp = `${outDir}.tmp-${process.pid}`;
const old = `${outDir}.old-${process.pid}`;
const t0 = performance.now();
try {
  if (!args.includes("--force") && upToDate(outDir)) {
    process.stderr.write(`clustersim: bundle up to date → ${outDir}\n`);
    process.exit(0);
  }
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(outDir), { recursive: true });
  await buildInto(tmp);
  // Swap in whole: a reader sees the old bundle or the new one, never half of one.
  let hadOld = true;
  try {
    renameSync(outDir, old);
  } catch {
    hadOld = false;
  }
  renameSync(tmp, outDir);
  if (hadOld) rmSync(old, { recursive: true, force: true });
  process.stderr.write(`clustersim: bundle built in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${outDir}\n`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(
    `clustersim: could not build the start-up bundle (${err instanceof Error ? err.message.split("\n")[0] : err}); ` +
      "the CLI runs from the sources instead (slower start-up, same results)\n",
  );
  // npm ci must not fail over an optional speed-up; --strict (the tests) makes it an error.
  if (args.includes("--strict")) process.exitCode = 1;
}
