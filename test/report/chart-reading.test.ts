/**
 * The charts as a researcher reads them: the heat maps' axis titles once a row of panels, their
 * legends' labels written as their cells are at every magnitude, and a box too narrow to see
 * drawn as a diamond at its median.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cascadeDepth } from "../../packages/experiment/src/report/charts/cascade-depth.js";
import { distributions } from "../../packages/experiment/src/report/charts/distributions.js";
import {
  pairedAgainstReference,
  pairedDifferences,
} from "../../packages/experiment/src/report/charts/paired-differences.js";
import { pricePaths } from "../../packages/experiment/src/report/charts/price-paths.js";
import { COLUMN_WIDTH, PANEL_GAP, svgWidth } from "../../packages/experiment/src/report/charts/shared.js";
import { sweepHeatmaps } from "../../packages/experiment/src/report/charts/sweep-heatmap.js";
import { sweepLines } from "../../packages/experiment/src/report/charts/sweep-lines.js";
import { pointValue, shortNumber } from "../../packages/experiment/src/report/format.js";
import { writeReport } from "../../packages/experiment/src/report/index.js";
import { loadResults, type ReportData } from "../../packages/experiment/src/report/load.js";
import {
  releaseView,
  renderSvg,
  type ViewReuse,
  type VlSpec,
} from "../../packages/experiment/src/report/render.js";
import { textWidth } from "../../packages/experiment/src/report/text-width.js";
import { editCsv, makeResults } from "./fixtures.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cascade-chart-reading-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

type Make<T> = (data: ReportData, render: (spec: VlSpec) => Promise<string>) => Promise<T>;

async function draw<T>(make: Make<T>, dir: string): Promise<T> {
  const data = await loadResults(dir);
  const reuse: ViewReuse = { key: null, view: null };
  let n = 0;
  return make(data, (spec) => renderSvg(spec, `c${++n}`, reuse)).finally(() => releaseView(reuse));
}

/** The texts of the text marks of one role (axis-title, legend-label, title-text...). */
function texts(svg: string, role: string): string[] {
  const out: string[] = [];
  for (const g of svg.matchAll(
    new RegExp(`class="mark-text role-${role}"[^>]*>((?:<text[^>]*>.*?</text>)+)`, "g"),
  ))
    for (const t of g[1].matchAll(/<text[^>]*>(.*?)<\/text>/g))
      out.push(t[1].replace(/<title>.*?<\/title>/g, ""));
  return out;
}

/**
 * The least gap between neighbouring tick labels of a row (an x axis) in an SVG, at the page's
 * text widths: labels Vega hid for overlapping (opacity 0) and labels of several lines left out.
 */
function leastLabelGap(svg: string): { gap: number; pair: string } {
  let least = { gap: Number.POSITIVE_INFINITY, pair: "" };
  for (const g of svg.matchAll(/class="mark-text role-axis-label"[^>]*>((?:<text[^>]*>.*?<\/text>)+)/g)) {
    const labels = [
      ...g[1].matchAll(
        /<text text-anchor="(\w+)" transform="translate\(([-\d.]+),([-\d.]+)\)"([^>]*)>(.*?)<\/text>/g,
      ),
    ]
      .filter((m) => !/opacity="0"/.test(m[4]) && !m[5].includes("<tspan"))
      .map((m) => {
        const w = textWidth(m[5], Number(m[4].match(/font-size="([\d.]+)px"/)?.[1] ?? 10));
        const x = Number(m[2]);
        const left = m[1] === "middle" ? x - w / 2 : m[1] === "start" ? x : x - w;
        return { text: m[5], left, right: left + w, y: m[3] };
      });
    if (labels.length < 2 || labels.some((l) => l.y !== labels[0].y)) continue;
    labels.sort((a, b) => a.left - b.left);
    for (let i = 1; i < labels.length; i++) {
      const gap = labels[i].left - labels[i - 1].right;
      if (gap < least.gap) least = { gap, pair: `${labels[i - 1].text} ${labels[i].text}` };
    }
  }
  return least;
}

/** A label as shortNumber writes it, read back (k / M / G); NaN for any other writing. */
function readShort(label: string): number {
  const m = label.match(/^(−|-)?(\d+(?:\.\d+)?(?:e-\d+)?)([kMG]?)$/);
  if (m === null) return Number.NaN;
  const unit = { "": 1, k: 1e3, M: 1e6, G: 1e9 }[m[3]] as number;
  return (m[1] ? -1 : 1) * Number(m[2]) * unit;
}

describe("shortNumber", () => {
  it("writes 3 significant digits, thousands as k / M / G, at every magnitude", () => {
    const cases: Array<[number, string]> = [
      [0, "0"],
      [0.0004, "4.0e-4"],
      [0.00012345, "1.2e-4"],
      [0.001, "0.001"],
      [0.0059, "0.0059"],
      [0.138, "0.138"],
      [0.5, "0.5"],
      [7.5, "7.5"],
      [999, "999"],
      [999.4, "999"],
      [1000, "1k"],
      [3525, "3.53k"],
      [9999, "10k"],
      [12_345, "12.3k"],
      [150_000, "150k"],
      [999_999, "1M"],
      [6_666_681, "6.67M"],
      [999_600_000, "1G"],
      [2.5e9, "2.5G"],
      [-0.05, "-0.05"],
      [-999.6, "-1k"],
      [-3525, "-3.53k"],
      [-6_666_681, "-6.67M"],
    ];
    // 999.6 was 1000, 999,999 was 1000k and 999.6M 1000M: the unit was chosen before rounding
    expect(cases.map(([x]) => shortNumber(x))).toEqual(cases.map(([, s]) => s));
    expect(shortNumber(999.6)).toBe("1k");
  });
});

