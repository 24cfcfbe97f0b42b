/** Streaming CSV reading for the report (fast-csv), undoing the writers' spreadsheet escape. */
import { createReadStream, existsSync } from "node:fs";
import { CascadeError, ValidationError } from "@cascade/core";
import { parse, parseString } from "fast-csv";

export type CsvRow = Record<string, string>;

const ESCAPED = /^'[=+\-@\t\r]/;
const SPACE = /\s/; // white space as fast-csv skips it before a quote (its \s; CR and LF end a record first)

/** Undoes the formula escape of text cells: a leading ' before = + - @ (or tab / CR) is dropped. */
export function unescapeCell(s: string): string {
  // (a character test first: the regular expression on every cell of a large file cost ~0.3 s)
  return s.charCodeAt(0) === 39 && ESCAPED.test(s) ? s.slice(1) : s;
}

/**
 * A CSV file that cannot be read at all (none there, a folder, no permission): "cannot read <file>",
 * the words these errors always began with, then the file and why.
 */
function unreadable(file: string, why: string): ValidationError {
  return new ValidationError(
    "UNREADABLE_FILE",
    "file",
    file,
    `a readable CSV file (${why})`,
    `cannot read ${file}`,
  );
}

/**
 * A record fast-csv cannot parse (a quote inside an unquoted cell, an unterminated quoted cell):
 * the line it starts on and its text (readCsvFast finds them; readCsv asks it, malformedRecord),
 * else the file.
 */
function invalidRecord(
  file: string,
  err: unknown,
  at: { line: number; text: string } | null,
): ValidationError {
  return new ValidationError(
    "INVALID_CSV",
    at === null ? "file" : `line ${at.line}`,
    at === null ? file : at.text,
    `CSV records (${(err as Error).message})`,
    `cannot read ${file}`,
  );
}

/** A header row's names, each once: a row keyed by the header would keep only one of a repeated name's cells. */
function checkHeader(file: string, header: readonly string[]): void {
  const first = new Map<string, number>();
  header.forEach((h, i) => {
    const at = first.get(h);
    if (h !== "" && at !== undefined)
      throw new ValidationError(
        "DUPLICATE_COLUMN",
        `header.${i}`,
        h,
        `a name the header does not already have (column "${h}" appears twice in the header: header.${at} and header.${i})`,
        `cannot read ${file}`,
      );
    if (!first.has(h)) first.set(h, i);
  });
}

/** A reader's failure as the file's: one of the errors above as it is, anything else (an OS error) as unreadable. */
function readFailure(file: string, err: unknown): CascadeError {
  if (err instanceof CascadeError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return unreadable(file, code === "ENOENT" ? "no such file" : (err as Error).message);
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
    const input = createReadStream(file);
    // pipe() does not pass on the read stream's errors (EISDIR, EACCES).
    input.on("error", (err) => reject(readFailure(file, err)));
    const stream = input.pipe(
      parse<CsvRow, CsvRow>({
        headers: (hs) => {
          header = hs.map((h, i) => {
            let name = (h ?? "").trim();
            if (i === 0) name = name.replace(/^\uFEFF/, "");
            return unescapeCell(name);
          });
          checkHeader(file, header);
          onHeader?.(header);
          return header;
        },
        ignoreEmpty: true,
        discardUnmappedColumns: true,
      }),
    );
    // fast-csv's own errors are parse errors; the file's (ENOENT, EISDIR) come from the read stream.
    stream.on("error", (err) => {
      if (err instanceof CascadeError || (err as NodeJS.ErrnoException).code !== undefined)
        reject(readFailure(file, err));
      else malformedRecord(file, err).then(reject);
    });
    stream.on("data", (row: CsvRow) => {
      for (const k of Object.keys(row)) row[k] = unescapeCell(row[k] ?? "");
      onRow(row);
    });
    stream.on("end", () => resolve(header));
  });
}

/**
 * The error of a record fast-csv's stream could not parse (`err`), naming the line it starts on
 * and its text: fast-csv's stream does not say where it was, so the file is read again with
 * readCsvFast, which tracks lines and parses each quoted record with fast-csv too (the same record
 * fails, in the same words). Should that read find nothing wrong, the file is named instead.
 */
