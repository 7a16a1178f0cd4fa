import { scaleLinear, scaleLog } from "d3-scale";
import { LOSS_CATEGORIES } from "./scale-report.js";
import { num, PALETTE, xmlEscape } from "./svg.js";

/** What the plot needs of a `scale` row (training rows have the loss breakdown; serving rows do not). */
export type PlotRow =
  | { cards: number; ok: true; scalingEfficiency: number; lossContributions?: Record<string, number> }
  | { cards: number; ok: false };

const W = 760;
const H = 440;
const M = { left: 64, right: 170, top: 40, bottom: 52 };

/**
 * A self-contained SVG of a `scale` run: scaling efficiency against cards
 * (log x), the claim's bound as a dashed line when given, and the loss
 * stacked downward from 100%: each category's contribution to 1 − efficiency
 * (categories that shrank are drawn as zero; the gap to the curve is then
 * covered more than once, which the note says).
 */
export function scalePlotSvg(rows: readonly PlotRow[], opts: { title: string; bound?: number }): string {
  const ok = rows.filter((r): r is Extract<PlotRow, { ok: true }> => r.ok);
  const cats = LOSS_CATEGORIES.filter((c) => ok.some((r) => (r.lossContributions?.[c] ?? 0) > 5e-4));
  const stackBottom = ok.map((r) => 1 - cats.reduce((s, c) => s + Math.max(0, r.lossContributions?.[c] ?? 0), 0));
  const lows = [
    ...ok.map((r) => r.scalingEfficiency),
    ...stackBottom,
    ...(opts.bound !== undefined ? [opts.bound] : []),
  ];
  const yMin = Math.max(0, Math.floor((Math.min(...lows, 0.9) - 0.02) * 20) / 20);
  const xs = ok.map((r) => r.cards);
  const x = scaleLog()
    .domain([Math.min(...xs), Math.max(...xs, Math.min(...xs) * 2)])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([yMin, 1.02])
    .range([H - M.bottom, M.top]);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="14" font-weight="bold">${xmlEscape(opts.title)}</text>`,
  );
  // Stacked loss areas, from 100% downward.
  let upper = ok.map(() => 1);
  cats.forEach((c, ci) => {
    const lower = ok.map((r, i) => (upper[i] as number) - Math.max(0, r.lossContributions?.[c] ?? 0));
    const top = ok.map((r, i) => `${num(x(r.cards))},${num(y(upper[i] as number))}`);
    const bottom = ok.map((r, i) => `${num(x(r.cards))},${num(y(lower[i] as number))}`).reverse();
    parts.push(
      `<polygon points="${[...top, ...bottom].join(" ")}" fill="${PALETTE[ci % PALETTE.length]}" fill-opacity="0.55" stroke="none"><title>${xmlEscape(c)}</title></polygon>`,
    );
    upper = lower;
  });
  // Axes and grid.
  for (const t of y.ticks(6)) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${Math.round(t * 100)}%</text>`,
    );
  }
  for (const r of ok) {
    parts.push(
      `<line x1="${num(x(r.cards))}" x2="${num(x(r.cards))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333"/>`,
      `<text x="${num(x(r.cards))}" y="${H - M.bottom + 18}" text-anchor="middle">${r.cards.toLocaleString("en-US")}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">cards (log scale)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">scaling efficiency</text>`,
  );
  if (opts.bound !== undefined) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${num(y(opts.bound))}" y2="${num(y(opts.bound))}" stroke="#c00" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      `<text x="${W - M.right - 4}" y="${num(y(opts.bound) - 5)}" text-anchor="end" fill="#c00">claim ${Math.round(opts.bound * 1000) / 10}%</text>`,
    );
  }
  const line = ok.map((r) => `${num(x(r.cards))},${num(y(r.scalingEfficiency))}`).join(" ");
  parts.push(`<polyline points="${line}" fill="none" stroke="#000" stroke-width="2"/>`);
  for (const r of ok) {
    parts.push(
      `<circle cx="${num(x(r.cards))}" cy="${num(y(r.scalingEfficiency))}" r="3.5" fill="#000"><title>${r.cards} cards: ${(r.scalingEfficiency * 100).toFixed(1)}%</title></circle>`,
    );
  }
  // Legend.
  const lx = W - M.right + 14;
  parts.push(
    `<line x1="${lx}" x2="${lx + 18}" y1="${M.top + 6}" y2="${M.top + 6}" stroke="#000" stroke-width="2"/>`,
    `<text x="${lx + 24}" y="${M.top + 10}">efficiency</text>`,
  );
  cats.forEach((c, i) => {
    const ly = M.top + 26 + i * 18;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="18" height="12" fill="${PALETTE[i % PALETTE.length]}" fill-opacity="0.55"/>`,
      `<text x="${lx + 24}" y="${ly + 1}">${xmlEscape(c)}</text>`,
    );
  });
  parts.push(
    `<text x="${lx}" y="${M.top + 34 + cats.length * 18}" font-size="10" fill="#555">areas: loss vs the</text>`,
    `<text x="${lx}" y="${M.top + 46 + cats.length * 18}" font-size="10" fill="#555">smallest size, stacked</text>`,
    `<text x="${lx}" y="${M.top + 58 + cats.length * 18}" font-size="10" fill="#555">down from 100%</text>`,
  );
  const bad = rows.filter((r) => !r.ok);
  if (bad.length) {
    parts.push(
      `<text x="${M.left}" y="${M.top - 4}" font-size="10" fill="#a00">not shown (cannot run): ${xmlEscape(bad.map((r) => r.cards.toLocaleString("en-US")).join(", "))} cards</text>`,
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
