/** Box plots of each severity metric's per-run values, by variant (and sweep point). */

import * as vega from "vega";
import type { ReportData, RunRow } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  COLUMN_WIDTH,
  COMPACT_FROM,
  constantMetrics,
  constantNote,
  type Figure,
  facetColumns,
  fitToColumn,
  HEADER_LEVEL,
  metricFacet,
  metricHeaderExtra,
  PAGE_WIDTH,
  POINT,
  POINT_AXIS,
  pointKey,
  pointSlot,
  type Render,
  span2,
  splitPoints,
  sweepValuesDescription,
  TIP,
  tickLabels,
  tip,
  variantColor,
  variantLegendRoom,
  widestText,
  zeroOneOutcomes,
} from "./shared.js";

/** The R-7 quantile of sorted values (Vega's, so the tip reads what the box draws). */
function quantileSorted(xs: readonly number[], p: number): number {
  const h = (xs.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < xs.length ? xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo]) : xs[lo];
}

/** A box plot's statistics, as Vega-Lite's boxplot mark computed them. */
export interface BoxStats {
  q1: number;
  median: number;
  q3: number;
  /** The whiskers' ends: the lowest and highest values within the fences. */
  lower: number;
  upper: number;
  /** The fences: a value below `low` or above `high` is an outlier (±Infinity for "min-max"). */
  low: number;
  high: number;
}

/**
 * The box of some values sorted ascending (at least one), as Vega-Lite's boxplot with `extent:
 * whiskers` draws it: quartiles and median by Vega's quantile (R-7, d3-array's quantileSorted),
 * fences `whiskers` IQR beyond the quartiles (none for "min-max"), whiskers to the extreme values
 * within them. Computed here, not by Vega from a row per run and metric: those held ~72 KB a run
 * (a report of 10,000 runs peaked at 846 MB, of 50,000 at 3.76 GB, near Node's heap limit).
 */
export function boxStats(sorted: readonly number[], whiskers: "min-max" | number): BoxStats {
  const [q1, median, q3] = [0.25, 0.5, 0.75].map((p) => quantileSorted(sorted, p));
  // as Vega-Lite's filter writes the fences: q1 - k * (q3 - q1), q3 + k * (q3 - q1)
  const fence = whiskers === "min-max" ? Number.POSITIVE_INFINITY : whiskers * (q3 - q1);
  const [low, high] = [q1 - fence, q3 + fence];
  let i = 0;
  while (sorted[i] < low) i++;
  let j = sorted.length - 1;
  while (sorted[j] > high) j--;
  return { q1, median, q3, lower: sorted[i], upper: sorted[j], low, high };
}

/** Narrowest box (quartile to quartile) drawn as a box alone: below it, its median is also a diamond. */
const MIN_BOX_PX = 3;

/** The value axis' domain as Vega draws it (Vega-Lite's `nice: true`: Vega's default 10 ticks). */
function nicedSpan(lo: number, hi: number): number {
  const [d0, d1] = vega.scale("linear")().domain([lo, hi]).nice().domain() as number[];
  return d1 - d0;
}

/** A metric's values in the runs of a variant at a sweep point: one box of the chart. */
interface BoxValues {
  metric: string;
  variant: string;
  point: string;
  label: string;
  values: number[];
}

function boxKey(metric: string, variant: string, point: string): string {
  return `${metric}\u0000${variant}\u0000${point}`;
}

/**
 * The boxes of the drawn runs (in the order their first run comes, as Vega grouped them) and each
 * metric's lowest and highest value over them.
 */
