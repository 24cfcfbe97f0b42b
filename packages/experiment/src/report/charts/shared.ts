/**
 * What the report's charts share: the Figure a chart returns, hover texts (tips), fitting a chart
 * to the page column, the variant and sweep point scales and legends, and which metrics and sweep
 * points are drawn.
 */

import { metricInfoOf } from "../../metric-info.js";
import { isZeroOneOutcome } from "../../stats.js";
import { fmtNum, shortNumber } from "../format.js";
import {
  type ComparisonRow,
  choosePathPoints,
  type ReportData,
  type SummaryRow,
  type SweepPoint,
  sortPoints,
} from "../load.js";
import type { VlSpec } from "../render.js";
import { textWidth } from "../text-width.js";

export type Render = (spec: VlSpec) => Promise<string>;

export interface Panel {
  subtitle?: string;
  /** The unit of what the panel draws, beside its subtitle (a heat map's metric: its mean's unit). */
  unit?: string;
  svg: string;
}

export interface Figure {
  id: string;
  title: string;
  caption: string;
  panels: Panel[];
  /**
   * The widths of the page's columns of panels, one a column (a panel a row each): html.ts lays
   * the panels out in them, the same at any window width; the chart made each column's panels
   * as wide. Without it the panels follow one another.
   */
  columnWidths?: number[];
  note?: string;
}

/** Room the chart layouts plan their panels for (facet columns, path and heat map widths). */
export const PAGE_WIDTH = 1120;

/**
 * A mark's hover text (its aria-label, which render.ts makes the SVG <title>): readable names and
 * numbers as the tables write them (fmtNum); blank parts are left out. Charts put it in a `tip`
 * field of each datum and draw it with TIP: Vega-Lite's own would list every encoded field
 * (internal ones too) in Vega's number formats.
 */
