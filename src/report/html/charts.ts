import { scaleBand, scaleLinear, scaleLog } from "d3-scale";
import { num, PALETTE, xmlEscape } from "../svg.js";

/**
 * Inline SVG charts for the HTML report, drawn here with d3-scale's scales and
 * ticks (no script runs in the page to draw them). Every chart has an x and a
 * y axis title (`text.axis-label`, units in the text) and, when it has more
 * than one series, a legend (`g.legend`).
 */

const W = 720;
const M = { left: 78, right: 170, top: 36, bottom: 48 };

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

function frame(title: string, h: number): string[] {
  return [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="${xmlEscape(title)}">`,
    `<text class="chart-title" x="${M.left}" y="20">${xmlEscape(title)}</text>`,
  ];
}

function legend(names: readonly string[], x: number, y: number): string {
  const items = names.map(
    (n, i) =>
      `<g transform="translate(${x},${y + i * 18})"><rect width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="18" y="10">${xmlEscape(n)}</text></g>`,
  );
  return `<g class="legend">${items.join("")}</g>`;
}

const fmtTick = (t: number) => {
  const a = Math.abs(t);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return t.toExponential(1);
  return String(Number(t.toPrecision(4)));
};

/** A line chart of one or more series, optional horizontal reference line; log x when asked and positive. */
export function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  reference?: { y: number; label: string };
  logX?: boolean;
}): string {
  const H = 320;
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1]));
  if (opts.reference) ys.push(opts.reference.y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const useLog = opts.logX === true && xMin > 0 && xMax / xMin > 8;
  const x = useLog
    ? scaleLog()
        .domain([xMin, xMax])
        .range([M.left, W - M.right])
    : scaleLinear()
        .domain(xMin === xMax ? [xMin - 1, xMax + 1] : [xMin, xMax])
        .range([M.left, W - M.right]);
  const yLo = Math.min(0, ...ys);
  const yHi = Math.max(...ys);
  const y = scaleLinear()
    .domain([yLo, yHi === yLo ? yLo + 1 : yHi * 1.05])
    .nice()
    .range([H - M.bottom, M.top]);
  const parts = frame(opts.title, H);
  parts.push(axes(x, y, H, opts.xLabel, opts.yLabel, useLog));
  opts.series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const d = s.points.map((p, k) => `${k === 0 ? "M" : "L"}${num(x(p[0]))},${num(y(p[1]))}`).join("");
    parts.push(`<path class="series" d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of s.points) {
      parts.push(
        `<circle cx="${num(x(p[0]))}" cy="${num(y(p[1]))}" r="3" fill="${c}"><title>${xmlEscape(`${s.name}: ${p[0]}, ${p[1]}`)}</title></circle>`,
      );
    }
  });
  if (opts.reference) {
    const ry = num(y(opts.reference.y));
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${ry}" y2="${ry}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${W - M.right + 4}" y="${ry}" fill="#c00">${xmlEscape(opts.reference.label)}</text>`,
    );
  }
  if (opts.series.length > 1)
    parts.push(
      legend(
        opts.series.map((s) => s.name),
        W - M.right + 12,
        M.top + 20,
      ),
    );
  parts.push("</svg>");
  return parts.join("\n");
}

function axes(
  x: { (v: number): number; ticks(n?: number): number[] },
  y: { (v: number): number; ticks(n?: number): number[] },
  H: number,
  xLabel: string,
  yLabel: string,
  logX = false,
): string {
  const out: string[] = [`<g class="axis x">`];
  const xt = logX ? x.ticks(6).filter((_, i, a) => a.length <= 8 || i % Math.ceil(a.length / 8) === 0) : x.ticks(6);
  for (const t of xt) {
    out.push(
      `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`,
      `<text x="${num(x(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label x" x="${num((M.left + W - M.right) / 2)}" y="${H - 8}" text-anchor="middle">${xmlEscape(xLabel)}</text></g>`,
    `<g class="axis y">`,
  );
  for (const t of y.ticks(6)) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label y" transform="translate(16,${num((M.top + H - M.bottom) / 2)}) rotate(-90)" text-anchor="middle">${xmlEscape(yLabel)}</text></g>`,
  );
  return out.join("\n");
}

/**
 * The axes of a chart whose y axis is a band of named rows (bars, waterfall, tornado): x ticks with
 * grid lines down to `plotBottom`, the x title at `titleY`, and the y title; leaves the y group open
 * for the row labels (the caller closes it with the svg).
 */
