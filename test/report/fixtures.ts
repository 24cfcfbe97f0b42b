/**
 * Synthetic results directories for the report tests: the files the runner writes, with the
 * columns of the issue's schemas, filled from a small deterministic generator.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface FixtureOptions {
  /** Sweep parameter → values (0, 1 or 2 parameters). */
  sweep: Record<string, number[]>;
  variants?: string[];
  replications?: number;
  ticks?: number;
  instruments?: string[];
  /** Write the sweep columns (and a point column) in timeseries.csv / liquidations.csv. */
  pointColumnsInSeries?: boolean;
  /** Write boot_low, boot_high in summary.csv and comparison.csv (filled from 5 values, as the writer). */
  bootColumns?: boolean;
}

export const METRICS = [
  "peak_drawdown",
  "liquidated_notional",
  "liquidations",
  "max_cascade_depth",
  "bad_debt",
];

/** The summary row the tests look for (values with at most 4 significant digits). */
export const KNOWN_ROW = {
  metric: "peak_drawdown",
  mean: "0.1234",
  sd: "0.0321",
  ci_low: "0.1011",
  ci_high: "0.1457",
  median: "0.1199",
  p05: "0.0777",
  p95: "0.1888",
};

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The writers' spreadsheet escape. */
function esc(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(Number(v.toPrecision(10))) : "";
  const s = esc(String(v));
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeCsv(file: string, header: string[], rows: unknown[][]): void {
  const lines = [header.join(","), ...rows.map((r) => r.map(csvCell).join(","))];
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** A stand-in BCa interval: wider than the t one and skewed up; blank below 5 values. */
function bootCells(s: { n: number; mean: number; ci_low: number; ci_high: number }): Array<number | null> {
  if (s.n < 5) return [null, null];
  return [s.mean - (s.mean - s.ci_low) * 1.1, s.mean + (s.ci_high - s.mean) * 1.4];
}

function stats(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))];
  const half = n > 1 ? (1.96 * sd) / Math.sqrt(n) : 0;
  return {
    n,
    mean,
    sd,
    ci_low: mean - half,
    ci_high: mean + half,
    median: q(0.5),
    p05: q(0.05),
    p95: q(0.95),
  };
}

