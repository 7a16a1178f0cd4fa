/** Escapes text for SVG/XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** A fixed palette (colour-blind friendly: Okabe & Ito 2008), cycled. */
export const PALETTE = [
  "#E69F00",
  "#56B4E9",
  "#009E73",
  "#F0E442",
  "#0072B2",
  "#D55E00",
  "#CC79A7",
  "#999999",
  "#000000",
];

export function num(x: number): string {
  return Number(x.toFixed(2)).toString();
}
