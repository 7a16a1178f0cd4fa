import type { z } from "zod";
import { SourceMap } from "./source-map.js";
import { validateDocument } from "./validate-document.js";

/**
 * Checks a value against `schema`: the parsed value, or one line saying
 * what is wrong with it (the first problem's field, what was expected and
 * found, in the input loader's wording, and how many more there are). For
 * data that arrives from elsewhere (a worker thread, a JSON file), without
 * source positions; `what` names it in the issues (not in the line).
 */
export function checkShape<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): { ok: true; value: T } | { ok: false; problem: string } {
  const r = validateDocument({ file: what, value, sources: new SourceMap() }, schema);
  if (r.ok) return r;
  const [first, ...rest] = r.issues;
  const where = first?.path ? `${first.path}: ` : "";
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
  return { ok: false, problem: `${where}${oneLine(first?.message ?? "invalid")}${more}` };
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}
