import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { customAgents, type PopulationSpec } from "@cascade/agents";
import { thrownBy, ValidationError } from "@cascade/core";
import {
  bootstrapInterval,
  buildReport,
  type ExperimentDefinition,
  executeRun,
  headline,
  holmAdjust,
  JOURNAL_FILE,
  MergeAborted,
  makePlan,
  mergeResults,
  prepareRun,
  RunAborted,
  RunFailure,
  type RunOptions,
  type RunRecords,
  replicationSeed,
  runExperiment,
  validateExperiment,
  type WorldConfig,
} from "@cascade/experiment";
import { type PolicySpec, presets } from "@cascade/liquidation";
import { BUY, type Venue } from "@cascade/market";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MERGE_STAGING } from "../../packages/experiment/src/atomic-file.js";
import { encodeResult, indexJournal } from "../../packages/experiment/src/journal.js";
import { outputSpec, writeOutputs } from "../../packages/experiment/src/output.js";
import { lockOutputDir } from "../../packages/experiment/src/output-dir.js";
import { changedParts, configParts } from "../../packages/experiment/src/plan.js";
import {
  errorClass,
  runNotes,
  withoutRefusedFlags,
  workerExecArgv,
} from "../../packages/experiment/src/runner.js";
import tiny from "../e2e/fixtures/tiny.js";
import { fakeExperiment, fakeSimulate } from "./helpers.js";

/** A well-formed records.populations entry (for the checks of a custom simulate's records). */
const POP = (index: number): NonNullable<RunRecords["populations"]>[number] => ({
  name: index === 0 ? "marketMaker" : "noise",
  index,
  agents: 1,
  capital: 100,
  equity: 103,
  pnl: 3,
  tradedLots: 4,
  tradedNotional: 400,
  orders: 5,
  liquidations: 0,
});

const root = mkdtempSync(join(tmpdir(), "cascade-runner-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => join(root, `o${n++}`);
const FILES = [
  "runs.csv",
  "summary.csv",
  "comparison.csv",
  "timeseries.csv",
  "liquidations.csv",
  "manifest.json",
];
const read = (d: string, f: string) => readFileSync(join(d, f), "utf8");
/** A metric's values at one sweep point of runs.csv, in replication order. */
const metricAtPoint = (runs: string[][], metric: string, point: number) =>
  runs
    .slice(1)
    .filter((r) => r[1] === String(point))
    .map((r) => Number(r[runs[0].indexOf(metric)]));
const csv = (d: string, f: string) =>
  read(d, f)
    .trimEnd()
    .split("\n")
    .map((l) => l.split(","));
function sameFiles(a: string, b: string) {
  for (const f of FILES) expect(read(b, f), f).toBe(read(a, f));
}

/** What `f` writes on stderr while it runs (kept from the terminal), and what it resolves to. */
async function stderrOf<T>(f: () => Promise<T>): Promise<{ result: T; written: string[] }> {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await f(), written };
  } finally {
    process.stderr.write = write;
  }
}

/** Two custom agents on AAA acting every tick: agent `index`'s act at `tick` is `act(index, tick)`. */
function twoActing(name: string, act: (index: number, tick: number) => unknown): PopulationSpec {
  return customAgents({
    name,
    count: 2,
    capital: 1e6,
    activation: { every: 1 },
    instruments: ["AAA"],
    create: (_view, { index }) => ({ act: (tick: number) => act(index, tick) as undefined }),
  });
}

/** One short run of `tiny` (its populations, shocks and metrics) under `policy` alone. */
function oneRunUnder(policy: PolicySpec = tiny.liquidation as PolicySpec) {
  return {
    ...tiny,
    variants: undefined,
    baseline: undefined,
    replications: 1,
    ticks: 80,
    liquidation: policy,
  };
}

/** One short run of `tiny` with `custom` beside its first population, no shocks or metrics (`extra` overrides). */
function oneRunBeside(custom: PopulationSpec, extra: Record<string, unknown> = {}) {
  return {
    ...oneRunUnder(),
    shocks: [],
    metrics: undefined,
    populations: [tiny.populations[0], custom],
    ...extra,
  };
}

