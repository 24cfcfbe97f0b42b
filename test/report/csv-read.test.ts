import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { escapeText } from "../../packages/experiment/src/format.js";
import { csvLines } from "../../packages/experiment/src/journal.js";
import {
  type CsvRow,
  readCsv,
  readCsvFast,
  readResultsCsv,
  unescapeCell,
} from "../../packages/experiment/src/report/csv.js";

const root = mkdtempSync(join(tmpdir(), "cascade-csv-read-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** Both readers on the same bytes: headers and rows, or the error each gave. */
async function readBoth(text: string, chunkSize?: number) {
  const file = join(root, `t${files++}.csv`);
  writeFileSync(file, text);
  const slow: CsvRow[] = [];
  const fast: CsvRow[] = [];
  const slowHeader = await readCsv(file, (r) => slow.push(r)).catch((e: Error) => e);
  const fastHeader = await readCsvFast(file, (r) => fast.push(r), undefined, { chunkSize }).catch(
    (e: Error) => e,
  );
  return { slow, fast, slowHeader, fastHeader, file };
}

/** A cell: RFC 4180's special characters, blanks, the spreadsheet escape, non-ASCII, and mixes of them. */
const piece = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom(
    ",",
    '"',
    '""',
    "\r\n",
    "\n",
    "\r",
    "",
    " ",
    "\t",
    "é",
    "日本",
    "😀",
    "\u00a0",
    "'",
    "=",
    "-3",
    "@",
  ),
);
const cell = fc.array(piece, { maxLength: 4 }).map((p) => p.join(""));

/** A table: unique header names (quotes, commas and line breaks inside, none at the ends) and rows of any length. */
const table = fc.record({
  header: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z ,"\r\n]{0,6}[a-z]$/), { minLength: 1, maxLength: 5 }),
  rows: fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 8 }),
});

