import { barChart, lineChart, type Series, scatterChart, tornadoChart, waterfallChart } from "./charts.js";
import { type Cell, esc, fmt, pctText, table } from "./page.js";

/**
 * One section of the HTML report per input, from the same typed results as
 * `--json` prints (the numbers in the page are those values; each table cell
 * keeps the raw number in data-value and its JSON key in data-key).
 */

type Json = Record<string, unknown>;
const numOf = (o: Json, k: string): number => (typeof o[k] === "number" ? (o[k] as number) : Number.NaN);
const cell = (o: Json, key: string, text: (v: number) => string): Cell => ({
  text: text(numOf(o, key)),
  value: numOf(o, key),
  key,
});
const GB = 1e9;

/** `clustersim run --json` of a training scenario. */
export function trainingRunSection(file: string, r: Json): string {
  const breakdown = (r.breakdown ?? {}) as Record<string, number>;
  const memory = (r.memory ?? {}) as Record<string, number>;
  const steps = (r.stepTimesSeconds ?? []) as number[];
  const out = [
    `<section class="training-run"><h2>Training run: ${esc(String(r.scenario ?? file))}</h2>`,
    `<p class="note">From ${esc(file)} (seed ${esc(String(r.seed))}, ${esc(String(r.steps))} step(s), ${fmt(numOf(r, "cards"))} cards).</p>`,
    table(
      ["metric", "value"],
      [
        [{ text: "step time (s)" }, cell(r, "stepTimeSeconds", (v) => fmt(v, "s"))],
        [{ text: "tokens/s" }, cell(r, "tokensPerSecond", (v) => fmt(v))],
        [{ text: "model TFLOP/s per card" }, cell(r, "tflopsPerCard", (v) => fmt(v))],
        [{ text: "MFU" }, cell(r, "mfu", pctText)],
        [{ text: "peak memory per card (GB)" }, cell(r, "peakMemoryBytes", (v) => fmt(v / GB, "GB"))],
        [{ text: "straggler share" }, cell(r, "stragglerShare", pctText)],
      ],
    ),
    barChart({
      title: "Where the time goes (mean per card per step)",
      xLabel: "seconds per step",
      yLabel: "time category",
      bars: Object.entries(breakdown)
        .filter(([, v]) => v > 0)
        .map(([label, value]) => ({ label, value })),
    }),
    barChart({
      title: `Memory per card, pipeline stage ${memory.stage ?? 0} (HBM ${fmt((memory.hbmBytes ?? 0) / GB)} GB)`,
      xLabel: "GB per card",
      yLabel: "memory use",
      bars: ["weights", "gradients", "optimizer", "activations", "buffers"].map((k) => ({
        label: k,
        value: (memory[`${k}Bytes`] ?? 0) / GB,
      })),
    }),
  ];
  if (steps.length > 1) {
    out.push(
      lineChart({
        title: "Step times",
        xLabel: "step",
        yLabel: "step time (s)",
        series: [{ name: "step time", points: steps.map((s, i) => [i + 1, s] as const) }],
      }),
    );
  }
  out.push("</section>");
  return out.join("\n");
}

/** `clustersim run --json` of a serving scenario. */
export function servingRunSection(file: string, r: Json): string {
  const lat = (k: string) => (r[k] ?? {}) as Record<string, number>;
  const pctls = [
    ["p50", 50],
    ["p90", 90],
    ["p99", 99],
  ] as const;
  const latencySeries = (k: string, name: string): Series => ({
    name,
    points: pctls.map(([p, x]) => [x, (lat(k)[p] ?? Number.NaN) * 1000] as const),
  });
  const slo = (r.slo ?? {}) as Record<string, number>;
  const shares = (r.timeShares ?? {}) as Record<string, Record<string, number>>;
  const out = [
    `<section class="serving-run"><h2>Serving run: ${esc(String(r.scenario ?? file))}</h2>`,
    `<p class="note">From ${esc(file)} (seed ${esc(String(r.seed))}, ${fmt(numOf(r, "cards"))} cards, ${fmt(numOf(r, "instances"))} instances); verdict: ${esc(String(r.verdict ?? ""))}.</p>`,
    table(
      ["metric", "value"],
      [
        [{ text: "requests/s" }, cell(r, "requestsPerSecond", (v) => fmt(v))],
        [{ text: "output tokens/s" }, cell(r, "outputTokensPerSecond", (v) => fmt(v))],
        [{ text: "output tokens/s per card" }, cell(r, "outputTokensPerSecondPerCard", (v) => fmt(v))],
        [{ text: "SLO ratio (<= 1 meets both)" }, cell(r, "sloRatio", (v) => fmt(v))],
        [{ text: "SLO attainment" }, cell(r, "sloAttainment", pctText)],
        [{ text: "mean batch (sequences)" }, cell(r, "meanBatchSize", (v) => fmt(v))],
      ],
    ),
    lineChart({
      title: "Time to first token by percentile",
      xLabel: "percentile of requests",
      yLabel: "TTFT (ms)",
      series: [latencySeries("ttftSeconds", "TTFT")],
      ...(slo.ttftS !== undefined ? { reference: { y: slo.ttftS * 1000, label: `SLO p${slo.percentile}` } } : {}),
    }),
    lineChart({
      title: "Time per output token by percentile",
      xLabel: "percentile of requests",
      yLabel: "TPOT (ms)",
      series: [latencySeries("tpotSeconds", "TPOT")],
      ...(slo.tpotS !== undefined ? { reference: { y: slo.tpotS * 1000, label: `SLO p${slo.percentile}` } } : {}),
    }),
  ];
  for (const [pool, s] of Object.entries(shares)) {
    out.push(
      barChart({
        title: `Where the ${pool === "all" ? "iteration" : `${pool} iteration`} time goes`,
        xLabel: "share of iteration time",
        yLabel: "part",
        bars: Object.entries(s)
          .filter(([, v]) => v > 0)
          .map(([label, value]) => ({ label, value })),
      }),
    );
  }
  out.push("</section>");
  return out.join("\n");
}