describe("runExperiment (in-process, fake world)", () => {
  const ref = dir();
  // The reference the later tests compare with (sameFiles), also when they run alone (-t): the
  // first test checks this output's files and runs it again in place.
  beforeAll(async () => {
    await runExperiment(fakeExperiment(), { out: ref, workers: 0 });
  });
  test("writes every file with its columns; common random numbers across variants", async () => {
    const out = await runExperiment(fakeExperiment(), { out: ref, workers: 0 });
    expect(out.total).toBe(10);
    expect(out.executed).toBe(10);
    expect(Object.keys(out.files).sort()).toEqual([
      "comparison",
      "liquidations",
      "manifest",
      "runInfo",
      "runs",
      "summary",
      "timeseries",
    ]);
    expect(existsSync(join(ref, JOURNAL_FILE))).toBe(false);
    const runs = csv(ref, "runs.csv");
    expect(runs[0].slice(0, 7)).toEqual([
      "variant",
      "point",
      "replication",
      "seed",
      "peak_drawdown",
      "peak_drawdown_X",
      "peak_drawdown_Y",
    ]);
    expect(runs.length).toBe(11);
    // replication r has the same seed under both variants; seeds depend on (root seed, r) only
    for (let r = 0; r < 5; r++) {
      expect(runs[1 + r][3]).toBe(String(replicationSeed(7, r)));
      expect(runs[6 + r][3]).toBe(runs[1 + r][3]);
      expect(runs[6 + r][0]).toBe("half");
    }
    expect(new Set(runs.slice(1, 6).map((r) => r[3])).size).toBe(5);
    expect(csv(ref, "summary.csv")[0]).toEqual([
      "variant",
      "point",
      "metric",
      "n",
      "mean",
      "sd",
      "ci_low",
      "ci_high",
      "median",
      "p05",
      "p95",
      "boot_low",
      "boot_high",
    ]);
    expect(csv(ref, "comparison.csv")[0]).toEqual([
      "variant",
      "baseline",
      "point",
      "baseline_point",
      "metric",
      "n_pairs",
      "mean_diff",
      "ci_low",
      "ci_high",
      "p_value",
      "p_holm",
      "effect_size",
      "p_wilcoxon",
      "p_wilcoxon_holm",
      "boot_low",
      "boot_high",
    ]);
    // the half-size shock is smaller: the paired drawdown difference is negative and significant
    const dd = csv(ref, "comparison.csv").find((r) => r[4] === "peak_drawdown_X") as string[];
    expect(dd.slice(0, 4)).toEqual(["half", "full", "0", "0"]);
    expect(Number(dd[6])).toBeLessThan(0);
    expect(Number(dd[9])).toBeLessThan(0.01);
    // boot_low, boot_high: the BCa interval of the per-replication differences read back from runs.csv
    const col = runs[0].indexOf("peak_drawdown_X");
    const diffs = [0, 1, 2, 3, 4].map((r) => Number(runs[6 + r][col]) - Number(runs[1 + r][col]));
    const [bootLow, bootHigh] = bootstrapInterval(diffs) as [number, number];
    expect(Number(dd[14])).toBeCloseTo(bootLow, 8);
    expect(Number(dd[15])).toBeCloseTo(bootHigh, 8);
    expect(bootLow < Number(dd[6]) && Number(dd[6]) < bootHigh).toBe(true);
    // 40 ticks sampled every 10 -> 4 ticks x 2 instruments per run
    expect(csv(ref, "timeseries.csv").length).toBe(1 + 10 * 8);
    // formula-looking text is escaped
    expect(read(ref, "liquidations.csv")).toContain(",'=leveraged[0].1,");
    const manifest = JSON.parse(read(ref, "manifest.json"));
    expect(manifest.seeds).toEqual([0, 1, 2, 3, 4].map((r) => replicationSeed(7, r)));
    expect(manifest).not.toHaveProperty("startedAt");
    expect(JSON.parse(read(ref, "run-info.json")).complete).toBe(true);
  });

  test("same inputs -> byte-identical files", async () => {
    const again = dir();
    await runExperiment(fakeExperiment(), { out: again, workers: 0 });
    sameFiles(ref, again);
  });

  test("shards 1/3..3/3 merged == one run", async () => {
    const shards = [1, 2, 3].map(() => dir());
    for (let i = 0; i < 3; i++) {
      const o = await runExperiment(fakeExperiment(), { out: shards[i], workers: 0, shard: `${i + 1}/3` });
      expect(o.total).toBe(i === 0 ? 4 : 3);
      expect(existsSync(join(shards[i], JOURNAL_FILE))).toBe(true);
      expect(existsSync(join(shards[i], "summary.csv"))).toBe(false);
    }
    const merged = dir();
    await expect(mergeResults(shards.slice(0, 2), { out: merged })).rejects.toThrow(
      /INCOMPLETE|6 of 10|first missing/,
    );
    expect(existsSync(merged)).toBe(false);
    // The same shard twice was accepted and counted as one more folder merged.
    await expect(mergeResults([shards[0], shards[1], `${shards[1]}/`], { out: merged })).rejects.toThrow(
      /dirs\.2 = ".*"; allowed: a folder not already given \(it is dirs\.1/,
    );
    const link = `${shards[0]}-link`;
    symlinkSync(shards[0], link);
    await expect(mergeResults([shards[0], link, shards[2]], { out: merged })).rejects.toThrow(
      /dirs\.1 = ".*-link"; allowed: a folder not already given \(it is dirs\.0/,
    );
    expect(existsSync(merged)).toBe(false);
    // --out naming a shard folder through a symlink would write the merged files over that shard's.
    const shardLink = `${shards[2]}-out-link`;
    symlinkSync(shards[2], shardLink);
    const shardFiles = readdirSync(shards[2]).sort();
    await expect(mergeResults(shards, { out: shardLink })).rejects.toThrow(
      /options\.out = ".*-out-link"; allowed: a folder other than the shard folders/,
    );
    expect(readdirSync(shards[2]).sort()).toEqual(shardFiles);
    expect(existsSync(join(shards[2], "summary.csv"))).toBe(false);
    await mergeResults(shards, { out: merged });
    sameFiles(ref, merged);
  });

  test("merge into a folder a run is writing to is refused, and leaves it alone", async () => {
    const a = dir();
    const b = dir();
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    const busy = dir();
    let merge: Promise<unknown> | undefined;
    await runExperiment(fakeExperiment(), {
      out: busy,
      workers: 0,
      onStart: () => {
        merge = mergeResults([a, b], { out: busy });
        merge.catch(() => {});
      },
    });
    await expect(merge).rejects.toThrow(/options\.out = ".*"; allowed: a folder no other run is writing to/);
    sameFiles(ref, busy);
  });

  test("merge refuses shards of different experiments", async () => {
    const a = dir();
    const b = dir();
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2", seed: 8 });
    await expect(mergeResults([a, b], { out: dir() })).rejects.toThrow(ValidationError);
    // The refusal says what differs, as a refused --resume does (no manual diff of the manifests).
    await expect(mergeResults([a, b], { out: dir() })).rejects.toThrow(
      /dirs\.1 = ".*"; allowed: shards of the same experiment run .*; they differ in: rootSeed \(7 in dirs\.0, 8 here\), seeds\)/,
    );
  });

  test("mergeResults' refusals name the library's calls and options (runExperiment, options.resume), not the command line's, and a bad dirs is an option error", async () => {
    const [a, b, whole] = [dir(), dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    await runExperiment(fakeExperiment(), { out: whole, workers: 0 });
    const refusal = (dirs: unknown) =>
      mergeResults(dirs as string[], { out: dir() }).then(
        () => expect.unreachable("merged"),
        (e: unknown) => e as ValidationError,
      );
    const incomplete = await refusal([a]);
    expect(incomplete.code).toBe("INCOMPLETE");
    expect(incomplete.allowed).toBe(
      "shard folders that together hold every run (run the missing shards with runExperiment, or finish them with options.resume)",
    );
    const notShard = await refusal([whole]);
    expect(notShard.message).toBe(
      `cannot merge: dirs.0 = ${JSON.stringify(whole)}; allowed: a folder written by runExperiment with options.shard i/N (with manifest.json and ${JOURNAL_FILE}); this one holds the complete results of a run without options.shard, which need no merge (writeReport writes their report)`,
    );
    // A whole line that is not a run (5 runs after the header: line 7).
    appendFileSync(join(b, JOURNAL_FILE), "garbage\n");
    const damaged = await refusal([a, b]);
    expect(damaged.code).toBe("DAMAGED_JOURNAL");
    expect(damaged.allowed).toBe(
      `a shard folder whose ${JOURNAL_FILE} holds only whole, readable runs (its line 7 is damaged or out of place; rerun that shard's runExperiment with options.resume, which drops such lines and runs them again)`,
    );
    for (const e of [incomplete, notShard, damaged]) {
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.message).not.toMatch(/--|cascade (run|merge|report)/);
    }
    // dirs is an argument of the library, not a command-line flag: the code of its other options.
    for (const dirs of [[], "results/s1", [a, 3]]) {
      const e = await refusal(dirs);
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.code).toBe("INVALID_OPTION");
    }
    expect((await refusal([])).message).toBe(
      "cannot merge: dirs = []; allowed: an array of one or more shard folders (paths)",
    );
    expect((await refusal("results/s1")).message).toBe(
      'cannot merge: dirs = "results/s1"; allowed: an array of one or more shard folders (paths)',
    );
    expect((await refusal([a, 3])).message).toBe(
      "cannot merge: dirs.1 = 3; allowed: a shard folder (a path, not empty)",
    );
  });

  test("merge names a folder that holds only a journal (a run stopped part-way), whose shard, and to finish it with options.resume", async () => {
    const [a, b, whole] = [dir(), dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    await runExperiment(fakeExperiment(), { out: whole, workers: 0 });
    // What a run stopped part-way leaves: its journal alone (a complete unsharded run removes its journal: one is written here).
    for (const f of readdirSync(b)) if (f !== JOURNAL_FILE) rmSync(join(b, f));
    for (const f of readdirSync(whole)) rmSync(join(whole, f));
    writeFileSync(join(whole, JOURNAL_FILE), read(a, JOURNAL_FILE).replace('"shard":"1/2"', '"shard":null'));
    const notShard =
      "a folder written by runExperiment with options.shard i/N (with manifest.json and journal.jsonl)";
    await expect(mergeResults([a, b], { out: dir() })).rejects.toThrow(
      `cannot merge: dirs.1 = ${JSON.stringify(b)}; allowed: ${notShard}; this one holds only ${JOURNAL_FILE}, of shard 2/2: a run stopped before its end (rerun that shard's runExperiment with options.resume to finish it)`,
    );
    await expect(mergeResults([whole], { out: dir() })).rejects.toThrow(
      `cannot merge: dirs.0 = ${JSON.stringify(whole)}; allowed: ${notShard}; this one holds only ${JOURNAL_FILE}, of a run without options.shard stopped before its end (rerun its runExperiment with options.resume to finish it; it then needs no merge)`,
    );
    // A shard still running (its run.lock held by a live process, this one) is not called stopped.
    const release = lockOutputDir(b);
    try {
      await expect(mergeResults([a, b], { out: dir() })).rejects.toThrow(
        new RegExp(
          `; this one holds only ${JOURNAL_FILE}, of shard 2/2, and process ${process.pid} of this machine \\(${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) has been writing to it since \\S+ \\(\\d+ s ago\\): merge once that run has finished$`,
        ),
      );
    } finally {
      release();
    }
  });

  test("merge names what differs between shards' manifests as a refused resume does: code state with its values, the source by its part", async () => {
    const [a, b] = [dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    // Shard 2 ran on a machine with other package versions and uncommitted changes (the code
    // state is not fingerprinted: its journal still belongs to its manifest).
    const m = JSON.parse(read(b, "manifest.json"));
    const edited = {
      ...m,
      versions: { ...m.versions, "@cascade/core": "9.9.9" },
      gitDirty: !m.gitDirty,
    };
    writeFileSync(join(b, "manifest.json"), `${JSON.stringify(edited, null, 2)}\n`);
    await expect(mergeResults([a, b], { out: dir() })).rejects.toThrow(
      `; they differ in: versions, gitDirty (${m.gitDirty} in dirs.0, ${!m.gitDirty} here))`,
    );
    // Shards of an experiment file edited between them: the part of the source that changed.
    const file = join(root, "edited-between-shards.ts");
    const tinyPath = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)).replace(
      /\.ts$/,
      ".js",
    );
    const text = `import tiny from ${JSON.stringify(tinyPath)};\nexport default { ...tiny, replications: 2, ticks: 80 };\n`;
    const [c, d] = [dir(), dir()];
    writeFileSync(file, text);
    await runExperiment(file, { out: c, workers: 0, shard: "1/2" });
    writeFileSync(file, `// a comment added before shard 2 ran\n${text}`);
    await runExperiment(file, { out: d, workers: 0, shard: "2/2" });
    await expect(mergeResults([c, d], { out: dir() })).rejects.toThrow(
      "; they differ in: source (the experiment file's text: any edit counts))",
    );
  });

  test("merge checks each shard's journal against that shard's own manifest, and names the shard whose journal is another's", async () => {
    const [a, b, c, d] = [dir(), dir(), dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    await runExperiment(fakeExperiment(), { out: c, workers: 0, shard: "1/2", seed: 8 });
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "2/2", seed: 8 });
    // Both shards' journals are of seed 8 while their manifests say seed 7 (copied over by hand):
    // the journals agree with each other, and were merged as seed 7's results.
    writeFileSync(join(a, JOURNAL_FILE), readFileSync(join(c, JOURNAL_FILE)));
    writeFileSync(join(b, JOURNAL_FILE), readFileSync(join(d, JOURNAL_FILE)));
    const merged = dir();
    const both = mergeResults([a, b], { out: merged });
    await expect(both).rejects.toThrow(ValidationError);
    await expect(both).rejects.toThrow(
      `cannot merge: dirs.0 = ${JSON.stringify(a)}; allowed: a shard folder whose ${JOURNAL_FILE} belongs to its manifest.json (its journal is of another configuration; they differ in: rootSeed (8 in the journal, 7 in the manifest), seeds; rerun that shard)`,
    );
    // Only the second shard's journal is another's: that shard is named, not the first.
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await expect(mergeResults([a, b], { out: merged })).rejects.toThrow(
      new RegExp(
        `^cannot merge: dirs\\.1 = ${JSON.stringify(b).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}; allowed: a shard folder whose`,
      ),
    );
    expect(existsSync(merged)).toBe(false);
  });

  test("merge with an AbortSignal: aborted while writing, it rejects with MergeAborted and leaves --out empty (no .tmp, no run.lock)", async () => {
    const [a, b] = [dir(), dir()];
    await runExperiment(fakeExperiment({ replications: 30 }), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment({ replications: 30 }), { out: b, workers: 0, shard: "2/2" });
    const shardFiles = readdirSync(a).sort();
    const merged = dir();
    const controller = new AbortController();
    // Polls on every turn of the event loop, as the CLI's Ctrl-C handler would get to run.
    const poll = () => {
      if (existsSync(join(merged, MERGE_STAGING, "summary.csv.cascade.tmp")))
        controller.abort(new Error("interrupted (SIGINT)"));
      else setImmediate(poll);
    };
    poll();
    const err = await mergeResults([a, b], { out: merged, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MergeAborted);
    expect((err as Error).message).toBe(
      `merge aborted: nothing was written to ${merged} (the shard folders are untouched); merge again to write it`,
    );
    expect(readdirSync(merged)).toEqual([]);
    expect(readdirSync(a).sort()).toEqual(shardFiles);
    // Aborted before it starts: --out is not even made.
    const early = dir();
    await expect(mergeResults([a, b], { out: early, signal: AbortSignal.abort() })).rejects.toThrow(
      MergeAborted,
    );
    expect(existsSync(early)).toBe(false);
  });

  test("a merge over earlier results writes beside them and replaces them at the end: stopped midway, the earlier results are kept whole", async () => {
    const shardsOf = async (seed: number) => {
      const [a, b] = [dir(), dir()];
      await runExperiment(fakeExperiment({ replications: 30 }), { out: a, workers: 0, shard: "1/2", seed });
      await runExperiment(fakeExperiment({ replications: 30 }), { out: b, workers: 0, shard: "2/2", seed });
      return [a, b];
    };
    const earlier = await shardsOf(8);
    const later = await shardsOf(7);
    const out = dir();
    await mergeResults(earlier, { out });
    writeFileSync(join(out, "report.html"), "<p>the earlier results' report</p>\n");
    const names = [...FILES, "run-info.json", "report.html"].sort();
    const snapshot = () => Object.fromEntries(readdirSync(out).map((f) => [f, read(out, f)]));
    const before = snapshot();
    expect(Object.keys(before).sort()).toEqual(names);
    // Stopped at each stage of the writing: the folder is as it was, nothing of the new merge in it.
    for (const stage of ["runs.csv.cascade.tmp", "summary.csv.cascade.tmp", "comparison.csv.cascade.tmp"]) {
      const controller = new AbortController();
      const poll = () => {
        // (where it is written: beside the results, or, as before, in their place)
        if (existsSync(join(out, MERGE_STAGING, stage)) || existsSync(join(out, stage)))
          controller.abort(new Error("interrupted (SIGINT)"));
        else setImmediate(poll);
      };
      poll();
      const err = await mergeResults(later, { out, signal: controller.signal }).catch((e: unknown) => e);
      expect(err, stage).toBeInstanceOf(MergeAborted);
      expect(snapshot(), stage).toEqual(before);
    }
    // Completed: the later results, byte for byte those of a merge into an empty folder.
    await mergeResults(later, { out });
    const fresh = dir();
    await mergeResults(later, { out: fresh });
    sameFiles(fresh, out);
    expect(readdirSync(out).sort()).toEqual([...FILES, "run-info.json"].sort());
  });

  test("a merge into a folder holding a stopped run's journal removes it with the earlier results: a later resume there cannot take it up", async () => {
    const [a, b] = [dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    const out = dir();
    // a run stopped part-way leaves its journal alone (no manifest.json beside it)
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, JOURNAL_FILE), readFileSync(join(a, JOURNAL_FILE)));
    await mergeResults([a, b], { out });
    expect(readdirSync(out).sort()).toEqual([...FILES, "run-info.json"].sort());
    const fresh = dir();
    await mergeResults([a, b], { out: fresh });
    sameFiles(fresh, out);
  });

  test("a merge says what it replaces in --out, in a run's words where the case is the same; the merged files are those of a merge into an empty folder", async () => {
    const shardsOf = async (seed: number) => {
      const [a, b] = [dir(), dir()];
      await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2", seed });
      await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2", seed });
      return [a, b];
    };
    const shards = await shardsOf(7);
    const fresh = dir();
    expect((await mergeResults(shards, { out: fresh })).notes).toEqual([]);
    const merged = [...FILES, "run-info.json"].sort();
    /** Merges `shards` into a folder `prepare` fills; its notes, after checking the folder holds the merged files alone. */
    const notesOver = async (prepare: (out: string) => Promise<void> | void) => {
      const out = dir();
      mkdirSync(out, { recursive: true });
      await prepare(out);
      const { notes } = await mergeResults(shards, { out });
      expect(readdirSync(out).sort()).toEqual(merged);
      sameFiles(fresh, out);
      return notes.map((note) => note.replace(relative(process.cwd(), out), "OUT"));
    };
    const copy = (from: string, to: string) => {
      for (const f of readdirSync(from)) writeFileSync(join(to, f), readFileSync(join(from, f)));
    };
    // complete results: of this configuration, of another (seed 8), of a shard (it keeps its journal)
    expect(await notesOver((out) => copy(fresh, out))).toEqual([
      "note: OUT/ held the results of this configuration; this merge replaces them",
    ]);
    const other = dir();
    await mergeResults(await shardsOf(8), { out: other });
    expect(await notesOver((out) => copy(other, out))).toEqual([
      "note: OUT/ held the results of another configuration (they differ in: rootSeed (8 there, 7 now), seeds); this merge replaces them",
    ]);
    expect(await notesOver((out) => copy(shards[0], out))).toEqual([
      "note: OUT/ held other results (another configuration or shard, or unreadable ones); this merge replaces them",
    ]);
    expect(
      await notesOver((out) => {
        copy(fresh, out);
        writeFileSync(join(out, "run-info.json"), "[]");
      }),
    ).toEqual([
      "note: OUT/ held other results (another configuration or shard, or unreadable ones); this merge replaces them",
    ]);
    // result files not marked complete (no run-info.json) beside Cascade's manifest.json: a copy
    // (without one they are refused: out-folder-files.test.ts)
    expect(
      await notesOver((out) => {
        writeFileSync(join(out, "manifest.json"), read(other, "manifest.json"));
        writeFileSync(join(out, "runs.csv"), read(other, "runs.csv"));
        writeFileSync(join(out, "report.html"), "<p>an earlier report</p>\n");
      }),
    ).toEqual([
      "note: OUT/ held result files not marked complete (no run-info.json: manifest.json, report.html, runs.csv); this merge replaces them",
    ]);
    // the journal of a stopped run: a shard's (another shard), an unsharded one of this configuration
    const journal = read(shards[0], JOURNAL_FILE).split("\n");
    expect(
      await notesOver((out) => writeFileSync(join(out, JOURNAL_FILE), `${journal.slice(0, 3).join("\n")}\n`)),
    ).toEqual([
      `note: OUT/ held a stopped run of another configuration or shard (2 runs done, in ${JOURNAL_FILE}); this merge replaces it`,
    ]);
    const unsharded = journal[0].replace('"shard":"1/2"', '"shard":null');
    expect(
      await notesOver((out) =>
        writeFileSync(join(out, JOURNAL_FILE), `${[unsharded, ...journal.slice(1, 4)].join("\n")}\n`),
      ),
    ).toEqual([
      `note: OUT/ held a stopped run of this configuration (3 of 10 runs done, in ${JOURNAL_FILE}); this merge replaces it with the results of every run`,
    ]);
    // a journal of Cascade's cut short in its header (another tool's is refused: out-folder-files.test.ts)
    expect(await notesOver((out) => writeFileSync(join(out, JOURNAL_FILE), journal[0].slice(0, 40)))).toEqual(
      [`note: OUT/ held an unreadable ${JOURNAL_FILE} (of a stopped run); this merge removes it`],
    );
    // a journal that holds no run yet loses nothing: no note, as for a run
    expect(await notesOver((out) => writeFileSync(join(out, JOURNAL_FILE), `${journal[0]}\n`))).toEqual([]);
    // with progress on, a script or notebook sees them on stderr, as runExperiment's
    const { result, written } = await stderrOf(() => mergeResults(shards, { out: fresh, progress: "lines" }));
    expect(result.notes).toHaveLength(1);
    expect(written.filter((w) => w.startsWith("note:"))).toEqual([`${result.notes[0]}\n`]);
  });

  test("merge refuses a shard whose journal holds a damaged line, naming the shard and the line; nothing written", async () => {
    const a = dir();
    const b = dir();
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    const journal = join(b, JOURNAL_FILE);
    const lines = readFileSync(journal, "utf8").split("\n");
    // A damaged byte in a run's JSON (the run number still readable): a disk or a hand edit.
    lines[2] = `${lines[2].slice(0, 20)}@${lines[2].slice(21)}`;
    writeFileSync(journal, lines.join("\n"));
    const merged = dir();
    const m = mergeResults([a, b], { out: merged });
    await expect(m).rejects.toThrow(ValidationError);
    await expect(m).rejects.toThrow(/dirs\.1 = ".*"; allowed: .*line 3 .*options\.resume/);
    expect(existsSync(merged)).toBe(false);
  });

  test("final files that fail midway leave nothing half-written: no .tmp file, no final file, no stray rejection", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    const journal = join(d, JOURNAL_FILE);
    const { index } = indexJournal(journal, 10, () => true, false);
    // Damage run 6's JSON in place (same length): the failure comes after runs 0-5 were copied.
    const text = readFileSync(journal, "utf8");
    const at = (index.get(6)?.offset ?? 0) + 3;
    writeFileSync(journal, `${text.slice(0, at)}@${text.slice(at + 1)}`);
    const out = dir();
    mkdirSync(out);
    const manifest = JSON.parse(read(d, "manifest.json"));
    await expect(
      writeOutputs({
        outDir: out,
        manifestText: read(d, "manifest.json"),
        spec: outputSpec(manifest),
        index,
        statistics: true,
      }),
    ).rejects.toThrow(SyntaxError);
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(out)).toEqual([]);
  });

  test("the statistics step counts its progress: one per summary.csv row and comparison, then stops", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    const { index } = indexJournal(join(d, JOURNAL_FILE), 10, () => true, false);
    const out = dir();
    mkdirSync(out);
    const calls: string[] = [];
    await writeOutputs({
      outDir: out,
      manifestText: read(d, "manifest.json"),
      spec: outputSpec(JSON.parse(read(d, "manifest.json"))),
      index,
      statistics: true,
      statisticsProgress: {
        start: (total, done) => calls.push(`start ${total} ${done}`),
        update: (done) => calls.push(String(done)),
        stop: () => calls.push("stop"),
      },
    });
    const rows = (f: string) => read(out, f).trimEnd().split("\n").length - 1;
    const total = rows("summary.csv") + rows("comparison.csv");
    expect(rows("comparison.csv")).toBeGreaterThan(0);
    expect(calls).toEqual([
      `start ${total} 0`,
      ...Array.from({ length: total }, (_, i) => String(i + 1)),
      "stop",
    ]);
  });

  test("a second run into a folder a run is writing to is refused (exit 2), and the first one's results are whole", async () => {
    const d = dir();
    let second: Promise<unknown> | undefined;
    const first = runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      // Another shard of the same study sent to the same --out (a job array's --out without its index).
      onStart: () => {
        second = runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "2/2" });
        second.catch(() => {});
      },
    });
    await first;
    await expect(second).rejects.toThrow(ValidationError);
    await expect(second).rejects.toThrow(
      /cannot write results: options\.out = ".*"; allowed: a folder no other run is writing to \(process \d+ of this machine \(\S+\) has been writing to it since \S+ \(\d+ s ago\);/,
    );
    sameFiles(ref, d);
    expect(readdirSync(d).sort()).toEqual([...FILES, "run-info.json"].sort());
    // Released: the next run into the folder goes ahead.
    await runExperiment(fakeExperiment(), { out: d, workers: 0 });
    sameFiles(ref, d);
  });

  test("run.lock left behind: a dead process of this machine's and an unreadable old one are taken over; another machine's is shown (pid, host, start) and kept", async () => {
    const lockOf = (d: string) => join(d, "run.lock");
    // A process of this machine that has exited (kill -9 leaves its lock).
    const dead = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const d1 = dir();
    mkdirSync(d1);
    writeFileSync(
      lockOf(d1),
      `${JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" })}\n`,
    );
    await runExperiment(fakeExperiment(), { out: d1, workers: 0 });
    sameFiles(ref, d1);
    expect(existsSync(lockOf(d1))).toBe(false);
    // Empty (its writer stopped between creating and writing it), a minute old: taken over.
    const d2 = dir();
    mkdirSync(d2);
    writeFileSync(lockOf(d2), "");
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockOf(d2), minuteAgo, minuteAgo);
    await runExperiment(fakeExperiment(), { out: d2, workers: 0 });
    expect(existsSync(lockOf(d2))).toBe(false);
    // Another machine's (a shared file system): this one cannot tell if it still runs.
    const d3 = dir();
    mkdirSync(d3);
    const startedAt = new Date(Date.now() - 3 * 3600_000).toISOString();
    const lock = `${JSON.stringify({ pid: 4242, host: "node-17.cluster", startedAt })}\n`;
    writeFileSync(lockOf(d3), lock);
    await expect(runExperiment(fakeExperiment(), { out: d3, workers: 0 })).rejects.toThrow(
      `cannot write results: options.out = ${JSON.stringify(d3)}; allowed: a folder no other run is writing to (process 4242 on another machine, node-17.cluster, has been writing to it since ${startedAt} (3 h ago); whether it still runs cannot be told from here; give each run, and each shard, its own options.out, or delete ${lockOf(d3)} if no run uses the folder)`,
    );
    expect(readFileSync(lockOf(d3), "utf8")).toBe(lock);
    // A fresh empty one may be a run writing it this instant: refused, not taken.
    const d4 = dir();
    mkdirSync(d4);
    writeFileSync(lockOf(d4), "");
    await expect(runExperiment(fakeExperiment(), { out: d4, workers: 0 })).rejects.toThrow(
      `(${lockOf(d4)} is being written by another run, or is unreadable;`,
    );
  });

  test("run.lock whose pid is alive but started at another time (a reused pid) is taken over on Linux; one of the same start is refused", async () => {
    if (!existsSync(`/proc/${process.pid}/stat`)) return; // Linux only: elsewhere the pid alone decides
    const lockOf = (d: string) => join(d, "run.lock");
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const myStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    expect(myStart).toMatch(/^\d+$/);
    // This test's own pid, alive, in a lock written by a process that started earlier: that
    // process is gone, and its pid was reused (by this one).
    const reused = dir();
    mkdirSync(reused);
    const lock = (pidStart: string) =>
      `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z", pidStart })}\n`;
    writeFileSync(lockOf(reused), lock(String(Number(myStart) - 1)));
    await runExperiment(fakeExperiment(), { out: reused, workers: 0 });
    sameFiles(ref, reused);
    expect(existsSync(lockOf(reused))).toBe(false);
    // The same pid and start: the holder still runs.
    const held = dir();
    mkdirSync(held);
    writeFileSync(lockOf(held), lock(myStart));
    await expect(runExperiment(fakeExperiment(), { out: held, workers: 0 })).rejects.toThrow(
      `(process ${process.pid} of this machine (${hostname()}) has been writing to it since 2026-01-01T00:00:00.000Z`,
    );
    expect(readFileSync(lockOf(held), "utf8")).toBe(lock(myStart));
    // A lock without a start time (an older Cascade's, another OS's): the live pid decides.
    const old = dir();
    mkdirSync(old);
    writeFileSync(
      lockOf(old),
      `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" })}\n`,
    );
    await expect(runExperiment(fakeExperiment(), { out: old, workers: 0 })).rejects.toThrow(
      /OUTPUT_IN_USE|no other run/,
    );
    // A run's own lock records its start time.
    let recorded: unknown;
    const mine = dir();
    await runExperiment(fakeExperiment(), {
      out: mine,
      workers: 0,
      onStart: () => {
        recorded = JSON.parse(readFileSync(lockOf(mine), "utf8"));
      },
    });
    expect(recorded).toMatchObject({ pid: process.pid, host: hostname(), pidStart: myStart });
  });

  test("temporary files a killed run left (<name>.cascade.tmp: journal compaction, run-info.json, a final file) are removed by the next run, by --resume and by a merge; a researcher's own <name>.tmp and other files are kept as they were", async () => {
    const plant = (d: string) => {
      for (const f of [
        "journal.jsonl.cascade.tmp",
        "journal.jsonl.replaced.cascade.tmp",
        "run-info.json.cascade.tmp",
        "runs.csv.cascade.tmp",
        "manifest.json.cascade.tmp",
        "comparison.csv.cascade.tmp", // a shard run never writes it: nothing else replaces it
      ])
        writeFileSync(join(d, f), "half-written\n");
      // Not of Cascade's naming, or not a file Cascade writes: the user's. `<name>.tmp` (the naming
      // of earlier versions) may be a researcher's own runs.csv.tmp: neither removed nor overwritten.
      for (const f of ownFiles) writeFileSync(join(d, f), `mine: ${f}\n`);
      mkdirSync(join(d, "summary.csv.cascade.tmp"), { recursive: true });
    };
    const ownFiles = [
      "journal.jsonl.cascade.tmp.bak",
      "journal.jsonl.tmp",
      "manifest.json.tmp",
      "notes.tmp",
      "run-info.json.tmp",
      "runs.csv.tmp",
      "timeseries.csv.tmp",
    ];
    const kept = (d: string) => {
      for (const f of ownFiles) expect(read(d, f), f).toBe(`mine: ${f}\n`);
      return readdirSync(d)
        .filter((f) => f.endsWith(".tmp") || f.includes(".tmp."))
        .sort();
    };
    const userFiles = [...ownFiles, "summary.csv.cascade.tmp"].sort();
    const d = dir();
    mkdirSync(d);
    plant(d);
    // (summary.csv.cascade.tmp is a folder: the run cannot write summary.csv, so this shard run has none)
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/2" });
    expect(readdirSync(d).sort()).toEqual(
      [
        JOURNAL_FILE,
        "liquidations.csv",
        "manifest.json",
        "run-info.json",
        "runs.csv",
        "timeseries.csv",
        ...userFiles,
      ].sort(),
    );
    expect(kept(d)).toEqual(userFiles);
    plant(d);
    const resumed = await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/2", resume: true });
    expect(resumed.executed).toBe(0);
    expect(kept(d)).toEqual(userFiles);
    // A merge into a folder a killed run or merge left them in.
    const other = dir();
    await runExperiment(fakeExperiment(), { out: other, workers: 0, shard: "2/2" });
    const merged = dir();
    mkdirSync(merged);
    plant(merged);
    rmSync(join(merged, "summary.csv.cascade.tmp"), { recursive: true }); // a merge writes summary.csv
    await mergeResults([d, other], { out: merged });
    expect(kept(merged)).toEqual(ownFiles);
  });

  test("a run stopped after its final files but before run-info.json keeps its journal: --resume reruns nothing", async () => {
    const d = dir();
    mkdirSync(d);
    // run-info.json cannot be written (its temporary name is taken by a folder): the last step fails.
    mkdirSync(join(d, "run-info.json.cascade.tmp"));
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0 })).rejects.toThrow(
      `cannot write results: options.out = ${JSON.stringify(d)}; allowed: a folder this process can create and write to (run-info.json could not be written: EISDIR: illegal operation on a directory, open '${join(d, "run-info.json.cascade.tmp")}'; all 10 runs are kept in ${join(d, JOURNAL_FILE)}, the other files are written but not marked complete: fix the cause, then rerun runExperiment with options.resume to write them)`,
    );
    expect(existsSync(join(d, JOURNAL_FILE))).toBe(true);
    rmSync(join(d, "run-info.json.cascade.tmp"), { recursive: true });
    const resumed = await runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true });
    expect(resumed.executed).toBe(0);
    expect(resumed.resumed).toBe(10);
    expect(existsSync(join(d, JOURNAL_FILE))).toBe(false);
    sameFiles(ref, d);
  });

  test("a disk that fills up while the final files are written fails the run (no hang), leaving only the journal", async () => {
    if (!existsSync("/dev/full")) return; // Linux: every write to /dev/full fails with ENOSPC
    const d = dir();
    mkdirSync(d);
    // timeseries.csv's temporary file lands on /dev/full: its writes fail once the buffer fills.
    symlinkSync("/dev/full", join(d, "timeseries.csv.cascade.tmp"));
    const run = runExperiment(fakeExperiment({ replications: 30, ticks: 400, sampleEvery: 1 }), {
      out: d,
      workers: 0,
    });
    const outcome = await Promise.race([
      run.then(
        () => "resolved",
        (e: Error) => e.message,
      ),
      new Promise((r) => setTimeout(() => r("hung"), 5000)),
    ]);
    expect(outcome).toMatch(/ENOSPC/);
    expect(readdirSync(d).sort()).toEqual([JOURNAL_FILE]);
  });

  test("resume after a crash: torn last line dropped, finished runs kept, same bytes", async () => {
    const d = dir();
    // Start the run and "crash" it: take its journal and keep only some runs plus a torn line.
    const def = fakeExperiment();
    const plan = makePlan(validateExperiment(def));
    await runExperiment(def, { out: d, workers: 0, shard: "1/1" });
    const journal = join(d, JOURNAL_FILE);
    const lines = readFileSync(journal, "utf8").split("\n");
    writeFileSync(journal, `${lines.slice(0, 4).join("\n")}\n`); // header + 3 runs
    const torn = encodeResult(plan, executeRun(plan, 7));
    appendFileSync(journal, torn.slice(0, torn.length >> 1));
    for (const f of readdirSync(d)) if (f !== JOURNAL_FILE) rmSync(join(d, f));
    const o = await runExperiment(def, { out: d, workers: 0, shard: "1/1", resume: true });
    expect(o.resumed).toBe(3);
    expect(o.executed).toBe(7);
    const body = readFileSync(journal, "utf8").trimEnd().split("\n");
    expect(body.length).toBe(11);
    expect(new Set(body.slice(1).map((l) => l.split("\t")[0])).size).toBe(10);
    sameFiles(ref, d);
  });

  test("resume: runs started at another commit make the manifest's gitDirty true", async () => {
    const d = dir();
    const def = fakeExperiment();
    await runExperiment(def, { out: d, workers: 0, shard: "1/1" });
    const journal = join(d, JOURNAL_FILE);
    const [first, ...rest] = readFileSync(journal, "utf8").split("\n");
    const header = JSON.parse(first);
    const now = JSON.parse(read(d, "manifest.json"));
    expect([header.git, header.gitDirty]).toEqual([now.git, now.gitDirty]); // the journal keeps them
    const resume = async (git: unknown, gitDirty: unknown) => {
      writeFileSync(
        journal,
        `${[JSON.stringify({ ...header, git, gitDirty }), ...rest.slice(0, 3)].join("\n")}\n`,
      );
      for (const f of readdirSync(d)) if (f !== JOURNAL_FILE) rmSync(join(d, f));
      await runExperiment(def, { out: d, workers: 0, shard: "1/1", resume: true });
      return JSON.parse(read(d, "manifest.json")).gitDirty;
    };
    if (now.git === null) return; // not run from a git checkout: nothing to compare
    expect(await resume("0".repeat(40), false)).toBe(true);
    expect(await resume(now.git, true)).toBe(true);
    expect(await resume(now.git, now.gitDirty)).toBe(now.gitDirty); // same code throughout
  });

  test("resume: runs started with other Cascade code make cascadeGitDirty true (a study outside the repository)", async () => {
    const d = dir();
    const outside = dir();
    mkdirSync(outside);
    const def = fakeExperiment();
    const opts = { out: d, workers: 0, shard: "1/1", cwd: outside } as const;
    await runExperiment(def, opts);
    const journal = join(d, JOURNAL_FILE);
    const [first, ...rest] = readFileSync(journal, "utf8").split("\n");
    const header = JSON.parse(first);
    const now = JSON.parse(read(d, "manifest.json"));
    if (now.cascadeGit === undefined) return; // not run from a git checkout: nothing to compare
    expect([header.cascadeGit, header.cascadeGitDirty]).toEqual([now.cascadeGit, now.cascadeGitDirty]);
    const resume = async (cascadeGit: unknown, cascadeGitDirty: unknown) => {
      writeFileSync(
        journal,
        `${[JSON.stringify({ ...header, cascadeGit, cascadeGitDirty }), ...rest.slice(0, 3)].join("\n")}\n`,
      );
      for (const f of readdirSync(d)) if (f !== JOURNAL_FILE) rmSync(join(d, f));
      await runExperiment(def, { ...opts, resume: true });
      return JSON.parse(read(d, "manifest.json")).cascadeGitDirty;
    };
    expect(await resume("0".repeat(40), false)).toBe(now.cascadeGitDirty === null ? null : true);
    expect(await resume(now.cascadeGit, now.cascadeGitDirty)).toBe(now.cascadeGitDirty);
  });

  test("resume refuses a journal of another configuration", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    await expect(
      runExperiment(fakeExperiment({ ticks: 30 }), { out: d, workers: 0, shard: "1/1", resume: true }),
    ).rejects.toThrow(/cannot resume: .*\(this one differs in: config, variants;/);
    await expect(
      runExperiment(fakeExperiment({ replications: 3 }), { out: d, workers: 0, shard: "1/1", resume: true }),
    ).rejects.toThrow(/differs in: replications \(5 there, 3 now\), seeds, runs \(10 there, 6 now\);/);
    await expect(
      runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/2", resume: true }),
    ).rejects.toThrow(/shard 1\/2 \(this one is of shard 1\/1;/);
  });

  test("resume without a journal: complete results of this configuration are kept, of another one refused", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0 });
    const before = readdirSync(d).sort();
    const runs = read(d, "runs.csv");
    const again = await runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true });
    expect([again.executed, again.resumed]).toEqual([0, 10]);
    // Another seed is another configuration: refused, and the folder is left exactly as it was.
    const other = runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true, seed: 5 });
    await expect(other).rejects.toThrow(ValidationError);
    await expect(other).rejects.toThrow(
      /cannot resume: options\.resume = ".*"; allowed: a folder holding an interrupted run .*\(the results here differ in: rootSeed \(\d+ there, 5 now\), seeds;/,
    );
    expect(readdirSync(d).sort()).toEqual(before);
    expect(read(d, "runs.csv")).toBe(runs);
    // An empty or new folder: --resume simply runs.
    const fresh = await runExperiment(fakeExperiment(), { out: dir(), workers: 0, resume: true });
    expect(fresh.executed).toBe(10);
  });

  test("a custom simulate or metric that throws a value other than an Error: the run failure says what it was, by what", async () => {
    const cases: Array<[Partial<ExperimentDefinition>, string]> = [
      [
        {
          simulate: () => {
            throw 42;
          },
        },
        "simulate threw a number, not an Error: 42",
      ],
      [
        {
          metrics: {
            custom: {
              gap: () => {
                throw ["no", "gap"];
              },
            },
          },
        },
        'custom metric failed: metrics.custom.gap threw an array, not an Error: ["no","gap"]',
      ],
      [
        {
          metrics: {
            custom: {
              gap: () => {
                throw undefined;
              },
            },
          },
        },
        "custom metric failed: metrics.custom.gap threw undefined, not an Error",
      ],
    ];
    for (const [over, message] of cases) {
      const failed = await runExperiment(fakeExperiment(over), { out: dir(), workers: 0 }).catch((e) => e);
      expect(failed.name).toBe("RunFailure");
      // the package exports the class, so a script can tell a run's failure apart with instanceof
      expect(failed).toBeInstanceOf(RunFailure);
      expect(failed.message).toMatch(/^run 0 failed \(variant "full", point 0, replication 0, seed \d+\): /);
      expect(failed.message.endsWith(message), failed.message).toBe(true);
      expect(failed.thrownAs).toBe("NotAnError");
    }
  });

  test("a custom trigger, or an observer it subscribed, that throws a value other than an Error: the failure names the trigger", async () => {
    // Both pass validation's scratch-market tries (accounts "trigger-check-..."), then throw in the run.
    const inRun = (venue: Venue, account: number) => !venue.label(account).startsWith("trigger-check");
    const lookup = (test: (venue: Venue, account: number) => boolean) => ({
      ...presets.fullClose(),
      name: "lookup",
      trigger: { kind: "custom" as const, test },
    });
    const subscribed = new WeakSet<Venue>();
    const cases: Array<[ReturnType<typeof lookup>, RegExp]> = [
      [
        lookup((venue, account) => {
          if (inRun(venue, account)) throw "no data";
          return false;
        }),
        /\(variant "default", point 0, replication 0, seed \d+\): custom trigger failed: liquidation\.trigger\.test of policy "lookup" on account [A-Za-z]+\[\d\]\.\d+ at tick \d+ threw a string, not an Error: "no data"$/,
      ],
      [
        lookup((venue, account) => {
          if (inRun(venue, account) && !subscribed.has(venue)) {
            subscribed.add(venue);
            venue.fills$.subscribe(() => {
              throw { code: 7 };
            });
          }
          return false;
        }),
        /\(variant "default", point 0, replication 0, seed \d+\): an observer of a venue stream \(policy "lookup", whose custom trigger may have subscribed it\) threw an object, not an Error: \{"code":7\}$/,
      ],
    ];
    for (const [policy, message] of cases) {
      const def = oneRunUnder(policy);
      const failed = await runExperiment(def, { out: dir(), workers: 0 }).catch((e) => e);
      expect(failed.name, failed.message).toBe("RunFailure");
      expect(failed.message).toMatch(message);
      expect(failed.thrownAs).toBe("NotAnError");
    }
  });

  test("an observer that throws a value other than an Error during a custom agent's act: the failure names the observer, not the agent", async () => {
    // The only taker is a custom agent, so every fill happens in its act; the custom trigger
    // subscribes the throwing observer once the first fill has made positions for it to test.
    const subscribed = new WeakSet<Venue>();
    const policy = {
      ...presets.fullClose(),
      name: "watching",
      trigger: {
        kind: "custom" as const,
        test: (venue: Venue, _account: number) => {
          if (!venue.label(_account).startsWith("trigger-check") && !subscribed.has(venue)) {
            subscribed.add(venue);
            venue.fills$.subscribe(() => {
              throw { code: 7 };
            });
          }
          return false;
        },
      },
    };
    const def = oneRunBeside(
      customAgents({
        name: "taker",
        count: 1,
        capital: 1e6,
        activation: { every: 1 },
        instruments: ["AAA"],
        create: (view, { instrument }) => ({
          act() {
            view.ioc(instrument, BUY, 1, view.mid(instrument) * 1.01);
          },
        }),
      }),
      { liquidation: policy },
    );
    const failed = await runExperiment(def, { out: dir(), workers: 0 }).catch((e) => e);
    expect(failed.name, failed.message).toBe("RunFailure");
    expect(failed.message).toMatch(
      /^run 0 failed \(variant "default", point 0, replication 0, seed \d+\): an observer of a venue stream \(policy "watching", whose custom trigger may have subscribed it\) threw an object, not an Error: \{"code":7\}$/,
    );
    expect(failed.message).not.toContain("custom agent failed");
    expect(failed.thrownAs).toBe("NotAnError");
  });

  test("a custom agent's Error names the population, the agent and the tick, and keeps its stack", async () => {
    const def = oneRunBeside(
      twoActing("fragile", (index, tick) => {
        if (index === 1 && tick === 50) throw new RangeError("no quote at tick 50");
      }),
    );
    const failed = await runExperiment(def, { out: dir(), workers: 0 }).catch((e) => e);
    expect(failed.name, failed.message).toBe("RunFailure");
    expect(failed.message).toMatch(
      /^run 0 failed \(variant "default", point 0, replication 0, seed \d+\): custom agent failed: populations\.1 \("fragile"\) agent 1's act at tick 50 threw: no quote at tick 50$/,
    );
    // the researcher's line is still in the stack, under the original error's own first line
    expect(failed.stack).toContain("RangeError: no quote at tick 50\n");
    expect(failed.stack).toMatch(/runner\.test\.ts:\d+:\d+/);
    expect(failed.fromExperimentCode).toBe(true);
  });

  test("a custom agent whose act returns a Promise fails the run at that act, and what the Promise throws is no unhandled rejection", async () => {
    const def = oneRunBeside(
      // not async itself (refused when built): a function that hands back a Promise
      twoActing("lazy", (index, tick) =>
        index === 1 && tick === 50 ? Promise.reject(new Error("too late")) : undefined,
      ),
    );
    const failed = await runExperiment(def, { out: dir(), workers: 0 }).catch((e) => e);
    expect(failed.name, failed.message).toBe("RunFailure");
    expect(failed.message).toMatch(
      /^run 0 failed \(variant "default", point 0, replication 0, seed \d+\): custom agent failed: populations\.1 \("lazy"\) agent 1's act at tick 50: populations\.1\.create = "an agent whose act returned a Promise"; allowed: an act\(tick\) that returns nothing: make it synchronous, its orders are sent within the tick$/,
    );
    // the rejection had its handler: let pending jobs run, so vitest would see an unhandled one
    await new Promise((r) => setTimeout(r, 20));
  });

  test("a custom trigger's Error names the policy, the account and the tick, and keeps its stack at the trigger's line", async () => {
    // Validation's scratch-market tries (accounts "trigger-check-...") pass; the run's first test throws.
    const policy = {
      ...presets.fullClose(),
      name: "lookup",
      trigger: {
        kind: "custom" as const,
        test: (venue: Venue, account: number) => {
          if (!venue.label(account).startsWith("trigger-check")) throw new RangeError("no price table");
          return false;
        },
      },
    };
    const def = oneRunUnder(policy);
    const failed = await runExperiment(def, { out: dir(), workers: 0 }).catch((e) => e);
    expect(failed.name, failed.message).toBe("RunFailure");
    expect(failed.message).toMatch(
      /^run 0 failed \(variant "default", point 0, replication 0, seed \d+\): custom trigger failed: liquidation\.trigger\.test of policy "lookup" on account [A-Za-z]+\[\d\]\.\d+ at tick \d+ threw: no price table$/,
    );
    // the original error's own first line, then its first frame: the trigger above, in this file
    expect(failed.stack).toContain("RangeError: no price table\n");
    const frames = (failed.stack as string).split("\n").filter((l) => /^\s+at /.test(l));
    expect(frames[0]).toMatch(/runner\.test\.ts:\d+:\d+/);
    // cascade run's CASCADE_DEBUG hint follows it (cli.ts: an Error from the experiment's code)
    // and names the class the trigger threw, not the wrapper's Error
    expect(failed.thrownAs).toBe("RangeError");
    expect(failed.fromExperimentCode).toBe(true);
  });

  test("errorClass names the class a custom agent, metric or trigger threw under thrownBy's wrapper, also after a worker's structured clone", () => {
    class ConfigFault extends Error {
      override name = "ConfigFault";
    }
    for (const thrown of [new RangeError("no price: table"), new ConfigFault("bad"), new TypeError("")]) {
      const wrapped = thrownBy("custom agent failed: populations.0 agent 1's act at tick 5", thrown);
      expect(errorClass(wrapped)).toBe(thrown.name);
      expect(errorClass(structuredClone(wrapped))).toBe(thrown.name);
    }
    // unwrapped errors as before
    expect(errorClass(new RangeError("x: y"))).toBe("RangeError");
    expect(errorClass(Object.assign(new Error("z"), { stack: "not a stack" }))).toBe("Error");
  });

  test("runs.csv leaves a swept parameter blank in the rows of a variant it does not reach; summary.csv and the report keep the point's value", async () => {
    // full close has no amount.fraction: the sweep reaches `half` only; the insurance fund both.
    const d = dir();
    await runExperiment(
      fakeExperiment({
        replications: 2,
        sweep: { "liquidation.amount.fraction": [0.25, 0.75], "liquidation.loss.insuranceFund": [0, 1000] },
      }),
      { out: d, workers: 0 },
    );
    const runs = csv(d, "runs.csv");
    const col = (name: string) => runs[0].indexOf(name);
    const cells = runs
      .slice(1)
      .map((r) => [
        r[0],
        r[1],
        r[col("liquidation.amount.fraction")],
        r[col("liquidation.loss.insuranceFund")],
      ]);
    const expected: string[][] = [];
    for (const [point, fraction, fund] of [
      ["0", "0.25", "0"],
      ["1", "0.25", "1000"],
      ["2", "0.75", "0"],
      ["3", "0.75", "1000"],
    ])
      for (const variant of ["full", "half"])
        for (let rep = 0; rep < 2; rep++)
          expected.push([variant, point, variant === "full" ? "" : fraction, fund]);
    expect(cells).toEqual(expected);
    // summary.csv's rows are a point's: its values, in every variant.
    const summary = csv(d, "summary.csv");
    const fraction = summary[0].indexOf("liquidation.amount.fraction");
    for (const row of summary.slice(1))
      expect(row[fraction]).toBe(["0.25", "0.25", "0.75", "0.75"][Number(row[1])]);
    // The report places the unreached variant's runs at their points, not at a point of blanks.
    const html = await buildReport(d);
    expect(html).not.toMatch(/liquidation\.amount\.fraction=(,|&|<| )/);
    const data = await (await import("../../packages/experiment/src/report/load.js")).loadResults(d);
    expect(new Set(data.runs.map((r) => r.label)).size).toBe(4);
    expect(
      data.runs.filter((r) => r.variant === "full").map((r) => r.params["liquidation.amount.fraction"]),
    ).toEqual(["0.25", "0.25", "0.25", "0.25", "0.75", "0.75", "0.75", "0.75"]);
  });

  test("resume on complete results takes the folder as a run does: a killed run's .tmp files are removed, a live run's folder is refused", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0 });
    const runs = read(d, "runs.csv");
    for (const f of ["journal.jsonl.cascade.tmp", "runs.csv.cascade.tmp", "run-info.json.cascade.tmp"])
      writeFileSync(join(d, f), "half-written\n");
    writeFileSync(join(d, "notes.tmp"), "mine\n");
    writeFileSync(join(d, "runs.csv.tmp"), "mine\n"); // not Cascade's naming: a researcher's
    const again = await runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true });
    expect([again.executed, again.resumed]).toEqual([0, 10]);
    expect(
      readdirSync(d)
        .filter((f) => f.endsWith(".tmp"))
        .sort(),
    ).toEqual(["notes.tmp", "runs.csv.tmp"]);
    expect(read(d, "runs.csv.tmp")).toBe("mine\n");
    expect(read(d, "runs.csv")).toBe(runs);
    expect(existsSync(join(d, "run.lock"))).toBe(false);
    // Another run (this process: alive) holds the folder: its files are not touched.
    writeFileSync(
      join(d, "run.lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "x" }),
    );
    writeFileSync(join(d, "runs.csv.cascade.tmp"), "being written\n");
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true })).rejects.toThrow(
      /allowed: a folder no other run is writing to \(process \d+ of this machine/,
    );
    expect(read(d, "runs.csv.cascade.tmp")).toBe("being written\n");
  });

  test("a new run in a results folder removes the old report.html with the old results", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0 });
    writeFileSync(join(d, "report.html"), "<h1>an earlier run</h1>");
    await runExperiment(fakeExperiment(), { out: d, workers: 0, seed: 9 });
    expect(existsSync(join(d, "report.html"))).toBe(false);
  });

  test("an out that cannot hold results is a ValidationError naming options.out (the CLI: --out), before anything runs", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    for (const out of [file, join(file, "sub")]) {
      const run = runExperiment(fakeExperiment(), { out, workers: 0 });
      await expect(run).rejects.toThrow(ValidationError);
      await expect(run).rejects.toThrow(
        `cannot write results: options.out = ${JSON.stringify(out)}; allowed: a folder this process can create and write to (${file} is a file, not a folder)`,
      );
    }
    // runExperiment has no command line: it names its option, as the caller wrote it.
    await expect(runExperiment(fakeExperiment(), { out: "", workers: 0 })).rejects.toThrow(
      'invalid run options: options.out = ""; allowed: a path (not empty)',
    );
    const [a, b] = [dir(), dir()];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    await expect(mergeResults([a, b], { out: join(file, "m") })).rejects.toThrow(
      `cannot write results: options.out = ${JSON.stringify(join(file, "m"))}; allowed: a folder this process can create`,
    );
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  test("a journal of another Cascade version is refused by --resume and by merge, naming its format", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    const journal = join(d, JOURNAL_FILE);
    const text = readFileSync(journal, "utf8");
    expect(text.startsWith('{"journal":"cascade/2"')).toBe(true);
    writeFileSync(journal, text.replace('"journal":"cascade/2"', '"journal":"cascade/1"'));
    const before = readdirSync(d).sort();
    expect(before).toContain("manifest.json");
    const resumed = runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1", resume: true });
    await expect(resumed).rejects.toThrow(/JOURNAL_MISMATCH|cannot resume/);
    await expect(resumed).rejects.toThrow(/format is "cascade\/1".*reads "cascade\/2"/);
    expect(readdirSync(d).sort()).toEqual(before); // a refused resume changes nothing
    await expect(mergeResults([d], { out: dir() })).rejects.toThrow(/format is "cascade\/1"/);
  });

  test("a shard folder whose journal.jsonl is not Cascade's (another tool's) or is cut short is refused by merge, saying which", async () => {
    const d = dir();
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    const journal = join(d, JOURNAL_FILE);
    const header = readFileSync(journal, "utf8").split("\n")[0];
    const refused = (why: string) =>
      `cannot merge: dirs.0 = ${JSON.stringify(d)}; allowed: a shard folder with a readable ${JOURNAL_FILE} (${why}; rerun that shard)`;
    writeFileSync(journal, '{"journal":"my-lab-notes/1"}\n');
    await expect(mergeResults([d], { out: dir() })).rejects.toThrow(
      refused(`it is not a journal of Cascade's: it does not begin with {"journal":"cascade/`),
    );
    writeFileSync(journal, header.slice(0, 40));
    await expect(mergeResults([d], { out: dir() })).rejects.toThrow(
      refused("it is unreadable (cut short or damaged)"),
    );
  });

  test("a sweep adds one column per parameter and one point per grid cell", async () => {
    const d = dir();
    const o = await runExperiment(
      fakeExperiment({ replications: 2, sweep: { "liquidation.amount.fraction": [0.2, 1] } }),
      {
        out: d,
        workers: 0,
      },
    );
    expect(o.total).toBe(2 * 2 * 2);
    const runs = csv(d, "runs.csv");
    expect(runs[0].slice(0, 5)).toEqual([
      "variant",
      "point",
      "replication",
      "seed",
      "liquidation.amount.fraction",
    ]);
    // (full has no amount.fraction: its runs used none, the cell is blank)
    expect(runs.slice(1).map((r) => `${r.slice(0, 3).join(" ")} ${r[4]}`)).toEqual([
      "full 0 0 ",
      "full 0 1 ",
      "half 0 0 0.2",
      "half 0 1 0.2",
      "full 1 0 ",
      "full 1 1 ",
      "half 1 0 1",
      "half 1 1 1",
    ]);
    // full has no amount.fraction: unchanged at both points (same seed -> same metrics)
    expect(runs[1].slice(5)).toEqual(runs[5].slice(5));
    expect(runs[3].slice(5)).not.toEqual(runs[7].slice(5));
    const sum = csv(d, "summary.csv");
    expect(sum[0].slice(0, 4)).toEqual(["variant", "point", "liquidation.amount.fraction", "metric"]);
  });

  test("a sweep of one variant: each point paired against the first (same seeds at every point)", async () => {
    const d = dir();
    await runExperiment(
      fakeExperiment({
        variants: undefined,
        liquidation: presets.closeFactor({ fraction: 1 }),
        replications: 4,
        sweep: { "liquidation.amount.fraction": [1, 0.5, 0.2] },
      }),
      { out: d, workers: 0 },
    );
    const runs = csv(d, "runs.csv");
    const cmp = csv(d, "comparison.csv");
    expect(cmp[0].slice(0, 6)).toEqual([
      "variant",
      "baseline",
      "point",
      "baseline_point",
      "liquidation.amount.fraction",
      "metric",
    ]);
    const col = (rows: string[][], name: string) => rows[0].indexOf(name);
    const rows = cmp.slice(1).filter((r) => r[col(cmp, "metric")] === "peak_drawdown");
    expect(rows.map((r) => r.slice(0, 5).join(" "))).toEqual([
      "default default 1 0 0.5",
      "default default 2 0 0.2",
    ]);
    // mean_diff recomputed from runs.csv, pairing point p with point 0 by replication
    const at = (p: number) => metricAtPoint(runs, "peak_drawdown", p);
    for (const [k, p] of [1, 2].entries()) {
      const diffs = at(p).map((x, r) => x - at(0)[r]);
      const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
      expect(Number(rows[k][col(cmp, "mean_diff")])).toBeCloseTo(mean, 9);
      expect(Number(rows[k][col(cmp, "n_pairs")])).toBe(4);
      expect(mean).toBeLessThan(0); // a smaller close factor, a milder fake crash
    }
    // p_holm, p_wilcoxon_holm: Holm's adjustment over each metric's rows (here two comparisons)
    for (const metric of new Set(cmp.slice(1).map((r) => r[col(cmp, "metric")]))) {
      const family = cmp.slice(1).filter((r) => r[col(cmp, "metric")] === metric);
      for (const [raw, adjusted] of [
        ["p_value", "p_holm"],
        ["p_wilcoxon", "p_wilcoxon_holm"],
      ]) {
        const ps = family.map((r) => (r[col(cmp, raw)] === "" ? null : Number(r[col(cmp, raw)])));
        const want = holmAdjust(ps);
        family.forEach((r, k) => {
          const got = r[col(cmp, adjusted)];
          if (want[k] === null) expect(got).toBe("");
          else expect(Number(got)).toBeCloseTo(want[k] as number, 8);
        });
      }
    }
  });

  test("sweepReference: in a grid, each point against its reference parameter's first value", async () => {
    const d = dir();
    await runExperiment(
      fakeExperiment({
        variants: undefined,
        liquidation: presets.closeFactor({ fraction: 1 }),
        replications: 3,
        sweep: { "liquidation.amount.fraction": [1, 0.5], ticks: [30, 40] },
        sweepReference: "liquidation.amount.fraction",
      }),
      { out: d, workers: 0 },
    );
    const cmp = csv(d, "comparison.csv");
    const m = cmp[0].indexOf("metric");
    const rows = cmp.slice(1).filter((r) => r[m] === "peak_drawdown");
    // points (fraction, ticks): 0 (1, 30), 1 (1, 40), 2 (0.5, 30), 3 (0.5, 40); 2 -> 0 and 3 -> 1
    expect(rows.map((r) => r.slice(2, 6).join(" "))).toEqual(["2 0 0.5 30", "3 1 0.5 40"]);
    const runs = csv(d, "runs.csv");
    const at = (p: number) => metricAtPoint(runs, "peak_drawdown", p);
    const diff = (p: number, q: number) => at(p).reduce((a, x, r) => a + x - at(q)[r], 0) / 3;
    expect(Number(rows[0][cmp[0].indexOf("mean_diff")])).toBeCloseTo(diff(2, 0), 9);
    expect(Number(rows[1][cmp[0].indexOf("mean_diff")])).toBeCloseTo(diff(3, 1), 9);
    expect(JSON.parse(read(d, "manifest.json")).sweep.reference).toBe("liquidation.amount.fraction");
  });

  /**
   * Runs the fake experiment (variants full and half, 3 replications) with `sweep` and
   * `sweepReference`: its folder, comparison.csv's column index, and its peak_drawdown rows.
   */
  async function referenceComparisons(sweep: Record<string, unknown[]>, sweepReference: string) {
    const d = dir();
    await runExperiment(fakeExperiment({ replications: 3, sweep, sweepReference }), { out: d, workers: 0 });
    const cmp = csv(d, "comparison.csv");
    const c = (name: string) => cmp[0].indexOf(name);
    return { d, c, rows: cmp.slice(1).filter((r) => r[c("metric")] === "peak_drawdown") };
  }
  /** variant, baseline, point, baseline_point of each row. */
  const keys = (rows: string[][]) => rows.map((r) => r.slice(0, 4).join(" "));

  test("sweepReference with several variants: a variant the sweep does not reach is not compared with itself", async () => {
    const fraction = "liquidation.amount.fraction";
    const { rows } = await referenceComparisons({ [fraction]: [0.5, 0.25] }, fraction);
    // full (a full close: no fraction to sweep) runs the same at both points: no "full full 1 0"
    // rows, whose differences would all be 0
    expect(keys(rows)).toEqual(["half full 0 0", "half full 1 1", "half half 1 0"]);
  });

  test("sweepReference with several variants: a variant only another swept path reaches is not compared with itself", async () => {
    const fraction = "liquidation.amount.fraction";
    // ticks reaches both variants, the reference (fraction) only half: full at (0.25, t) runs as at
    // (0.5, t), so "full full 2 0" and "full full 3 1" would be rows of zeros
    const { rows } = await referenceComparisons({ [fraction]: [0.5, 0.25], ticks: [30, 40] }, fraction);
    expect(keys(rows)).toEqual([
      "half full 0 0",
      "half full 1 1",
      "half full 2 2",
      "half half 2 0",
      "half full 3 3",
      "half half 3 1",
    ]);
  });

  test("sweepReference with several variants: against the baseline, and against itself at the reference", async () => {
    const { d, c, rows } = await referenceComparisons({ ticks: [30, 40, 50] }, "ticks");
    // variant, baseline, point, baseline_point: half vs full at each point, then at points 1 and 2
    // each variant against itself at point 0 (ticks 30)
    expect(keys(rows)).toEqual([
      "half full 0 0",
      "half full 1 1",
      "full full 1 0",
      "half half 1 0",
      "half full 2 2",
      "full full 2 0",
      "half half 2 0",
    ]);
    const runs = csv(d, "runs.csv");
    const col = runs[0].indexOf("peak_drawdown");
    const at = (variant: string, p: number) =>
      runs.filter((r) => r[0] === variant && r[1] === String(p)).map((r) => Number(r[col]));
    const diff = (v: string, p: number, w: string, q: number) =>
      at(v, p).reduce((a, x, r) => a + x - at(w, q)[r], 0) / 3;
    expect(Number(rows[5][c("mean_diff")])).toBeCloseTo(diff("full", 2, "full", 0), 9);
    expect(Number(rows[6][c("mean_diff")])).toBeCloseTo(diff("half", 2, "half", 0), 9);
    expect(Number(rows[4][c("mean_diff")])).toBeCloseTo(diff("half", 2, "full", 2), 9);
    // Holm: two families per metric, the policies against the baseline (the rows the headline and
    // the paired chart mark) and the variants against themselves at the reference (the sweep's
    // effect), not one family of both
    const cmp = csv(d, "comparison.csv");
    let mixedWouldDiffer = false;
    for (const metric of new Set(cmp.slice(1).map((r) => r[c("metric")]))) {
      const all = cmp.slice(1).filter((r) => r[c("metric")] === metric);
      const p = (r: string[], col: string) => (r[c(col)] === "" ? null : Number(r[c(col)]));
      for (const [raw, adjusted] of [
        ["p_value", "p_holm"],
        ["p_wilcoxon", "p_wilcoxon_holm"],
      ]) {
        const mixed = holmAdjust(all.map((r) => p(r, raw)));
        for (const own of [false, true]) {
          const family = all.filter((r) => (r[0] === r[1]) === own);
          const want = holmAdjust(family.map((r) => p(r, raw)));
          family.forEach((r, k) => {
            if (want[k] === null) expect(r[c(adjusted)]).toBe("");
            else expect(Number(r[c(adjusted)])).toBeCloseTo(want[k] as number, 8);
            if (want[k] !== mixed[all.indexOf(r)]) mixedWouldDiffer = true;
          });
        }
      }
    }
    expect(mixedWouldDiffer).toBe(true);
    // the headline shows each variant's means at every point
    expect(await headline(d)).toMatch(/^means per sweep point and variant /);
    // The report: its comparison table says what each row is against; the paired chart draws the
    // variants against the baseline only (the half-vs-full rows: 3 points), not the variants
    // against themselves at point 0.
    const html = await buildReport(d);
    const table = html.slice(html.indexOf('data-section="comparison"'));
    expect(table).toContain("<th>against</th>");
    expect(table).toMatch(/<td>peak_drawdown<\/td><td>half<\/td><td>half at ticks=30<\/td>/);
    expect(table).toMatch(/<td>peak_drawdown<\/td><td>half<\/td><td>full<\/td>/);
    const paired = html.slice(html.indexOf('data-chart="paired-differences"'));
    const chart = paired.slice(0, paired.indexOf("</figure>"));
    expect(chart).toContain("variant: half;");
    expect(chart).not.toContain("variant: full;");
    // ... and a second chart draws each variant against itself at the reference (ticks 30)
    const own = html.slice(html.indexOf('data-chart="paired-reference"'));
    const ownChart = own.slice(0, own.indexOf("</figure>"));
    expect(html).toContain('data-chart="paired-reference"');
    expect(ownChart).toContain("against itself at the first value of ticks");
    expect(ownChart).toContain("variant: full;");
    expect(ownChart).toContain("variant: half;");
  });

  test("custom metrics and a metric selection", async () => {
    const d = dir();
    await runExperiment(
      fakeExperiment({
        replications: 2,
        metrics: {
          builtIn: ["liquidations", "bad_debt"],
          custom: { last_mid: (r) => r.series[0].mid[r.ticks - 1], nothing: () => null },
        },
      }),
      { out: d, workers: 0 },
    );
    const runs = csv(d, "runs.csv");
    expect(runs[0]).toEqual([
      "variant",
      "point",
      "replication",
      "seed",
      "liquidations",
      "bad_debt",
      "last_mid",
      "nothing",
    ]);
    expect(runs[1][4]).toBe("1");
    expect(runs[1][7]).toBe("");
  });

  test("invalid experiment: ValidationError and nothing written", async () => {
    const d = dir();
    await expect(runExperiment(fakeExperiment({ replications: 0 }), { out: d, workers: 0 })).rejects.toThrow(
      ValidationError,
    );
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "3/2" })).rejects.toThrow(
      /invalid run options: options\.shard = "3\/2"/,
    );
    expect(existsSync(d)).toBe(false);
  });

  test("an unknown option (a typo from an untyped script) is refused, not ignored", async () => {
    const d = dir();
    const opts = { out: d, workers: 0, replication: 1 } as unknown as RunOptions;
    await expect(runExperiment(fakeExperiment(), opts)).rejects.toThrow(
      'invalid run options: option = "replication"; allowed: one of replications, seed, workers, out, shard, resume, progress, cwd, onStart',
    );
    await expect(prepareRun(fakeExperiment(), { report: false } as unknown as RunOptions)).rejects.toThrow(
      ValidationError,
    );
    expect(existsSync(d)).toBe(false);
  });

  test("bad option values are named as options (not as the CLI's flags)", async () => {
    const d = dir();
    await expect(runExperiment(fakeExperiment(), { out: d, workers: -1 })).rejects.toThrow(
      "invalid run options: options.workers = -1; allowed: an integer in [0, ",
    );
    await expect(runExperiment(fakeExperiment(), { out: d, replications: 1.5 })).rejects.toThrow(
      "options.replications = 1.5",
    );
    await expect(runExperiment(fakeExperiment(), { out: d, seed: -1 })).rejects.toThrow("options.seed = -1");
    expect(existsSync(d)).toBe(false);
  });

  test("a shard object out of range, a resume that is not a boolean and an unknown progress mode are refused", async () => {
    // { index: 3, count: 2 } ran no run and wrote an empty "shard 3/2" folder; resume: "yes" was
    // a resume to some checks and not to the journal.
    const d = dir();
    const shard = '"i/N" or { index: i, count: N }, with integers 1 <= i <= N <= 1000000';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ shard: { index: 3, count: 2 } }, `options.shard = {"index":3,"count":2}; allowed: ${shard}`],
      [{ shard: { index: 0, count: 0 } }, `options.shard = {"index":0,"count":0}; allowed: ${shard}`],
      [{ shard: { index: 1.5, count: 2 } }, `options.shard = {"index":1.5,"count":2}; allowed: ${shard}`],
      [
        { shard: { index: 1, count: 2, of: 3 } },
        `options.shard = {"index":1,"count":2,"of":3}; allowed: ${shard}`,
      ],
      [{ shard: 2 }, `options.shard = 2; allowed: ${shard}`],
      [{ shard: "3/2" }, 'options.shard = "3/2"; allowed: i/N with integers 1 <= i <= N (e.g. 1/4)'],
      [{ shard: "1 of 2" }, 'options.shard = "1 of 2"; allowed: i/N with integers 1 <= i <= N (e.g. 1/4)'],
      [{ resume: "yes" }, 'options.resume = "yes"; allowed: true or false'],
      [
        { progress: "verbose" },
        'options.progress = "verbose"; allowed: true, false, "auto", "bar" or "lines"',
      ],
    ];
    for (const [over, message] of cases) {
      const err = await runExperiment(fakeExperiment(), { out: d, workers: 0, ...over } as RunOptions).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toBe(`invalid run options: ${message}`);
    }
    expect(existsSync(d)).toBe(false);
    // in range, the object form runs its shard
    const ok = await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: { index: 2, count: 2 } });
    expect(ok.shard).toEqual({ index: 2, count: 2 });
    expect(readFileSync(join(d, "runs.csv"), "utf8").trimEnd().split("\n")).toHaveLength(1 + 5);
  });

  test("records a custom simulate returns are checked: a wrong shape fails the run by name", () => {
    const broken =
      (change: (r: RunRecords, config: WorldConfig) => unknown): ExperimentDefinition["simulate"] =>
      (config, rng) =>
        change(fakeSimulate(config, rng), config) as RunRecords;
    const cases: Array<[(r: RunRecords, c: WorldConfig) => unknown, string]> = [
      [
        (r) => Promise.resolve(r),
        "simulate(config, rng, run) = a Promise; allowed: RunRecords, returned synchronously",
      ],
      [() => undefined, "simulate(config, rng, run) = undefined; allowed: RunRecords"],
      [(r) => ({ ...r, ticks: 2 * r.ticks }), "records.ticks = 80; allowed: the run's ticks, 40"],
      [(r) => ({ ...r, series: [] }), "records.series.length = 0; allowed: one series per instrument, X, Y"],
      [
        (r) => ({ ...r, series: [r.series[1], r.series[0]] }),
        'records.series.0.symbol = "Y"; allowed: the instrument\'s symbol, "X"',
      ],
      [
        (r) => ({
          ...r,
          series: [{ ...r.series[0], price: r.series[0].price.subarray(0, 10) }, r.series[1]],
        }),
        "records.series.0.price.length = 10; allowed: an array of one number per tick, 40",
      ],
      [
        (r) => ({ ...r, liquidations: undefined }),
        "records.liquidations = undefined; allowed: an array of rows",
      ],
      [
        (r) => ({ ...r, liquidations: [{ ...r.liquidations[0], notional: "297" }] }),
        'records.liquidations.0.notional = "297"; allowed: a number',
      ],
      [
        (r) => ({ ...r, totals: { ...r.totals, badDebt: null } }),
        "records.totals.badDebt = null; allowed: a number",
      ],
      [(r) => ({ ...r, leveragedAccounts: -1 }), "records.leveragedAccounts = -1; allowed: an integer >= 0"],
      [
        (r) => ({ ...r, populations: [] }),
        "records.populations.length = 0; allowed: one entry per population of the config, 2 (or no populations field)",
      ],
      [
        (r) => ({ ...r, populations: [POP(0), { ...POP(1), pnl: "3" as unknown as number }] }),
        'records.populations.1.pnl = "3"; allowed: a number',
      ],
      [
        (r) => ({ ...r, populations: [POP(0), { ...POP(1), toppedUp: "7" as unknown as number }] }),
        'records.populations.1.toppedUp = "7"; allowed: a number, or left out (no top-ups)',
      ],
    ];
    for (const [change, message] of cases) {
      const plan = makePlan(validateExperiment(fakeExperiment({ simulate: broken(change) })));
      expect(() => executeRun(plan, 0), message).toThrow(`invalid run records: ${message}`);
    }
    const plan = makePlan(validateExperiment(fakeExperiment()));
    expect(executeRun(plan, 0).metrics.length).toBeGreaterThan(0);
    // populations is optional for a custom simulate (fakeSimulate has none); a well-formed one passes
    const withPops = fakeExperiment({ simulate: broken((r) => ({ ...r, populations: [POP(0), POP(1)] })) });
    expect(executeRun(makePlan(validateExperiment(withPops)), 0).metrics.length).toBeGreaterThan(0);
  });

  test("a custom metric that changes its records in place cannot change the run's CSV rows", () => {
    const clean = executeRun(makePlan(validateExperiment(fakeExperiment())), 3);
    const mutating = fakeExperiment({
      metrics: {
        custom: {
          messy: (r) => {
            r.series[0].price.fill(1);
            r.liquidations[0].notional = -1;
            r.liquidations.reverse();
            return 0;
          },
        },
      },
    });
    const got = executeRun(makePlan(validateExperiment(mutating)), 3);
    expect(got.ts).toEqual(clean.ts);
    expect(got.liq).toEqual(clean.liq);
    expect(got.metrics.slice(0, -1)).toEqual(clean.metrics);
  });

  test("resume: an edit of a local import (a custom metric in lib/) makes it another configuration", async () => {
    const src = dir();
    mkdirSync(join(src, "lib"), { recursive: true });
    const tiny = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url));
    writeFileSync(
      join(src, "study.ts"),
      `import { defineExperiment } from "@cascade/experiment";
import tiny from ${JSON.stringify(tiny.replace(/\.ts$/, ".js"))};
import { lastPrice } from "./lib/metric.js";
export default defineExperiment({ ...tiny, name: "with-lib", replications: 1, metrics: { custom: { lastPrice } } });
`,
    );
    const metric = join(src, "lib", "metric.ts");
    writeFileSync(metric, `export const lastPrice = (r: any) => r.series[0].price[r.ticks - 1];\n`);
    const out = dir();
    const first = await runExperiment(join(src, "study.ts"), { out, workers: 0 });
    const source = (first.manifest as { source: { sha256: string; imports?: string } }).source;
    expect(source.imports).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(metric, `export const lastPrice = (r: any) => r.series[0].price[0];\n`);
    await expect(runExperiment(join(src, "study.ts"), { out, workers: 0, resume: true })).rejects.toThrow(
      /differ in: source \(the experiment file's local imports: any edit counts\);/,
    );
  });

  test("resume: an experiment passed as an object whose function changed (a custom metric) is another configuration", async () => {
    const withMetric = (m: (r: RunRecords) => number) => fakeExperiment({ metrics: { custom: { m } } });
    const before = withMetric((r) => r.ticks);
    const after = withMetric((r) => r.ticks * 2);
    // An interrupted run (its journal) and complete results: neither may be continued or kept.
    const interrupted = dir();
    await runExperiment(before, { out: interrupted, workers: 0, shard: "1/1" });
    // Named as what changed: the object's functions (there is no experiment file to speak of).
    const what = "source (the code of the experiment object's functions: any edit counts)";
    await expect(
      runExperiment(after, { out: interrupted, workers: 0, shard: "1/1", resume: true }),
    ).rejects.toThrow(`(this one differs in: ${what}; rerun without options.resume to start over)`);
    const complete = dir();
    await runExperiment(before, { out: complete, workers: 0 });
    await expect(runExperiment(after, { out: complete, workers: 0, resume: true })).rejects.toThrow(
      `(the results here differ in: ${what}; rerun without options.resume to replace them)`,
    );
    // The same functions are the same configuration.
    const again = await runExperiment(
      withMetric((r) => r.ticks),
      { out: complete, workers: 0, resume: true },
    );
    expect(again.executed).toBe(0);
  });

  test("a refusal against a journal without the source's parts (an older Cascade's) names the source by this run's kind", () => {
    const object = configParts({ name: "x", source: { functions: "a".repeat(64) } });
    const file = configParts({ name: "x", source: { sha256: "b".repeat(64) } });
    const old = { name: "x", source: "0123456789abcdef" };
    expect(changedParts(old, object)).toBe("source (any edit of the experiment object's functions counts)");
    expect(changedParts(old, file)).toBe(
      "source (any edit of the experiment file or its local imports counts)",
    );
    expect(changedParts(file, object)).toBe(
      "source (the code of the experiment object's functions: any edit counts), source (the experiment file's text: any edit counts)",
    );
  });

  test("the source hash reads CRLF line endings as LF (a Windows checkout is the same configuration)", () => {
    const exp = validateExperiment(fakeExperiment());
    const lf = makePlan(exp, { sourceText: "const a = 1;\nexport default a;\n", manifest: false });
    const crlf = makePlan(exp, { sourceText: "const a = 1;\r\nexport default a;\r\n", manifest: false });
    expect(crlf.fingerprint).toBe(lf.fingerprint);
    expect(
      makePlan(exp, { sourceText: "const a = 2;\nexport default a;\n", manifest: false }).fingerprint,
    ).not.toBe(lf.fingerprint);
  });

  test("a failing run is reported with its coordinates", async () => {
    const d = dir();
    const def = fakeExperiment({
      metrics: {
        custom: {
          boom: (_r, run) => {
            if (run.replication === 3) throw new Error("kaboom");
            return 1;
          },
        },
      },
    });
    await expect(runExperiment(def, { out: d, workers: 0 })).rejects.toThrow(
      /run 3 failed \(variant "full", point 0, replication 3.*kaboom/,
    );
  });
});