async function malformedRecord(file: string, err: unknown): Promise<CascadeError> {
  try {
    await readCsvFast(file, () => {});
  } catch (again) {
    if (again instanceof ValidationError && again.code === "INVALID_CSV") return again;
  }
  return invalidRecord(file, err, null);
}

/** Parses CSV text (records that may contain quotes and line breaks) with fast-csv. */
function parseRecords(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const out: string[][] = [];
    parseString<string[], string[]>(text, { headers: false })
      .on("error", reject)
      .on("data", (r: string[]) => {
        out.push(r);
      })
      .on("end", () => resolve(out));
  });
}

/** An empty or white space cell (trim's white space is fast-csv's \s). */
function isBlank(cell: string): boolean {
  const ch = cell.charCodeAt(0);
  if (ch > 32 && ch < 127) return false; // (most cells: no trim)
  return cell === "" || cell.trim() === "";
}

/** A line whose first character is printable ASCII other than a comma: its first cell has text. */
function startsCell(line: string): boolean {
  const ch = line.charCodeAt(0);
  return ch > 32 && ch < 127 && ch !== COMMA;
}

/** A row fast-csv's `ignoreEmpty` drops (readCsv's option): every cell blank. */
function isBlankRow(cells: readonly string[]): boolean {
  for (const c of cells) if (!isBlank(c)) return false;
  return true;
}

/** Where readCsvFast's record scan is: at a cell's start, in an unquoted cell, in a quoted one, past its closing quote. */
const CELL_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const CLOSED = 3;
const QUOTE = 34;
const COMMA = 44;
const CR = 13;

/** readCsvFast's options. */
export interface FastReadOptions {
  /**
   * Only these columns are put in each row (those the file has, in its order): a caller reading a
   * few columns of a wide file builds and unescapes those cells only. Default: every column.
   */
  columns?: readonly string[];
  /** Characters read at a time (default 1 MiB); small sizes are for tests crossing chunk ends. */
  chunkSize?: number;
}

/**
 * The same rows as readCsv, faster: the report reads every results CSV with it. fast-csv parses
 * ~50k rows/s, which is minutes for a big time series (and 80 ms of leverage-crowding's runs.csv,
 * summary.csv and comparison.csv, 15 ms here). A line without `"` or CR
 * (every line Cascade writes without a quoted cell) is split on commas, which is exactly its CSV
 * meaning. Other lines are scanned as fast-csv reads them (a `"` opens a quoted cell only at a
 * cell's start; a CR, CRLF or LF ends a record outside quotes) to find where each record ends, and a
 * record with quotes is handed to fast-csv whole: its cells are fast-csv's, a quoted line break
 * read as written (CRLF stays CRLF). Blank rows are dropped as readCsv's `ignoreEmpty` drops them.
 */
