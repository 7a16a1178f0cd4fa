import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../src/claims/check.js";
import { growingProgress } from "../../src/cli/count-progress.js";

/** A writable that says it is a terminal and keeps what is written. */
function fakeTerminal(): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY: true, columns: 100, text: () => chunks.join("") });
  return w;
}

describe("progress of runs whose total grows (check, scale, --solve)", () => {
  it("on a terminal: a bar whose total grows with each planned batch and ends at done = total", () => {
    const tty = fakeTerminal();
    const p = growingProgress("check", "run", tty);
    p.add(2);
    p.done();
    p.add(3);
    for (let i = 0; i < 4; i++) p.done();
    p.stop();
    const text = tty.text();
    expect(text).toContain("check [");
    expect(text).toContain("5/5 runs");
  });

  it("on a pipe or in CI: nothing at all", () => {
    const pipe = fakeTerminal();
    Object.assign(pipe, { isTTY: false });
    const p = growingProgress("scale", "run", pipe);
    p.add(3);
    p.done();
    p.stop();
    expect(pipe.text()).toBe("");
  });

  it("check reports every run it plans and finishes", async () => {
    let planned = 0;
    let finished = 0;
    await runCheck({
      paths: ["test/claims/fixtures/holds.yaml"],
      tolerance: 0.02,
      steps: 1,
      seed: 1,
      threads: 1,
      progress: { add: (n) => (planned += n), done: () => finished++ },
    });
    expect(planned).toBeGreaterThan(0);
    expect(finished).toBe(planned);
  });
});
