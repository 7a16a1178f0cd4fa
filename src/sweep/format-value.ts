import type { AxisValue } from "./sweep-spec.js";

/**
 * The text of a value in a `--set` override and in a CSV cell. Numbers use
 * JavaScript's shortest round-trip form (`String(x)`), so the same value is
 * always the same text, on every worker and machine.
 */
export function formatValue(value: AxisValue): string {
  if (typeof value === "number") return Object.is(value, -0) ? "0" : String(value);
  return String(value);
}
