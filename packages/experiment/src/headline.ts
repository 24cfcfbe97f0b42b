/**
 * The few lines `cascade run` prints when it is done: for the headline cascade metrics, each
 * variant's mean with its 95% interval and, for the other variants, the paired difference against
 * the baseline with its p-value. Read from summary.csv / comparison.csv, so it shows exactly what
 * the files say.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const HEADLINE = [
  "liquidated_notional",
  "accounts_liquidated",
  "max_cascade_depth",
  "peak_drawdown",
  "bad_debt",
  "mean_slippage",
];

function parseCsv(text: string): Record<string, string>[] {
  const lines = text.trim().split("\n");
  const cols = lines[0].split(",");
  // Variant names may be spreadsheet-escaped or quoted; the numeric columns never are.
  return lines.slice(1).map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, (cells[i] ?? "").replace(/^"?'?|"$/g, "")]));
  });
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
  let summary: Record<string, string>[];
  let comparison: Record<string, string>[];
  try {
    summary = parseCsv(await readFile(join(outDir, "summary.csv"), "utf8"));
    comparison = parseCsv(await readFile(join(outDir, "comparison.csv"), "utf8"));
  } catch {
    return "";
  }
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
