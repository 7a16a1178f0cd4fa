import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../../src/engine/index.js";
import { InputError } from "../../../src/input/issues.js";
import { runScenario } from "../../../src/scenario/run.js";
import { rateCurveArrivals, readRateCurve } from "../../../src/workload/serving/rate-curve.js";
import { runCli } from "../../helpers/run-cli.js";

/** Time-varying load (issue 15 item 3, first part): Poisson arrivals with a piecewise-constant rate from a CSV. */
const dir = mkdtempSync(join(tmpdir(), "clustersim-rate-curve-"));
const curveFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const errorOf = (file: string): InputError => {
  try {
    readRateCurve(file);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError");
};

describe("rate-curve arrivals", () => {
  it("each segment gets λ·T arrivals (within 4 Poisson standard deviations); none where the rate is 0", () => {
    const curve = readRateCurve(curveFile("c.csv", "time_s,rate_per_s\n0,1000\n10,100\n20,0\n30,500\n"));
    const next = rateCurveArrivals(curve, new RandomStreams(7).stream("traffic/arrivals"));
    const counts = [0, 0, 0, 0];
    for (;;) {
      const t = next();
      if (t >= 40) break;
      counts[Math.floor(t / 10)] = (counts[Math.floor(t / 10)] as number) + 1;
    }
    const expected = [10_000, 1_000, 0, 5_000];
    counts.forEach((c, k) => {
      const mean = expected[k] as number;
      expect(Math.abs(c - mean)).toBeLessThanOrEqual(4 * Math.sqrt(mean));
    });
    expect(counts[2]).toBe(0);
  });

  it("ends when the last rate is 0", () => {
    const curve = readRateCurve(curveFile("end.csv", "time_s,rate_per_s\n0,50\n2,0\n"));
    const next = rateCurveArrivals(curve, new RandomStreams(1).stream("a"));
    let n = 0;
    while (Number.isFinite(next())) n++;
    expect(Math.abs(n - 100)).toBeLessThanOrEqual(40);
  });

  it("a shipped-style scenario: the run measures the curve's requests, the same for the same seed", () => {
    const spec = { scenarioPath: "test/fixtures/serving-pd/tiny-rate-curve.yaml", sets: [], seed: 3, steps: 1 };
    const a = runScenario(spec);
    const b = runScenario(spec);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    // 2/s for 10 s, 20/s for 10 s, 2/s for 10 s, then 0: 240 expected.
    expect(Math.abs((a.metrics.requests as number) - 240)).toBeLessThanOrEqual(4 * Math.sqrt(240));
    expect(a.metrics).toEqual(b.metrics);
  });

  it("bad rows are issues at file:line:column naming the column", () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        "neg.csv",
        "time_s,rate_per_s\n0,5\n10,-1\n",
        /neg\.csv:3:4: rate_per_s: expected a rate >= 0 requests per second, found -1/,
      ],
      [
        "order.csv",
        "time_s,rate_per_s\n0,5\n10,1\n5,2\n",
        /order\.csv:4:1: time_s: expected a time after the previous row's 10 s \(line 3\), found 5/,
      ],
      ["first.csv", "time_s,rate_per_s\n3,5\n", /first\.csv:2:1: time_s: expected 0 on the first row, found 3/],
      [
        "cols.csv",
        "time,rate_per_s\n0,5\n",
        /cols\.csv:1:1: time_s: expected a header column time_s, found the columns time, rate_per_s/,
      ],
      [
        "text.csv",
        "time_s,rate_per_s\n0,fast\n",
        /text\.csv:2:3: rate_per_s: expected a rate in requests per second, found "fast"/,
      ],
      [
        "zero.csv",
        "time_s,rate_per_s\n0,0\n",
        /zero\.csv: expected a rate above 0 on at least one row, found every rate 0/,
      ],
      [
        "dup.csv",
        "time_s,rate_per_s,time_s\n0,5,1\n",
        /dup\.csv:1:19: time_s: expected one column time_s, found a second one \(cell 3\)/,
      ],
      [
        "extra.csv",
        "time_s,rate_per_s\n0,5,7\n",
        /extra\.csv:2:5: expected 2 cells as in the header, found 3 \(an extra cell\)/,
      ],
      ["empty.csv", "", /empty\.csv: expected a header line with the columns time_s, rate_per_s, found an empty file/],
    ];
    for (const [name, text, message] of cases) expect(errorOf(curveFile(name, text)).message).toMatch(message);
  });

  it("the CLI: a bad curve is exit 1, one line per issue, no stack trace", () => {
    const file = curveFile("cli.csv", "time_s,rate_per_s\n0,5\n1,-2\n");
    const r = runCli([
      "run",
      "test/fixtures/serving-pd/tiny-rate-curve.yaml",
      "--set",
      `serving.traffic.rateCurveFile=${file}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cli\.csv:3:3: rate_per_s: expected a rate >= 0 requests per second, found -2/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