describe("worker flags", () => {
  test("TypeScript loaders are not passed on to workers; other flags are", () => {
    expect(
      workerExecArgv([
        "--require",
        "/x/node_modules/tsx/dist/preflight.cjs",
        "--import",
        "file:///x/node_modules/tsx/dist/loader.mjs",
        "--conditions",
        "development",
        "--import=tsx",
        "--enable-source-maps",
      ]),
    ).toEqual(["--conditions", "development", "--enable-source-maps"]);
  });

  test("flags a Worker refused are dropped as its error names them, with their values", () => {
    const argv = ["--stack-size=2000", "--conditions", "dev", "--title", "x", "--trace-opt", "--no-warnings"];
    expect(
      withoutRefusedFlags(
        argv,
        "Initiated Worker with invalid execArgv flags: --stack-size=2000, --title, --trace-opt",
      ),
    ).toEqual(["--conditions", "dev", "--no-warnings"]);
    expect(
      withoutRefusedFlags(argv, "Initiated Worker with invalid execArgv flags: --nothing-we-passed"),
    ).toBeNull();
  });
});

test("manifest: the git commit, and whether tracked files had uncommitted changes", () => {
  const repo = dir();
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
  const manifest = () => makePlan(validateExperiment(fakeExperiment()), { gitDir: repo }).manifest;
  expect(manifest()).toMatchObject({ git: null, gitDirty: null }); // not a repository
  git("init", "-q");
  writeFileSync(join(repo, "study.ts"), "export default {};\n");
  git("add", "study.ts");
  git("commit", "-q", "-m", "study");
  const head = git("rev-parse", "HEAD").trim();
  expect(manifest()).toMatchObject({ git: head, gitDirty: false });
  writeFileSync(join(repo, "results.csv"), "untracked files do not count\n");
  expect(manifest()).toMatchObject({ git: head, gitDirty: false });
  // an experiment made of an untracked file (a new study not yet added) cannot be rebuilt either
  writeFileSync(join(repo, "new-study.ts"), "export default {};\n");
  const plan = (inputs: string[]) =>
    makePlan(validateExperiment(fakeExperiment()), { gitDir: repo, inputs }).manifest.gitDirty;
  expect(plan([join(repo, "study.ts")])).toBe(false);
  expect(plan([join(repo, "study.ts"), join(repo, "new-study.ts")])).toBe(true);
  expect(plan(["/elsewhere/lib.ts"])).toBe(false); // outside the repository: git cannot say
  writeFileSync(join(repo, "study.ts"), "export default { edited: true };\n");
  expect(manifest()).toMatchObject({ git: head, gitDirty: true });
});

