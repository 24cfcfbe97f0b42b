/**
 * Heat maps of each metric's mean over a two-parameter grid, one per variant; a metric's maps are
 * one panel, and as many panels share a row of the page (the figure's columns) as fit with
 * readable cells.
 */

import { pointValue, shortNumber } from "../format.js";
import { type ReportData, sweepValues } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  COLUMN_WIDTH,
  constantNote,
  type Figure,
  fitToColumn,
  metricUnit,
  PAGE_WIDTH,
  PANEL_GAP,
  type Panel,
  POINT,
  type Render,
  summaryMetrics,
  summaryTips,
  svgWidth,
  sweepValuesDescription,
  TIP,
  widenSvg,
  widestText,
  zeroOneOutcomes,
} from "./shared.js";

/** Space between the maps of a panel (Vega-Lite's default). */
const FACET_SPACING = 20;

/** Smallest cell that holds a 9 px label: a cell is labelled at this size or more. */
const LABEL_CELL = 30;

/** Smallest cell an unlabelled map is shrunk to for another panel in a row. */
const LEAST_CELL = 20;

/**
 * How many panels share a row of the page, and their cell: the most whose maps keep cells of at
 * least `least` px beside `fixed` px of axes and legend each, the cell never above `planned`.
 * One panel a row, when even that takes smaller cells, keeps `planned` (fitToColumn narrows it).
 */
export function heatmapColumns(
  panels: number,
  maps: number,
  fixed: number,
  planned: number,
  least: number,
): { columns: number; cell: number; room: number } {
  const room = (k: number) => Math.floor((COLUMN_WIDTH - (k - 1) * PANEL_GAP) / k);
  for (let k = panels; k > 1; k--) {
    const cell = Math.min(planned, Math.floor((room(k) - fixed) / maps));
    if (cell >= Math.min(least, planned)) return { columns: k, cell, room: room(k) };
  }
  return { columns: 1, cell: planned, room: room(1) };
}

