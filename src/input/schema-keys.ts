import type { z } from "zod";

/**
 * Minimal read-only introspection of zod 4 schemas: which object keys are
 * allowed at a path (for "did you mean" suggestions and for `--set` on a field
 * the file omits). Unions contribute the keys of the option whose
 * discriminator matches the document, or of every option.
 */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips wrappers (optional, default, pipe, ...) and expands unions against the document value. */
function concrete(schema: z.ZodType, value: unknown): z.ZodType[] {
  const d = defOf(schema);
  switch (d.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return d.innerType ? concrete(d.innerType, value) : [];
    case "pipe":
      return d.in ? concrete(d.in, value) : [];
    case "lazy":
      return d.getter ? concrete(d.getter(), value) : [];
    case "union": {
      const options = d.options ?? [];
      if (d.discriminator && value && typeof value === "object") {
        const tag = (value as Record<string, unknown>)[d.discriminator];
        const match = options.filter((o) =>
          concrete(o, value).some((c) => {
            const field = defOf(c).shape?.[d.discriminator ?? ""];
            return field !== undefined && literalValues(field).includes(tag);
          }),
        );
        if (match.length > 0) return match.flatMap((o) => concrete(o, value));
      }
      return options.flatMap((o) => concrete(o, value));
    }
    default:
      return [schema];
  }
}

function literalValues(s: z.ZodType): unknown[] {
  const d = defOf(s) as Def & { values?: unknown[]; entries?: Record<string, unknown> };
  if (d.type === "literal") return d.values ?? [];
  if (d.type === "enum") return Object.values(d.entries ?? {});
  return [];
}

/** The schemas that describe the value at `path` of `root` (several when a union is ambiguous). */
export function schemasAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): z.ZodType[] {
  let current = concrete(schema, root);
  let value: unknown = root;
  for (const seg of path) {
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
    const next: z.ZodType[] = [];
    for (const s of current) {
      const d = defOf(s);
      let child: z.ZodType | undefined;
      if (d.type === "object") child = d.shape?.[String(seg)];
      else if (d.type === "array") child = d.element;
      else if (d.type === "record") child = d.valueType;
      else if (d.type === "tuple") child = d.items?.[Number(seg)];
      if (child) next.push(...concrete(child, value));
    }
    current = next;
  }
  return current;
}

/** Allowed object keys at `path` (empty when the value there is not an object). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path, root)) {
    const d = defOf(s);
    if (d.type === "object") for (const k of Object.keys(d.shape ?? {})) keys.add(k);
  }
  return [...keys];
}

/** True when the value at `path` is (or may be) an array. */
export function isArrayAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): boolean {
  return schemasAt(schema, path, root).some((s) => defOf(s).type === "array");
}