function boxesOf(
  runs: readonly RunRow[],
  metrics: readonly string[],
): { boxes: BoxValues[]; ranges: Map<string, [number, number]> } {
  const byKey = new Map<string, BoxValues>();
  const ranges = new Map<string, [number, number]>();
  for (const r of runs) {
    for (const m of metrics) {
      const v = r.values[m];
      if (v === null) continue;
      const key = boxKey(m, r.variant, r.short);
      let box = byKey.get(key);
      if (box === undefined) {
        box = { metric: m, variant: r.variant, point: r.short, label: r.label, values: [] };
        byKey.set(key, box);
      }
      box.values.push(v);
      const [lo, hi] = ranges.get(m) ?? [v, v];
      ranges.set(m, [Math.min(lo, v), Math.max(hi, v)]);
    }
  }
  return { boxes: [...byKey.values()], ranges };
}

/**
 * A box's row of the chart: its statistics and its tip (`boxTip`: the quartiles, median and
 * whisker ends the box draws, which its parts share).
 *
 * A box whose quartiles are less than MIN_BOX_PX apart on its panel's value axis (`length` px
 * long, `span` its niced domain) draws as a hairline, its colour lost: a nearly constant metric
 * (book_share, 0 or 1 in every run of a variant) read as an empty row. It gets `collapsed`, which
 * the chart draws as a diamond at its median in the variant's colour. Not a box drawn wider
 * (quartiles the runs do not have) nor an axis zoomed per variant (it hides how far apart the
 * variants are): the diamond says "all within a few pixels of here".
 */
function boxRow(
  box: BoxValues,
  stats: BoxStats,
  whiskers: "min-max" | number,
  bySweep: boolean,
  span: number,
  length: number,
): Record<string, unknown> {
  const { q1, median, q3, lower, upper } = stats;
  const boxTip = tip([
    ["metric", box.metric],
    ["variant", box.variant],
    [POINT, bySweep ? box.label : ""],
    ["runs", box.values.length],
    ["median", median],
    ["quartiles", span2(q1, q3)],
    [whiskers === "min-max" ? "min to max" : "whiskers (1.5 IQR)", span2(lower, upper)],
  ]);
  // (a metric with one value in the panel has no axis to measure on: every box is a point)
  const collapsed = span === 0 || ((q3 - q1) / span) * length < MIN_BOX_PX;
  return {
    box: true,
    metric: box.metric,
    variant: box.variant,
    point: box.point,
    q1,
    median,
    q3,
    lower,
    upper,
    boxTip,
    ...(collapsed ? { collapsed } : {}),
  };
}

const PANEL_HEIGHT = 150;

/**
 * The value axis: its ends 6 px beyond the extreme runs, not niced onto them (as the paired
 * differences' DIFF_SCALE). A dot or diamond at a niced end (recovery_time_capped's 600, a
 * diamond at 0) was drawn half over the panel's frame; padded then niced, 0-to-1 reached -0.2.
 */
const VALUE_SCALE = { zero: false, nice: false, padding: 6 };

/**
 * d3-format's "~s" (12M, 150k) in Vega's default locale, as format() writes it on the axes (called
 * without a definition, formatLocale returns that locale; its typings only declare the setter).
 */
const SI = (vega.formatLocale as unknown as () => { format(spec: string): (x: number) => string })().format(
  "~s",
);

/**
 * Width of the widest y axis of the panels: Vega's ticks and labels for each metric's values (from
 * `ranges`' lowest to highest), as wide as the page draws them, plus the 5 px tick and 2 px padding.
 */
function yAxisWidth(ranges: ReadonlyMap<string, [number, number]>): number {
  const count = Math.ceil(PANEL_HEIGHT / 40); // Vega-Lite's tickCount
  let widest = 0;
  for (const [lo, hi] of ranges.values()) {
    const scale = vega.scale("linear")().domain([lo, hi]).nice();
    const [d0, d1] = scale.domain() as number[];
    // as tickLabels writes them: SI-style when the domain reaches COMPACT_FROM
    const format = Math.max(Math.abs(d0), Math.abs(d1)) >= COMPACT_FROM ? SI : scale.tickFormat(count);
    widest = Math.max(widest, widestText((scale.ticks(count) as number[]).map((t) => format(t))));
  }
  return Math.ceil(widest) + 7;
}

