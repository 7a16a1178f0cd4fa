import { page } from "./page.js";
import {
  checkSection,
  requestsSection,
  scaleSection,
  servingRunSection,
  sweepSection,
  trainingRunSection,
} from "./sections.js";

/** One input of `clustersim report`: its path (for messages) and its text. */
export interface ReportInput {
  file: string;
  text: string;
}

export type ReportKind = "training-run" | "serving-run" | "scale" | "check" | "sweep-csv" | "requests-csv";

/** What a JSON input is, or why it is none of the kinds a report draws (a sentence naming what was found). Sweep CSVs are read by readResults. */
export function reportKind(input: ReportInput): { kind: ReportKind; data: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(input.text);
  } catch (err) {
    return {
      error: `expected JSON from run/scale/check --json or a sweep CSV, found text that is not JSON (${(err as Error).message})`,
    };
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((r) => r && typeof r === "object" && "cards" in r && "ok" in r)) {
      return { kind: "scale", data: value };
    }
    return { error: "expected scale --json rows (objects with cards and ok), found another array" };
  }
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o.kind === "serving" && "ttftSeconds" in o) return { kind: "serving-run", data: o };
    if ("breakdown" in o && "stepTimeSeconds" in o) return { kind: "training-run", data: o };
    if (Array.isArray(o.claims)) return { kind: "check", data: o };
    return {
      error: `expected run --json, scale --json or check --json output, found an object with keys ${Object.keys(o).slice(0, 6).join(", ")}`,
    };
  }
  return { error: `expected run/scale/check --json output or a sweep CSV, found ${JSON.stringify(value)}` };
}

/** The self-contained HTML page of every input, in the order given. Throws nothing: inputs are classified first. */
export function reportHtml(inputs: readonly { file: string; kind: ReportKind; data: unknown }[]): string {
  const sections = inputs.map(({ file, kind, data }) => {
    switch (kind) {
      case "training-run":
        return trainingRunSection(file, data as Record<string, unknown>);
      case "serving-run":
        return servingRunSection(file, data as Record<string, unknown>);
      case "scale":
        return scaleSection(file, data as Record<string, unknown>[]);
      case "check":
        return checkSection(file, data as Record<string, unknown>);
      case "requests-csv": {
        const d = data as { header: string[]; rows: string[][] };
        return requestsSection(file, d.header, d.rows);
      }
      default: {
        const d = data as { header: string[]; rows: string[][] };
        return sweepSection(file, d.header, d.rows);
      }
    }
  });
  return page(
    "clustersim report",
    sections,
    `Inputs: ${inputs.map((i) => i.file).join(", ")}. Plots drawn at build time; the page loads nothing from the network.`,
  );
}
