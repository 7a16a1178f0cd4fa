/**
 * Issue 13, item 1: every file read is bounded and typed. FIFOs, devices,
 * sockets, directories and files over the size cap are refused by name before
 * anything opens them: exit 1, one short message naming the file and what it
 * is, no stack trace, and quickly (a FIFO opened for reading or writing would
 * block, /dev/zero would be read without end).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineFileName } from "../../src/claims/baseline.js";
import {
  checkWriteTarget,
  MAX_INPUT_BYTES,
  MAX_RESULTS_BYTES,
  openAppendRegular,
  readBounded,
} from "../../src/input/read-bounded.js";
import { readInputFile } from "../../src/input/read-file.js";
import { readResults } from "../../src/sweep/results-file.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/clustersim.mjs");
const FIXTURES = join(ROOT, "test/fixtures/sweep");
const SMALL = "test/fixtures/sweep/small.yaml";
const RUNNER_ENV = { CLUSTERSIM_SWEEP_RUNNER: `${join(FIXTURES, "runner.ts")}#runFixture` };
/** A CLI call that takes longer than this is a hang: killed (SIGKILL: a blocked open ignores SIGTERM) and failed. */
const HANG_MS = 10_000;
const TEST_MS = 15_000;
const HAS_DEV_ZERO = process.platform === "linux";

function cli(args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: HANG_MS,
    killSignal: "SIGKILL",
    env: { ...process.env, ...RUNNER_ENV },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Exit 1, quickly, one or two stderr lines naming the file and the kind found, no stack trace. */
function expectRefused(r: ReturnType<typeof cli>, file: string, found: string | RegExp): void {
  expect(r.signal, `killed after ${r.ms} ms (a hang)`).toBeNull();
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(r.stderr).toContain(file);
  if (typeof found === "string") expect(r.stderr).toContain(found);
  else expect(r.stderr).toMatch(found);
}

let dir: string;
let fifo: string;
let socketPath: string;
let server: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "clustersim-reads-"));
  fifo = join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);
  socketPath = join(dir, "sock");
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("the reader (in process; nothing here can block)", () => {
  it("refuses each non-regular kind by name without opening it", () => {
    const cases: Array<[string, string]> = [
      [fifo, "a FIFO (named pipe)"],
      [dir, "a directory"],
      [socketPath, "a socket"],
      [join(dir, "missing"), "no such file"],
      ...(HAS_DEV_ZERO ? ([["/dev/zero", "a character device"]] as Array<[string, string]>) : []),
    ];
    for (const [file, found] of cases) {
      const r = readBounded(file, { maxBytes: 100, expected: "a test file" });
      expect("refusal" in r && r.refusal).toMatchObject({ file, expected: "a test file", found });
    }
  });

  it("a symlink to a device or FIFO is that device or FIFO", () => {
    const link = join(dir, "link-to-pipe");
    symlinkSync(fifo, link);
    const r = readBounded(link, { maxBytes: 100, expected: "a test file" });
    expect("refusal" in r && r.refusal.found).toBe("a FIFO (named pipe)");
    if (HAS_DEV_ZERO) {
      const z = join(dir, "link-to-zero");
      symlinkSync("/dev/zero", z);
      const rz = readBounded(z, { maxBytes: 100, expected: "a test file" });
      expect("refusal" in rz && rz.refusal.found).toBe("a character device");
    }
  });

  it("reads a regular file whole; caps the size (a sparse file over the cap is refused unread)", () => {
    const ok = join(dir, "ok.txt");
    writeFileSync(ok, "hello\n");
    const r = readBounded(ok, { maxBytes: 6, expected: "a test file" });
    expect("bytes" in r && r.bytes.toString()).toBe("hello\n");
    const over = readBounded(ok, { maxBytes: 5, expected: "a test file" });
    expect("refusal" in over && over.refusal.found).toBe("6 bytes");

    const big = join(dir, "big.yaml");
    writeFileSync(big, "");
    truncateSync(big, MAX_INPUT_BYTES + 1);
    const t0 = Date.now();
    const issue = readInputFile(big);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect("issue" in issue && issue.issue.message).toBe(
      `expected a file of at most ${MAX_INPUT_BYTES} bytes, found ${MAX_INPUT_BYTES + 1} bytes`,
    );
    rmSync(big);
  });

  it("checkWriteTarget: missing or regular is fine; FIFO, directory, socket are refused", () => {
    expect(checkWriteTarget(join(dir, "new.csv"), "a results CSV file")).toBeUndefined();
    writeFileSync(join(dir, "old.csv"), "");
    expect(checkWriteTarget(join(dir, "old.csv"), "a results CSV file")).toBeUndefined();
    expect(checkWriteTarget(fifo, "a results CSV file")?.found).toBe("a FIFO (named pipe)");
    expect(checkWriteTarget(dir, "a results CSV file")?.found).toBe("a directory");
    expect(checkWriteTarget(socketPath, "a results CSV file")?.found).toBe("a socket");
  });

  it("openAppendRegular never blocks on a FIFO (O_NONBLOCK) and opens a regular file", () => {
    const r = openAppendRegular(fifo, "a results CSV file");
    expect("refusal" in r && r.refusal.found).toBe("a FIFO (named pipe)");
    const file = join(dir, "append.csv");
    writeFileSync(file, "a\n");
    const ok = openAppendRegular(file, "a results CSV file");
    expect("fd" in ok).toBe(true);
    if ("fd" in ok) closeSync(ok.fd);
  });

  it("readResults: a results file over MAX_RESULTS_BYTES is a UserError, not read", () => {
    const big = join(dir, "big.csv");
    closeSync(openSync(big, "w"));
    truncateSync(big, MAX_RESULTS_BYTES + 1);
    expect(() => readResults(big)).toThrow(
      `${big}: expected a file of at most ${MAX_RESULTS_BYTES} bytes, found ${MAX_RESULTS_BYTES + 1} bytes`,
    );
    rmSync(big);
  });
});