function bandAxes(
  x: { (v: number): number; ticks(n?: number): number[] },
  o: { left: number; H: number; plotBottom: number; titleY: number; xLabel: string; yLabel: string },
): string[] {
  const out = [`<g class="axis x">`];
  for (const t of x.ticks(6)) {
    out.push(
      `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${M.top}" y2="${o.plotBottom}" stroke="#eee"/>`,
      `<text x="${num(x(t))}" y="${o.plotBottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label x" x="${num((o.left + W - M.right) / 2)}" y="${o.titleY}" text-anchor="middle">${xmlEscape(o.xLabel)}</text></g>`,
    `<g class="axis y"><text class="axis-label y" transform="translate(14,${num(o.H / 2)}) rotate(-90)" text-anchor="middle">${xmlEscape(o.yLabel)}</text>`,
  );
  return out;
}

/** Horizontal bars, one per item (the y axis names them). */
export function barChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: readonly { label: string; value: number }[];
}): string {
  const H = M.top + M.bottom + Math.max(1, opts.bars.length) * 24;
  const left = 170;
  const y = scaleBand()
    .domain(opts.bars.map((b) => b.label))
    .range([M.top, H - M.bottom])
    .padding(0.2);
  const x = scaleLinear()
    .domain([0, Math.max(1e-12, ...opts.bars.map((b) => b.value)) * 1.05])
    .nice()
    .range([left, W - M.right]);
  const parts = frame(opts.title, H);
  parts.push(...bandAxes(x, { left, H, plotBottom: H - M.bottom, titleY: H - 8, ...opts }));
  for (const [i, b] of opts.bars.entries()) {
    const yy = y(b.label) ?? 0;
    parts.push(
      `<text x="${left - 6}" y="${num(yy + y.bandwidth() / 2 + 4)}" text-anchor="end">${xmlEscape(b.label)}</text>`,
      `<rect x="${left}" y="${num(yy)}" width="${num(Math.max(0, x(b.value) - left))}" height="${num(y.bandwidth())}" fill="${PALETTE[i % PALETTE.length]}"><title>${xmlEscape(`${b.label}: ${b.value}`)}</title></rect>`,
    );
  }
  parts.push("</g></svg>");
  return parts.join("\n");
}

/** A scatter of points, coloured by a category with a legend when there is more than one. */
export function scatterChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly { x: number; y: number; group: string }[];
}): string {
  const H = 340;
  const groups = [...new Set(opts.points.map((p) => p.group))];
  const xs = opts.points.map((p) => p.x);
  const ys = opts.points.map((p) => p.y);
  const x = scaleLinear()
    .domain(
      Math.min(...xs) === Math.max(...xs)
        ? [Math.min(...xs) - 1, Math.max(...xs) + 1]
        : [Math.min(...xs), Math.max(...xs)],
    )
    .nice()
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain(
      Math.min(...ys) === Math.max(...ys)
        ? [Math.min(...ys) - 1, Math.max(...ys) + 1]
        : [Math.min(...ys), Math.max(...ys)],
    )
    .nice()
    .range([H - M.bottom, M.top]);
  const parts = frame(opts.title, H);
  parts.push(axes(x, y, H, opts.xLabel, opts.yLabel));
  for (const p of opts.points) {
    const c = PALETTE[groups.indexOf(p.group) % PALETTE.length];
    parts.push(
      `<circle cx="${num(x(p.x))}" cy="${num(y(p.y))}" r="3.5" fill="${c}" fill-opacity="0.8"><title>${xmlEscape(`${p.group}: ${p.x}, ${p.y}`)}</title></circle>`,
    );
  }
  if (groups.length > 1) parts.push(legend(groups.slice(0, 12), W - M.right + 12, M.top + 20));
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * A waterfall of losses: a first bar at `start`, then one floating bar per loss stepping down (or up,
 * for a negative loss) from the running total, and a last bar at the total that remains.
 */
export function waterfallChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  start: { label: string; value: number };
  steps: readonly { label: string; value: number }[];
  endLabel: string;
}): string {
  const labels = [opts.start.label, ...opts.steps.map((s) => s.label), opts.endLabel];
  const H = M.top + M.bottom + labels.length * 24;
  const left = 170;
  let level = opts.start.value;
  const spans: { from: number; to: number; kind: "total" | "loss" | "gain" }[] = [
    { from: 0, to: level, kind: "total" },
  ];
  for (const s of opts.steps) {
    spans.push({ from: level - s.value, to: level, kind: s.value >= 0 ? "loss" : "gain" });
    level -= s.value;
  }
  spans.push({ from: 0, to: level, kind: "total" });
  const lo = Math.min(0, ...spans.map((s) => Math.min(s.from, s.to)));
  const hi = Math.max(...spans.map((s) => Math.max(s.from, s.to)));
  const x = scaleLinear()
    .domain([lo, hi === lo ? lo + 1 : hi])
    .nice()
    .range([left, W - M.right]);
  const y = scaleBand()
    .domain(labels)
    .range([M.top, H - M.bottom])
    .padding(0.2);
  const parts = frame(opts.title, H);
  parts.push(...bandAxes(x, { left, H, plotBottom: H - M.bottom, titleY: H - 8, ...opts }));
  const colour = { total: "#0072B2", loss: "#D55E00", gain: "#009E73" };
  spans.forEach((s, i) => {
    const label = labels[i] as string;
    const yy = y(label) ?? 0;
    const a = Math.min(x(s.from), x(s.to));
    parts.push(
      `<text x="${left - 6}" y="${num(yy + y.bandwidth() / 2 + 4)}" text-anchor="end">${xmlEscape(label)}</text>`,
      `<rect x="${num(a)}" y="${num(yy)}" width="${num(Math.max(1, Math.abs(x(s.to) - x(s.from))))}" height="${num(y.bandwidth())}" fill="${colour[s.kind]}"><title>${xmlEscape(`${label}: ${s.kind === "total" ? s.to : s.to - s.from}`)}</title></rect>`,
    );
  });
  parts.push("</g></svg>");
  return parts.join("\n");
}

