import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headline } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";

const root = mkdtempSync(join(tmpdir(), "cascade-headline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SUMMARY = "variant,point,{params}metric,n,mean,sd,ci_low,ci_high,median,p05,p95";
const COMPARISON = "variant,baseline,point,metric,n_pairs,mean_diff,ci_low,ci_high,p_value,effect_size";

function results(name: string, params: string[], summary: string[], comparison: string[]): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const head = SUMMARY.replace("{params}", params.map((p) => `${p},`).join(""));
  writeFileSync(join(dir, "summary.csv"), `${[head, ...summary].join("\n")}\n`);
  writeFileSync(join(dir, "comparison.csv"), `${[COMPARISON, ...comparison].join("\n")}\n`);
  return dir;
}

test("numbers from 10^4 up are in exponent form with four digits, integers too", async () => {
  const dir = results(
    "formats",
    [],
    ["full,0,bad_debt,3,22042,1,11520.5,30000,0,0,0", "half,0,bad_debt,3,9999,1,0.5,0.000123,0,0,0"],
    ["half,full,0,bad_debt,3,-12042,-23628,-5,0.0000012,1"],
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "variant  metric    mean      95% CI                diff vs baseline  95% CI           p",
    "full     bad_debt  2.204e+4  [1.152e+4, 3.000e+4]  (baseline)",
    "half     bad_debt  9999      [0.5000, 1.23e-4]     -1.204e+4         [-2.363e+4, -5]  1.20e-6",
  ]);
});

test("a sweep: the table is the first point's, and a line says which", async () => {
  const dir = results(
    "sweep",
    ["leverage", "crowding"],
    ["default,0,8,0,bad_debt,3,1,1,0,2,1,0,2", "default,1,8,0.5,bad_debt,3,5,1,4,6,5,4,6"],
    [],
  );
  expect((await headline(dir)).split("\n")).toEqual([
    "sweep point 0 of 2 (leverage = 8, crowding = 0); every point is in summary.csv",
    "variant  metric    mean  95% CI  diff vs baseline  95% CI  p",
    "default  bad_debt  1     [0, 2]  (baseline)",
  ]);
});

test("no headline metric in the files (metrics.builtIn: []) -> no table", async () => {
  const dir = results("none", [], ["full,0,my_metric,3,1,1,0,2,1,0,2"], []);
  expect(await headline(dir)).toBe("");
  expect(await headline(join(root, "missing"))).toBe("");
});