/** `clustersim scale --json`: rows of a training or serving scaling series. */
export function scaleSection(file: string, rows: readonly Json[]): string {
  const ok = rows.filter((r) => r.ok === true);
  const serving = ok.some((r) => "outputTokensPerSecond" in r);
  const perCard = serving ? "outputTokensPerSecondPerCard" : "tokensPerSecondPerCard";
  const out = [
    `<section class="scale"><h2>Scaling: ${esc(file)}</h2>`,
    lineChart({
      title: "Throughput per card against cluster size",
      xLabel: "cards",
      yLabel: serving ? "output tokens/s per card" : "tokens/s per card",
      series: [{ name: "per card", points: ok.map((r) => [numOf(r, "cards"), numOf(r, perCard)] as const) }],
      logX: true,
    }),
    lineChart({
      title: "Scaling efficiency against cluster size",
      xLabel: "cards",
      yLabel: "scaling efficiency (1 = linear)",
      series: [
        { name: "efficiency", points: ok.map((r) => [numOf(r, "cards"), numOf(r, "scalingEfficiency")] as const) },
      ],
      reference: { y: 1, label: "linear" },
      logX: true,
    }),
  ];
  const last = ok[ok.length - 1];
  const loss = (last?.lossContributions ?? {}) as Record<string, number>;
  const lossBars = Object.entries(loss)
    .filter(([, v]) => v > 1e-9)
    .map(([label, value]) => ({ label, value: value * 100 }));
  if (last && lossBars.length > 0) {
    out.push(
      waterfallChart({
        title: `From linear scaling to ${pctText(numOf(last, "scalingEfficiency"))} at ${fmt(numOf(last, "cards"))} cards: the loss by category`,
        xLabel: "scaling efficiency (%)",
        yLabel: "step",
        start: { label: "linear", value: 100 },
        steps: Object.entries(loss)
          .filter(([, v]) => Math.abs(v) > 1e-9)
          .map(([label, value]) => ({ label, value: value * 100 })),
        endLabel: "efficiency",
      }),
    );
  }
  out.push(
    table(
      ["cards", serving ? "output tokens/s" : "tokens/s", "per card", "scaling efficiency", "note"],
      rows.map((r) =>
        r.ok === true
          ? [
              cell(r, "cards", (v) => fmt(v)),
              cell(r, serving ? "outputTokensPerSecond" : "tokensPerSecond", (v) => fmt(v)),
              cell(r, perCard, (v) => fmt(v)),
              cell(r, "scalingEfficiency", pctText),
              { text: "" },
            ]
          : [
              cell(r, "cards", (v) => fmt(v)),
              { text: "" },
              { text: "" },
              { text: "" },
              { text: String(r.reason ?? "") },
            ],
      ),
    ),
    "</section>",
  );
  return out.join("\n");
}

