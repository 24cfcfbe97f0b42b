/**
 * How the report's charts are laid out: text as wide as the page's font draws it (Helvetica's
 * widths, not Vega's 0.8 em a character), the distributions fitted at their first render and by
 * variant on a screen or so, the heat maps three a row, and the paired differences of a grid of
 * one variant on a screen or two.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributions } from "../../packages/experiment/src/report/charts/distributions.js";
import { pairedDifferences } from "../../packages/experiment/src/report/charts/paired-differences.js";
import { COLUMN_WIDTH, PANEL_GAP, svgWidth } from "../../packages/experiment/src/report/charts/shared.js";
import { heatmapColumns, sweepHeatmaps } from "../../packages/experiment/src/report/charts/sweep-heatmap.js";
import { sweepLines } from "../../packages/experiment/src/report/charts/sweep-lines.js";
import { loadResults, type ReportData } from "../../packages/experiment/src/report/load.js";
import {
  releaseView,
  renderSvg,
  type ViewReuse,
  type VlSpec,
} from "../../packages/experiment/src/report/render.js";
import { textWidth, vegaTextWidth } from "../../packages/experiment/src/report/text-width.js";
import { addMetrics, editCsv, makeResults, unevenHeatmaps, unevenPanels } from "./fixtures.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cascade-chart-layout-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

type Make = (data: ReportData, render: (spec: VlSpec) => Promise<string>) => Promise<unknown>;

/** The SVGs a chart function rendered, in order (each fitting attempt is one). */
async function rendered(make: Make, dir: string, pathsPerVariant?: number): Promise<string[]> {
  const data = await loadResults(dir, pathsPerVariant === undefined ? undefined : { pathsPerVariant });
  const reuse: ViewReuse = { key: null, view: null };
  const svgs: string[] = [];
  let n = 0;
  await make(data, async (spec) => {
    const svg = await renderSvg(spec, `c${++n}`, reuse);
    svgs.push(svg);
    return svg;
  }).finally(() => releaseView(reuse));
  return svgs;
}

const svgHeight = (svg: string) => Number(svg.match(/^<svg[^>]*?\sheight="([\d.]+)"/)?.[1] ?? 0);

/** The plot origins [x, y] of a facet's panels (each panel's background rect), and the plot width. */
function panels(svg: string): { origins: number[][]; width: number } {
  const re =
    /<g transform="translate\(([\d.-]+),([\d.-]+)\)"><path class="background" aria-hidden="true" d="M0\.5,0\.5h([\d.]+)v/g;
  const found = [...svg.matchAll(re)];
  return {
    origins: found.map((m) => [Number(m[1]), Number(m[2])]),
    width: Number(found[0]?.[3] ?? 0),
  };
}