describe("through the CLI: exit 1, one line naming the file and its kind, no hang", () => {
  it("a FIFO as the sweep file", { timeout: TEST_MS }, () => {
    expectRefused(cli(["sweep", fifo, "--dry-run"]), fifo, "expected a YAML or JSON file, found a FIFO");
  });

  it("a FIFO as the scenario input of run and validate", { timeout: 2 * TEST_MS }, () => {
    const sub = join(dir, "scenario-fifo");
    mkdirSync(sub);
    const scenario = join(sub, "scenario.yaml");
    execFileSync("mkfifo", [scenario]);
    expectRefused(cli(["run", scenario]), scenario, "expected a YAML or JSON file, found a FIFO");
    expectRefused(cli(["validate", scenario]), scenario, "found a FIFO");
  });

  it("a directory as the scenario input", { timeout: TEST_MS }, () => {
    expectRefused(cli(["run", dir]), dir, "found a directory");
  });

  it("a FIFO as --out, without and with --resume", { timeout: 2 * TEST_MS }, () => {
    expectRefused(cli(["sweep", SMALL, "--out", fifo, "--workers", "1"]), fifo, "found a FIFO");
    expectRefused(cli(["sweep", SMALL, "--out", fifo, "--resume", "--workers", "1"]), fifo, "found a FIFO");
  });

  it("a symlink to a FIFO as --out --resume", { timeout: TEST_MS }, () => {
    const link = join(dir, "out-link.csv");
    symlinkSync(fifo, link);
    expectRefused(cli(["sweep", SMALL, "--out", link, "--resume", "--workers", "1"]), link, "found a FIFO");
  });

  it.runIf(HAS_DEV_ZERO)("/dev/zero as --out --resume", { timeout: TEST_MS }, () => {
    expectRefused(
      cli(["sweep", SMALL, "--out", "/dev/zero", "--resume", "--workers", "1"]),
      "/dev/zero",
      "found a character device",
    );
  });

  it("a directory as --out --resume", { timeout: TEST_MS }, () => {
    expectRefused(cli(["sweep", SMALL, "--out", dir, "--resume", "--workers", "1"]), dir, "found a directory");
  });

  it("a FIFO, a socket and a directory as merge inputs; a FIFO as merge --out", { timeout: 4 * TEST_MS }, () => {
    const out = join(dir, "merged.csv");
    expectRefused(cli(["merge", fifo, "--out", out]), fifo, "expected a results CSV file, found a FIFO");
    expectRefused(cli(["merge", socketPath, "--out", out]), socketPath, "found a socket");
    expectRefused(cli(["merge", dir, "--out", out]), dir, "found a directory");
    const input = join(dir, "input.csv");
    writeFileSync(input, "point_id,point_index\n");
    expectRefused(cli(["merge", input, "--out", fifo]), fifo, "found a FIFO");
  });

  it.runIf(HAS_DEV_ZERO)("/dev/zero as a merge input", { timeout: TEST_MS }, () => {
    expectRefused(cli(["merge", "/dev/zero", "--out", join(dir, "m.csv")]), "/dev/zero", "found a character device");
  });

  it("a results file over the cap as a merge input (a sparse file, refused unread)", { timeout: TEST_MS }, () => {
    const big = join(dir, "huge.csv");
    closeSync(openSync(big, "w"));
    truncateSync(big, MAX_RESULTS_BYTES + 1);
    try {
      expectRefused(
        cli(["merge", big, "--out", join(dir, "m2.csv")]),
        big,
        `expected a file of at most ${MAX_RESULTS_BYTES} bytes`,
      );
    } finally {
      rmSync(big);
    }
  });

  it("an input over the cap (a sparse sweep file)", { timeout: TEST_MS }, () => {
    const big = join(dir, "huge.yaml");
    closeSync(openSync(big, "w"));
    truncateSync(big, MAX_INPUT_BYTES + 1);
    expectRefused(cli(["sweep", big, "--dry-run"]), big, `expected a file of at most ${MAX_INPUT_BYTES} bytes`);
  });

  it("a FIFO and a symlink to /dev/zero as a stored baseline", { timeout: 2 * TEST_MS }, () => {
    const scenario = "test/claims/fixtures/tiny.yaml";
    const baselines = join(dir, "baselines");
    mkdirSync(baselines);
    const stored = join(baselines, baselineFileName(scenario));
    execFileSync("mkfifo", [stored]);
    expectRefused(
      cli(["check", "--baseline", baselines, scenario, "--threads", "1"]),
      stored,
      "expected a baseline JSON file, found a FIFO",
    );
    if (HAS_DEV_ZERO) {
      rmSync(stored);
      symlinkSync("/dev/zero", stored);
      expectRefused(
        cli(["check", "--baseline", baselines, scenario, "--threads", "1"]),
        stored,
        "found a character device",
      );
    }
  });

  it("a FIFO as a request trace", { timeout: TEST_MS }, () => {
    const sub = join(dir, "trace-fifo");
    mkdirSync(sub);
    const trace = join(sub, "requests.csv");
    execFileSync("mkfifo", [trace]);
    // The shipped bad-trace scenario, with its paths made absolute and its trace a FIFO.
    const scenario = readFileSync(join(ROOT, "test/fixtures/serving-mech/bad-trace.yaml"), "utf8")
      .replaceAll("../../../", ROOT)
      .replace("traceFile: bad-trace-missing-column.csv", "traceFile: requests.csv");
    writeFileSync(join(sub, "scenario.yaml"), scenario);
    expectRefused(cli(["run", join(sub, "scenario.yaml")]), trace, "expected a CSV request trace file, found a FIFO");
  });
});
