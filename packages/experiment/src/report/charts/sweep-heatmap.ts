/** Heat maps of each metric's mean over a two-parameter grid, one per variant. */

import { type ReportData, sweepValues } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  constantNote,
  type Figure,
  fitToColumn,
  PAGE_WIDTH,
  type Panel,
  POINT,
  type Render,
  shortNumber,
  summaryMetrics,
  summaryTips,
  TIP,
  zeroOneOutcomes,
} from "./shared.js";

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
  const xs = sweepValues(rows.map((r) => r.params[px]));
  const ys = sweepValues(rows.map((r) => r.params[py]));
  const variants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const cell = Math.max(
    14,
    Math.min(48, Math.floor(Math.min(PAGE_WIDTH / variants.length - 90, 360) / xs.length)),
  );
  const labelCells = xs.length * ys.length <= 80 && cell >= 30;
  const panels: Panel[] = [];
  for (const metric of metrics) {
    const mine = rows.filter((r) => r.metric === metric);
    const means = mine.map((r) => r.mean as number);
    const lo = Math.min(...means);
    const hi = Math.max(...means);
    const values = mine.map((r) => ({
      variant: r.variant,
      x: r.params[px],
      y: r.params[py],
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
    const encX = { field: "x", type: "ordinal", title: px, scale: { domain: xs }, axis: { labelAngle: 0 } };
    const encY = { field: "y", type: "ordinal", title: py, scale: { domain: [...ys].reverse() } };
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
            // one value: its cell label, not Vega's 0.000000
            ...(hi === lo ? { legend: { values: [lo], labelExpr: `'${shortNumber(lo)}'` } } : {}),
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
    const spec: VlSpec = {
      data: { values },
      facet: { column: { field: "variant", type: "nominal", title: null, sort: variants } },
      spec: { width: cell * xs.length, height: cell * ys.length, layer },
      resolve: { scale: { color: "shared" } },
    };
    panels.push({ subtitle: metric, svg: await fitToColumn(render, spec, variants.length) });
  }
  return {
    id: "sweep-heatmap",
    title: `Metrics over the ${px} × ${py} grid`,
    caption: `Mean of each metric at every grid point, one heat map per variant (shared colour scale per metric; hover a cell for its 95% CI, Wilson's for a 0/1 outcome; a blank cell has no value in any run, e.g. slippage where nothing was liquidated).${constantNote(data)}`,
    panels,
  };
}
