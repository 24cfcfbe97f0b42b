/**
 * Vega-Lite → Vega → SVG in Node, with no browser and no canvas: the headless View renders the
 * scenegraph to an SVG string. Text widths come from Helvetica's character widths (text-width.ts),
 * the page's font, instead of Vega's estimate without a canvas (0.8 em a character).
 *
 * The SVG is then made safe to inline many times in one HTML page:
 * - element ids (clip paths, gradients) get a per-chart prefix so charts don't share `url(#clip1)`;
 * - the xmlns attributes are dropped (inline SVG in HTML needs none, and the page then names no URL);
 * - geometry is rounded to 2 decimals (the page is a fraction of the size);
 * - each mark's aria-label (Vega-Lite's per-item description: "variant: A; mean: 1.2") also
 *   becomes a <title> child, which browsers show as a hover tooltip without any script;
 * - a title's caption ("Title text '...'") names its lines without the blank ones' spaces.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { axisCaptionSpecifier, shortNumber, tickSpecifier } from "./format.js";
import { vegaTextWidth } from "./text-width.js";

export type VlSpec = Record<string, unknown>;

/** vega-scenegraph's text metrics, which vega exports but its typings do not declare. */
const textMetrics = (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics;
// Vega calls a width function set here for every text it lays out (vl-convert does the same).
textMetrics.width = vegaTextWidth;
// A legend labels its ticks as the cells it describes (labelExpr: "shortNumber(datum.value)").
vega.expressionFunction("shortNumber", shortNumber);
// An axis of charts/shared.ts' tickLabels picks its labels' format by its domain.
vega.expressionFunction("tickSpecifier", tickSpecifier);
vega.expressionFunction("axisCaptionSpecifier", axisCaptionSpecifier);

const BASE_CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  background: "white",
  view: { stroke: "#ddd" },
  // labels closer than 3 px read as one (500k600k): the axis' overlap strategy then drops some
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: "#eee", labelSeparation: 3 },
  header: { labelFontSize: 11, titleFontSize: 11, labelFontWeight: "bold" },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13, anchor: "start" },
};

export function tidySvg(svg: string, prefix: string): string {
  let out = svg.replace(/^<svg([^>]*)>/, (_m, attrs: string) => {
    const kept = attrs.replace(/\s+xmlns(:\w+)?="[^"]*"/g, "");
    return `<svg${kept} role="img">`;
  });
  const ids = new Set<string>();
  for (const m of out.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (ids.size > 0) {
    out = out.replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${prefix}-${id}"`);
    out = out.replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : m));
    out = out.replace(/((?:xlink:)?href=")#([^"]+)"/g, (m, a: string, id: string) =>
      ids.has(id) ? `${a}#${prefix}-${id}"` : m,
    );
  }
  // geometry to 2 decimals (Vega writes 100.00000000000001); data labels are left alone
  out = out.replace(
    /\s(d|transform|x|y|x1|x2|y1|y2|x2|width|height|points)="([^"]*)"/g,
    (_m, attr: string, value: string) => {
      const v = value.replace(/-?\d+\.\d{3,}(?:e-?\d+)?/g, (n) => {
        const r = Math.round(Number(n) * 100) / 100;
        return String(r === 0 ? 0 : r);
      });
      return ` ${attr}="${v}"`;
    },
  );
  // Vega captions a title of several lines with its lines joined by spaces: a blank line (a
  // metric header's unit line where the metric has no unit) left "Title text 'shock_size '"
  out = out.replace(
    /(aria-label="(?:Title|Subtitle) text ')([^"]*?)'"/g,
    (_m, head: string, text: string) => `${head}${text.replace(/\s+/g, " ").trim()}'"`,
  );
  // aria-label → <title> tooltip on drawn marks
  out = out.replace(
    /<(path|rect|circle|line|text)(\s[^>]*?aria-label="([^"]*)"[^>]*?)(\/?)>/g,
    (_m, tag: string, attrs: string, label: string, selfClose: string) =>
      selfClose === "/"
        ? `<${tag}${attrs}><title>${label}</title></${tag}>`
        : `<${tag}${attrs}><title>${label}</title>`,
  );
  return out;
}

