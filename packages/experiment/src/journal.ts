/**
 * The run journal (`journal.jsonl` in the output folder): the crash-safe record of finished runs.
 *
 * Line 1 is a header `{"journal":"cascade/2","fingerprint":...,"shard":"i/N"|null,"total":n}`.
 * Every finished run appends ONE line `<run>\t<json>\n`, written whole (one write) before the run
 * counts as done; fsync follows in the background (see JournalWriter). After a SIGKILL the
 * kernel still holds every written line, so the file ends with complete lines plus at most one torn line
 * (no trailing newline); `--resume` keeps the complete lines, drops the torn one (and any line that
 * does not parse) and appends after them, so a finished run is never lost and never duplicated.
 *
 * Nothing is held in memory: the final files are written by scanning the journal for the byte
 * range of each run and reading the runs back in run order.
 */
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { ValidationError } from "@cascade/core";
import { type CsvFormatterStream, format } from "fast-csv";
import { fsyncDir, tempName, writeFileAtomic } from "./atomic-file.js";
import type { RunResult } from "./execute.js";
import { escapeText } from "./format.js";
import { changedParts, type Plan, runCoords, sourceEditNote } from "./plan.js";
import { JOURNAL_ADVICE } from "./results-files.js";

/** cascade/2: rows are stored as CSV text (cascade/1 stored cell arrays). */
export const JOURNAL_FORMAT = "cascade/2";

/** fast-csv options of every CSV file Cascade writes (csvLines relies on the "\n" row delimiter). */
export const CSV_OPTIONS = { includeEndRowDelimiter: true, rowDelimiter: "\n" } as const;

export interface JournalHeader {
  journal: string;
  fingerprint: string;
  shard: string | null;
  total: number;
  /** The configuration part by part (Plan.parts): what changed, when a resume is refused. */
  parts?: Record<string, string | number>;
  /** The manifest's git commit and gitDirty when the journal was started (a resume may run other code). */
  git?: string | null;
  gitDirty?: boolean | null;
  /** The same for Cascade's own repository, when the experiment is outside it. */
  cascadeGit?: string | null;
  cascadeGitDirty?: boolean | null;
}

export interface Loc {
  file: string;
  /** Byte offset of the JSON part (after the tab). */
  offset: number;
  length: number;
}

/** A journal entry: a run's metrics and its timeseries.csv and liquidations.csv lines. */
export interface JournalEntry {
  run: number;
  metrics: Array<number | null>;
  /** Complete CSV lines (each ending in \n), (variant, point, replication) cells included. */
  ts: string;
  liq: string;
}

/**
 * Encodes a finished run as one journal line. This runs in the worker, rows and all: the CSV
 * formatting (fast-csv) is most of the cost of writing the final files, and done here it runs in
 * parallel instead of in the main thread after the last run.
 */
export function encodeResult(plan: Plan, r: RunResult): string {
  const c = runCoords(plan, r.run);
  const key = [escapeText(plan.exp.variants[c.variant].name), String(c.point), String(c.replication)];
  const ts = csvLines(key, r.ts);
  const lq = csvLines(key, r.liq);
  return `${r.run}\t${JSON.stringify({ m: r.metrics, ts, lq })}\n`;
}

/**
 * fast-csv, called synchronously: one formatter per thread, its row transform called row by row
 * and its output read back from its buffer. (`writeToString` builds streams, a promise per row and
 * fresh closures on every call: per run that cost more than the formatting itself, and V8 kept
 * recompiling those closures.) The formatter is primed with one row, after which fast-csv writes
 * every row as "\n" + cells; a block of rows is returned as "cells\n" per row.
 */
let formatter: CsvFormatterStream<string[], string[]> | undefined;

const rethrow = (e?: Error | null) => {
  if (e) throw e;
};

/**
 * A cell fast-csv writes unchanged: printable ASCII except '"', ',' and '|' (its escape pattern is
 * `[,\n|\r|\n]`, so a '|' is quoted too). Other text (line breaks, NUL, non-ASCII: its Buffer round
 * trip replaces lone surrogates) goes through fast-csv itself.
 */
const PLAIN_CELL = /^[\x20\x21\x23-\x2b\x2d-\x7b\x7d\x7e]*$/;
const isPlainCell = (cell: unknown): boolean => typeof cell === "string" && PLAIN_CELL.test(cell);