/**
 * How many panels a row of the grid holds in the page column: `n` panels are n × (width + gap)
 * wide less 20 px (no gap after the last; the first panel's y axis takes gap − 20), beside the
 * variant legend, with 10 px to spare for a header a little wider than its panel. Planned without
 * the legend, a chart of several variants was drawn too wide and again (cross-asset-contagion: 3
 * renders; execution-styles: 2). facetColumns counts from PAGE_WIDTH: the rest is fixed room.
 */
function distributionColumns(n: number, panelWidth: number, gap: number, legend: number): number {
  return facetColumns(n, panelWidth, gap, legend - (COLUMN_WIDTH + 10 - PAGE_WIDTH));
}

/** A variant's band in the distributions by variant: its box 12 px tall, its runs' dots around it. */
const VARIANT_BAND = 20;

/** Narrowest and widest panel of the distributions by variant (a value axis of 4-6 ticks). */
const MIN_ACROSS = 195;
const MAX_ACROSS = 360;

/** Space between those panels side by side: room for a flush end label's overhang. */
const ACROSS_GAP = 18;

/**
 * The distributions by variant (no sweep point apart): a panel per metric, a row per variant in
 * it, boxes across. The variants' names are one axis at the left of each row of panels, read
 * across it: drawn upright under every panel with a legend beside them, they took 2,134 px for
 * execution-styles' 29 metrics (10 rows of 3 panels 150 px tall, 56 px of names under each).
 * The panels fill the column: as many a row as are MIN_ACROSS wide, beside the names.
 */
function byVariantSpec(
  data: ReportData,
  metrics: readonly string[],
  rows: Array<Record<string, unknown>>,
  layers: (value: Record<string, unknown>, variant: Record<string, unknown>) => VlSpec[],
): VlSpec {
  const { columns, width } = byVariantLayout(data, metrics);
  const variant = {
    field: "variant",
    type: "nominal",
    title: null,
    sort: data.variants,
    axis: { labelLimit: 160 },
  };
  const value = {
    field: "value",
    type: "quantitative",
    title: "value",
    // a tick every ~50 px (Vega-Lite's 40 px crowded labels such as 500k600k) and none overlapping
    axis: {
      title: null,
      ...tickLabels("child_x"),
      labelFlush: true,
      tickCount: Math.max(2, Math.round(width / 50)),
      labelOverlap: true,
    },
    scale: VALUE_SCALE,
  };
  return {
    data: { values: rows },
    facet: metricFacet(data, metrics),
    columns,
    spec: {
      width,
      height: Math.max(40, data.variants.length * VARIANT_BAND),
      layer: [...layers(value, variant), HEADER_LEVEL],
    },
    bounds: "flush",
    // the value axis (5 px tick, 2 px padding, a 10 px line of labels) and the next header
    spacing: { column: ACROSS_GAP, row: 40 + 19 + metricHeaderExtra(data, metrics) },
    resolve: { scale: { x: "independent" }, axis: { x: "independent" } },
  };
}

/** The columns and panel width of the distributions by variant. */
function byVariantLayout(data: ReportData, metrics: readonly string[]): { columns: number; width: number } {
  // the names' width (cut at 160 px), the 5 px tick, 2 px padding, Vega's 5 px padding a side,
  // and 5 px to spare for an end label sticking out of the last panel
  const room = COLUMN_WIDTH - Math.ceil(Math.min(160, widestText(data.variants))) - 7 - 10 - 5;
  const fit = Math.floor((room + ACROSS_GAP) / (MIN_ACROSS + ACROSS_GAP));
  const columns = Math.max(1, Math.min(metrics.length, fit));
  const width = Math.max(
    MIN_ACROSS,
    Math.min(MAX_ACROSS, Math.floor((room + ACROSS_GAP) / columns) - ACROSS_GAP),
  );
  return { columns, width };
}

