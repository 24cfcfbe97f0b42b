/** Cascade depth: liquidations per cascade generation, or runs by their deepest cascade. */

import type { ReportData } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  type Figure,
  facetColumns,
  fitToColumn,
  POINT,
  type Render,
  sortedPoints,
  splitPoints,
  sweepLegend,
  TIP,
  tip,
  variantColor,
} from "./shared.js";

/** Sweep points by colour, in sweep order (viridis: the order reads as light to dark). */
function pointColour(data: ReportData, labels: string[]): Record<string, unknown> {
  return {
    field: "point",
    type: "ordinal",
    ...sweepLegend(data.sweepParams, labels),
    sort: labels,
    scale: { domain: labels, scheme: "viridis" },
  };
}

/**
 * A facet with a panel per sweep point (headers one parameter a line), wrapped to the page, an x
 * axis under each panel: a wrapped facet's shared axis goes under each column of the grid's last
 * row, drawn under an empty cell when that row is not full (vega-lite#7194).
 */
function pointFacet(labels: string[], panelWidth: number): VlSpec {
  return {
    resolve: { axis: { x: "independent" } },
    facet: {
      field: "point",
      type: "nominal",
      title: null,
      sort: labels,
      header: { labelExpr: "split(datum.value, ', ')" },
    },
    columns: facetColumns(labels.length, panelWidth),
  };
}

/** Wraps a one-panel chart into a panel per sweep point, or returns it as it is. */
function perPoint(unit: VlSpec, rows: unknown[], labels: string[] | null): VlSpec {
  if (labels === null) return { data: { values: rows }, ...unit };
  const { width, height, ...rest } = unit;
  return {
    data: { values: rows },
    ...pointFacet(labels, width as number),
    spec: { width, height, ...rest },
  };
}

/** Where a cascade depth chart's runs come from, for its caption. */
function depthScope(
  data: ReportData,
  labels: string[] | null,
  text: string,
  source: string,
  coloured = false,
): string {
  const which = `(${data.sweepParams.join(", ")}${text})`;
  if (labels !== null && coloured)
    return `, a bar per sweep point ${which}, coloured by point (a point without liquidations has none).`;
  if (labels !== null) return `, one panel per sweep point ${which}.`;
  if (sortedPoints(data).length > 1)
    return `, all runs of a variant pooled over every sweep point (${source} names no point).`;
  return ", all runs of a variant pooled.";
}

export async function cascadeDepth(data: ReportData, render: Render): Promise<Figure | null> {
  const split = splitPoints(data);
  const shown = split.points.map((p) => p.label);
  if (data.generations.length > 0) {
    // by point when liquidations.csv names each row's point (older files without point columns don't)
    const labels = shown.length > 1 && data.generations.every((g) => g.point !== "") ? shown : null;
    const rows = labels ? data.generations.filter((g) => labels.includes(g.point)) : data.generations;
    const gens = [...new Set(rows.map((g) => g.generation))].sort((a, b) => a - b);
    // One variant: its points side by side in one panel, a colour each named by its values (as the
    // paired chart's; the legend title names the parameters).
    const pointBars = labels !== null && new Set(rows.map((g) => g.variant)).size === 1;
    const shorts = split.points.map((p) => p.short);
    const tipped = rows.map((g) => ({
      ...g,
      tip: tip([
        ["variant", g.variant],
        [POINT, g.point],
        ["cascade generation", g.generation],
        ["liquidations per run", g.perRun],
        ["liquidations", g.count],
      ]),
    }));
    const drawn = pointBars ? tipped.map((g) => ({ ...g, point: shorts[shown.indexOf(g.point)] })) : tipped;
    const bars = pointBars ? shown.length : data.variants.length;
    const unit: VlSpec = {
      width: Math.max(labels && !pointBars ? 160 : 300, Math.min(900, gens.length * bars * 14 + 60)),
      height: labels && !pointBars ? 160 : 220,
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "generation",
          type: "ordinal",
          title: "cascade generation",
          sort: gens,
          axis: { labelAngle: 0 },
        },
        xOffset: pointBars
          ? { field: "point", type: "ordinal", scale: { domain: shorts } } // a gap: none there
          : { field: "variant", type: "nominal", sort: data.variants },
        y: { field: "perRun", type: "quantitative", title: "liquidations per run" },
        color: pointBars ? pointColour(data, shorts) : variantColor(data),
        ...TIP,
      },
    };
    return {
      id: "cascade-depth",
      title: "Cascade depth: liquidations per run at each cascade generation",
      caption: `Liquidations at each cascade generation (1 = triggered by the market, k = caused by a generation k−1 liquidation), per run${depthScope(data, labels, split.text, "liquidations.csv", pointBars)}`,
      panels: [{ svg: await fitToColumn(render, perPoint(unit, drawn, pointBars ? null : labels)) }],
    };
  }
  const metric = data.metrics.find((m) => m === "max_cascade_depth");
  if (metric === undefined) return null;
  const labels = shown.length > 1 ? shown : null;
  const counts = new Map<string, { variant: string; point: string; depth: number; runs: number }>();
  for (const r of data.runs) {
    const depth = r.values[metric];
    if (depth === null || (labels !== null && !labels.includes(r.label))) continue;
    const key = `${r.variant}\u0000${r.label}\u0000${depth}`;
    const c = counts.get(key) ?? { variant: r.variant, point: r.label, depth, runs: 0 };
    c.runs++;
    counts.set(key, c);
  }
  if (counts.size === 0) return null;
  const rows = [...counts.values()].map((c) => ({
    ...c,
    tip: tip([
      ["variant", c.variant],
      [POINT, c.point],
      ["max cascade depth", c.depth],
      ["runs", c.runs],
    ]),
  }));
  const unit: VlSpec = {
    width: labels ? 240 : 420,
    height: labels ? 160 : 220,
    mark: { type: "bar" },
    encoding: {
      x: { field: "depth", type: "ordinal", title: "max cascade depth of the run", axis: { labelAngle: 0 } },
      xOffset: { field: "variant", type: "nominal", sort: data.variants },
      y: { field: "runs", type: "quantitative", title: "runs" },
      color: variantColor(data),
      ...TIP,
    },
  };
  return {
    id: "cascade-depth",
    title: "Cascade depth: runs by their deepest cascade",
    caption: `Number of runs by their maximum cascade depth (no liquidation events were recorded, so runs.csv is used)${depthScope(data, labels, split.text, "runs.csv")}`,
    panels: [{ svg: await fitToColumn(render, perPoint(unit, rows, labels)) }],
  };
}
