import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExperimentDefinition, headline, type RunRecords, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import customAgent from "../e2e/fixtures/custom-agent.js";

const root = mkdtempSync(join(tmpdir(), "cascade-headline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SUMMARY = "variant,point,{params}metric,n,mean,sd,ci_low,ci_high,median,p05,p95";
const COMPARISON =
  "variant,baseline,point,{params}metric,n_pairs,mean_diff,ci_low,ci_high,p_value,effect_size";

function results(name: string, params: string[], summary: string[], comparison: string[]): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const head = SUMMARY.replace("{params}", params.map((p) => `${p},`).join(""));
  writeFileSync(join(dir, "summary.csv"), `${[head, ...summary].join("\n")}\n`);
  const cmp = COMPARISON.replace("{params}", params.map((p) => `${p},`).join(""));
  writeFileSync(join(dir, "comparison.csv"), `${[cmp, ...comparison].join("\n")}\n`);
  return dir;
}

test("numbers as the report writes them: thousands grouped (5,723,343.6, not 5.723e+6), 4 significant digits below 1,000", async () => {
  const dir = results(
    "formats",
    [],
    [
      "full,0,bad_debt,3,5723343.617,1,5208460.8,6238226.4,0,0,0",
      "half,0,bad_debt,3,9999,1,0.5,0.000123,0,0,0",
    ],
    ["half,full,0,bad_debt,3,-22042,-23628,-5,0.0000012,1"],
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "variant  metric    mean         95% CI                      diff vs baseline  95% CI         p",
    "full     bad_debt  5,723,343.6  [5,208,460.8, 6,238,226.4]  (baseline)",
    "half     bad_debt  9,999        [0.5, 0.000123]             -22,042           [-23,628, -5]  1.2e-6",
  ]);
});

test("with p_holm in comparison.csv: a p Holm column beside the t-test's p", async () => {
  const dir = join(root, "holm");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(
    join(dir, "summary.csv"),
    `${[
      SUMMARY.replace("{params}", ""),
      "full,0,bad_debt,3,1,1,0,2,1,0,2",
      "half,0,bad_debt,3,3,1,2,4,3,2,4",
      "third,0,bad_debt,3,5,1,4,6,5,4,6",
    ].join("\n")}\n`,
  );
  writeFileSync(
    join(dir, "comparison.csv"),
    `${[
      "variant,baseline,point,baseline_point,metric,n_pairs,mean_diff,ci_low,ci_high,p_value,p_holm,effect_size",
      "half,full,0,0,bad_debt,3,2,1,3,0.02,0.04,2",
      "third,full,0,0,bad_debt,3,4,3,5,0.03,0.04,4",
    ].join("\n")}\n`,
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "variant  metric    mean  95% CI  diff vs baseline  95% CI  p     p Holm",
    "full     bad_debt  1     [0, 2]  (baseline)",
    "half     bad_debt  3     [2, 4]  2                 [1, 3]  0.02  0.04",
    "third    bad_debt  5     [4, 6]  4                 [3, 5]  0.03  0.04",
  ]);
});

test("a sweep of one variant with p_holm: each mean marked by how many paired tests find a difference from its reference", async () => {
  const dir = join(root, "sweep-holm");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(
    join(dir, "summary.csv"),
    `${[
      "variant,point,fraction,metric,n,mean,sd,ci_low,ci_high,median,p05,p95",
      "default,0,1,bad_debt,3,1,1,0,2,1,0,2",
      "default,1,0.5,bad_debt,3,3,1,2,4,3,2,4",
      "default,2,0.1,bad_debt,3,5,1,4,6,5,4,6",
    ].join("\n")}\n`,
  );
  writeFileSync(
    join(dir, "comparison.csv"),
    `${[
      "variant,baseline,point,baseline_point,fraction,metric,n_pairs,mean_diff,ci_low,ci_high,p_value,p_holm,effect_size,p_wilcoxon,p_wilcoxon_holm",
      "default,default,1,0,0.5,bad_debt,3,2,1,3,0.02,0.04,2,0.2,0.4",
      "default,default,2,0,0.1,bad_debt,3,4,3,5,0.001,0.002,4,0.01,0.02",
    ].join("\n")}\n`,
  );
  const lines = (await headline(dir)).split("\n");
  expect(lines.slice(1)).toEqual([
    "point  fraction  bad_debt",
    "0      1         1",
    "1      0.5       3 *",
    "2      0.1       5 **",
    "* / **: one / both of the paired tests (t, signed-rank) find a difference from the point's reference at Holm-adjusted p < 0.05 (p_holm, p_wilcoxon_holm)",
  ]);
});