/**
 * The metrics with a value in some run that is not the same in every run, split into those drawn
 * and those with only the values 0 and 1, which are not: a box of 0s and 1s says nothing their
 * mean does not. That is a question about drawing, so it covers counts that were 0 or 1 in every
 * run as well, which the statistics do not treat as 0/1 outcomes (isZeroOneOutcome: they keep t
 * intervals); binaryNote names the two kinds apart.
 */
function metricsToDraw(data: ReportData): { drawn: string[]; binary: string[] } {
  const constant = constantMetrics(data);
  const drawn: string[] = [];
  const binary: string[] = [];
  for (const m of data.metrics) {
    if (constant.has(m) || !data.runs.some((r) => r.values[m] !== null)) continue;
    const zeroOne = data.runs.every((r) => r.values[m] === null || r.values[m] === 0 || r.values[m] === 1);
    (zeroOne ? binary : drawn).push(m);
  }
  return { drawn, binary };
}

/**
 * The caption's note on the metrics left out of the distributions for having only 0s and 1s: the 0/1
 * outcomes (a rate, with Wilson's interval) apart from counts that were never above 1 (a t interval).
 */
function binaryNote(data: ReportData, binary: string[]): string {
  if (binary.length === 0) return "";
  const zeroOne = zeroOneOutcomes(data);
  const outcomes = binary.filter((m) => zeroOne.has(m));
  const counts = binary.filter((m) => !zeroOne.has(m));
  const where = `${data.sweepParams.length > 0 ? "in the sweep chart and " : ""}in summary.csv`;
  const parts: string[] = [];
  if (outcomes.length > 0)
    parts.push(
      `the 0/1 outcome${outcomes.length > 1 ? "s" : ""} ${outcomes.join(", ")} (${outcomes.length > 1 ? "their rates" : "its rate"}, the mean, with Wilson's interval ${where})`,
    );
  if (counts.length > 0)
    parts.push(
      `${counts.join(", ")}, ${counts.length > 1 ? "counts that were" : "a count that was"} 0 or 1 in every run (the mean, with a t interval ${where})`,
    );
  return ` Not drawn here, having only the values 0 and 1: ${parts.join("; ")}.`;
}

/**
 * The chart's rows: one per box (boxRow), then the runs' own values in run order, each with its
 * tip: every value where the strip of dots is drawn, else only the outliers beyond the whiskers.
 * Vega gets no row per run and metric to aggregate (see boxStats). Returns whether a box is
 * collapsed (drawn as a diamond) and each metric's lowest and highest value.
 */
function chartRows(
  data: ReportData,
  metrics: readonly string[],
  drawn: (r: RunRow) => boolean,
  { strip, bySweep, length }: { strip: boolean; bySweep: boolean; length: number },
): { rows: Array<Record<string, unknown>>; collapsed: boolean; ranges: Map<string, [number, number]> } {
  const { boxes, ranges } = boxesOf(data.runs.filter(drawn), metrics);
  const whiskers = strip ? "min-max" : 1.5;
  const spans = new Map<string, number>();
  for (const [m, [lo, hi]] of ranges) spans.set(m, hi > lo ? nicedSpan(lo, hi) : 0);
  const rows: Array<Record<string, unknown>> = [];
  const fences = new Map<string, BoxStats>();
  for (const box of boxes) {
    const stats = boxStats(
      box.values.sort((a, b) => a - b),
      whiskers,
    );
    fences.set(boxKey(box.metric, box.variant, box.point), stats);
    rows.push(boxRow(box, stats, whiskers, bySweep, spans.get(box.metric) as number, length));
  }
  const collapsed = rows.some((r) => r.collapsed === true);
  for (const [i, r] of data.runs.entries()) {
    if (!drawn(r)) continue;
    for (const m of metrics) {
      const v = r.values[m];
      if (v === null) continue;
      const { low, high } = fences.get(boxKey(m, r.variant, r.short)) as BoxStats;
      const outlier = v < low || v > high;
      if (!strip && !outlier) continue;
      rows.push({
        variant: r.variant,
        metric: m,
        value: v,
        point: r.short,
        // deterministic jitter in [-0.5, 0.5): golden-ratio sequence over the runs
        jitter: (((i + 1) * 0.618034) % 1) - 0.5,
        outlier,
        tip: tip([
          ["variant", r.variant],
          [POINT, bySweep ? r.label : ""],
          ["replication", r.replication],
          [m, v],
        ]),
      });
    }
  }
  return { rows, collapsed, ranges };
}

