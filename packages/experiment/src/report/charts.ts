/**
 * The report's charts as Vega-Lite specs built from ReportData, rendered to SVG (one module per
 * chart under charts/). Each figure has a stable `id` (the `data-chart` attribute), a title, a
 * one-line caption and one or more SVGs.
 */

import { cascadeDepth } from "./charts/cascade-depth.js";
import { distributions } from "./charts/distributions.js";
import { pairedAgainstReference, pairedDifferences } from "./charts/paired-differences.js";
import { pricePaths } from "./charts/price-paths.js";
import type { Figure, Render } from "./charts/shared.js";
import { sweepHeatmaps } from "./charts/sweep-heatmap.js";
import { sweepLines } from "./charts/sweep-lines.js";
import type { ReportData } from "./load.js";
import { releaseView, renderSvg, type ViewReuse } from "./render.js";

export type { Figure, Panel } from "./charts/shared.js";

/** All figures for the data, in page order (a figure without data is left out). */
export async function buildFigures(data: ReportData): Promise<Figure[]> {
  const out: Figure[] = [];
  let n = 0;
  const reuse: ViewReuse = { key: null, view: null };
  const render: Render = (spec) => renderSvg(spec, `c${++n}`, reuse);
  for (const make of [
    pricePaths,
    distributions,
    pairedDifferences,
    pairedAgainstReference,
    cascadeDepth,
    sweepLines,
    sweepHeatmaps,
  ]) {
    const f = await make(data, render).finally(() => releaseView(reuse));
    if (f !== null) out.push(f);
  }
  return out;
}
