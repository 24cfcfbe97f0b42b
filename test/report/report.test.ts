import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BUILTIN_METRIC_INFO } from "../../packages/experiment/src/metric-info.js";
import { pairedDifferences } from "../../packages/experiment/src/report/charts/paired-differences.js";
import { pricePaths } from "../../packages/experiment/src/report/charts/price-paths.js";
import {
  COLUMN_WIDTH,
  type FittedWidth,
  fitToColumn,
  svgWidth,
} from "../../packages/experiment/src/report/charts/shared.js";
import { sweepLines } from "../../packages/experiment/src/report/charts/sweep-lines.js";
import { buildFigures } from "../../packages/experiment/src/report/charts.js";
import { readCsv, readCsvFast, unescapeCell } from "../../packages/experiment/src/report/csv.js";
import { escapeHtml, fmtNum } from "../../packages/experiment/src/report/html.js";
import { buildReport, writeReport } from "../../packages/experiment/src/report/index.js";
import {
  loadResults,
  type PathPoint,
  parseManifest,
  subsample,
} from "../../packages/experiment/src/report/load.js";
import {
  releaseView,
  renderSvg,
  tidySvg,
  type ViewReuse,
  type VlSpec,
} from "../../packages/experiment/src/report/render.js";
import { textWidth } from "../../packages/experiment/src/report/text-width.js";
import { runExperiment } from "../../packages/experiment/src/runner.js";
import { fakeExperiment } from "../experiment/helpers.js";
import { KNOWN_ROW, METRICS, makeResults } from "./fixtures.js";

/** The texts of each `role` group in an SVG (one array per legend, axis...), tspan lines joined by a space. */
function labelGroups(svg: string, role: string): string[][] {
  const groups = svg.matchAll(
    new RegExp(`class="mark-text role-${role}"[^>]*>((?:<text[^>]*>.*?</text>)+)`, "g"),
  );
  return [...groups].map((g) =>
    [...g[1].matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((t) =>
      t[1]
        .replace(/<title>.*?<\/title>/g, "")
        .replace(/<\/tspan><tspan[^>]*>/g, " ")
        .replace(/<\/?tspan[^>]*>/g, ""),
    ),
  );
}

/** The figures of a report: data-chart → the figure's HTML. */
function figures(html: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of html.matchAll(/<figure class="chart" data-chart="([^"]+)"[\s\S]*?<\/figure>/g)) {
    const list = out.get(m[1]) ?? [];
    list.push(m[0]);
    out.set(m[1], list);
  }
  return out;
}

/** Rewrites a results CSV in place: `edit` may change the cells of each data row, by column name. */
function editCsv(file: string, edit: (row: Record<string, string>) => void): void {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const cols = head.split(",");
  const rows = lines.map((line) => {
    const cells = line.split(",");
    const row = Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
    edit(row);
    return cols.map((c) => row[c]).join(",");
  });
  writeFileSync(file, `${[head, ...rows].join("\n")}\n`);
}

/** One metric's panel of the heat-map figure, or undefined (its heading: the name, then any unit). */
const heatPanel = (heat: string, metric: string) =>
  heat
    .split('<div class="panel">')
    .find((p) => p.startsWith(`<h3>${metric}</h3>`) || p.startsWith(`<h3>${metric} <span class="unit">`));

function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link/i);
  expect(html).not.toMatch(/<iframe|<img|<object|<embed/i);
  expect(html).not.toMatch(/\ssrc=/i);
  expect(html).not.toMatch(/@import|@font-face/i);
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/href="(?!#)/);
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cascade-report-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("writeReport: one-parameter sweep", () => {
  let dir: string;
  let html: string;
  let written: string;
  beforeAll(async () => {
    dir = makeResults(join(root, "sweep1"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["full", "@partial"],
      pointColumnsInSeries: true,
    });
    written = await writeReport(dir);
    html = readFileSync(written, "utf8");
  });

  it("writes report.html in the results directory and leaves no temp file", () => {
    expect(written).toBe(join(dir, "report.html"));
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("has one figure per chart kind, each with a title, a caption and an inline SVG", () => {
    const figs = figures(html);
    expect([...figs.keys()].sort()).toEqual([
      "cascade-depth",
      "distributions",
      "paired-differences",
      "price-paths",
      "sweep-lines",
    ]);
    for (const [id, list] of figs) {
      expect(list, id).toHaveLength(1);
      const fig = list[0];
      expect(fig, id).toMatch(/<h2>[^<]+<\/h2>/);
      expect(fig, id).toMatch(/<p class="caption">[^<]{20,}<\/p>/);
      expect(fig, id).toContain("<svg");
      // drawn marks, not just axes
      expect(fig, id).toMatch(
        /role="graphics-symbol" aria-roledescription="(point|line|bar|box|rect|area|rule)( mark)?"/,
      );
    }
    expect(html).not.toContain('data-chart="sweep-heatmap"');
  });

  it("shows the manifest", () => {
    expect(html).toContain('data-section="manifest"');
    expect(html).toContain("fixture-study");
    expect(html).toContain("liquidation.closeFactor");
    expect(html).toContain("Full manifest.json");
  });

  it("marks liquidations on the price paths (points with tooltips)", () => {
    const fig = figures(html).get("price-paths")![0];
    const points = fig.match(/aria-roledescription="point"/g) ?? [];
    expect(points.length).toBeGreaterThan(5);
    expect(fig).toMatch(/<title>[^<]*liquidations: \d+/);
    // one panel per instrument
    expect(fig).toContain("<h3>BTC</h3>");
    expect(fig).toContain("<h3>ETH</h3>");
  });

  it("contains the numbers of a known summary row in the summary table", () => {
    const row = html.match(/<tr><td>peak_drawdown<\/td><td>@partial<\/td><td class="num">1<\/td>.*?<\/tr>/);
    expect(row).not.toBeNull();
    for (const k of ["mean", "sd", "ci_low", "ci_high", "median", "p05", "p95"] as const) {
      expect(row![0]).toContain(`>${KNOWN_ROW[k]}<`);
    }
  });

  it("strips the spreadsheet escape from text cells", () => {
    expect(html).toContain("<td>@partial</td>");
    expect(html).toContain("&quot;name&quot;: &quot;@partial&quot;");
    expect(html).not.toMatch(/(>|")('|&#39;)@partial/);
  });

  it("is self-contained: no script, link, external URL or font", () => {
    expectSelfContained(html);
  });

  it("names what box plots summarise, in the box's hover text", () => {
    const dist = figures(html).get("distributions")![0];
    expect(dist).toMatch(
      /<title>metric: peak_drawdown; variant: full; sweep point: liquidation.closeFactor=0.25; runs: 4; median: [\d.]+; quartiles: [\d.]+ to [\d.]+; whiskers \(1.5 IQR\): [\d.]+ to [\d.]+<\/title>/,
    );
    expect(html).not.toContain("of value"); // Vega-Lite's "Median of value", "Q1 of value"
  });

  it("gives every SVG id a unique prefix", () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is deterministic", async () => {
    expect(await buildReport(dir)).toBe(html);
  });

  it("caps the price paths with maxPricePaths and writes to options.out", async () => {
    const out = join(root, "small.html");
    const p = await writeReport(dir, { out, maxPricePaths: 2 });
    expect(p).toBe(out);
    const fig = figures(readFileSync(out, "utf8")).get("price-paths")![0];
    expect(fig).toMatch(/2 of 48 recorded paths drawn/);
    expect(fig.match(/role="graphics-symbol" aria-roledescription="line"/g)?.length ?? 0).toBeLessThanOrEqual(
      2,
    );
  });

  it("a path limit that drops chosen points keeps the first and last, and the caption names them", async () => {
    const five = makeResults(join(root, "five-points"), {
      sweep: { "liquidation.closeFactor": [0.1, 0.2, 0.3, 0.4, 0.5] },
      pointColumnsInSeries: true,
      variants: ["only"],
      replications: 2,
      ticks: 60,
    });
    const data = await loadResults(five, { maxPricePaths: 2 });
    expect(data.pathPointsChosen).toBe(3); // first, middle, last
    expect(data.pathPoints.map((l) => l.replace(/^.*=/, ""))).toEqual(["0.1", "0.5"]);
    const fig = figures(await buildReport(five, { maxPricePaths: 2 })).get("price-paths")![0];
    expect(fig).toMatch(
      /at 2 of the 5 sweep points \([^)]*0\.1; [^)]*0\.5: the path limit leaves no room for more\)/,
    );
    expect(fig).not.toContain("first, middle and last");
  });

  it("a path limit that leaves instruments out says which and why (no silent panel loss)", async () => {
    const many = makeResults(join(root, "many-instruments"), {
      sweep: { "liquidation.closeFactor": [0.1, 0.5] },
      pointColumnsInSeries: true,
      variants: ["a", "b", "c", "d", "e"],
      instruments: ["BTC", "ETH", "SOL"],
      replications: 2,
      ticks: 60,
    });
    // 5 variants x 2 points x 3 instruments = 30 first-replication paths > 24
    const data = await loadResults(many);
    expect([...new Set(data.paths.map((p) => p.instrument))]).toEqual(["BTC", "ETH"]);
    expect(data.pathsLeftOut).toEqual({
      limit: 24,
      variants: 5,
      points: 2,
      instruments: ["BTC", "ETH", "SOL"],
      leftOutInstruments: ["SOL"],
      leftOutVariants: [],
    });
    const fig = figures(await buildReport(many)).get("price-paths")![0];
    expect(fig).toContain(
      "one panel per instrument drawn (SOL left out: 5 variants x 2 sweep points x 3 instruments need 30 paths, more than the 24 drawn; one replication each, for the first instruments)",
    );
    // within the limit: nothing left out, the caption as before
    const few = await loadResults(many, { maxPricePaths: 30 });
    expect(few.pathsLeftOut).toBeNull();
    const html = await buildReport(many, { maxPricePaths: 30 });
    expect(figures(html).get("price-paths")![0]).toContain("one panel per instrument:");
  });

  it("shows the bootstrap columns in the tables only when the files have them", async () => {
    const options = { sweep: {}, variants: ["full", "partial"], replications: 6, ticks: 60 };
    const tables = async (name: string, bootColumns: boolean) => {
      const html = await buildReport(makeResults(join(root, name), { ...options, bootColumns }));
      return html.slice(html.indexOf('data-section="summary"'));
    };
    const withBoot = await tables("tables-boot", true);
    expect(withBoot).toContain("<th>boot_low</th>");
    expect(withBoot).toContain("BCa bootstrap interval of the mean (boot_low, boot_high");
    // a folder written before the columns existed: no empty columns, no caption about them
    const older = await tables("tables-older", false);
    expect(older).not.toContain("boot_low");
    expect(older).not.toContain("bootstrap");
  });

  it("draws the price column when the results have one (mid blank while a side is empty), else the mid", async () => {
    const before = (await loadResults(dir)).paths[0];
    const copy = join(root, "with-price");
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, "timeseries.csv");
    const [head, ...rows] = readFileSync(file, "utf8").trimEnd().split("\n");
    const mid = head.split(",").indexOf("mid");
    // price = 2 x mid, and the mid blanked on the row of the first path point: as if a side were empty
    const out = rows.map((line, k) => {
      const cells = line.split(",");
      const price = String(2 * Number(cells[mid]));
      if (k === 0) cells[mid] = "";
      return [...cells, price].join(",");
    });
    writeFileSync(file, `${[`${head},price`, ...out].join("\n")}\n`);
    const after = (await loadResults(copy)).paths[0];
    expect(after.points.length).toBe(before.points.length);
    expect(after.points.map((q) => q.price)).toEqual(before.points.map((q) => 2 * q.price));
  });

  it("counts liquidations per generation without the settlement records (quantity 0)", async () => {
    const before = (await loadResults(dir)).generations;
    const copy = join(root, "with-settlement");
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, "liquidations.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const settlement = lines[1].split(",");
    for (const col of ["instrument", "side", "price", "slippage"]) settlement[header.indexOf(col)] = "";
    settlement[header.indexOf("quantity")] = "0";
    settlement[header.indexOf("notional")] = "0";
    writeFileSync(file, `${[...lines, settlement.join(",")].join("\n")}\n`);
    expect((await loadResults(copy)).generations).toEqual(before);
    // The same row with a quantity is one more liquidation of its generation.
    settlement[header.indexOf("quantity")] = "1";
    writeFileSync(file, `${[...lines, settlement.join(",")].join("\n")}\n`);
    const after = (await loadResults(copy)).generations;
    expect(after.reduce((a, g) => a + g.count, 0)).toBe(before.reduce((a, g) => a + g.count, 0) + 1);
  });

  it("heads the page with the liquidations the metric counts, settlement records named apart", async () => {
    const copy = join(root, "settlement-header");
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, "liquidations.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const settlement = lines[1].split(",");
    settlement[header.indexOf("quantity")] = "0";
    const liquidations = lines.length - 1;
    const line = (html: string) => html.match(/<li><b>Liquidation[^<]*<\/b>[^<]*<\/li>/)?.[0];
    expect(line(await buildReport(copy))).toBe(`<li><b>Liquidations:</b> ${liquidations}</li>`);
    writeFileSync(file, `${[...lines, settlement.join(","), settlement.join(",")].join("\n")}\n`);
    // was "Liquidation events: <every record>", more than the liquidations column of runs.csv sums to
    expect(line(await buildReport(copy))).toBe(
      `<li><b>Liquidations:</b> ${liquidations} (liquidations.csv also holds 2 settlement records: a deficit booked, quantity 0)</li>`,
    );
  });

  it("names options.out, the path and the reason when the report cannot be written there", async () => {
    const file = join(root, "not-a-folder");
    writeFileSync(file, "x");
    const cases: Array<[string, string]> = [
      [join(root, "missing", "r.html"), `folder ${join(root, "missing")} does not exist`],
      [join(file, "r.html"), `${file} is a file, not a folder`],
      [root, `${root} is a folder`],
    ];
    for (const [out, why] of cases) {
      await expect(writeReport(dir, { out })).rejects.toThrow(
        `cannot write the report: options.out = ${JSON.stringify(out)}; allowed: a file path in a folder this process can write to (${why})`,
      );
    }
    expect(readFileSync(file, "utf8")).toBe("x");
  });
});

