/**
 * What the statistics docs say is and is not adjusted for multiple comparisons, against what
 * comparison.csv holds: `p_holm` is `p_value` adjusted over the metric's rows (the variants and
 * sweep points), so no doc may call every p-value unadjusted for the variants compared; and
 * `ci_low`/`ci_high` are each comparison's own 95% t interval, never adjusted, so the docs must say
 * so where they introduce the adjusted p (an interval that excludes 0 can sit beside a `p_holm` of
 * 0.05 or more, and a risk team reading the interval alone would keep a difference Holm drops).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { holmAdjust, readResultsCsv, runExperiment, tQuantile, wilsonInterval } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeExperiment } from "./helpers.js";

const REPO = join(import.meta.dirname, "../..");
/** The text of a markdown file from `heading` to the next heading of the same or a higher level. */
function section(file: string, heading: string): string {
  const text = readFileSync(join(REPO, file), "utf8");
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${file} has no heading ${heading}`);
  const level = heading.indexOf(" ");
  const rest = text.slice(at + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}
const oneLine = (s: string) => s.replace(/\s+/g, " ");
const readmeStats = oneLine(section("README.md", "### Statistics"));
const packageStats = oneLine(section("packages/experiment/README.md", "## Statistics"));
const readmeHeadline = oneLine(
  readFileSync(join(REPO, "README.md"), "utf8").split("## Your first experiment")[0],
);

const root = mkdtempSync(join(tmpdir(), "cascade-stats-docs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Row = Record<string, string>;
let runs: Row[] = [];
let comparison: Row[] = [];
beforeAll(async () => {
  const out = join(root, "three-against-full");
  await runExperiment(
    fakeExperiment({
      variants: {
        full: presets.fullClose(),
        half: presets.closeFactor({ fraction: 0.5 }),
        quarter: presets.closeFactor({ fraction: 0.25 }),
        tenth: presets.closeFactor({ fraction: 0.1 }),
      },
      baseline: "full",
      replications: 6,
    }),
    { out, workers: 0 },
  );
  runs = await readResultsCsv(join(out, "runs.csv"));
  comparison = await readResultsCsv(join(out, "comparison.csv"));
});

describe("the statistics docs on 0/1 outcomes", () => {
  it("a custom metric gets Wilson's interval when it is 0 in some runs and 1 in others, not when it is 0 in every run", async () => {
    const out = join(root, "zero-one");
    await runExperiment(
      fakeExperiment({
        metrics: {
          builtIn: [],
          custom: { fired: (_r, run) => run.replication % 2, never_fired: () => 0 },
        },
        replications: 6,
      }),
      { out, workers: 0 },
    );
    const summary = await readResultsCsv(join(out, "summary.csv"));
    const cell = (metric: string, col: string) =>
      Number((summary.find((r) => r.variant === "full" && r.metric === metric) as Row)[col]);
    const [low, high] = wilsonInterval(3, 6);
    expect([cell("fired", "ci_low"), cell("fired", "ci_high")]).toEqual([
      expect.closeTo(low, 9),
      expect.closeTo(high, 9),
    ]);
    // 0 in every run: a count that stayed 0 looks the same, so the t interval, [0, 0]
    expect([cell("never_fired", "ci_low"), cell("never_fired", "ci_high")]).toEqual([0, 0]);
    for (const text of [readmeStats, packageStats]) {
      expect(text).not.toMatch(/0 or 1 in every run/);
      expect(text).toMatch(/0 in some runs, 1 in (the )?others/);
    }
  });
});

describe("the statistics docs on equal differences", () => {
  it("p is the sign test 2 x 0.5^n when every difference is the same d, and 1 when d is 0", async () => {
    const out = join(root, "equal-differences");
    await runExperiment(
      fakeExperiment({
        metrics: {
          builtIn: [],
          custom: { shifted: (_r, run) => (run.variant === "half" ? 2 : 0), unchanged: () => 5 },
        },
        replications: 6,
      }),
      { out, workers: 0 },
    );
    const rows = await readResultsCsv(join(out, "comparison.csv"));
    const row = (metric: string) => rows.find((r) => r.metric === metric) as Row;
    const cells = (r: Row) => [r.mean_diff, r.ci_low, r.ci_high, r.p_value].map(Number);
    expect(cells(row("shifted"))).toEqual([2, 2, 2, 2 * 0.5 ** 6]);
    // the same value under both policies in every replication: no evidence of a difference
    expect(cells(row("unchanged"))).toEqual([0, 0, 0, 1]);
    const bullet = readmeStats.slice(readmeStats.indexOf("**Equal differences.**"));
    expect(bullet).toMatch(/2 x 0\.5\^n`?[^.]*1 when every difference is 0/);
  });
});

describe("the statistics docs on multiple comparisons", () => {
  it("p_holm is p_value adjusted over the metric's variants: no doc calls every p-value unadjusted for them", () => {
    const rows = comparison.filter((r) => r.metric === "peak_drawdown_X");
    expect(rows.map((r) => r.variant)).toEqual(["half", "quarter", "tenth"]);
    const adjusted = holmAdjust(rows.map((r) => Number(r.p_value)));
    expect(rows.map((r) => Number(r.p_holm))).toEqual(adjusted.map((p) => expect.closeTo(p as number, 9)));
    // the three comparisons are a family: at least one p is raised by it
    expect(rows.some((r) => Number(r.p_holm) > Number(r.p_value))).toBe(true);
    for (const text of [readmeStats, packageStats])
      expect(text).not.toMatch(
        /the p-values are per comparison, not adjusted for the number of metrics and variants/,
      );
  });

  it("the intervals are each comparison's own 95% t interval, and the docs say they are not adjusted", () => {
    const row = comparison.find((r) => r.variant === "tenth" && r.metric === "peak_drawdown_X") as Row;
    const x = (v: string) => runs.filter((r) => r.variant === v).map((r) => Number(r.peak_drawdown_X));
    const full = x("full");
    const d = x("tenth").map((v, i) => v - full[i]);
    const n = d.length;
    const mean = d.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const half = (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
    // 95% for this one comparison: neither Bonferroni's nor Holm's level for a family of three
    expect(Number(row.ci_low)).toBeCloseTo(mean - half, 9);
    expect(Number(row.ci_high)).toBeCloseTo(mean + half, 9);
    for (const text of [readmeStats, packageStats])
      expect(text).toMatch(/intervals[^.]*are not adjusted[^.]*p_holm/);
    // where the closing table first shows an interval beside p Holm
    expect(readmeHeadline).toMatch(/intervals are not adjusted/);
  });
});
