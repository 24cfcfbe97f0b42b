/**
 * What the READMEs tell a researcher who reads the result files with their own code (pandas, R):
 * the documented headers, which manifest fields name the parameter and metric columns, how a
 * missing value is written, the unit of every built-in metric, and how one row's run is rerun
 * alone. Each claim is checked against the files a run writes, so the docs cannot drift from them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BUILTIN_METRIC_INFO,
  BUILTIN_METRICS,
  METRIC_UNITS,
  metricInfoOf,
  PER_INSTRUMENT_COLUMNS,
  readResultsCsv,
  runExperiment,
} from "@cascade/experiment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeExperiment } from "./helpers.js";

const REPO = join(import.meta.dirname, "../..");
const readme = readFileSync(join(REPO, "README.md"), "utf8");
const experimentReadme = readFileSync(join(REPO, "packages/experiment/README.md"), "utf8");
const FILES = ["runs", "summary", "comparison", "timeseries", "liquidations"] as const;

const root = mkdtempSync(join(tmpdir(), "cascade-docs-outputs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const experiment = () =>
  fakeExperiment({
    sweep: { "liquidation.amount.fraction": [0.25, 0.5] },
    replications: 3,
    metrics: {
      builtIn: "all",
      custom: { first_slippage: (r) => r.liquidations[0].slippage, undefined_here: () => Number.NaN },
    },
  });
const full = join(root, "full");
let manifest: {
  rootSeed: number;
  replications: number;
  runs: number;
  variants: Array<{ name: string }>;
  sweep: { parameters: string[] };
  columns: { runs: string[] };
  metrics: string[];
  customMetrics: string[];
};
beforeAll(async () => {
  await runExperiment(experiment(), { out: full, workers: 0 });
  manifest = JSON.parse(readFileSync(join(full, "manifest.json"), "utf8"));
});

const lines = (dir: string, file: string) =>
  readFileSync(join(dir, `${file}.csv`), "utf8")
    .trimEnd()
    .split("\n");
const header = (file: string) => lines(full, file)[0].split(",");

/** A documented column list (`a, b, <placeholder>, c`) with its placeholders filled in. */
function expand(list: string): string[] {
  return list.split(", ").flatMap((c) => {
    if (c === "<one column per sweep parameter>" || c === "<sweep parameters>")
      return manifest.sweep.parameters;
    if (c === "<one column per metric>") return manifest.metrics;
    return [c];
  });
}

describe("the documented CSV headers", () => {
  it("are the headers written, in the README's CSV schemas", () => {
    const section = readme.slice(readme.indexOf("## CSV schemas"));
    for (const file of FILES) {
      const m = section.match(new RegExp(`^- \`${file}\\.csv\`: \`([^\`]+)\``, "m"));
      expect(m, file).not.toBeNull();
      expect(expand((m as RegExpMatchArray)[1]), file).toEqual(header(file));
    }
  });

  it("are the headers written, in packages/experiment/README.md's output files", () => {
    for (const file of FILES.filter((f) => f !== "runs")) {
      const m = experimentReadme.match(new RegExp(`^\\| \`${file}\\.csv\` \\| \`([^\`]+)\``, "m"));
      expect(m, file).not.toBeNull();
      expect(expand((m as RegExpMatchArray)[1]), file).toEqual(header(file));
    }
  });
});

describe("the documented result files", () => {
  /** The files a table lists after `heading`: the first cell of each row, `name` in backticks. */
  function tableFiles(text: string, heading: string): string[] {
    const start = text.indexOf(heading);
    expect(start, heading).toBeGreaterThan(0);
    const rows = text.slice(text.indexOf("\n|", start) + 1).split("\n");
    expect(rows[0], `${heading}: the table's first column`).toMatch(/^\| file \|/);
    const out: string[] = [];
    for (const row of rows.slice(2)) {
      if (!row.startsWith("|")) break;
      out.push((/^\| `([^`]+)` \|/.exec(row) ?? [row])[row.startsWith("| `") ? 1 : 0]);
    }
    return out.sort();
  }
  // runExperiment writes the final files; `cascade run` adds report.html (cli-run.test.ts).
  const written = () => [...readdirSync(full), "report.html"].sort();

  it("are the files a run writes, in the README's table of the default job", () => {
    expect(tableFiles(readme, "### What the default job does")).toEqual(written());
  });

  it("are those files, and the journal a run keeps while it runs, in packages/experiment/README.md", () => {
    expect(tableFiles(experimentReadme, "## Output files")).toEqual([...written(), "journal.jsonl"].sort());
  });
});