/**
 * Gives each axis labelled through tickSpecifier (tickLabels) its labels' number style in its
 * aria-label too: Vega describes an axis' domain in its default format ("values from 0.000000 to
 * 0.000000" for a single value, 14,000,000 beside ticks reading 14M); the axis group's `format`
 * is what it reads.
 */
function describeAxesAsLabelled(node: Record<string, unknown>): void {
  for (const axis of (node.axes as Array<Record<string, unknown>> | undefined) ?? []) {
    const encode = (axis.encode ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    const text = encode.labels?.update?.text as { signal?: string } | undefined;
    const scale = text?.signal?.match(/tickSpecifier\(domain\('([^']+)'\)\)/)?.[1];
    if (scale === undefined) continue;
    const format = { signal: `axisCaptionSpecifier(domain('${scale}'))` };
    encode.axis = { ...encode.axis, update: { ...encode.axis?.update, format } };
    axis.encode = encode;
  }
  for (const mark of (node.marks as Array<Record<string, unknown>> | undefined) ?? [])
    describeAxesAsLabelled(mark);
}

/** Signals a redraw at another size may set on the View already run, instead of parsing again. */
const SIZE_SIGNALS = new Set(["width", "height", "child_width", "child_height"]);

/**
 * The last View a renderer ran, kept for the next spec when that one differs only in size (a
 * chart fitToColumn draws again narrower): setting the size signals re-runs the layout and
 * marks, not the parse and the data transforms (a price-path redraw then takes a third of the time).
 */
export interface ViewReuse {
  key: string | null;
  view: vega.View | null;
}

/** The Vega spec without its size signals' values: equal keys mean the same chart at another size. */
function sizeFreeKey(vgSpec: Record<string, unknown>): string {
  const signals = (vgSpec.signals as Array<Record<string, unknown>> | undefined) ?? [];
  return JSON.stringify({
    ...vgSpec,
    signals: signals.map((s) => (SIZE_SIGNALS.has(s.name as string) ? { ...s, value: null } : s)),
  });
}

/** Drops the View kept for reuse. */
export function releaseView(reuse: ViewReuse): void {
  reuse.view?.finalize();
  reuse.view = null;
  reuse.key = null;
}

/**
 * Renders a Vega-Lite spec to an inline-ready SVG string; `idPrefix` must be unique in the page.
 * With `reuse` (one render at a time), a spec differing from the previous one only in size
 * redraws the previous View; call releaseView when done.
 */
export async function renderSvg(spec: VlSpec, idPrefix: string, reuse?: ViewReuse): Promise<string> {
  const full = {
    ...spec,
    config: { ...BASE_CONFIG, ...((spec.config as Record<string, unknown>) ?? {}) },
  } as unknown as TopLevelSpec;
  const vgSpec = compile(full).spec;
  describeAxesAsLabelled(vgSpec as unknown as Record<string, unknown>);
  if (reuse === undefined) {
    const view = new vega.View(vega.parse(vgSpec), { renderer: "none", logLevel: vega.Error });
    try {
      return tidySvg(await view.toSVG(), idPrefix);
    } finally {
      view.finalize();
    }
  }
  const key = sizeFreeKey(vgSpec as unknown as Record<string, unknown>);
  let view = reuse.view;
  if (view !== null && key === reuse.key) {
    for (const s of vgSpec.signals ?? []) {
      if (SIZE_SIGNALS.has(s.name) && "value" in s && view.signal(s.name) !== s.value)
        view.signal(s.name, s.value);
    }
    view.resize(); // autosize runs once per size change, else the svg keeps the first size
  } else {
    releaseView(reuse);
    view = new vega.View(vega.parse(vgSpec), { renderer: "none", logLevel: vega.Error });
    reuse.view = view;
    reuse.key = key;
  }
  try {
    return tidySvg(await view.toSVG(), idPrefix);
  } catch (err) {
    releaseView(reuse);
    throw err;
  }
}

let chartCounter = 0;

/**
 * Renders a Vega-Lite spec to an inline SVG string in Node (no browser), with Cascade's chart
 * style. For notebooks and scripts: `tslab.display.html(await renderChart(spec))`.
 */
export function renderChart(spec: VlSpec): Promise<string> {
  chartCounter += 1;
  return renderSvg(spec, `chart${chartCounter}`);
}