/**
 * The layers of a box from its row (boxRow), as Vega-Lite's boxplot mark drew them (`outliers:
 * false`, a #222 median): the whiskers, the box (its tip shared by its parts) and the median,
 * in the box's colour where the box has no width. `valueChannel` is the value axis' channel;
 * with the strip of dots the box is see-through.
 */
function boxParts(
  encoding: Record<string, unknown>,
  valueChannel: "x" | "y",
  size: number,
  strip: boolean,
): VlSpec {
  const { color, ...uncoloured } = encoding;
  const opacity = strip ? 0.55 : 1;
  const at = (field: string, end?: string): Record<string, unknown> => ({
    [valueChannel]: { ...(encoding[valueChannel] as Record<string, unknown>), field },
    ...(end === undefined ? {} : { [`${valueChannel}2`]: { field: end } }),
  });
  const whisker = (from: string, to: string): VlSpec => ({
    mark: { type: "rule", opacity, aria: false },
    encoding: { ...uncoloured, ...at(from, to) },
  });
  // a box along the value axis, its median a tick across it
  const [along, across] = valueChannel === "x" ? ["horizontal", "vertical"] : ["vertical", "horizontal"];
  return {
    transform: [{ filter: "datum.box" }],
    layer: [
      whisker("lower", "q1"),
      whisker("q3", "upper"),
      {
        mark: { type: "bar", size, opacity, orient: along, ariaRoleDescription: "box" },
        encoding: { ...encoding, ...at("q1", "q3"), description: { field: "boxTip" } },
      },
      {
        mark: { type: "tick", color: "#222", size, opacity, orient: across, aria: false },
        encoding: {
          ...uncoloured,
          ...at("median"),
          color: { condition: { test: "datum.q1 >= datum.q3", ...(color as Record<string, unknown>) } },
        },
      },
    ],
  };
}