describe("heat maps", () => {
  /** Means per metric: 0 and small fractions, 999, 1,000-9,999, 10^4 to 10^9, negatives. */
  const RANGES: Array<[string, number, number]> = [
    ["m_fraction", 0, 0.0008],
    ["m_small", 0.0021, 0.0094],
    ["m_under_1k", 120, 999],
    ["m_thousands", 1000, 9999],
    ["m_1e4", 12_000, 97_000],
    ["m_1e5", 150_000, 910_000],
    ["m_1e6", 1_200_000, 9_300_000],
    ["m_1e7", 12_000_000, 88_000_000],
    ["m_1e8", 110_000_000, 970_000_000],
    ["m_1e9", 1_100_000_000, 9_700_000_000],
    ["m_negative", -8_000, -1_000],
    ["m_signed", -0.3, 0.45],
  ];
  const PX = "liquidation.closeFactor";
  const PY = "shock.size";

  /** A 3 x 2 grid whose summary.csv has a metric per range in RANGES (copies of liquidations'). */
  function grid(name: string, variants: string[]): string {
    const dir = makeResults(join(root, name), {
      sweep: { [PX]: [0.25, 0.5, 1], [PY]: [0.05, 0.1] },
      variants,
      replications: 3,
      ticks: 40,
      instruments: ["BTC"],
    });
    const file = join(dir, "summary.csv");
    const [head, ...body] = readFileSync(file, "utf8").trimEnd().split("\n");
    const cols = head.split(",");
    const [metric, mean] = [cols.indexOf("metric"), cols.indexOf("mean")];
    const base = body.filter((l) => l.split(",")[metric] === "liquidated_notional");
    const copies = RANGES.flatMap(([m, lo, hi]) =>
      base.map((l, i) =>
        l
          .split(",")
          .map((c, j) =>
            j === metric ? m : j === mean ? String(lo + ((hi - lo) * i) / (base.length - 1)) : c,
          )
          .join(","),
      ),
    );
    writeFileSync(file, `${[head, ...body, ...copies].join("\n")}\n`);
    return dir;
  }

  for (const variants of [["default"], ["full", "partial"]]) {
    it(`name each axis once a row of panels, on its first panel (${variants.length} variant(s) a panel)`, async () => {
      const fig = await draw(sweepHeatmaps, grid(`titles-${variants.length}`, variants));
      const panels = fig?.panels ?? [];
      expect(panels.length).toBeGreaterThan(RANGES.length);
      const count = (svg: string, s: string) => svg.split(`>${s}<`).length - 1;
      // the panels naming the axes, each axis once: the first and every `columns`-th
      const titled = panels.flatMap((p, i) => (count(p.svg, PX) > 0 ? [i] : []));
      for (const p of panels) {
        expect(count(p.svg, PX), p.subtitle).toBeLessThanOrEqual(1); // was 1 a variant
        expect(count(p.svg, PY), p.subtitle).toBe(count(p.svg, PX));
      }
      const columns = titled[1];
      expect(columns).toBeGreaterThan(1);
      expect(titled).toEqual(
        Array.from({ length: Math.ceil(panels.length / columns) }, (_, k) => k * columns),
      );
      // ... where the page starts a row: `columns` panels fit the column beside each other, one more does not
      const row = (from: number, k: number) =>
        panels.slice(from, from + k).reduce((w, p) => w + svgWidth(p.svg), 0) + (k - 1) * PANEL_GAP;
      for (const start of titled) {
        if (start + columns > panels.length) break;
        expect(row(start, columns)).toBeLessThanOrEqual(COLUMN_WIDTH);
        if (start + columns < panels.length) expect(row(start, columns + 1)).toBeGreaterThan(COLUMN_WIDTH);
      }
      // the x title under the maps, not at their left edge: its centre half their width in
      if (variants.length === 1) {
        const first = panels[0].svg;
        const x = first.match(
          /role-title-text"[^>]*><text text-anchor="middle" transform="translate\(([\d.]+),/,
        )?.[1];
        const cells = [...first.matchAll(/aria-roledescription="rect mark" d="M([\d.]+),[\d.]+h([\d.]+)/g)];
        const right = Math.max(...cells.map((m) => Number(m[1]) + Number(m[2])));
        expect(Math.abs(Number(x) - right / 2)).toBeLessThan(1);
      }
    });
  }

  it("say what they plot: the mean of each metric, with its unit beside the metric's name", async () => {
    const dir = grid("units", ["default"]);
    const fig = await draw(sweepHeatmaps, dir);
    expect(fig?.title).toBe(`Mean of each metric over the ${PX} × ${PY} grid`); // was "Metrics over the"
    const unit = (m: string) => fig?.panels.find((p) => p.subtitle === m)?.unit;
    expect(unit("peak_drawdown")).toBe("a fraction");
    expect(unit("liquidated_notional")).toBe("cash units");
    expect(unit("liquidations")).toBe("count");
    expect(unit("m_thousands")).toBeUndefined(); // a column with no unit known: none shown
    const html = readFileSync(await writeReport(dir), "utf8");
    expect(html).toContain('<h3>liquidated_notional <span class="unit">cash units</span></h3>');
    expect(html).toContain("<h3>m_thousands</h3>");
  });

  it("label their legends as their cells are written, from 0 and small fractions to 10^9 and negatives", async () => {
    const fig = await draw(sweepHeatmaps, grid("legends", ["default"]));
    for (const [m, lo, hi] of RANGES) {
      const panel = fig?.panels.find((p) => p.subtitle === m);
      expect(panel, m).toBeDefined();
      const labels = texts(panel?.svg ?? "", "legend-label");
      expect(labels.length, m).toBeGreaterThanOrEqual(2);
      for (const l of labels) {
        // shortNumber's own writing (3,525 / 5,000 / 0.0060 / 6,666,681 are not)
        const v = readShort(l);
        expect(shortNumber(v), `${m}: ${l}`).toBe(l);
        expect(v, `${m}: ${l}`).toBeGreaterThanOrEqual(Math.min(0, lo) - Math.abs(hi - lo));
        expect(v, `${m}: ${l}`).toBeLessThanOrEqual(hi + Math.abs(hi - lo));
      }
      // the cells too
      for (const l of texts(panel?.svg ?? "", "mark"))
        expect(shortNumber(readShort(l)), `${m} cell ${l}`).toBe(l);
      // and the legend's aria-label (Vega's own wrote 6,666,681)
      const [, a, b] = (panel?.svg ?? "").match(
        /aria-label="Gradient legend[^"]* values from (\S+) to (\S+)"/,
      )!;
      for (const end of [a, b]) expect(shortNumber(readShort(end)), `${m} legend aria ${end}`).toBe(end);
    }
    const labelsOf = (m: string) =>
      texts(fig?.panels.find((p) => p.subtitle === m)?.svg ?? "", "legend-label");
    // 1,000 to 9,999 in thousands, as 1,000 and up everywhere else
    expect(labelsOf("m_thousands").every((l) => l.endsWith("k"))).toBe(true);
    expect(labelsOf("m_1e9").every((l) => l.endsWith("G"))).toBe(true);
  });
});

describe("distributions", () => {
  /** The boxes of a chart: each box's extent across its value axis, and whether a diamond stands for it. */
  function boxes(svg: string, across: "h" | "v"): Array<{ tip: string; extent: number; diamond: boolean }> {
    const diamonds = new Set<string>();
    for (const m of svg.matchAll(/aria-roledescription="point"[^>]*><title>([^<]*)<\/title>/g))
      diamonds.add(m[1]);
    return [
      ...svg.matchAll(
        /aria-roledescription="box" d="M[\d.]+,[\d.]+h(-?[\d.]+)v(-?[\d.]+)[^"]*"[^>]*><title>([^<]*)</g,
      ),
    ].map((m) => ({
      tip: m[3],
      extent: Math.abs(Number(across === "h" ? m[1] : m[2])),
      diamond: diamonds.has(m[3]),
    }));
  }

  it("keep every dot and diamond inside its panel, by variant and by sweep point (recovery_time_capped's 600 and a diamond at 0 were half over the frame)", async () => {
    const sweeps: Array<Record<string, number[]>> = [{}, { "liquidation.closeFactor": [0.5, 1] }];
    for (const sweep of sweeps) {
      const dir = makeResults(join(root, `dots-inside-${Object.keys(sweep).length}`), {
        sweep,
        variants: ["full", "partial"],
        replications: 12,
        ticks: 40,
        instruments: ["BTC"],
      });
      // liquidations capped at 600 (a niced end) in a third of the runs; bad_debt 0 but in two runs
      editCsv(join(dir, "runs.csv"), (r, i) => {
        r.liquidations = String(i % 3 === 0 ? 600 : 540 + (i % 7) * 5);
        r.bad_debt = String(i === 4 ? 900 : i === 9 ? 1000 : 0);
      });
      const svg = (await draw(distributions, dir))?.panels[0].svg ?? "";
      const [, w, h] = svg.match(/class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v([\d.]+)/) ?? [];
      const marks = [
        ...svg.matchAll(/aria-roledescription="point" transform="translate\(([-\d.]+),([-\d.]+)\)"/g),
      ].map((m) => [Number(m[1]), Number(m[2])]);
      expect(marks.length).toBeGreaterThan(10);
      // a dot reaches ~2 px from its centre, a diamond ~4: at 0 or the width it was cut by the frame
      const along = Object.keys(sweep).length === 0 ? 0 : 1;
      const length = Number(along === 0 ? w : h);
      for (const m of marks) {
        expect(m[along]).toBeGreaterThanOrEqual(2);
        expect(m[along]).toBeLessThanOrEqual(length - 2);
      }
    }
  });

  it("draw a box under 3 px across as a diamond at its median, in its variant's colour (by variant)", async () => {
    const dir = makeResults(join(root, "slivers"), {
      sweep: {},
      variants: ["marketSweep", "dutchAuction", "adlOnly"],
      replications: 8,
      ticks: 40,
      instruments: ["BTC"],
    });
    // bad_debt as book_share in execution-styles: 1 in every run of one variant, 0 in another's,
    // 0 but for one run of 0.1 in the third's
    editCsv(join(dir, "runs.csv"), (r) => {
      r.bad_debt =
        r.variant === "marketSweep" ? "1" : r.variant === "adlOnly" && r.replication === "0" ? "0.1" : "0";
    });
    const fig = await draw(distributions, dir);
    const svg = fig?.panels[0].svg ?? "";
    const all = boxes(svg, "h");
    expect(all.length).toBeGreaterThan(3);
    // every box is at least 3 px wide or has its diamond
    for (const b of all) expect(b.extent >= 3 || b.diamond, b.tip).toBe(true);
    const debt = all.filter((b) => b.tip.startsWith("metric: bad_debt;"));
    expect(debt.map((b) => [b.extent, b.diamond])).toEqual([
      [0, true],
      [0, true],
      [0, true],
    ]);
    // the diamond sits at the median, filled with the variant's colour (tableau10: blue, orange, red)
    const diamond = (variant: string) =>
      svg.match(
        new RegExp(
          `<path aria-label="metric: bad_debt; variant: ${variant};[^"]*" role="graphics-symbol" aria-roledescription="point" transform="translate\\(([\\d.]+),[\\d.]+\\)"[^>]*fill="([^"]+)"`,
        ),
      );
    expect(diamond("marketSweep")?.[2]).toBe("#4c78a8");
    expect(diamond("dutchAuction")?.[2]).toBe("#f58518");
    expect(Number(diamond("marketSweep")?.[1])).toBeGreaterThan(Number(diamond("dutchAuction")?.[1]) + 100);
    expect(fig?.caption).toContain("◆: a box under 3 px wide");
  });

  it("draw a box under 3 px tall as a diamond at its median (by sweep point)", async () => {
    const dir = makeResults(join(root, "slivers-sweep"), {
      sweep: { "liquidation.closeFactor": [0.5, 1] },
      variants: ["full"],
      replications: 6,
      ticks: 40,
      instruments: ["BTC"],
    });
    // no bad debt at closeFactor 0.5, some at 1 (insurance_draw in insurance-fund at 0)
    editCsv(join(dir, "runs.csv"), (r, i) => {
      r.bad_debt = r["liquidation.closeFactor"] === "0.5" ? "0" : String(1000 + 500 * (i % 5));
    });
    const fig = await draw(distributions, dir);
    const all = boxes(fig?.panels[0].svg ?? "", "v");
    for (const b of all) expect(b.extent >= 3 || b.diamond, b.tip).toBe(true);
    const debt = all.filter((b) => b.tip.startsWith("metric: bad_debt;"));
    expect(debt.map((b) => b.diamond)).toEqual([true, false]);
    expect(fig?.caption).toContain("◆: a box under 3 px tall");
  });

  it("no diamond, no key in the caption, where every box is wide enough", async () => {
    const dir = makeResults(join(root, "no-slivers"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 8,
      ticks: 40,
      instruments: ["BTC"],
    });
    editCsv(join(dir, "runs.csv"), (r, i) => {
      r.bad_debt = String(i % 4);
    });
    const fig = await draw(distributions, dir);
    expect(boxes(fig?.panels[0].svg ?? "", "h").every((b) => b.extent >= 3 && !b.diamond)).toBe(true);
    expect(fig?.caption).not.toContain("◆");
  });
});

describe("tick labels", () => {
  it("stand at least 3 px apart (execution-styles' adl_volume read 500k600k)", async () => {
    const variants = ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"];
    const dir = makeResults(join(root, "crowded-ticks"), { sweep: {}, variants, replications: 6, ticks: 40 });
    // adl_volume's paired differences in execution-styles: 0 but for adlOnly's 392k (232k to 553k)
    editCsv(join(dir, "comparison.csv"), (r) => {
      if (r.metric !== "liquidated_notional") return;
      const adl = r.variant === "adlOnly";
      r.mean_diff = adl ? "392441.0667" : "0";
      r.ci_low = adl ? "232310.5545" : "0";
      r.ci_high = adl ? "552571.5788" : "0";
      r.boot_low = adl ? "252941.3369" : "0";
      r.boot_high = adl ? "551536.3109" : "0";
    });
    const fig = await draw(pairedDifferences, dir);
    const least = leastLabelGap(fig?.panels[0].svg ?? "");
    expect(least.gap, least.pair).toBeGreaterThanOrEqual(3);
  });
});

describe("titles", () => {
  it("say what the sweep lines and the cascade depth plot", async () => {
    const dir = makeResults(join(root, "titles-one"), {
      sweep: { "liquidation.closeFactor": [0.5, 1] },
      variants: ["full", "partial"],
      replications: 3,
      ticks: 60,
    });
    // were "Metrics against liquidation.closeFactor" and "Cascade depth"
    expect((await draw(sweepLines, dir))?.title).toBe("Mean of each metric against liquidation.closeFactor");
    expect((await draw(cascadeDepth, dir))?.title).toBe(
      "Cascade depth: liquidations per run at each cascade generation",
    );
  });
});

describe("units", () => {
  /** The lines of each panel header of a facet (its title texts), tspan by tspan. */
  const headers = (svg: string) =>
    [...svg.matchAll(/class="mark-text role-title-text"[^>]*><text[^>]*>(.*?)<\/text>/g)].map((m) =>
      m[1].includes("<tspan")
        ? [...m[1].matchAll(/<tspan[^>]*?(?:\/>|>(.*?)<\/tspan>)/g)].map((t) => t[1] ?? "")
        : [m[1]],
    );
  it("are named under each metric's name in the distributions, paired differences and sweep lines, as the heat maps name them (were in the heat maps only)", async () => {
    const dir = makeResults(join(root, "units"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["default"],
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
    // a column the manifest declares no unit for
    const file = join(dir, "runs.csv");
    const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
    writeFileSync(file, `${[`${head},m_plain`, ...lines.map((l, i) => `${l},${i % 5}`)].join("\n")}\n`);
    for (const make of [distributions, pairedDifferences, sweepLines] as Make<{
      panels: Array<{ svg: string }>;
    } | null>[]) {
      const titles = headers((await draw(make, dir))?.panels[0].svg ?? "");
      // (the sweep lines' x title, once under the grid, is a title of one line)
      const lines = titles.filter((l) => l[0] !== "liquidation.closeFactor");
      expect(titles.length - lines.length, make.name).toBe(make === sweepLines ? 1 : 0);
      expect(lines, make.name).toContainEqual(["liquidated_notional", "cash units"]);
      expect(lines, make.name).toContainEqual(["peak_drawdown", "a fraction"]);
      expect(lines, make.name).toContainEqual(["liquidations", "count"]);
      // every header two lines, a metric with no unit known a blank one: the names stay level
      for (const l of lines) expect(l, make.name).toHaveLength(2);
      if (make === distributions) expect(lines).toContainEqual(["m_plain", ""]);
    }
  });
});

describe("sweep values", () => {
  const CAP = "portfolio.initialCapital";
  /** A sweep of initialCapital from 200,000 to 2,000,000 (`variants` a point). */
  function capitalSweep(name: string, variants: string[], sweep: Record<string, number[]> = {}): string {
    return makeResults(join(root, name), {
      sweep: { [CAP]: [200_000, 800_000, 2_000_000], ...sweep },
      variants,
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
  }
  /** Every text and hover text of an SVG naming the sweep's values. */
  const written = (svg: string) => [...svg.matchAll(/>([^<>]*)</g)].map((m) => m[1]).join("\n");

  it("are written with their thousands grouped in the distributions, paired differences and tips", async () => {
    const dir = capitalSweep("grouped-values", ["full"]);
    for (const make of [distributions, pairedDifferences] as Make<{
      panels: Array<{ svg: string }>;
    } | null>[]) {
      const svg = (await draw(make, dir))?.panels[0].svg ?? "";
      const text = written(svg);
      // 200000 and 2000000 were hard to tell apart
      expect(text).not.toMatch(/\b(200000|800000|2000000)\b/);
      expect(text).toContain("2,000,000"); // (200,000 is the paired differences' reference)
      expect(text).toContain(`${CAP}=800,000`);
    }
  });

  it("are grouped in the sweep lines' tips", async () => {
    const svg = (await draw(sweepLines, capitalSweep("grouped-lines", ["full"])))?.panels[0].svg ?? "";
    expect(written(svg)).toContain(`${CAP}: 800,000;`); // was 800000
  });

  it("pointValue groups a number's whole digits only, exact, and leaves other text as written", () => {
    const cases: Array<[string, string]> = [
      ["200000", "200,000"],
      ["2000000", "2,000,000"],
      ["1000", "1,000"],
      ["999", "999"],
      ["0.05", "0.05"],
      ["-1234567.125", "-1,234,567.125"],
      ["1234567.1234", "1,234,567.1234"],
      ["1e+21", "1e+21"],
      ["auto", "auto"],
      ["", ""],
    ];
    expect(cases.map(([v]) => pointValue(v))).toEqual(cases.map(([, s]) => s));
  });

  it("are written in the summary, comparison and sweep tables as in the charts (200,000; were 200000)", async () => {
    const dir = capitalSweep("grouped-tables", ["full"]);
    const html = readFileSync(await writeReport(dir), "utf8");
    const rows = (table: string) => {
      const t = html.match(new RegExp(`data-table="${table}">([\\s\\S]*?)</table>`))?.[1] ?? "";
      return [...t.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) =>
        [...r[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]),
      );
    };
    for (const table of ["summary", "comparison"]) {
      const [head, ...body] = rows(table);
      const at = head.indexOf(CAP);
      expect(at, table).toBeGreaterThan(0);
      const values = [...new Set(body.map((r) => r[at]))];
      expect(values, table).toEqual(
        table === "summary" ? ["200,000", "800,000", "2,000,000"] : ["800,000", "2,000,000"],
      );
    }
    // the comparison's "against" names the reference point as the charts do
    expect(html).toContain(`full at ${CAP}=200,000`);
    // the manifest's list of the swept values, "; " apart (a comma is in 200,000)
    expect(rows("manifest-sweep")[1]).toEqual([CAP, "<code>200,000; 800,000; 2,000,000</code>"]);
  });

  it("and the statistics beside them are grouped alike in the tables and the tips (5,723,343.6; were 5723343.6)", async () => {
    const dir = capitalSweep("grouped-statistics", ["full"]);
    // liquidated_notional's statistics in the millions, as insurance-fund's
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric !== "liquidated_notional") return;
      Object.assign(r, {
        mean: "5723343.617",
        ci_low: "5208460.841",
        ci_high: "6238226.392",
        median: "5617520",
      });
    });
    const html = readFileSync(await writeReport(dir), "utf8");
    const summary = html.match(/data-table="summary">([\s\S]*?)<\/table>/)?.[1] ?? "";
    // the CSV's text in the cell's title; an integer too now differs from it
    expect(summary).toContain('<td class="num" title="5723343.617">5,723,343.6</td>');
    expect(summary).toContain('<td class="num" title="5208460.841">5,208,460.8</td>');
    expect(summary).toContain('<td class="num" title="5617520">5,617,520</td>');
    expect(summary).not.toMatch(/<td class="num"[^>]*>-?\d{4,}/);
    // the sweep line's tip of that mean, as the table writes it
    const svg = (await draw(sweepLines, dir))?.panels[0].svg ?? "";
    expect(svg).toMatch(
      /<title>metric: liquidated_notional; variant: full; [^<]*; mean: 5,723,343\.6; 95% t interval: 5,208,460\.8 to 6,238,226\.4;/,
    );
  });

  it("a point where a metric has no value (its population swept to 0 agents) is drawn nowhere and written blank, not as 0", async () => {
    const dir = capitalSweep("no-value-point", ["full"]);
    // liquidated_notional without a value at the first point, in every file, as a runner writes it
    const atFirst = (r: Record<string, string>) => r[CAP] === "200000" || r.point === "0";
    editCsv(join(dir, "runs.csv"), (r) => {
      if (atFirst(r)) r.liquidated_notional = "";
    });
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric !== "liquidated_notional" || !atFirst(r)) return;
      for (const k of Object.keys(r)) if (!["variant", "point", CAP, "metric"].includes(k)) r[k] = "";
      r.n = "0";
    });
    editCsv(join(dir, "comparison.csv"), (r) => {
      if (r.metric !== "liquidated_notional") return;
      for (const k of Object.keys(r))
        if (!["variant", "baseline", "point", "baseline_point", CAP, "metric"].includes(k)) r[k] = "";
      r.n_pairs = "0";
    });
    const svg = (await draw(sweepLines, dir))?.panels[0].svg ?? "";
    const tips = [...svg.matchAll(/<title>(metric: liquidated_notional; [^<]*)<\/title>/g)].map((m) => m[1]);
    expect(tips.some((t) => t.includes(`${CAP}: 800,000;`))).toBe(true);
    expect(tips.filter((t) => t.includes(`${CAP}: 200,000;`))).toEqual([]);
    expect(tips.filter((t) => /mean: 0;/.test(t))).toEqual([]);
    const html = readFileSync(await writeReport(dir), "utf8");
    const summary = html.match(/data-table="summary">([\s\S]*?)<\/table>/)?.[1] ?? "";
    const row = [...summary.matchAll(/<tr>(<td>liquidated_notional<\/td>.*?)<\/tr>/g)]
      .map((m) => [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]))
      .find((cells) => cells.includes("200,000"));
    // metric, variant, the swept value, n 0, then blank statistics
    expect(row?.slice(0, 4)).toEqual(["liquidated_notional", "full", "200,000", "0"]);
    expect(row?.slice(4).every((c) => c === "")).toBe(true);
  });

  it("are grouped on the heat maps' axes, in the same order", async () => {
    const dir = capitalSweep("grouped-grid", ["full"], { "shock.size": [0.05, 0.1] });
    const svg = (await draw(sweepHeatmaps, dir))?.panels[0].svg ?? "";
    const labels = texts(svg, "axis-label");
    expect(labels.filter((l) => l.includes("0,000"))).toEqual(["200,000", "800,000", "2,000,000"]);
    expect(labels).toEqual(expect.arrayContaining(["0.05", "0.1"]));
  });
});
describe("screen readers", () => {
  /** The aria-labels of an SVG's axes and legends (what a screen reader says for each). */
  const guides = (svg: string) =>
    [...svg.matchAll(/aria-roledescription="(?:axis|legend)" aria-label="([^"]*)"/g)].map((m) => m[1]);
  const A = "liquidation.amount.fraction";
  const B = "liquidation.penalty.rate";

  it("hear a 2-parameter sweep's axes and legends name the parameters and each point's values (Vega's ran them together: 0.1, 0, 0.1, 0.1)", async () => {
    // close-factor-sweep's kind: a grid of one variant, its cascade generations by point
    const dir = makeResults(join(root, "aria-grid"), {
      sweep: { [A]: [0.1, 1], [B]: [0, 0.1] },
      variants: ["default"],
      replications: 3,
      ticks: 40,
      instruments: ["BTC"],
      pointColumnsInSeries: true,
    });
    const points = `(${A}, ${B}) with 4 values: (0.1, 0), (0.1, 0.1), (1, 0), (1, 0.1)`;
    const of = async (make: Make<{ panels: Array<{ svg: string }> } | null>) =>
      ((await draw(make, dir))?.panels ?? []).flatMap((p) => guides(p.svg));
    expect(await of(distributions)).toContain(`X-axis of ${points}`);
    expect(await of(cascadeDepth)).toContain(`Symbol legend of ${points}`);
    // the paired grid: a row per value of A, its points by B (the legend, titled B, named it already)
    const paired = await of(pairedDifferences);
    expect(paired).toContain(`Y-axis of ${A} with 2 values: 0.1, 1`);
    expect(paired).toContain(
      `Symbol legend titled '${B}' for fill color and stroke color with 2 values: 0, 0.1`,
    );
    // every heat map's axes, titled or not; y as drawn, top to bottom
    const heat = await of(sweepHeatmaps);
    expect(heat.filter((l) => l.startsWith("X-axis")).length).toBeGreaterThan(3);
    for (const l of heat.filter((l) => l.startsWith("X-axis")))
      expect(l).toBe(`X-axis of ${A} with 2 values: 0.1, 1`);
    for (const l of heat.filter((l) => l.startsWith("Y-axis")))
      expect(l).toBe(`Y-axis of ${B} with 2 values: 0.1, 0`);
    for (const l of [...paired, ...heat]) expect(l).not.toMatch(/discrete scale/);
  });

  it("hear a one-parameter sweep's axes name the parameter, and past 7 values the first 5 and the last", async () => {
    const P = "portfolio.initialCapital";
    const values = [100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000, 6_400_000, 12_800_000];
    const dir = makeResults(join(root, "aria-one"), {
      sweep: { [P]: values },
      variants: ["default"],
      replications: 3,
      ticks: 40,
      instruments: ["BTC"],
    });
    const all = values.map((v) => pointValue(String(v)));
    const listed = `${all.slice(0, 5).join(", ")}, ending with 12,800,000`;
    const dist = (await draw(distributions, dir))?.panels[0].svg ?? "";
    expect(guides(dist)).toContain(`X-axis of ${P} with 8 values: ${listed}`);
    // the sweep lines' x axis, linear (its title is once under the grid): the values drawn on it
    const lines = (await draw(sweepLines, dir))?.panels[0].svg ?? "";
    const xs = guides(lines).filter((l) => l.startsWith("X-axis"));
    expect(xs.length).toBeGreaterThan(1);
    for (const l of xs) expect(l).toBe(`X-axis of ${P} with 8 values: ${listed}`);
    // the paired differences: a row per point compared with the first, 7 of them all listed
    const paired = (await draw(pairedDifferences, dir))?.panels[0].svg ?? "";
    expect(guides(paired)).toContain(`Y-axis of ${P} with 7 values: ${all.slice(1).join(", ")}`);
  });

  it("hear the paired differences' rows of variants named as variants (Vega's: 'for a discrete scale')", async () => {
    const dir = makeResults(join(root, "aria-variants"), {
      sweep: {},
      variants: ["full", "partial", "sliced"],
      replications: 3,
      ticks: 40,
      instruments: ["BTC"],
    });
    const paired = (await draw(pairedDifferences, dir))?.panels ?? [];
    expect(paired.length).toBeGreaterThan(0);
    for (const p of paired)
      expect(guides(p.svg)).toContain("Y-axis of variant with 2 values: partial, sliced");
  });

  it("never hear Vega's 0.000000 for a value axis of one value", async () => {
    const dir = makeResults(join(root, "aria-constant"), {
      sweep: { [A]: [0.1, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 3,
      ticks: 40,
      instruments: ["BTC"],
    });
    // one mean and interval at every point: a sweep line's y axis of one value (the runs differ)
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric === "bad_debt")
        for (const k of ["mean", "ci_low", "ci_high", "boot_low", "boot_high"]) if (k in r) r[k] = "0.5";
    });
    const html = readFileSync(await writeReport(dir), "utf8");
    expect(html).toContain('aria-label="Y-axis for a linear scale with values from 0.5 to 0.5"');
    expect(html).not.toMatch(/0\.000000/);
  });
});