describe("custom metrics that say what they measure", () => {
  it("manifest.json records their description and unit; report.html shows them", async () => {
    const out = join(root, "described-metrics");
    const compute = (r: { ticks: number }) => r.ticks;
    await runExperiment(
      fakeExperiment({
        replications: 2,
        metrics: {
          custom: {
            run_ticks: { compute, description: "ticks simulated <all of them>", unit: "ticks" },
            plain_ticks: compute,
          },
        },
      }),
      { out, workers: 0 },
    );
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.customMetrics).toEqual(["run_ticks", "plain_ticks"]);
    expect(manifest.metricInfo).toEqual({
      run_ticks: { description: "ticks simulated <all of them>", unit: "ticks" },
    });
    const runs = readFileSync(join(out, "runs.csv"), "utf8").trimEnd().split("\n");
    const head = runs[0].split(",");
    for (const line of runs.slice(1)) {
      const row = line.split(",");
      expect(row[head.indexOf("run_ticks")]).toBe(row[head.indexOf("plain_ticks")]);
    }
    const html = await buildReport(out);
    const table = metricsTable(html);
    expect(table).toContain("<th>metric</th><th>description</th><th>unit</th>");
    expect(table).toContain("<td>run_ticks</td><td>ticks simulated &lt;all of them&gt;</td><td>ticks</td>");
    expect(table).toContain("<td>plain_ticks</td><td></td><td></td>");
    // Without any description or unit, the manifest is as before (the report still lists them).
    const bare = join(root, "bare-metrics");
    await runExperiment(fakeExperiment({ replications: 2, metrics: { custom: { plain_ticks: compute } } }), {
      out: bare,
      workers: 0,
    });
    expect("metricInfo" in JSON.parse(readFileSync(join(bare, "manifest.json"), "utf8"))).toBe(false);
    expect(metricsTable(await buildReport(bare))).toContain("<td>plain_ticks</td><td></td><td></td>");
  });
});

function metricsTable(html: string): string {
  return /<table data-table="metrics">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
}

describe("the built-in metrics' descriptions and units", () => {
  it("report.html lists every metric column of runs.csv with BUILTIN_METRIC_INFO's", async () => {
    const out = join(root, "builtin-metric-info");
    await runExperiment(fakeExperiment({ replications: 2 }), { out, workers: 0 });
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    // manifest.json does not carry them: they belong to the code (its versions), not the experiment
    expect("metricInfo" in manifest).toBe(false);
    const html = await buildReport(out);
    expect(html).toContain('<a href="#metrics">Metrics</a>');
    const table = metricsTable(html);
    const rows = [...table.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(manifest.metrics);
    const units = Object.fromEntries(rows.map((r) => [r[1], r[3]]));
    expect(units.liquidated_notional).toBe("cash units");
    expect(units.accounts_liquidated).toBe("count");
    expect(units.peak_drawdown).toBe("a fraction");
    expect(units.realized_volatility).toBe("a fraction per tick");
    expect(units.min_depth).toBe("lots");
    expect(units.recovery_time).toBe("ticks");
    expect(units.recovered).toBe("0 or 1");
    const symbol = (manifest.metrics as string[]).find((m) => m.startsWith("peak_drawdown_")) as string;
    expect(units[symbol]).toBe("a fraction");
    for (const [, name, description, unit] of rows) {
      const info = BUILTIN_METRIC_INFO[name as keyof typeof BUILTIN_METRIC_INFO];
      if (info) expect([description, unit]).toEqual([escapeHtml(info.description), info.unit]);
      else expect(description, name).not.toBe("");
    }
  });
});

describe("writeReport: temporary files of a report killed before its rename", () => {
  it("removes those of processes that no longer run (<name>.<pid>.<hex>.cascade.tmp), keeps a live process's and other files", async () => {
    const dir = makeResults(join(root, "killed-report"), { sweep: { "liquidation.closeFactor": [0.5, 1] } });
    // A pid that ran and has exited: its report was killed (kill -9) between writing and renaming.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const left = [
      `report.html.${dead}.0a1b2c3d.cascade.tmp`,
      `r.html.${dead}.deadbeef.cascade.tmp`, // a report written with --out r.html
    ];
    const kept = [
      `report.html.${process.pid}.00ff00ff.cascade.tmp`, // a report this process (alive) is writing
      "report.html.notes.cascade.tmp", // not a report's temporary name
      `report.html.${dead}.cascade.tmp`,
      // without Cascade's mark (the naming of earlier versions): maybe a researcher's own file
      `report.html.${dead}.0a1b2c3d.tmp`,
    ];
    for (const f of [...left, ...kept]) writeFileSync(join(dir, f), "<html>half");
    mkdirSync(join(dir, `report.html.${dead}.1234abcd.cascade.tmp`)); // a folder: not made by a report
    kept.push(`report.html.${dead}.1234abcd.cascade.tmp`);
    await writeReport(dir);
    await writeReport(dir, { out: join(dir, "r.html") });
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith(".tmp"))
        .sort(),
    ).toEqual(kept.sort());
    expect(readFileSync(join(dir, "report.html"), "utf8").startsWith("<!DOCTYPE html>")).toBe(true);
  });
});

describe("writeReport: two-parameter grid", () => {
  let html: string;
  beforeAll(async () => {
    const dir = makeResults(join(root, "grid"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1], "shock.size": [0.05, 0.1] },
      replications: 3,
      ticks: 120,
    });
    html = readFileSync(await writeReport(dir), "utf8");
  });

  it("draws heat maps (one per metric) instead of lines", () => {
    const figs = figures(html);
    expect([...figs.keys()].sort()).toEqual([
      "cascade-depth",
      "distributions",
      "paired-differences",
      "price-paths",
      "sweep-heatmap",
    ]);
    const heat = figs.get("sweep-heatmap")![0];
    expect(heat.match(/<svg/g)).toHaveLength(5);
    expect((heat.match(/aria-roledescription="rect mark"/g) ?? []).length).toBeGreaterThanOrEqual(5 * 2 * 6);
    expectSelfContained(html);
  });

  it("lays the heat maps out in fixed columns, not as the window wraps them", () => {
    const heat = figures(html).get("sweep-heatmap")![0];
    const svgs = [...heat.matchAll(/<div class="panel">(?:<h3>.*?<\/h3>)?(<svg[\s\S]*?<\/svg>)<\/div>/g)].map(
      (m) => m[1],
    );
    expect(svgs).toHaveLength(5);
    // the axes named on the first panel of each row: its columns
    const titled = svgs.flatMap((s, i) => (s.includes(">shock.size<") ? [i] : []));
    const columns = titled[1];
    expect(columns).toBeGreaterThan(1);
    const m = heat.match(
      /<div class="panels grid" style="grid-template-columns: ([^;"]*); max-width: ([\d.]+)px">/,
    );
    expect(m).not.toBeNull();
    const tracks = m![1].split(/ (?=minmax)/);
    expect(tracks).toHaveLength(columns);
    // each column as wide as its panels (the page's own width: fr of that many px, the row no wider)
    const widths = tracks.map((t) => Number(t.match(/^minmax\(0, ([\d.]+)fr\)$/)?.[1]));
    svgs.forEach((s, i) => {
      expect(svgWidth(s)).toBe(widths[i % columns]);
    });
    expect(Number(m![2])).toBe(widths.reduce((a, b) => a + b, 0) + (columns - 1) * 28);
    expect(Number(m![2])).toBeLessThanOrEqual(COLUMN_WIDTH);
    expect(html).toMatch(/\.panels\.grid \{ display: grid; \}/);
    // the other figures: one after another as they fit
    expect(figures(html).get("distributions")![0]).toContain('<div class="panels"><div class="panel">');
  });

  it("keeps only the first sweep point of a time series without point columns", () => {
    // each path restarts at tick 1 for every later point: drawn ticks must stay increasing
    const fig = figures(html).get("price-paths")![0];
    expect(fig).toMatch(/12 of 72 recorded paths drawn/);
    expect(fig).toContain("at liquidation.closeFactor=0.25, shock.size=0.05");
    for (const m of fig.matchAll(/aria-roledescription="line mark"[^>]*d="([^"]+)"/g)) {
      const xs = [...m[1].matchAll(/[ML](-?[\d.]+),/g)].map((x) => Number(x[1]));
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]);
    }
  });
});

describe("writeReport: a sweep of one variant", () => {
  it("draws and lists the paired differences against the first sweep point", async () => {
    const dir = makeResults(join(root, "one-variant"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["default"],
    });
    const html = await buildReport(dir);
    const paired = figures(html).get("paired-differences")?.[0] ?? "";
    expect(paired).toContain(
      "Paired differences against the first sweep point (liquidation.closeFactor=0.25)",
    );
    expect(paired).toContain("point − reference point");
    expect(html).toContain(
      "<h2>Paired comparisons against the first sweep point (liquidation.closeFactor=0.25)</h2>",
    );
  });
});

