/** The report page: one self-contained HTML document (inline CSS, inline SVG, no script, no URL). */
import { bandWarning } from "../headline.js";
import { metricInfoOf } from "../metric-info.js";
import { isPlainObject } from "../paths.js";
import { COMPARISON_STATS, SUMMARY_STATS } from "../results-files.js";
import { outcomeNote, PANEL_GAP, zeroOneOutcomes } from "./charts/shared.js";
import type { Figure } from "./charts.js";
import { fmtNum, pointValue } from "./format.js";
import { type ComparisonRow, comparisonReference, pointLabel, type ReportData } from "./load.js";

export { fmtNum };

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A table cell from a CSV cell: numbers shortened (the exact text stays in the title). */
function cell(raw: string | undefined): string {
  const s = raw ?? "";
  const t = s.trim();
  if (t !== "" && Number.isFinite(Number(t))) {
    const shown = fmtNum(Number(t));
    return shown === t
      ? `<td class="num">${escapeHtml(t)}</td>`
      : `<td class="num" title="${escapeHtml(t)}">${escapeHtml(shown)}</td>`;
  }
  return `<td>${escapeHtml(s)}</td>`;
}

/** A sweep value's cell: written as the charts write it (pointValue: 200,000), exact. */
function sweepCell(raw: string): string {
  const shown = pointValue(raw);
  const num = raw.trim() !== "" && Number.isFinite(Number(raw));
  return `<td${num ? ' class="num"' : ""}>${escapeHtml(shown)}</td>`;
}