test("a sweep of several variants: the means at each point, by variant", async () => {
  const dir = results(
    "sweep",
    ["leverage", "crowding"],
    [
      "full,0,8,0,bad_debt,3,1,1,0,2,1,0,2",
      "half,0,8,0,bad_debt,3,3,1,2,4,3,2,4",
      "full,1,8,0.5,bad_debt,3,5,1,4,6,5,4,6",
      "half,1,8,0.5,bad_debt,3,7,1,6,8,7,6,8",
    ],
    ["half,full,0,8,0,bad_debt,3,2,1,3,0.01,2", "half,full,1,8,0.5,bad_debt,3,2,1,3,0.01,2"],
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "means per sweep point and variant (intervals and every point in summary.csv; paired differences against the baseline variant at each point, and against a sweepReference, in comparison.csv)",
    "point  leverage  crowding  variant  bad_debt",
    "0      8         0         full     1",
    "0      8         0         half     3",
    "1      8         0.5       full     5",
    "1      8         0.5       half     7",
  ]);
});

test("a sweep of one variant: the means at each point, the first 20 (differences against point 0 stay in the file)", async () => {
  const summary: string[] = [];
  const comparison: string[] = [];
  for (let p = 0; p < 25; p++) {
    summary.push(`default,${p},${8 + p},0,bad_debt,3,${100 * p},1,0,2,1,0,2`);
    summary.push(`default,${p},${8 + p},0,accounts_liquidated,3,${p / 4},1,0,2,1,0,2`);
    if (p > 0) comparison.push(`default,default,${p},${8 + p},0,bad_debt,3,${100 * p},1,3,0.01,2`);
  }
  const params = ["populations.leveraged.leverage", "populations.leveraged.crowding"];
  const dir = results("one-variant", params, summary, comparison);
  const lines = (await headline(dir)).split("\n");
  expect(lines.slice(0, 4)).toEqual([
    "means per sweep point (the first 20 of 25 points; intervals and every point in summary.csv; paired differences against each point's reference in comparison.csv)",
    "point  leverage  crowding  accounts_liquidated  bad_debt",
    "0      8         0         0                    0",
    "1      9         0         0.25                 100",
  ]);
  expect(lines.length).toBe(2 + 20);
  expect(lines[21]).toBe("19     27        0         4.75                 1,900");
});

test("a one-variant sweep over two paths with the same last segment keeps the whole paths", async () => {
  const dir = results(
    "same-last",
    ["populations.3.leverage", "populations.4.leverage"],
    ["default,0,5,10,bad_debt,3,1,1,0,2,1,0,2", "default,1,5,20,bad_debt,3,2,1,0,2,1,0,2"],
    [],
  );
  expect((await headline(dir)).split("\n")[1]).toBe(
    "point  populations.3.leverage  populations.4.leverage  bad_debt",
  );
});

test("no headline metric in the files (metrics.builtIn: []) -> no table", async () => {
  const dir = results("none", [], ["full,0,my_metric,3,1,1,0,2,1,0,2"], []);
  expect(await headline(dir)).toBe("");
  expect(await headline(join(root, "missing"))).toBe("");
});