/** A tornado: per field, the metric at −10% and +10% as bars from the value at the field's center. */
export function tornadoChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  rows: readonly { label: string; center: number; low?: number; high?: number }[];
  bound?: number;
}): string {
  const H = M.top + M.bottom + Math.max(1, opts.rows.length) * 24 + 30;
  const left = 260;
  const vals = opts.rows.flatMap((r) => [r.center, r.low, r.high].filter((v): v is number => Number.isFinite(v)));
  if (opts.bound !== undefined) vals.push(opts.bound);
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.01 || 0.01;
  const x = scaleLinear()
    .domain([lo - pad, hi + pad])
    .range([left, W - M.right]);
  const y = scaleBand()
    .domain(opts.rows.map((r) => r.label))
    .range([M.top, H - M.bottom - 30])
    .padding(0.2);
  const parts = frame(opts.title, H);
  parts.push(...bandAxes(x, { left, H, plotBottom: H - M.bottom - 30, titleY: H - M.bottom + 4, ...opts }));
  for (const r of opts.rows) {
    const yy = y(r.label) ?? 0;
    parts.push(
      `<text x="${left - 6}" y="${num(yy + y.bandwidth() / 2 + 4)}" text-anchor="end">${xmlEscape(r.label)}</text>`,
    );
    for (const [v, c] of [
      [r.low, PALETTE[4]],
      [r.high, PALETTE[0]],
    ] as const) {
      if (v === undefined || !Number.isFinite(v)) continue;
      const a = Math.min(x(r.center), x(v));
      parts.push(
        `<rect x="${num(a)}" y="${num(yy)}" width="${num(Math.max(1, Math.abs(x(v) - x(r.center))))}" height="${num(y.bandwidth())}" fill="${c}"><title>${xmlEscape(`${r.label}: ${v}`)}</title></rect>`,
      );
    }
    parts.push(
      `<line x1="${num(x(r.center))}" x2="${num(x(r.center))}" y1="${num(yy - 2)}" y2="${num(yy + y.bandwidth() + 2)}" stroke="#000"/>`,
    );
  }
  if (opts.bound !== undefined) {
    const bx = num(x(opts.bound));
    parts.push(
      `<line x1="${bx}" x2="${bx}" y1="${M.top}" y2="${H - M.bottom - 30}" stroke="#c00" stroke-dasharray="6 4"/>`,
    );
  }
  const lx = W - M.right + 12;
  parts.push(
    `<g class="legend"><g transform="translate(${lx},${M.top + 20})"><rect width="12" height="12" fill="${PALETTE[4]}"/><text x="18" y="10">field at -10%</text></g><g transform="translate(${lx},${M.top + 38})"><rect width="12" height="12" fill="${PALETTE[0]}"/><text x="18" y="10">field at +10%</text></g></g>`,
  );
  parts.push("</g></svg>");
  return parts.join("\n");
}