export function tip(parts: Array<[string, unknown]>): string {
  return parts
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "number" ? fmtNum(v) : String(v)}`)
    .join("; ");
}

/** An interval for a tip: "low to high", or null when either end is blank. */
export function span2(lo: number | null | undefined, hi: number | null | undefined): string | null {
  return lo === null || lo === undefined || hi === null || hi === undefined
    ? null
    : `${fmtNum(lo)} to ${fmtNum(hi)}`;
}

/** The encoding that makes a datum's `tip` its mark's hover text. */
export const TIP = { description: { field: "tip" } };

/** A sweep point in a tip: its parameters and values. */
export const POINT = "sweep point";

/**
 * Widest SVG the page shows at its own size: html.ts's main (1240) less its padding (2 x 28), a
 * figure's padding (2 x 18) and border (2). A wider one is shrunk by CSS, text and all.
 */
export const COLUMN_WIDTH = 1146;

/** Space between the SVGs of a figure's panels side by side (html.ts: .panels' column gap). */
export const PANEL_GAP = 28;

/** Narrowest panel fitToColumn makes (below it, the page shrinks the chart instead). */
export const MIN_PANEL_WIDTH = 120;

/** The width attribute of a rendered SVG. */
export function svgWidth(svg: string): number {
  return Number(svg.match(/^<svg[^>]*?\swidth="([\d.]+)"/)?.[1] ?? 0);
}

/** An SVG made `width` px wide (not narrower), its drawing where it was and the room added at its right. */
export function widenSvg(svg: string, width: number): string {
  const m = svg.match(/^<svg([^>]*?)\swidth="([\d.]+)"([^>]*?)\sviewBox="0 0 ([\d.]+) ([\d.]+)"/);
  if (m === null || Number(m[2]) >= width) return svg;
  return svg.replace(m[0], `<svg${m[1]} width="${width}"${m[3]} viewBox="0 0 ${width} ${m[5]}"`);
}

/**
 * Renders a chart no wider than the page column (or `room`, a share of it): axes, headers and
 * legends take room Vega only knows once it lays them out, so a chart drawn too wide is drawn
 * again with its `across` panels narrowed by the excess. Headers, tick labels and legends do not
 * narrow with the panels: a wrapped facet (`columns`) still too wide then gets a column fewer, at
 * its first width. `fitted` (not for a wrapped facet) carries the width one panel ended at to the next.
 */
export async function fitToColumn(
  render: Render,
  spec: VlSpec,
  across?: number,
  fitted?: FittedWidth,
  room = COLUMN_WIDTH,
): Promise<string> {
  // (`across` given: the columns mean something, e.g. a variant each, and stay)
  const wrapped = across === undefined && typeof spec.columns === "number";
  let columns = across ?? (wrapped ? (spec.columns as number) : 1);
  let current = spec;
  const planned = ((spec.spec ?? spec) as VlSpec).width as number;
  // A panel like the one before (same layout, another instrument) starts at the width that one
  // fitted at: its first render is then usually its last.
  if (fitted?.width != null && fitted.width < planned && !wrapped)
    current = spec.spec
      ? { ...spec, spec: { ...(spec.spec as VlSpec), width: fitted.width } }
      : { ...spec, width: fitted.width };
  let svg = await render(current);
  for (let i = 0; i < 4 && svgWidth(svg) > room; i++) {
    const unit = (current.spec ?? current) as VlSpec;
    const narrower = Math.floor((unit.width as number) - (svgWidth(svg) - room) / columns);
    if (wrapped && columns > 1 && (i > 0 || narrower < MIN_PANEL_WIDTH)) {
      columns -= 1;
      current = { ...spec, columns };
    } else if (narrower >= MIN_PANEL_WIDTH) {
      current = current.spec
        ? { ...current, spec: { ...unit, width: narrower } }
        : { ...current, width: narrower };
    } else break;
    svg = await render(current);
  }
  if (fitted !== undefined && !wrapped) fitted.width = ((current.spec ?? current) as VlSpec).width as number;
  return svg;
}

/** The panel width fitToColumn last ended at, for the next panel of the same layout to start from. */
export interface FittedWidth {
  width: number | null;
}

/**
 * Variants by colour, in the experiment's order; with one variant, no legend ("variant: default"
 * tells the reader nothing).
 */
export function variantColor(data: ReportData): Record<string, unknown> {
  return {
    field: "variant",
    type: "nominal",
    title: "variant",
    scale: { domain: data.variants, scheme: "tableau10" },
    ...(data.variants.length === 1 ? { legend: null } : {}),
  };
}

/** Room for variantColor's legend of the `shown` variants: none with one variant (it has no legend). */
export function variantLegendRoom(data: ReportData, shown: readonly string[] = data.variants): number {
  return data.variants.length > 1 ? legendRoom(["variant"], shown) : 0;
}

/** A metric's unit (BUILTIN_METRIC_INFO, or a custom metric's declared `unit`), or undefined. */
export function metricUnit(data: ReportData, metric: string): string | undefined {
  return metricInfoOf(metric, data.manifest.customMetrics, data.manifest.metricInfo)?.unit || undefined;
}

/** Room above a panel's plot its marks may take (a marker on the top edge, a flush end label). */
const HEADROOM = 8;

/**
 * A layer for each panel of a facet by metric (metricHeader): an invisible rule HEADROOM px above
 * the plot. Vega sets a header a fixed distance above the top of what its panel draws, so a marker
 * on the top edge of one panel raised its header 2-6 px above its neighbours'; with the rule, that
 * top is the same in every panel.
 */
export const HEADER_LEVEL: VlSpec = {
  data: { values: [{}] },
  mark: { type: "rule", opacity: 0, aria: false },
  encoding: { y: { value: -HEADROOM } },
};

/**
 * The header of a facet by metric: the metric's name, its unit on a second line (as the heat
 * maps' headings put it beside the name; one line "name (unit)" stuck out of a 200 px panel),
 * level in a row of panels with HEADER_LEVEL among their layers. No unit known for any: the
 * names alone.
 */
function metricHeader(data: ReportData, metrics: readonly string[]): Record<string, unknown> {
  const units = metricsWithUnits(data, metrics);
  // as far above the plot as Vega-Lite's default 10 px above a panel drawing nothing above it
  const level = { labelPadding: 10 - HEADROOM };
  if (units.length === 0) return level;
  const u = `{${units.join(", ")}}[datum.value]`;
  // (a metric with no unit among them: a blank second line, its name level with the others')
  return { ...level, labelExpr: `[datum.value, isValid(${u}) ? ${u} : '']` };
}

/** A facet by metric, in `metrics`' order, each panel headed by metricHeader. */
export function metricFacet(data: ReportData, metrics: readonly string[]): Record<string, unknown> {
  return {
    field: "metric",
    type: "nominal",
    title: null,
    sort: metrics,
    header: metricHeader(data, metrics),
  };
}

/** Height metricHeader adds to a header line: a line of 11 px text when it names units, else 0. */
export function metricHeaderExtra(data: ReportData, metrics: readonly string[]): number {
  return metricsWithUnits(data, metrics).length > 0 ? 13 : 0;
}

/** The `"metric": "unit"` entries of the metrics with a unit known. */
function metricsWithUnits(data: ReportData, metrics: readonly string[]): string[] {
  return metrics.flatMap((m) => {
    const unit = metricUnit(data, m);
    return unit === undefined ? [] : [`${JSON.stringify(m)}: ${JSON.stringify(unit)}`];
  });
}

/** The sweep points in sweep order. */
export function sortedPoints(data: ReportData): SweepPoint[] {
  return sortPoints(data.points, data.sweepParams);
}

/** Short labels (values only) in sweep order. */
export function sortedShortLabels(data: ReportData): string[] {
  return [...new Set(sortedPoints(data).map((p) => p.short))];
}

/**
 * The axis of sweep points labelled by their values (short labels): each point's values one a
 * line, level (labels of all the values side by side overlapped their neighbours in a sweep of
 * three parameters). With no axis title (it would repeat on every panel): pointKey names the
 * parameters in line order for the caption.
 */
export const POINT_AXIS = { labelAngle: 0, labelLimit: 0, labelExpr: "split(datum.label, ', ')" };

/** How POINT_AXIS's labels read, for a caption ("" for one parameter, named there already). */
export function pointKey(params: readonly string[]): string {
  return params.length === 1 ? "" : `; x: the values of a point, one a line: ${params.join(", then ")}`;
}

/**
 * Width a point takes on POINT_AXIS: `least`, and room for the widest of its values (at the
 * axis' 10 px font) and a gap.
 */
export function pointSlot(shortLabels: readonly string[], least = 0): number {
  const widest = widestText(["0", ...shortLabels.flatMap((l) => l.split(", "))]);
  return Math.max(least, Math.ceil(widest) + 8);
}

/**
 * How many panels of `panelWidth`, `gap` apart (axis and spacing), a wrapped facet puts in a row
 * beside `fixed` pixels the panels do not repeat (a shared axis, the legends: see legendRoom).
 */
export function facetColumns(n: number, panelWidth: number, gap = 60, fixed = 0): number {
  return Math.max(1, Math.min(n, Math.floor((PAGE_WIDTH - fixed) / (panelWidth + gap))));
}

/** The widest of some texts as the page draws them (textWidth: Helvetica; `bold` for titles and headers). */
export function widestText(texts: readonly string[], fontSize = 10, bold = false): number {
  return Math.max(0, ...texts.map((t) => textWidth(t, fontSize, bold)));
}

/**
 * Room the legends take right of a chart (Vega stacks them in one column): the wider of a title
 * (11 px bold) and a label (10 px) beside its symbol, and the legend's offset from the chart.
 */
export function legendRoom(titles: readonly string[], labels: readonly string[]): number {
  return Math.ceil(Math.max(widestText(titles, 11, true), 24 + widestText(labels))) + 18;
}

/**
 * Colour channel title and legend for the sweep points (`shorts`, their short labels): one
 * parameter per line, uncut. Vega cuts a legend title at 180 px by default, which a parameter path
 * reaches at ~30 characters.
 */
export function sweepLegend(params: readonly string[], shorts: readonly string[]): Record<string, unknown> {
  return {
    ...sweepTitle(params),
    legend: { titleLimit: 0, description: sweepValuesDescription("Symbol legend", params, shorts) },
  };
}

/** Vega's longest list of a discrete scale's values in a description: past it, the first 5 and the last. */
const LISTED_VALUES = 7;

/**
 * What a screen reader says for an axis or legend of sweep values (its aria-label): the
 * parameters they are values of, then the values, a point of several parameters in brackets
 * ("X-axis of (a, b) with 4 values: (0.1, 0), (0.1, 0.1), (1, 0), (1, 0.1)"). Vega's own named no
 * parameter on an axis without a title, and ran the values of several together ("0.1, 0, 0.1,
 * 0.1"). `values` as the chart writes them (short labels: a point's values ", " apart). The paired
 * differences' rows of variants are read the same way, as values of ["variant"].
 */
export function sweepValuesDescription(
  guide: "X-axis" | "Y-axis" | "Symbol legend",
  params: readonly string[],
  values: readonly string[],
): string {
  const one = params.length === 1;
  const read = values.map((v) => (one ? v : `(${v})`));
  const listed =
    read.length > LISTED_VALUES
      ? `${read.slice(0, LISTED_VALUES - 2).join(", ")}, ending with ${read[read.length - 1]}`
      : read.join(", ");
  const of = one ? params[0] : params.length === 0 ? "the sweep points" : `(${params.join(", ")})`;
  return `${guide} of ${of} with ${values.length} value${values.length === 1 ? "" : "s"}: ${listed}`;
}

/** A channel title naming the sweep parameters, one a line (a panel is narrower than all of them). */
function sweepTitle(params: readonly string[]): { title: string | string[] } {
  const lines = params.map((p, i) => (i < params.length - 1 ? `${p},` : p));
  return { title: lines.length === 1 ? lines[0] : lines };
}

export { COMPACT_FROM } from "../format.js";

/**
 * Axis labels of an independent scale (`child_x`, `child_y` in a facet): short when its domain is
 * a single value (Vega's default format then prints 6 decimals: 0.000000), and SI-style (12M,
 * 150k: d3-format's "~s") when the domain reaches COMPACT_FROM, where Vega's 12,000,000 would widen
 * the axis (tickSpecifier, format.ts). Other axes keep Vega's labels; the tips and tables keep the
 * exact values. render.ts gives the axis' aria-label ("values from 0 to 12M") the same format.
 */
export function tickLabels(scale: string): Record<string, unknown> {
  const specifier = `tickSpecifier(domain('${scale}'))`;
  return { labelExpr: `${specifier} === '' ? datum.label : format(datum.value, ${specifier})` };
}

/**
 * Metrics with one value in every run that has one (adl_volume 0 without ADL, the band-edge
 * columns when no price reached its band, recovered 1...), with that value. Their box plots,
 * paired differences and heat maps would be empty panels reading "0" (two per instrument for the
 * band edges): the charts leave them out and their captions name them; the tables keep them.
 */
export function constantMetrics(data: ReportData): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of data.metrics) {
    let value: number | null = null;
    let constant = true;
    for (const r of data.runs) {
      const v = r.values[m];
      if (v === null || v === undefined) continue;
      if (value === null) value = v;
      else if (v !== value) {
        constant = false;
        break;
      }
    }
    if (constant && value !== null) out.set(m, value);
  }
  return out;
}

/**
 * " Constant in every run, not drawn: a (0), b (1)." or "", the metrics blank in some runs named
 * apart with how many ("recovery_time (60; blank in 19 of 24 runs)"): constant only where present.
 */
export function constantNote(data: ReportData): string {
  const constant = constantMetrics(data);
  if (constant.size === 0) return "";
  const everywhere: string[] = [];
  const wherePresent: string[] = [];
  for (const [m, v] of constant) {
    let blank = 0;
    for (const r of data.runs) if (r.values[m] === null || r.values[m] === undefined) blank++;
    if (blank === 0) everywhere.push(`${m} (${shortNumber(v)})`);
    else wherePresent.push(`${m} (${shortNumber(v)}; blank in ${blank} of ${data.runs.length} runs)`);
  }
  const parts: string[] = [];
  if (everywhere.length > 0) parts.push(` Constant in every run, not drawn: ${everywhere.join(", ")}.`);
  if (wherePresent.length > 0)
    parts.push(` Constant in every run where not blank, not drawn: ${wherePresent.join(", ")}.`);
  return parts.join("");
}

/**
 * The metrics of a paired chart's rows (comparison.csv's, those it would draw) whose every paired
 * difference is 0, as the statistics write it: a mean difference of 0 and no effect size (the
 * differences' standard deviation 0, or a single pair; stats.ts pairedComparison). They are set by
 * what the chart's pairs share (the replication's drawn shock, insurance-fund's shock_size; the
 * sweep point, for the variants' pairs), not by what they compare: panels of zeros, which the
 * chart leaves out and names (unchangedNote). Decided on each chart's own rows: a metric the
 * variant does not move may still move with the swept parameter, in the other paired chart.
 */
export function unchangedMetrics(rows: readonly ComparisonRow[]): Set<string> {
  const moved = new Set(
    rows.filter((r) => r.mean_diff !== 0 || r.raw.effect_size !== "").map((r) => r.metric),
  );
  return new Set(rows.filter((r) => !moved.has(r.metric)).map((r) => r.metric));
}

/** A paired chart's caption line naming unchangedMetrics' metrics, left unchanged by `compared` ("" for none). */
export function unchangedNote(metrics: Iterable<string>, compared: string): string {
  const named = [...metrics];
  if (named.length === 0) return "";
  return ` Not drawn, every paired difference 0 (the same in both runs of each pair: not changed by ${compared}): ${named.join(", ")}.`;
}

/** Most sweep points the distributions and the cascade depth draw one by one. */
const MAX_SPLIT_POINTS = 12;

/**
 * The sweep points the distributions and the cascade depth show, in sweep order, each apart (a
 * distribution pooled over points mixes their effects): all of them while there are few, else the
 * price paths' choice (corners of a grid; first, middle, last). `text` names a choice for captions.
 */
export function splitPoints(data: ReportData): { points: SweepPoint[]; text: string } {
  const all = sortedPoints(data);
  if (all.length <= MAX_SPLIT_POINTS) return { points: all, text: "" };
  const chosen = choosePathPoints(all, data.sweepParams);
  const how =
    chosen.how === "corners"
      ? "the corners of the grid, each parameter at its first and last value"
      : "the first, middle and last in sweep order";
  return { points: chosen.points, text: `; ${chosen.points.length} of the ${all.length} points: ${how}` };
}

/** The interval kinds, as legends and tips name them. */
export const T_INTERVAL = "95% t interval";
export const BOOT_INTERVAL = "95% BCa bootstrap interval";
/** A 0/1 outcome's ci_low / ci_high: Wilson's in summary.csv, Newcombe's in comparison.csv. */
const WILSON_INTERVAL = "95% Wilson interval";
export const NEWCOMBE_INTERVAL = "95% Newcombe interval";

/**
 * The 0/1 outcomes, by the rule summary.csv and comparison.csv were written with
 * (isZeroOneOutcome): their ci_low / ci_high are Wilson's and Newcombe's intervals, not t intervals.
 */
export function zeroOneOutcomes(data: ReportData): Set<string> {
  const custom = new Set(data.manifest.customMetrics);
  // a column's values, read only for the metrics the rule looks at (the custom ones)
  const column = (m: string): Iterable<number | null> => ({
    *[Symbol.iterator]() {
      for (const r of data.runs) yield r.values[m] ?? null;
    },
  });
  return new Set(data.metrics.filter((m) => isZeroOneOutcome(m, custom.has(m), column(m))));
}

/** A caption's note naming the 0/1 outcomes among `shown`, whose intervals are `kind`'s, not t. */
export function outcomeNote(
  outcomes: Set<string>,
  shown: readonly string[],
  kind: "Wilson" | "Newcombe",
): string {
  const named = shown.filter((m) => outcomes.has(m));
  if (named.length === 0) return "";
  const what =
    kind === "Wilson" ? "the score interval of the rate" : "the interval of a difference of paired rates";
  return ` For the 0/1 outcome${named.length > 1 ? "s" : ""} ${named.join(", ")} the interval is ${kind}'s (${what}), not a t interval.`;
}