describe("text widths", () => {
  it("are Helvetica's advance widths (Vega's estimate: 0.8 em a character)", () => {
    // p e a k _ d r a w d o w n: 556 556 556 500 556 556 333 556 722 556 556 722 556
    expect(textWidth("peak_drawdown", 10)).toBeCloseTo(72.81, 6);
    expect(textWidth("peak_drawdown", 10)).toBeLessThan(0.8 * 10 * 13 * 0.75);
    // bold: b 611 a 556 d 611 _ 556 d 611 e 556 b 611 t 333
    expect(textWidth("bad_debt", 11, true)).toBeCloseTo((4445 * 11) / 1000, 6);
    expect(textWidth("−0.5 ≥ 1", 10)).toBeCloseTo((584 + 556 + 278 + 556 + 278 + 549 + 278 + 556) / 100, 6);
  });

  it("give the characters researchers put in names beyond ASCII their own widths, not a digit's", () => {
    // Liberation Sans 2 (Arial's metrics), regular / bold, 1/1000 em: α 578 / 615, β 575, σ 617,
    // μ 576, Δ 668, é 556, ß 611, ł 222, × 584, – 556, — 1000, ≤ 549; all were 556 but × – — ≤
    expect(textWidth("Δσ", 10)).toBeCloseTo((668 + 617) / 100, 6);
    expect(textWidth("α=0.5", 10)).toBeCloseTo((578 + 584 + 556 + 278 + 556) / 100, 6);
    expect(textWidth("α", 11, true)).toBeCloseTo((615 * 11) / 1000, 6);
    expect(textWidth("βμ", 10)).toBeCloseTo((575 + 576) / 100, 6);
    expect(textWidth("éßł", 10)).toBeCloseTo((556 + 611 + 222) / 100, 6);
    expect(textWidth("Łódź", 10, true)).toBeCloseTo((611 + 611 + 611 + 500) / 100, 6);
    expect(textWidth("2×3–4—5≤6≥7", 10)).toBeCloseTo((6 * 556 + 584 + 556 + 1000 + 549 + 549) / 100, 6);
    // the fallback: a combining accent draws nothing beside its letter, a CJK character a full em,
    // anything else (Cyrillic here) a digit's width
    expect(textWidth("e\u0301", 10)).toBeCloseTo(textWidth("e", 10), 6);
    expect(textWidth("価格", 10)).toBeCloseTo(20, 6);
    expect(textWidth("ж", 10)).toBeCloseTo(5.56, 6);
  });

  it("reach Vega as its text metrics: weight, size, and a line cut at its limit counts as the limit", () => {
    expect(vegaTextWidth({ fontSize: 10 }, "liquidations")).toBeCloseTo(textWidth("liquidations", 10), 6);
    expect(vegaTextWidth({ fontSize: 11, fontWeight: "bold" }, " bad_debt ")).toBeCloseTo(
      textWidth("bad_debt", 11, true),
      6,
    );
    expect(vegaTextWidth({}, "x")).toBeCloseTo(textWidth("x", 11), 6); // Vega's default size
    expect(vegaTextWidth({ fontSize: 10, limit: 40 }, "accounts_liquidated_share")).toBe(40);
    expect(vegaTextWidth({ fontSize: 10, limit: 400 }, "bad_debt")).toBeCloseTo(textWidth("bad_debt", 10), 6);
    expect(vegaTextWidth({ fontSize: 0 }, "bad_debt")).toBe(0);
  });

  it("lay out a title no wider than the page draws it", async () => {
    const title = "liquidation.amount.fraction=0.1";
    const svg = await renderSvg(
      { title, width: 10, height: 10, data: { values: [{ a: 1 }] }, mark: "point", encoding: {} },
      "t",
    );
    // the chart is as wide as its title (13 px bold) and Vega's padding; was 0.8 em a character
    expect(svgWidth(svg)).toBeLessThanOrEqual(Math.ceil(textWidth(title, 13, true)) + 12);
    expect(svgWidth(svg)).toBeGreaterThanOrEqual(Math.floor(textWidth(title, 13, true)));
  });

  it("let close-factor-sweep's two-line point headers sit over their 194 px panel, not stick out of it", async () => {
    const panel = (point: string) =>
      renderSvg(
        {
          data: { values: [{ point, x: 1, y: 1 }] },
          facet: {
            column: { field: "point", title: null, header: { labelExpr: "split(datum.value, ', ')" } },
          },
          spec: {
            width: 194,
            height: 40,
            mark: "point",
            encoding: {
              x: { field: "x", type: "quantitative", axis: null },
              y: { field: "y", type: "quantitative", axis: null },
            },
          },
        },
        "h",
      );
    // the longer line, 11 px bold, fits the panel: the chart is as wide as with a one-letter header;
    // Vega's estimate of it (272 px) stuck out 39 px a side
    expect(textWidth("liquidation.amount.fraction=0.1", 11, true)).toBeLessThanOrEqual(194);
    const long = svgWidth(await panel("liquidation.amount.fraction=0.1, liquidation.penalty.rate=0"));
    expect(long).toBe(svgWidth(await panel("a")));
  });
});

