/**
 * The report in a real browser (Debian's Chromium through playwright-core): every chart figure
 * holds an SVG that lays out to a non-empty box and draws marks, and the page asks for nothing
 * beyond its own file. Without /usr/bin/chromium the test is skipped locally and FAILS in CI.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../packages/experiment/src/report/index.js";
import { textWidth } from "../../packages/experiment/src/report/text-width.js";
import { makeResults, unevenHeatmaps, unevenPanels } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

if (!haveChromium && process.env.CI) {
  describe("report in a browser", () => {
    it("needs Chromium", () => {
      throw new Error(
        `${CHROMIUM} not found: the browser test of the HTML report needs Debian's Chromium in CI (apt-get install -y chromium).`,
      );
    });
  });
}

describe.skipIf(!haveChromium)("report in a browser", () => {
  let root: string;
  let browser: Browser;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "cascade-report-browser-"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const cases: Array<[string, Record<string, number[]>, string[], string[]?]> = [
    [
      "one-parameter sweep",
      { "liquidation.closeFactor": [0.25, 0.5, 1] },
      ["price-paths", "distributions", "paired-differences", "cascade-depth", "sweep-lines"],
    ],
    [
      "no sweep, five variants",
      {},
      ["price-paths", "distributions", "paired-differences", "cascade-depth"],
      ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"],
    ],
    [
      "two-parameter grid",
      { "liquidation.closeFactor": [0.5, 1], "shock.size": [0.05, 0.1] },
      ["price-paths", "distributions", "paired-differences", "cascade-depth", "sweep-heatmap"],
    ],
  ];

  for (const [name, sweep, expected, variants] of cases) {
    it(`draws every chart of a ${name}`, async () => {
      const dir = makeResults(join(root, name.replace(/\W+/g, "-")), {
        sweep,
        variants,
        replications: 3,
        ticks: 150,
      });
      const file = await writeReport(dir);
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      const url = pathToFileURL(file).href;
      await page.goto(url);

      const charts = await page.$$eval("figure.chart", (figs) =>
        figs.map((f) => {
          const svgs = [...f.querySelectorAll("svg")];
          return {
            id: f.getAttribute("data-chart"),
            title: f.querySelector("figcaption h2")?.textContent ?? "",
            caption: f.querySelector("p.caption")?.textContent ?? "",
            svgs: svgs.map((s) => {
              const box = s.getBoundingClientRect();
              const marks = [...s.querySelectorAll("path, rect, circle")].filter((el) => {
                const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
                return b.width > 0 || b.height > 0;
              }).length;
              return { width: box.width, height: box.height, drawn: Number(s.getAttribute("width")), marks };
            }),
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(expected);
      for (const c of charts) {
        expect(c.title.length, c.id!).toBeGreaterThan(5);
        expect(c.caption.length, c.id!).toBeGreaterThan(20);
        expect(c.svgs.length, c.id!).toBeGreaterThan(0);
        for (const s of c.svgs) {
          expect(s.width, c.id!).toBeGreaterThan(100);
          // at its own size: not drawn wider than the page column and shrunk (text and all)
          expect(s.width, c.id!).toBe(s.drawn);
          expect(s.height, c.id!).toBeGreaterThan(50);
          expect(s.marks, c.id!).toBeGreaterThan(5);
        }
      }
      // liquidation dots are drawn on the price paths
      const dots = await page.$$eval(
        'figure[data-chart="price-paths"] svg path[aria-roledescription="point"]',
        (els) => els.length,
      );
      expect(dots).toBeGreaterThan(0);
      expect(await page.locator("section[data-section=manifest]").isVisible()).toBe(true);
      expect(requests.filter((r) => r !== url)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it("lays each row of panels out level as the browser draws it: headers at one height, plots at one x a column (were 2-6 px off)", async () => {
    const cases: Array<[string, string[]]> = [
      [unevenPanels(join(root, "uneven-panels")), ["distributions", "sweep-lines", "paired-differences"]],
      [unevenHeatmaps(join(root, "uneven-heatmaps")), ["sweep-heatmap"]],
    ];
    for (const [dir, ids] of cases) {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      await page.goto(pathToFileURL(await writeReport(dir)).href);
      // (a page script as text: the tests are typed without the DOM library) each plot's box (its
      // facet cell's background) and its header's top: a facet's header text, or the HTML
      // heading of a heat map's panel; its row: the plot's top, or the heat map panel's
      const figures = await page.evaluate<
        Array<{ id: string; panels: Array<{ row: number; head: number | null; top: number; left: number }> }>
      >(`${JSON.stringify(ids)}.map((id) => {
        const fig = document.querySelector('figure[data-chart="' + id + '"]');
        const panels = [];
        for (const svg of fig ? fig.querySelectorAll("svg") : []) {
          const cell = svg.querySelector("g.role-scope.cell");
          const html = svg.closest(".panel").querySelector(":scope > h3");
          for (const item of cell ? cell.children : []) {
            const plot = item.querySelector(":scope > path.background");
            if (!plot) continue;
            const box = plot.getBoundingClientRect();
            const head = html ?? item.querySelector(":scope > g > g.role-title text");
            panels.push({
              row: html ? html.parentElement.getBoundingClientRect().top : box.top,
              head: head ? head.getBoundingClientRect().top : null,
              top: box.top,
              left: box.left,
            });
          }
        }
        return { id, panels };
      })`);
      for (const { id, panels } of figures) {
        const rows = new Map<number, typeof panels>();
        for (const p of panels) rows.set(Math.round(p.row), [...(rows.get(Math.round(p.row)) ?? []), p]);
        expect(rows.size, id).toBeGreaterThan(1);
        const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
        const columns: number[][] = [];
        for (const row of rows.values()) {
          const heads = row.flatMap((p) => (p.head === null ? [] : [p.head]));
          expect(heads.length, id).toBe(row.length);
          expect(spread(heads), `${id}: headers of a row`).toBeLessThanOrEqual(0.5);
          expect(spread(row.map((p) => p.top)), `${id}: plots of a row`).toBeLessThanOrEqual(0.5);
          row
            .map((p) => p.left)
            .sort((a, b) => a - b)
            .forEach((x, i) => {
              columns[i] = [...(columns[i] ?? []), x];
            });
        }
        expect(columns.length, id).toBeGreaterThan(1);
        for (const c of columns) expect(spread(c), `${id}: plots of a column`).toBeLessThanOrEqual(0.5);
      }
      await page.close();
    }
  });

  it("draws chart texts as wide as the layout took them (text-width.ts: Helvetica's widths)", async (ctx) => {
    const dir = makeResults(join(root, "text-widths"), {
      sweep: { "liquidation.amount.fraction": [0.1, 1], "liquidation.penalty.rate": [0, 0.1] },
      variants: ["default"],
      replications: 3,
      ticks: 60,
      pointColumnsInSeries: true,
    });
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(pathToFileURL(await writeReport(dir)).href);
    // (page scripts as text: the tests are typed without the DOM library)
    // a font present draws a probe unlike the generic fallbacks it is listed before
    const present = await page.evaluate<boolean>(`(() => {
      const ctx = document.createElement("canvas").getContext("2d");
      const width = (font) => {
        ctx.font = "40px " + font;
        return ctx.measureText("mmmmmmmmmmlli_0.25").width;
      };
      return ["Helvetica", "Arial", "Liberation Sans"].some((f) =>
        ["monospace", "serif"].every((g) => width("'" + f + "', " + g) !== width(g)),
      );
    })()`);
    if (!present)
      ctx.skip("no Helvetica-metric font (Helvetica, Arial or Liberation Sans: fonts-liberation)");
    // each line: a <tspan> of a text of several lines, else the text's own characters (not its <title>)
    const texts = await page.evaluate<Array<{ text: string; size: number; bold: boolean; drawn: number }>>(`
      [...document.querySelectorAll("figure.chart svg text")].flatMap((t) => {
        const style = getComputedStyle(t);
        const tspans = [...t.querySelectorAll("tspan")];
        return (tspans.length > 0 ? tspans : [t]).map((line) => ({
          text: [...line.childNodes]
            .filter((n) => n.nodeType === Node.TEXT_NODE)
            .map((n) => n.textContent)
            .join(""),
          size: Number.parseFloat(style.fontSize),
          bold: Number(style.fontWeight) >= 600,
          drawn: line.getComputedTextLength(),
        }));
      })`);
    expect(texts.length).toBeGreaterThan(100);
    expect(texts.some((t) => t.text === "liquidation.amount.fraction=0.1" && t.bold)).toBe(true);
    // within the kerning of a pair or two (the table has none; canvas measureText agrees exactly)
    for (const t of texts)
      expect(Math.abs(textWidth(t.text, t.size, t.bold) - t.drawn), JSON.stringify(t)).toBeLessThan(
        0.5 + 0.01 * t.drawn,
      );
    await page.close();
  });

  it("draws names beyond ASCII (Greek, accents, dashes, math) as wide as text-width.ts counts them", async (ctx) => {
    const page = await browser.newPage();
    await page.setContent("<p>widths</p>");
    const names = ["Δσ_α=0.5", "β×μ", "Crédit–Agricole—Łódź", "≤ 0.1 ≥ σ ± 2°", "“ω” → ∞ ≈ €"];
    // (a page script as text: the tests are typed without the DOM library) each name at 10 px,
    // regular then bold, in the charts' font
    const drawn = await page.evaluate<{ present: boolean; widths: number[] }>(`(() => {
      const ctx = document.createElement("canvas").getContext("2d");
      const width = (font, text) => {
        ctx.font = font;
        return ctx.measureText(text).width;
      };
      const probe = "mmmmmmmmmmlli_0.25";
      const present = ["Helvetica", "Arial", "Liberation Sans"].some((f) =>
        ["monospace", "serif"].every((g) => width("40px '" + f + "', " + g, probe) !== width("40px " + g, probe)),
      );
      const widths = ${JSON.stringify(names)}.flatMap((t) =>
        ["", "bold "].map((w) => width(w + "10px Helvetica, Arial, sans-serif", t)),
      );
      return { present, widths };
    })()`);
    if (!drawn.present)
      ctx.skip("no Helvetica-metric font (Helvetica, Arial or Liberation Sans: fonts-liberation)");
    names.forEach((t, i) => {
      for (const bold of [false, true]) {
        const d = drawn.widths[2 * i + (bold ? 1 : 0)];
        expect(Math.abs(textWidth(t, 10, bold) - d), `${t}${bold ? " bold" : ""}`).toBeLessThan(
          0.5 + 0.01 * d,
        );
      }
    });
    await page.close();
  });

  it("keeps variant descriptions readable beside long overrides unfolded", async () => {
    const dir = makeResults(join(root, "variant-descriptions"), { sweep: {}, replications: 2, ticks: 30 });
    const file = join(dir, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    for (const v of m.variants)
      v.description = `${v.name}: sells the whole position into the book at once, bounded by 5% slippage per order.`;
    m.variants[1].overrides = {
      populations: Array.from({ length: 30 }, (_, i) => ({ kind: "leveraged", leverage: i + 2 })),
    };
    writeFileSync(file, JSON.stringify(m));
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(pathToFileURL(await writeReport(dir)).href);
    const table = page.locator('table[data-table="manifest-variants"]');
    await table.locator("details.json > summary").click();
    expect(await table.locator("details.json").getAttribute("open")).not.toBeNull();
    const widths = await table
      .locator("tbody tr td:nth-child(3)")
      .evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().width));
    expect(widths.length).toBe(m.variants.length);
    // about 35 characters a line, not a word or two
    for (const w of widths) expect(w).toBeGreaterThanOrEqual(200);
    await page.close();
  });
});
