/**
 * The few lines `cascade run` prints when it is done: for the headline cascade metrics, each
 * variant's mean with its 95% interval and, for the other variants, the paired difference against
 * the baseline with its p-value. Read from summary.csv / comparison.csv, so it shows exactly what
 * the files say.
 */
import { join } from "node:path";
import type { PopulationSpec } from "@cascade/agents";
import { sweepPaths } from "./paths.js";
import { type CsvRow, readCsv } from "./report/csv.js";
import { fmtNum, pointValue } from "./report/format.js";
import { readManifest } from "./results-files.js";

const HEADLINE = [
  "liquidated_notional",
  "accounts_liquidated",
  "max_cascade_depth",
  "peak_drawdown",
  "bad_debt",
  // what a backstop vault made or lost: a vault policy's low bad_debt says nothing about it
  "backstop_pnl",
  "mean_slippage",
];

async function readRows(file: string): Promise<CsvRow[] | null> {
  const out: CsvRow[] = [];
  return (await readCsv(file, (r) => out.push(r))) === null ? null : out;
}

/**
 * A statistic as the report writes it (fmtNum: 5,723,343.6, 0.05799, 1.2e-6), so the table and
 * report.html read alike; "-" for a blank cell (no value), which padding would make invisible.
 */
function num(s: string | undefined): string {
  if (s === undefined || s === "") return "-";
  const x = Number(s);
  return Number.isFinite(x) ? fmtNum(x) : s;
}