describe("writeReport: no sweep", () => {
  it("has no sweep chart and still every other chart", async () => {
    const dir = makeResults(join(root, "plain"), {
      sweep: {},
      variants: ["full", "partial", "auction"],
      instruments: ["BTC"],
    });
    const html = await buildReport(dir);
    expect([...figures(html).keys()].sort()).toEqual([
      "cascade-depth",
      "distributions",
      "paired-differences",
      "price-paths",
    ]);
    expectSelfContained(html);
    // was "of each variant at (same seeds": no point to name
    expect(figures(html).get("price-paths")![0]).toContain(
      "first replications of each variant (same seeds across",
    );
  });

  it("names the one variant of the price paths, without 'each variant' or seeds 'across variants'", async () => {
    const swept = makeResults(join(root, "one-variant-sweep-paths"), {
      sweep: { "liquidation.amount.fraction": [0.1, 0.5, 1] },
      variants: ["default"],
      replications: 2,
      ticks: 40,
      pointColumnsInSeries: true,
    });
    const caption = (html: string) =>
      html.match(/<figure[^>]*data-chart="price-paths"[\s\S]*?<p class="caption">([^<]*)/)?.[1] ?? "";
    const sweptCaption = caption(await buildReport(swept));
    // was "first replications of each variant at every sweep point (same seeds across variants and points)"
    expect(sweptCaption).toContain(
      "Price of the first replications of the variant default at every sweep point (same seeds across points), ",
    );
    const single = makeResults(join(root, "one-variant-paths"), {
      sweep: {},
      variants: ["default"],
      replications: 2,
      ticks: 40,
    });
    expect(caption(await buildReport(single))).toContain(
      "Price of the first replications of the variant default, one panel per instrument",
    );
  });

  it("charts a band-edge column only when some run is at that edge", async () => {
    const dir = makeResults(join(root, "band-edges"), { sweep: {}, variants: ["full", "partial"] });
    const runs = join(dir, "runs.csv");
    const lines = readFileSync(runs, "utf8").trimEnd().split("\n");
    // BTC never at its floor (0 in every run); at its cap in one run.
    const edited = lines.map((l, k) =>
      k === 0 ? `${l},ticks_at_min_price_BTC,ticks_at_max_price_BTC` : `${l},0,${k === 2 ? 5 : 0}`,
    );
    writeFileSync(runs, `${edited.join("\n")}\n`);
    const dist =
      figures(await buildReport(dir))
        .get("distributions")
        ?.join("") ?? "";
    // a panel for the cap column; the floor column (0 in every run) only named in the caption
    // (a header: the metric's name, then its unit)
    expect(dist).toContain("Title text 'ticks_at_max_price_BTC ticks'");
    expect(dist).not.toContain("Title text 'ticks_at_min_price_BTC");
    expect(dist).toMatch(/Constant in every run, not drawn: [^.]*ticks_at_min_price_BTC \(0\)/);
    expect(dist).toContain("Title text 'peak_drawdown a fraction'");
  });

  it("names a header with a blank unit line by its name alone, no trailing space (was 'shock_size ')", async () => {
    const dir = makeResults(join(root, "blank-unit"), { sweep: {}, variants: ["full", "partial"] });
    const runs = join(dir, "runs.csv");
    const lines = readFileSync(runs, "utf8").trimEnd().split("\n");
    // a column no metric table knows: no unit, a blank second header line beside units
    const edited = lines.map((l, k) => (k === 0 ? `${l},shock_size` : `${l},${0.15 + k / 100}`));
    writeFileSync(runs, `${edited.join("\n")}\n`);
    const dist =
      figures(await buildReport(dir))
        .get("distributions")
        ?.join("") ?? "";
    expect(dist).toContain("Title text 'peak_drawdown a fraction'");
    expect(dist).toContain("Title text 'shock_size'");
    expect(dist).not.toMatch(/(?:Title|Subtitle) text '[^"]*? '"/);
  });

  it("notes the variants whose prices reached their band (ticks_at_price_band > 0)", async () => {
    const dir = makeResults(join(root, "band"), { sweep: {}, variants: ["full", "partial"] });
    expect(await buildReport(dir)).not.toContain("reached their band");
    const summary = join(dir, "summary.csv");
    expect(readFileSync(summary, "utf8").split("\n")[0]).toBe(
      "variant,metric,n,mean,sd,ci_low,ci_high,median,p05,p95",
    );
    writeFileSync(
      summary,
      `${readFileSync(summary, "utf8")}full,ticks_at_price_band,3,0,0,0,0,0,0,0\npartial,ticks_at_price_band,3,4,2,0,9,4,1,7\n`,
    );
    const note = (await buildReport(dir)).match(
      /<p class="warning">(warning: prices reached their band[^<]*)<\/p>/,
    );
    expect(note?.[1]).toMatch(/ in partial \(4 ticks per run on average\)\./);
    expect(note?.[1]).not.toMatch(/ in full/);
  });

  it("works from a partial directory and fails clearly on an empty one", async () => {
    const dir = makeResults(join(root, "partial"), { sweep: {} });
    for (const f of ["timeseries.csv", "liquidations.csv", "comparison.csv"]) rmSync(join(dir, f));
    const html = await buildReport(dir);
    const figs = figures(html);
    expect(figs.has("distributions")).toBe(true);
    expect(figs.has("cascade-depth")).toBe(true); // from max_cascade_depth in runs.csv
    expect(figs.has("price-paths")).toBe(false);
    expect(html).toContain("Not in the results directory: comparison.csv, timeseries.csv, liquidations.csv");
    const empty = join(root, "empty");
    makeResults(empty, { sweep: {} });
    for (const f of readdirSync(empty)) rmSync(join(empty, f));
    await expect(writeReport(empty)).rejects.toThrow(/not a results directory/);
    await expect(writeReport(empty)).rejects.toBeInstanceOf(ValidationError); // exit code 2, like other bad input
  });

  it("a manifest.json or results CSV that cannot be parsed is a ValidationError naming the file and where", async () => {
    // Before: plain Errors ("cannot parse <file>: ..."), a crash with a stack in cascade report (exit 1).
    const dir = makeResults(join(root, "damaged"), { sweep: {} });
    const manifest = join(dir, "manifest.json");
    writeFileSync(manifest, '{"name": "x",');
    const json = await loadResults(dir).then(
      () => expect.unreachable("loaded"),
      (e: unknown) => e as ValidationError,
    );
    expect(json).toBeInstanceOf(ValidationError);
    expect([json.code, json.field, json.value]).toEqual(["INVALID_JSON", "file", manifest]);
    expect(json.message).toMatch(
      new RegExp(
        `^cannot parse ${manifest}: file = ".*manifest\\.json"; allowed: a JSON file as Cascade writes it \\(.+\\)$`,
      ),
    );
    rmSync(manifest);
    writeFileSync(join(dir, "summary.csv"), "variant,metric,variant\nfull,x,y\n");
    const csv = await loadResults(dir).then(
      () => expect.unreachable("loaded"),
      (e: unknown) => e as ValidationError,
    );
    expect([csv.code, csv.field, csv.value]).toEqual(["DUPLICATE_COLUMN", "header.2", "variant"]);
  });
});

describe("price paths in a sweep", () => {
  const headers = (svg: string) => labelGroups(svg, "title-text").flat();
  const paths = async (dir: string) =>
    (await buildFigures(await loadResults(dir))).find((f) => f.id === "price-paths")!;

  it("draws the first, middle and last point of a one-parameter sweep, a panel each", async () => {
    const dir = makeResults(join(root, "paths-1d"), {
      sweep: { "liquidation.closeFactor": [2, 0.5, 1, 0.25, 0.75] },
      variants: ["default"],
      replications: 3,
      ticks: 60,
      instruments: ["BTC"],
      pointColumnsInSeries: true,
    });
    const fig = await paths(dir);
    // sweep order is by value: 0.25 first, 0.75 in the middle, 2 last
    expect(headers(fig.panels[0].svg)).toEqual([
      "liquidation.closeFactor=0.25",
      "liquidation.closeFactor=0.75",
      "liquidation.closeFactor=2",
    ]);
    expect(fig.caption).toContain("at 3 of the 5 sweep points (the first, middle and last in sweep order)");
    // every replication drawn at every point: 3 x 3 paths
    expect(fig.panels[0].svg.match(/aria-roledescription="line mark"/g)).toHaveLength(9);
  });

  it("draws the corners of a two-parameter grid and reads no other point", async () => {
    const dir = makeResults(join(root, "paths-2d"), {
      sweep: { "populations.leveraged.leverage": [8, 13, 19], "populations.leveraged.crowding": [0, 0.5, 1] },
      variants: ["default"],
      replications: 2,
      ticks: 60,
      instruments: ["BTC"],
      pointColumnsInSeries: true,
    });
    const data = await loadResults(dir);
    expect(new Set(data.paths.map((p) => p.pointLabel)).size).toBe(4);
    const fig = (await buildFigures(data)).find((f) => f.id === "price-paths")!;
    expect(headers(fig.panels[0].svg)).toEqual([
      "populations.leveraged.leverage=8 populations.leveraged.crowding=0",
      "populations.leveraged.leverage=8 populations.leveraged.crowding=1",
      "populations.leveraged.leverage=19 populations.leveraged.crowding=0",
      "populations.leveraged.leverage=19 populations.leveraged.crowding=1",
    ]);
    expect(fig.caption).toContain("at 4 of the 9 sweep points (the corners of the grid");
    expect(fig.note).toBe("8 of 18 recorded paths drawn.");
  });

  it("draws a panel per variant and point, every point when there are few", async () => {
    const dir = makeResults(join(root, "paths-variants"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["full", "partial"],
      replications: 2,
      ticks: 60,
      instruments: ["BTC"],
      pointColumnsInSeries: true,
    });
    const fig = await paths(dir);
    expect(headers(fig.panels[0].svg)).toEqual(
      ["0.25", "0.5", "1"].flatMap((v) =>
        ["full", "partial"].map((variant) => `${variant} liquidation.closeFactor=${v}`),
      ),
    );
    expect(fig.caption).toContain("at every sweep point");
  });
});

describe("bootstrap intervals of the paired differences", () => {
  const paired = async (dir: string) => figures(await buildReport(dir)).get("paired-differences")![0];
  const bootRules = (fig: string) =>
    fig.match(
      /<line aria-label="[^"]*95% BCa bootstrap interval: [^"]* to [^"]*"[^>]*aria-roledescription="rule mark"/g,
    ) ?? [];

  it("draws a bootstrap rule beside each t interval when comparison.csv has one", async () => {
    const sweeps: Array<Record<string, number[]>> = [{}, { "liquidation.closeFactor": [0.25, 0.5] }];
    for (const sweep of sweeps) {
      const dir = makeResults(join(root, `boot-${Object.keys(sweep).length}`), {
        sweep,
        variants: ["full", "partial", "auction"],
        replications: 6,
        ticks: 60,
        bootColumns: true,
      });
      const fig = await paired(dir);
      const points = Math.max(1, Object.values(sweep)[0]?.length ?? 1);
      // 2 compared variants x 5 metrics x points
      expect(bootRules(fig)).toHaveLength(2 * 5 * points);
      expect(fig).toContain("BCa bootstrap interval (thin light rule just below)");
    }
  });

  it("keys the thick t rule and the thin bootstrap rule in a legend", async () => {
    const dir = makeResults(join(root, "boot-key"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 6,
      ticks: 60,
      bootColumns: true,
    });
    const fig = await paired(dir);
    expect(labelGroups(fig, "legend-title").flat()).toContain("interval");
    const labels = labelGroups(fig, "legend-label").flat();
    expect(labels).toContain("95% t interval");
    expect(labels).toContain("95% BCa bootstrap interval"); // whole, not cut at 160 px
    // the key's symbols are drawn as the rules: t 2 px, bootstrap 1 px
    const widths = (re: RegExp) => new Set([...fig.matchAll(re)].map((m) => m[1]));
    expect(widths(/role-legend-symbol"[^>]*><path [^>]*d="M-5,0L5,0"[^>]*stroke-width="([\d.]+)"/g)).toEqual(
      new Set(["2", "1"]),
    );
    expect(widths(/<line aria-label="[^"]*95% t interval[^>]*stroke-width="([\d.]+)"/g)).toEqual(
      new Set(["2"]),
    );
    expect(widths(/<line aria-label="[^"]*95% BCa bootstrap interval[^>]*stroke-width="([\d.]+)"/g)).toEqual(
      new Set(["1"]),
    );
  });

  it("keys a 0/1 outcome's thick rule as Newcombe's interval, not a t interval", async () => {
    const dir = makeResults(join(root, "boot-key-outcome"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 6,
      ticks: 60,
      bootColumns: true,
    });
    // recovered (0/1 in every run, not the same in all runs of a replication) with comparison
    // rows: peak_drawdown's, renamed
    const runs = join(dir, "runs.csv");
    const [head, ...lines] = readFileSync(runs, "utf8").trimEnd().split("\n");
    writeFileSync(
      runs,
      `${[`${head},recovered`, ...lines.map((l, i) => `${l},${(i >> 1) % 2}`)].join("\n")}\n`,
    );
    const file = join(dir, "comparison.csv");
    const [top, ...body] = readFileSync(file, "utf8").trimEnd().split("\n");
    const metric = top.split(",").indexOf("metric");
    const copies = body
      .filter((l) => l.split(",")[metric] === "peak_drawdown")
      .map((l) =>
        l
          .split(",")
          .map((c, k) => (k === metric ? "recovered" : c))
          .join(","),
      );
    writeFileSync(file, `${[top, ...body, ...copies].join("\n")}\n`);
    const fig = await paired(dir);
    const labels = labelGroups(fig, "legend-label").flat();
    expect(labels).toEqual(
      expect.arrayContaining(["95% t interval", "95% Newcombe interval", "95% BCa bootstrap interval"]),
    );
    // the caption's first description of the thick rule does not call it a t interval outright
    expect(fig).toContain(
      "95% confidence interval (thick rule: a t interval, Newcombe&#39;s for a 0/1 outcome)",
    );
    expect(fig).not.toContain("95% t confidence interval (thick rule)");
    const widths = (re: RegExp) => new Set([...fig.matchAll(re)].map((m) => m[1]));
    expect(widths(/<line aria-label="[^"]*95% Newcombe interval[^>]*stroke-width="([\d.]+)"/g)).toEqual(
      new Set(["2"]),
    );
    // each thick rule is keyed by its own kind: recovered's by Newcombe, the others' by t
    const ruleMetrics = (kind: string) =>
      new Set(
        [...fig.matchAll(new RegExp(`<line aria-label="metric: ([^;]*);[^"]*${kind}`, "g"))].map((m) => m[1]),
      );
    expect(ruleMetrics("95% Newcombe interval")).toEqual(new Set(["recovered"]));
    expect(ruleMetrics("95% t interval")).not.toContain("recovered");
    // without a 0/1 outcome there is no Newcombe key (the "keys the thick t rule" test's chart)
    const plain = await paired(
      makeResults(join(root, "boot-key-plain"), {
        sweep: {},
        variants: ["full", "partial"],
        replications: 6,
        ticks: 60,
        bootColumns: true,
      }),
    );
    expect(labelGroups(plain, "legend-label").flat()).not.toContain("95% Newcombe interval");
  });

  it("renders without a Vega-Lite warning, which cascade run would print even with --quiet", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const sweeps: Array<Record<string, number[]>> = [{}, { "liquidation.closeFactor": [0.25, 0.5] }];
      for (const sweep of sweeps) {
        const name = `boot-quiet-${Object.keys(sweep).length}`;
        const dir = makeResults(join(root, name), {
          sweep,
          variants: ["full", "partial", "auction"],
          replications: 6,
          ticks: 60,
          bootColumns: true,
        });
        expect(bootRules(await paired(dir)).length).toBeGreaterThan(0);
      }
      expect(warn.mock.calls.map((c) => c.join(" "))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it("changes nothing when the bootstrap columns are blank (fewer than 5 pairs)", async () => {
    const options = { sweep: { "liquidation.closeFactor": [0.25, 0.5] }, replications: 4, ticks: 60 };
    const blank = await paired(makeResults(join(root, "boot-blank"), { ...options, bootColumns: true }));
    expect(readFileSync(join(root, "boot-blank", "comparison.csv"), "utf8")).toMatch(
      /,boot_low,boot_high\n.*,,\n/,
    );
    expect(bootRules(blank)).toEqual([]);
    expect(blank).not.toContain("bootstrap");
    expect(labelGroups(blank, "legend-title").flat()).not.toContain("interval");
    expect(blank).toBe(await paired(makeResults(join(root, "boot-none"), options)));
  });

  it("draws the sweep lines' bootstrap intervals as bars when summary.csv has them", async () => {
    const options = { sweep: { "liquidation.closeFactor": [0.25, 0.5] }, ticks: 60, bootColumns: true };
    const lines = async (name: string, replications: number) =>
      figures(await buildReport(makeResults(join(root, name), { ...options, replications })))
        .get("sweep-lines")!
        .join("");
    const bars = (fig: string) =>
      fig.match(
        /<line aria-label="[^"]*bootstrap interval: [^"]*"[^>]*aria-roledescription="rule mark"[^>]*>/g,
      ) ?? [];
    const withBoot = await lines("boot-lines", 6);
    // 2 variants x 5 metrics x 2 points, each a vertical bar (x1 = x2)
    expect(bars(withBoot)).toHaveLength(2 * 5 * 2);
    for (const bar of bars(withBoot)) expect(bar).toMatch(/ x2="0" y2="-?[\d.]+"/);
    expect(withBoot).toMatch(/95% BCa bootstrap interval: -?[\d.]+ to -?[\d.]+/);
    expect(withBoot).toContain("its 95% BCa bootstrap interval as a thin vertical bar");
    const blank = await lines("boot-lines-blank", 4);
    expect(bars(blank)).toEqual([]);
    expect(blank).not.toContain("bootstrap");
  });
});