describe("variant legend", () => {
  const P = "liquidation.closeFactor";
  for (const variants of [["default"], ["full", "partial"]]) {
    it(`is drawn beside the sweep distributions and sweep lines only for several variants (${variants.length})`, async () => {
      const dir = makeResults(join(root, `legend-${variants.length}`), {
        sweep: { [P]: [0.25, 0.5, 1] },
        variants,
        replications: 4,
        ticks: 40,
        instruments: ["BTC"],
      });
      for (const make of [distributions, sweepLines] as Make<{ panels: Array<{ svg: string }> } | null>[]) {
        const svg = (await draw(make, dir))?.panels[0].svg ?? "";
        // "variant: default" told the reader nothing
        expect(texts(svg, "legend-title").includes("variant")).toBe(variants.length > 1);
        expect(texts(svg, "legend-label").includes("default")).toBe(false);
      }
    });
  }
});
describe("price paths", () => {
  it("write the liquidated notional's size legend as the cells are (1.5M, not 1,500,000)", async () => {
    const dir = makeResults(join(root, "size-legend"), {
      sweep: {},
      variants: ["full"],
      replications: 3,
      ticks: 60,
      instruments: ["BTC"],
    });
    editCsv(join(dir, "liquidations.csv"), (r) => {
      r.notional = String(Math.round(Number(r.notional) * 1e6));
    });
    const svg = (await draw(pricePaths, dir))?.panels[0].svg ?? "";
    // (the replications' colour legend names them "rep 0"...)
    const labels = texts(svg, "legend-label").filter((l) => !l.startsWith("rep "));
    expect(labels.length).toBeGreaterThanOrEqual(2);
    for (const l of labels) expect(shortNumber(readShort(l)), l).toBe(l);
    expect(labels.some((l) => /[kMG]$/.test(l))).toBe(true);
    // its aria-label too (Vega's own wrote the ends in full, digits grouped)
    const [, lo, hi] = svg.match(
      /aria-label="Symbol legend titled 'liquidated notional'[^"]* values from (\S+) to (\S+)"/,
    )!;
    for (const end of [lo, hi]) expect(shortNumber(readShort(end)), end).toBe(end);
  });

  /** A one-variant, BTC-only result (2 replications, 60 ticks) in root/<name>, for where its dots fall. */
  const btcPaths = (name: string) =>
    makeResults(join(root, name), {
      sweep: {},
      variants: ["full"],
      replications: 2,
      ticks: 60,
      instruments: ["BTC"],
    });

  /** A price path panel's liquidation dots (centre, radius), each asserted whole inside its frame. */
  function dotsInFrame(svg: string): Array<{ x: number; y: number; r: number }> {
    const frame = svg.match(/class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v([\d.]+)/);
    const width = Number(frame?.[1]);
    const height = Number(frame?.[2]);
    expect(width).toBeGreaterThan(100);
    expect(height).toBeGreaterThan(100);
    const dots = [
      ...svg.matchAll(
        /aria-label="[^"]*liquidated notional[^"]*" role="graphics-symbol" aria-roledescription="point" transform="translate\(([-\d.]+),([-\d.]+)\)" d="M([\d.]+),/g,
      ),
    ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), r: Number(m[3]) }));
    for (const d of dots) {
      expect(d.x - d.r, JSON.stringify(d)).toBeGreaterThanOrEqual(0);
      expect(d.x + d.r, JSON.stringify(d)).toBeLessThanOrEqual(width);
      expect(d.y - d.r, JSON.stringify(d)).toBeGreaterThanOrEqual(0);
      expect(d.y + d.r, JSON.stringify(d)).toBeLessThanOrEqual(height);
    }
    return dots;
  }

  it("draw a liquidation at the path's lowest price whole inside the panel (partial-vs-full's 3,970 sat on the frame)", async () => {
    const dir = btcPaths("dot-at-low");
    // the first liquidation of replication 0 at a round price below every other: the axis' nice end
    let tick: string | null = null;
    editCsv(join(dir, "liquidations.csv"), (r) => {
      if (tick === null && r.replication === "0") tick = r.tick;
    });
    expect(tick).not.toBeNull();
    editCsv(join(dir, "timeseries.csv"), (r) => {
      if (r.replication === "0" && r.tick === tick) r.mid = "50";
    });
    const svg = (await draw(pricePaths, dir))?.panels[0].svg ?? "";
    expect(svg).toContain("price: 50;");
    expect(dotsInFrame(svg).length).toBeGreaterThan(1);
  });

  it("draw a liquidation at the last tick whole inside the panel (the x scale keeps the dots' room too)", async () => {
    const dir = btcPaths("dot-at-end");
    // every liquidation of replication 0 moved to the path's last tick: the x axis' end
    let last = -1;
    editCsv(join(dir, "timeseries.csv"), (r) => {
      if (r.replication === "0") last = Math.max(last, Number(r.tick));
    });
    expect(last).toBeGreaterThan(0);
    let moved = 0;
    editCsv(join(dir, "liquidations.csv"), (r) => {
      if (r.replication === "0") {
        r.tick = String(last);
        moved++;
      }
    });
    expect(moved).toBeGreaterThan(0);
    const svg = (await draw(pricePaths, dir))?.panels[0].svg ?? "";
    expect(svg).toContain(`tick: ${last};`);
    expect(dotsInFrame(svg).length).toBeGreaterThan(0);
  });
});

