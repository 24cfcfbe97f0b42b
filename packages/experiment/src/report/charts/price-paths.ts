/** Price paths of the sampled runs, with their liquidations as red dots: a panel per instrument. */

import { shortNumber } from "../format.js";
import type { ReportData } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  COLUMN_WIDTH,
  type Figure,
  type FittedWidth,
  fitToColumn,
  MIN_PANEL_WIDTH,
  type Panel,
  POINT,
  type Render,
  TIP,
  tip,
} from "./shared.js";

/** Replication numbers and other numeric strings by value. */
function byNumber(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

/**
 * Width of one of `n` price path panels side by side in the page column: beside them the price
 * axis and the legends (~170 px), and ~28 px a panel of spacing, so that the first render usually
 * fits (at 70 px a panel and 220 px at least, the first panel took 3 to 6 renders) and fills the
 * column (250 px for Vega's wider text estimate left ~115 px of it empty).
 */
function pathWidth(n: number): number {
  return Math.max(MIN_PANEL_WIDTH, Math.min(520, Math.floor((COLUMN_WIDTH - 170) / n) - 28));
}

/**
 * Facets of a price path chart: a column per variant; in a sweep, a panel per drawn point (one
 * variant: a row of them) or per variant and point (a row per point, a column per variant), on a
 * shared price axis so the points' crashes compare at a glance. Headers put one parameter a line.
 */
function pathLayout(
  variants: string[],
  points: string[],
): { facet: Record<string, unknown>; columns?: number; across: number; width: number; height: number } {
  if (points.length <= 1)
    return {
      facet: { column: { field: "variant", type: "nominal", title: null, sort: variants } },
      across: variants.length,
      width: pathWidth(variants.length),
      height: 220,
    };
  const header = { labelExpr: "split(datum.value, ', ')" };
  if (variants.length === 1)
    return {
      facet: { column: { field: "point", type: "nominal", title: null, sort: points, header } },
      across: points.length,
      width: pathWidth(points.length),
      height: 200,
    };
  // A wrapped facet, not row × column: Vega sizes long row headers badly.
  return {
    facet: {
      field: "panel",
      type: "nominal",
      title: null,
      sort: points.flatMap((p) => variants.map((v) => pathPanel(v, p))),
      header,
    },
    columns: variants.length,
    across: variants.length,
    width: pathWidth(variants.length),
    height: 160,
  };
}

/** The header of a variant's panel at a sweep point: the variant, then the point. */
const pathPanel = (variant: string, point: string) => `${variant}, ${point}`;

/** Which sweep points the price paths show, for the caption. */
function pathPointsText(data: ReportData): string {
  const pts = data.pathPoints.filter((p) => p !== ""); // "": no sweep
  if (pts.length === 0) return "";
  if (pts.length === 1) return ` at ${pts[0]}`;
  const total = data.points.filter((p) => p.label !== "").length;
  if (data.pathPointChoice === "all" && pts.length === total) return " at every sweep point";
  // The path limit dropped some chosen points: name the ones drawn.
  if (pts.length < data.pathPointsChosen)
    return ` at ${pts.length} of the ${total} sweep points (${pts.join("; ")}: the path limit leaves no room for more)`;
  const how =
    data.pathPointChoice === "corners"
      ? "the corners of the grid: each parameter at its first and last value"
      : data.pathPointChoice === "ends"
        ? "the first, middle and last in sweep order"
        : "the first in sweep order";
  return ` at ${pts.length} of the ${total} sweep points (${how})`;
}

/**
 * " per instrument" as the caption says it, naming what the path limit left out (whole instruments
 * or variants) and why, so a panel is not lost silently.
 */
function panelsText(data: ReportData): string {
  const out = data.pathsLeftOut;
  if (out === null) return "one panel per instrument";
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const sizes = [
    plural(out.variants, "variant"),
    ...(out.points > 1 ? [plural(out.points, "sweep point")] : []),
    plural(out.instruments.length, "instrument"),
  ];
  const need = out.variants * out.points * out.instruments.length;
  const missing = [...out.leftOutInstruments, ...out.leftOutVariants.map((v) => `variant ${v}`)];
  const which = [
    ...(out.leftOutInstruments.length > 0 ? ["for the first instruments"] : []),
    ...(out.leftOutVariants.length > 0 ? ["for the first variants"] : []),
  ].join(", ");
  return `one panel per instrument drawn (${missing.join(", ")} left out: ${sizes.join(" x ")} need ${need} paths, more than the ${out.limit} drawn; one replication each, ${which})`;
}

/** The liquidation dots' areas (px²), smallest and largest notional. */
const DOT_SIZES = [12, 220];

/**
 * Room kept on each side of a panel's paths (px), on both scales: the largest dot's radius and its
 * white outline. A dot at the lowest price of a path on the axis' nice end sat on the frame, half
 * cut, as did one at the last tick.
 */
const DOT_ROOM = Math.ceil(Math.sqrt(DOT_SIZES[1] / Math.PI) + 0.5);

/** The price paths' liquidation dots: red, sized by the liquidated notional at the tick. */
function liquidationDots(notionals: readonly number[]): VlSpec {
  return {
    transform: [{ filter: "datum.kind === 'liq'" }],
    mark: {
      type: "point",
      filled: true,
      color: "#d62728",
      opacity: 0.75,
      stroke: "#fff",
      strokeWidth: 0.5,
    },
    encoding: {
      x: { field: "tick", type: "quantitative" },
      y: { field: "price", type: "quantitative" },
      size: {
        field: "notional",
        type: "quantitative",
        title: "liquidated notional",
        scale: { range: DOT_SIZES, zero: false },
        // written as the heat maps' cells are (1.5M, not 1,500,000)
        legend: {
          labelExpr: "shortNumber(datum.value)",
          // (Vega's own aria-label wrote the ends 4,477 to 1,869,456)
          description: `Symbol legend titled 'liquidated notional' for size with values from ${shortNumber(notionals.reduce((a, b) => Math.min(a, b)))} to ${shortNumber(notionals.reduce((a, b) => Math.max(a, b)))}`,
        },
      },
      ...TIP,
    },
  };
}

/**
 * Path colours beyond dark2's 8: Vega's tableau20 without its two reds, which read as the red
 * liquidation dots.
 */
const MANY_REPLICATION_COLOURS = [
  "#4c78a8",
  "#9ecae9",
  "#f58518",
  "#ffbf79",
  "#54a24b",
  "#88d27a",
  "#b79a20",
  "#f2cf5b",
  "#439894",
  "#83bcb6",
  "#79706e",
  "#bab0ac",
  "#d67195",
  "#fcbfd2",
  "#b279a2",
  "#d6a5c9",
  "#9e765f",
  "#d8b5a5",
];
const MAX_REPLICATION_COLOURS = MANY_REPLICATION_COLOURS.length;

/**
 * The path colour of each replication: a colour each while the palette lasts, with a legend;
 * beyond it colours would repeat, so there is no legend (the caption says colour = replication).
 */
function replicationColour(reps: string[]): Record<string, unknown> {
  return {
    field: "run",
    type: "nominal",
    title: "replication",
    sort: reps.map((r) => `rep ${r}`),
    scale: reps.length <= 8 ? { scheme: "dark2" } : { range: MANY_REPLICATION_COLOURS },
    ...(reps.length > MAX_REPLICATION_COLOURS ? { legend: null } : {}),
  };
}

export async function pricePaths(data: ReportData, render: Render): Promise<Figure | null> {
  if (data.paths.length === 0) return null;
  const instruments = [...new Set(data.paths.map((p) => p.instrument))];
  const variants = data.variants.filter((v) => data.paths.some((p) => p.variant === v));
  const layout = pathLayout(variants, data.pathPoints);
  const panels: Panel[] = [];
  const fitted: FittedWidth = { width: null };
  for (const instrument of instruments) {
    const rows: Array<Record<string, unknown>> = [];
    for (const p of data.paths) {
      if (p.instrument !== instrument) continue;
      const run = `rep ${p.replication}`;
      const point = p.pointLabel;
      const panel = pathPanel(p.variant, point);
      const pathTip = tip([
        ["variant", p.variant],
        [POINT, point],
        ["replication", p.replication],
      ]);
      for (const q of p.points)
        rows.push({
          kind: "path",
          variant: p.variant,
          point,
          panel,
          run,
          tick: q.tick,
          price: q.price,
          tip: pathTip,
        });
      for (const l of p.liquidations) {
        rows.push({
          kind: "liq",
          variant: p.variant,
          point,
          panel,
          run,
          tick: l.tick,
          price: l.price,
          notional: l.notional,
          tip: tip([
            ["variant", p.variant],
            [POINT, point],
            ["replication", p.replication],
            ["tick", l.tick],
            ["price", l.price],
            ["liquidations", l.count],
            ["liquidated notional", l.notional],
            ["deepest cascade generation", l.maxGeneration],
          ]),
        });
      }
    }
    const reps = [...new Set(data.paths.map((p) => p.replication))].sort(byNumber);
    // No liquidation on this instrument's drawn paths: no dot layer, so no empty size legend.
    const liquidated = rows.some((r) => r.kind === "liq");
    const spec: VlSpec = {
      data: { values: rows },
      facet: layout.facet,
      ...(layout.columns ? { columns: layout.columns } : {}),
      spec: {
        width: layout.width,
        height: layout.height,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'path'" }],
            mark: { type: "line", strokeWidth: 1.2, opacity: 0.85 },
            encoding: {
              x: { field: "tick", type: "quantitative", title: "tick", scale: { padding: DOT_ROOM } },
              y: {
                field: "price",
                type: "quantitative",
                title: `${instrument} price`,
                scale: { zero: false, padding: DOT_ROOM },
              },
              color: replicationColour(reps),
              detail: { field: "run" },
              ...TIP,
            },
          },
          ...(liquidated
            ? [liquidationDots(rows.filter((r) => r.kind === "liq").map((r) => r.notional as number))]
            : []),
        ],
      },
      resolve: { scale: { color: "shared" } },
    };
    panels.push({ subtitle: instrument, svg: await fitToColumn(render, spec, layout.across, fitted) });
  }
  // one variant: no "each variant", no "across variants"
  const several = variants.length > 1;
  const seeds = data.pathPoints.length > 1 ? (several ? "variants and points" : "points") : "variants";
  const whose = several ? "each variant" : `the variant ${variants[0]}`;
  const reps = new Set(data.paths.map((p) => p.replication)).size;
  const colours =
    reps > MAX_REPLICATION_COLOURS
      ? `; colour tells the ${reps} replications apart (colours repeat: no legend)`
      : "";
  const cut = data.paths.some((p) => p.points.length < p.sourcePoints)
    ? "; long series are min/max subsampled"
    : "";
  return {
    id: "price-paths",
    title: "Price paths of sampled runs",
    caption: `Price of the first replications of ${whose}${pathPointsText(data)}${several || data.pathPoints.length > 1 ? ` (same seeds across ${seeds})` : ""}, ${panelsText(data)}: the mid, or the last trade while a side of the book is empty (never beyond the side still quoted; the series the drawdown metrics read), at the sampled ticks (a trough between samples is not drawn); red dots mark ticks with liquidations, sized by liquidated notional${colours}${cut}.`,
    panels,
    note:
      data.pathsAvailable > data.paths.length
        ? `${data.paths.length} of ${data.pathsAvailable} recorded paths drawn.`
        : undefined,
  };
}