describe("significance markers of the paired differences", () => {
  const paired = async (dir: string) => figures(await buildReport(dir)).get("paired-differences")![0];
  // Vega draws a circle with arcs, a triangle as three lines, a diamond as four.
  const shapes = (fig: string) =>
    [...fig.matchAll(/aria-roledescription="point"[^>]* d="([^"]*)"/g)].map((m) =>
      m[1].includes("A") ? "circle" : (m[1].match(/L/g) ?? []).length === 2 ? "triangle" : "diamond",
    );
  const options = { sweep: {}, variants: ["full", "partial", "auction"], replications: 6, ticks: 60 };
  /** The fixture with p_holm and p_wilcoxon_holm columns after p_value, per row from `cells`. */
  const withHolm = (name: string, cells: (row: number) => [string, string]) => {
    const dir = makeResults(join(root, name), options);
    const file = join(dir, "comparison.csv");
    const [head, ...rows] = readFileSync(file, "utf8").trimEnd().split("\n");
    const at = head.split(",").indexOf("p_value") + 1;
    const insert = (line: string, added: [string, string]) => {
      const c = line.split(",");
      c.splice(at, 0, ...added);
      return c.join(",");
    };
    const lines = [insert(head, ["p_holm", "p_wilcoxon_holm"]), ...rows.map((r, i) => insert(r, cells(i)))];
    writeFileSync(file, `${lines.join("\n")}\n`);
    return dir;
  };

  it("tell both tests, one test and neither apart by the Holm-adjusted p-values (p_value 0.03 everywhere)", async () => {
    const fig = await paired(
      withHolm("holm", (i) => [["0.01", "0.2", "0.2"][i % 3], ["0.01", "0.01", "0.2"][i % 3]]),
    );
    const labels = labelGroups(fig, "legend-label").flat();
    expect(labels).toEqual(
      expect.arrayContaining([
        "both tests p_holm &lt; 0.05",
        "one test p_holm &lt; 0.05",
        "neither test p_holm &lt; 0.05",
      ]),
    );
    expect(new Set(shapes(fig))).toEqual(new Set(["circle", "diamond", "triangle"]));
    expect(fig).toContain("p (t-test): 0.03; p (t-test, Holm): 0.2;");
    // every row one test only: every marker a diamond
    const one = await paired(withHolm("holm-one", () => ["0.2", "0.01"]));
    expect(new Set(shapes(one))).toEqual(new Set(["diamond"]));
  });

  it("are named in the comparison table's caption when the file has them", async () => {
    const caption = (html: string) => html.slice(html.indexOf('data-section="comparison"')).split("</p>")[0];
    const holm = caption(await buildReport(withHolm("holm-caption", () => ["0.2", "0.01"])));
    expect(holm).toContain(
      "the Wilcoxon signed-rank p-value, both p-values Holm-adjusted over the rows of the same metric and kind of comparison (p_holm, p_wilcoxon_holm: below 0.05, a difference at a 5% family-wise error rate)",
    );
    const before = caption(await buildReport(makeResults(join(root, "no-holm-caption"), options)));
    expect(before).toContain("the Wilcoxon signed-rank p-value (from comparison.csv)");
    expect(before).not.toContain("p_holm");
  });

  it("follow p_value in files written before p_holm", async () => {
    const fig = await paired(makeResults(join(root, "no-holm"), options));
    const labels = labelGroups(fig, "legend-label").flat();
    expect(labels).toEqual(expect.arrayContaining(["t-test p &lt; 0.05", "t-test p ≥ 0.05"]));
    // the fixture's p_value: 0.03 where the differences vary
    expect(shapes(fig)).toContain("circle");
    expect(fig).not.toContain("p (t-test, Holm)");
  });
});