export function makeResults(dir: string, o: FixtureOptions): string {
  mkdirSync(dir, { recursive: true });
  const variants = o.variants ?? ["full", "partial"];
  const R = o.replications ?? 4;
  const T = o.ticks ?? 200;
  const instruments = o.instruments ?? ["BTC", "ETH"];
  const params = Object.keys(o.sweep);
  let points: number[][] = [[]];
  for (const p of params) points = points.flatMap((pt) => o.sweep[p].map((v) => [...pt, v]));
  const seeds = Array.from({ length: R }, (_, r) => 1000 + r * 7919);

  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify(
      {
        format: "cascade-results/1",
        name: "fixture-study",
        description: "Synthetic results for the report tests",
        rootSeed: 42,
        replications: R,
        seeds,
        baseline: variants[0],
        variants: variants.map((name, i) => ({
          name,
          description: i === 0 ? "baseline policy" : "another policy",
          baseline: i === 0,
        })),
        sweep: {
          parameters: params,
          points: points.map((pt, i) => ({
            point: i,
            values: Object.fromEntries(params.map((p, k) => [p, pt[k]])),
          })),
        },
        sweepPoints: points.length,
        config: { ticks: T, market: { instruments: instruments.map((s) => ({ symbol: s, tickSize: 1 })) } },
        versions: { "@cascade/experiment": "0.1.0" },
      },
      null,
      2,
    ),
  );

  const runs: unknown[][] = [];
  const ts: unknown[][] = [];
  const liqs: unknown[][] = [];
  const values = new Map<string, number[]>(); // variant|point|metric → per replication
  const seriesCols = o.pointColumnsInSeries ?? false;
  points.forEach((pt, pi) => {
    variants.forEach((variant, vi) => {
      for (let r = 0; r < R; r++) {
        const rnd = lcg(seeds[r] * 31 + pi * 7 + 1);
        const severity = 1 + vi * 0.5 + pt.reduce((a, b) => a + b, 0);
        let liqCount = 0;
        let notional = 0;
        let maxGen = 0;
        let cascade = 0;
        let peak = 0;
        instruments.forEach((instrument, ii) => {
          let mid = 100 * (ii + 1);
          const p0 = mid;
          let lowest = mid;
          for (let t = 1; t <= T; t++) {
            const crash = t > T / 3 && t < T / 3 + 15 ? -0.004 * severity : 0;
            mid = Math.max(1, mid * (1 + crash + (rnd() - 0.5) * 0.01));
            lowest = Math.min(lowest, mid);
            const spread = 0.5 + rnd();
            // (a harsher policy, more liquidations: no count is set by the replication alone)
            const liquidated = crash !== 0 && rnd() < 0.5 + 0.1 * vi;
            let liqNotional = 0;
            if (liquidated) {
              cascade++;
              const k = 1 + Math.floor(rnd() * 3);
              for (let j = 0; j < k; j++) {
                const gen = Math.min(4, Math.floor(rnd() * (2 + vi + j)));
                maxGen = Math.max(maxGen, gen);
                const q = 1 + Math.floor(rnd() * 10);
                const n = q * mid;
                liqNotional += n;
                liqCount++;
                liqs.push([
                  variant,
                  r,
                  ...(seriesCols ? [pi, ...pt] : []),
                  t,
                  `acct-${Math.floor(rnd() * 50)}`,
                  instrument,
                  "sell",
                  q,
                  mid,
                  n,
                  rnd() * 0.01,
                  n * 0.01,
                  gen > 2 ? n * 0.05 : 0,
                  "market",
                  cascade,
                  gen,
                  gen === 0 ? "=price-move" : "-cascade",
                ]);
              }
            }
            notional += liqNotional;
            ts.push([
              variant,
              r,
              ...(seriesCols ? [pi, ...pt] : []),
              t,
              instrument,
              mid,
              mid - spread / 2,
              mid + spread / 2,
              spread,
              1000 * rnd(),
              1000 * rnd(),
              100 * rnd(),
              liqNotional,
              p0,
            ]);
          }
          peak = Math.max(peak, (p0 - lowest) / p0);
        });
        const row: Record<string, number> = {
          peak_drawdown: peak,
          liquidated_notional: notional,
          liquidations: liqCount,
          max_cascade_depth: maxGen,
          bad_debt: notional * 0.001 * vi,
        };
        runs.push([variant, pi, r, seeds[r], ...pt, ...METRICS.map((m) => row[m])]);
        for (const m of METRICS) {
          const k = `${variant}|${pi}|${m}`;
          if (!values.has(k)) values.set(k, []);
          values.get(k)!.push(row[m]);
        }
      }
    });
  });
  const seriesExtra = seriesCols ? ["point", ...params] : [];
  writeCsv(join(dir, "runs.csv"), ["variant", "point", "replication", "seed", ...params, ...METRICS], runs);
  writeCsv(
    join(dir, "timeseries.csv"),
    [
      "variant",
      "replication",
      ...seriesExtra,
      "tick",
      "instrument",
      "mid",
      "best_bid",
      "best_ask",
      "spread",
      "depth_bid",
      "depth_ask",
      "volume",
      "liquidated_notional",
      "fundamental",
    ],
    ts,
  );
  writeCsv(
    join(dir, "liquidations.csv"),
    [
      "variant",
      "replication",
      ...seriesExtra,
      "tick",
      "account",
      "instrument",
      "side",
      "quantity",
      "price",
      "notional",
      "slippage",
      "penalty",
      "bad_debt",
      "execution",
      "cascade_id",
      "generation",
      "cause",
    ],
    liqs,
  );

  const summary: unknown[][] = [];
  const comparison: unknown[][] = [];
  points.forEach((pt, pi) => {
    variants.forEach((variant, vi) => {
      for (const m of METRICS) {
        const s = stats(values.get(`${variant}|${pi}|${m}`)!);
        const known = vi === 1 && pi === points.length - 1 && m === KNOWN_ROW.metric;
        const row = known
          ? [
              variant,
              ...pt,
              m,
              s.n,
              KNOWN_ROW.mean,
              KNOWN_ROW.sd,
              KNOWN_ROW.ci_low,
              KNOWN_ROW.ci_high,
              KNOWN_ROW.median,
              KNOWN_ROW.p05,
              KNOWN_ROW.p95,
            ]
          : [variant, ...pt, m, s.n, s.mean, s.sd, s.ci_low, s.ci_high, s.median, s.p05, s.p95];
        summary.push(o.bootColumns ? [...row, ...bootCells(s)] : row);
        // against the baseline at this point; one variant: against the first point (as output.ts)
        const one = variants.length === 1;
        if (one ? pi > 0 : vi > 0) {
          const a = values.get(`${variant}|${pi}|${m}`)!;
          const b = values.get(one ? `${variant}|0|${m}` : `${variants[0]}|${pi}|${m}`)!;
          const d = stats(a.map((x, i) => x - b[i]));
          comparison.push([
            variant,
            ...pt,
            m,
            d.n,
            d.mean,
            d.ci_low,
            d.ci_high,
            d.sd > 0 ? 0.03 : 1,
            d.sd > 0 ? d.mean / d.sd : "", // blank as stats.ts writes it: every difference equal
            ...(o.bootColumns ? bootCells(d) : []),
          ]);
        }
      }
    });
  });
  writeCsv(
    join(dir, "summary.csv"),
    [
      "variant",
      ...params,
      "metric",
      "n",
      "mean",
      "sd",
      "ci_low",
      "ci_high",
      "median",
      "p05",
      "p95",
      ...(o.bootColumns ? ["boot_low", "boot_high"] : []),
    ],
    summary,
  );
  writeCsv(
    join(dir, "comparison.csv"),
    [
      "variant",
      ...params,
      "metric",
      "n_pairs",
      "mean_diff",
      "ci_low",
      "ci_high",
      "p_value",
      "effect_size",
      ...(o.bootColumns ? ["boot_low", "boot_high"] : []),
    ],
    comparison,
  );
  return dir;
}

