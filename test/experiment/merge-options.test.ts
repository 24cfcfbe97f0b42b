import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import { type MergeOptions, mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fakeExperiment } from "./helpers.js";

let root: string;
let shards: string[];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "cascade-merge-options-"));
  shards = ["1/3", "2/3", "3/3"].map((s) => join(root, `shard-${s.replace("/", "-of-")}`));
  for (const [i, out] of shards.entries())
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: `${i + 1}/3` });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const refusal = (dirs: string[], options: unknown) =>
  mergeResults(dirs, options as MergeOptions).then(
    () => expect.unreachable("merged"),
    (e: unknown) => e as ValidationError,
  );

test("mergeResults refuses an unknown option, a signal that is no AbortSignal and an unknown progress mode, as runExperiment does", async () => {
  // Accepted before: a typo (workers, resume from runExperiment's options) was dropped silently,
  // a bad progress mode was taken as a mode, and signal "stop" failed later as a TypeError.
  const out = join(root, "merged");
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [
      { workers: 2 },
      "UNKNOWN_OPTION",
      'cannot merge: option = "workers"; allowed: one of out, cwd, signal, progress',
    ],
    [
      { porgress: "auto" },
      "UNKNOWN_OPTION",
      'cannot merge: option = "porgress"; allowed: one of out, cwd, signal, progress; did you mean "progress"?',
    ],
    [
      { signal: "stop" },
      "INVALID_OPTION",
      'cannot merge: options.signal = "stop"; allowed: an AbortSignal (new AbortController().signal)',
    ],
    [
      { progress: "verbose" },
      "INVALID_OPTION",
      'cannot merge: options.progress = "verbose"; allowed: true, false, "auto", "bar" or "lines"',
    ],
  ];
  for (const [over, code, message] of cases) {
    const e = await refusal(shards, { out, ...over });
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.code, e.message]).toEqual([code, message]);
  }
  const none = await refusal(shards, undefined);
  expect([none.code, none.message]).toEqual([
    "INVALID_OPTION",
    "cannot merge: options = undefined; allowed: an object of options (out, cwd, signal, progress)",
  ]);
  expect(existsSync(out)).toBe(false);
  // runExperiment's options go through the same check
  const run = await runExperiment(fakeExperiment(), null as never).then(
    () => expect.unreachable("ran"),
    (e: unknown) => e as ValidationError,
  );
  expect([run.code, run.field]).toEqual(["INVALID_OPTION", "options"]);
  // the same options, valid, merge
  const ok = await mergeResults(shards, { out, progress: false, signal: new AbortController().signal });
  expect(ok.total).toBe(10);
});

test("a merge missing runs names the shards that are missing and those that are incomplete", async () => {
  // The refusal gave the count and the first missing runs; which shard to run was left to work out.
  const [s1, s2, s3] = shards;
  const missing = await refusal([s1, s3], { out: join(root, "m1") });
  expect([missing.code, missing.field, missing.value]).toEqual([
    "INCOMPLETE",
    "dirs",
    "7 of 10 runs (shards given: 1/3, 3/3; missing: shard 2/3; first missing runs: 1, 4, 7)",
  ]);
  // shard 2/3 interrupted after its first run: its journal holds the header and one run
  const cut = join(root, "cut-2-of-3");
  cpSync(s2, cut, { recursive: true });
  const lines = readFileSync(join(cut, "journal.jsonl"), "utf8").split("\n");
  writeFileSync(join(cut, "journal.jsonl"), `${lines.slice(0, 2).join("\n")}\n`);
  const short = await refusal([s1, cut, s3], { out: join(root, "m2") });
  expect(short.value).toBe(
    "8 of 10 runs (shards given: 1/3, 2/3, 3/3; incomplete: shard 2/3 (1 of its 3 runs); first missing runs: 4, 7)",
  );
  // both at once; the advice is unchanged
  const both = await refusal([cut], { out: join(root, "m3") });
  expect(both.value).toBe(
    "1 of 10 runs (shards given: 2/3; missing: shard 1/3, shard 3/3; incomplete: shard 2/3 (1 of its 3 runs); first missing runs: 0, 2, 3, 4, 5)",
  );
  expect(both.allowed).toBe(
    "shard folders that together hold every run (run the missing shards with runExperiment, or finish them with options.resume)",
  );
});

test("a merge's outcome says its runs were merged from the shard folders, not executed or resumed", async () => {
  // Before: executed 0, resumed 10, as if every run had been taken up from a journal by a resume.
  const out = join(root, "outcome");
  const merged = await mergeResults(shards, { out });
  expect({
    total: merged.total,
    executed: merged.executed,
    simulated: merged.simulated,
    resumed: merged.resumed,
    merged: merged.merged,
    mergedFrom: merged.mergedFrom,
  }).toEqual({ total: 10, executed: 0, simulated: 0, resumed: 0, merged: 10, mergedFrom: shards });
  // run-info.json, which the merge writes, names the same folders
  const info = JSON.parse(readFileSync(join(out, "run-info.json"), "utf8"));
  expect(info.mergedFrom).toEqual(merged.mergedFrom);
});