/** `clustersim check --json`: per claim, the verdict table. */
export function checkSection(file: string, report: Json): string {
  const claims = (report.claims ?? []) as Json[];
  const out = [`<section class="check"><h2>Claims: ${esc(file)}</h2>`];
  for (const c of claims) {
    const bound = (c.bound ?? {}) as Json;
    const outcomes = (c.outcomes ?? []) as Json[];
    out.push(
      `<h3>${esc(String(c.statement ?? c.file))}</h3>`,
      `<p class="note">${esc(String(c.file))}: ${esc(String(bound.metric))} ${esc(String(bound.op))} ${esc(String(bound.value))}</p>`,
      table(
        ["variant", String(bound.metric ?? "value"), "verdict", "margin", "note"],
        outcomes.map((o) => {
          const value = ((o.value ?? {}) as Json).mean as number | undefined;
          const verdict = o.ok === true ? (o.holds === true ? "holds" : o.required ? "FAILS" : "fails") : "error";
          return [
            { text: String(o.name) },
            { text: fmt(value ?? Number.NaN), ...(value !== undefined ? { value } : {}), key: "value.mean" },
            { text: verdict },
            {
              text: typeof o.margin === "number" ? fmt(o.margin as number) : "",
              ...(typeof o.margin === "number" ? { value: o.margin as number } : {}),
              key: "margin",
            },
            { text: String(o.reason ?? o.note ?? "") },
          ];
        }),
      ),
    );
    const okOutcomes = outcomes.filter((o) => o.ok === true);
    if (okOutcomes.length > 0) {
      out.push(
        barChart({
          title: `${String(bound.metric)} by variant (bound ${String(bound.op)} ${String(bound.value)})`,
          xLabel: String(bound.metric),
          yLabel: "variant",
          bars: okOutcomes.map((o) => ({ label: String(o.name), value: ((o.value ?? {}) as Json).mean as number })),
        }),
      );
    }
    // Where the failing cases lose: their loss contributions (efficiency) or time shares, largest first.
    for (const o of okOutcomes.filter((x) => x.holds !== true).slice(0, 3)) {
      const loss = Object.entries((o.loss ?? {}) as Record<string, number>)
        .filter(([, v]) => v > 1e-9)
        .sort((a, b) => b[1] - a[1]);
      if (loss.length === 0) continue;
      const efficiency = o.lossKind === "efficiency-loss";
      out.push(
        efficiency
          ? waterfallChart({
              title: `${String(o.name)} fails: from linear scaling to its efficiency, the loss by category`,
              xLabel: "scaling efficiency (%)",
              yLabel: "step",
              start: { label: "linear", value: 100 },
              steps: loss.map(([label, v]) => ({ label, value: v * 100 })),
              endLabel: String(o.name),
            })
          : barChart({
              title: `${String(o.name)} fails: where its time goes`,
              xLabel: "share of step time (%)",
              yLabel: "category",
              bars: loss.map(([label, v]) => ({ label, value: v * 100 })),
            }),
      );
    }
    const solve = c.solve as Json | undefined;
    if (solve) {
      const probes = ((solve.probes ?? []) as Json[]).filter((p) => typeof p.metric === "number");
      out.push(`<p class="note">Breaking point: ${esc(String(solve.summary ?? ""))}</p>`);
      if (probes.length > 1) {
        out.push(
          lineChart({
            title: `${String(bound.metric)} against ${String(solve.field)} (solve probes)`,
            xLabel: String(solve.field),
            yLabel: String(bound.metric),
            series: [{ name: "probes", points: probes.map((p) => [p.value as number, p.metric as number] as const) }],
            ...(typeof bound.value === "number" && bound.relative !== true
              ? { reference: { y: bound.value as number, label: "bound" } }
              : {}),
          }),
        );
      }
    }
    const sens = (((c.sensitivity ?? {}) as Json).rows ?? []) as Json[];
    if (sens.length > 0) {
      out.push(
        tornadoChart({
          title: `Sensitivity: ${String(bound.metric)} for ±10% of each field (ranked by swing)`,
          xLabel: String(bound.metric),
          yLabel: "field (variant: field)",
          rows: sens.map((r) => ({
            label: `${String(r.context)}: ${String(r.field)}`,
            center: r.metricCenter as number,
            ...(typeof r.metricLow === "number" ? { low: r.metricLow } : {}),
            ...(typeof r.metricHigh === "number" ? { high: r.metricHigh } : {}),
          })),
          ...(typeof bound.value === "number" && bound.relative !== true ? { bound: bound.value } : {}),
        }),
        table(
          ["context: field", "center", `${String(bound.metric)} at -10%`, "at center", "at +10%", "swing"],
          sens.map((r) => [
            { text: `${String(r.context)}: ${String(r.field)}` },
            cell(r, "center", (v) => fmt(v)),
            cell(r, "metricLow", (v) => fmt(v)),
            cell(r, "metricCenter", (v) => fmt(v)),
            cell(r, "metricHigh", (v) => fmt(v)),
            cell(r, "swing", (v) => fmt(v)),
          ]),
        ),
      );
    }
  }
  out.push("</section>");
  return out.join("\n");
}