/** The metrics summary.csv has a mean for, in runs.csv's order, constant ones left out. */
export function summaryMetrics(data: ReportData, rows: SummaryRow[]): string[] {
  const constant = constantMetrics(data);
  const ms = data.metrics.filter((m) => rows.some((r) => r.metric === m && r.mean !== null));
  for (const r of rows) if (r.mean !== null && !ms.includes(r.metric)) ms.push(r.metric);
  return ms.filter((m) => !constant.has(m));
}

/** The tips of a summary row's mean (every statistic), band and bootstrap bar, at `where`. */
export function summaryTips(
  r: SummaryRow,
  name: string,
  where: string | undefined,
  outcome = false,
): Record<string, string> {
  const which: Array<[string, unknown]> = [
    ["metric", r.metric],
    ["variant", r.variant],
    [name, where],
  ];
  const interval = outcome ? WILSON_INTERVAL : T_INTERVAL;
  const t: [string, unknown] = [interval, span2(r.ci_low, r.ci_high)];
  const boot: [string, unknown] = [BOOT_INTERVAL, span2(r.boot_low, r.boot_high)];
  return {
    tip: tip([...which, ["mean", r.mean], t, boot, ["runs", r.n]]),
    bandTip: tip([
      ["metric", r.metric],
      ["variant", r.variant],
      ["band", interval],
    ]),
    bootTip: tip([...which, boot]),
  };
}