test("prices at their band in some runs: a warning names the variants, also without a table", async () => {
  const dir = results(
    "band",
    [],
    [
      "full,0,bad_debt,3,1,1,0,2,1,0,2",
      "full,0,ticks_at_price_band,3,0,0,0,0,0,0,0",
      "half,0,bad_debt,3,3,1,2,4,3,2,4",
      "half,0,ticks_at_price_band,3,12.5,20,0,40,0,0,37",
    ],
    ["half,full,0,bad_debt,3,2,1,3,0.01,2", "half,full,0,ticks_at_price_band,3,12.5,0,25,0.2,1"],
  );
  const lines = (await headline(dir)).split("\n");
  expect(lines.slice(0, 3)).toEqual([
    "variant  metric    mean  95% CI  diff vs baseline  95% CI  p",
    "full     bad_debt  1     [0, 2]  (baseline)",
    "half     bad_debt  3     [2, 4]  2                 [1, 3]  0.01",
  ]);
  expect(lines[3]).toBe("");
  expect(lines[4]).toMatch(
    /^warning: prices reached their band .* in half \(12\.5 ticks per run on average\)\. /,
  );
  expect(lines[4]).not.toContain("full");
  expect(lines).toHaveLength(5);
  // The per-instrument edge columns say where: ETH's cap (BTC's rows are 0, the floor is not named).
  const named = results(
    "band-named",
    [],
    [
      "full,0,ticks_at_price_band,3,4,1,0,8,4,0,8",
      "full,0,ticks_at_min_price_BTC,3,0,0,0,0,0,0,0",
      "full,0,ticks_at_max_price_BTC,3,0,0,0,0,0,0,0",
      "full,0,ticks_at_min_price_ETH,3,0,0,0,0,0,0,0",
      "full,0,ticks_at_max_price_ETH,3,4,1,0,8,4,0,8",
      "half,0,ticks_at_max_price_SOL,3,2,1,0,4,2,0,4",
    ],
    [],
  );
  expect(await headline(named)).toMatch(
    /^warning: .* in full \(4 ticks per run on average; ETH at its maxPrice\)\. /,
  );
  const only = results("band-only", [], ["full,0,ticks_at_price_band,3,1,1,0,2,1,0,2"], []);
  expect(await headline(only)).toMatch(/^warning: .* in full \(1 tick per run on average\)/);
  const none = results("band-none", [], ["full,0,ticks_at_price_band,3,0,0,0,0,0,0,0"], []);
  expect(await headline(none)).toBe("");
});

test("backstop_pnl: a row for the variants with a vault only (no value in any run: no row), no difference against a baseline without one", async () => {
  const dir = results(
    "vault",
    [],
    [
      "full,0,bad_debt,3,900,1,800,1000,900,800,1000",
      "vault,0,bad_debt,3,0,0,0,0,0,0,0",
      "full,0,backstop_pnl,0,,,,,,,",
      "vault,0,backstop_pnl,3,7500,10,7400,7600,7500,7400,7600",
    ],
    ["vault,full,0,bad_debt,3,-900,-1000,-800,0.001,-9", "vault,full,0,backstop_pnl,0,,,,,"],
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "variant  metric        mean   95% CI          diff vs baseline  95% CI          p",
    "full     bad_debt      900    [800, 1,000]    (baseline)",
    "vault    bad_debt      0      [0, 0]          -900              [-1,000, -800]  0.001",
    "vault    backstop_pnl  7,500  [7,400, 7,600]  (none in full)",
  ]);
});

