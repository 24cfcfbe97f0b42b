/**
 * The report's charts as Vega-Lite specs built from ReportData, rendered to SVG. Each figure has a
 * stable `id` (the `data-chart` attribute), a title, a one-line caption and one or more SVGs.
 */

import { fmtNum } from "./format.js";
import {
  type ComparisonRow,
  choosePathPoints,
  comparisonReference,
  isNumeric,
  type ReportData,
  type SummaryRow,
  type SweepPoint,
  sortPoints,
} from "./load.js";
import { renderSvg, type VlSpec } from "./render.js";

type Render = (spec: VlSpec) => Promise<string>;

export interface Panel {
  subtitle?: string;
  svg: string;
}

export interface Figure {
  id: string;
  title: string;
  caption: string;
  panels: Panel[];
  note?: string;
}

const PAGE_WIDTH = 1120;

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
function span2(lo: number | null | undefined, hi: number | null | undefined): string | null {
  return lo === null || lo === undefined || hi === null || hi === undefined
    ? null
    : `${fmtNum(lo)} to ${fmtNum(hi)}`;
}

/** The encoding that makes a datum's `tip` its mark's hover text. */
const TIP = { description: { field: "tip" } };

/** A sweep point in a tip: its parameters and values. */
const POINT = "sweep point";

/**
 * Widest SVG the page shows at its own size: html.ts's main (1240) less its padding (2 x 28), a
 * figure's padding (2 x 18) and border (2). A wider one is shrunk by CSS, text and all.
 */
export const COLUMN_WIDTH = 1146;

/** Narrowest panel fitToColumn makes (below it, the page shrinks the chart instead). */
const MIN_PANEL_WIDTH = 120;

/** The width attribute of a rendered SVG. */
export function svgWidth(svg: string): number {
  return Number(svg.match(/^<svg[^>]*?\swidth="([\d.]+)"/)?.[1] ?? 0);
}

/**
 * Renders a chart no wider than the page column: axes, headers and legends take room Vega only
 * knows once it lays them out, so a chart drawn too wide is drawn again with its `across` panels
 * narrowed by the excess. Headers, tick labels and legends do not narrow with the panels: a
 * wrapped facet (`columns`) still too wide then gets a column fewer, at its first width.
 */