/** Rewrites a results CSV in place: `edit` may change the cells of each data row, by column name. */
export function editCsv(file: string, edit: (row: Record<string, string>, i: number) => void): void {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const cols = head.split(",");
  const rows = lines.map((line, i) => {
    const cells = line.split(",");
    const row = Object.fromEntries(cols.map((c, k) => [c, cells[k]]));
    edit(row, i);
    return cols.map((c) => row[c]).join(",");
  });
  writeFileSync(file, `${[head, ...rows].join("\n")}\n`);
}

/** Appends metric columns to runs.csv, each with values spread over [0, 1) unlike the others'. */
export function addMetrics(dir: string, names: readonly string[]): void {
  const file = join(dir, "runs.csv");
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const cells = (i: number) => names.map((_, k) => ((i * 7 + k * 3) % 11) / 11);
  writeFileSync(
    file,
    `${[`${head},${names.join(",")}`, ...lines.map((l, i) => `${l},${cells(i).join(",")}`)].join("\n")}\n`,
  );
}

/** Appends to a summary or comparison CSV a copy of metric `from`'s rows under each of `names`. */
function copyMetric(file: string, from: string, names: readonly string[]): void {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const at = head.split(",").indexOf("metric");
  const mine = lines.filter((l) => l.split(",")[at] === from);
  const copies = names.flatMap((n) =>
    mine.map((l) =>
      l
        .split(",")
        .map((c, k) => (k === at ? n : c))
        .join(","),
    ),
  );
  writeFileSync(file, `${[head, ...lines, ...copies].join("\n")}\n`);
}

/**
 * A one-parameter sweep of one variant whose panels differ where Vega lays them out by what they
 * draw: values of very different widths and an outlier at the top of some panels (a marker on the
 * top edge raised its panel's header; -0.25 sticking out left pushed a paired panel right).
 */
export function unevenPanels(dir: string): string {
  makeResults(dir, {
    sweep: { "liquidation.closeFactor": [0.25, 0.5, 1] },
    variants: ["default"],
    replications: 12,
    ticks: 60,
  });
  addMetrics(dir, ["m_a", "m_b", "m_c", "m_d", "m_e", "m_f"]);
  editCsv(join(dir, "runs.csv"), (r, i) => {
    if (i % 12 === 0) r.m_a = "7";
    if (i % 12 === 5) r.m_c = "12";
    r.m_e = String(Number(r.m_e) * 1e6);
  });
  copyMetric(join(dir, "summary.csv"), "liquidations", ["s_a", "s_b", "s_c"]);
  copyMetric(join(dir, "comparison.csv"), "liquidations", ["s_a", "s_b", "s_c", "s_d", "s_e"]);
  editCsv(join(dir, "comparison.csv"), (r, i) => {
    if (r.metric === "s_b") {
      r.ci_low = String(-0.25 - (i % 3) / 10);
      r.mean_diff = "0.1";
      r.ci_high = "0.4";
    }
  });
  return dir;
}

/**
 * A 3 x 3 grid of one variant whose heat maps' legends differ in width within a column of the
 * page (0.00012 to 0.0011, 0.012 to 0.11, 1.2 to 11).
 */
export function unevenHeatmaps(dir: string): string {
  makeResults(dir, {
    sweep: { "liquidation.closeFactor": [0.25, 0.5, 1], "shock.size": [0.05, 0.1, 0.2] },
    variants: ["default"],
    replications: 3,
    ticks: 60,
  });
  const more = ["s_a", "s_b", "s_c", "s_d", "s_e"];
  copyMetric(join(dir, "summary.csv"), "liquidations", more);
  editCsv(join(dir, "summary.csv"), (r, i) => {
    const k = [...METRICS, ...more].indexOf(r.metric) % 3;
    if (k >= 0) r.mean = String(((i % 9) + 1) * 10 ** (k * 2 - 4) * 1.2345);
  });
  return dir;
}