export async function sweepHeatmaps(data: ReportData, render: Render): Promise<Figure | null> {
  const params = data.sweepParams;
  if (params.length !== 2) return null;
  const [px, py] = params;
  const rows = data.summary.filter(
    (r) => r.mean !== null && r.params[px] !== undefined && r.params[py] !== undefined,
  );
  if (rows.length === 0) return null;
  const metrics = summaryMetrics(data, rows);
  const outcomes = zeroOneOutcomes(data);
  const xs = sweepValues(rows.map((r) => r.params[px])).map(pointValue);
  const ys = sweepValues(rows.map((r) => r.params[py])).map(pointValue);
  const ysDown = [...ys].reverse(); // as the y axis reads, top to bottom
  const variants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const planned = Math.max(
    14,
    Math.min(48, Math.floor(Math.min(PAGE_WIDTH / variants.length - 90, 360) / xs.length)),
  );
  const labelCells = xs.length * ys.length <= 80 && planned >= LABEL_CELL;
  const widestLabel = widestText(
    rows.map((r) => shortNumber(r.mean as number)),
    9,
  );
  const least = labelCells ? Math.max(LABEL_CELL, Math.ceil(widestLabel) + 6) : LEAST_CELL;
  // The axes are named on the first panel of each row of panels only: every map has the same
  // axes, and two titles a panel were 56 lines of the same two names in close-factor-sweep. The
  // x title is the chart's own, under its maps: a facet repeats an axis title under every map.
  const heatmapSpec = (metric: string, cell: number, titled: boolean): VlSpec => {
    const mine = rows.filter((r) => r.metric === metric);
    const means = mine.map((r) => r.mean as number);
    const lo = Math.min(...means);
    const hi = Math.max(...means);
    const values = mine.map((r) => ({
      variant: r.variant,
      x: pointValue(r.params[px]),
      y: pointValue(r.params[py]),
      mean: r.mean,
      ci_low: r.ci_low,
      ci_high: r.ci_high,
      label: shortNumber(r.mean as number),
      ...summaryTips(r, POINT, r.label, outcomes.has(r.metric)),
      // viridis is dark at the low end: white labels there
      dark: hi > lo ? ((r.mean as number) - lo) / (hi - lo) < 0.45 : false,
    }));
    // Every grid value on the axes, also where this metric has no value (mean_slippage without
    // liquidations): a blank cell, not a dropped column that shifts the map against its neighbours.
    const encX = {
      field: "x",
      type: "ordinal",
      title: null,
      scale: { domain: xs },
      axis: { labelAngle: 0, description: sweepValuesDescription("X-axis", [px], xs) },
    };
    const encY = {
      field: "y",
      type: "ordinal",
      title: titled ? py : null,
      scale: { domain: ysDown },
      axis: { titleLimit: 0, description: sweepValuesDescription("Y-axis", [py], ysDown) },
    };
    const layer: VlSpec[] = [
      {
        mark: { type: "rect" },
        encoding: {
          x: encX,
          y: encY,
          color: {
            field: "mean",
            type: "quantitative",
            title: "mean",
            scale: { scheme: "viridis" },
            // ticks written as the cells are (6.67M, 3.53k, 0.0059: not 6,666,681, 3,525 or
            // 0.0060); one value: that value alone, not Vega's 0.000000
            legend: {
              ...(hi === lo ? { values: [lo] } : {}),
              labelExpr: "shortNumber(datum.value)",
              // Vega's own would write the ends 2,366,425 to 6,666,681 beside labels 2.37M...
              description: `Gradient legend titled 'mean' for fill color with values from ${shortNumber(lo)} to ${shortNumber(hi)}`,
            },
          },
          ...TIP,
        },
      },
    ];
    if (labelCells) {
      layer.push({
        mark: { type: "text", fontSize: 9 },
        encoding: {
          x: encX,
          y: encY,
          text: { field: "label", type: "nominal" },
          ...TIP,
          color: { condition: { test: "datum.dark", value: "#fff" }, value: "#000" },
        },
      });
    }
    // a lone variant's name is in the caption, not over every map
    const header = variants.length === 1 ? { header: { labels: false } } : {};
    // centred under the maps (a facet's own frame is 0 px wide: dx from its left edge)
    const mapsWidth = variants.length * cell * xs.length + (variants.length - 1) * FACET_SPACING;
    const xTitle = titled
      ? {
          title: {
            text: px,
            orient: "bottom",
            anchor: "middle",
            frame: "group",
            dx: mapsWidth / 2,
            fontSize: 11,
            limit: 0,
          },
        }
      : {};
    return {
      ...xTitle,
      data: { values },
      facet: { column: { field: "variant", type: "nominal", title: null, sort: variants, ...header } },
      spacing: FACET_SPACING,
      spec: { width: cell * xs.length, height: cell * ys.length, layer },
      resolve: { scale: { color: "shared" } },
    };
  };
  // The first panel, drawn at the planned cell, shows the room its axes and legend take: the
  // layout of the rest (legends differ by a few px, fitToColumn takes them in).
  const maps = variants.length * xs.length;
  const first = metrics.length > 0 ? await render(heatmapSpec(metrics[0], planned, true)) : "";
  const layout = heatmapColumns(metrics.length, maps, svgWidth(first) - maps * planned, planned, least);
  const panels: Panel[] = [];
  for (let i = 0; i < metrics.length; i++) {
    const svg =
      i === 0 && layout.cell === planned && svgWidth(first) <= layout.room
        ? first
        : await fitToColumn(
            render,
            heatmapSpec(metrics[i], layout.cell, i % layout.columns === 0),
            variants.length,
            undefined,
            layout.room,
          );
    const unit = metricUnit(data, metrics[i]);
    panels.push({ subtitle: metrics[i], ...(unit ? { unit } : {}), svg });
  }
  // Each panel as wide as the widest of its column (legends and the axis titles of the first
  // differ by some px): the page's rows of panels then start their maps at the same x in every
  // row, in columns of these widths (html.ts).
  const widest: number[] = [];
  panels.forEach((p, i) => {
    const c = i % layout.columns;
    widest[c] = Math.max(widest[c] ?? 0, svgWidth(p.svg));
  });
  for (let i = 0; i < panels.length; i++) panels[i].svg = widenSvg(panels[i].svg, widest[i % layout.columns]);
  const which = variants.length === 1 ? `the heat map of variant ${variants[0]}` : "one heat map per variant";
  return {
    id: "sweep-heatmap",
    title: `Mean of each metric over the ${px} × ${py} grid`,
    caption: `Mean of each metric at every grid point, ${which} (shared colour scale per metric; the axes named on the first panel of each row; hover a cell for its 95% CI, Wilson's for a 0/1 outcome; a blank cell has no value in any run, e.g. slippage where nothing was liquidated).${constantNote(data)}`,
    panels,
    columnWidths: widest,
  };
}
