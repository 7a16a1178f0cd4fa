import { xmlEscape } from "../svg.js";

/** A table cell: its text, and the raw number behind it (data-value, what sorting and tests read). */
export interface Cell {
  text: string;
  value?: number;
  /** A stable name for the value (data-key), e.g. "tokensPerSecond". */
  key?: string;
}

export const esc = xmlEscape;

/** A sortable HTML table (click a header to sort by it; numbers by their data-value). */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], caption?: string): string {
  const head = headers.map((h, i) => `<th data-col="${i}" title="sort">${esc(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r
          .map((c) => {
            const attrs = [
              c.value !== undefined && Number.isFinite(c.value) ? ` data-value="${c.value}"` : "",
              c.key ? ` data-key="${esc(c.key)}"` : "",
            ].join("");
            return `<td${attrs}>${esc(c.text)}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  return `<table class="data sortable">${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A number as people read it: 4 significant digits, thousands separated. */
export function fmt(x: number | undefined | null, unit = ""): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  const s =
    a >= 1000
      ? Math.round(x).toLocaleString("en-US")
      : a >= 1
        ? String(Number(x.toPrecision(4)))
        : a === 0
          ? "0"
          : String(Number(x.toPrecision(3)));
  return unit ? `${s} ${unit}` : s;
}

export const pctText = (x: number | undefined | null) =>
  x === undefined || x === null || !Number.isFinite(x) ? "n/a" : `${(x * 100).toFixed(1)}%`;

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin-top:20px}
.meta{color:#555;font-size:13px}
svg.chart{display:block;margin:12px 0;font-size:11px;background:#fff}
svg.chart .chart-title{font-size:13px;font-weight:600}
svg.chart .axis-label{font-size:12px;fill:#333}
table.data{border-collapse:collapse;font-size:13px;margin:10px 0;display:block;overflow-x:auto;max-width:100%}
table.data th,table.data td{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.data th{background:#f4f4f4;cursor:pointer;user-select:none}
table.data td:first-child,table.data th:first-child{text-align:left}
table.data caption{text-align:left;font-size:12px;color:#555;padding:4px 0}
.holds{color:#080}.fails{color:#b00;font-weight:600}
.note{font-size:12px;color:#555}
`;

// Sorting: numbers by data-value, text otherwise; a second click reverses.
const SCRIPT = `
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = Number(th.dataset.col);
    var asc = th.dataset.dir !== "asc";
    table.querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = asc ? "asc" : "desc";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var vx = x && x.dataset.value !== undefined ? Number(x.dataset.value) : null;
      var vy = y && y.dataset.value !== undefined ? Number(y.dataset.value) : null;
      var r = vx !== null && vy !== null ? vx - vy : String(x ? x.textContent : "").localeCompare(String(y ? y.textContent : ""));
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
`;

/** The whole self-contained page: inline style and script, no external request. */
export function page(title: string, sections: readonly string[], meta: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(meta)}</p>
${sections.join("\n")}
<script>${SCRIPT}</script>
</body></html>
`;
}