describe("which runs.csv column is what", () => {
  it("is in the manifest: the run's identity, sweep.parameters, then metrics (customMetrics last)", () => {
    const runs = header("runs");
    expect(manifest.columns.runs).toEqual(runs);
    expect(runs).toEqual([
      "variant",
      "point",
      "replication",
      "seed",
      ...manifest.sweep.parameters,
      ...manifest.metrics,
    ]);
    expect(manifest.sweep.parameters).toEqual(["liquidation.amount.fraction"]);
    expect(manifest.customMetrics).toEqual(["first_slippage", "undefined_here"]);
    expect(manifest.metrics.slice(-2)).toEqual(manifest.customMetrics);
  });

  it("seed is the replication's seed from the manifest, the same in every variant and point", () => {
    const seeds = (manifest as unknown as { seeds: number[] }).seeds;
    const cols = header("runs");
    for (const line of lines(full, "runs").slice(1)) {
      const cells = line.split(",");
      expect(Number(cells[cols.indexOf("seed")])).toBe(seeds[Number(cells[cols.indexOf("replication")])]);
    }
    expect(seeds).not.toContain(manifest.rootSeed);
  });
});

describe("swept values in the CSV", () => {
  it("are numbers as they are and objects as JSON text, read back by a CSV reader", async () => {
    const out = join(root, "objects");
    const amounts = [{ kind: "full" }, { kind: "closeFactor", fraction: 0.5 }];
    await runExperiment(fakeExperiment({ sweep: { "liquidation.amount": amounts }, replications: 1 }), {
      out,
      workers: 0,
    });
    const data = lines(out, "runs").slice(1);
    expect(data[0]).toMatch(/^full,0,0,\d+,"\{""kind"":""full""\}",/);
    expect(data.at(-1)).toMatch(/^half,1,0,\d+,"\{""kind"":""closeFactor"",""fraction"":0.5\}",/);
    expect(readme).toContain('writes `{"kind":"closeFactor","fraction":0.5}`');
    // the exported reader (the notebooks') reads a quoted cell whole, every row keyed by the header
    const rows = await readResultsCsv(join(out, "runs.csv"));
    expect(rows.map((r) => r["liquidation.amount"])).toEqual(
      expect.arrayContaining(amounts.map((a) => JSON.stringify(a))),
    );
    expect(rows.length).toBe(data.length);
    expect(Object.keys(rows[0])).toEqual(lines(out, "runs")[0].split(","));
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(["full", "half"]));
    await expect(readResultsCsv(join(out, "missing.csv"))).rejects.toThrow(
      /cannot read .*missing\.csv: file = ".*missing\.csv"; allowed: a readable CSV file \(no such file\)/,
    );
  });
});

describe("missing values", () => {
  it("are blank cells in every file, never NaN, null, none or an infinity", () => {
    const cols = header("runs");
    const undefinedHere = cols.indexOf("undefined_here");
    const data = lines(full, "runs").slice(1);
    expect(data.every((l) => l.split(",")[undefinedHere] === "")).toBe(true);
    for (const file of FILES)
      for (const line of lines(full, file))
        for (const cell of line.split(","))
          expect(
            ["NaN", "null", "none", "None", "NA", "undefined", "Infinity", "-Infinity"],
            file,
          ).not.toContain(cell);
    expect(readFileSync(join(full, "summary.csv"), "utf8")).toMatch(/,undefined_here,0,,,,,,,,,\n/);
  });

  it("except liquidations.csv's cause, -1 for a first liquidation, as the README says", () => {
    const cols = header("liquidations");
    const causes = lines(full, "liquidations")
      .slice(1)
      .map((l) => l.split(",")[cols.indexOf("cause")]);
    expect(new Set(causes)).toEqual(new Set(["-1"]));
    expect(readme).toContain("liquidations.csv's `cause` is -1 for a first liquidation");
  });
});

