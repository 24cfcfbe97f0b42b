import { existsSync, mkdtempSync, rmSync } from "node:fs";
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