export async function readCsvFast(
  file: string,
  onRow: (row: CsvRow) => void,
  onHeader?: (header: string[]) => void,
  options: FastReadOptions = {},
): Promise<string[] | null> {
  if (!existsSync(file)) return null;
  let header: string[] | null = null;
  const names: string[] = []; // the keys of each row, and (picks) the cells they take
  const picks: number[] = [];
  const emit = (cells: string[]) => {
    if (isBlankRow(cells)) return;
    if (header === null) {
      header = cells.map((h, i) => unescapeCell((i === 0 ? h.replace(/^\uFEFF/, "") : h).trim()));
      checkHeader(file, header);
      const wanted = options.columns === undefined ? null : new Set(options.columns);
      header.forEach((h, i) => {
        if (wanted === null || wanted.has(h)) {
          names.push(h);
          picks.push(i);
        }
      });
      onHeader?.(header);
      return;
    }
    const row: CsvRow = {};
    for (let j = 0; j < picks.length; j++) row[names[j]] = unescapeCell(cells[picks[j]] ?? "");
    onRow(row);
  };
  /**
   * A data line without quotes or CR whose first cell has text (not blank, so neither is the row):
   * the picked cells cut from it as found, no array of all its cells.
   */
  const emitPlain = (line: string) => {
    const row: CsvRow = {};
    let from = 0;
    let column = 0;
    let j = 0;
    while (j < picks.length) {
      const comma = line.indexOf(",", from);
      const end = comma < 0 ? line.length : comma;
      if (column === picks[j]) row[names[j++]] = unescapeCell(line.slice(from, end));
      if (comma < 0) break;
      from = comma + 1;
      column++;
    }
    for (; j < picks.length; j++) row[names[j]] = "";
    onRow(row);
  };
  let pending: string | null = null; // a record whose quoted cell runs on past a line end
  let lineNo = 0; // the line being read (1 = the first), for a parse error's place
  let pendingLine = 0; // the line `pending` starts on
  /** A record's cells without quotes: fast-csv skips white space before a first comma (" ,a" reads as "", "a"). */
  const split = (text: string) => {
    const cells = text.split(",");
    if (cells.length > 1 && cells[0] !== "" && isBlank(cells[0])) cells[0] = "";
    return cells;
  };
  const record = async (text: string, at: number) => {
    if (text.indexOf('"') < 0) return emit(split(text));
    let records: string[][];
    try {
      // (a record of its own starting with a BOM: fast-csv would drop the BOM as at a file's start)
      records = await parseRecords(header !== null && text.charCodeAt(0) === 0xfeff ? `\n${text}` : text);
    } catch (err) {
      throw invalidRecord(file, err, { line: at, text });
    }
    for (const cells of records) emit(cells);
  };
  /** A record ends with `text`: after the lines of a quoted cell that ran on, if any. */
  const endRecord = (text: string) => {
    if (pending === null) return record(text, lineNo);
    const whole = `${pending}\n${text}`;
    pending = null;
    return record(whole, pendingLine);
  };
  /** A line with a `"` or CR, or one continuing a quoted cell: split into records as fast-csv does. */
  const scan = async (line: string) => {
    let state = pending === null ? CELL_START : QUOTED;
    let start = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (state === QUOTED) {
        if (c === QUOTE) {
          if (line.charCodeAt(i + 1) === QUOTE)
            i++; // "" in a quoted cell: a quote
          else state = CLOSED;
        }
      } else if (c === COMMA) state = CELL_START;
      else if (c === CR) {
        // CR (or the CR of CRLF) outside quotes: the record ends
        const text = line.slice(start, i);
        start = i + 1;
        state = CELL_START;
        await endRecord(text);
      } else if (state === CELL_START && c === QUOTE) state = QUOTED;
      else if (state === CELL_START && !SPACE.test(line[i])) state = UNQUOTED;
    }
    const rest = line.slice(start);
    if (state === QUOTED && pending === null) pendingLine = lineNo;
    if (state === QUOTED) pending = pending === null ? rest : `${pending}\n${rest}`;
    else await endRecord(rest);
  };
  const feed = async (lines: string[]) => {
    for (const l of lines) {
      lineNo++;
      if (pending !== null || l.indexOf('"') >= 0 || l.indexOf("\r") >= 0) await scan(l);
      else if (header !== null && startsCell(l)) emitPlain(l);
      else emit(split(l));
    }
  };
  // Lines split here from large chunks on \n (a CR is the scan's): readline's async iteration, a
  // promise per line, was most of the time of reading a large file.
  let carry = "";
  try {
    const highWaterMark = options.chunkSize ?? 1 << 20;
    for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark })) {
      const lines = (carry + (chunk as string)).split("\n");
      carry = lines.pop() as string;
      await feed(lines);
    }
    if (carry !== "" || pending !== null) await feed([carry]);
    // an unterminated quoted cell: fast-csv's error, as readCsv gives it
    if (pending !== null) await record(pending, pendingLine);
  } catch (err) {
    throw readFailure(file, err);
  }
  return header ?? [];
}

/**
 * Every row of a results CSV (runs, summary, comparison, timeseries, liquidations) keyed by its
 * header: quoted cells (a linked sweep key's column, an object value) read whole (a line break in
 * one as written), the spreadsheet escape undone, a blank cell kept as "". For notebooks and
 * scripts; the report streams instead.
 */
export async function readResultsCsv(file: string): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  const header = await readCsvFast(file, (row) => {
    rows.push(row);
  });
  if (header === null) throw unreadable(file, "no such file");
  return rows;
}