/** RFC 4180 by hand: a quoted field doubles its quotes; `quoteAll` quotes every field. */
function rfc4180(rows: string[][], rowEnd: string, quoteAll: boolean, lastEnd: boolean): string {
  const field = (c: string) =>
    quoteAll || /[",\r\n]/.test(c) || c.trim() !== c ? `"${c.replace(/"/g, '""')}"` : c;
  const text = rows.map((r) => r.map(field).join(",")).join(rowEnd);
  return lastEnd ? text + rowEnd : text;
}

/**
 * What a reader must return for a table written as `written`: each row with a non-blank cell, keyed
 * by the header (missing cells blank, extra ones dropped), each cell unescaped. fast-csv reads white
 * space before the first comma of a row as an empty cell when that cell is not quoted (`unquoted`).
 */
function expectedRows(header: string[], written: string[][], unquoted: (c: string) => boolean) {
  return written
    .filter((r) => r.some((c) => c.trim() !== ""))
    .map((r) => {
      const row: CsvRow = {};
      header.forEach((k, i) => {
        const c = r[i] ?? "";
        row[k] = i === 0 && r.length > 1 && c.trim() === "" && unquoted(c) ? "" : unescapeCell(c);
      });
      return row;
    });
}

const CHUNKS = fc.constantFrom(undefined, 1, 2, 3, 7, 64);

describe("readCsvFast reads what readCsv (fast-csv) reads", () => {
  it("a quoted CRLF, CR or LF reads as written (was: a quoted CRLF or CR read as LF)", async () => {
    const text = 'variant,note\r\n"a\r\nb","c\rd"\r\n"e\nf",g\r\n';
    const { slow, fast } = await readBoth(text);
    expect(slow).toEqual([
      { variant: "a\r\nb", note: "c\rd" },
      { variant: "e\nf", note: "g" },
    ]);
    expect(fast).toEqual(slow);
  });

  it("tables written as Cascade writes them (escaped text, fast-csv quoting, LF) read back cell for cell", async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        CHUNKS,
        fc.integer({ min: 0, max: 1 }),
        async ({ header, rows }, chunkSize, pick) => {
          const escaped = [header, ...rows].map((r) => r.map(escapeText));
          const { slow, fast, slowHeader, fastHeader, file } = await readBoth(
            csvLines([], escaped),
            chunkSize,
          );
          expect(fastHeader).toEqual(slowHeader);
          expect(fast).toEqual(slow);
          // fast-csv quotes a cell only for a comma, quote or line break: white space stays unquoted
          expect(fast).toEqual(expectedRows(header, escaped.slice(1), (c) => !/[\r\n]/.test(c)));
          // some columns only (and one the file lacks): the same cells
          const columns = [...header.filter((_, i) => i % 2 === pick), "absent"];
          const some: CsvRow[] = [];
          await readCsvFast(file, (r) => some.push(r), undefined, { columns, chunkSize });
          const project = (r: CsvRow) =>
            Object.fromEntries(header.filter((h) => columns.includes(h)).map((h) => [h, r[h]]));
          expect(some).toEqual(slow.map(project));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("RFC 4180 files by hand (CRLF, LF or CR rows, fields quoted or not, a BOM, no last line end) read alike", async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.constantFrom("\r\n", "\n", "\r"),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        CHUNKS,
        async ({ header, rows }, rowEnd, quoteAll, lastEnd, bom, chunkSize) => {
          const text = (bom ? "\uFEFF" : "") + rfc4180([header, ...rows], rowEnd, quoteAll, lastEnd);
          const { slow, fast, slowHeader, fastHeader } = await readBoth(text, chunkSize);
          expect(fastHeader).toEqual(slowHeader);
          expect(fast).toEqual(slow);
          // (rfc4180 quotes a blank cell that is not empty)
          expect(fast).toEqual(expectedRows(header, rows, () => false));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("malformed files: the same rows, or an error from both", async () => {
    const line = fc
      .array(fc.constantFrom('"', ",", "a", " ", "\r", "\n", "\r\n", '""', "é"), { maxLength: 12 })
      .map((p) => p.join(""));
    await fc.assert(
      fc.asyncProperty(line, line, CHUNKS, async (head, body, chunkSize) => {
        const { slow, fast, slowHeader, fastHeader } = await readBoth(`h,"k"\n${head}\n${body}`, chunkSize);
        expect(fastHeader instanceof Error).toBe(slowHeader instanceof Error);
        // an error in the same words, naming the same line
        if (slowHeader instanceof Error) expect((fastHeader as Error).message).toBe(slowHeader.message);
        else {
          expect(fastHeader).toEqual(slowHeader);
          expect(fast).toEqual(slow);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a header naming a column twice is a ValidationError naming the file, the column and both places, from both readers", async () => {
    // Before: plain Errors, readCsv's in fast-csv's words ("Duplicate headers found").
    const { slowHeader, fastHeader, file } = await readBoth("a,b,a\n1,2,3\n");
    for (const e of [slowHeader, fastHeader]) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect([v.code, v.field, v.value, v.message]).toEqual([
        "DUPLICATE_COLUMN",
        "header.2",
        "a",
        `cannot read ${file}: header.2 = "a"; allowed: a name the header does not already have (column "a" appears twice in the header: header.0 and header.2)`,
      ]);
    }
  });

  it("a malformed record is a ValidationError naming the file and the line it starts on, from both readers in the same words", async () => {
    // Before: readCsv (the streaming reader) named the file only (field "file": fast-csv's error has no line).
    const { slowHeader, fastHeader, file } = await readBoth('a,b\n1,2\n3,"4"x\n');
    for (const e of [slowHeader, fastHeader]) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect([v.code, v.field, v.value]).toEqual(["INVALID_CSV", "line 3", '3,"4"x']);
      expect(v.message).toBe(
        `cannot read ${file}: line 3 = ${JSON.stringify('3,"4"x')}; allowed: CSV records (Parse Error: expected: ',' OR new line got: 'x'. at 'x')`,
      );
    }
    // an unterminated quoted cell, over two lines: the line it starts on; a bad header: line 1;
    // past a quoted line break and blank lines, the file's line, not the record's number
    for (const [text, line] of [
      ['a,b\n1,"2\n3\n', "line 2"],
      ['a,"b"x\n1,2\n', "line 1"],
      ['a,b\n"1\n1",2\n\n\n5,"6"x\n', "line 6"],
    ]) {
      const both = await readBoth(text);
      expect((both.slowHeader as ValidationError).field, text).toBe(line);
      expect((both.slowHeader as Error).message, text).toBe((both.fastHeader as Error).message);
    }
  });

  it("readResultsCsv: a file that does not exist or is a folder is a ValidationError naming it", async () => {
    const missing = join(root, "missing.csv");
    const e = await readResultsCsv(missing).then(
      () => expect.unreachable("read"),
      (err: unknown) => err as ValidationError,
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.code, e.field, e.value, e.message]).toEqual([
      "UNREADABLE_FILE",
      "file",
      missing,
      `cannot read ${missing}: file = ${JSON.stringify(missing)}; allowed: a readable CSV file (no such file)`,
    ]);
    const folder = await readResultsCsv(root).then(
      () => expect.unreachable("read"),
      (err: unknown) => err as ValidationError,
    );
    expect([folder.code, folder.field]).toEqual(["UNREADABLE_FILE", "file"]);
    expect(folder.message).toMatch(
      /; allowed: a readable CSV file \(EISDIR: illegal operation on a directory, read\)$/,
    );
  });

  it("columns: a row holds only the columns asked for that the file has", async () => {
    const file = join(root, "columns.csv");
    writeFileSync(file, "variant,tick,price,mid\nbase,1,'=2,3\n");
    const rows: CsvRow[] = [];
    const header = await readCsvFast(file, (r) => rows.push(r), undefined, {
      columns: ["price", "variant", "point"],
    });
    expect(header).toEqual(["variant", "tick", "price", "mid"]);
    expect(rows).toEqual([{ variant: "base", price: "=2" }]);
    expect(Object.keys(rows[0])).toEqual(["variant", "price"]); // the file's order
  });
});
