/** How a found value is shown in a message: `"400 Gb/s" (a string)`, `-5`, `.inf`, `a list`, ... */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  if (v === null) return "null";
  if (typeof v === "string") return `${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)} (a string)`;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ".nan (not a number)";
    if (!Number.isFinite(v)) return v > 0 ? ".inf (infinite)" : "-.inf (infinite)";
    return String(v);
  }
  if (typeof v === "boolean") return `${v} (a boolean)`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "a mapping";
  return String(v);
}

/** The value at `path` in a plain tree (undefined when absent). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}