describe("paired differences", () => {
  const cases: Array<[string, string[], Record<string, number[]>]> = [
    ["against the baseline", ["full", "partial", "adlOnly"], {}],
    ["against the reference point", ["default"], { "liquidation.loss.insuranceFund": [0, 200, 400] }],
  ];
  for (const [name, variants, sweep] of cases) {
    it(`name a metric set by the replication alone in the caption, not as a panel of zeros (${name}; insurance-fund's shock_size)`, async () => {
      const dir = makeResults(join(root, `scenario-metric-${variants.length}`), {
        sweep,
        variants,
        replications: 4,
        ticks: 40,
        instruments: ["BTC"],
      });
      // shock_size: drawn per replication, the same at every variant and point; jitter: not
      const runs = join(dir, "runs.csv");
      const lines = readFileSync(runs, "utf8").trimEnd().split("\n");
      const rep = lines[0].split(",").indexOf("replication");
      writeFileSync(
        runs,
        `${lines.map((l, k) => (k === 0 ? `${l},shock_size,jitter` : `${l},${0.15 + Number(l.split(",")[rep]) / 100},${k % 3}`)).join("\n")}\n`,
      );
      // comparison.csv as the writer has them: every difference of shock_size 0 (mean 0, p 1, no
      // effect size)
      const comparison = join(dir, "comparison.csv");
      const [head, ...rows] = readFileSync(comparison, "utf8").trimEnd().split("\n");
      const cols = head.split(",");
      const zero: Record<string, string> = {
        mean_diff: "0",
        ci_low: "0",
        ci_high: "0",
        p_value: "1",
        effect_size: "",
      };
      const copies = rows
        .filter((l) => l.split(",")[cols.indexOf("metric")] === "liquidated_notional")
        .flatMap((l) =>
          ["shock_size", "jitter"].map((m) =>
            l
              .split(",")
              .map((c, k) =>
                cols[k] === "metric"
                  ? m
                  : m === "jitter"
                    ? ["mean_diff", "ci_low", "ci_high"].includes(cols[k])
                      ? String(k / 10)
                      : c
                    : (zero[cols[k]] ?? c),
              )
              .join(","),
          ),
        );
      writeFileSync(comparison, `${[head, ...rows, ...copies].join("\n")}\n`);
      const fig = await draw(pairedDifferences, dir);
      const svg = fig?.panels[0].svg ?? "";
      expect(svg).toContain("Title text 'liquidated_notional cash units'");
      expect(svg).toContain("Title text 'jitter'");
      expect(svg).not.toContain("shock_size");
      expect(fig?.caption).toContain(
        ` Not drawn, every paired difference 0 (the same in both runs of each pair: not changed by ${variants.length > 1 ? "the variant" : "the sweep point"}): shock_size.`,
      );
      // the distributions still draw it: its spread over the replications is the scenarios'
      expect((await draw(distributions, dir))?.panels[0].svg).toContain("Title text 'shock_size'");
    });
  }

  it("leave out of each chart the metrics its own pairs leave unchanged, named in its caption, and draw them in the other", async () => {
    const P = "liquidation.closeFactor";
    const dir = makeResults(join(root, "per-chart-unchanged"), {
      sweep: { [P]: [0.25, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
    const manifest = join(dir, "manifest.json");
    const m = JSON.parse(readFileSync(manifest, "utf8"));
    writeFileSync(manifest, JSON.stringify({ ...m, sweep: { ...m.sweep, reference: P } }));
    // pool: moved by the sweep point, the same for both variants; fee: moved by the variant, the
    // same at every point (both also differ between replications: not constant)
    const runs = join(dir, "runs.csv");
    const lines = readFileSync(runs, "utf8").trimEnd().split("\n");
    const cols = lines[0].split(",");
    const at = (l: string, c: string) => Number(l.split(",")[cols.indexOf(c)]);
    writeFileSync(
      runs,
      `${lines.map((l, k) => (k === 0 ? `${l},pool,fee` : `${l},${at(l, "point") * 10 + at(l, "replication")},${(l.startsWith("partial,") ? 5 : 0) + at(l, "replication")}`)).join("\n")}\n`,
    );
    // comparison.csv as the writer has it: partial − full at each point, then each variant against
    // itself at the first value of P; every difference 0: mean 0, p 1, no effect size
    const zero = "0,0,0,1,";
    const moved = "2,1,3,0.01,1.5";
    const values = ["0.25", "0.5", "1"];
    const row = (v: string, base: string, point: number, ref: number, metric: string, stats: string) =>
      `${v},${base},${point},${ref},${values[point]},${metric},4,${stats}`;
    const rows = [0, 1, 2].flatMap((i) => [
      row("partial", "full", i, i, "liquidated_notional", moved),
      row("partial", "full", i, i, "pool", zero),
      row("partial", "full", i, i, "fee", moved),
    ]);
    for (const v of ["full", "partial"])
      for (const i of [1, 2])
        rows.push(
          row(v, v, i, 0, "liquidated_notional", moved),
          row(v, v, i, 0, "pool", moved),
          row(v, v, i, 0, "fee", zero),
        );
    writeFileSync(
      join(dir, "comparison.csv"),
      `${["variant,baseline,point,baseline_point,liquidation.closeFactor,metric,n_pairs,mean_diff,ci_low,ci_high,p_value,effect_size", ...rows].join("\n")}\n`,
    );
    const headers = (svg: string) =>
      [...svg.matchAll(/aria-label="Title text '(\w+)/g)].map((m) => m[1]).filter((h) => h !== "variant");
    const unchanged = (what: string, m: string) =>
      ` Not drawn, every paired difference 0 (the same in both runs of each pair: not changed by ${what}): ${m}.`;
    const byVariant = await draw(pairedDifferences, dir);
    expect(headers(byVariant?.panels[0].svg ?? "")).toEqual(["liquidated_notional", "fee"]);
    expect(byVariant?.caption).toContain(unchanged("the variant", "pool"));
    expect(byVariant?.caption).not.toContain("fee.");
    const byPoint = await draw(pairedAgainstReference, dir);
    expect(headers(byPoint?.panels[0].svg ?? "")).toEqual(["liquidated_notional", "pool"]);
    expect(byPoint?.caption).toContain(unchanged(P, "fee"));
    expect(byPoint?.caption).not.toContain("pool.");
  });

  it("say so when every metric is unchanged in a paired chart, instead of dropping the chart", async () => {
    const dir = makeResults(join(root, "all-unchanged"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
    // a variant that changes nothing: every difference 0, as the writer has it (p 1, no effect size)
    const metrics = new Set<string>();
    editCsv(join(dir, "comparison.csv"), (r) => {
      metrics.add(r.metric);
      for (const k of ["mean_diff", "ci_low", "ci_high", "boot_low", "boot_high"]) if (k in r) r[k] = "0";
      r.p_value = "1";
      r.effect_size = "";
    });
    const fig = await draw(pairedDifferences, dir);
    expect(fig?.panels).toEqual([]);
    expect(fig?.title).toBe("Paired differences against full");
    const named = fig?.caption.match(/nothing was changed by the variant\): ([^.]+)\./)?.[1].split(", ");
    expect(new Set(named)).toEqual(new Set([...metrics].filter((m) => !fig?.caption.includes(`${m} (`))));
    expect(named?.length).toBeGreaterThan(3);
  });

  it("keep a marker at the axis' end inside its panel (book_share's 1 was drawn over the frame)", async () => {
    const dir = makeResults(join(root, "axis-end"), {
      sweep: {},
      variants: ["marketSweep", "dutchAuction", "adlOnly"],
      replications: 6,
      ticks: 40,
      instruments: ["BTC"],
    });
    // bad_debt as book_share: 1 in every pair of one variant, 0 in the other's
    editCsv(join(dir, "comparison.csv"), (r) => {
      if (r.metric !== "bad_debt") return;
      for (const k of ["mean_diff", "ci_low", "ci_high", "boot_low", "boot_high"])
        r[k] = r.variant === "dutchAuction" ? "1" : "0";
    });
    const svg = (await draw(pairedDifferences, dir))?.panels[0].svg ?? "";
    const width = Number(svg.match(/class="background"[^>]*d="M0\.5,0\.5h([\d.]+)/)?.[1]);
    expect(width).toBeGreaterThan(100);
    const xs = [
      ...svg.matchAll(
        /aria-label="metric: bad_debt;[^"]*" role="graphics-symbol" aria-roledescription="point" transform="translate\(([-\d.]+),/g,
      ),
    ].map((m) => Number(m[1]));
    expect(xs.length).toBe(2);
    // a marker of size 40 reaches ~3.6 px from its centre: at 0 and at the width it was cut by the frame
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(4);
      expect(x).toBeLessThanOrEqual(width - 4);
    }
  });
});