export function csvLines(key: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  if (key.every(isPlainCell) && rows.every((row) => row.every(isPlainCell))) {
    // What fast-csv writes for plain cells (as they are, joined by ","), without its per-cell
    // regexes and per-row arrays and Buffers: most of the cost of encoding a run.
    const prefix = key.join(",");
    let text = "";
    for (const row of rows) {
      if (key.length === 0) text += `${row.join(",")}\n`;
      else if (row.length === 0) text += `${prefix}\n`;
      else text += `${prefix},${row.join(",")}\n`;
    }
    return text;
  }
  let f = formatter;
  if (f === undefined) {
    f = format<string[], string[]>(CSV_OPTIONS);
    f._transform([""], "utf8", rethrow);
    f.read();
    formatter = f;
  }
  // Rows left by a call that threw midway must not leak into this block.
  if (f.readableLength > 0) f.read();
  for (const row of rows) f._transform([...key, ...row], "utf8", rethrow);
  const text = (f.read() as Buffer).toString("utf8");
  return `${text.slice(1)}\n`;
}

function decodeEntry(run: number, json: string): JournalEntry {
  const o = JSON.parse(json) as { m: Array<number | null>; ts: string; lq: string };
  return { run, metrics: o.m, ts: o.ts, liq: o.lq };
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Calls `onLine(line, start)` for every COMPLETE line (terminated by \n) of `file`, streaming in
 * chunks. Returns the byte length of the complete part (a torn last line is not included).
 */
function scanLines(file: string, onLine: (line: Buffer, start: number) => void): number {
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry: Buffer[] = [];
    let carryLen = 0;
    let lineStart = 0;
    let pos = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(10, from);
        if (nl === -1 || nl >= n) break;
        const piece = chunk.subarray(from, nl);
        const line = carryLen > 0 ? Buffer.concat([...carry, piece]) : piece;
        onLine(line, lineStart);
        lineStart = pos + nl + 1;
        carry = [];
        carryLen = 0;
        from = nl + 1;
      }
      if (from < n) {
        carry.push(Buffer.from(chunk.subarray(from, n)));
        carryLen += n - from;
      }
      pos += n;
    }
    return lineStart;
  } finally {
    closeSync(fd);
  }
}

