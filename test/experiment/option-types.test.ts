/**
 * The options of the exported functions as a script passes them without a type check (tsx): a
 * value of the wrong type is a ValidationError naming the option, its value and what is allowed,
 * raised before anything is written, never a TypeError from deep inside.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import {
  buildReport,
  loadResults,
  type MergeOptions,
  mergeResults,
  type RunOptions,
  runExperiment,
  writeReport,
} from "@cascade/experiment";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fakeExperiment } from "./helpers.js";

let root: string;
let shards: string[];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "cascade-option-types-"));
  shards = ["1/2", "2/2"].map((s) => join(root, `shard-${s.replace("/", "-of-")}`));
  for (const [i, out] of shards.entries())
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: `${i + 1}/2` });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The ValidationError a call rejects with (a test failure when it resolves or throws another error). */
async function refusal(call: () => Promise<unknown>): Promise<ValidationError> {
  const e = await call().then(
    () => expect.unreachable("accepted"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return e as ValidationError;
}

test("an out or cwd that is no path is refused by runExperiment, mergeResults and writeReport, naming the option", async () => {
  // Before: `out: 5` was a TypeError "value.trim is not a function" (runExperiment) or Node's
  // 'The "paths[1]" argument must be of type string' (mergeResults, writeReport), and `cwd: 5`
  // was accepted whenever `out` was absolute.
  const out = join(root, "paths");
  const run = (o: Record<string, unknown>) => () =>
    runExperiment(fakeExperiment(), { workers: 0, ...o } as RunOptions);
  const runCases: Array<[Record<string, unknown>, string]> = [
    [{ out: 5 }, "invalid run options: options.out = 5; allowed: a path (not empty)"],
    [{ out: "" }, 'invalid run options: options.out = ""; allowed: a path (not empty)'],
    [{ out, cwd: 5 }, "invalid run options: options.cwd = 5; allowed: a path (not empty)"],
    [{ out, cwd: " " }, 'invalid run options: options.cwd = " "; allowed: a path (not empty)'],
  ];
  for (const [o, message] of runCases) {
    const e = await refusal(run(o));
    expect([e.code, e.message]).toEqual(["INVALID_OPTION", message]);
  }
  const merge = (o: Record<string, unknown>) => () => mergeResults(shards, o as unknown as MergeOptions);
  const mergeCases: Array<[Record<string, unknown>, string]> = [
    [{ out: 5 }, "cannot merge: options.out = 5; allowed: a path (not empty)"],
    [{ out, cwd: 5 }, "cannot merge: options.cwd = 5; allowed: a path (not empty)"],
  ];
  for (const [o, message] of mergeCases) {
    const e = await refusal(merge(o));
    expect([e.code, e.message]).toEqual(["INVALID_OPTION", message]);
  }
  // an out left out is still "an output folder" (required), as before
  const none = await refusal(merge({}));
  expect(none.message).toBe("cannot merge: options.out = undefined; allowed: an output folder");
  const report = await refusal(() => writeReport(shards[0], { out: 5 as unknown as string }));
  expect([report.code, report.message]).toEqual([
    "INVALID_OPTION",
    "cannot build the report: options.out = 5; allowed: a path (not empty)",
  ]);
  const dir = await refusal(() => writeReport(5 as unknown as string));
  expect([dir.code, dir.message]).toEqual([
    "INVALID_OPTION",
    "cannot build the report: results-dir = 5; allowed: a results folder (a path, not empty)",
  ]);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(shards[0])).not.toContain("report.html");
});

test("a cwd that is no folder is refused by runExperiment and mergeResults, naming options.cwd, before anything is created", async () => {
  // Before: a missing cwd with a relative out was created (mkdir -p) and the results written there.
  const missing = join(root, "no-such-folder");
  const file = join(root, "a-file");
  writeFileSync(file, "not a folder\n");
  const allowed = (why: string) => `an existing folder, the base of relative paths (${why})`;
  const cases: Array<[() => Promise<unknown>, string]> = [
    [
      () => runExperiment(fakeExperiment(), { workers: 0, cwd: missing, out: "results/x" }),
      `invalid run options: options.cwd = ${JSON.stringify(missing)}; allowed: ${allowed("it does not exist")}`,
    ],
    [
      () => runExperiment(fakeExperiment(), { workers: 0, cwd: file, out: "results/x" }),
      `invalid run options: options.cwd = ${JSON.stringify(file)}; allowed: ${allowed("it is a file")}`,
    ],
    [
      () => mergeResults(shards, { cwd: missing, out: "merged" }),
      `cannot merge: options.cwd = ${JSON.stringify(missing)}; allowed: ${allowed("it does not exist")}`,
    ],
  ];
  for (const [call, message] of cases) {
    const e = await refusal(call);
    expect([e.code, e.field, e.value, e.message]).toEqual([
      "INVALID_OPTION",
      "options.cwd",
      e.value,
      message,
    ]);
  }
  expect(existsSync(missing)).toBe(false);
});

test("an onStart that is no function is refused before the output folder is touched", async () => {
  // Before: a TypeError "options.onStart is not a function" once the journal was open, after the
  // folder's earlier results had been removed: the folder was left holding a journal of no run.
  const out = join(root, "on-start");
  await runExperiment(fakeExperiment(), { out, workers: 0 });
  const before = readdirSync(out).sort();
  const e = await refusal(() =>
    runExperiment(fakeExperiment(), { out, workers: 0, onStart: 5 as unknown as RunOptions["onStart"] }),
  );
  expect([e.code, e.message]).toEqual([
    "INVALID_OPTION",
    "invalid run options: options.onStart = 5; allowed: a function, called with the run in progress once its journal is open",
  ]);
  expect(readdirSync(out).sort()).toEqual(before);
});

test("writeReport, buildReport and loadResults refuse an unknown option, options that are no object and a count that is no count", async () => {
  // Before: a typo (outt) was dropped and the report written to the default place, null options
  // were a TypeError, maxPricePaths -1 was taken as 1 and "a" as NaN.
  const dir = join(root, "report");
  await runExperiment(fakeExperiment(), { out: dir, workers: 0 });
  const elsewhere = join(root, "elsewhere.html");
  const cases: Array<[() => Promise<unknown>, string, string]> = [
    [
      () => writeReport(dir, { outt: elsewhere } as never),
      "UNKNOWN_OPTION",
      'cannot build the report: option = "outt"; allowed: one of out, maxPricePaths; did you mean "out"?',
    ],
    [
      () => writeReport(dir, null as never),
      "INVALID_OPTION",
      "cannot build the report: options = null; allowed: an object of options (out, maxPricePaths)",
    ],
    [
      () => buildReport(dir, { maxPricePaths: -1 }),
      "INVALID_OPTION",
      "cannot build the report: options.maxPricePaths = -1; allowed: an integer >= 1",
    ],
    [
      () => buildReport(dir, { maxPricePaths: "a" as never }),
      "INVALID_OPTION",
      'cannot build the report: options.maxPricePaths = "a"; allowed: an integer >= 1',
    ],
    [
      () => loadResults(dir, { maxPricePath: 3 } as never),
      "UNKNOWN_OPTION",
      'cannot build the report: option = "maxPricePath"; allowed: one of maxPricePaths, pathsPerVariant, maxPointsPerPath; did you mean "maxPricePaths"?',
    ],
    [
      () => loadResults(dir, { pathsPerVariant: 0.5 }),
      "INVALID_OPTION",
      "cannot build the report: options.pathsPerVariant = 0.5; allowed: an integer >= 1",
    ],
  ];
  for (const [call, code, message] of cases) {
    const e = await refusal(call);
    expect([e.code, e.message]).toEqual([code, message]);
  }
  expect(existsSync(elsewhere)).toBe(false);
  expect(readdirSync(dir)).not.toContain("report.html");
  // the same options, valid
  expect(await writeReport(dir, { out: elsewhere, maxPricePaths: 2 })).toBe(elsewhere);
  expect(
    (await loadResults(dir, { maxPricePaths: 2, pathsPerVariant: 1, maxPointsPerPath: 10 })).paths.length,
  ).toBe(2);
});
