/** Mean paired differences against the baseline (or reference point) with their intervals. */

import { pointValue } from "../format.js";
import { type ComparisonRow, comparisonReference, type ReportData, sweepValues } from "../load.js";
import type { VlSpec } from "../render.js";
import {
  BOOT_INTERVAL,
  constantMetrics,
  constantNote,
  type Figure,
  facetColumns,
  fitToColumn,
  HEADER_LEVEL,
  legendRoom,
  metricFacet,
  NEWCOMBE_INTERVAL,
  outcomeNote,
  POINT,
  type Render,
  sortedShortLabels,
  span2,
  sweepLegend,
  sweepValuesDescription,
  T_INTERVAL,
  TIP,
  tickLabels,
  tip,
  unchangedMetrics,
  unchangedNote,
  variantColor,
  widestText,
  zeroOneOutcomes,
} from "./shared.js";

/**
 * The differences' axis: its ends 6 px beyond the widest interval, not niced onto it. A marker
 * at a niced end (book_share's 1) was drawn half over the panel's frame; padded then niced, the
 * axis of a 0-to-1 metric reached -0.2 to 1.2.
 */
const DIFF_SCALE = { nice: false, padding: 6 };

/**
 * The BCa bootstrap interval of each mean difference: thinner and lighter than the t interval and
 * just below it, so both stay visible where they overlap: `step` pixels below, or in a sweep (where
 * the yOffset channel places the rows) in a slot of its own after its point's. Blank intervals
 * (fewer than 5 pairs) are not drawn.
 */
function bootstrapRule(common: Record<string, unknown>, step: number, kinds: readonly string[]): VlSpec {
  const yOffset = common.yOffset as Record<string, unknown> | undefined;
  const mark = { type: "rule", strokeOpacity: 0.5 };
  return {
    transform: [{ filter: "isValid(datum.boot_low) && isValid(datum.boot_high)" }],
    mark: yOffset ? mark : { ...mark, yOffset: Math.max(1.5, Math.min(4, step * 0.3)) },
    encoding: {
      ...common,
      ...(yOffset ? { yOffset: { ...yOffset, field: "boot_slot" } } : {}),
      strokeWidth: intervalKey(kinds, { datum: BOOT_INTERVAL }),
      x: { field: "boot_low", type: "quantitative", title: null, scale: DIFF_SCALE },
      x2: { field: "boot_high" },
      description: { field: "bootTip" },
    },
  };
}

/**
 * The rule width by interval kind, as a channel so that the legend keys the thick rule (a t
 * interval, or Newcombe's for a 0/1 outcome: `kinds`, those drawn; a row's own from its `interval`)
 * and the thin (bootstrap) one; the rule opacity follows into the key symbols.
 */
function intervalKey(
  kinds: readonly string[],
  rule: { field: "interval" } | { datum: string },
): Record<string, unknown> {
  return {
    ...rule,
    // ordinal, not nominal: Vega-Lite warns on stderr about a width keyed by an unordered field
    type: "ordinal",
    title: "interval",
    scale: { domain: [...kinds, BOOT_INTERVAL], range: [...kinds.map(() => 2), 1] },
    legend: { labelLimit: 0 },
  };
}

/** What the paired chart's marker shapes mean, p_value's fallback included (stats.ts). */
const SIGNIFICANCE =
  "Marker shape: whether the paired t-test and the Wilcoxon signed-rank test find a difference, each at Holm-adjusted p below 0.05 (p_holm, p_wilcoxon_holm: adjusted over every comparison of the metric of the kind drawn here, at all points); the two disagree on skewed or mostly-zero metrics, where the signed-rank test is the one to read. Files written before p_holm: the t-test's p_value alone.";

/** The markers' shapes: by both tests' Holm-adjusted p when the file has them (older files: p_value). */
function significanceDomain(holm: boolean): string[] {
  return holm
    ? ["both tests p_holm < 0.05", "one test p_holm < 0.05", "neither test p_holm < 0.05"]
    : ["t-test p < 0.05", "t-test p ≥ 0.05"];
}

/** The shape a comparison row's marker takes (significanceDomain's order). */
function significanceOf(r: ComparisonRow, holm: boolean): number {
  const below = (p: number | null) => p !== null && p < 0.05;
  if (!holm) return below(r.p_value) ? 0 : 1;
  const n = (below(r.p_holm) ? 1 : 0) + (below(r.p_wilcoxon_holm) ? 1 : 0);
  return 2 - n;
}