/** The first (at most) `bytes` bytes of `file`, or null when it cannot be read (missing, a folder). */
function fileStart(file: string, bytes: number): Buffer | null {
  try {
    const fd = openSync(file, "r");
    try {
      const buf = Buffer.alloc(bytes);
      return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

function readHeaderAnyFormat(file: string): JournalHeader | null {
  const buf = fileStart(file, 4096);
  const nl = buf === null ? -1 : buf.indexOf(10);
  if (buf === null || nl <= 0) return null;
  try {
    const h = JSON.parse(buf.subarray(0, nl).toString("utf8")) as JournalHeader;
    return h !== null && typeof h === "object" && typeof h.journal === "string" ? h : null;
  } catch {
    return null;
  }
}

/**
 * How every journal Cascade writes begins, of any format (cascade/1, cascade/2): its header is
 * JSON.stringify of a JournalHeader, whose first key is `journal`.
 */
export const HEADER_START = '{"journal":"cascade/';

/**
 * Whether `file` (an existing journal.jsonl) may be Cascade's: it begins as Cascade's headers do,
 * or is all of a beginning of one (empty, or cut short: a torn copy). Another tool's
 * journal.jsonl (or a folder of that name) is not, and is not Cascade's to replace.
 */
export function mayBeCascadeJournal(file: string): boolean {
  const start = Buffer.from(HEADER_START, "utf8");
  const buf = fileStart(file, start.length);
  return buf?.equals(start.subarray(0, buf.length)) === true;
}

/** The journal's header, or null when it is unreadable or in another format than this Cascade's. */
export function readHeader(file: string): JournalHeader | null {
  const h = readHeaderAnyFormat(file);
  return h && h.journal === JOURNAL_FORMAT ? h : null;
}

/** What differs between a journal's header and this run's, for the refusal of a resume. */
function mismatch(journal: JournalHeader, now: JournalHeader): string {
  if (journal.shard !== now.shard)
    return `this one is of ${journal.shard === null ? "an unsharded run" : `shard ${journal.shard}`}`;
  const parts = now.parts ? changedParts(journal.parts, now.parts) : "";
  return parts
    ? `this one differs in: ${parts}`
    : `this one belongs to another configuration; ${sourceEditNote(now.parts)}`;
}

/** Why readHeader returned null, for error messages: another tool's file, another version's, or damaged. */
export function unreadableReason(file: string): string {
  if (!mayBeCascadeJournal(file))
    return `it is not a journal of Cascade's: it does not begin with ${HEADER_START}`;
  const h = readHeaderAnyFormat(file);
  return h
    ? `its format is ${JSON.stringify(h.journal)}, written by another version of Cascade (this one reads ${JSON.stringify(JOURNAL_FORMAT)})`
    : "it is unreadable (cut short or damaged)";
}

/**
 * Indexes the complete entries of a journal: run -> location. Entries whose run is out of range,
 * rejected by `accept`, duplicated (the first one wins) or (when `verify`) not valid JSON are
 * skipped. Returns the index, the byte ranges of the lines kept (for compaction) and the number
 * (1-based) of the first line skipped, if any.
 */
export function indexJournal(
  file: string,
  total: number,
  accept: (run: number) => boolean,
  verify: boolean,
): {
  index: Map<number, Loc>;
  kept: Array<[number, number]>;
  complete: number;
  clean: boolean;
  firstSkipped: number | null;
} {
  const index = new Map<number, Loc>();
  const kept: Array<[number, number]> = [];
  let clean = true;
  let firstSkipped: number | null = null;
  let lineNo = 0;
  const complete = scanLines(file, (line, start) => {
    if (lineNo++ === 0) {
      kept.push([start, line.length + 1]);
      return;
    }
    const tab = line.indexOf(9);
    const run = tab > 0 ? Number(line.subarray(0, tab).toString("latin1")) : Number.NaN;
    let ok = Number.isSafeInteger(run) && run >= 0 && run < total && accept(run) && !index.has(run);
    if (ok && verify) {
      try {
        JSON.parse(line.subarray(tab + 1).toString("utf8"));
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      clean = false;
      firstSkipped ??= lineNo;
      return;
    }
    index.set(run, { file, offset: start + tab + 1, length: line.length - tab - 1 });
    kept.push([start, line.length + 1]);
  });
  return { index, kept, complete, clean, firstSkipped };
}

/**
 * Journals readEntry keeps open at once. A merge reads its shards' journals in turn (run r is in
 * shard r % N): one descriptor per shard kept to the end failed with EMFILE past the process's
 * limit of open files (120 shard folders at `ulimit -n 100`). Past this many, the longest open is
 * closed; a merge of more shards opens a journal per run (microseconds, against the run's rows).
 */
const OPEN_JOURNALS = 16;

/** Run `run`'s entry at `loc`, through `fdCache` (file -> descriptor; the caller closes what is left). */
export function readEntry(run: number, loc: Loc, fdCache: Map<string, number>): JournalEntry {
  let fd = fdCache.get(loc.file);
  if (fd === undefined) {
    if (fdCache.size >= OPEN_JOURNALS) {
      const [file, oldest] = fdCache.entries().next().value as [string, number];
      fdCache.delete(file);
      closeSync(oldest);
    }
    fd = openSync(loc.file, "r");
    fdCache.set(loc.file, fd);
  }
  const buf = Buffer.allocUnsafe(loc.length);
  let got = 0;
  while (got < loc.length) {
    const n = readSync(fd, buf, got, loc.length - got, loc.offset + got);
    if (n === 0) throw new Error(`journal ${loc.file} ended early at run ${run}`);
    got += n;
  }
  return decodeEntry(run, buf.toString("utf8"));
}

/**
 * The journal could not be written (a full disk, an I/O error): not a failure of any run. `file`
 * is the journal, `cause` the OS error; the runs it already holds are kept for a resume.
 */
export class JournalError extends Error {
  override readonly name = "JournalError";
  constructor(
    readonly file: string,
    cause: unknown,
    /** What is left: the journal's runs, or (it could not be made) none started. */
    kept = "the runs it holds are kept",
  ) {
    super(
      `cannot write the run journal ${file} (${cause instanceof Error ? cause.message : String(cause)}); ${kept}: fix the cause and ${JOURNAL_ADVICE}`,
      { cause },
    );
  }
}

/**
 * Appends whole lines. A line is written with one write() before its run counts as done, so a
 * killed process (SIGKILL included) loses no finished run: the kernel already holds the bytes.
 * fsync, which matters only if the machine itself goes down, runs in the background on libuv's
 * pool, one at a time, each covering every line written before it started. (An fsync on the main
 * thread after every line took 0.5-2 ms here and would cap a large pool at a few hundred runs per
 * second.) A failed background fsync is thrown by the next append() or by close().
 */
export class JournalWriter {
  private syncing = false;
  private unsynced = false;
  private closing = false;
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private fd: number,
  ) {}

  /**
   * Opens the journal of an output folder. Without `resume` (or when there is no journal) a new
   * journal is started. With `resume` the existing one must carry the same fingerprint and shard;
   * its finished runs are returned in `done`, a torn tail is cut off, invalid lines are dropped.
   */
  static open(
    file: string,
    header: JournalHeader,
    resume: boolean,
    accept: (run: number) => boolean,
  ): { writer: JournalWriter; done: Set<number>; started: JournalHeader } {
    if (resume && existsSync(file)) {
      const h = readHeader(file);
      if (
        !h ||
        h.fingerprint !== header.fingerprint ||
        h.shard !== header.shard ||
        h.total !== header.total
      ) {
        throw new ValidationError(
          "JOURNAL_MISMATCH",
          "options.resume",
          file,
          `a journal written by the same experiment configuration${header.shard ? ` and shard ${header.shard}` : ""} (${h ? mismatch(h, header) : unreadableReason(file)}; rerun without options.resume to start over)`,
          "cannot resume",
        );
      }
      const { index, kept, complete, clean } = indexJournal(file, header.total, accept, true);
      if (clean) {
        const fd = openSync(file, "r+");
        ftruncateSync(fd, complete);
        fsyncSync(fd);
        closeSync(fd);
      } else {
        compact(file, kept);
      }
      const fd = openSync(file, "a");
      return { writer: new JournalWriter(file, fd), done: new Set(index.keys()), started: h };
    }
    try {
      writeFileAtomic(file, `${JSON.stringify(header)}\n`);
    } catch (e) {
      throw new JournalError(file, e, "no run has started, and an earlier journal there is as it was");
    }
    // The lines fsync'ed in the background are of this file: its name must be on disk too.
    fsyncDir(dirname(file));
    return { writer: new JournalWriter(file, openSync(file, "a")), done: new Set(), started: header };
  }

  /** Writes one line; a JournalError if the file cannot take it (or a background fsync failed). */
  append(line: string): void {
    if (this.failure) throw new JournalError(this.file, this.failure);
    if (this.fd < 0 || this.closing) throw new Error(`journal ${this.file} is closed`);
    try {
      writeAll(this.fd, Buffer.from(line, "utf8"));
    } catch (e) {
      throw new JournalError(this.file, e);
    }
    this.unsynced = true;
    if (!this.syncing) this.syncInBackground();
  }

  private syncInBackground(): void {
    this.syncing = true;
    this.unsynced = false;
    const fd = this.fd;
    fsync(fd, (err) => {
      this.syncing = false;
      if (err) this.failure ??= err;
      if (this.closing) {
        // close() ran while this fsync was in flight: the descriptor is released only now, so
        // its number cannot be reused under this fsync.
        closeSync(fd);
        this.fd = -1;
      } else if (this.unsynced && !this.failure) {
        this.syncInBackground();
      }
    });
  }

  /**
   * Makes every line durable (fsync, on this thread) and releases the file. Idempotent. A
   * JournalError if a line may not be on disk.
   */
  close(): void {
    if (this.fd < 0 || this.closing) return;
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.failure ??= e as Error;
    } finally {
      if (this.syncing) this.closing = true;
      else {
        closeSync(this.fd);
        this.fd = -1;
      }
    }
    if (this.failure) throw new JournalError(this.file, this.failure);
  }
}

function compact(file: string, kept: Array<[number, number]>): void {
  const tmp = tempName(file);
  try {
    const src = openSync(file, "r");
    const dst = openSync(tmp, "w");
    try {
      for (const [start, len] of kept) {
        const buf = Buffer.allocUnsafe(len);
        let got = 0;
        while (got < len) got += readSync(src, buf, got, len - got, start + got);
        writeAll(dst, buf);
      }
      fsyncSync(dst);
    } finally {
      closeSync(src);
      closeSync(dst);
    }
    renameSync(tmp, file);
  } catch (e) {
    // A full disk: the journal is as it was, and the half-written copy goes (not a folder of that
    // name, which rmSync refuses).
    try {
      rmSync(tmp, { force: true });
    } catch {}
    throw new JournalError(file, e);
  }
  fsyncDir(dirname(file));
}