const MAX_TABLE_ROWS = 5000;
const MAX_MANIFEST_CHARS = 200_000;

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #f6f7f9; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 60px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header .desc { margin: 0 0 10px; color: #444; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 0; padding: 0; list-style: none; color: #333; }
.facts b { font-weight: 600; }
nav { margin: 16px 0 8px; font-size: 13px; }
nav a { color: #2a5db0; margin-right: 14px; text-decoration: none; }
figure.chart, section.block { background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; margin: 18px 0; padding: 16px 18px; }
figure.chart { overflow-x: auto; }
figcaption h2, section.block h2 { margin: 0 0 2px; font-size: 18px; }
p.caption { margin: 0 0 10px; color: #555; font-size: 13px; }
p.note { margin: 6px 0 0; color: #777; font-size: 12px; }
p.warning { margin: 10px 0 0; padding: 8px 10px; color: #7a4b00; background: #fff4d6; border-left: 4px solid #e0a000; font-size: 13px; }
.panels { display: flex; flex-wrap: wrap; gap: 4px ${PANEL_GAP}px; align-items: flex-start; }
.panels.grid { display: grid; }
.panel { max-width: 100%; }
.panel h3 { margin: 10px 0 4px; font-size: 14px; color: #333; font-family: ui-monospace, Menlo, Consolas, monospace; }
.panel h3 .unit { font: 12px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #666; }
.panel svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
th, td { border-bottom: 1px solid #eceef1; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f6; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, Menlo, Consolas, monospace; }
.scroll { display: inline-block; max-width: 100%; max-height: 560px; overflow: auto; border: 1px solid #eceef1; }
details > summary { cursor: pointer; color: #2a5db0; margin: 6px 0; }
code.json { white-space: pre-wrap; overflow-wrap: anywhere; }
details.json > summary { color: inherit; margin: 0; }
details.json[open] > summary code { display: none; }
/* a variant's description beside overrides that wrap anywhere: lines of words, not a word a line */
table[data-table="manifest-variants"] td:nth-child(3):not(:empty) { min-width: 20em; }
pre { background: #f6f7f9; padding: 10px; overflow: auto; max-height: 600px; font-size: 12px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; background: #e8eefc; color: #2a5db0; font-size: 11px; margin-left: 4px; }
`;

/**
 * The panels' container: a figure with `columnWidths` gets a grid of those columns, each its
 * width in fr and the row no wider than their sum: at the page's full width every panel at its
 * own size, in a narrower window all shrunk alike (as a single SVG is), never re-wrapped.
 */
function panelsOpen(f: Figure): string {
  const widths = f.columnWidths;
  if (widths === undefined || f.panels.length === 0) return '<div class="panels">';
  const row = widths.reduce((a, b) => a + b, 0) + (widths.length - 1) * PANEL_GAP;
  const tracks = widths.map((w) => `minmax(0, ${w}fr)`).join(" ");
  return `<div class="panels grid" style="grid-template-columns: ${tracks}; max-width: ${row}px">`;
}

function figureHtml(f: Figure): string {
  const panels = f.panels
    .map((p) => {
      const unit = p.unit ? ` <span class="unit">${escapeHtml(p.unit)}</span>` : "";
      return `<div class="panel">${p.subtitle ? `<h3>${escapeHtml(p.subtitle)}${unit}</h3>` : ""}${p.svg}</div>`;
    })
    .join("\n");
  return `<figure class="chart" data-chart="${escapeHtml(f.id)}" id="chart-${escapeHtml(f.id)}">
<figcaption><h2>${escapeHtml(f.title)}</h2><p class="caption">${escapeHtml(f.caption)}</p></figcaption>
${panelsOpen(f)}${panels}</div>
${f.note ? `<p class="note">${escapeHtml(f.note)}</p>` : ""}
</figure>`;
}

/**
 * A table: `rawCells`, CSV cells (cell(): numbers shortened), and among them the columns in
 * `sweepColumns` sweep values (sweepCell); else cells of HTML as given.
 */
function table(
  name: string,
  headers: string[],
  rows: string[][],
  rawCells: boolean,
  sweepColumns: ReadonlySet<number> = new Set(),
): string {
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const td = (c: string, k: number) =>
    !rawCells ? `<td>${c}</td>` : sweepColumns.has(k) ? sweepCell(c) : cell(c);
  const body = shown.map((r) => `<tr>${r.map(td).join("")}</tr>`).join("\n");
  const more =
    rows.length > shown.length
      ? `<p class="note">First ${shown.length} of ${rows.length} rows; see the CSV for all.</p>`
      : "";
  return `<div class="scroll"><table data-table="${escapeHtml(name)}"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>${more}`;
}

/** The columns the file has: a results folder written before a column existed shows none of it. */
function present<T extends string>(
  columns: readonly T[],
  rows: ReadonlyArray<{ raw: Record<string, string> }>,
): T[] {
  return columns.filter((c) => rows.length === 0 || c in rows[0].raw);
}

/** The column indexes from..from+n-1 (a table's sweep parameters). */
function columnsAt(from: number, n: number): Set<number> {
  return new Set(Array.from({ length: n }, (_, k) => from + k));
}

function summaryTables(data: ReportData): string {
  const parts: string[] = [];
  const params = data.sweepParams;
  const outcomes = zeroOneOutcomes(data);
  const named = (rows: ReadonlyArray<{ metric: string }>) => [...new Set(rows.map((r) => r.metric))];
  if (data.summary.length > 0) {
    const stats = present(SUMMARY_STATS, data.summary);
    const rows = data.summary.map((r) => [
      r.metric,
      r.variant,
      ...params.map((p) => r.params[p] ?? (r.label || "")),
      ...stats.map((s) => r.raw[s] ?? ""),
    ]);
    parts.push(`<section class="block" data-section="summary" id="summary">
<h2>Summary statistics</h2><p class="caption">Per variant${params.length ? " and sweep point" : ""}: mean with its t confidence interval (ci_low, ci_high), standard deviation, median${stats.includes("boot_low") ? ", 5th/95th percentiles and the BCa bootstrap interval of the mean (boot_low, boot_high; blank below 5 values)" : " and 5th/95th percentiles"} (from summary.csv; hover a number for its exact value).${escapeHtml(outcomeNote(outcomes, named(data.summary), "Wilson"))}</p>
<details${data.summary.length <= 400 ? " open" : ""}><summary>${data.summary.length} rows</summary>
${table("summary", ["metric", "variant", ...params, ...stats], rows, true, columnsAt(2, params.length))}
</details></section>`);
  }
  if (data.comparison.length > 0) {
    const stats = present(COMPARISON_STATS, data.comparison);
    // What each row is against: the baseline variant, or a variant itself at a reference point.
    // (the reference point by its values: the table has no point numbers)
    const against = (r: ComparisonRow) => {
      const other = r.raw.baseline ?? data.baseline ?? "";
      const at = r.raw.baseline_point;
      if (at === undefined || at === r.raw.point) return other;
      const values = data.manifest.points[Number(at)];
      return `${other} at ${values ? pointLabel(values, params) : `point ${at}`}`;
    };
    const rows = data.comparison.map((r) => [
      r.metric,
      r.variant,
      against(r),
      ...params.map((p) => r.params[p] ?? (r.label || "")),
      ...stats.map((s) => r.raw[s] ?? ""),
    ]);
    parts.push(`<section class="block" data-section="comparison" id="comparison">
<h2>Paired comparisons against ${escapeHtml(comparisonReference(data))}</h2><p class="caption">Mean paired difference (${data.variants.length === 1 ? "point − reference point" : "variant − baseline"}, same seeds; "against" names the other side), its t confidence interval, the paired t-test's p-value (the exact sign test when every difference is the same), the effect size d_z, the Wilcoxon signed-rank p-value${stats.includes("p_holm") ? ", both p-values Holm-adjusted over the rows of the same metric and kind of comparison (p_holm, p_wilcoxon_holm: below 0.05, a difference at a 5% family-wise error rate)" : ""}${stats.includes("boot_low") ? " and the BCa bootstrap interval of the mean difference (blank below 5 pairs)" : ""} (from comparison.csv).${escapeHtml(outcomeNote(outcomes, named(data.comparison), "Newcombe"))}</p>
<details${data.comparison.length <= 400 ? " open" : ""}><summary>${data.comparison.length} rows</summary>
${table("comparison", ["metric", "variant", "against", ...params, ...stats], rows, true, columnsAt(3, params.length))}
</details></section>`);
  }
  return parts.join("\n");
}

/** Every metric column with what it measures and its unit: built-in ones from the code, custom ones as declared. */
function metricsSection(data: ReportData): string {
  if (data.metrics.length === 0) return "";
  const mf = data.manifest;
  const rows = data.metrics.map((name) => {
    const info = metricInfoOf(name, mf.customMetrics, mf.metricInfo);
    return [escapeHtml(name), escapeHtml(info?.description ?? ""), escapeHtml(info?.unit ?? "")];
  });
  const undeclared = mf.customMetrics.some((name) => mf.metricInfo[name] === undefined);
  return `<section class="block" data-section="metrics" id="metrics">
<h2>Metrics</h2><p class="caption">What each metric column measures and its unit (a fraction: 0.1 = 10%). The built-in metrics' formulas, with their edge cases, are in Cascade's README (Metrics); custom metrics as the experiment file describes them${undeclared ? " (blank: it declared no description or unit)" : ""}.</p>
${table("metrics", ["metric", "description", "unit"], rows, false)}
</section>`;
}

/** JSON longer than this is folded into a <details> (still in full), a preview as its summary. */
const FOLD_JSON_CHARS = 400;
const JSON_PREVIEW_CHARS = 100;

/** A manifest value: text as-is, anything else as JSON in full, wrapping; long JSON folded. */
function jsonCell(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "string") return escapeHtml(v);
  const s = JSON.stringify(v);
  const code = `<code class="json">${escapeHtml(s)}</code>`;
  if (s.length <= FOLD_JSON_CHARS) return code;
  const preview = escapeHtml(s.slice(0, JSON_PREVIEW_CHARS));
  return `<details class="json"><summary><code>${preview}…</code> (${s.length} characters)</summary>${code}</details>`;
}

function manifestSection(data: ReportData): string {
  const raw = data.manifestRaw;
  const m = isPlainObject(raw) ? raw : {};
  const facts: Array<[string, string]> = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== "") facts.push([k, jsonCell(v)]);
  };
  add("name", m.name);
  add("description", m.description);
  add("format", m.format);
  add("root seed", m.rootSeed ?? m.seed);
  add("replications", m.replications);
  add("runs", m.runs);
  add("baseline", data.baseline);
  add("metrics", Array.isArray(m.metrics) ? (m.metrics as unknown[]).join(", ") : undefined);
  add("git", m.gitDirty === true ? `${m.git} (with uncommitted changes)` : m.git);
  add("source", m.source);
  const parts: string[] = [];
  parts.push(
    table(
      "manifest",
      ["field", "value"],
      facts.map(([k, v]) => [escapeHtml(k), v]),
      false,
    ),
  );

  const variantRows: string[][] = [];
  if (Array.isArray(m.variants)) {
    for (const v of m.variants) {
      if (typeof v === "string") variantRows.push([escapeHtml(v), v === data.baseline ? "yes" : "", "", ""]);
      else if (isPlainObject(v)) {
        const name = typeof v.name === "string" ? v.name : JSON.stringify(v.name);
        variantRows.push([
          escapeHtml(name),
          name === data.baseline ? "yes" : "",
          jsonCell(v.description),
          jsonCell(v.overrides),
        ]);
      }
    }
  }
  const mf = data.manifest;
  if (variantRows.length > 0) {
    parts.push(
      `<h3>Variants</h3>${table("manifest-variants", ["variant", "baseline", "description", "overrides"], variantRows, false)}`,
    );
  }
  if (mf.sweepParams.length > 0) {
    const rows = mf.sweepParams.map((p) => {
      const fromSweep =
        isPlainObject(m.sweep) && Array.isArray(m.sweep[p])
          ? (m.sweep[p] as unknown[]).map((v) => JSON.stringify(v))
          : null;
      const seen =
        mf.points.length > 0 ? mf.points.map((pt) => pt[p]) : data.points.map((pt) => pt.params[p]);
      const vals = [...new Set(fromSweep ?? seen.filter((v) => v !== undefined))];
      // as the charts and the tables above write them (200,000), so "; " between them; text
      // values keep their JSON quotes
      return [escapeHtml(p), `<code>${escapeHtml(vals.map(pointValue).join("; "))}</code>`];
    });
    parts.push(
      `<h3>Sweep</h3><p class="caption">${mf.points.length || data.points.length} points.</p>${table("manifest-sweep", ["parameter", "values"], rows, false)}`,
    );
  }
  if (isPlainObject(m.versions)) {
    const rows = Object.entries(m.versions).map(([k, v]) => [escapeHtml(k), jsonCell(v)]);
    parts.push(`<h3>Versions</h3>${table("manifest-versions", ["package", "version"], rows, false)}`);
  }
  let json = raw === null ? "(no manifest.json)" : JSON.stringify(raw, null, 2);
  if (json.length > MAX_MANIFEST_CHARS)
    json = `${json.slice(0, MAX_MANIFEST_CHARS)}\n… (truncated; see manifest.json)`;
  parts.push(`<details><summary>Full manifest.json</summary><pre>${escapeHtml(json)}</pre></details>`);
  return `<section class="block" data-section="manifest" id="manifest">
<h2>Manifest</h2><p class="caption">The experiment as run: seeds, replications, variants, sweep, configuration and versions (from manifest.json).</p>
${parts.join("\n")}
</section>`;
}

export function renderHtml(data: ReportData, figures: Figure[]): string {
  const mf = data.manifest;
  const title = `${mf.name}: Cascade report`;
  const facts: string[] = [];
  const variants = data.variants.map(
    (v) => `${escapeHtml(v)}${v === data.baseline ? '<span class="tag">baseline</span>' : ""}`,
  );
  if (variants.length) facts.push(`<li><b>Variants:</b> ${variants.join(", ")}</li>`);
  if (mf.replications !== null)
    facts.push(`<li><b>Replications:</b> ${escapeHtml(String(mf.replications))}</li>`);
  if (data.runs.length) {
    const part =
      mf.runs !== null && data.runs.length < mf.runs
        ? ` of the experiment's ${mf.runs} (a shard or an incomplete folder: the charts and tables cover these runs only)`
        : "";
    facts.push(`<li><b>Runs:</b> ${data.runs.length}${part}</li>`);
  }
  if (data.sweepParams.length) {
    facts.push(
      `<li><b>Sweep:</b> ${data.sweepParams.map(escapeHtml).join(" × ")} (${Math.max(data.manifest.points.length, data.points.filter((p) => p.label).length)} points)</li>`,
    );
  }
  if (mf.seed !== null) facts.push(`<li><b>Root seed:</b> ${escapeHtml(String(mf.seed))}</li>`);
  if (data.liquidationRows) {
    // as the liquidations metric counts them: settlement records are not liquidations
    const settled = data.settlementRows;
    const also =
      settled > 0
        ? ` (liquidations.csv also holds ${settled} settlement record${settled === 1 ? "" : "s"}: a deficit booked, quantity 0)`
        : "";
    facts.push(`<li><b>Liquidations:</b> ${data.liquidationRows - settled}${also}</li>`);
  }
  const missing = Object.entries(data.files)
    .filter(([, ok]) => !ok)
    .map(([f]) => f);
  const band = bandWarning(data.summary.map((r) => r.raw));
  const nav = [
    ...figures.map((f) => `<a href="#chart-${escapeHtml(f.id)}">${escapeHtml(f.title)}</a>`),
    data.metrics.length ? `<a href="#metrics">Metrics</a>` : "",
    data.summary.length ? `<a href="#summary">Summary table</a>` : "",
    data.comparison.length ? `<a href="#comparison">Comparison table</a>` : "",
    `<a href="#manifest">Manifest</a>`,
  ].join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cascade report">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(mf.name)}</h1>
${mf.description ? `<p class="desc">${escapeHtml(mf.description)}</p>` : ""}
<ul class="facts">${facts.join("")}</ul>
${band ? `<p class="warning">${escapeHtml(band)}</p>` : ""}
${missing.length ? `<p class="note">Not in the results directory: ${missing.map(escapeHtml).join(", ")}.</p>` : ""}
</header>
<nav>${nav}</nav>
${figures.map(figureHtml).join("\n")}
${metricsSection(data)}
${summaryTables(data)}
${manifestSection(data)}
</main>
</body>
</html>
`;
}