test("a custom metric blank in every run gets a warning naming it; one with a value somewhere does not", async () => {
  const dir = results(
    "blank-custom",
    [],
    [
      "full,0,bad_debt,3,1,1,0,2,1,0,2",
      "full,0,dip_pnl,0,,,,,,,",
      "full,0,dip_lots,2,5,1,4,6,5,4,6",
      "half,0,bad_debt,3,2,1,1,3,2,1,3",
      "half,0,dip_pnl,0,,,,,,,",
      "half,0,dip_lots,0,,,,,,,",
    ],
    ["half,full,0,bad_debt,3,1,0,2,0.5,1"],
  );
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ customMetrics: ["dip_pnl", "dip_lots"] }));
  const text = await headline(dir);
  expect(text).toContain(
    "warning: the custom metric dip_pnl had no value in any run (each returned null, NaN or an infinity): check its code (in runs.csv the column is blank).",
  );
  // dip_lots has values under full only: a note naming the variant where it is blank
  expect(text).toContain(
    "note: the custom metric dip_lots had no value in any run of variant half (each returned null, NaN or an infinity there); if that is not by design, check its code.",
  );
  expect(text).not.toContain("dip_lots had no value in any run (");
  // without a manifest (or with no custom metrics) there is nothing to warn about
  rmSync(join(dir, "manifest.json"));
  expect(await headline(dir)).not.toContain("warning");
});

test("a custom metric blank because a population has no agents (count 0, null in records.populations) names that population as the likely cause; blank otherwise, the words are unchanged", async () => {
  const pops = customAgent.populations ?? [];
  const dipBuyer = pops[3] as (typeof pops)[number] & { count: number };
  const noDipBuyers = [...pops.slice(0, 3), { ...dipBuyer, count: 0 }];
  const study = (over: Partial<ExperimentDefinition>): ExperimentDefinition => ({
    ...customAgent,
    replications: 2,
    ticks: 80,
    metrics: {
      custom: {
        dip_pnl: (r: RunRecords) => r.populations?.find((p) => p.name === "dipBuyer")?.pnl ?? null,
        never: () => null,
      },
    },
    ...over,
  });
  const run = async (name: string, over: Partial<ExperimentDefinition>) => {
    const out = join(root, name);
    await runExperiment(study(over), { out, workers: 0 });
    return (await headline(out)).split("\n\n").filter((x) => /^(warning|note): the custom/.test(x));
  };
  // a variant without dip buyers: dip_pnl is blank there, never everywhere (no population is empty everywhere)
  expect(await run("no-dip-variant", { variants: { with: {}, none: { populations: noDipBuyers } } })).toEqual(
    [
      "warning: the custom metric never had no value in any run (each returned null, NaN or an infinity): check its code (in runs.csv the column is blank).\nnote: the custom metric dip_pnl had no value in any run of variant none (each returned null, NaN or an infinity there): the population dipBuyer has no agents there (count 0), so its records.populations values are null; if dip_pnl reads it, that is why, else check its code.",
    ],
  );
  // dip buyers swept to 0 at every point: both metrics blank in every run, the empty population named
  expect(await run("no-dip-sweep", { sweep: { "populations.dipBuyer.count": [0] } })).toEqual([
    "warning: the custom metrics dip_pnl, never had no value in any run (each returned null, NaN or an infinity): the population dipBuyer has no agents in any run (count 0), so its records.populations values are null; if they read it, that is why, else check their code (in runs.csv the column is blank).",
  ]);
  // swept to 0 at one point of two: a value at the other point, so no note (the sweep table shows '-')
  expect(await run("dip-sweep-0-6", { sweep: { "populations.dipBuyer.count": [0, 6] } })).toEqual([
    "warning: the custom metric never had no value in any run (each returned null, NaN or an infinity): check its code (in runs.csv the column is blank).",
  ]);
});

