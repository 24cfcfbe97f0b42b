/**
 * Reading a study's output (runs.csv, summary.csv, comparison.csv) and rounding its numbers the
 * way the docs quote them: the helpers of doc-numbers.test.ts and its claims.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One CSV row: numbers where the cell parses as one, null for a blank cell, else the text. */
export type Row = Record<string, number | string | null>;

/**
 * The cells of one CSV line: a quoted cell (a linked sweep's column name, "a, b") may hold commas
 * and doubled quotes; no cell of these files holds a line break.
 */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let k = 0;
  while (k <= line.length) {
    if (line[k] === '"') {
      let cell = "";
      let j = k + 1;
      for (; j < line.length; j++) {
        if (line[j] !== '"') cell += line[j];
        else if (line[j + 1] === '"') cell += line[j++];
        else break;
      }
      cells.push(cell);
      k = j + 2; // past the closing quote and the comma
    } else {
      const end = line.indexOf(",", k);
      cells.push(line.slice(k, end < 0 ? line.length : end));
      k = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return cells;
}

function parseCsv(text: string): Row[] {
  const [head, ...lines] = text.trimEnd().split("\n");
  const names = csvCells(head);
  return lines.map((line) => {
    const cells = csvCells(line);
    const row: Row = {};
    names.forEach((n, i) => {
      const c = cells[i] ?? "";
      row[n] = c === "" ? null : Number.isNaN(Number(c)) ? c : Number(c);
    });
    return row;
  });
}

/** The three CSVs of one study or example run (the CLI's --out folder). */
export class Output {
  readonly runsRows: Row[];
  readonly summaryRows: Row[];
  readonly comparisonRows: Row[];

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    this.runsRows = parseCsv(readFileSync(join(dir, "runs.csv"), "utf8"));
    this.summaryRows = parseCsv(readFileSync(join(dir, "summary.csv"), "utf8"));
    this.comparisonRows = parseCsv(readFileSync(join(dir, "comparison.csv"), "utf8"));
  }

  private series: Row[] | undefined;
  /** timeseries.csv's rows (read on first use: the biggest file) */
  timeseries(): Row[] {
    this.series ??= parseCsv(readFileSync(join(this.dir, "timeseries.csv"), "utf8"));
    return this.series;
  }

  /** runs.csv's rows of a variant (and a sweep point). */
  runs(variant: string, point?: number): Row[] {
    const rows = this.runsRows.filter(
      (r) => r.variant === variant && (point === undefined || r.point === point),
    );
    if (rows.length === 0)
      throw new Error(`${this.name}/runs.csv has no run of variant ${variant}, point ${point}`);
    return rows;
  }

  /** A cell of summary.csv (default: the mean). */
  summary(variant: string, point: number, metric: string, column = "mean"): number {
    return cell(this.name, "summary.csv", this.summaryRows, { variant, point, metric }, column);
  }

  /**
   * A cell of comparison.csv: the variant at a point against its baseline (default: mean_diff);
   * `against` picks the row where a variant is compared both with the baseline variant and with
   * its own reference point (a sweepReference with several variants).
   */
  comparison(
    variant: string,
    point: number,
    metric: string,
    column = "mean_diff",
    against: { baseline?: string; baseline_point?: number } = {},
  ): number {
    return cell(
      this.name,
      "comparison.csv",
      this.comparisonRows,
      { variant, point, metric, ...against },
      column,
    );
  }
}

function cell(name: string, file: string, rows: Row[], key: Row, column: string): number {
  const hit = rows.filter((r) => Object.entries(key).every(([k, v]) => r[k] === v));
  if (hit.length !== 1) throw new Error(`${name}/${file}: ${hit.length} rows match ${JSON.stringify(key)}`);
  const v = hit[0][column];
  if (typeof v !== "number") throw new Error(`${name}/${file} ${JSON.stringify(key)}: ${column} is ${v}`);
  return v;
}

/** The values of a metric over rows, blanks left out. */
export function values(rows: Row[], metric: string): number[] {
  return rows.map((r) => r[metric]).filter((v): v is number => typeof v === "number");
}

export const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const count = (rows: Row[], test: (r: Row) => boolean): number => rows.filter(test).length;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * x to `digits` decimals, half away from zero on the value as the CSV writes it (42.15 -> "42.2",
 * where toFixed alone gives "42.1": the double below 42.15).
 */
export function fix(x: number, digits: number): string {
  const scaled = Number((Math.abs(x) * 10 ** digits).toPrecision(12));
  const r = (Math.sign(x) * Math.round(scaled)) / 10 ** digits;
  return (r === 0 ? 0 : r).toFixed(digits);
}

// Rounding as the docs quote.
/** 3.86e6 -> "3.9M" */
export const M = (x: number, digits = 1): string => `${fix(x / 1e6, digits)}M`;
/** 7031 -> "7.0k" */
export const k = (x: number, digits = 1): string => `${fix(x / 1e3, digits)}k`;
/** 0.1176 -> "11.8%" */
export const pct = (x: number, digits = 1): string => `${fix(x * 100, digits)}%`;
/** a share in percent without the sign: 0.1176 -> "11.8" */
export const pctNum = (x: number, digits = 0): string => fix(x * 100, digits);
/** with a sign: 4.7 -> "+4.7", -0.5 -> "-0.5" */
export const signed = (s: string): string => (s.startsWith("-") ? s : `+${s}`);
/** significant digits, as a p value is quoted: 0.01592 -> "0.016" (2) */
export const sig = (x: number, digits: number): string => String(Number(x.toPrecision(digits)));
/** thousands separated: 5820 -> "5,820" */
export const grouped = (x: number): string => Math.round(x).toLocaleString("en-US");
/** "lo-hi" with one format */
export const range = (xs: number[], f: (x: number) => string): string =>
  `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
/** `bound` when x < bound, else the value, so that the comparison fails naming it */
export const below = (x: number, bound: string): string =>
  x < Number(bound) ? bound : `${sig(x, 2)} (not below ${bound})`;

const WORDS = ["none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
/** 6 -> "six" */
export const word = (n: number): string => WORDS[n] ?? String(n);
