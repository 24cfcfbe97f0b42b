/** Each metric's mean against the swept parameter (or sweep point), a line per variant. */

import { pointValue } from "../format.js";
import { isNumeric, type ReportData } from "../load.js";
import type { VlSpec } from "../render.js";
import { textWidth } from "../text-width.js";
import {
  constantNote,
  type Figure,
  facetColumns,
  fitToColumn,
  HEADER_LEVEL,
  metricFacet,
  outcomeNote,
  POINT,
  POINT_AXIS,
  pointKey,
  pointSlot,
  type Render,
  sortedPoints,
  sortedShortLabels,
  summaryMetrics,
  summaryTips,
  svgWidth,
  sweepValuesDescription,
  TIP,
  tickLabels,
  variantColor,
  variantLegendRoom,
  zeroOneOutcomes,
} from "./shared.js";

/** Point labels (parameters and values) in sweep order. */
function sortedPointLabels(data: ReportData): string[] {
  return sortedPoints(data).map((p) => p.label);
}

/** The swept parameter's x scale: numbers on a linear axis (log when they span 100x), else ordinal. */
function paramScale(values: readonly string[]): {
  type: "quantitative" | "ordinal";
  scale: Record<string, unknown>;
} {
  if (!isNumeric(values)) return { type: "ordinal", scale: {} };
  const xs = values.map(Number);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo > 0 && hi / lo >= 100) return { type: "quantitative", scale: { type: "log" } };
  return { type: "quantitative", scale: { zero: false } };
}

/**
 * The BCa bootstrap interval of each mean in a sweep line: a thin bar across the point (a second
 * band would hide the t band under it), each variant's nudged sideways so that overlapping bars
 * stay apart. Blank intervals (fewer than 5 values) are not drawn.
 */
function sweepBootstrapBars(
  x: Record<string, unknown>,
  color: Record<string, unknown>,
  variants: string[],
): VlSpec[] {
  return variants.map((v, i) => ({
    transform: [
      { filter: { field: "variant", equal: v } },
      { filter: "isValid(datum.boot_low) && isValid(datum.boot_high)" },
    ],
    mark: { type: "rule", strokeWidth: 1.2, opacity: 0.8, xOffset: (i - (variants.length - 1) / 2) * 3 },
    encoding: {
      x,
      y: { field: "boot_low", type: "quantitative", title: null, axis: tickLabels("child_y") },
      y2: { field: "boot_high" },
      color,
      description: { field: "bootTip" },
    },
  }));
}

export async function sweepLines(data: ReportData, render: Render): Promise<Figure | null> {
  const params = data.sweepParams;
  if (params.length === 0 || params.length === 2) return null;
  const rows = data.summary.filter((r) => r.label !== "" && r.mean !== null);
  const labels = sortedPointLabels(data);
  if (rows.length === 0 || labels.length < 2) return null;
  const metrics = summaryMetrics(data, rows);
  const one = params.length === 1;
  const param = params[0];
  const shorts = sortedShortLabels(data);
  const written = one ? [...new Set(rows.map((r) => r.params[param] ?? ""))] : shorts;
  const sc = one ? paramScale(written) : { type: "ordinal" as const, scale: {} };
  const xValues = one ? written.map(pointValue) : shorts;
  const boot = rows.some((r) => r.boot_low !== null);
  const lineVariants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const outcomes = zeroOneOutcomes(data);
  // only the metrics named (the facet's sort orders panels, it does not drop the constant ones)
  const values = rows
    .filter((r) => metrics.includes(r.metric))
    .map((r) => ({
      variant: r.variant,
      metric: r.metric,
      x: one ? (sc.type === "quantitative" ? Number(r.params[param]) : pointValue(r.params[param])) : r.short,
      mean: r.mean,
      ci_low: r.ci_low ?? r.mean,
      ci_high: r.ci_high ?? r.mean,
      n: r.n,
      ...(boot ? { boot_low: r.boot_low, boot_high: r.boot_high } : {}),
      ...summaryTips(
        r,
        one ? param : POINT,
        one ? pointValue(r.params[param]) : r.label,
        outcomes.has(r.metric),
      ),
    }));
  // several parameters: a point's values one a line (POINT_AXIS), a panel wide enough for them
  const x = {
    field: "x",
    type: sc.type,
    title: null,
    scale: sc.scale,
    // (a linear or log axis too: Vega's description named no parameter, and the niced domain's ends)
    axis: {
      ...(sc.type === "ordinal" ? (one ? { labelAngle: -30, labelLimit: 100 } : POINT_AXIS) : {}),
      description: sweepValuesDescription("X-axis", params, xValues),
    },
    ...(sc.type === "ordinal" ? { sort: xValues } : {}),
  };
  const width = one ? 210 : Math.max(210, Math.min(520, xValues.length * pointSlot(xValues)));
  // The swept parameter named once, under the grid of panels (as an axis title it was repeated
  // under every panel), then moved under the plots' middle (titleUnderPlots); several
  // parameters: the caption names them (pointKey).
  const xTitle = one
    ? {
        title: {
          text: param,
          orient: "bottom",
          anchor: "middle",
          frame: "bounds",
          fontSize: PARAM_TITLE_SIZE,
          limit: 0,
        },
      }
    : {};
  const spec: VlSpec = {
    ...xTitle,
    data: { values },
    facet: metricFacet(data, metrics),
    // each panel has its own y axis (~90 px with the spacing), the variant legend is beside them
    columns: facetColumns(metrics.length, width, 90, variantLegendRoom(data, lineVariants)),
    spec: {
      width,
      height: 140,
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { field: "ci_low", type: "quantitative", title: null, axis: tickLabels("child_y") },
            y2: { field: "ci_high" },
            color: variantColor(data),
            description: { field: "bandTip" },
          },
        },
        ...(boot ? sweepBootstrapBars(x, variantColor(data), lineVariants) : []),
        {
          mark: { type: "line", point: { size: 25, filled: true } },
          encoding: {
            x,
            y: {
              field: "mean",
              type: "quantitative",
              title: null,
              scale: { zero: false },
              axis: tickLabels("child_y"),
            },
            color: variantColor(data),
            ...TIP,
          },
        },
        HEADER_LEVEL,
      ],
    },
    // columns as wide as their widest panel, axis included: a panel starts where the one above it
    // does (a row of wider y labels pushed its panels 20 px right of the row above's)
    align: "all",
    resolve: { scale: { x: "independent", y: "independent" } },
  };
  return {
    id: "sweep-lines",
    title: `Mean of each metric against ${one ? param : "the sweep point"}`,
    caption: `Mean of each metric at each ${one ? `value of ${param}` : `sweep point (${params.join(", ")}${pointKey(params)})`}, one line per variant, with its 95% t confidence interval as a band${boot ? " and, with 5 values or more, its 95% BCa bootstrap interval as a thin vertical bar" : ""} (from summary.csv; a point with one value has none).${outcomeNote(outcomes, metrics, "Wilson")}${constantNote(data)}`,
    panels: [{ svg: titleUnderPlots(await fitToColumn(render, spec), one ? param : null) }],
  };
}