test("a saturated cascade (every leveraged account liquidated in every run) gets a warning naming where", async () => {
  const row = (v: string, p: number, mean: number) =>
    `${v},${p},${8 + p},accounts_liquidated_share,3,${mean},0,${mean},${mean},${mean},${mean},${mean}`;
  let dir = results(
    "saturated",
    ["leverage"],
    [row("full", 0, 0.4), row("half", 0, 0.9), row("full", 1, 1), row("half", 1, 1)],
    [],
  );
  expect(await headline(dir)).toContain(
    "warning: every leveraged account was liquidated in every run of full at point 1, half at point 1 (accounts_liquidated_share = 1)",
  );
  dir = results(
    "saturated-all",
    [],
    ["full,0,accounts_liquidated_share,3,1,0,1,1,1,1,1", "half,0,accounts_liquidated_share,3,1,0,1,1,1,1,1"],
    [],
  );
  expect(await headline(dir)).toContain("liquidated in every run of every variant");
  dir = results("not-saturated", [], ["full,0,accounts_liquidated_share,3,0.99,0,1,1,1,1,1"], []);
  expect(await headline(dir)).not.toContain("saturated");
});

test("metrics.headline (manifest.json's headline) chooses the table's metrics and their order", async () => {
  const dir = results(
    "chosen",
    [],
    [
      "full,0,bad_debt,3,10,1,9,11,0,0,0",
      "full,0,adl_covered,3,4,1,3,5,0,0,0",
      "full,0,adl_fired,3,0.5,0.1,0.2,0.8,0,0,0",
      "half,0,bad_debt,3,20,1,19,21,0,0,0",
      "half,0,adl_covered,3,8,1,7,9,0,0,0",
      "half,0,adl_fired,3,1,0,0.4,1,0,0,0",
    ],
    ["half,full,0,adl_fired,3,0.5,0.1,0.9,0.04,1", "half,full,0,adl_covered,3,4,3,5,0.01,2"],
  );
  const metricsOf = async () => [
    ...new Set(
      (await headline(dir))
        .split("\n")
        .slice(1)
        .map((l) => l.split(/ +/)[1]),
    ),
  ];
  expect(await metricsOf()).toEqual(["bad_debt"]); // the default table
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ headline: ["adl_fired", "adl_covered"] }));
  expect(await metricsOf()).toEqual(["adl_fired", "adl_covered"]);
  expect((await headline(dir)).split("\n")[4]).toMatch(/^half +adl_covered +8 +\[7, 9\] +4 +\[3, 5\] +0\.01/);
});

test("a linked sweep key is shown by its paths' last segments joined by +; its values grouped as the report's", async () => {
  // the CSV header quotes the key (it holds commas)
  const dir = results(
    "linked",
    ['"liquidation.loss.insuranceFund, liquidation.backstop.capital"', "populations.3.leverage"],
    ["default,0,0,5,bad_debt,3,1,1,0,2,1,0,2", "default,1,500000,5,bad_debt,3,2,1,0,2,1,0,2"],
    [],
  );
  expect((await headline(dir)).split("\n").slice(1, 4)).toEqual([
    "point  insuranceFund+capital  leverage  bad_debt",
    "0      0                      5         1",
    "1      500,000                5         2",
  ]);
});

test("a sweep: a metric with no value at a point shows '-' there, one with no value at any point no column", async () => {
  // dip_pnl of a population swept from 0 agents (blank at point 0); backstop_pnl without a vault
  const dir = results(
    "sweep-blanks",
    ["populations.dipBuyer.count"],
    [
      "default,0,0,bad_debt,3,1,1,0,2,1,0,2",
      "default,0,0,backstop_pnl,0,,,,,,,",
      "default,0,0,dip_pnl,0,,,,,,,",
      "default,1,10,bad_debt,3,2,1,1,3,2,1,3",
      "default,1,10,backstop_pnl,0,,,,,,,",
      "default,1,10,dip_pnl,3,-1705.175,1,-3182.8,-227.5,-1705,-3000,-300",
    ],
    [],
  );
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ headline: ["bad_debt", "backstop_pnl", "dip_pnl"] }),
  );
  expect((await headline(dir)).split("\n").slice(1)).toEqual([
    "point  count  bad_debt  dip_pnl",
    "0      0      1         -",
    "1      10     2         -1,705.2",
  ]);
});