test("manifest: a study outside Cascade's repository also records the commit of the Cascade code that ran", () => {
  const here = fileURLToPath(new URL(".", import.meta.url));
  let cascadeHead: string;
  try {
    cascadeHead = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: here,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    return; // not run from a git checkout: nothing to record
  }
  const manifest = (gitDir: string) => makePlan(validateExperiment(fakeExperiment()), { gitDir }).manifest;
  // a study file in a folder that is no repository (e.g. ~/studies): its own git is unknown, Cascade's is not
  const outside = dir();
  mkdirSync(outside);
  const m = manifest(outside);
  expect(m).toMatchObject({ git: null, gitDirty: null, cascadeGit: cascadeHead });
  expect(typeof m.cascadeGitDirty === "boolean" || m.cascadeGitDirty === null).toBe(true);
  // a study inside Cascade's repository: its commit is Cascade's, recorded once (manifest unchanged)
  const inside = manifest(here);
  expect(inside.git).toBe(cascadeHead);
  expect("cascadeGit" in inside).toBe(false);
  expect("cascadeGitDirty" in inside).toBe(false);
});

test("with progress on, runExperiment notes the results it replaces and an object run in-process despite workers", async () => {
  const d = dir();
  const first = await stderrOf(() =>
    runExperiment(fakeExperiment({ replications: 2 }), { out: d, workers: 0, progress: "lines" }),
  );
  expect(first.written.join("")).not.toContain("note:");
  const { written } = await stderrOf(() =>
    runExperiment(fakeExperiment({ replications: 3 }), { out: d, workers: 2, progress: "lines" }),
  );
  const text = written.join("");
  expect(text).toMatch(
    /note: \S+\/ held the results of another configuration \(they differ in: replications \(2 there, 3 now\)/,
  );
  expect(text).toContain(
    "note: an experiment passed as an object runs in-process, whatever options.workers says",
  );
  expect(csv(d, "runs.csv")).toHaveLength(1 + 2 * 3);
});

test("a run that is not a resume, over a stopped run's journal, says how many finished runs it starts over without, and that a resume continues them", async () => {
  const d = dir();
  await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" }); // keeps its journal
  const lines = read(d, JOURNAL_FILE).split("\n");
  /** What a run stopped part-way after 3 of its 10 runs leaves: its journal alone. */
  const stop = () => {
    for (const f of readdirSync(d)) rmSync(join(d, f));
    const header = lines[0].replace('"shard":"1/1"', '"shard":null');
    writeFileSync(join(d, JOURNAL_FILE), `${[header, ...lines.slice(1, 4)].join("\n")}\n`);
  };
  const notesOf = async (def: ExperimentDefinition) => {
    const notes: string[] = [];
    await runExperiment(def, { out: d, workers: 0, onStart: (run) => notes.push(...runNotes(run, false)) });
    return notes;
  };
  const rel = relative(process.cwd(), d);
  stop();
  expect(await notesOf(fakeExperiment())).toEqual([
    `note: ${rel}/ held a stopped run of this configuration (3 of 10 runs done, in ${JOURNAL_FILE}); this run starts over without them (cascade run --resume, or runExperiment with resume: true, continues such a run)`,
  ]);
  stop();
  expect(await notesOf(fakeExperiment({ replications: 3 }))).toEqual([
    `note: ${rel}/ held a stopped run of another configuration or shard (3 runs done, in ${JOURNAL_FILE}); this run replaces it`,
  ]);
  // Complete results (this configuration's, then a complete shard's, which keeps its journal): no such note.
  expect(await notesOf(fakeExperiment({ replications: 3 }))).toEqual([]);
  await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
  expect(await notesOf(fakeExperiment({ replications: 3 }))).not.toContainEqual(
    expect.stringContaining("stopped run"),
  );
});

test("a run that is not a resume says it replaces result files no run-info.json marks complete, a run stopped while writing them (its runs all done) and an unreadable journal; a resume takes such a run up silently", async () => {
  const d = dir();
  await runExperiment(fakeExperiment(), { out: d, workers: 0 });
  const complete = Object.fromEntries(readdirSync(d).map((f) => [f, read(d, f)]));
  const lines = (
    await (async () => {
      const s = dir();
      await runExperiment(fakeExperiment(), { out: s, workers: 0, shard: "1/1" }); // keeps its journal
      return read(s, JOURNAL_FILE);
    })()
  ).split("\n");
  const journal = `${[lines[0].replace('"shard":"1/1"', '"shard":null'), ...lines.slice(1)].join("\n")}`;
  const leave = (files: Record<string, string>) => {
    for (const f of readdirSync(d)) rmSync(join(d, f));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  };
  const notesOf = async (resume = false) => {
    const notes: string[] = [];
    await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      resume,
      onStart: (run) => notes.push(...runNotes(run, false)),
    });
    // whatever it found, the folder then holds this configuration's complete results
    for (const [f, text] of Object.entries(complete))
      if (f !== "run-info.json") expect(read(d, f), f).toBe(text);
    return notes;
  };
  const rel = relative(process.cwd(), d);
  // a copy of result files with their manifest.json (no run-info.json, no journal); without the
  // manifest they are refused (out-folder-files.test.ts)
  leave({
    "manifest.json": complete["manifest.json"],
    "runs.csv": complete["runs.csv"],
    "report.html": "<p>an earlier report</p>\n",
  });
  expect(await notesOf()).toEqual([
    `note: ${rel}/ held result files not marked complete (no run-info.json: manifest.json, report.html, runs.csv); this run replaces them`,
  ]);
  // a run stopped while writing its final files: every run is in its journal
  leave({
    [JOURNAL_FILE]: journal,
    "manifest.json": complete["manifest.json"],
    "runs.csv": complete["runs.csv"],
  });
  expect(await notesOf()).toEqual([
    `note: ${rel}/ held result files not marked complete (no run-info.json: manifest.json, runs.csv); this run replaces them`,
    `note: ${rel}/ held a stopped run of this configuration (10 of 10 runs done, in ${JOURNAL_FILE}); this run starts over without them (cascade run --resume, or runExperiment with resume: true, continues such a run)`,
  ]);
  // a journal of Cascade's cut short in its header (another tool's is refused: out-folder-files.test.ts)
  leave({ [JOURNAL_FILE]: lines[0].slice(0, 40) });
  expect(await notesOf()).toEqual([
    `note: ${rel}/ held an unreadable ${JOURNAL_FILE} (of a stopped run); this run replaces it`,
  ]);
  // --resume finishes the stopped run from its journal: nothing is replaced, nothing said
  leave({
    [JOURNAL_FILE]: journal,
    "manifest.json": complete["manifest.json"],
    "runs.csv": complete["runs.csv"],
  });
  expect(await notesOf(true)).toEqual([]);
});

