/**
 * End to end: a user-written agent (customAgents) in the built-in world, through the built CLI:
 * it trades, runs are byte-identical run to run and across worker counts, and a sweep over its
 * params and count works.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cascade, fixture, REPO, type Result, requireBuilt } from "./helpers.js";

const FIXTURE = fixture("custom-agent.ts");
const CSVS = ["runs.csv", "summary.csv", "comparison.csv", "timeseries.csv", "liquidations.csv"];
// Inside the repository, so the files' `@cascade/*` imports resolve.
const tmp = mkdtempSync(join(REPO, "test/e2e/.custom-agent-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (dir: string, f: string) => readFileSync(join(dir, f), "utf8");
const rows = (text: string) => {
  const [head, ...lines] = text.trimEnd().split("\n");
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
};
const run = (file: string, out: string, workers: string) =>
  cascade(["run", file, "--out", join(tmp, out), "--workers", workers, "--quiet", "--no-report"], tmp);

describe("a custom population in an experiment file", () => {
  let r1: Result;
  let r2: Result;
  let r3: Result;
  beforeAll(async () => {
    requireBuilt();
    r1 = await run(FIXTURE, "w1a", "1");
    [r2, r3] = await Promise.all([run(FIXTURE, "w1b", "1"), run(FIXTURE, "w2", "2")]);
  });

  test("its agents trade and are liquidated under their own label", () => {
    expect(r1.stderr).toBe("");
    expect(r1.code).toBe(0);
    const runs = rows(read(join(tmp, "w1a"), "runs.csv"));
    expect(runs).toHaveLength(2);
    for (const r of runs) {
      // records.populations of the dip buyers: they sent orders and traded
      expect(Number(r.dip_orders)).toBeGreaterThan(10);
      expect(Number(r.dip_fills)).toBeGreaterThan(10);
      // size 20 per IOC, plus what liquidations sold (a few positions of at most a few IOCs each)
      expect(Number(r.dip_fills)).toBeLessThanOrEqual(20 * Number(r.dip_orders));
      const price = Number(r.dip_notional) / Number(r.dip_fills);
      expect(price).toBeGreaterThan(800); // AAA trades near 1000 ticks (contract value 1)
      expect(price).toBeLessThan(1100);
      expect(Number.isFinite(Number(r.dip_pnl))).toBe(true);
      expect(r.dip_pnl).not.toBe("");
      expect(r.dip_liquidations).toBe(r.dip_liquidation_rows);
    }
    expect(runs.reduce((a, r) => a + Number(r.dip_liquidations), 0)).toBeGreaterThan(0);
    const liq = read(join(tmp, "w1a"), "liquidations.csv");
    expect(liq).toMatch(/,dipBuyer\[3\]\.\d+,AAA,/);
    const manifest = read(join(tmp, "w1a"), "manifest.json");
    expect(manifest).toContain('"name": "dipBuyer"');
    expect(manifest).toContain('"create": "[function create]"');
  });

  test("the same command gives the same bytes, and 2 workers the same as 1", () => {
    expect(r2.code).toBe(0);
    expect(r3.code).toBe(0);
    for (const f of CSVS) {
      expect(read(join(tmp, "w1b"), f), f).toBe(read(join(tmp, "w1a"), f));
      expect(read(join(tmp, "w2"), f), f).toBe(read(join(tmp, "w1a"), f));
    }
  });

  test("its params and count can be swept; the points differ and workers do not change the bytes", async () => {
    const file = join(tmp, "sweep.ts");
    writeFileSync(
      file,
      `import base from ${JSON.stringify(FIXTURE)};\nexport default { ...base, sweep: { "populations.3.params.threshold": [0.002, 0.02], "populations.3.count": [4, 10] } };\n`,
    );
    const v = await cascade(["validate", file], tmp);
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(/x 4 sweep point\(s\) x 2 replication\(s\) = 8 runs/);
    const [a, b] = await Promise.all([run(file, "s1", "1"), run(file, "s2", "2")]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    for (const f of CSVS) expect(read(join(tmp, "s2"), f), f).toBe(read(join(tmp, "s1"), f));
    const runs = rows(read(join(tmp, "s1"), "runs.csv"));
    expect(runs.map((r) => [r["populations.3.params.threshold"], r["populations.3.count"]])).toEqual(
      [
        ["0.002", "4"],
        ["0.002", "10"],
        ["0.02", "4"],
        ["0.02", "10"],
      ].flatMap((p) => [p, p]),
    );
    // a wider threshold trades less (same seeds, same count)
    const orders = (t: string, c: string) =>
      runs
        .filter((r) => r["populations.3.params.threshold"] === t && r["populations.3.count"] === c)
        .reduce((s, r) => s + Number(r.dip_orders), 0);
    expect(orders("0.02", "10")).toBeLessThan(orders("0.002", "10"));
  });

  test("a swept value is validated as the field itself (name, params)", async () => {
    const file = join(tmp, "bad-sweep.ts");
    writeFileSync(
      file,
      `import base from ${JSON.stringify(FIXTURE)};\nexport default { ...base, sweep: { "populations.3.name": ["leveraged"] } };\n`,
    );
    let r = await cascade(["validate", file], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'sweep["populations.3.name"].0 = "leveraged"; allowed: a name that is not a shipped kind',
    );
    writeFileSync(
      file,
      `import base from ${JSON.stringify(FIXTURE)};\nexport default { ...base, sweep: { "populations.3.params.threshold": [0.01, { dist: "uniform", min: 0.1 }] } };\n`,
    );
    r = await cascade(["validate", file], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sweep["populations.3.params.threshold"].1 = {"dist":"uniform","min":0.1}');
  });

  test("an agent without act is refused by validate (exit 2), naming the variant's populations.i.create and the agent", async () => {
    const file = join(tmp, "bad-create.ts");
    writeFileSync(
      file,
      `import base from ${JSON.stringify(FIXTURE)};\nconst populations = [...base.populations];\npopulations[3] = { ...populations[3], create: (_view, { index }) => (index === 2 ? { run() {} } : { act() {} }) };\nexport default { ...base, variants: { a: {}, b: { populations } } };\n`,
    );
    const message =
      'variants.b.populations.3.create = {}; allowed: a function returning an Agent, an object with an act(tick) function (create returned the value shown for agent 2 of population "dipBuyer")';
    const v = await cascade(["validate", file], tmp);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(message);
    const r = await run(file, "bad", "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
