import { stringify } from "csv-stringify/sync";

/** One CSV record as a complete line (RFC 4180: quoted when needed, CRLF-terminated). */
export function csvLine(cells: readonly string[]): string {
  return stringify([cells as string[]], { record_delimiter: "windows" });
}

/**
 * Parses RFC 4180 text (CRLF or LF line ends, `"` quoting with `""` escapes)
 * into records. Throws on an unterminated quoted field. (csv-parse would do
 * this; it is not a dependency, and results files need only this much.)
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let fieldStarted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && field === "" && !fieldStarted) {
      const end = closingQuote(text, i + 1);
      field = text.slice(i + 1, end).replaceAll('""', '"');
      fieldStarted = true;
      i = end + 1;
    } else if (c === ",") {
      record.push(field);
      field = "";
      fieldStarted = false;
      i++;
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      fieldStarted = false;
      i += c === "\r" ? 2 : 1;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function closingQuote(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) throw new SyntaxError(`unterminated quoted field starting at offset ${from - 1}`);
    if (text[q + 1] === '"') i = q + 2;
    else return q;
  }
}

/** Splits text into its complete lines (up to the last newline) and a trailing partial line. */
export function splitTrailingPartial(text: string): { complete: string; partial: string } {
  const end = text.lastIndexOf("\n") + 1;
  return { complete: text.slice(0, end), partial: text.slice(end) };
}
