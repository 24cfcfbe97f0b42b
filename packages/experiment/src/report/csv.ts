/** Streaming CSV reading for the report (fast-csv), undoing the writers' spreadsheet escape. */
import { createReadStream, existsSync } from "node:fs";
import { parse, parseString } from "fast-csv";

export type CsvRow = Record<string, string>;

const ESCAPED = /^'[=+\-@\t\r]/;
const LINE_BREAK = /\r\n|\n|\r/;

/** Undoes the formula escape of text cells: a leading ' before = + - @ (or tab / CR) is dropped. */
export function unescapeCell(s: string): string {
  // (a character test first: the regular expression on every cell of a large file cost ~0.3 s)
  return s.charCodeAt(0) === 39 && ESCAPED.test(s) ? s.slice(1) : s;
}

/** A cell as a number: blank, NaN or non-numeric text gives null. */
export function num(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t === "") return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

/**
 * Streams the rows of `file` to `onRow` (header row → keys; `onHeader` sees the header first). Returns the header, or null when the
 * file does not exist. Cells are unescaped; a UTF-8 BOM on the first header is dropped.
 */
export function readCsv(
  file: string,
  onRow: (row: CsvRow) => void,
  onHeader?: (header: string[]) => void,
): Promise<string[] | null> {
  if (!existsSync(file)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    let header: string[] = [];
    const stream = createReadStream(file).pipe(
      parse<CsvRow, CsvRow>({
        headers: (hs) => {
          header = hs.map((h, i) => {
            let name = (h ?? "").trim();
            if (i === 0) name = name.replace(/^\uFEFF/, "");
            return unescapeCell(name);
          });
          onHeader?.(header);
          return header;
        },
        ignoreEmpty: true,
        discardUnmappedColumns: true,
      }),
    );
    stream.on("error", (err) => reject(new Error(`cannot read ${file}: ${err.message}`)));
    stream.on("data", (row: CsvRow) => {
      for (const k of Object.keys(row)) row[k] = unescapeCell(row[k] ?? "");
      onRow(row);
    });
    stream.on("end", () => resolve(header));
  });
}

/** Parses one CSV record (which may contain quotes and line breaks) with fast-csv. */
function parseRecord(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out: string[] = [];
    parseString<string[], string[]>(text, { headers: false })
      .on("error", reject)
      .on("data", (r: string[]) => {
        out = r;
      })
      .on("end", () => resolve(out));
  });
}

/**
 * The same rows as readCsv, faster, for the large files (timeseries.csv, liquidations.csv):
 * fast-csv parses ~50k rows/s, which is minutes for a big time series. Records are split on line
 * breaks outside quotes (quote parity); a record without any `"` is split on commas, which is
 * exactly its CSV meaning, and a record with quotes is handed to fast-csv.
 */
export async function readCsvFast(
  file: string,
  onRow: (row: CsvRow) => void,
  onHeader?: (header: string[]) => void,
): Promise<string[] | null> {
  if (!existsSync(file)) return null;
  let header: string[] | null = null;
  let pending: string | null = null; // a quoted record spanning lines
  const emit = (cells: string[]) => {
    if (header === null) {
      header = cells.map((h, i) => unescapeCell((i === 0 ? h.replace(/^\uFEFF/, "") : h).trim()));
      onHeader?.(header);
      return;
    }
    if (cells.length === 1 && cells[0] === "") return; // empty line
    const row: CsvRow = {};
    for (let i = 0; i < header.length; i++) row[header[i]] = unescapeCell(cells[i] ?? "");
    onRow(row);
  };
  const quotes = (s: string) => {
    let n = 0;
    for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
    return n;
  };
  // A promise only for a record with quotes (fast-csv's parse), none per plain line.
  const line = (text: string): Promise<void> | undefined => {
    if (pending !== null) {
      pending += `\n${text}`;
      if (quotes(text) % 2 === 0) return undefined;
      const record = pending;
      pending = null;
      return parseRecord(record).then(emit);
    }
    if (text.indexOf('"') < 0) emit(text.split(","));
    else if (quotes(text) % 2 === 1) pending = text;
    else return parseRecord(text).then(emit);
    return undefined;
  };
  const feed = async (lines: string[]) => {
    for (const l of lines) {
      const parsing = line(l);
      if (parsing !== undefined) await parsing;
    }
  };
  // Lines split here from large chunks, as readline splits them (\r\n, \n or \r): readline's
  // async iteration, a promise per line, was most of the time of reading a large file.
  let carry = "";
  try {
    for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
      const text = carry + (chunk as string);
      // a \r at the end may be the first half of a \r\n: kept for the next chunk
      const cut = text.endsWith("\r") ? text.length - 1 : text.length;
      const lines = text.slice(0, cut).split(LINE_BREAK);
      carry = (lines.pop() as string) + text.slice(cut);
      await feed(lines);
    }
    if (carry !== "") {
      const lines = carry.split(LINE_BREAK);
      if (lines[lines.length - 1] === "") lines.pop();
      await feed(lines);
    }
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (pending !== null) emit(await parseRecord(pending));
  return header ?? [];
}

/**
 * Every row of a results CSV (runs, summary, comparison, timeseries, liquidations) keyed by its
 * header: quoted cells (a linked sweep key's column, an object value) read whole, the spreadsheet
 * escape undone, a blank cell kept as "". For notebooks and scripts; the report streams instead.
 */
export async function readResultsCsv(file: string): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  const header = await readCsvFast(file, (row) => {
    rows.push(row);
  });
  if (header === null) throw new Error(`cannot read ${file}: no such file`);
  return rows;
}