describe("chart labels", () => {
  it("writes the sweep legend's title in full, one parameter a line", async () => {
    // (several variants compared: the points are told apart by colour; one variant has a row each)
    const dir = makeResults(join(root, "legend-title"), {
      sweep: { "liquidation.amount.fraction": [1, 0.5], "liquidation.penalty.rate": [0, 0.05] },
      variants: ["full", "partial", "auction"],
      replications: 3,
      ticks: 60,
    });
    const paired = figures(await buildReport(dir)).get("paired-differences")![0];
    const titles = labelGroups(paired, "legend-title").flat();
    // Vega cut it to "liquidation.amount.…" at its default 180 px
    expect(titles).toContain("liquidation.amount.fraction, liquidation.penalty.rate");
    expect(paired).toContain("<tspan>liquidation.amount.fraction,</tspan>");
    expect(titles.join(" ")).not.toContain("…");
  });

  it("orders legend entries by value, not as text", async () => {
    const dir = makeResults(join(root, "legend-order"), {
      sweep: { "liquidation.closeFactor": [2, 10, 1, 0.5] },
      replications: 12,
      ticks: 60,
      instruments: ["BTC"],
    });
    const figs = await buildFigures(await loadResults(dir, { pathsPerVariant: 12 }));
    const svg = (id: string) => figs.find((f) => f.id === id)!.panels[0].svg;
    const labels = (id: string) => labelGroups(svg(id), "legend-label").flat();
    expect(labels("price-paths").filter((l) => l.startsWith("rep "))).toEqual(
      Array.from({ length: 12 }, (_, i) => `rep ${i}`),
    );
    // one compared variant: a row per point, in value order on the axis
    expect(labelGroups(svg("paired-differences"), "axis-label")).toContainEqual(["0.5", "1", "2", "10"]);
  });

  it("labels the axis of a constant metric briefly and leaves the other axes alone", async () => {
    const dir = makeResults(join(root, "constant"), {
      sweep: { "liquidation.closeFactor": [0.25, 1] },
      variants: ["default"],
      replications: 3,
      ticks: 60,
    });
    // liquidations: 7.5 + the replication, the same at both points (paired differences all 0: no
    // panel, named in the caption; means equal at both points); max_cascade_depth's differences
    // all 2 in comparison.csv (a panel of one value); bad_debt is 0 in every run of the fixture.
    // Every difference the same, as the writer has it: no effect size; p 1 for differences of 0
    editCsv(join(dir, "runs.csv"), (r) => {
      r.liquidations = String(7.5 + Number(r.replication));
    });
    editCsv(join(dir, "comparison.csv"), (r) => {
      if (r.metric === "liquidations") [r.mean_diff, r.ci_low, r.ci_high, r.p_value] = ["0", "0", "0", "1"];
      if (r.metric === "max_cascade_depth")
        [r.mean_diff, r.ci_low, r.ci_high, r.p_value] = ["2", "2", "2", "0.25"];
      if (r.metric === "liquidations" || r.metric === "max_cascade_depth") r.effect_size = "";
    });
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric === "liquidations") r.mean = r.ci_low = r.ci_high = "7.5";
    });
    const html = await buildReport(dir);
    const figs = figures(html);
    const axes = (id: string) => labelGroups(figs.get(id)![0], "axis-label");
    const dist = axes("distributions");
    // were 0.000000 and 7.500000: a paired panel whose differences are all 0 (now not drawn: its
    // differences were all 0 as the writer has them), a sweep line whose means are all 7.5;
    // bad_debt, 0 in every run, is left out of the distributions (named instead)
    expect(figs.get("paired-differences")![0]).not.toContain("Title text 'liquidations");
    expect(figs.get("paired-differences")![0]).toContain("Title text 'max_cascade_depth");
    expect(figs.get("paired-differences")![0]).toMatch(
      /every paired difference 0 \(the same in both runs of each pair: not changed by the sweep point\): liquidations\./,
    );
    expect(axes("sweep-lines")).toContainEqual(["7.5"]);
    expect(figs.get("distributions")![0]).toMatch(/Constant in every run, not drawn: [^.]*bad_debt \(0\)/);
    for (const id of ["distributions", "paired-differences", "sweep-lines"])
      expect(
        axes(id)
          .flat()
          .filter((l) => /\.\d{6}$/.test(l)),
        id,
      ).toEqual([]);
    // a metric that varies keeps Vega's labels (same decimals on every tick)
    const varying = dist.filter((g) => g.length > 2 && g.every((l) => /^−?[\d,]+(\.\d+)?$/.test(l)));
    expect(varying.length).toBeGreaterThan(2);
    for (const g of varying) expect(new Set(g.map((l) => l.split(".")[1]?.length ?? 0)).size).toBe(1);
  });

  it("describes an axis' domain in its aria-label as its tick labels write numbers", async () => {
    const dir = makeResults(join(root, "constant-aria"), {
      sweep: { "liquidation.closeFactor": [0.25, 1] },
      variants: ["default"],
      replications: 3,
      ticks: 60,
    });
    editCsv(join(dir, "comparison.csv"), (r) => {
      if (r.metric === "liquidations") r.mean_diff = r.ci_low = r.ci_high = "0";
    });
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric === "liquidations") r.mean = r.ci_low = r.ci_high = "7.5";
    });
    const figs = figures(await buildReport(dir));
    /** Each value axis' aria-label with its tick labels. */
    const axes = (id: string) =>
      [
        ...figs
          .get(id)![0]
          .matchAll(
            /role="graphics-symbol" aria-roledescription="axis" aria-label="([XY]-axis for a linear scale[^"]*)"([\s\S]*?)role-axis-domain/g,
          ),
      ].map((m) => ({
        aria: m[1],
        labels: [...m[2].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]),
      }));
    const all = ["distributions", "paired-differences", "sweep-lines"].flatMap(axes);
    expect(all.length).toBeGreaterThan(10);
    // was "values from 0.000000 to 0.000000" (the paired panel of differences all 0)
    expect(all.filter((a) => /\.\d{6}\b/.test(a.aria))).toEqual([]);
    expect(axes("paired-differences").map((a) => a.aria)).toContain(
      "X-axis for a linear scale with values from 0 to 0",
    );
    expect(axes("sweep-lines").map((a) => a.aria)).toContain(
      "Y-axis for a linear scale with values from 7.5 to 7.5",
    );
    // an axis labelled 2M, 4M... reads "values from 0 to 14M", not 14,000,000 (nor Vega's 0M)
    const si = all.filter((a) => a.labels.some((l) => /\d[kMG]$/.test(l)));
    expect(si.length).toBeGreaterThan(0);
    for (const a of si) {
      const [, lo, hi] = a.aria.match(/values from (\S+) to (\S+)$/)!;
      for (const end of [lo, hi]) expect(end, a.aria).toMatch(/^−?\d+(\.\d+)?[kMG]?$/);
      expect(lo === "0" || !/^−?0[kMG]$/.test(lo), a.aria).toBe(true);
    }
  });

  it("labels a constant metric's heat map legend with its value", async () => {
    const dir = makeResults(join(root, "constant-grid"), {
      sweep: { "liquidation.closeFactor": [0.5, 1], "shock.size": [0.05, 0.1] },
      variants: ["full"], // no bad debt in any run of the fixture's first variant
      replications: 3,
      ticks: 60,
    });
    // liquidations' mean 7.5 at every grid point (its runs still vary)
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric === "liquidations") r.mean = "7.5";
    });
    const heat = figures(await buildReport(dir)).get("sweep-heatmap")![0];
    expect(labelGroups(heatPanel(heat, "liquidations")!, "legend-label")).toEqual([["7.5"]]); // was 7.500000
    // bad_debt, 0 in every run: no heat map, named in the caption
    expect(heatPanel(heat, "bad_debt")).toBeUndefined();
    expect(heat).toMatch(/Constant in every run, not drawn: [^.]*bad_debt \(0\)/);
  });

  it("names a metric constant only where it is not blank apart, with its blank count", async () => {
    const dir = makeResults(join(root, "constant-where-present"), {
      sweep: { "liquidation.closeFactor": [0.5, 1] },
      variants: ["full"],
      replications: 3,
      ticks: 60,
    });
    // liquidations: 4 in replication 0, blank (never happened, say) in the others
    editCsv(join(dir, "runs.csv"), (r) => {
      r.liquidations = r.replication === "0" ? "4" : "";
    });
    const dist = figures(await buildReport(dir)).get("distributions")![0];
    expect(dist).toMatch(
      /Constant in every run where not blank, not drawn: liquidations \(4; blank in 4 of 6 runs\)\./,
    );
    expect(dist).not.toMatch(/Constant in every run, not drawn: [^.]*liquidations/);
  });

  it("counts the sweep points from the manifest in a folder holding only the manifest", async () => {
    const dir = makeResults(join(root, "manifest-only"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["full"],
      replications: 2,
      ticks: 60,
    });
    const alone = join(root, "manifest-alone");
    mkdirSync(alone);
    cpSync(join(dir, "manifest.json"), join(alone, "manifest.json"));
    expect(await buildReport(alone)).toMatch(
      /<li><b>Sweep:<\/b> liquidation\.closeFactor \(3 points\)<\/li>/,
    );
  });
});

