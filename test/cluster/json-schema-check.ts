/**
 * A small JSON Schema (2020-12) checker for the keywords zod's toJSONSchema
 * emits for the topology schema: type, properties, required,
 * additionalProperties, const, enum, items, minItems, maxItems, minLength,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, oneOf, anyOf. Unknown
 * keywords make it fail loudly, so the test notices when the schema grows.
 * Test-only: no JSON Schema validator is installed (see the report).
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "examples", "default"]);
const KNOWN = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "const",
  "enum",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "oneOf",
  "anyOf",
]);

export function validateJsonSchema(schema: Schema, value: unknown, path = ""): string[] {
  const errors: string[] = [];
  const err = (m: string) => errors.push(`${path || "(root)"}: ${m}`);
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema-check: unsupported keyword ${k}`);
  }
  if (schema.oneOf || schema.anyOf) {
    const options = (schema.oneOf ?? schema.anyOf) as Schema[];
    const passing = options.filter((o) => validateJsonSchema(o, value, path).length === 0).length;
    if (schema.oneOf ? passing !== 1 : passing < 1)
      err(`expected to match ${schema.oneOf ? "exactly one" : "one"} option`);
  }
  const t = schema.type as string | undefined;
  if (t !== undefined && !hasType(value, t)) {
    err(`expected ${t}`);
    return errors;
  }
  if ("const" in schema && value !== schema.const) err(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) err("expected an enum value");
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) err("below minimum");
    if (typeof schema.maximum === "number" && value > schema.maximum) err("above maximum");
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) err("not above min");
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) err("not below max");
  }
  if (typeof value === "string" && typeof schema.minLength === "number" && value.length < schema.minLength) {
    err("too short");
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) err("too few items");
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) err("too many items");
    if (schema.items) {
      for (const [i, v] of value.entries())
        errors.push(...validateJsonSchema(schema.items as Schema, v, `${path}.${i}`));
    }
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) err(`missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = props[k];
      if (sub) errors.push(...validateJsonSchema(sub, v, path ? `${path}.${k}` : k));
      else if (schema.additionalProperties === false) err(`unknown property ${k}`);
    }
  }
  return errors;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      throw new Error(`json-schema-check: unsupported type ${t}`);
  }
}