export async function distributions(data: ReportData, render: Render): Promise<Figure | null> {
  const { drawn: metrics, binary } = metricsToDraw(data);
  if (metrics.length === 0) return null;
  const split = splitPoints(data);
  const labels = [...new Set(split.points.map((p) => p.short))];
  const bySweep = labels.length > 1;
  const shown = new Set(split.points.map((p) => p.label));
  // per-run dots beside the boxes while they stay readable
  const strip = !bySweep && data.runs.length <= 60 * Math.max(1, data.variants.length);
  const length = bySweep ? PANEL_HEIGHT : byVariantLayout(data, metrics).width;
  const { rows, collapsed, ranges } = chartRows(data, metrics, (r) => !bySweep || shown.has(r.label), {
    strip,
    bySweep,
    length,
  });
  const diamond = collapsed
    ? `; ◆: a box under ${MIN_BOX_PX} px ${bySweep ? "tall" : "wide"} (its middle runs alike), at its median`
    : "";
  const what = strip
    ? `box: quartiles and median, whiskers: min to max; dots: runs${diamond}`
    : `box: quartiles and median; whiskers: 1.5 IQR; dots: outliers${diamond}`;
  const notes = `${constantNote(data)}${binaryNote(data, binary)}`;
  // over the box and its dots, outlined: it stands for the box
  const medians = (encoding: Record<string, unknown>, valueChannel: "x" | "y"): VlSpec[] =>
    collapsed
      ? [
          {
            transform: [{ filter: "datum.collapsed" }],
            mark: {
              type: "point",
              shape: "diamond",
              filled: true,
              size: 70,
              opacity: 1,
              stroke: "#222",
              strokeWidth: 1,
            },
            encoding: {
              ...encoding,
              [valueChannel]: { ...(encoding[valueChannel] as Record<string, unknown>), field: "median" },
              description: { field: "boxTip" },
            },
          },
        ]
      : [];
  // The outliers are drawn apart from the boxes, with their own tips.
  const outliers = (encoding: Record<string, unknown>): VlSpec => ({
    transform: [{ filter: "datum.outlier" }],
    mark: { type: "point", size: 12 },
    encoding: { ...encoding, ...TIP },
  });
  if (!bySweep) {
    const spec = byVariantSpec(data, metrics, rows, (value, variant) => {
      // the variants are named on the axis: no legend
      const encoding = { x: value, y: variant, color: { ...variantColor(data), legend: null } };
      const dots: VlSpec = {
        transform: [{ filter: "!datum.box" }],
        mark: { type: "point", filled: true, size: 14, opacity: 0.8 },
        encoding: {
          ...encoding,
          yOffset: { field: "jitter", type: "quantitative", scale: { domain: [-1.6, 1.6] } },
          ...TIP,
        },
      };
      return [
        boxParts(encoding, "x", 12, strip),
        strip ? dots : outliers(encoding),
        ...medians(encoding, "x"),
      ];
    });
    return {
      id: "distributions",
      title: "Distributions of severity metrics",
      caption: `Per-run values of each metric by variant (${what}).${notes}`,
      panels: [{ svg: await fitToColumn(render, spec) }],
    };
  }
  const panelWidth = Math.max(
    180,
    Math.min(520, labels.length * pointSlot(labels, data.variants.length * 14)),
  );
  const x = {
    field: "point",
    type: "nominal",
    title: null,
    sort: labels,
    axis: { ...POINT_AXIS, description: sweepValuesDescription("X-axis", data.sweepParams, labels) },
  };
  // No axis title: each facet's header names the metric.
  const y = {
    field: "value",
    type: "quantitative",
    title: "value",
    axis: { title: null, ...tickLabels("child_y"), labelFlush: true },
    scale: VALUE_SCALE,
  };
  const encoding: Record<string, unknown> = {
    x,
    y,
    color: variantColor(data),
    xOffset: { field: "variant", type: "nominal", sort: data.variants },
  };
  const gap = yAxisWidth(ranges) + 20;
  const spec: VlSpec = {
    data: { values: rows },
    facet: metricFacet(data, metrics),
    columns: distributionColumns(metrics.length, panelWidth, gap, variantLegendRoom(data)),
    spec: {
      width: panelWidth,
      height: PANEL_HEIGHT,
      layer: [
        boxParts(encoding, "y", 10, strip),
        outliers(encoding),
        ...medians(encoding, "y"),
        HEADER_LEVEL,
      ],
    },
    // A grid of equal panels: laid out by their plot size, not by their own axis labels' width;
    // HEADER_LEVEL keeps the headers level.
    bounds: "flush",
    // x axis: 5 px tick, 2 px padding and a line per value of a point (12 px at Vega's 10 px font)
    spacing: {
      column: gap,
      row: 40 + 7 + 12 * data.sweepParams.length + metricHeaderExtra(data, metrics),
    },
    // An x axis under every panel: a wrapped facet's shared axis goes under each column of the
    // grid's last row, drawn under an empty cell when that row is not full (vega-lite#7194).
    resolve: { scale: { y: "independent" }, axis: { x: "independent" } },
  };
  return {
    id: "distributions",
    title: "Distributions of severity metrics",
    caption: `Per-run values of each metric by sweep point (${data.sweepParams.join(", ")}${split.text}${pointKey(data.sweepParams)}) and variant (${what}).${notes}`,
    panels: [{ svg: await fitToColumn(render, spec) }],
  };
}