/** The tips of a paired difference's marker (every statistic), t rule and bootstrap rule. */
function pairedTips(r: ComparisonRow, bySweep: boolean, outcome: boolean): Record<string, string> {
  const which: Array<[string, unknown]> = [
    ["metric", r.metric],
    ["variant", r.variant],
    [POINT, bySweep ? r.label : ""],
  ];
  const t: [string, unknown] = [outcome ? NEWCOMBE_INTERVAL : T_INTERVAL, span2(r.ci_low, r.ci_high)];
  const boot: [string, unknown] = [BOOT_INTERVAL, span2(r.boot_low, r.boot_high)];
  return {
    tip: tip([
      ...which,
      ["mean difference", r.mean_diff],
      t,
      boot,
      ["pairs", r.n_pairs],
      ["p (t-test)", r.p_value],
      ["p (t-test, Holm)", r.p_holm],
      ["effect size d_z", r.effect_size],
      ["p (signed-rank)", r.p_wilcoxon],
      ["p (signed-rank, Holm)", r.p_wilcoxon_holm],
    ]),
    tTip: tip([...which, t]),
    bootTip: tip([...which, boot]),
  };
}

/** The yOffset slot of a sweep point's bootstrap rule. */
const bootSlot = (point: string) => `${point} (bootstrap)`;

/**
 * The parameter a grid of one variant draws within a row (by colour), the others naming the rows:
 * the sweepReference, whose points are compared with its first value, else the last parameter.
 */
function innerParam(data: ReportData): string {
  const ref = data.manifest.sweepReference;
  return ref !== null && data.sweepParams.includes(ref) ? ref : data.sweepParams[data.sweepParams.length - 1];
}

/** A point's values of the parameters other than `inner`: its row in a grid. */
function outerLabel(r: ComparisonRow, params: readonly string[], inner: string): string {
  return params
    .filter((p) => p !== inner)
    .map((p) => pointValue(r.params[p] ?? ""))
    .join(", ");
}

/** Height of a point's slot in a grid panel: its t interval and, below it, its bootstrap interval. */
const GRID_STEP = 7;

/** Width of a grid's panels: four columns beside the legends. */
const GRID_PANEL_WIDTH = 170;

/**
 * With several variants and a sweepReference, comparison.csv also compares each variant with itself
 * at each point's reference point: drawn as a second chart of the same kind.
 */
export async function pairedAgainstReference(data: ReportData, render: Render): Promise<Figure | null> {
  if (data.variants.length < 2) return null;
  return pairedDifferences(data, render, true);
}

