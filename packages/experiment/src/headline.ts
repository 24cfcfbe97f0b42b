/**
 * The few lines `cascade run` prints when it is done: for the headline cascade metrics, each
 * variant's mean with its 95% interval and, for the other variants, the paired difference against
 * the baseline with its p-value. Read from summary.csv / comparison.csv, so it shows exactly what
 * the files say.
 */
import { join } from "node:path";
import { type CsvRow, readCsv } from "./report/csv.js";

const HEADLINE = [
  "liquidated_notional",
  "accounts_liquidated",
  "max_cascade_depth",
  "peak_drawdown",
  "bad_debt",
  "mean_slippage",
];

async function readRows(file: string): Promise<CsvRow[] | null> {
  const out: CsvRow[] = [];
  return (await readCsv(file, (r) => out.push(r))) === null ? null : out;
}

function num(s: string | undefined): string {
  if (s === undefined || s === "") return "-";
  const x = Number(s);
  if (!Number.isFinite(x)) return s;
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return x.toExponential(2);
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/** Text table of the headline metrics at sweep point 0 (empty string when files are missing). */
export async function headline(outDir: string): Promise<string> {
  const summary = await readRows(join(outDir, "summary.csv"));
  const comparison = await readRows(join(outDir, "comparison.csv"));
  if (summary === null || comparison === null) return "";
  const metrics = HEADLINE.filter((m) => summary.some((r) => r.metric === m));
  const variants = [...new Set(summary.map((r) => r.variant))];
  const rows: string[][] = [["variant", "metric", "mean", "95% CI", "diff vs baseline", "95% CI", "p"]];
  for (const m of metrics) {
    for (const v of variants) {
      const s = summary.find((r) => r.variant === v && r.metric === m && r.point === "0");
      if (!s) continue;
      const c = comparison.find((r) => r.variant === v && r.metric === m && r.point === "0");
      rows.push([
        v,
        m,
        num(s.mean),
        `[${num(s.ci_low)}, ${num(s.ci_high)}]`,
        c ? num(c.mean_diff) : "(baseline)",
        c ? `[${num(c.ci_low)}, ${num(c.ci_high)}]` : "",
        c ? num(c.p_value) : "",
      ]);
    }
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows
    .map((r) =>
      r
        .map((cell, j) => cell.padEnd(widths[j]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