describe("the READMEs' metric tables", () => {
  /**
   * The rows of the table under a heading: each metric named in the first column (`<SYM>` written
   * `<symbol>`) with the unit the second column gives it: one unit for the whole row, or one per
   * metric, in order, separated by "; ".
   */
  function tableUnits(text: string, heading: string): Array<[string, string]> {
    const start = text.indexOf(heading);
    expect(start, heading).toBeGreaterThan(0);
    const rows = text.slice(text.indexOf("\n|", start) + 1).split("\n");
    expect(rows[0].split(" | ")[1], `${heading}: the table's second column`).toBe("unit");
    const out: Array<[string, string]> = [];
    for (const row of rows.slice(2)) {
      if (!row.startsWith("|")) break;
      const [first, unit] = row.slice(2).split(" | ");
      const names = [...first.matchAll(/`([a-zA-Z_<>]+)`/g)].map((m) => m[1].replace("<SYM>", "<symbol>"));
      const units = unit.split("; ");
      expect(units.length === 1 || units.length === names.length, `${heading}: ${row}`).toBe(true);
      for (const [i, name] of names.entries()) out.push([name, units.length === 1 ? units[0] : units[i]]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  const source = [...BUILTIN_METRICS, ...PER_INSTRUMENT_COLUMNS].sort();
  /** every built-in column with the unit BUILTIN_METRIC_INFO gives it, the source report.html shows */
  const sourceUnits = source.map((m): [string, string] => [
    m,
    (metricInfoOf(m.replace("<symbol>", "X"), [], {}) as { unit: string }).unit,
  ]);

  it("name every metric BUILTIN_METRIC_INFO describes, and no other", () => {
    expect(tableUnits(readme, "## Metrics").map(([m]) => m)).toEqual(source);
    expect(tableUnits(experimentReadme, "## Metrics").map(([m]) => m)).toEqual(source);
    expect(Object.keys(BUILTIN_METRIC_INFO).sort()).toEqual([...BUILTIN_METRICS].sort());
    for (const info of Object.values(BUILTIN_METRIC_INFO)) {
      expect(info.description).toMatch(/^[^\n]{10,120}$/);
      expect(METRIC_UNITS).toContain(info.unit);
    }
    // the run's columns, its symbols written as <symbol>, are all there
    const builtIn = manifest.metrics
      .filter((m) => !manifest.customMetrics.includes(m))
      .map((m) => m.replace(/_(X|Y)$/, "_<symbol>"));
    for (const m of builtIn) expect(source, m).toContain(m);
  });

  it("give each metric the unit of BUILTIN_METRIC_INFO", () => {
    expect(tableUnits(readme, "## Metrics")).toEqual(sourceUnits);
    expect(tableUnits(experimentReadme, "## Metrics")).toEqual(sourceUnits);
  });

  it("name a unit the README explains, for each unit BUILTIN_METRIC_INFO uses", () => {
    const start = readme.indexOf("Units, the table's second column");
    expect(start).toBeGreaterThan(0);
    const note = readme.slice(start, readme.indexOf("\n\n", start)).replaceAll("\n", " ");
    for (const unit of METRIC_UNITS) expect(note, unit).toMatch(new RegExp(`(: |; )${unit}: `));
  });
});

describe("rerunning one row's run, as the README's Citing figures says", () => {
  it("--shard <run + 1>/<runs> writes exactly that row and that run's time series and liquidations", async () => {
    const cols = header("runs");
    const variants = manifest.variants.map((v) => v.name);
    const R = manifest.replications;
    const rows = lines(full, "runs").slice(1);
    const row = rows.find((l) => l.startsWith("half,1,2,")) as string;
    expect(row).toBeDefined();
    const cells = row.split(",");
    const point = Number(cells[cols.indexOf("point")]);
    const variant = variants.indexOf(cells[cols.indexOf("variant")]);
    const replication = Number(cells[cols.indexOf("replication")]);
    const run = (point * variants.length + variant) * R + replication;
    expect(readme).toContain("`run = (point * V + variant) * R + replication`");
    const one = join(root, "one");
    const outcome = await runExperiment(experiment(), {
      out: one,
      workers: 0,
      seed: manifest.rootSeed,
      replications: R,
      shard: `${run + 1}/${manifest.runs}`,
    });
    expect(outcome.executed).toBe(1);
    expect(lines(one, "runs").slice(1)).toEqual([row]);
    const prefix = `half,1,2,`;
    for (const file of ["timeseries", "liquidations"]) {
      const mine = lines(one, file).slice(1);
      expect(mine.length, file).toBeGreaterThan(0);
      expect(mine, file).toEqual(
        lines(full, file)
          .slice(1)
          .filter((l) => l.startsWith(prefix)),
      );
    }
  });
});