test("a resume that finds no journal and no results says it starts from the first run (a mistyped folder?); one that finds a stopped run says nothing", async () => {
  const d = join(dir(), "typo");
  const notesOf = async () => {
    const notes: string[] = [];
    await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      resume: true,
      onStart: (run) => notes.push(...runNotes(run, false)),
    });
    return notes;
  };
  expect(await notesOf()).toEqual([
    `note: ${relative(process.cwd(), d)}/ held no run to resume (no ${JOURNAL_FILE}, no results); this run starts from its first run (is this the folder of the run to resume?)`,
  ]);
  // a stopped run's journal (its first 3 runs): resumed, no note
  const s = dir();
  await runExperiment(fakeExperiment(), { out: s, workers: 0, shard: "1/1" }); // keeps its journal
  const journal = read(s, JOURNAL_FILE).split("\n");
  journal[0] = journal[0].replace('"shard":"1/1"', '"shard":null');
  for (const f of readdirSync(d)) rmSync(join(d, f));
  writeFileSync(join(d, JOURNAL_FILE), `${journal.slice(0, 4).join("\n")}\n`);
  expect(await notesOf()).toEqual([]);
});

test("an onStart that throws stops the run before its first run, named as options.onStart with what it threw kept, and leaves the folder as it was", async () => {
  /** Every file of folder `d` by name, with its bytes. */
  const contents = (d: string) =>
    Object.fromEntries(
      readdirSync(d)
        .sort()
        .map((f) => [f, read(d, f)]),
    );
  const boom = new Error("notebook widget not ready");
  const throwing =
    (value: unknown): RunOptions["onStart"] =>
    () => {
      throw value;
    };
  const failure = async (d: string, value: unknown, options: RunOptions = {}) => {
    const before = contents(d);
    const err = await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      onStart: throwing(value),
      ...options,
    }).catch((e: unknown) => e);
    expect(contents(d)).toEqual(before);
    return err as Error;
  };
  // Complete results: before, they were removed before onStart was called.
  const complete = dir();
  await runExperiment(fakeExperiment(), { out: complete, workers: 0 });
  const err = await failure(complete, boom);
  expect(err.message).toBe(
    "run not started (the output folder was left as it was): options.onStart threw: notebook widget not ready",
  );
  expect(err.cause).toBe(boom);
  expect(err.stack).toContain(boom.stack);
  // A complete shard keeps its journal, which a run that is not a resume replaces: kept too.
  const shard = dir();
  await runExperiment(fakeExperiment(), { out: shard, workers: 0, shard: "1/2" });
  expect((await failure(shard, "no data")).message).toBe(
    'run not started (the output folder was left as it was): options.onStart threw a string, not an Error: "no data"',
  );
  // A stopped run's journal, started over by a run and taken up by a resume: kept by both.
  const stopped = dir();
  await runExperiment(fakeExperiment(), { out: stopped, workers: 0, shard: "1/1" });
  const lines = read(stopped, JOURNAL_FILE).split("\n");
  for (const f of readdirSync(stopped)) rmSync(join(stopped, f));
  const header = lines[0].replace('"shard":"1/1"', '"shard":null');
  writeFileSync(join(stopped, JOURNAL_FILE), `${[header, ...lines.slice(1, 4)].join("\n")}\n`);
  await failure(stopped, boom);
  await failure(stopped, boom, { resume: true });
  // The folder is free: a run after the fix writes the same results as one that never failed.
  const again = await runExperiment(fakeExperiment(), { out: stopped, workers: 0, resume: true });
  expect(again.resumed).toBe(3);
  sameFiles(complete, stopped);
  // New folders (two levels): the run made them and takes them away again.
  const parent = dir();
  const fresh = join(parent, "results");
  await runExperiment(fakeExperiment(), { out: fresh, workers: 0, onStart: throwing(boom) }).catch(() => {});
  expect(existsSync(parent)).toBe(false);
  // A folder that was there stays, empty as it was.
  mkdirSync(parent);
  await runExperiment(fakeExperiment(), { out: fresh, workers: 0, onStart: throwing(boom) }).catch(() => {});
  expect(readdirSync(parent)).toEqual([]);
});

