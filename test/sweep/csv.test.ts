import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, parseCsv, splitTrailingPartial } from "../../src/sweep/csv.js";

describe("results CSV text", () => {
  it("round-trips any cells through one RFC 4180 line (CRLF, quoting when needed)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), { maxLength: 8 }), (rows) => {
        const text = rows.map((r) => csvLine(r)).join("");
        const back = parseCsv(text);
        expect(back).toEqual(rows);
      }),
    );
    expect(csvLine(["a", "b,c", 'd"e'])).toBe('a,"b,c","d""e"\r\n');
  });

  it("splits off a trailing partial line", () => {
    expect(splitTrailingPartial("h\r\nrow1\r\nro")).toEqual({ complete: "h\r\nrow1\r\n", partial: "ro" });
    expect(splitTrailingPartial("h\r\n")).toEqual({ complete: "h\r\n", partial: "" });
    expect(() => parseCsv('a,"b\r\n')).toThrow(/unterminated/);
  });
});