export async function pairedDifferences(
  data: ReportData,
  render: Render,
  self = false,
): Promise<Figure | null> {
  const constant = constantMetrics(data);
  // With several variants: their differences with the baseline, or (self) each variant's with
  // itself at the reference point of a sweepReference.
  const ownReference = (c: ComparisonRow) => data.variants.length > 1 && c.raw.baseline === c.variant;
  const compared = data.comparison.filter(
    (c: ComparisonRow) => c.mean_diff !== null && !constant.has(c.metric) && ownReference(c) === self,
  );
  const unchanged = unchangedMetrics(compared);
  const rows = compared.filter((c) => !unchanged.has(c.metric));
  // what the chart's pairs differ in: the variant, or the point (its reference parameter)
  const changedBy =
    self || data.variants.length === 1 ? (data.manifest.sweepReference ?? "the sweep point") : "the variant";
  const id = self ? "paired-reference" : "paired-differences";
  const title = self
    ? `Paired differences of each variant against itself at the first value of ${data.manifest.sweepReference ?? "the reference parameter"}`
    : `Paired differences against ${comparisonReference(data)}`;
  if (rows.length === 0) {
    if (unchanged.size === 0) return null;
    // Nothing to draw, which is itself the finding (or a variant that changes nothing): said, not dropped.
    return {
      id,
      title,
      caption: `No panels: every paired difference of every metric is 0 (the same in both runs of each pair: nothing was changed by ${changedBy}): ${[...unchanged].join(", ")}.${constantNote(data)}`,
      panels: [],
    };
  }
  const metrics = data.metrics.filter((m) => rows.some((r) => r.metric === m));
  for (const r of rows) if (!metrics.includes(r.metric)) metrics.push(r.metric);
  const variants = data.variants.filter((v) => rows.some((r) => r.variant === v));
  const labels = sortedShortLabels(data).filter((l) => rows.some((r) => r.short === l));
  const bySweep = labels.length > 1;
  const holm = rows.some((r) => r.raw.p_holm !== undefined);
  const significant = significanceDomain(holm);
  const outcomes = zeroOneOutcomes(data);
  const pointRows = bySweep && variants.length === 1;
  const inner = pointRows && data.sweepParams.length > 1 ? innerParam(data) : null;
  // labels are in sweep order, and so are the grid's rows; its slots go by value
  const byLabel = new Map(rows.map((r) => [r.short, r]));
  const outerLabels = [
    ...new Set(labels.map((l) => outerLabel(byLabel.get(l)!, data.sweepParams, inner ?? ""))),
  ];
  const innerValues =
    inner === null ? [] : sweepValues(labels.map((l) => byLabel.get(l)!.params[inner] ?? "")).map(pointValue);
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
    ...(inner !== null
      ? { outer: outerLabel(r, data.sweepParams, inner), inner: pointValue(r.params[inner] ?? "") }
      : {}),
    boot_slot: bootSlot(inner !== null ? pointValue(r.params[inner] ?? "") : r.short),
    interval: outcomes.has(r.metric) ? NEWCOMBE_INTERVAL : T_INTERVAL,
    significant: significant[significanceOf(r, holm)],
    ...pairedTips(r, bySweep, outcomes.has(r.metric)),
  }));
  const boot = values.some((v) => v.boot_low !== null && v.boot_high !== null);
  const kinds = [T_INTERVAL, NEWCOMBE_INTERVAL].filter((k) => values.some((v) => v.interval === k));
  // One variant drawn (a sweep of one variant, or one variant against the baseline): one row per
  // point, named on the axis (tens of points told apart by shades of one colour scale, packed
  // into one band, could not be read). In a grid, a row per value of the other parameters, its
  // points one under another in it, coloured by the inner parameter's value: a row per point made
  // leverage-crowding's panels (36 compared points) 586 px tall and the figure 3,866.
  const rowsPerPanel = pointRows
    ? labels.length
    : variants.length * (bySweep ? Math.min(labels.length, 12) : 1);
  const height =
    inner !== null
      ? Math.max(50, outerLabels.length * innerValues.length * (boot ? GRID_STEP : GRID_STEP - 2) + 10)
      : pointRows
        ? Math.max(50, labels.length * (boot ? 16 : 12) + 10)
        : Math.max(50, Math.min(260, rowsPerPanel * (boot && bySweep ? 22 : 16) + 10));
  const y: Record<string, unknown> =
    inner !== null
      ? {
          field: "outer",
          type: "ordinal",
          // every row's axis reads the same parameters: named once, by the figure (rowsTitle)
          title: null,
          sort: outerLabels,
          axis: {
            labelLimit: 220,
            description: sweepValuesDescription(
              "Y-axis",
              data.sweepParams.filter((p) => p !== inner),
              outerLabels,
            ),
          },
        }
      : pointRows
        ? {
            field: "point",
            type: "nominal",
            title: null,
            sort: labels,
            axis: {
              labelLimit: 220,
              description: sweepValuesDescription("Y-axis", data.sweepParams, labels),
            },
          }
        : {
            field: "variant",
            type: "nominal",
            title: null,
            sort: variants,
            axis: { description: sweepValuesDescription("Y-axis", ["variant"], variants) },
          };
  const colour =
    inner !== null
      ? {
          field: "inner",
          type: "ordinal",
          title: inner,
          legend: { titleLimit: 0 },
          sort: innerValues,
          scale: { scheme: "viridis" },
        }
      : bySweep
        ? {
            field: "point",
            type: "ordinal",
            ...sweepLegend(data.sweepParams, labels),
            sort: labels,
            scale: { scheme: "viridis" },
          }
        : { ...variantColor(data), legend: { values: variants } };
  const common: Record<string, unknown> = pointRows && inner === null ? { y } : { y, color: colour };
  // the slots of a row: its points, each with its bootstrap rule's slot after it
  const slots = inner !== null ? innerValues : labels;
  const slotField = inner !== null ? "inner" : "point";
  if (inner !== null || (bySweep && !pointRows))
    common.yOffset = boot
      ? { field: slotField, type: "ordinal", scale: { domain: slots.flatMap((l) => [l, bootSlot(l)]) } }
      : { field: slotField, type: "ordinal", sort: slots };
  // Room beside the panels: the variant or point labels (cut at their labelLimit) and the legends,
  // so that the first render has as many columns as fit (with 60 px a panel it had one too many).
  const yTexts = inner !== null ? outerLabels : pointRows ? labels : variants;
  // (a grid's rows' parameters are named left of them too: rowsTitle, 11 px bold, turned)
  const yLabels =
    Math.ceil(Math.min(pointRows ? 220 : 180, widestText(yTexts))) + 6 + (inner !== null ? 16 : 0);
  const colourTitles =
    inner !== null ? [inner] : bySweep && !pointRows ? data.sweepParams.map((p) => `${p},`) : [];
  const legends = legendRoom(
    ["variant", "interval", ...colourTitles],
    [
      ...significant,
      ...(boot ? [...kinds, BOOT_INTERVAL] : []),
      ...(inner !== null ? innerValues : pointRows ? [] : bySweep ? labels : variants),
    ],
  );
  const panelWidth = inner !== null ? GRID_PANEL_WIDTH : 200;
  // A grid's rows' parameters, once at the left of the figure beside its first row (as an axis
  // title, they were repeated at the first panel of each row of panels)
  const rowsTitle =
    inner !== null
      ? {
          title: {
            text: data.sweepParams.filter((p) => p !== inner).join(", "),
            orient: "left",
            anchor: "end",
            fontSize: 11,
            limit: 0,
          },
        }
      : {};
  const spec: VlSpec = {
    ...rowsTitle,
    data: { values },
    facet: metricFacet(data, metrics),
    columns: facetColumns(metrics.length, panelWidth, 35, yLabels + legends),
    spec: {
      width: panelWidth,
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
            ...(boot ? { strokeWidth: intervalKey(kinds, { field: "interval" }) } : {}),
            description: { field: "tTip" },
            x: {
              field: "ci_low",
              type: "quantitative",
              title: null,
              scale: DIFF_SCALE,
              axis: tickLabels("child_x"),
            },
            x2: { field: "ci_high" },
          },
        },
        ...(boot ? [bootstrapRule(common, height / rowsPerPanel, kinds)] : []),
        {
          mark: { type: "point", filled: true, size: inner !== null ? 24 : 40 },
          encoding: {
            ...common,
            x: {
              field: "mean_diff",
              type: "quantitative",
              title: null,
              scale: DIFF_SCALE,
              axis: tickLabels("child_x"),
            },
            shape: {
              field: "significant",
              type: "nominal",
              title: null,
              scale: {
                domain: significant,
                range: holm ? ["circle", "diamond", "triangle"] : ["circle", "triangle"],
              },
              legend: { labelLimit: 0 },
            },
            ...TIP,
          },
        },
        HEADER_LEVEL,
      ],
    },
    // columns as wide as their widest panel, axis included: a panel starts where the one above
    // it does (an end label sticking out left of a row's panels pushed them up to 26 px right)
    align: "all",
    resolve: { scale: { x: "independent" } },
  };
  const rowsText =
    inner === null
      ? `one row per point: ${data.sweepParams.join(", ")}`
      : `one row per value of ${data.sweepParams.filter((p) => p !== inner).join(", ")}, its points one under another by ${inner} (colour)`;
  // with a 0/1 outcome shown the thick rule is not always a t interval: say so before the note names them
  const thick = metrics.some((m) => outcomes.has(m))
    ? "95% confidence interval (thick rule: a t interval, Newcombe's for a 0/1 outcome)"
    : "95% t confidence interval (thick rule)";
  const intervals = boot
    ? `${thick} and, with 5 pairs or more, its 95% BCa bootstrap interval (thin light rule just below)`
    : "confidence interval";
  if (self)
    return {
      id,
      title,
      caption: `Mean of the per-replication differences point − the same variant at the point's reference (${data.manifest.sweepReference ?? "its first value"} at its first value, the other parameters as at the point; same seeds) with its ${intervals}, per metric and sweep point${pointRows ? ` (${variants[0]}; ${rowsText})` : ""}: the swept parameter's effect under each variant; the dashed line is no difference.${outcomeNote(outcomes, metrics, "Newcombe")} ${SIGNIFICANCE}${constantNote(data)}${unchangedNote(unchanged, changedBy)}`,
      panels: [{ svg: await fitToColumn(render, spec) }],
    };
  return {
    id,
    title,
    caption:
      data.variants.length === 1
        ? `Mean of the per-replication differences point − reference point (same seeds at every point) with its ${intervals}, per metric and sweep point${pointRows ? ` (${rowsText})` : ""}; the dashed line is no difference.${outcomeNote(outcomes, metrics, "Newcombe")} ${SIGNIFICANCE}${constantNote(data)}${unchangedNote(unchanged, changedBy)}`
        : `Mean of the per-replication differences variant − baseline (same seeds) with its ${intervals}, per metric${bySweep ? " and sweep point" : ""}${pointRows ? ` (${variants[0]}; ${rowsText})` : ""}; the dashed line is no difference.${outcomeNote(outcomes, metrics, "Newcombe")} ${SIGNIFICANCE}${constantNote(data)}${unchangedNote(unchanged, changedBy)}`,
    panels: [{ svg: await fitToColumn(render, spec) }],
  };
}