describe("runExperiment with an AbortSignal", () => {
  const tiny = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url));
  /** Aborts once the first run is done (the first progress a caller can see), from onStart's live count. */
  function abortAfterFirstRun(controller: AbortController): RunOptions["onStart"] {
    return (run) => {
      const poll = setInterval(() => {
        if (run.finished() >= 1) {
          clearInterval(poll);
          controller.abort();
        }
      }, 1);
    };
  }
  const journalRuns = (d: string) =>
    readFileSync(join(d, JOURNAL_FILE), "utf8")
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split("\t")[0]));

  for (const [label, experiment, workers] of [
    ["in-process", () => fakeExperiment({ replications: 40 }), 0],
    ["worker threads", () => tiny, 2],
  ] as const) {
    test(`${label}: rejects with RunAborted naming the runs kept; journal only, no final file; resume finishes with the same bytes`, async () => {
      const d = dir();
      // Results of an earlier run in the folder: removed as the run starts, not left to pass for these.
      await runExperiment(experiment(), { out: d, workers, replications: 2 });
      const controller = new AbortController();
      const replications = workers === 0 ? 40 : 12;
      const run = runExperiment(experiment(), {
        out: d,
        workers,
        replications,
        signal: controller.signal,
        onStart: abortAfterFirstRun(controller),
      });
      const err = await run.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RunAborted);
      const aborted = err as RunAborted;
      const total = 2 * replications;
      expect(aborted.total).toBe(total);
      expect(aborted.finished).toBeGreaterThanOrEqual(1);
      expect(aborted.finished).toBeLessThan(total);
      expect(aborted.journal).toBe(join(d, JOURNAL_FILE));
      expect(aborted.message).toBe(
        `run aborted: ${aborted.finished} of ${total} runs are done and kept in ${join(d, JOURNAL_FILE)}, no final file was written; resume (cascade run --resume, or runExperiment with resume: true) to continue`,
      );
      // The CLI's note is the same text, with its own journal path and resume hint.
      expect(aborted.kept("r/journal.jsonl", "rerun the same command with --resume")).toBe(
        `: ${aborted.finished} of ${total} runs are done and kept in r/journal.jsonl, no final file was written; rerun the same command with --resume to continue`,
      );
      // Only the journal: no final file, no .tmp, and it holds exactly the runs counted.
      expect(readdirSync(d)).toEqual([JOURNAL_FILE]);
      const kept = journalRuns(d);
      expect(kept).toHaveLength(aborted.finished);
      expect(new Set(kept).size).toBe(kept.length);
      // Workers were terminated: nothing more reaches the journal.
      await new Promise((r) => setTimeout(r, 300));
      expect(journalRuns(d)).toHaveLength(aborted.finished);
      const resumed = await runExperiment(experiment(), { out: d, workers, replications, resume: true });
      expect(resumed.resumed).toBe(aborted.finished);
      expect(resumed.executed).toBe(total - aborted.finished);
      const whole = dir();
      await runExperiment(experiment(), { out: whole, workers, replications });
      sameFiles(whole, d);
    });
  }

  test("aborted before it starts: rejects at once and touches nothing", async () => {
    const d = dir();
    const controller = new AbortController();
    controller.abort(new Error("user closed the notebook"));
    const err = await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunAborted);
    expect((err as RunAborted).message).toBe(
      "run aborted before its first run: the output folder was left as it was",
    );
    expect((err as RunAborted).cause).toEqual(new Error("user closed the notebook"));
    expect(existsSync(d)).toBe(false);
    // A resume stopped as early leaves the earlier run's journal as it was: said so, not "nothing
    // was written", which read as if the runs it holds were gone.
    await runExperiment(fakeExperiment(), { out: d, workers: 0, shard: "1/1" });
    const journal = read(d, JOURNAL_FILE);
    const resume = await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      shard: "1/1",
      resume: true,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((resume as RunAborted).message).toBe(
      "run aborted before its first run: the output folder was left as it was",
    );
    expect(read(d, JOURNAL_FILE)).toBe(journal);
  });

  test("a signal that is not an AbortSignal is refused by name", async () => {
    await expect(
      runExperiment(fakeExperiment(), { out: dir(), workers: 0, signal: true as unknown as AbortSignal }),
    ).rejects.toThrow(/invalid run options: options\.signal = true; allowed: an AbortSignal/);
  });
});