/** Columns padded to their widest cell, two spaces apart. */
function layout(rows: string[][]): string {
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

/** A sweep: each point's means, one row per point and variant, this many rows at most. */
const SWEEP_ROWS = 20;

/**
 * Text table of the headline metrics (metrics.headline; by default HEADLINE, or the first custom
 * metrics when the results hold none of those; empty string when files are missing or hold none).
 * Several variants: each variant's mean and interval and its paired difference against the
 * baseline. A sweep: the means at each point, by variant when there are several (20 rows at most).
 * Then warnings: prices at their band, a saturated cascade, custom metrics blank in every run (or
 * in every run of some variants).
 */
export async function headline(outDir: string): Promise<string> {
  const summary = await readRows(join(outDir, "summary.csv"));
  const comparison = await readRows(join(outDir, "comparison.csv"));
  if (summary === null || comparison === null) return "";
  const manifest = readManifest(outDir);
  const custom = manifestList(manifest, "customMetrics") ?? [];
  // metrics.builtIn naming none of the default metrics ([] for a custom-only study): its custom
  // metrics instead of no table.
  const shown =
    manifestList(manifest, "headline") ??
    (HEADLINE.some((m) => summary.some((r) => r.metric === m)) ? HEADLINE : custom.slice(0, HEADLINE.length));
  return [
    table(summary, comparison, shown),
    bandWarning(summary),
    saturationWarning(summary),
    blankWarning(summary, custom, await emptyPopulations(manifest, summary, custom)),
  ]
    .filter((x) => x !== "")
    .join("\n\n");
}

/**
 * A warning when every leveraged account was liquidated in every run of a variant (and point):
 * the cascade is saturated there, so policies cannot differ in how many accounts they lose and
 * comparisons of them say little (a walkthrough's first study liquidated all 40 in every run).
 */
function saturationWarning(summary: readonly CsvRow[]): string {
  const full = summary.filter(
    (r) => r.metric === "accounts_liquidated_share" && r.n !== "0" && Number(r.mean) === 1,
  );
  if (full.length === 0) return "";
  const all = summary.filter((r) => r.metric === "accounts_liquidated_share" && r.n !== "0").length;
  const points = new Set(summary.map((r) => r.point)).size;
  const where =
    full.length === all
      ? "every variant"
      : full
          .slice(0, 5)
          .map((r) => `${r.variant}${points > 1 ? ` at point ${r.point}` : ""}`)
          .join(", ") + (full.length > 5 ? ` and ${full.length - 5} more` : "");
  return (
    `warning: every leveraged account was liquidated in every run of ${where} (accounts_liquidated_share = 1): ` +
    "the cascade is saturated there, so the policies cannot differ in the accounts they lose; " +
    "lower the leverage or the shock to compare them."
  );
}

/** A list of metric names in the manifest (customMetrics, headline); null when it is not there. */
function manifestList(
  manifest: Record<string, unknown> | undefined,
  key: "customMetrics" | "headline",
): string[] | null {
  const list = manifest?.[key];
  return Array.isArray(list) ? list.filter((x) => typeof x === "string") : null;
}

/** The labels of the populations without agents at a variant and point, as summary.csv names them. */
type EmptyPopulations = (variant: string, point: string) => string[];

/**
 * Which populations have no agents (count 0) at each variant and point, from the manifest's
 * variant configs and sweep points (applied as the runs were: applyPoint), by label (their name,
 * else their kind: as sweep paths and records.populations name them). Their records.populations
 * values are null, so a custom metric reading them is blank there (world.ts emptyPopulation). Read only when a
 * custom metric is blank in some summary row; none known without the manifest's configs.
 */
async function emptyPopulations(
  manifest: Record<string, unknown> | undefined,
  summary: readonly CsvRow[],
  custom: readonly string[],
): Promise<EmptyPopulations> {
  const none: EmptyPopulations = () => [];
  const m = manifest as
    | {
        variants?: Array<{ name?: unknown; config?: { populations?: unknown } }>;
        sweep?: { parameters?: unknown; points?: Array<{ values?: Record<string, unknown> }> };
      }
    | undefined;
  const params = m?.sweep?.parameters;
  if (!Array.isArray(m?.variants) || !Array.isArray(params) || !Array.isArray(m.sweep?.points)) return none;
  if (!summary.some((r) => r.n === "0" && custom.includes(r.metric))) return none;
  // validate.ts and the agents package: not on the way of every headline.
  const [{ applyPoint }, { populationLabel }] = await Promise.all([
    import("./validate.js"),
    import("@cascade/agents"),
  ]);
  const points = m.sweep.points;
  const cells = new Map<string, string[]>();
  for (const v of m.variants) {
    if (typeof v?.name !== "string" || v.config === null || typeof v.config !== "object") return none;
    for (const [p, pt] of points.entries()) {
      const values = params.map((k) => pt?.values?.[k as string]);
      let config: { populations?: unknown };
      try {
        config = applyPoint(v.config as never, params as string[], values);
      } catch {
        return none; // a manifest this Cascade did not write: nothing to say
      }
      const pops: PopulationSpec[] = Array.isArray(config.populations) ? config.populations : [];
      const empty = pops.flatMap((pop) => (pop?.count === 0 ? [populationLabel(pop)] : []));
      cells.set(`${v.name}\n${p}`, empty);
    }
  }
  return (variant, point) => cells.get(`${variant}\n${point}`) ?? [];
}

/**
 * The populations without agents in every one of the summary rows `rows` (by variant and point):
 * the likely cause of a custom metric blank in all of them, as words to add to its warning ("" when
 * none is empty in all: the warning keeps its words). `where` says where ("in any run", "there");
 * `metrics` are the blank metrics.
 */
function emptyCause(
  rows: readonly CsvRow[],
  emptyAt: EmptyPopulations,
  where: string,
  metrics: readonly string[],
): string {
  const sets = rows.map((r) => emptyAt(r.variant, r.point));
  const common = (sets[0] ?? []).filter((label) => sets.every((s) => s.includes(label)));
  if (common.length === 0) return "";
  const one = common.length === 1;
  return `the population${one ? "" : "s"} ${common.join(", ")} ${one ? "has" : "have"} no agents ${where} (count 0), so ${one ? "its" : "their"} records.populations values are null; if ${metrics.length > 1 ? "they read" : `${metrics[0]} reads`} ${one ? "it" : "them"}, that is why, else check ${metrics.length > 1 ? "their" : "its"} code`;
}

/**
 * A warning for custom metrics with no value in any run (they returned null, NaN or an infinity
 * every time: a misspelt population name in `r.populations?.find(...)`, say). The column is
 * blank, and nothing else would say so.
 */
function blankWarning(
  summary: readonly CsvRow[],
  custom: readonly string[],
  emptyAt: EmptyPopulations,
): string {
  const lines: string[] = [];
  const blank: string[] = [];
  for (const m of custom) {
    const rows = summary.filter((r) => r.metric === m);
    if (rows.length === 0) continue;
    if (rows.every((r) => r.n === "0")) {
      blank.push(m);
      continue;
    }
    // Blank in every run of some variants only: a misspelt field the other variants never reach
    // (a walkthrough's l.bad_debt, for badDebt, was NaN only under the policy that left bad debt).
    const variants = [...new Set(rows.map((r) => r.variant))];
    const empty = variants.filter((v) => rows.every((r) => r.variant !== v || r.n === "0"));
    if (empty.length === 0) continue;
    const cause = emptyCause(
      rows.filter((r) => empty.includes(r.variant)),
      emptyAt,
      "there",
      [m],
    );
    lines.push(
      `note: the custom metric ${m} had no value in any run of ${empty.length > 1 ? "the variants" : "variant"} ${empty.join(", ")} (each returned null, NaN or an infinity there)${cause ? `: ${cause}.` : "; if that is not by design, check its code."}`,
    );
  }
  if (blank.length > 0) {
    const cause = emptyCause(
      summary.filter((r) => r.metric === blank[0]),
      emptyAt,
      "in any run",
      blank,
    );
    lines.unshift(
      `warning: the custom metric${blank.length > 1 ? "s" : ""} ${blank.join(", ")} had no value in any run (each returned null, NaN or an infinity): ${cause || `check ${blank.length > 1 ? "their" : "its"} code`} (in runs.csv the column is blank).`,
    );
  }
  return lines.join("\n");
}

function table(summary: CsvRow[], comparison: CsvRow[], shown: readonly string[]): string {
  // A metric with no value in any run (backstop_pnl without a vault) has no row, nor a sweep column.
  const metrics = shown.filter((m) => summary.some((r) => r.metric === m && r.n !== "0"));
  if (metrics.length === 0) return "";
  const variants = [...new Set(summary.map((r) => r.variant))];
  const points = [...new Set(summary.map((r) => r.point))];
  // p_holm and p_wilcoxon_holm: p-values adjusted over the metric's comparisons (not in older folders).
  const holm = comparison.some((r) => r.p_holm !== undefined);
  if (points.length > 1) return sweepTable(summary, holm ? comparison : [], metrics, points, variants);
  const header = ["variant", "metric", "mean", "95% CI", "diff vs baseline", "95% CI", "p"];
  const rows: string[][] = [holm ? [...header, "p Holm"] : header];
  for (const m of metrics) {
    for (const v of variants) {
      // one point (a sweep goes to sweepTable)
      const s = summary.find((r) => r.variant === v && r.metric === m);
      // no value in any run (backstop_pnl of a policy without a vault): no row
      if (!s || s.n === "0") continue;
      // against the baseline variant (not a variant against itself at a sweep reference point)
      const c = comparison.find((r) => r.variant === v && r.metric === m && r.baseline !== v);
      const stats = [v, m, num(s.mean), `[${num(s.ci_low)}, ${num(s.ci_high)}]`];
      if (c === undefined) rows.push([...stats, "(baseline)", "", "", ...(holm ? [""] : [])]);
      // No pair with a value on both sides: backstop_pnl against a baseline without a vault. There
      // is no difference to give (a missing vault is not a vault that made 0); the mean is the result.
      else if (c.n_pairs === "0")
        rows.push([...stats, `(none in ${c.baseline})`, "", "", ...(holm ? [""] : [])]);
      else
        rows.push([
          ...stats,
          num(c.mean_diff),
          `[${num(c.ci_low)}, ${num(c.ci_high)}]`,
          num(c.p_value),
          ...(holm ? [num(c.p_holm)] : []),
        ]);
    }
  }
  if (rows.length === 1) return "";
  return layout(rows);
}

/**
 * A warning when prices sat at their band's edge (ticks_at_price_band > 0): the band is hard, so the
 * price there is clipped, not found, and a shock or a cascade can look smaller than it is.
 */
export function bandWarning(summary: readonly CsvRow[]): string {
  const hit = summary.filter((r) => r.metric === "ticks_at_price_band" && Number(r.mean) > 0);
  if (hit.length === 0) return "";
  const points = new Set(summary.map((r) => r.point)).size;
  // Which instrument and which edge (ticks_at_min_price_<SYM> / ticks_at_max_price_<SYM>).
  const edges = (v: CsvRow) =>
    summary
      .filter((r) => r.variant === v.variant && r.point === v.point && Number(r.mean) > 0)
      .map((r) => /^ticks_at_(min|max)_price_(.+)$/.exec(r.metric ?? ""))
      .filter((m) => m !== null)
      .map((m) => `${m[2]} at its ${m[1]}Price`);
  const where = hit
    .slice(0, 5)
    .map((r) => {
      const at = edges(r);
      return `${r.variant}${points > 1 ? ` at point ${r.point}` : ""} (${num(r.mean)} ${Number(r.mean) === 1 ? "tick" : "ticks"} per run on average${at.length > 0 ? `; ${at.join(", ")}` : ""})`;
    })
    .join(", ");
  const more = hit.length > 5 ? ` and ${hit.length - 5} more` : "";
  return (
    `warning: prices reached their band (within one tick of an instrument's minPrice or maxPrice) in ${where}${more}. ` +
    "Orders outside the band are refused, so the price there is clipped: widen the band " +
    "(market.instruments[].maxPrice, default 4 x initialPrice, or minPrice, default 1). " +
    "See ticks_at_price_band and ticks_at_min_price_<SYM> / ticks_at_max_price_<SYM> in summary.csv."
  );
}

/**
 * A sweep's means at each point (by variant when there are several: point 0 alone said nothing
 * about the swept parameter, and it may be the point where what is swept is absent).
 */
function sweepTable(
  summary: CsvRow[],
  comparison: CsvRow[],
  metrics: string[],
  points: string[],
  variants: string[],
): string {
  const params = sweptColumns(summary[0]);
  const mean = new Map<string, string>();
  for (const r of summary) mean.set(`${r.variant}\u0000${r.point}\u0000${r.metric}`, r.mean);
  const several = variants.length > 1;
  // Each mean's paired comparison: with several variants against the baseline variant at the
  // point, else against the point's reference point. Marked by how many of the two tests find a
  // difference at Holm-adjusted p < 0.05 (`comparison` is empty for older folders: no marks).
  const marks = new Map<string, string>();
  const below = (p: string | undefined) => p !== undefined && p !== "" && Number(p) < 0.05;
  for (const r of comparison) {
    if (several ? r.baseline === r.variant : r.point === r.baseline_point) continue;
    const n = (below(r.p_holm) ? 1 : 0) + (below(r.p_wilcoxon_holm) ? 1 : 0);
    if (n > 0) marks.set(`${r.variant}\u0000${r.point}\u0000${r.metric}`, n === 2 ? " **" : " *");
  }
  const first = new Map<string, CsvRow>();
  for (const r of summary) if (!first.has(r.point)) first.set(r.point, r);
  const shown = points.slice(0, Math.max(1, Math.floor(SWEEP_ROWS / variants.length)));
  const rows = [["point", ...shortNames(params), ...(several ? ["variant"] : []), ...metrics]];
  for (const pt of shown) {
    for (const v of variants) {
      rows.push([
        pt,
        ...params.map((p) => pointValue(first.get(pt)?.[p] ?? "")),
        ...(several ? [v] : []),
        ...metrics.map((m) => {
          const key = `${v}\u0000${pt}\u0000${m}`;
          return `${num(mean.get(key))}${marks.get(key) ?? ""}`;
        }),
      ]);
    }
  }
  const more = points.length > shown.length ? `the first ${shown.length} of ${points.length} points; ` : "";
  const against = several
    ? "paired differences against the baseline variant at each point, and against a sweepReference, in comparison.csv"
    : "paired differences against each point's reference in comparison.csv";
  const key =
    comparison.length > 0
      ? `\n* / **: one / both of the paired tests (t, signed-rank) find a difference from ${several ? "the baseline variant at that point" : "the point's reference"} at Holm-adjusted p < 0.05 (p_holm, p_wilcoxon_holm)`
      : "";
  return `means per sweep point${several ? " and variant" : ""} (${more}intervals and every point in summary.csv; ${against})\n${layout(rows)}${key}`;
}

/** The swept parameters of summary.csv: its columns between point and metric. */
function sweptColumns(row: CsvRow): string[] {
  const keys = Object.keys(row);
  return keys.slice(keys.indexOf("point") + 1, keys.indexOf("metric"));
}

/**
 * Swept paths by their last segment ("leverage"; a linked key's distinct last segments joined by
 * "+": "insuranceFund+capital"), or whole when two would share one.
 */
function shortNames(params: string[]): string[] {
  const last = params.map((p) =>
    [...new Set(sweepPaths(p).map((x) => x.slice(x.lastIndexOf(".") + 1)))].join("+"),
  );
  return new Set(last).size === last.length ? last : params;
}
