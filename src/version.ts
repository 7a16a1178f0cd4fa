import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package's root directory (where package.json, topologies/, bench/ and
 * docs/ are): the nearest directory above this module holding a package.json
 * named clustersim. The same from the sources (src/version.ts) and from any
 * bundle directory inside the package (dist/, or a test's bundle).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "clustersim")
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no clustersim package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The package version, read from package.json at the package root. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}