describe("legends", () => {
  /** The titles of the legends in an SVG that have no entry. */
  const emptyLegends = (svg: string) =>
    svg
      .split('class="mark-group role-legend"')
      .slice(1)
      .filter((legend) => !legend.includes("role-legend-label"))
      .map((legend) => legend.match(/role-legend-title"[^>]*><text[^>]*>([^<]*)/)?.[1] ?? "");

  it("draws no liquidated-notional legend for an instrument without liquidation dots", async () => {
    const dir = makeResults(join(root, "legend-no-liq"), { sweep: {}, replications: 2, ticks: 60 });
    // no liquidation on ETH in any run
    const file = join(dir, "liquidations.csv");
    const [head, ...rows] = readFileSync(file, "utf8").trimEnd().split("\n");
    writeFileSync(file, `${[head, ...rows.filter((r) => !r.includes(",ETH,"))].join("\n")}\n`);
    const fig = (await buildFigures(await loadResults(dir))).find((f) => f.id === "price-paths")!;
    const [btc, eth] = fig.panels;
    expect(eth.subtitle).toBe("ETH");
    expect(labelGroups(btc.svg, "legend-title").flat()).toContain("liquidated notional");
    expect(labelGroups(eth.svg, "legend-title").flat()).not.toContain("liquidated notional");
    for (const p of fig.panels) expect(emptyLegends(p.svg), p.subtitle).toEqual([]);
  });
});

describe("replication colours of the price paths", () => {
  const pathFigure = async (name: string, replications: number) => {
    const dir = makeResults(join(root, name), {
      sweep: {},
      variants: ["only"],
      replications,
      ticks: 40,
      instruments: ["BTC"],
    });
    const data = await loadResults(dir, { pathsPerVariant: replications, maxPricePaths: replications });
    return (await buildFigures(data)).find((f) => f.id === "price-paths")!;
  };
  const strokes = (svg: string, role: string) =>
    [...svg.matchAll(new RegExp(`${role}[^>]*stroke="(#[0-9a-f]{6})"`, "g"))].map((m) => m[1]);

  it("gives each of 12 replications its own colour, in the lines and the legend", async () => {
    const fig = await pathFigure("reps-12", 12);
    const svg = fig.panels[0].svg;
    const lines = strokes(svg, 'aria-roledescription="line mark"');
    expect(lines).toHaveLength(12);
    expect(new Set(lines).size).toBe(12); // dark2 has 8: rep 8 was drawn as rep 0
    const legend = [...svg.matchAll(/role-legend-symbol"[^>]*><path[^>]*stroke="(#[0-9a-f]{6})"/g)];
    expect(new Set(legend.map((m) => m[1])).size).toBe(12);
  });

  it("draws no replication legend when colours would repeat, and the caption says what colour is", async () => {
    const fig = await pathFigure("reps-25", 25);
    expect(labelGroups(fig.panels[0].svg, "legend-title").flat()).not.toContain("replication");
    expect(fig.caption).toContain("colour tells the 25 replications apart (colours repeat: no legend)");
    expect((await pathFigure("reps-3", 3)).caption).not.toContain("colour tells");
  });
});

describe("chart widths", () => {
  it("draws every chart no wider than the page column (none shrunk by CSS)", async () => {
    const variants = ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"];
    const cases: Array<[string, Record<string, number[]>]> = [
      ["wide-5", {}],
      ["wide-5-sweep", { "liquidation.amount.fraction": [0.25, 0.5, 1] }],
    ];
    for (const [name, sweep] of cases) {
      const dir = makeResults(join(root, name), { sweep, variants, replications: 3, ticks: 60 });
      const figs = await buildFigures(await loadResults(dir));
      for (const f of figs)
        for (const p of f.panels) {
          expect(svgWidth(p.svg), `${name} ${f.id}`).toBeGreaterThan(100);
          expect(svgWidth(p.svg), `${name} ${f.id}`).toBeLessThanOrEqual(COLUMN_WIDTH);
        }
    }
  });
});

describe("renders a chart costs", () => {
  /** The widths of the SVGs a chart function rendered, in order. */
  async function renderedWidths(
    make: (
      data: Awaited<ReturnType<typeof loadResults>>,
      render: (spec: VlSpec) => Promise<string>,
    ) => Promise<unknown>,
    dir: string,
  ): Promise<number[]> {
    const data = await loadResults(dir);
    const reuse: ViewReuse = { key: null, view: null };
    const widths: number[] = [];
    let n = 0;
    const render = async (spec: VlSpec) => {
      const svg = await renderSvg(spec, `c${++n}`, reuse);
      widths.push(svgWidth(svg));
      return svg;
    };
    await make(data, render).finally(() => releaseView(reuse));
    return widths;
  }

  const STYLES = ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"];

  it("a panel after the first starts at the width the first fitted at (fitToColumn's fitted)", async () => {
    // a chart 400 px wider than its panels (axes, legends), three panels across
    const tried: number[] = [];
    const render = async (spec: VlSpec) => {
      const w = (spec.spec as VlSpec).width as number;
      tried.push(w);
      return `<svg width="${3 * w + 400}"></svg>`;
    };
    const spec: VlSpec = { facet: {}, spec: { width: 300 } };
    const fitted: FittedWidth = { width: null };
    await fitToColumn(render, spec, 3, fitted);
    expect(tried).toEqual([300, 248]); // 1300 wide: 154 px over, 51 a panel
    expect(fitted.width).toBe(248);
    tried.length = 0;
    await fitToColumn(render, spec, 3, fitted);
    expect(tried).toEqual([248]);
  });

  it.each([3, 4, 5])(
    "the price paths of %i variants fit the column at their first render, each panel once (was 2 to 6 for the first)",
    async (k) => {
      const dir = makeResults(join(root, `path-renders-${k}`), {
        sweep: {},
        variants: STYLES.slice(0, k),
        replications: 3,
        ticks: 60,
      });
      const widths = await renderedWidths(pricePaths, dir);
      expect(widths.length).toBe(2); // BTC, ETH: one render each
      for (const w of widths) {
        expect(w).toBeLessThanOrEqual(COLUMN_WIDTH);
        // not fitted by leaving the column empty (laid out for Vega's wider text estimate, the
        // paths left ~115 px of it)
        expect(w).toBeGreaterThan(COLUMN_WIDTH - 60);
      }
    },
  );

  it("the sweep lines start with the columns that fit, each panel with its own y axis: one render (was 3)", async () => {
    const dir = makeResults(join(root, "sweep-line-renders"), {
      sweep: { "liquidation.loss.insuranceFund": [0, 400000, 800000] },
      variants: ["default"],
      replications: 3,
      ticks: 60,
    });
    const widths = await renderedWidths(sweepLines, dir);
    expect(widths).toHaveLength(1);
    expect(widths[0]).toBeLessThanOrEqual(COLUMN_WIDTH);
  });

  it("the paired differences start with the columns that fit beside their legends: one render (was 3, a narrowing wasted)", async () => {
    const dir = makeResults(join(root, "paired-renders"), {
      sweep: {},
      variants: ["full", "closeFactor50", "restoreToTarget", "stepwiseBackstop"],
      replications: 6,
      ticks: 60,
    });
    const widths = await renderedWidths(pairedDifferences, dir);
    expect(widths).toHaveLength(1);
    expect(widths[0]).toBeLessThanOrEqual(COLUMN_WIDTH);
  });
});

describe("distribution panels", () => {
  /** The plot origins [x, y] of a wrapped facet's panels, in facet order (each panel's view rect). */
  const panelOrigins = (svg: string) =>
    [
      ...svg.matchAll(
        /<g transform="translate\(([\d.-]+),([\d.-]+)\)"><path class="background" aria-hidden="true" d="M0\.5,0\.5h[\d.]+v[\d.]+h-[\d.]+Z" stroke="#ddd"\/>/g,
      ),
    ].map((m) => [Number(m[1]), Number(m[2])]);

  it("line up in a grid whatever the width of each panel's axis labels", async () => {
    const cases: Array<[string, Record<string, number[]>]> = [
      ["grid-variants", {}],
      ["grid-sweep", { "liquidation.closeFactor": [0.25, 0.5, 1] }],
    ];
    for (const [name, sweep] of cases) {
      const dir = makeResults(join(root, name), {
        sweep,
        variants: ["full", "partial"],
        replications: 4,
        ticks: 60,
      });
      // more metrics than a row holds, with labels of very different widths: notional in the
      // millions next to fractions
      const runs = join(dir, "runs.csv");
      const [head, ...lines] = readFileSync(runs, "utf8").trimEnd().split("\n");
      const extra = lines.map((_, i) => `${12_345_678 + i * 1e5},${0.01 + i / 1e4},${(i % 7) / 10}`);
      writeFileSync(
        runs,
        `${[`${head},notional_big,fraction_small,share`, ...lines.map((l, i) => `${l},${extra[i]}`)].join("\n")}\n`,
      );
      const svg = figures(await buildReport(dir)).get("distributions")![0];
      const cells = panelOrigins(svg);
      const columns = cells.filter(([, y]) => y === cells[0][1]).length;
      expect(cells.length, name).toBeGreaterThan(columns);
      expect(columns, name).toBeGreaterThan(1);
      const step = cells[1][0] - cells[0][0];
      cells.forEach(([x, y], i) => {
        expect(x, `${name} panel ${i} x`).toBe(cells[i % columns][0]);
        expect(y, `${name} panel ${i} y`).toBe(cells[i - (i % columns)][1]);
        if (i % columns > 0) expect(x - cells[i - 1][0], `${name} panel ${i} gap`).toBe(step);
      });
    }
  });
});

describe("0/1 outcomes in the distributions", () => {
  it("are left out (a box of 0s and 1s) and named in the caption", async () => {
    const dir = makeResults(join(root, "binary"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 4,
      ticks: 60,
    });
    const runs = join(dir, "runs.csv");
    const [head, ...lines] = readFileSync(runs, "utf8").trimEnd().split("\n");
    writeFileSync(runs, `${[`${head},recovered`, ...lines.map((l, i) => `${l},${i % 2}`)].join("\n")}\n`);
    const html = await buildReport(dir);
    const svg = figures(html).get("distributions")![0];
    // (a header's first line: the metric's name; its unit under it)
    const titles = labelGroups(svg, "title-text").map((g) => g[0].split(" ")[0]);
    expect(titles).toContain("peak_drawdown");
    expect(titles).not.toContain("recovered");
    expect(html).toContain(
      "Not drawn here, having only the values 0 and 1: the 0/1 outcome recovered (its rate, the mean, with Wilson&#39;s interval in summary.csv).",
    );
  });

  it("tell 0/1 outcomes (Wilson, Newcombe intervals) from counts that were 0 or 1 (t intervals), as the statistics do", async () => {
    // The statistics' rule (isZeroOneOutcome): recovered and a custom metric with only 0s and 1s
    // are rates; a built-in count that was 0 or 1 in every run (max_cascade_depth here) is not.
    const dir = makeResults(join(root, "binary-kinds"), {
      sweep: { "liquidation.closeFactor": [0.5, 1] },
      variants: ["full", "partial"],
      replications: 4,
      ticks: 60,
    });
    const runs = join(dir, "runs.csv");
    const [head, ...lines] = readFileSync(runs, "utf8").trimEnd().split("\n");
    const depth = head.split(",").indexOf("max_cascade_depth");
    const rows = lines.map((l, i) => {
      const cells = l.split(",");
      cells[depth] = String((i >> 1) % 2);
      // (rows by point, variant, replication: i % 2 would be the replication's parity, the
      // same in every run of a replication, and those metrics are not drawn as paired differences)
      return `${cells.join(",")},${i % 3 === 0 ? 1 : 0},${i % 3 === 1 ? 1 : 0}`;
    });
    writeFileSync(runs, `${[`${head},recovered,adl_fired`, ...rows].join("\n")}\n`);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, customMetrics: ["adl_fired"] }));
    const html = await buildReport(dir);
    expect(html).toContain(
      "Not drawn here, having only the values 0 and 1: the 0/1 outcomes recovered, adl_fired (their rates, the mean, with Wilson&#39;s interval in the sweep chart and in summary.csv); max_cascade_depth, a count that was 0 or 1 in every run (the mean, with a t interval in the sweep chart and in summary.csv).",
    );
    expect(html).not.toContain("0/1 outcomes are not drawn here");
    // Their rows in summary.csv and comparison.csv hold Wilson's and Newcombe's intervals: the
    // captions and tips say so instead of calling them t intervals
    for (const file of ["summary.csv", "comparison.csv"]) {
      const [top, ...body] = readFileSync(join(dir, file), "utf8").trimEnd().split("\n");
      const metric = top.split(",").indexOf("metric");
      const copies = body
        .filter((l) => l.split(",")[metric] === "peak_drawdown")
        .map((l) =>
          l
            .split(",")
            .map((c, k) => (k === metric ? "recovered" : c))
            .join(","),
        );
      writeFileSync(join(dir, file), `${[top, ...body, ...copies].join("\n")}\n`);
    }
    const withRows = await buildReport(dir);
    const wilson =
      " For the 0/1 outcome recovered the interval is Wilson&#39;s (the score interval of the rate), not a t interval.";
    const newcombe =
      " For the 0/1 outcome recovered the interval is Newcombe&#39;s (the interval of a difference of paired rates), not a t interval.";
    const section = (id: string) => withRows.slice(withRows.indexOf(`data-section="${id}"`)).split("</p>")[0];
    expect(section("summary")).toContain(wilson);
    expect(section("comparison")).toContain(newcombe);
    const sweep = withRows.slice(withRows.indexOf('data-chart="sweep-lines"'));
    expect(sweep.slice(0, sweep.indexOf("</figure>"))).toContain(wilson);
    expect(sweep.slice(0, sweep.indexOf("</figure>"))).toContain("95% Wilson interval");
    const paired = withRows.slice(withRows.indexOf('data-chart="paired-differences"'));
    expect(paired.slice(0, paired.indexOf("</figure>"))).toContain(newcombe);
    expect(paired.slice(0, paired.indexOf("</figure>"))).toContain("95% Newcombe interval");
  });
});

describe("sweep points apart in the distributions and the cascade depth", () => {
  const sweep = { "liquidation.closeFactor": [0.25, 0.5, 1] };

  it("counts liquidations per generation at each sweep point, per run of that point", async () => {
    const dir = makeResults(join(root, "gens-points"), {
      sweep,
      replications: 3,
      ticks: 60,
      pointColumnsInSeries: true,
    });
    const data = await loadResults(dir);
    const labels = sweep["liquidation.closeFactor"].map((v) => `liquidation.closeFactor=${v}`);
    expect(new Set(data.generations.map((g) => g.point))).toEqual(new Set(labels));
    for (const g of data.generations) expect(g.perRun).toBeCloseTo(g.count / 3, 12); // 3 runs a point
    // the same liquidations as the rows of liquidations.csv
    const rows = readFileSync(join(dir, "liquidations.csv"), "utf8").trimEnd().split("\n").length - 1;
    expect(data.generations.reduce((a, g) => a + g.count, 0)).toBe(rows);
  });

  it("counts per run of a point whose value runs.csv rounds (1/3: liquidations.csv names only the index)", async () => {
    const dir = join(root, "gens-rounded");
    await runExperiment(
      fakeExperiment({
        replications: 4,
        variants: undefined,
        sweep: { "liquidation.penalty.rate": [1 / 3, 0.5] },
      }),
      { out: dir, workers: 0, progress: false },
    );
    const data = await loadResults(dir);
    const labels = new Set(data.runs.map((r) => r.label));
    expect(labels.size).toBe(2);
    expect(data.generations.length).toBeGreaterThan(0);
    for (const g of data.generations) {
      expect(labels.has(g.point), g.point).toBe(true);
      expect(g.perRun).toBeCloseTo(g.count / 4, 12); // 4 runs a point
    }
    // the price paths (timeseries.csv also names only the index) carry the same labels
    expect(data.paths.length).toBeGreaterThan(0);
    for (const p of data.paths) expect(labels.has(p.pointLabel), p.pointLabel).toBe(true);
    expect(labels.has("liquidation.penalty.rate=0.3333333333")).toBe(true);
  });

  it("draws the cascade depth a panel per point (several variants) or a bar per point (one)", async () => {
    const options = { sweep, replications: 3, ticks: 60, pointColumnsInSeries: true };
    const depth = async (name: string, variants: string[]) =>
      figures(await buildReport(makeResults(join(root, name), { ...options, variants }))).get(
        "cascade-depth",
      )![0];
    const panels = await depth("depth-panels", ["full", "partial"]);
    expect(labelGroups(panels, "title-text").flat()).toEqual([
      "liquidation.closeFactor=0.25",
      "liquidation.closeFactor=0.5",
      "liquidation.closeFactor=1",
    ]);
    expect(panels).toContain("per run, one panel per sweep point (liquidation.closeFactor).");
    const bars = await depth("depth-bars", ["default"]);
    expect(labelGroups(bars, "legend-title").flat()).toContain("liquidation.closeFactor");
    expect(labelGroups(bars, "legend-label").flat()).toEqual(["0.25", "0.5", "1"]);
    expect(bars).toContain("a bar per sweep point (liquidation.closeFactor), coloured by point");
  });

  it("says the cascade depth is pooled when liquidations.csv names no point", async () => {
    const dir = makeResults(join(root, "depth-pooled"), { sweep, replications: 3, ticks: 60 });
    expect((await loadResults(dir)).generations.every((g) => g.point === "")).toBe(true);
    const fig = figures(await buildReport(dir)).get("cascade-depth")![0];
    expect(fig).toContain("pooled over every sweep point (liquidations.csv names no point)");
  });

  it("draws the distributions of a long sweep at a few points, named in the caption, not pooled", async () => {
    const values = Array.from({ length: 13 }, (_, i) => (i + 1) / 10);
    const dir = makeResults(join(root, "dist-13"), {
      sweep: { "liquidation.closeFactor": values },
      variants: ["default"],
      replications: 2,
      ticks: 40,
      instruments: ["BTC"],
    });
    const fig = figures(await buildReport(dir)).get("distributions")![0];
    expect(labelGroups(fig, "axis-label")).toContainEqual(["0.1", "0.7", "1.3"]);
    expect(fig).toContain(
      "by sweep point (liquidation.closeFactor; 3 of the 13 points: the first, middle and last",
    );
    expect(fig).not.toContain("pooled");
  });
});

describe("hover texts", () => {
  /** The hover texts (SVG <title>s) of a report's charts, split into [name, value] pairs. */
  const tips = (html: string) =>
    [...html.matchAll(/<title>([^<]*)<\/title>/g)]
      .slice(1) // the page's own <title>
      .map((m) => m[1].split("; ").map((part) => part.split(": ") as [string, string]));
  const reports = async () => {
    const sweep = { "liquidation.closeFactor": [0.25, 0.5, 1] };
    const grid = { "liquidation.closeFactor": [0.5, 1], "shock.size": [0.05, 0.1] };
    const options = { replications: 6, ticks: 60, bootColumns: true, pointColumnsInSeries: true };
    return Promise.all([
      buildReport(makeResults(join(root, "tips-sweep"), { ...options, sweep })),
      buildReport(makeResults(join(root, "tips-one"), { ...options, sweep, variants: ["default"] })),
      buildReport(makeResults(join(root, "tips-grid"), { ...options, sweep: grid })),
      buildReport(makeResults(join(root, "tips-flat"), { ...options, sweep: {}, replications: 3 })),
    ]);
  };

  it("name only what a researcher reads, in words", async () => {
    const names = new Set([
      ...METRICS,
      "metric",
      "variant",
      "sweep point",
      "liquidation.closeFactor",
      "replication",
      "tick",
      "price",
      "liquidations",
      "liquidated notional",
      "deepest cascade generation",
      "runs",
      "median",
      "quartiles",
      "whiskers (1.5 IQR)",
      "min to max",
      "mean",
      "band",
      "95% t interval",
      "95% BCa bootstrap interval",
      "mean difference",
      "pairs",
      "p (t-test)",
      "effect size d_z",
      "p (signed-rank)",
      "cascade generation",
      "liquidations per run",
    ]);
    const seen = new Set<string>();
    for (const html of await reports())
      for (const t of tips(html))
        for (const [name] of t) {
          seen.add(name);
          expect(names, `${name} in ${t.map((p) => p.join(": ")).join("; ")}`).toContain(name);
        }
    // (were boot_slot, jitter, upper_box_value, "Median of value", ci_low, mean_diff, perRun...)
    // and each of them is used (the fixture's comparison.csv has no p_wilcoxon)
    expect([...names].filter((n) => !seen.has(n))).toEqual(["p (signed-rank)"]);
  });

  it("write numbers as the tables do", async () => {
    // (thousands grouped: fmtNum's grouping, checked by writing the number again)
    const numbers = /-?\d[\d,.]*(?:e-?\d+)?/g;
    let checked = 0;
    for (const html of await reports())
      for (const t of tips(html))
        for (const [name, value] of t) {
          if (name === "variant" || name === "sweep point" || name === "replication") continue;
          for (const n of value.match(numbers) ?? []) {
            expect(fmtNum(Number(n.replace(/,/g, ""))), `${name}: ${value}`).toBe(n);
            checked++;
          }
          expect(value, name).not.toMatch(/−/); // Vega's minus sign
        }
    expect(checked).toBeGreaterThan(1000);
    // the known summary row: as in the summary table
    const html = await buildReport(
      makeResults(join(root, "tips-known"), { sweep: { "liquidation.closeFactor": [0.25, 1] }, ticks: 60 }),
    );
    expect(figures(html).get("sweep-lines")![0]).toContain(
      `<title>metric: peak_drawdown; variant: partial; liquidation.closeFactor: 1; mean: ${KNOWN_ROW.mean}; 95% t interval: ${KNOWN_ROW.ci_low} to ${KNOWN_ROW.ci_high}; runs: 4</title>`,
    );
  });
});

describe("heat maps", () => {
  it("keep every grid value on the axes where a metric has no value (a blank cell)", async () => {
    const dir = makeResults(join(root, "heat-gap"), {
      sweep: { "liquidation.closeFactor": [0.5, 1, 2], "shock.size": [0.05, 0.1] },
      variants: ["full"],
      replications: 3,
      ticks: 60,
    });
    // liquidations without a value at closeFactor 0.5 (as mean_slippage where nothing was liquidated)
    editCsv(join(dir, "summary.csv"), (r) => {
      if (r.metric === "liquidations" && r["liquidation.closeFactor"] === "0.5")
        r.mean = r.ci_low = r.ci_high = r.sd = "";
    });
    const heat = figures(await buildReport(dir)).get("sweep-heatmap")![0];
    expect(labelGroups(heatPanel(heat, "liquidations")!, "axis-label")).toContainEqual(["0.5", "1", "2"]);
    expect(labelGroups(heatPanel(heat, "peak_drawdown")!, "axis-label")).toContainEqual(["0.5", "1", "2"]);
  });
});

describe("manifest section", () => {
  /** The manifest's variants table. */
  const variantsTable = (html: string) =>
    html.match(/<table data-table="manifest-variants">[\s\S]*?<\/table>/)?.[0] ?? "";

  it("shows every variant's overrides in full: short ones inline, long ones folded", async () => {
    const dir = makeResults(join(root, "manifest-overrides"), { sweep: {}, replications: 2, ticks: 30 });
    const file = join(dir, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    const long = {
      populations: Array.from({ length: 30 }, (_, i) => ({ kind: "leveraged", leverage: i + 2 })),
      last: "the-end-of-it",
    };
    m.variants[0].overrides = { execution: { kind: "marketSweep" } };
    m.variants[1].overrides = long;
    writeFileSync(file, JSON.stringify(m));
    const table = variantsTable(await buildReport(dir));
    const escaped = (v: unknown) => JSON.stringify(v).replace(/"/g, "&quot;");
    // was cut at 400 characters with an ellipsis
    expect(JSON.stringify(long).length).toBeGreaterThan(1000);
    expect(table).toContain(`<code class="json">${escaped(long)}</code>`);
    expect(table).toMatch(
      /<details class="json"><summary><code>\{&quot;populations[^<]+…<\/code> \(\d+ characters\)<\/summary>/,
    );
    expect(table).toContain(`<td><code class="json">${escaped(m.variants[0].overrides)}</code></td>`);
    expect(table.match(/<details/g)).toHaveLength(1);
  });
});

describe("report helpers", () => {
  it("reads the same rows with readCsv and readCsvFast (quotes, commas, line breaks, escapes)", async () => {
    const file = join(root, "tricky.csv");
    writeFileSync(
      file,
      '\uFEFFvariant,note,x\nplain,hello,1\n"with,comma","say ""hi""",2\n\'=formula,"two\nlines",3\n\'-neg,\'@at,-4\n\n',
    );
    const a: Array<Record<string, string>> = [];
    const b: Array<Record<string, string>> = [];
    const ha = await readCsv(file, (r) => a.push(r));
    const hb = await readCsvFast(file, (r) => b.push(r));
    expect(ha).toEqual(["variant", "note", "x"]);
    expect(hb).toEqual(ha);
    expect(b).toEqual(a);
    expect(a).toEqual([
      { variant: "plain", note: "hello", x: "1" },
      { variant: "with,comma", note: 'say "hi"', x: "2" },
      { variant: "=formula", note: "two\nlines", x: "3" },
      { variant: "-neg", note: "@at", x: "-4" },
    ]);
    expect(await readCsvFast(join(root, "missing.csv"), () => {})).toBeNull();
    expect(unescapeCell("'it's")).toBe("'it's");
  });

  it("reads a file of several read chunks as readCsv does: CRLF split across chunks, a lone CR, quoted line breaks", async () => {
    const CHUNK = 1 << 20; // readCsvFast's read size
    const rows = Array.from({ length: 90_000 }, (_, i) => `r${i},${i % 7 === 0 ? "'=x" : i}\r\n`);
    rows.splice(500, 0, '"two\r\nlines",1\r\n', "lone,cr\rnext,2\r\n");
    const head = "variant,x\r\n";
    // a filler row whose length puts a \r\n across the first chunk boundary
    let text = "";
    for (let pad = 0; pad < 20; pad++) {
      text = `${head}f,${"p".repeat(pad)}\r\n${rows.join("")}`;
      if (text[CHUNK - 1] === "\r" && text[CHUNK] === "\n") break;
    }
    expect(text[CHUNK - 1] + text[CHUNK]).toBe("\r\n");
    const file = join(root, "chunks.csv");
    writeFileSync(file, `${text}last,9`);
    const a: Array<Record<string, string>> = [];
    const b: Array<Record<string, string>> = [];
    await readCsv(file, (r) => a.push(r));
    await readCsvFast(file, (r) => b.push(r));
    expect(b.length).toBe(rows.length + 3); // the filler, the lone CR's second record, the last
    // every row as readCsv's, a quoted line break as written
    expect(b).toEqual(a);
    expect(b.filter((r) => r.variant.startsWith("two"))).toEqual([{ variant: "two\r\nlines", x: "1" }]);
    expect(b.at(-1)).toEqual({ variant: "last", x: "9" });
    expect(b.filter((r) => r.x === "=x").length).toBe(Math.ceil(90_000 / 7));
    expect(b.some((r) => r.variant === "lone" && r.x === "cr")).toBe(true);
    expect(b.some((r) => r.variant === "next" && r.x === "2")).toBe(true);
  });

  it("subsamples long paths keeping the extremes and the ends", () => {
    const pts: PathPoint[] = Array.from({ length: 10_000 }, (_, i) => ({
      tick: i + 1,
      price: 100 + Math.sin(i / 100),
    }));
    pts[4321].price = 5; // a crash
    pts[777].price = 500; // a spike
    const s = subsample(pts, 800);
    expect(s.length).toBeLessThanOrEqual(801);
    expect(s.length).toBeGreaterThan(400);
    expect(s.some((p) => p.price === 5)).toBe(true);
    expect(s.some((p) => p.price === 500)).toBe(true);
    expect(s[s.length - 1].tick).toBe(10_000);
    for (let i = 1; i < s.length; i++) expect(s[i].tick).toBeGreaterThan(s[i - 1].tick);
    expect(subsample(pts.slice(0, 10), 800)).toHaveLength(10);
  });

  it("reads manifests of either shape", () => {
    const a = parseManifest({
      name: "x",
      variants: [{ name: "a" }, { name: "b", baseline: true }],
      sweep: { p: [1, 2], q: ["u", "v"] },
      sweepPoints: [
        [1, "u"],
        [2, "v"],
      ],
    });
    expect(a.baseline).toBe("b");
    expect(a.sweepParams).toEqual(["p", "q"]);
    expect(a.points).toEqual([
      { p: "1", q: "u" },
      { p: "2", q: "v" },
    ]);
    const b = parseManifest({
      variants: ["a", "b"],
      baseline: "a",
      sweep: { parameters: ["p"], points: [{ point: 0, values: { p: 0.5 } }] },
    });
    expect(b).toMatchObject({
      name: "experiment",
      variants: ["a", "b"],
      baseline: "a",
      sweepParams: ["p"],
      points: [{ p: "0.5" }],
    });
    expect(parseManifest(null).variants).toEqual([]);
  });

  it("prefixes SVG ids and turns aria labels into tooltips", () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="1"><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><path aria-label="a: 1" d="M0.123456,1Z"/></g></svg>';
    const out = tidySvg(svg, "c7");
    expect(out).toContain('id="c7-clip1"');
    expect(out).toContain("url(#c7-clip1)");
    expect(out).not.toContain("xmlns");
    expect(out).toContain('<path aria-label="a: 1" d="M0.12,1Z"><title>a: 1</title></path>');
  });

  it("redraws a chart at another width on the View already run, with the bytes of a fresh render", async () => {
    const values = Array.from({ length: 60 }, (_, i) => ({
      panel: `p${i % 3}`,
      run: `rep ${i % 2}`,
      tick: Math.floor(i / 6),
      price: 100 + Math.sin(i) * 7.3,
    }));
    const facet = (width: number, rows = values): VlSpec => ({
      data: { values: rows },
      facet: { field: "panel", type: "nominal" },
      spec: {
        width,
        height: 90,
        mark: "line",
        encoding: {
          x: { field: "tick", type: "quantitative" },
          y: { field: "price", type: "quantitative", scale: { zero: false } },
          color: { field: "run", type: "nominal" },
        },
      },
    });
    const reuse: ViewReuse = { key: null, view: null };
    const wide = await renderSvg(facet(400), "c1", reuse);
    const first = reuse.view;
    expect(first).not.toBeNull();
    const narrow = await renderSvg(facet(173), "c2", reuse);
    expect(reuse.view).toBe(first); // no new parse: the size signals were set on the same View
    expect(svgWidth(narrow)).toBeLessThan(svgWidth(wide));
    expect(narrow).toBe(await renderSvg(facet(173), "c2"));
    // other data is another chart: a new View, again the bytes of a fresh render
    const other = values.map((v) => ({ ...v, price: v.price * 2 }));
    const redrawn = await renderSvg(facet(173, other), "c3", reuse);
    expect(reuse.view).not.toBe(first);
    expect(redrawn).toBe(await renderSvg(facet(173, other), "c3"));
    releaseView(reuse);
    expect(reuse.view).toBeNull();
  });

  it("formats table numbers", () => {
    expect(fmtNum(0.1234)).toBe("0.1234");
    expect(fmtNum(0.123456)).toBe("0.1235");
    expect(fmtNum(12)).toBe("12");
    // thousands grouped from 1,000, as the sweep values (pointValue); exponents as they are
    expect(fmtNum(12345.678)).toBe("12,345.7");
    expect(fmtNum(5617520)).toBe("5,617,520");
    expect(fmtNum(-1234567.125)).toBe("-1,234,567.1");
    expect(fmtNum(999.96)).toBe("1,000");
    expect(fmtNum(999.5)).toBe("999.5");
    expect(fmtNum(1e21)).toBe("1e+21");
    expect(fmtNum(1.5e-7)).toBe("1.5e-7");
    expect(fmtNum(null)).toBe("");
    expect(existsSync(root)).toBe(true);
  });
});

describe("chart axes", () => {
  /** Each axis label group's texts: [x of its translate, its transform, its lines]. */
  const axisTexts = (svg: string) =>
    [...svg.matchAll(/class="mark-text role-axis-label"[^>]*>((?:<text[^>]*>.*?<\/text>)+)/g)].map((g) =>
      [...g[1].matchAll(/<text[^>]*transform="([^"]*)"[^>]*>(.*?)<\/text>/g)].map((t) => ({
        x: Number(t[1].match(/translate\(([\d.-]+)/)?.[1]),
        transform: t[1],
        lines: t[2].includes("<tspan")
          ? [...t[2].matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((l) => l[1])
          : [t[2]],
      })),
    );

  it("labels the points of a three-parameter sweep one value a line, level and apart", async () => {
    const sweep = {
      "liquidation.closeFactor": [0.25, 0.5, 1],
      "liquidation.penalty.rate": [0, 0.05],
      "shocks.0.fraction": [0.1, 0.15],
    };
    const dir = makeResults(join(root, "axes-three"), {
      sweep,
      variants: ["default"],
      replications: 2,
      ticks: 40,
      instruments: ["BTC"],
    });
    const figs = figures(await buildReport(dir));
    const points = sweep["liquidation.closeFactor"].flatMap((a) =>
      sweep["liquidation.penalty.rate"].flatMap((b) =>
        sweep["shocks.0.fraction"].map((c) => [a, b, c].map(String)),
      ),
    );
    for (const id of ["distributions", "sweep-lines"]) {
      const svg = figs.get(id)![0];
      expect(svg, id).toContain(
        "x: the values of a point, one a line: liquidation.closeFactor, then liquidation.penalty.rate, then shocks.0.fraction",
      );
      // were "0.25, 0, 0.1" ... on one line (cut, or at -30 degrees), 15-18 px apart: they overlapped
      const axes = axisTexts(svg).filter((g) => g.length === points.length);
      expect(axes.length, id).toBeGreaterThan(0);
      for (const axis of axes) {
        expect(
          axis.map((t) => t.lines),
          id,
        ).toEqual(points);
        for (const t of axis) expect(t.transform, id).not.toContain("rotate");
        // the widest line ("0.25", 22 px at 10 px Helvetica) and a gap between neighbours
        for (let i = 1; i < axis.length; i++)
          expect(axis[i].x - axis[i - 1].x, id).toBeGreaterThanOrEqual(textWidth("0.25", 10) + 4);
      }
    }
  });

  /** The panels of a facet (each panel's view rect): [x, y, width]. */
  const panels = (svg: string) =>
    [
      ...svg.matchAll(
        /<g transform="translate\(([\d.-]+),([\d.-]+)\)"><path class="background" aria-hidden="true" d="M0\.5,0\.5h([\d.]+)v[\d.]+h-[\d.]+Z" stroke="#ddd"\/>/g,
      ),
    ].map((m) => m.slice(1, 4).map(Number));
  const xAxes = (svg: string) => svg.match(/aria-label="X-axis/g)?.length ?? 0;

  it("writes large numbers on the distributions' axes SI-style (12.5M), exact in the tips, and packs the panels closer", async () => {
    const dir = makeResults(join(root, "axes-big"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 4,
      ticks: 40,
      instruments: ["BTC"],
    });
    const runs = join(dir, "runs.csv");
    const [head, ...lines] = readFileSync(runs, "utf8").trimEnd().split("\n");
    writeFileSync(
      runs,
      `${[`${head},notional_big`, ...lines.map((l, i) => `${l},${12_345_678 + i * 1e5}`)].join("\n")}\n`,
    );
    const svg = figures(await buildReport(dir)).get("distributions")![0];
    const labels = labelGroups(svg, "axis-label");
    // were 12,400,000 ... 13,000,000: an axis as wide as 10 characters at Vega's 8 px each
    expect(labels.flat().filter((l) => /\d,\d{3},\d{3}/.test(l))).toEqual([]);
    const si = labels.filter((g) => g.length > 1 && g.every((l) => /^\d+(\.\d+)?M$/.test(l)));
    expect(si.length).toBe(1);
    expect(svg).toContain(`notional_big: ${fmtNum(12_345_678)}`);
    // the space left for the widest y axis between panels: 5 characters ("12.4M"), not 10
    const cells = panels(svg);
    const row = cells.filter(([, y]) => y === cells[0][1]);
    expect(row.length).toBeGreaterThan(1);
    expect(row[1][0] - row[0][0] - row[0][2]).toBeLessThanOrEqual(5 * 8 + 7 + 20);
  });

  it("draws an x axis under each panel of a wrapped facet, none under an empty cell", async () => {
    // distributions: more metrics than a row holds, the last row not full
    const dist = figures(
      await buildReport(
        makeResults(join(root, "axes-cells"), {
          sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
          variants: ["full", "partial"],
          replications: 3,
          ticks: 40,
        }),
      ),
    ).get("distributions")![0];
    const cells = panels(dist);
    const columns = cells.filter(([, y]) => y === cells[0][1]).length;
    expect(cells.length % columns).not.toBe(0);
    // was one axis a column, under the grid's last row (empty in the last columns)
    expect(xAxes(dist)).toBe(cells.length);
    // cascade depth of several variants: a panel per point, 7 points wrapped into rows
    const depth = figures(
      await buildReport(
        makeResults(join(root, "axes-depth"), {
          sweep: { "liquidation.closeFactor": [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1] },
          variants: ["full", "partial"],
          replications: 2,
          ticks: 40,
          pointColumnsInSeries: true,
        }),
      ),
    ).get("cascade-depth")![0];
    const points = panels(depth);
    expect(points.length).toBe(7);
    expect(points.filter(([, y]) => y === points[0][1]).length).toBeLessThan(7);
    expect(xAxes(depth)).toBe(7);
  });

  it("draws no sweep line panel for a metric constant in every run (the caption names it)", async () => {
    const dir = makeResults(join(root, "axes-constant"), {
      sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
      variants: ["default"],
      replications: 3,
      ticks: 40,
    });
    const fig = figures(await buildReport(dir)).get("sweep-lines")![0];
    // bad_debt is 0 in every run of the fixture: named in the caption, was drawn all the same
    expect(fig).toMatch(/Constant in every run, not drawn: [^.]*bad_debt \(0\)/);
    const titles = labelGroups(fig, "title-text").map((g) => g[0].split(" ")[0]); // name, then unit
    expect(titles).toContain("liquidations");
    expect(titles).not.toContain("bad_debt");
  });
});
