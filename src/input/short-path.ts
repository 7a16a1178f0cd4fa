import { isAbsolute, relative } from "node:path";

/** A path as short as it can be said: relative to the working directory when below it, else absolute. */
export function shortPath(absolute: string): string {
  const r = relative(process.cwd(), absolute);
  return r === "" || r.startsWith("..") || isAbsolute(r) ? absolute : r;
}
