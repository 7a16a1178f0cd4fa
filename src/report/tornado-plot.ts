import { scaleLinear } from "d3-scale";
import type { SensitivityRow } from "../claims/sensitivity.js";
import { num, xmlEscape } from "./svg.js";

const W = 760;
const ROW_H = 26;
const M = { left: 300, right: 40, top: 50, bottom: 40 };

/** A self-contained tornado SVG: for each field, the metric at −10% and +10% around its center value. */
export function tornadoSvg(
  rows: readonly SensitivityRow[],
  opts: { title: string; metric: string; bound?: number },
): string {
  const H = M.top + M.bottom + Math.max(1, rows.length) * ROW_H;
  const vals = rows.flatMap((r) =>
    [r.metricLow, r.metricHigh, r.metricCenter].filter((v): v is number => v !== undefined),
  );
  if (opts.bound !== undefined) vals.push(opts.bound);
  const lo = Math.min(...vals, 1e300);
  const hi = Math.max(...vals, -1e300);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.01 || 0.01;
  const x = scaleLinear()
    .domain([lo - pad, hi + pad])
    .range([M.left, W - M.right]);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${xmlEscape(opts.title)}</text>`,
    `<text x="10" y="40" fill="#555">${xmlEscape(`${opts.metric} at -10% (blue) and +10% (orange) of each field; ranked by swing`)}</text>`,
  ];
  for (const t of x.ticks(6)) {
    parts.push(
      `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`,
      `<text x="${num(x(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${xmlEscape(String(Number(t.toPrecision(4))))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const yc = M.top + i * ROW_H + ROW_H / 2;
    const c = r.metricCenter ?? r.metricLow ?? r.metricHigh ?? 0;
    parts.push(
      `<text x="${M.left - 8}" y="${yc + 4}" text-anchor="end">${xmlEscape(`${r.context}: ${r.field}`)}</text>`,
    );
    for (const [v, colour] of [
      [r.metricLow, "#0072B2"],
      [r.metricHigh, "#E69F00"],
    ] as const) {
      if (v === undefined) continue;
      const a = Math.min(x(c), x(v));
      parts.push(
        `<rect x="${num(a)}" y="${yc - 8}" width="${num(Math.max(1, Math.abs(x(v) - x(c))))}" height="16" fill="${colour}"><title>${xmlEscape(`${v}`)}</title></rect>`,
      );
    }
    parts.push(`<line x1="${num(x(c))}" x2="${num(x(c))}" y1="${yc - 11}" y2="${yc + 11}" stroke="#000"/>`);
  });
  if (opts.bound !== undefined) {
    parts.push(
      `<line x1="${num(x(opts.bound))}" x2="${num(x(opts.bound))}" y1="${M.top - 4}" y2="${H - M.bottom}" stroke="#c00" stroke-dasharray="6 4"/>`,
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