async function fitToColumn(render: Render, spec: VlSpec, across?: number): Promise<string> {
  // (`across` given: the columns mean something, e.g. a variant each, and stay)
  const wrapped = across === undefined && typeof spec.columns === "number";
  let columns = across ?? (wrapped ? (spec.columns as number) : 1);
  let current = spec;
  let svg = await render(current);
  for (let i = 0; i < 4 && svgWidth(svg) > COLUMN_WIDTH; i++) {
    const unit = (current.spec ?? current) as VlSpec;
    const narrower = Math.floor((unit.width as number) - (svgWidth(svg) - COLUMN_WIDTH) / columns);
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
  return svg;
}

function variantColor(data: ReportData): Record<string, unknown> {
  return {
    field: "variant",
    type: "nominal",
    title: "variant",
    scale: { domain: data.variants, scheme: "tableau10" },
  };
}

/** Replication numbers and other numeric strings by value. */
function byNumber(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

function sortedPoints(data: ReportData): SweepPoint[] {
  return sortPoints(data.points, data.sweepParams);
}

function sortedPointLabels(data: ReportData): string[] {
  return sortedPoints(data).map((p) => p.label);
}

/** Short labels (values only) in sweep order. */
function sortedShortLabels(data: ReportData): string[] {
  return [...new Set(sortedPoints(data).map((p) => p.short))];
}

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

function facetColumns(n: number, panelWidth: number): number {
  return Math.max(1, Math.min(n, Math.floor(PAGE_WIDTH / (panelWidth + 60))));
}

/**
 * Colour channel title and legend for the sweep points: one parameter per line, uncut. Vega cuts a
 * legend title at 180 px by default, which its text width estimate reaches at ~20 characters.
 */
function sweepLegend(params: readonly string[]): Record<string, unknown> {
  return { ...sweepTitle(params), legend: { titleLimit: 0 } };
}

/** A channel title naming the sweep parameters, one a line (a panel is narrower than all of them). */
function sweepTitle(params: readonly string[]): { title: string | string[] } {
  const lines = params.map((p, i) => (i < params.length - 1 ? `${p},` : p));
  return { title: lines.length === 1 ? lines[0] : lines };
}

/**
 * Axis labels of an independent scale (`child_x`, `child_y` in a facet) that stay short when its
 * domain is a single value: Vega's default format then prints 6 decimals (0.000000). Other axes
 * keep their labels.
 */
function tickLabels(scale: string): Record<string, unknown> {
  const short = "abs(datum.value) >= 1000 ? format(datum.value, '.3~s') : format(datum.value, '.3~g')";
  return { labelExpr: `span(domain('${scale}')) === 0 ? (${short}) : datum.label` };
}

/** 3 significant digits, thousands as k / M / G (heat map cell labels). */
export function shortNumber(x: number): string {
  const a = Math.abs(x);
  const units: Array<[number, string]> = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [u, s] of units) if (a >= u) return `${Number((x / u).toPrecision(3))}${s}`;
  if (a === 0) return "0";
  if (a < 1e-3) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}

// 1. Price paths -----------------------------------------------------------------------------

/** Width of one of `n` price path panels side by side in `room` pixels. */
function pathWidth(n: number, room = PAGE_WIDTH): number {
  return Math.max(220, Math.min(520, Math.floor(room / n) - 70));
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

/** The price paths' liquidation dots: red, sized by the liquidated notional at the tick. */
function liquidationDots(): VlSpec {
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
        scale: { range: [12, 220], zero: false },
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

async function pricePaths(data: ReportData, render: Render): Promise<Figure | null> {
  if (data.paths.length === 0) return null;
  const instruments = [...new Set(data.paths.map((p) => p.instrument))];
  const variants = data.variants.filter((v) => data.paths.some((p) => p.variant === v));
  const layout = pathLayout(variants, data.pathPoints);
  const panels: Panel[] = [];
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
              x: { field: "tick", type: "quantitative", title: "tick" },
              y: {
                field: "price",
                type: "quantitative",
                title: `${instrument} price`,
                scale: { zero: false },
              },
              color: replicationColour(reps),
              detail: { field: "run" },
              ...TIP,
            },
          },
          ...(liquidated ? [liquidationDots()] : []),
        ],
      },
      resolve: { scale: { color: "shared" } },
    };
    panels.push({ subtitle: instrument, svg: await fitToColumn(render, spec, layout.across) });
  }
  const seeds = data.pathPoints.length > 1 ? "variants and points" : "variants";
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
    caption: `Price of the first replications of each variant${pathPointsText(data)} (same seeds across ${seeds}), one panel per instrument: the mid, or the last trade while a side of the book is empty (the series the drawdown metrics read), at the sampled ticks (a trough between samples is not drawn); red dots mark ticks with liquidations, sized by liquidated notional${colours}${cut}.`,
    panels,
    note:
      data.pathsAvailable > data.paths.length
        ? `${data.paths.length} of ${data.pathsAvailable} recorded paths drawn.`
        : undefined,
  };
}

// 2. Distributions ---------------------------------------------------------------------------

/** The R-7 quantile of sorted values (Vega's, so the tip reads what the box draws). */
function quantileSorted(xs: readonly number[], p: number): number {
  const h = (xs.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < xs.length ? xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo]) : xs[lo];
}

/**
 * Gives each row the tip of its box (`boxTip`: the quartiles, median and whisker ends Vega-Lite's
 * boxplot draws, the same for every row of the box) and marks the outliers beyond 1.5 IQR.
 */
function addBoxTips(rows: Array<Record<string, unknown>>, whiskers: "min-max" | number, bySweep: boolean) {
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
  }
}

function activeMetrics(data: ReportData): string[] {
  const constant = constantMetrics(data);
  return data.metrics.filter((m) => data.runs.some((r) => r.values[m] !== null) && !constant.has(m));
}