describe("fitting the distributions", () => {
  it.each([
    ["three", ["crossMargin", "isolated", "unlevered"]],
    ["five", ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"]],
  ])(
    "%s variants named beside the panels: the first render fits the column, with as many columns as fit (cross-asset-contagion took 3 renders, execution-styles 2)",
    async (name, variants) => {
      const dir = makeResults(join(root, `variants-${name}`), {
        sweep: {},
        variants,
        replications: 8,
        ticks: 60,
      });
      // the studies' metrics beyond the fixture's: two rows of panels or more
      addMetrics(dir, [
        "peak_drawdown_BTC",
        "peak_drawdown_ETH",
        "book_liquidated_notional",
        "accounts_liquidated",
        "accounts_liquidated_share",
        "max_cascade_duration",
      ]);
      const svgs = await rendered(distributions as Make, dir);
      expect(svgs).toHaveLength(1);
      expect(svgWidth(svgs[0])).toBeLessThanOrEqual(COLUMN_WIDTH);
      // a column more would not fit
      const { origins } = panels(svgs[0]);
      const columns = new Set(origins.map((o) => o[0])).size;
      expect(columns).toBeGreaterThan(1);
      expect(svgWidth(svgs[0]) + (origins[1][0] - origins[0][0])).toBeGreaterThan(COLUMN_WIDTH);
    },
  );
});

describe("distributions by variant", () => {
  it("execution-styles' 29 metrics of 5 variants: boxes across, the names once a row of panels, on a screen or so (was 2,134 px: names under every panel)", async () => {
    const variants = ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"];
    const dir = makeResults(join(root, "by-variant-29"), {
      sweep: {},
      variants,
      replications: 30,
      ticks: 40,
      instruments: ["BTC"],
    });
    addMetrics(
      dir,
      Array.from({ length: 25 }, (_, k) => `metric_${k}`),
    );
    const data = await loadResults(dir);
    const svgs = await rendered(distributions as Make, dir);
    expect(svgs).toHaveLength(1);
    const svg = svgs[0];
    const { origins } = panels(svg);
    const drawn = [...new Set([...svg.matchAll(/<title>metric: ([^;]+); variant:/g)].map((m) => m[1]))];
    expect(drawn.length).toBeGreaterThanOrEqual(28);
    expect(origins.length).toBe(drawn.length);
    const columns = new Set(origins.map((o) => o[0])).size;
    const rows = new Set(origins.map((o) => o[1])).size;
    expect(columns).toBeGreaterThanOrEqual(4);
    expect(rows).toBe(Math.ceil(origins.length / columns));
    expect(svgWidth(svg)).toBeLessThanOrEqual(COLUMN_WIDTH);
    // a panel: 5 bands of 20 px, its value axis and the next header (its name and unit: 13 px a line)
    expect(svgHeight(svg)).toBeLessThan(rows * (5 * 20 + 60 + 13) + 40);
    expect(svgHeight(svg)).toBeLessThan(1300);
    // each variant named once a row of panels (the axis at its left), no legend repeating them
    for (const v of variants) expect(svg.match(new RegExp(`>${v}</text>`, "g")), v).toHaveLength(rows);
    expect(svg).not.toContain("role-legend");
    // every metric and variant has its box (a tip with its quartiles) and its runs' dots, on the
    // metric's own value axis: one under each panel
    for (const m of drawn)
      for (const v of variants) {
        expect(svg, `${m} ${v}`).toContain(`<title>metric: ${m}; variant: ${v}; runs: 30; median:`);
        expect(svg, `${m} ${v}`).toMatch(new RegExp(`<title>variant: ${v}; replication: \\d+; ${m}: `));
      }
    expect(svg.match(/aria-label="X-axis/g)?.length ?? 0).toBe(origins.length);
    expect(data.variants).toEqual(variants);
  });
});

describe("paired differences of a grid of one variant", () => {
  const leverage = [8, 11, 13, 14, 15, 16, 17, 18, 19];
  const crowding = [0, 0.25, 0.5, 0.75, 1];

  it("45 points: a row per leverage, its points by crowding, on a screen (was a row per compared point: 44 x 16 px a panel)", async () => {
    const dir = makeResults(join(root, "grid-45"), {
      sweep: { "populations.leveraged.leverage": leverage, "populations.leveraged.crowding": crowding },
      variants: ["default"],
      replications: 6,
      ticks: 40,
      instruments: ["BTC"],
      bootColumns: true,
    });
    const data = await loadResults(dir);
    const svgs = await rendered(pairedDifferences as Make, dir);
    const svg = svgs[svgs.length - 1];
    expect(svgWidth(svg)).toBeLessThanOrEqual(COLUMN_WIDTH);
    const { origins } = panels(svg);
    const metrics = new Set(data.comparison.filter((c) => c.mean_diff !== null).map((c) => c.metric)).size;
    expect(origins.length).toBeLessThanOrEqual(metrics);
    const rowsOfPanels = new Set(origins.map((o) => o[1])).size;
    const columns = new Set(origins.map((o) => o[0])).size;
    expect(columns).toBeGreaterThanOrEqual(3);
    expect(rowsOfPanels).toBe(Math.ceil(origins.length / columns));
    // a panel: 9 rows of 5 slots of 7 px (t interval, bootstrap interval below)
    expect(svgHeight(svg)).toBeLessThan(rowsOfPanels * (45 * 7 + 10 + 80) + 40);
    expect(svgHeight(svg)).toBeLessThan(900);

    // every comparison still drawn exactly: one marker a point and metric, named in full
    const markers = [...svg.matchAll(/<title>(metric: [^<]*mean difference: [^<]*)<\/title>/g)].map(
      (m) => m[1],
    );
    const compared = data.comparison.filter((c) => c.mean_diff !== null);
    const drawnMetrics = new Set(markers.map((t) => t.split(";")[0]));
    expect(markers.length).toBe(compared.filter((c) => drawnMetrics.has(`metric: ${c.metric}`)).length);
    expect(markers.length).toBe(44 * origins.length);
    for (const c of compared.filter((x) => drawnMetrics.has(`metric: ${x.metric}`)))
      expect(markers.some((t) => t.startsWith(`metric: ${c.metric};`) && t.includes(c.label))).toBe(true);
    // rows named by leverage on the axis, crowding in the colour legend
    expect(svg).toContain(">populations.leveraged.leverage<");
    expect(svg).toContain(">populations.leveraged.crowding<");
    for (const v of leverage) expect(svg).toMatch(new RegExp(`role-axis-label[^]*?>${v}<`));
  });

  it("names the rows' parameter once, beside the first row of panels (was at the first panel of every row)", async () => {
    const dir = makeResults(join(root, "grid-rows-title"), {
      sweep: { "populations.leveraged.leverage": [8, 13, 19], "populations.leveraged.crowding": [0, 0.5, 1] },
      variants: ["default"],
      replications: 6,
      ticks: 40,
      instruments: ["BTC"],
    });
    // 8 more metrics in comparison.csv (copies of peak_drawdown's rows): three rows of panels
    const file = join(dir, "comparison.csv");
    const [head, ...body] = readFileSync(file, "utf8").trimEnd().split("\n");
    const metric = head.split(",").indexOf("metric");
    const copies = body
      .filter((l) => l.split(",")[metric] === "peak_drawdown")
      .flatMap((l) =>
        Array.from({ length: 8 }, (_, k) =>
          l
            .split(",")
            .map((c, j) => (j === metric ? `drawdown_${k}` : c))
            .join(","),
        ),
      );
    writeFileSync(file, `${[head, ...body, ...copies].join("\n")}\n`);
    const svgs = await rendered(pairedDifferences as Make, dir);
    const svg = svgs[svgs.length - 1];
    expect(svgWidth(svg)).toBeLessThanOrEqual(COLUMN_WIDTH);
    const { origins } = panels(svg);
    const rows = [...new Set(origins.map((o) => o[1]))].sort((a, b) => a - b);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // once, turned, left of the panels and level with the first row
    // (the title's group is placed like the panels' cells, from the chart's origin)
    const titles = [
      ...svg.matchAll(
        /<g class="mark-group role-title"><g transform="translate\(([\d.-]+),([\d.-]+)\)">(?:(?!<\/text>)[\s\S])*?rotate\(-90\)[^>]*>populations\.leveraged\.leverage</g,
      ),
    ];
    expect(svg.match(/>populations\.leveraged\.leverage</g)).toHaveLength(1);
    expect(titles).toHaveLength(1);
    const [x, y] = [Number(titles[0][1]), Number(titles[0][2])];
    expect(x).toBeLessThan(Math.min(...origins.map((o) => o[0])));
    expect(y).toBeLessThan(rows[1]);
    // each row keeps its axis labels: the leverage values on every row's first panel
    expect((svg.match(/>19<\/text>/g) ?? []).length).toBe(rows.length);
  });

  it("one parameter keeps a row per point", async () => {
    const dir = makeResults(join(root, "one-param"), {
      sweep: { "liquidation.loss.insuranceFund": [0, 200000, 400000, 800000] },
      variants: ["default"],
      replications: 6,
      ticks: 40,
      instruments: ["BTC"],
    });
    const svgs = await rendered(pairedDifferences as Make, dir);
    const svg = svgs[svgs.length - 1];
    expect(svg).not.toContain("populations");
    expect(svg).toMatch(/>200,000</);
    expect(svg).toMatch(/>800,000</);
  });
});

describe("heat maps of a grid", () => {
  it("close-factor-sweep's 5 x 3 grid, one variant, 25 metrics: 3 panels a row at the page width, on two screens (were up to 375 px wide: 2 or 3 a row by legend width)", async () => {
    const dir = makeResults(join(root, "heat-25"), {
      sweep: {
        "liquidation.amount.fraction": [1, 0.75, 0.5, 0.25, 0.1],
        "liquidation.penalty.rate": [0, 0.05, 0.1],
      },
      variants: ["default"],
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
    // 21 more metrics in summary.csv, copies of liquidated_notional's rows with means of 2.4M to
    // 6.7M, as in the study (a legend reading 6,666,681 widened a panel past a third of the
    // column); bad_debt, 0 in every run, is not drawn
    const file = join(dir, "summary.csv");
    const [head, ...body] = readFileSync(file, "utf8").trimEnd().split("\n");
    const cols = head.split(",");
    const [metric, mean] = [cols.indexOf("metric"), cols.indexOf("mean")];
    const copies = body
      .filter((l) => l.split(",")[metric] === "liquidated_notional")
      .flatMap((l, i) =>
        Array.from({ length: 21 }, (_, k) =>
          l
            .split(",")
            .map((c, j) =>
              j === metric ? `notional_${k}` : j === mean ? String(2_366_425 + i * 307_161) : c,
            )
            .join(","),
        ),
      );
    writeFileSync(file, `${[head, ...body, ...copies].join("\n")}\n`);
    const data = await loadResults(dir);
    const reuse: ViewReuse = { key: null, view: null };
    let n = 0;
    let renders = 0;
    const fig = await sweepHeatmaps(data, (spec) => {
      renders++;
      return renderSvg(spec, `c${++n}`, reuse);
    }).finally(() => releaseView(reuse));
    const panels = fig?.panels ?? [];
    expect(panels.length).toBe(25);
    // three side by side, 28 px apart (html.ts), fit the page column; 2 a row before
    const third = Math.floor((COLUMN_WIDTH - 2 * PANEL_GAP) / 3);
    for (const p of panels) expect(svgWidth(p.svg), p.subtitle).toBeLessThanOrEqual(third);
    // every cell drawn at its full 48 px and labelled
    for (const p of panels) {
      const cells = [
        ...p.svg.matchAll(/aria-roledescription="rect mark" d="M[\d.]+,[\d.]+h([\d.]+)v([\d.]+)h/g),
      ];
      expect(
        cells.map((c) => `${c[1]}x${c[2]}`),
        p.subtitle,
      ).toEqual(Array(15).fill("48x48"));
      expect(p.svg.match(/aria-roledescription="text mark"/g)?.length ?? 0, p.subtitle).toBe(15);
    }
    // 9 rows of 3: each panel's SVG and its 34 px metric heading; no "default" over each map
    expect(panels.every((p) => !/>default</.test(p.svg))).toBe(true);
    expect(fig?.caption).toContain("the heat map of variant default");
    const rows = Math.ceil(panels.length / 3);
    const tallest = Math.max(...panels.map((p) => svgHeight(p.svg)));
    expect(rows * (tallest + 38)).toBeLessThan(2100);
    // one render a metric, the first reused
    expect(renders).toBe(25);
  });

  it("take as many panels a row as keep their cells readable, the cells never above the plan", () => {
    // 5 x 3 maps beside 125 px of axes and legend: 3 a row (a third of the column: 363 px) at
    // 47 px cells; 4 would leave 28 px, below the 39 px a label needs
    expect(heatmapColumns(25, 5, 125, 48, 39)).toEqual({ columns: 3, cell: 47, room: 363 });
    // leverage-crowding's 9 x 5 maps at 40 px: 2 a row (3 would shrink them to 25 px)
    expect(heatmapColumns(16, 9, 135, 40, 36)).toEqual({ columns: 2, cell: 40, room: 559 });
    // a small grid: every panel in one row, at the planned cell
    expect(heatmapColumns(3, 2, 110, 48, 30)).toEqual({ columns: 3, cell: 48, room: 363 });
    // maps too wide for a row even at the least cell keep the plan (fitToColumn narrows them)
    expect(heatmapColumns(4, 3 * 20, 135, 14, 20)).toEqual({ columns: 1, cell: 14, room: COLUMN_WIDTH });
  });
});

/**
 * Each panel of a facet's SVG: its plot origin and its header's y (the title group Vega-Lite makes
 * of a wrapped facet's header, drawn in the panel's group after its plot frame).
 */
function facetPanels(svg: string): Array<{ x: number; y: number; header: number | null }> {
  const frame =
    /<g transform="translate\(([\d.-]+),([\d.-]+)\)"><path class="background" aria-hidden="true" d="M0\.5,0\.5h/g;
  const found = [...svg.matchAll(frame)];
  return found.map((m, i) => {
    const end = found[i + 1]?.index ?? svg.length;
    const head = svg
      .slice(m.index, end)
      .match(/<g class="mark-group role-title"><g transform="translate\(([\d.-]+),([\d.-]+)\)"/);
    return { x: Number(m[1]), y: Number(m[2]), header: head ? Number(head[2]) : null };
  });
}

/** Per row of panels (same plot y): the distinct header offsets; per column index: the distinct xs. */
function gridSpread(svg: string): { headers: number[][]; columns: number[][] } {
  const rows = new Map<number, Array<{ x: number; header: number | null }>>();
  for (const p of facetPanels(svg)) rows.set(p.y, [...(rows.get(p.y) ?? []), p]);
  const columns: Array<Set<number>> = [];
  const headers: number[][] = [];
  for (const row of rows.values()) {
    headers.push([...new Set(row.map((p) => p.header))].filter((h): h is number => h !== null));
    row
      .map((p) => p.x)
      .sort((a, b) => a - b)
      .forEach((x, i) => {
        columns[i] = (columns[i] ?? new Set()).add(x);
      });
  }
  return { headers, columns: columns.map((c) => [...c]) };
}

/** The plots of a facet a View drew (its `cell` group's items), in the View's coordinates. */
function facetCells(view: ViewReuse["view"]): Array<{ x: number; width: number }> {
  type Node = { marktype?: string; name?: string; items?: Node[]; x?: number; width?: number };
  const found: Array<{ x: number; width: number }> = [];
  const walk = (node: Node) => {
    if (node.marktype === "group" && node.name === "cell")
      for (const c of node.items ?? []) found.push({ x: c.x ?? 0, width: c.width ?? 0 });
    else for (const child of node.items ?? []) walk(child);
  };
  if (view !== null) walk((view.scenegraph() as unknown as { root: Node }).root);
  return found;
}

/** The sweep lines' figure for a results folder (its SVG is the last render's, title moved). */
async function sweepLineFigure(dir: string): Promise<Awaited<ReturnType<typeof sweepLines>>> {
  const data = await loadResults(dir);
  const reuse: ViewReuse = { key: null, view: null };
  let n = 0;
  return sweepLines(data, (spec) => renderSvg(spec, `c${++n}`, reuse)).finally(() => releaseView(reuse));
}

describe("panels in rows and columns", () => {
  it("distributions, sweep lines and paired differences: every header of a row level, every panel under the one above (were 2-6 px and up to 26 px off)", async () => {
    const dir = unevenPanels(join(root, "level-headers"));
    for (const make of [distributions, sweepLines, pairedDifferences] as Make[]) {
      const svgs = await rendered(make, dir);
      const { headers, columns } = gridSpread(svgs[svgs.length - 1]);
      expect(headers.length, make.name).toBeGreaterThan(1);
      for (const h of headers) expect(h, make.name).toHaveLength(1);
      for (const c of columns) expect(c, make.name).toHaveLength(1);
    }
  });

  it("sweep lines name the swept parameter once, under the grid of panels (was under every panel)", async () => {
    const P = "liquidation.closeFactor";
    const dir = makeResults(join(root, "sweep-line-title"), {
      sweep: { [P]: [0.25, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
    });
    const svg = (await sweepLineFigure(dir))?.panels[0].svg ?? "";
    const { origins, width } = panels(svg);
    const rows = [...new Set(origins.map((o) => o[1]))];
    expect(rows.length).toBeGreaterThan(1);
    expect(svg.match(new RegExp(`>${P.replace(".", "\\.")}<`, "g"))).toHaveLength(1);
    const title = svg.match(
      new RegExp(
        `<g class="mark-group role-title"><g transform="translate\\(([\\d.-]+),([\\d.-]+)\\)">(?:(?!</text>)[\\s\\S])*?<text text-anchor="middle" transform="translate\\(([\\d.-]+),[^>]*>${P.replace(".", "\\.")}<`,
      ),
    );
    expect(title).not.toBeNull();
    // the text's middle: its group's x and its own
    const [x, y] = [Number(title![1]) + Number(title![3]), Number(title![2])];
    // below the last row's plots (140 px) and their axis labels, within the panels' span
    expect(y).toBeGreaterThan(Math.max(...rows) + 140 + 10);
    // centred on the plots, from the first column's left to the last one's right: not on the
    // whole chart, whose variant legend at the right drew it ~20 px right of them
    const left = Math.min(...origins.map((o) => o[0]));
    const right = Math.max(...origins.map((o) => o[0])) + width;
    expect(right - left).toBeGreaterThan(2 * width);
    expect(Math.abs(x - (left + right) / 2)).toBeLessThanOrEqual(0.5);
  });

  it("sweep lines centre the swept parameter on the plots Vega laid out, with or without their border", async () => {
    const P = "liquidation.closeFactor";
    const dir = makeResults(join(root, "sweep-line-title-frames"), {
      sweep: { [P]: [0.25, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
    });
    const data = await loadResults(dir);
    // the plots' span from the scenegraph of the View that drew the figure (the facet's cells),
    // not from the SVG: the border the chart finds them by is what is taken away here
    for (const stroke of ["#ddd", null]) {
      const reuse: ViewReuse = { key: null, view: null };
      let n = 0;
      let cells: Array<{ x: number; width: number }> = [];
      const fig = await sweepLines(data, async (spec) => {
        const svg = await renderSvg({ ...spec, config: { view: { stroke } } }, `c${++n}`, reuse);
        cells = facetCells(reuse.view);
        return svg;
      }).finally(() => releaseView(reuse));
      const svg = fig?.panels[0].svg ?? "";
      expect(cells.length, `stroke ${stroke}`).toBeGreaterThan(2);
      const title = svg.match(
        /<g class="mark-group role-title"><g transform="translate\(([\d.-]+),[\d.-]+\)">(?:(?!<\/text>)[\s\S])*?<text text-anchor="middle" transform="translate\(([\d.-]+),[^>]*>liquidation\.closeFactor</,
      );
      expect(title, `stroke ${stroke}`).not.toBeNull();
      const left = Math.min(...cells.map((c) => c.x));
      const right = Math.max(...cells.map((c) => c.x + c.width));
      expect(right - left).toBeGreaterThan(2 * cells[0].width);
      const middle = Number(title![1]) + Number(title![2]);
      expect(Math.abs(middle - (left + right) / 2), `stroke ${stroke}`).toBeLessThanOrEqual(0.5);
    }
  });

  it("sweep lines keep a parameter's name wider than their plots whole inside the chart", async () => {
    const P = "market.instruments.BTC.liquidation.amount.closeFactorFraction";
    const dir = makeResults(join(root, "sweep-line-long-title"), {
      sweep: { [P]: [0.25, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
    });
    // one panel (the other metrics without a mean): the name is wider than its plot
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric !== "liquidations") r.mean = "";
    });
    const svg = (await sweepLineFigure(dir))?.panels[0].svg ?? "";
    expect(panels(svg).origins).toHaveLength(1);
    const title = svg.match(
      /<g class="mark-group role-title"><g transform="translate\(([\d.-]+),[\d.-]+\)">(?:(?!<\/text>)[\s\S])*?<text text-anchor="middle" transform="translate\(([\d.-]+),[^>]*>market\.instruments\./,
    );
    expect(title).not.toBeNull();
    const origin = Number(svg.match(/transform="translate\(([\d.-]+),/)?.[1]);
    const middle = origin + Number(title![1]) + Number(title![2]);
    const half = textWidth(P, 11, true) / 2;
    expect(half * 2).toBeGreaterThan(panels(svg).width + 60);
    expect(middle - half).toBeGreaterThanOrEqual(0);
    expect(middle + half).toBeLessThanOrEqual(svgWidth(svg));
  });

  it("the heat maps' panels as wide as the widest of their column: each column's maps at one x in every row (were up to 16 px apart)", async () => {
    const dir = unevenHeatmaps(join(root, "heat-columns"));
    const data = await loadResults(dir);
    const reuse: ViewReuse = { key: null, view: null };
    let n = 0;
    const fig = await sweepHeatmaps(data, (spec) => renderSvg(spec, `c${++n}`, reuse)).finally(() =>
      releaseView(reuse),
    );
    const panelsOf = fig?.panels ?? [];
    // the page's rows: the figure's columns, PANEL_GAP apart (html.ts's grid), within the column;
    // the figure gives each column's width, its panels' SVGs as wide (html.ts writes the grid's
    // tracks from it, not from the SVGs again)
    const widths = fig?.columnWidths ?? [];
    const columns = widths.length;
    expect(columns).toBeGreaterThan(1);
    panelsOf.forEach((p, i) => {
      expect(svgWidth(p.svg), p.subtitle).toBe(widths[i % columns]);
    });
    const rows: string[][] = [];
    panelsOf.forEach((p, i) => {
      if (i % columns === 0) rows.push([]);
      rows[rows.length - 1].push(p.svg);
    });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows)
      expect(row.reduce((w, svg) => w + svgWidth(svg), 0) + (row.length - 1) * PANEL_GAP).toBeLessThanOrEqual(
        COLUMN_WIDTH,
      );
    // each panel's page x: the widths before it in its row; its first map's x inside its SVG
    const mapX = (svg: string) => panels(svg).origins[0]?.[0] ?? Number.NaN;
    const columnXs: Array<Set<number>> = [];
    for (const row of rows) {
      let x = 0;
      row.forEach((svg, i) => {
        columnXs[i] = (columnXs[i] ?? new Set()).add(x + mapX(svg));
        x += svgWidth(svg) + PANEL_GAP;
      });
    }
    for (const xs of columnXs) expect([...xs]).toHaveLength(1);
  });
});
