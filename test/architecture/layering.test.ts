import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Issue 14 item 5: the CLI is the top floor. Nothing outside src/cli/ may import
// from it (the user-error classes live in src/input/user-error.ts, the version
// helper in src/version.ts). No file is allowed to break this rule.

const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const SRC = join(ROOT, "src");
const CLI = join(SRC, "cli");

/** Source files below `dir` (TypeScript and JavaScript modules). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * Every module specifier a file names: static imports and re-exports
 * (`import ... from "x"`, `export ... from "x"`, `import "x"`), dynamic
 * imports (`import("x")`) and module URLs (`new URL("x", import.meta.url)`).
 */
function specifiers(text: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bnew\s+URL\s*\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1] as string));
}

/** True when `specifier`, named by `file`, resolves to a module in src/cli/. */
function importsCli(file: string, specifier: string): boolean {
  if (!specifier.startsWith(".")) return false;
  const target = resolve(dirname(file), specifier);
  return target === CLI || target.startsWith(`${CLI}/`);
}

describe("layering: src/cli/ is the top floor", () => {
  it("the scanner sees every kind of import", () => {
    const text = [
      'import { a } from "../cli/errors.js";',
      'import type { B } from "../cli/b.js";',
      'export { c } from "../cli/c.js";',
      'import "../cli/side-effect.js";',
      'const m = await import("../cli/lazy.js");',
      'const u = new URL("../cli/url.ts", import.meta.url);',
      "import {\n  d,\n  e,\n} from '../cli/multi.js';",
    ].join("\n");
    const found = specifiers(text);
    expect(found.filter((s) => importsCli(join(SRC, "sweep", "x.ts"), s))).toHaveLength(7);
    expect(importsCli(join(SRC, "sweep", "x.ts"), "../client/x.js")).toBe(false);
    expect(importsCli(join(SRC, "sweep", "x.ts"), "zod")).toBe(false);
  });

  it("no file outside src/cli/ imports from src/cli/", () => {
    const files = sourceFiles(SRC).filter((f) => !f.startsWith(`${CLI}/`));
    expect(files.length).toBeGreaterThan(100);
    const offending: string[] = [];
    for (const file of files) {
      for (const s of specifiers(readFileSync(file, "utf8"))) {
        if (importsCli(file, s)) offending.push(`${relative(ROOT, file)} imports ${s}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
