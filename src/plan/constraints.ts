import { type Candidate, SEARCH_FIELDS, type SearchField } from "./enumerate.js";

/** A bound on one searched field, e.g. `tp<=8`, `recompute!=full`, `pp=8`. */
export interface Constraint {
  field: SearchField;
  op: "=" | "!=" | "<=" | ">=" | "<" | ">";
  value: number | string;
  /** As written, for messages and the CSV's reason column. */
  text: string;
}

const PATTERN = /^\s*([A-Za-z]+)\s*(<=|>=|!=|=|<|>)\s*([A-Za-z0-9.]+)\s*$/;

/** Parses `FIELD OP VALUE`; a string error names what was expected and what was found. */
export function parseConstraint(text: string): Constraint | string {
  const m = PATTERN.exec(text);
  if (!m) return `expected FIELD OP VALUE like 'tp<=8' or 'recompute!=full', found '${text}'`;
  const [, field = "", op = "=", raw = ""] = m;
  if (!(SEARCH_FIELDS as readonly string[]).includes(field)) {
    return `unknown field '${field}' in '${text}' (expected one of: ${SEARCH_FIELDS.join(", ")})`;
  }
  if (field === "recompute") {
    if (!["none", "selective", "full"].includes(raw)) {
      return `recompute is none, selective or full, found '${raw}' in '${text}'`;
    }
    if (op !== "=" && op !== "!=") return `recompute takes = or !=, found '${op}' in '${text}'`;
    return { field: "recompute", op, value: raw, text: text.trim() };
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) return `${field} is a non-negative integer, found '${raw}' in '${text}'`;
  return { field: field as SearchField, op: op as Constraint["op"], value, text: text.trim() };
}

export function satisfies(c: Candidate, k: Constraint): boolean {
  const v = c[k.field];
  switch (k.op) {
    case "=":
      return v === k.value;
    case "!=":
      return v !== k.value;
    case "<=":
      return (v as number) <= (k.value as number);
    case ">=":
      return (v as number) >= (k.value as number);
    case "<":
      return (v as number) < (k.value as number);
    case ">":
      return (v as number) > (k.value as number);
  }
}
