/**
 * The distributions' boxes computed in JS (boxStats), as Vega-Lite's boxplot mark computed them
 * from a row per run: by hand on small data, against Vega's own aggregates on random data, and
 * the chart handing Vega a row per box and the outliers' rows only (a row per run and metric
 * held ~80 KB per run in Vega: 918 MB at 10,000 runs, past Node's heap at ~50,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boxStats, distributions } from "../../packages/experiment/src/report/charts/distributions.js";
import { loadResults, type ReportData } from "../../packages/experiment/src/report/load.js";
import {
  releaseView,
  renderSvg,
  type ViewReuse,
  type VlSpec,
} from "../../packages/experiment/src/report/render.js";
import { editCsv, makeResults } from "./fixtures.js";

/** A node of Vega's scenegraph: a mark (its items) or an item (its datum). */
type SceneNode = { marktype?: string; items?: SceneNode[]; datum?: Record<string, unknown> };

/** Vega and Vega-Lite as the report uses them: the experiment package's dependencies (not the tests'). */
const fromReport = createRequire(new URL("../../packages/experiment/package.json", import.meta.url));
const vega = (await import(pathToFileURL(fromReport.resolve("vega")).href)) as {
  parse(spec: unknown): unknown;
  View: new (
    runtime: unknown,
    options: { renderer: "none" },
  ) => { runAsync(): Promise<unknown>; scenegraph(): { root: unknown }; finalize(): void };
};
const vegaLite = (await import(pathToFileURL(fromReport.resolve("vega-lite")).href)) as {
  compile(spec: unknown): { spec: unknown };
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cascade-box-stats-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("boxStats", () => {
  it("reads quartiles, median, whiskers and fences as computed by hand (R-7 quantiles, 1.5 IQR)", () => {
    // n = 9: the quartiles at positions 2, 4, 6 of the sorted values; IQR 4, fences -3 and 13
    expect(boxStats([1, 2, 3, 4, 5, 6, 7, 8, 100], 1.5)).toEqual({
      q1: 3,
      median: 5,
      q3: 7,
      lower: 1,
      upper: 8,
      low: -3,
      high: 13,
    });
    // n = 4: positions 0.75, 1.5, 2.25 interpolated; IQR 15, fences -5 and 55, no outlier
    expect(boxStats([10, 20, 30, 40], 1.5)).toEqual({
      q1: 17.5,
      median: 25,
      q3: 32.5,
      lower: 10,
      upper: 40,
      low: -5,
      high: 55,
    });
    // an outlier below: IQR 1 (2 to 3), fences 0.5 and 4.5; the whisker stops at 1, not at the fence
    const below = boxStats([-50, 1, 2, 2, 3, 3, 4], 1.5);
    expect([below.q1, below.median, below.q3, below.lower, below.upper]).toEqual([1.5, 2, 3, 1, 4]);
    expect([below.low, below.high]).toEqual([-0.75, 5.25]);
    // a value on the fence is inside: quartiles 2 and 4, fences -1 and 7
    expect(boxStats([2, 2, 3, 4, 7], 1.5)).toMatchObject({ lower: 2, upper: 7, low: -1, high: 7 });
    expect(boxStats([-1, 2, 3, 4, 4], 1.5)).toMatchObject({ lower: -1, upper: 4, low: -1, high: 7 });
    // min-max: the whiskers at the extremes, no fence
    expect(boxStats([-50, 1, 2, 2, 3, 3, 4], "min-max")).toMatchObject({
      lower: -50,
      upper: 4,
      low: Number.NEGATIVE_INFINITY,
      high: Number.POSITIVE_INFINITY,
    });
    // one value: a box of no width, every part at the value
    expect(boxStats([7], 1.5)).toEqual({ q1: 7, median: 7, q3: 7, lower: 7, upper: 7, low: 7, high: 7 });
    // q3 0.25 (position 2.25), the fence at 0.625: 1 is an outlier, the upper whisker ends at 0, in the box
    expect(boxStats([0, 0, 0, 1], 1.5)).toEqual({
      q1: 0,
      median: 0,
      q3: 0.25,
      lower: 0,
      upper: 0,
      low: -0.375,
      high: 0.625,
    });
  });

  /** What Vega-Lite's boxplot (extent `whiskers`, outliers drawn) computed per group of rows. */
  async function vegaBoxes(
    groups: number[][],
    whiskers: "min-max" | number,
  ): Promise<
    Map<string, { box: Record<string, number>; whisker: Record<string, number>; outliers: number[] }>
  > {
    const values = groups.flatMap((xs, g) => xs.map((value) => ({ g: `g${g}`, value })));
    const spec = {
      data: { values },
      mark: { type: "boxplot", extent: whiskers },
      encoding: { x: { field: "value", type: "quantitative" }, y: { field: "g", type: "nominal" } },
    };
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
    await view.runAsync();
    const out = new Map<
      string,
      { box: Record<string, number>; whisker: Record<string, number>; outliers: number[] }
    >();
    const of = (g: string) => {
      const entry = out.get(g) ?? { box: {}, whisker: {}, outliers: [] };
      out.set(g, entry);
      return entry;
    };
    // every item of the scenegraph: the box's datum has the quartiles, a whisker's its ends
    const walk = (node: SceneNode) => {
      const d = node.datum;
      if (d !== undefined && typeof d.g === "string") {
        if ("mid_box_value" in d) of(d.g).box = d as Record<string, number>;
        if ("lower_whisker_value" in d) of(d.g).whisker = d as Record<string, number>;
      }
      for (const item of node.items ?? []) {
        if (node.marktype === "symbol" && item.datum !== undefined)
          of(item.datum.g as string).outliers.push(item.datum.value as number);
        walk(item);
      }
    };
    walk(view.scenegraph().root as SceneNode);
    view.finalize();
    return out;
  }

  it("equals Vega-Lite's boxplot on random groups of 1 to 40 values, ties and long tails among them, for 1.5 IQR and min-max", async () => {
    let s = 12345;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const groups: number[][] = [];
    for (let n = 1; n <= 40; n++) {
      const kind = n % 4;
      groups.push(
        Array.from({ length: n }, () => {
          const u = next();
          // integers with ties, uniform decimals, a long tail (outliers), tiny fractions
          if (kind === 0) return Math.floor(u * 5);
          if (kind === 1) return u * 1000 - 300;
          if (kind === 2) return u < 0.15 ? 1e6 * u : 10 + u;
          return u * 1e-9;
        }),
      );
    }
    // values on a fence (quartiles 2 and 4: fences -1 and 7)
    groups.push([2, 2, 3, 4, 7], [-1, 2, 3, 4, 4]);
    for (const whiskers of [1.5, "min-max"] as const) {
      const seen = await vegaBoxes(groups, whiskers);
      expect(seen.size).toBe(groups.length);
      let outliers = 0;
      for (const [g, xs] of groups.entries()) {
        const sorted = [...xs].sort((a, b) => a - b);
        const ours = boxStats(sorted, whiskers);
        const theirs = seen.get(`g${g}`);
        const what = `${whiskers} g${g} ${JSON.stringify(sorted)}`;
        expect(ours.q1, what).toBe(theirs?.box.lower_box_value);
        expect(ours.median, what).toBe(theirs?.box.mid_box_value);
        expect(ours.q3, what).toBe(theirs?.box.upper_box_value);
        expect(ours.lower, what).toBe(theirs?.whisker.lower_whisker_value);
        expect(ours.upper, what).toBe(theirs?.whisker.upper_whisker_value);
        const beyond = sorted.filter((x) => x < ours.low || x > ours.high);
        expect(beyond, what).toEqual([...(theirs?.outliers ?? [])].sort((a, b) => a - b));
        outliers += beyond.length;
      }
      // the long-tailed groups have outliers at 1.5 IQR; min-max has none
      if (whiskers === 1.5) expect(outliers).toBeGreaterThan(5);
      else expect(outliers).toBe(0);
    }
  });
});

describe("the distributions' data", () => {
  /** The rows of the specs the chart rendered (the last render's: fitToColumn may draw again). */
  async function chartRows(dir: string): Promise<{ data: ReportData; rows: Array<Record<string, unknown>> }> {
    const data = await loadResults(dir);
    const reuse: ViewReuse = { key: null, view: null };
    let rows: Array<Record<string, unknown>> = [];
    await distributions(data, (spec: VlSpec) => {
      rows = (spec.data as { values: Array<Record<string, unknown>> }).values;
      return renderSvg(spec, "c", reuse);
    }).finally(() => releaseView(reuse));
    return { data, rows };
  }

  /** Each metric's values by variant, in run order. */
  function valuesBy(data: ReportData, metric: string, variant: string): number[] {
    return data.runs.filter((r) => r.variant === variant).flatMap((r) => r.values[metric] ?? []);
  }

  it("are a row per box and one per outlier, not a row per run and metric (1.5 IQR, 240 runs)", async () => {
    const dir = makeResults(join(root, "many-runs"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 120,
      ticks: 40,
      instruments: ["BTC"],
    });
    // liquidations 10 to 14 but 1,000 in every 60th run: 4 outliers; bad_debt spread evenly: none
    editCsv(join(dir, "runs.csv"), (r, i) => {
      r.liquidations = String(i % 60 === 0 ? 1000 : 10 + (i % 5));
      r.bad_debt = String(i * 10);
    });
    const { data, rows } = await chartRows(dir);
    const boxes = rows.filter((r) => r.box === true);
    const runRows = rows.filter((r) => r.box !== true);
    const metrics = [...new Set(boxes.map((b) => b.metric as string))];
    expect(metrics).toContain("liquidations");
    expect(boxes.length).toBe(metrics.length * 2);
    // no row per run: 240 runs of each metric, outliers only beside the boxes
    expect(rows.length).toBeLessThan(data.runs.length);
    for (const b of boxes) {
      const sorted = valuesBy(data, b.metric as string, b.variant as string).sort((x, y) => x - y);
      const s = boxStats(sorted, 1.5);
      expect([b.q1, b.median, b.q3, b.lower, b.upper]).toEqual([s.q1, s.median, s.q3, s.lower, s.upper]);
      const beyond = runRows.filter((r) => r.metric === b.metric && r.variant === b.variant);
      expect(beyond.map((r) => r.value).sort((x, y) => (x as number) - (y as number))).toEqual(
        sorted.filter((x) => x < s.low || x > s.high),
      );
    }
    expect(runRows.every((r) => r.outlier === true)).toBe(true);
    const liquidations = runRows.filter((r) => r.metric === "liquidations");
    expect(liquidations.map((r) => r.tip)).toEqual([
      "variant: full; replication: 0; liquidations: 1,000",
      "variant: full; replication: 60; liquidations: 1,000",
      "variant: partial; replication: 0; liquidations: 1,000",
      "variant: partial; replication: 60; liquidations: 1,000",
    ]);
    expect(runRows.some((r) => r.metric === "bad_debt")).toBe(false);
    // the box's tip reads its own statistics
    const full = boxes.find((b) => b.metric === "liquidations" && b.variant === "full");
    expect(full?.boxTip).toBe(
      "metric: liquidations; variant: full; runs: 120; median: 12; quartiles: 11 to 13; whiskers (1.5 IQR): 10 to 14",
    );
  });

  it("keep a dot per run and value where the strip is drawn (min-max whiskers, few runs)", async () => {
    const dir = makeResults(join(root, "strip"), {
      sweep: {},
      variants: ["full", "partial"],
      replications: 8,
      ticks: 40,
      instruments: ["BTC"],
    });
    const { data, rows } = await chartRows(dir);
    const boxes = rows.filter((r) => r.box === true);
    const dots = rows.filter((r) => r.box !== true);
    const metrics = [...new Set(boxes.map((b) => b.metric as string))];
    expect(dots.length).toBe(
      metrics.reduce((n, m) => n + data.runs.filter((r) => r.values[m] !== null).length, 0),
    );
    for (const b of boxes) {
      const sorted = valuesBy(data, b.metric as string, b.variant as string).sort((x, y) => x - y);
      expect([b.lower, b.upper]).toEqual([sorted[0], sorted[sorted.length - 1]]);
      expect(b.boxTip).toContain(`min to max: `);
    }
    expect(dots.every((d) => d.outlier === false && typeof d.jitter === "number")).toBe(true);
  });
});