/** A sweep's results CSV: a chart of a metric over the sweep's axes and a sortable table of every row. */
export function sweepSection(file: string, header: readonly string[], rows: readonly string[][]): string {
  const col = (name: string) => header.indexOf(name);
  const first = col("steps") >= 0 ? col("steps") + 1 : col("seed") + 1;
  const okAt = col("ok");
  const axes = okAt > first ? header.slice(first, okAt) : [];
  const metric = ["tokensPerSecond", "outputTokensPerSecond", "stepTimeSeconds", "sloRatio"].find((m) => col(m) >= 0);
  const good = rows.filter((r) => okAt < 0 || r[okAt] === "true" || r[okAt] === "1");
  const numericAxes = axes.filter((a) => good.every((r) => Number.isFinite(Number(r[col(a)]))));
  const varied = numericAxes.filter((a) => new Set(good.map((r) => r[col(a)])).size > 1);
  const out = [
    `<section class="sweep"><h2>Sweep: ${esc(file)}</h2>`,
    `<p class="note">${rows.length} rows (${good.length} ran); axes: ${esc(axes.join(", ") || "none")}.</p>`,
  ];
  const overAxes = (name: string, reference?: { y: number; label: string }) => {
    const m = col(name);
    const [a, b] = [varied[0] as string, varied[1]];
    if (varied.length > 2) {
      return scatterChart({
        title: `${name} against ${a}, coloured by ${b}`,
        xLabel: a,
        yLabel: name,
        points: good.map((r) => ({ x: Number(r[col(a)]), y: Number(r[m]), group: `${b} = ${r[col(b as string)]}` })),
      });
    }
    const groups = new Map<string, [number, number][]>();
    for (const r of good) {
      const g = b ? `${b} = ${r[col(b)]}` : name;
      const list = groups.get(g) ?? [];
      list.push([Number(r[col(a)]), Number(r[m])]);
      groups.set(g, list);
    }
    const series = [...groups].map(([gname, pts]) => {
      // Mean over rows that share the axis value (seeds, other non-numeric axes).
      const by = new Map<number, number[]>();
      for (const [x, y] of pts) by.set(x, [...(by.get(x) ?? []), y]);
      const points = [...by]
        .sort((p, q) => p[0] - q[0])
        .map(([x, ys]) => [x, ys.reduce((t, v) => t + v, 0) / ys.length] as const);
      return { name: gname, points };
    });
    return lineChart({
      title: `${name} over ${a}`,
      xLabel: a,
      yLabel: name,
      series,
      logX: true,
      ...(reference ? { reference } : {}),
    });
  };
  if (metric && varied.length >= 1) {
    out.push(overAxes(metric));
    // Serving sweeps: the SLO ratio with its limit (<= 1 meets both SLOs at their percentile).
    if (metric !== "sloRatio" && col("sloRatio") >= 0) out.push(overAxes("sloRatio", { y: 1, label: "SLO met below" }));
  }
  out.push(
    table(
      header,
      rows.map((r) =>
        r.map((v, i) => {
          const n = Number(v);
          return v !== "" && Number.isFinite(n)
            ? { text: fmt(n), value: n, key: header[i] as string }
            : { text: v, key: header[i] as string };
        }),
      ),
      "click a column header to sort",
    ),
    "</section>",
  );
  return out.join("\n");
}

/** Empirical CDF points of `values` (ascending), at most `max` of them. */
function cdf(values: number[], max = 400): [number, number][] {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(v.length / max));
  const pts: [number, number][] = [];
  for (let i = 0; i < v.length; i += step) pts.push([v[i] as number, (i + 1) / v.length]);
  if (v.length > 0 && pts[pts.length - 1]?.[1] !== 1) pts.push([v[v.length - 1] as number, 1]);
  return pts;
}

/** `run --requests-csv` of a serving run: the TTFT and TPOT distributions (CDFs) over the measured requests. */
export function requestsSection(file: string, header: readonly string[], rows: readonly string[][]): string {
  const at = (name: string) => header.indexOf(name);
  const [a, ft, f, out] = [at("arrival_s"), at("first_token_s"), at("finish_s"), at("output_tokens")];
  const ttftMs = rows.map((r) => (Number(r[ft]) - Number(r[a])) * 1000);
  const tpotMs = rows
    .filter((r) => Number(r[out]) > 1)
    .map((r) => ((Number(r[f]) - Number(r[ft])) / (Number(r[out]) - 1)) * 1000);
  return [
    `<section class="requests"><h2>Requests: ${esc(file)}</h2>`,
    `<p class="note">${rows.length} measured requests (TPOT: the ${tpotMs.length} with more than one output token).</p>`,
    lineChart({
      title: "Time to first token, distribution",
      xLabel: "TTFT (ms)",
      yLabel: "fraction of requests",
      series: [{ name: "TTFT", points: cdf(ttftMs) }],
    }),
    lineChart({
      title: "Time per output token, distribution",
      xLabel: "TPOT (ms)",
      yLabel: "fraction of requests",
      series: [{ name: "TPOT", points: cdf(tpotMs) }],
    }),
    "</section>",
  ].join("\n");
}
