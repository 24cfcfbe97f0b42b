/** Box plots of each severity metric's per-run values, by variant (and sweep point). */

import * as vega from "vega";
import type { ReportData } from "../load.js";
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

/** Narrowest box (quartile to quartile) drawn as a box alone: below it, its median is also a diamond. */
const MIN_BOX_PX = 3;

/** The value axis' domain as Vega draws it (Vega-Lite's `nice: true`: Vega's default 10 ticks). */
function nicedSpan(lo: number, hi: number): number {
  const [d0, d1] = vega.scale("linear")().domain([lo, hi]).nice().domain() as number[];
  return d1 - d0;
}

/**
 * Gives each row the tip of its box (`boxTip`: the quartiles, median and whisker ends Vega-Lite's
 * boxplot draws, the same for every row of the box) and marks the outliers beyond 1.5 IQR.
 *
 * A box whose quartiles are less than MIN_BOX_PX apart on its panel's value axis (`length` px
 * long) draws as a hairline, its colour lost: a nearly constant metric (book_share, 0 or 1 in
 * every run of a variant) read as an empty row. Its first row gets `collapsed` and the box's
 * `median`, which the chart draws as a diamond in the variant's colour. Not a box drawn wider
 * (quartiles the runs do not have) nor an axis zoomed per variant (it hides how far apart the
 * variants are): the diamond says "all within a few pixels of here". Returns whether any is.
 */
function addBoxTips(
  rows: Array<Record<string, unknown>>,
  whiskers: "min-max" | number,
  bySweep: boolean,
  length: number,
): boolean {
  const ranges = new Map<unknown, [number, number]>();
  for (const r of rows) {
    const v = r.value as number;
    const [lo, hi] = ranges.get(r.metric) ?? [v, v];
    ranges.set(r.metric, [Math.min(lo, v), Math.max(hi, v)]);
  }
  const spans = new Map<unknown, number>();
  for (const [m, [lo, hi]] of ranges) spans.set(m, hi > lo ? nicedSpan(lo, hi) : 0);
  let anyCollapsed = false;
  const boxes = new Map<string, Array<Record<string, unknown>>>();
  for (const r of rows) {
    const key = `${r.metric}\u0000${r.variant}\u0000${r.point}`;
    const box = boxes.get(key) ?? [];
    box.push(r);
    boxes.set(key, box);
  }
  for (const box of boxes.values()) {
    const xs = box.map((r) => r.value as number).sort((a, b) => a - b);
    const [q1, median, q3] = [0.25, 0.5, 0.75].map((p) => quantileSorted(xs, p));
    const fence = whiskers === "min-max" ? Number.POSITIVE_INFINITY : whiskers * (q3 - q1);
    const inside = xs.filter((x) => x >= q1 - fence && x <= q3 + fence);
    const first = box[0];
    const boxTip = tip([
      ["metric", first.metric],
      ["variant", first.variant],
      [POINT, bySweep ? first.label : ""],
      ["runs", xs.length],
      ["median", median],
      ["quartiles", span2(q1, q3)],
      [
        whiskers === "min-max" ? "min to max" : "whiskers (1.5 IQR)",
        span2(inside[0], inside[inside.length - 1]),
      ],
    ]);
    for (const r of box) {
      r.boxTip = boxTip;
      r.outlier = (r.value as number) < q1 - fence || (r.value as number) > q3 + fence;
    }
    // (a metric with one value in the panel has no axis to measure on: every box is a point)
    const span = spans.get(first.metric) as number;
    if (span === 0 || ((q3 - q1) / span) * length < MIN_BOX_PX) {
      first.collapsed = true;
      first.median = median;
      anyCollapsed = true;
    }
  }
  return anyCollapsed;
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
 * Width of the widest y axis of the panels: Vega's ticks and labels for each metric's values, as
 * wide as the page draws them, plus the 5 px tick and 2 px padding.
 */
function yAxisWidth(rows: Array<Record<string, unknown>>): number {
  const ranges = new Map<unknown, [number, number]>();
  for (const r of rows) {
    const v = r.value as number;
    const [lo, hi] = ranges.get(r.metric) ?? [v, v];
    ranges.set(r.metric, [Math.min(lo, v), Math.max(hi, v)]);
  }
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

export async function distributions(data: ReportData, render: Render): Promise<Figure | null> {
  const { drawn: metrics, binary } = metricsToDraw(data);
  if (metrics.length === 0) return null;
  const split = splitPoints(data);
  const labels = [...new Set(split.points.map((p) => p.short))];
  const bySweep = labels.length > 1;
  const shown = new Set(split.points.map((p) => p.label));
  // per-run dots beside the boxes while they stay readable
  const strip = !bySweep && data.runs.length <= 60 * Math.max(1, data.variants.length);
  const rows: Array<Record<string, unknown>> = [];
  let k = 0;
  for (const r of data.runs) {
    k++;
    if (bySweep && !shown.has(r.label)) continue;
    for (const m of metrics) {
      const v = r.values[m];
      // deterministic jitter in [-0.5, 0.5): golden-ratio sequence over the runs
      if (v !== null)
        rows.push({
          variant: r.variant,
          metric: m,
          value: v,
          point: r.short,
          label: r.label,
          jitter: ((k * 0.618034) % 1) - 0.5,
          tip: tip([
            ["variant", r.variant],
            [POINT, bySweep ? r.label : ""],
            ["replication", r.replication],
            [m, v],
          ]),
        });
    }
  }
  const whiskers = strip ? "min-max" : 1.5;
  const length = bySweep ? PANEL_HEIGHT : byVariantLayout(data, metrics).width;
  const collapsed = addBoxTips(rows, whiskers, bySweep, length);
  const diamond = collapsed
    ? `; ◆: a box under ${MIN_BOX_PX} px ${bySweep ? "tall" : "wide"} (its middle runs alike), at its median`
    : "";
  const what = strip
    ? `box: quartiles and median, whiskers: min to max; dots: runs${diamond}`
    : `box: quartiles and median; whiskers: 1.5 IQR; dots: outliers${diamond}`;
  const notes = `${constantNote(data)}${binaryNote(data, binary)}`;
  // The outliers are drawn apart, with their own tips: the box's parts share the box's.
  const box = (encoding: Record<string, unknown>, size: number): VlSpec => ({
    mark: {
      type: "boxplot",
      extent: whiskers,
      size,
      opacity: strip ? 0.55 : 1,
      outliers: false,
      median: { color: "#222" },
    },
    encoding: { ...encoding, description: { field: "boxTip" } },
  });
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
        mark: { type: "point", filled: true, size: 14, opacity: 0.8 },
        encoding: {
          ...encoding,
          yOffset: { field: "jitter", type: "quantitative", scale: { domain: [-1.6, 1.6] } },
          ...TIP,
        },
      };
      return [box(encoding, 12), strip ? dots : outliers(encoding), ...medians(encoding, "x")];
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
  const gap = yAxisWidth(rows) + 20;
  const spec: VlSpec = {
    data: { values: rows },
    facet: metricFacet(data, metrics),
    columns: distributionColumns(metrics.length, panelWidth, gap, variantLegendRoom(data)),
    spec: {
      width: panelWidth,
      height: PANEL_HEIGHT,
      layer: [box(encoding, 10), outliers(encoding), ...medians(encoding, "y"), HEADER_LEVEL],
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
