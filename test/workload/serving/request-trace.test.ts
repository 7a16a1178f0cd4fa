import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/input/issues.js";
import { readRequestTrace } from "../../../src/workload/serving/request-trace.js";

const dir = mkdtempSync(join(tmpdir(), "clustersim-request-trace-"));
const HEADER = "arrival_s,input_tokens,output_tokens\n";

function traceFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The InputError's message (every issue, one per line) of reading `text` as a trace. */
function errorOf(name: string, text: string, maxContextTokens = 4096): { file: string; error: InputError } {
  const file = traceFile(name, text);
  try {
    readRequestTrace(file, maxContextTokens);
  } catch (error) {
    if (error instanceof InputError) return { file, error };
    throw error;
  }
  throw new Error(`${name}: expected an InputError`);
}

describe("readRequestTrace", () => {
  it("reads the three columns in any order, ignoring extra columns, comments, blanks and spaces", () => {
    const file = traceFile(
      "good.csv",
      [
        "# exported from the gateway",
        "request_id, output_tokens , arrival_s,input_tokens,prompt",
        "a, 5, 0, 10, hello",
        "",
        'b,6,0.25,20,"with, a comma and ""quotes"""',
        "  # another comment",
        "c, 7 ,0.25, 30 ,x\r",
        "d,8,1e1,40,",
      ].join("\n"),
    );
    const t = readRequestTrace(file, 4096);
    expect(t.count).toBe(4);
    expect(Array.from(t.arrivalS)).toEqual([0, 0.25, 0.25, 10]);
    expect(Array.from(t.inputTokens)).toEqual([10, 20, 30, 40]);
    expect(Array.from(t.outputTokens)).toEqual([5, 6, 7, 8]);
    expect(t.arrivalS.length).toBe(4);
  });

  it("clips an output to the context left by the input", () => {
    const t = readRequestTrace(traceFile("clip.csv", `${HEADER}0,1000,5000\n1,4095,1\n`), 4096);
    expect(Array.from(t.outputTokens)).toEqual([3096, 1]);
  });

  it("a row missing a cell: file:line:column just past the row's end", () => {
    const { file, error } = errorOf("short.csv", `${HEADER}0,10,5\n1,20\n`);
    expect(error.message).toBe(
      `${file}:3:5: output_tokens: expected 3 cells as in the header, found 2 (missing column output_tokens)`,
    );
    expect(error.issues[0]).toMatchObject({
      line: 3,
      column: 5,
      path: "output_tokens",
      found: "2 (missing column output_tokens)",
    });
  });

  it("a row with an extra cell (a shifted or merged row): file:line:column of the first extra cell", () => {
    const { file, error } = errorOf("long.csv", `${HEADER}0,10,5\n1,20,6,7\n`);
    expect(error.message).toBe(`${file}:3:8: expected 3 cells as in the header, found 4 (an extra cell)`);
  });

  it("a non-numeric arrival: the column where the (trimmed) cell starts", () => {
    const { file, error } = errorOf("nonnum.csv", "arrival_s , input_tokens,output_tokens\n abc ,10,5\n");
    expect(error.message).toBe(
      `${file}:2:2: arrival_s: expected an arrival time in seconds (a number >= 0), found "abc"`,
    );
  });

  it("a negative, a fractional and an empty token count, all listed", () => {
    const { file, error } = errorOf(
      "neg.csv",
      "input_tokens,arrival_s,output_tokens,note\n10,0,5,x\n12,1,-3,y\n2.5,2,,z\n",
    );
    expect(error.message).toBe(
      [
        `${file}:3:6: output_tokens: expected an integer token count >= 1, found -3`,
        `${file}:4:1: input_tokens: expected an integer token count >= 1, found 2.5`,
        `${file}:4:7: output_tokens: expected an integer token count >= 1, found an empty cell`,
      ].join("\n"),
    );
  });

  it("negative and infinite arrivals", () => {
    const { file, error } = errorOf("arrivals.csv", `${HEADER}-1,1,1\n1e999,1,1\nNaN,1,1\n`);
    expect(error.message).toBe(
      [
        `${file}:2:1: arrival_s: expected an arrival time >= 0 s, found -1`,
        `${file}:3:1: arrival_s: expected an arrival time in seconds (a number >= 0), found 1e999 (not finite)`,
        `${file}:4:1: arrival_s: expected an arrival time in seconds (a number >= 0), found "NaN"`,
      ].join("\n"),
    );
  });

  it("arrivals going backwards", () => {
    const { file, error } = errorOf("back.csv", `# comment\n${HEADER}\n5,10,5\n3,10,5\n`);
    expect(error.message).toBe(
      `${file}:5:1: arrival_s: expected a non-decreasing arrival time (>= 5 on line 4), found 3`,
    );
  });

  it("a missing header column", () => {
    const { file, error } = errorOf("header.csv", "arrival,input_tokens,output_tokens\n0,1,1\n");
    expect(error.message).toBe(
      `${file}:1:1: arrival_s: expected a header column arrival_s, found the columns arrival, input_tokens, output_tokens`,
    );
  });

  it("an input longer than the context allows", () => {
    const { file, error } = errorOf("ctx.csv", `${HEADER}0,5000,5\n`);
    expect(error.message).toBe(
      `${file}:2:3: input_tokens: expected at most 4095 input tokens (maxContextTokens 4096 leaves room for 1 output token), found 5000`,
    );
  });

  it("an empty trace", () => {
    const rows = errorOf("no-rows.csv", `${HEADER}# nothing yet\n\n`);
    expect(rows.error.message).toBe(`${rows.file}: expected at least one request row after the header, found none`);
    const empty = errorOf("empty.csv", "");
    expect(empty.error.message).toBe(
      `${empty.file}:1:1: expected a header line with the columns arrival_s, input_tokens, output_tokens, found an empty file`,
    );
  });

  it("an unterminated quote", () => {
    const { file, error } = errorOf("quote.csv", 'arrival_s,prompt,input_tokens,output_tokens\n0,"abc,3,4\n');
    expect(error.message).toBe(`${file}:2:3: expected a closing quote, found the end of the line`);
  });

  it("lists the first 20 issues and counts the rest", () => {
    const { file, error } = errorOf("many.csv", HEADER + "x,1,1\n".repeat(30));
    expect(error.issues).toHaveLength(21);
    expect(error.issues[19]).toMatchObject({ line: 21, column: 1, path: "arrival_s" });
    expect(error.message.split("\n").at(-1)).toBe(`${file}: 10 more issues not listed (only the first 20 are)`);
  });

  it("a directory, a missing file and a binary file are InputErrors", () => {
    expect(() => readRequestTrace(dir, 4096)).toThrow(
      new InputError([
        {
          file: dir,
          line: 0,
          column: 0,
          path: "",
          expected: "a CSV request trace file",
          found: "a directory",
          message: "expected a CSV request trace file, found a directory",
        },
      ]),
    );
    expect(() => readRequestTrace(dir, 4096)).toThrow(`${dir}: expected a CSV request trace file, found a directory`);
    const missing = join(dir, "nope.csv");
    expect(() => readRequestTrace(missing, 4096)).toThrow(
      `${missing}: expected a CSV request trace file, found no such file`,
    );
    const binary = join(dir, "binary.csv");
    writeFileSync(binary, Buffer.from([0x61, 0x00, 0x62]));
    expect(() => readRequestTrace(binary, 4096)).toThrow(InputError);
  });
});