/**
 * Metrics with one value in every run that has one (adl_volume 0 without ADL, the band-edge
 * columns when no price reached its band, recovered 1...), with that value. Their box plots,
 * paired differences and heat maps would be empty panels reading "0" (two per instrument for the
 * band edges): the charts leave them out and their captions name them; the tables keep them.
 */
function constantMetrics(data: ReportData): Map<string, number> {
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
function constantNote(data: ReportData): string {
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

/** Most sweep points the distributions and the cascade depth draw one by one. */
const MAX_SPLIT_POINTS = 12;

/**
 * The sweep points the distributions and the cascade depth show, in sweep order, each apart (a
 * distribution pooled over points mixes their effects): all of them while there are few, else the
 * price paths' choice (corners of a grid; first, middle, last). `text` names a choice for captions.
 */
function splitPoints(data: ReportData): { points: SweepPoint[]; text: string } {
  const all = sortedPoints(data);
  if (all.length <= MAX_SPLIT_POINTS) return { points: all, text: "" };
  const chosen = choosePathPoints(all, data.sweepParams);
  const how =
    chosen.how === "corners"
      ? "the corners of the grid, each parameter at its first and last value"
      : "the first, middle and last in sweep order";
  return { points: chosen.points, text: `; ${chosen.points.length} of the ${all.length} points: ${how}` };
}

async function distributions(data: ReportData, render: Render): Promise<Figure | null> {
  const metrics = activeMetrics(data);
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
  addBoxTips(rows, whiskers, bySweep);
  const panelWidth = bySweep
    ? Math.max(180, Math.min(520, labels.length * data.variants.length * 14))
    : Math.max(140, data.variants.length * 45);
  const x = bySweep
    ? {
        field: "point",
        type: "nominal",
        ...sweepTitle(data.sweepParams),
        sort: labels,
        axis: { labelAngle: 0, labelLimit: 90 },
      }
    : {
        field: "variant",
        type: "nominal",
        title: null,
        sort: data.variants,
        axis: { labelAngle: -30, labelLimit: 160 },
      };
  // No axis title: each facet's header names the metric.
  const y = {
    field: "value",
    type: "quantitative",
    title: "value",
    axis: { title: null, ...tickLabels("child_y") },
    scale: { zero: false },
  };
  const encoding: Record<string, unknown> = { x, y, color: variantColor(data) };
  if (bySweep) encoding.xOffset = { field: "variant", type: "nominal", sort: data.variants };
  // The outliers are drawn apart, with their own tips: the box's parts share the box's.
  const box = {
    mark: {
      type: "boxplot",
      extent: whiskers,
      size: bySweep ? 10 : 22,
      opacity: strip ? 0.55 : 1,
      outliers: false,
      median: { color: "#222" },
    },
    encoding: { ...encoding, description: { field: "boxTip" } },
  };
  const layers: VlSpec[] = [box];
  if (strip) {
    layers.push({
      mark: { type: "point", filled: true, size: 14, opacity: 0.8 },
      encoding: {
        x,
        xOffset: { field: "jitter", type: "quantitative", scale: { domain: [-1.6, 1.6] } },
        y,
        color: variantColor(data),
        ...TIP,
      },
    });
  } else {
    layers.push({
      transform: [{ filter: "datum.outlier" }],
      mark: { type: "point", size: 12 },
      encoding: { ...encoding, ...TIP },
    });
  }
  const spec: VlSpec = {
    data: { values: rows },
    facet: { field: "metric", type: "nominal", title: null, sort: metrics },
    columns: facetColumns(metrics.length, panelWidth),
    spec: { width: panelWidth, height: 150, layer: layers },
    resolve: { scale: { y: "independent" } },
  };
  const what = strip
    ? "box: quartiles and median, whiskers: min to max; dots: runs"
    : "box: quartiles and median; whiskers: 1.5 IQR; dots: outliers";
  return {
    id: "distributions",
    title: "Distributions of severity metrics",
    caption: bySweep
      ? `Per-run values of each metric by sweep point (${data.sweepParams.join(", ")}${split.text}) and variant (${what}).${constantNote(data)}`
      : `Per-run values of each metric by variant${labels.length > 1 ? ", pooled over all sweep points" : ""} (${what}).${constantNote(data)}`,
    panels: [{ svg: await fitToColumn(render, spec) }],
  };
}

// 3. Paired differences ----------------------------------------------------------------------

/**
 * The BCa bootstrap interval of each mean difference: thinner and lighter than the t interval and
 * just below it, so both stay visible where they overlap: `step` pixels below, or in a sweep (where
 * the yOffset channel places the rows) in a slot of its own after its point's. Blank intervals
 * (fewer than 5 pairs) are not drawn.
 */
function bootstrapRule(common: Record<string, unknown>, step: number): VlSpec {
  const yOffset = common.yOffset as Record<string, unknown> | undefined;
  const mark = { type: "rule", strokeOpacity: 0.5 };
  return {
    transform: [{ filter: "isValid(datum.boot_low) && isValid(datum.boot_high)" }],
    mark: yOffset ? mark : { ...mark, yOffset: Math.max(1.5, Math.min(4, step * 0.3)) },
    encoding: {
      ...common,
      ...(yOffset ? { yOffset: { ...yOffset, field: "boot_slot" } } : {}),
      strokeWidth: intervalKey(BOOT_INTERVAL),
      x: { field: "boot_low", type: "quantitative", title: null },
      x2: { field: "boot_high" },
      description: { field: "bootTip" },
    },
  };
}

const T_INTERVAL = "95% t interval";
const BOOT_INTERVAL = "95% BCa bootstrap interval";

/**
 * The rule width of an interval kind, as a channel so that the legend keys the thick (t) and the
 * thin (bootstrap) rule; the rule opacity follows into the key symbols.
 */
function intervalKey(kind: string): Record<string, unknown> {
  return {
    datum: kind,
    type: "nominal",
    title: "interval",
    scale: { domain: [T_INTERVAL, BOOT_INTERVAL], range: [2, 1] },
    legend: { labelLimit: 0 },
  };
}

/** What the paired chart's marker shapes mean, p_value's fallback included (stats.ts). */
const SIGNIFICANCE =
  "Marker shape: p_value below 0.05 or not (the paired t-test; when every difference is the same, the exact sign test).";

/** The tips of a paired difference's marker (every statistic), t rule and bootstrap rule. */
function pairedTips(r: ComparisonRow, bySweep: boolean): Record<string, string> {
  const which: Array<[string, unknown]> = [
    ["metric", r.metric],
    ["variant", r.variant],
    [POINT, bySweep ? r.label : ""],
  ];
  const t: [string, unknown] = [T_INTERVAL, span2(r.ci_low, r.ci_high)];
  const boot: [string, unknown] = [BOOT_INTERVAL, span2(r.boot_low, r.boot_high)];
  return {
    tip: tip([
      ...which,
      ["mean difference", r.mean_diff],
      t,
      boot,
      ["pairs", r.n_pairs],
      ["p (t-test)", r.p_value],
      ["effect size d_z", r.effect_size],
      ["p (signed-rank)", r.p_wilcoxon],
    ]),
    tTip: tip([...which, t]),
    bootTip: tip([...which, boot]),
  };
}

/** The yOffset slot of a sweep point's bootstrap rule. */
const bootSlot = (point: string) => `${point} (bootstrap)`;

/**
 * With several variants and a sweepReference, comparison.csv also compares each variant with itself
 * at each point's reference point: drawn as a second chart of the same kind.
 */
async function pairedAgainstReference(data: ReportData, render: Render): Promise<Figure | null> {
  if (data.variants.length < 2) return null;
  return pairedDifferences(data, render, true);
}

async function pairedDifferences(data: ReportData, render: Render, self = false): Promise<Figure | null> {
  const constant = constantMetrics(data);
  // With several variants: their differences with the baseline, or (self) each variant's with
  // itself at the reference point of a sweepReference.
  const ownReference = (c: ComparisonRow) => data.variants.length > 1 && c.raw.baseline === c.variant;
  const rows = data.comparison.filter(
    (c: ComparisonRow) => c.mean_diff !== null && !constant.has(c.metric) && ownReference(c) === self,
  );
  if (rows.length === 0) return null;
  const metrics = data.metrics.filter((m) => rows.some((r) => r.metric === m));
  for (const r of rows) if (!metrics.includes(r.metric)) metrics.push(r.metric);
  const variants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const labels = sortedShortLabels(data).filter((l) => rows.some((r) => r.short === l));
  const bySweep = labels.length > 1;
  const values = rows.map((r) => ({
    variant: r.variant,
    metric: r.metric,
    point: r.short,
    mean_diff: r.mean_diff,
    ci_low: r.ci_low ?? r.mean_diff,
    ci_high: r.ci_high ?? r.mean_diff,
    n_pairs: r.n_pairs,
    p_value: r.p_value,
    effect_size: r.effect_size,
    p_wilcoxon: r.p_wilcoxon,
    boot_low: r.boot_low,
    boot_high: r.boot_high,
    boot_slot: bootSlot(r.short),
    significant: r.p_value !== null && r.p_value < 0.05 ? "t-test p < 0.05" : "t-test p ≥ 0.05",
    ...pairedTips(r, bySweep),
  }));
  const boot = values.some((v) => v.boot_low !== null && v.boot_high !== null);
  // One variant drawn (a sweep of one variant, or one variant against the baseline): one row per
  // point, named on the axis (tens of points told apart by shades of one colour scale, packed
  // into one band, could not be read).
  const pointRows = bySweep && variants.length === 1;
  const rowsPerPanel = pointRows
    ? labels.length
    : variants.length * (bySweep ? Math.min(labels.length, 12) : 1);
  const height = pointRows
    ? Math.max(50, labels.length * (boot ? 16 : 12) + 10)
    : Math.max(50, Math.min(260, rowsPerPanel * (boot && bySweep ? 22 : 16) + 10));
  const y: Record<string, unknown> = pointRows
    ? { field: "point", type: "nominal", title: null, sort: labels, axis: { labelLimit: 220 } }
    : { field: "variant", type: "nominal", title: null, sort: variants };
  const colour = bySweep
    ? {
        field: "point",
        type: "ordinal",
        ...sweepLegend(data.sweepParams),
        sort: labels,
        scale: { scheme: "viridis" },
      }
    : { ...variantColor(data), legend: { values: variants } };
  const common: Record<string, unknown> = pointRows ? { y } : { y, color: colour };
  if (bySweep && !pointRows)
    common.yOffset = boot
      ? { field: "point", type: "ordinal", scale: { domain: labels.flatMap((l) => [l, bootSlot(l)]) } }
      : { field: "point", type: "ordinal", sort: labels };
  const spec: VlSpec = {
    data: { values },
    facet: { field: "metric", type: "nominal", title: null, sort: metrics },
    columns: facetColumns(metrics.length, 200),
    spec: {
      width: 200,
      height,
      layer: [
        {
          mark: { type: "rule", strokeDash: [4, 3], color: "#888", aria: false },
          encoding: { x: { datum: 0 } },
        },
        {
          mark: { type: "rule", ...(boot ? {} : { strokeWidth: 1.5 }) },
          encoding: {
            ...common,
            ...(boot ? { strokeWidth: intervalKey(T_INTERVAL) } : {}),
            description: { field: "tTip" },
            x: { field: "ci_low", type: "quantitative", title: null, axis: tickLabels("child_x") },
            x2: { field: "ci_high" },
          },
        },
        ...(boot ? [bootstrapRule(common, height / rowsPerPanel)] : []),
        {
          mark: { type: "point", filled: true, size: 40 },
          encoding: {
            ...common,
            x: { field: "mean_diff", type: "quantitative", title: null, axis: tickLabels("child_x") },
            shape: {
              field: "significant",
              type: "nominal",
              title: null,
              scale: { domain: ["t-test p < 0.05", "t-test p ≥ 0.05"], range: ["circle", "triangle"] },
            },
            ...TIP,
          },
        },
      ],
    },
    resolve: { scale: { x: "independent" } },
  };
  const intervals = boot
    ? "95% t confidence interval (thick rule) and, with 5 pairs or more, its 95% BCa bootstrap interval (thin light rule just below)"
    : "confidence interval";
  if (self)
    return {
      id: "paired-reference",
      title: `Paired differences of each variant against itself at the first value of ${data.manifest.sweepReference ?? "the reference parameter"}`,
      caption: `Mean of the per-replication differences point − the same variant at the point's reference (${data.manifest.sweepReference ?? "its first value"} at its first value, the other parameters as at the point; same seeds) with its ${intervals}, per metric and sweep point${pointRows ? ` (${variants[0]}; one row per point: ${data.sweepParams.join(", ")})` : ""}: the swept parameter's effect under each variant; the dashed line is no difference. ${SIGNIFICANCE}${constantNote(data)}`,
      panels: [{ svg: await fitToColumn(render, spec) }],
    };
  return {
    id: "paired-differences",
    title: `Paired differences against ${comparisonReference(data)}`,
    caption:
      data.variants.length === 1
        ? `Mean of the per-replication differences point − reference point (same seeds at every point) with its ${intervals}, per metric and sweep point${pointRows ? ` (one row per point: ${data.sweepParams.join(", ")})` : ""}; the dashed line is no difference. ${SIGNIFICANCE}${constantNote(data)}`
        : `Mean of the per-replication differences variant − baseline (same seeds) with its ${intervals}, per metric${bySweep ? " and sweep point" : ""}${pointRows ? ` (${variants[0]}; one row per point: ${data.sweepParams.join(", ")})` : ""}; the dashed line is no difference. ${SIGNIFICANCE}${constantNote(data)}`,
    panels: [{ svg: await fitToColumn(render, spec) }],
  };
}

// 4. Cascade depth ---------------------------------------------------------------------------

/** Sweep points by colour, in sweep order (viridis: the order reads as light to dark). */
function pointColour(data: ReportData, labels: string[]): Record<string, unknown> {
  return {
    field: "point",
    type: "ordinal",
    ...sweepLegend(data.sweepParams),
    sort: labels,
    scale: { domain: labels, scheme: "viridis" },
  };
}

/** A facet with a panel per sweep point (headers one parameter a line), wrapped to the page. */
function pointFacet(labels: string[], panelWidth: number): VlSpec {
  return {
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

async function cascadeDepth(data: ReportData, render: Render): Promise<Figure | null> {
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
      title: "Cascade depth",
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
    title: "Cascade depth",
    caption: `Number of runs by their maximum cascade depth (no liquidation events were recorded, so runs.csv is used)${depthScope(data, labels, split.text, "runs.csv")}`,
    panels: [{ svg: await fitToColumn(render, perPoint(unit, rows, labels)) }],
  };
}

// 5. Sweeps ----------------------------------------------------------------------------------

function summaryMetrics(data: ReportData, rows: SummaryRow[]): string[] {
  const constant = constantMetrics(data);
  const ms = data.metrics.filter((m) => rows.some((r) => r.metric === m && r.mean !== null));
  for (const r of rows) if (r.mean !== null && !ms.includes(r.metric)) ms.push(r.metric);
  return ms.filter((m) => !constant.has(m));
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

/** The tips of a summary row's mean (every statistic), band and bootstrap bar, at `where`. */
function summaryTips(r: SummaryRow, name: string, where: string | undefined): Record<string, string> {
  const which: Array<[string, unknown]> = [
    ["metric", r.metric],
    ["variant", r.variant],
    [name, where],
  ];
  const t: [string, unknown] = [T_INTERVAL, span2(r.ci_low, r.ci_high)];
  const boot: [string, unknown] = [BOOT_INTERVAL, span2(r.boot_low, r.boot_high)];
  return {
    tip: tip([...which, ["mean", r.mean], t, boot, ["runs", r.n]]),
    bandTip: tip([
      ["metric", r.metric],
      ["variant", r.variant],
      ["band", T_INTERVAL],
    ]),
    bootTip: tip([...which, boot]),
  };
}

async function sweepLines(data: ReportData, render: Render): Promise<Figure | null> {
  const params = data.sweepParams;
  if (params.length === 0 || params.length === 2) return null;
  const rows = data.summary.filter((r) => r.label !== "" && r.mean !== null);
  const labels = sortedPointLabels(data);
  if (rows.length === 0 || labels.length < 2) return null;
  const metrics = summaryMetrics(data, rows);
  const one = params.length === 1;
  const param = params[0];
  const shorts = sortedShortLabels(data);
  const xValues = one ? [...new Set(rows.map((r) => r.params[param] ?? ""))] : shorts;
  const sc = one ? paramScale(xValues) : { type: "ordinal" as const, scale: {} };
  const boot = rows.some((r) => r.boot_low !== null);
  const lineVariants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const values = rows.map((r) => ({
    variant: r.variant,
    metric: r.metric,
    x: one ? (sc.type === "quantitative" ? Number(r.params[param]) : r.params[param]) : r.short,
    mean: r.mean,
    ci_low: r.ci_low ?? r.mean,
    ci_high: r.ci_high ?? r.mean,
    n: r.n,
    ...(boot ? { boot_low: r.boot_low, boot_high: r.boot_high } : {}),
    ...summaryTips(r, one ? param : POINT, one ? r.params[param] : r.label),
  }));
  const x = {
    field: "x",
    type: sc.type,
    title: one ? param : params.join(", "),
    scale: sc.scale,
    ...(sc.type === "ordinal" ? { sort: xValues, axis: { labelAngle: -30, labelLimit: 100 } } : {}),
  };
  const spec: VlSpec = {
    data: { values },
    facet: { field: "metric", type: "nominal", title: null, sort: metrics },
    columns: facetColumns(metrics.length, 210),
    spec: {
      width: 210,
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
      ],
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  };
  return {
    id: "sweep-lines",
    title: `Metrics against ${one ? param : "the sweep point"}`,
    caption: `Mean of each metric at each ${one ? `value of ${param}` : "sweep point"}, one line per variant, with its 95% t confidence interval as a band${boot ? " and, with 5 values or more, its 95% BCa bootstrap interval as a thin vertical bar" : ""} (from summary.csv; a point with one value has none).${constantNote(data)}`,
    panels: [{ svg: await fitToColumn(render, spec) }],
  };
}

async function sweepHeatmaps(data: ReportData, render: Render): Promise<Figure | null> {
  const params = data.sweepParams;
  if (params.length !== 2) return null;
  const [px, py] = params;
  const rows = data.summary.filter(
    (r) => r.mean !== null && r.params[px] !== undefined && r.params[py] !== undefined,
  );
  if (rows.length === 0) return null;
  const metrics = summaryMetrics(data, rows);
  const order = (vals: string[]) =>
    isNumeric(vals) ? [...vals].sort((a, b) => Number(a) - Number(b)) : vals;
  const xs = order([...new Set(rows.map((r) => r.params[px]))]);
  const ys = order([...new Set(rows.map((r) => r.params[py]))]);
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
      ...summaryTips(r, POINT, r.label),
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
    caption: `Mean of each metric at every grid point, one heat map per variant (shared colour scale per metric; hover a cell for its 95% CI; a blank cell has no value in any run, e.g. slippage where nothing was liquidated).${constantNote(data)}`,
    panels,
  };
}

/** All figures for the data, in page order (a figure without data is left out). */
export async function buildFigures(data: ReportData): Promise<Figure[]> {
  const out: Figure[] = [];
  let n = 0;
  const render: Render = (spec) => renderSvg(spec, `c${++n}`);
  for (const make of [
    pricePaths,
    distributions,
    pairedDifferences,
    pairedAgainstReference,
    cascadeDepth,
    sweepLines,
    sweepHeatmaps,
  ]) {
    const f = await make(data, render);
    if (f !== null) out.push(f);
  }
  return out;
}