/** Font size of the swept parameter's title under the grid. */
const PARAM_TITLE_SIZE = 11;

/**
 * A group item's x and its background's width:
 * `<g transform="translate(x,y)"><path class="background" d="M0,0h<width>v...`.
 */
const ITEM_BOX =
  /^<g transform="translate\(([\d.-]+),[\d.-]+\)"><path class="background"[^>]*?\sd="M[\d.-]+,[\d.-]+h([\d.]+)v/;

/**
 * A facet's plots in its SVG, each cell's x and width: the items of the group Vega-Lite names
 * `cell`, each a `<g>` directly inside it. Found by that group, not by the view border the plots
 * are drawn with (config view.stroke): without a border they are where they were.
 */
function facetPlots(svg: string): Array<{ x: number; width: number }> {
  const start = svg.indexOf('<g class="mark-group role-scope cell"');
  if (start < 0) return [];
  const plots: Array<{ x: number; width: number }> = [];
  const tag = /<g[\s>]|<\/g>/g;
  tag.lastIndex = start;
  let depth = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    if (m[0] === "</g>") {
      if (--depth === 0) break;
      continue;
    }
    // the cell group is depth 1, its items depth 2
    if (++depth !== 2) continue;
    const box = ITEM_BOX.exec(svg.slice(m.index, m.index + 300));
    if (box !== null) plots.push({ x: Number(box[1]), width: Number(box[2]) });
  }
  return plots;
}

/**
 * The swept parameter's title moved to the middle of the plots, from the first column's left edge
 * to the last one's right: Vega centres a chart title on the whole chart, the y axis labels and
 * the variant legend included (with several variants it sat ~20 px right of the plots), and where
 * the plots end it only knows once it has laid out their axes (a title placed by a dx would take
 * a second render). No further than keeps the title inside the chart (a name wider than the plots).
 */
function titleUnderPlots(svg: string, title: string | null): string {
  // the chart's title is the last title group: Vega parses a view's title after its marks and legends
  const at = svg.lastIndexOf('<g class="mark-group role-title"><g transform="translate(');
  const plots = facetPlots(svg);
  if (title === null || at < 0 || plots.length === 0) return svg;
  const left = Math.min(...plots.map((p) => p.x));
  const right = Math.max(...plots.map((p) => p.x + p.width));
  // the chart's x 0 (its first plot's left edge) is this far into the SVG (Vega's padding)
  const origin = Number(svg.match(/transform="translate\(([\d.-]+),/)?.[1] ?? 0);
  const half = textWidth(title, PARAM_TITLE_SIZE, true) / 2;
  const x = Math.min(Math.max((left + right) / 2, half - origin), svgWidth(svg) - origin - half);
  const from = svg.indexOf("translate(", at) + "translate(".length;
  return `${svg.slice(0, from)}${Math.round(x * 100) / 100}${svg.slice(svg.indexOf(",", from))}`;
}
