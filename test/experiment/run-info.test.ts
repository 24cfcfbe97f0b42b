/**
 * run-info.json, read back by one reader (readRunInfo): the runner's resume, merge's and report's
 * refusals. A malformed file (wrong types, not an object, not JSON) is never taken for complete
 * results, and the fields of a well-formed one are read as written.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { readRunInfo } from "../../packages/experiment/src/results-files.js";
import { fakeExperiment } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "cascade-run-info-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder whose run-info.json holds `text`. */
function folderWith(name: string, text: string): string {
  const d = join(root, name);
  mkdirSync(d);
  writeFileSync(join(d, "run-info.json"), text);
  return d;
}

test("readRunInfo: the checked fields of a well-formed file; wrong-typed fields read as absent; a file that is no object, or names no shard or one of a wrong type, is undefined", () => {
  const good = folderWith(
    "good",
    JSON.stringify({ fingerprint: "abc", complete: true, shard: "1/2", runs: { total: 5, executed: 5 } }),
  );
  expect(readRunInfo(good)).toEqual({ fingerprint: "abc", complete: true, shard: "1/2", runs: 5 });
  const merged = folderWith("merged", JSON.stringify({ fingerprint: "abc", complete: true, shard: null }));
  expect(readRunInfo(merged)).toEqual({ fingerprint: "abc", complete: true, shard: null, runs: undefined });
  // Wrong types: not taken at their word (complete "true" is not complete, a fingerprint must be text).
  const wrong = folderWith(
    "wrong",
    JSON.stringify({ fingerprint: 12, complete: "true", shard: "1/2", runs: { total: "5" } }),
  );
  expect(readRunInfo(wrong)).toEqual({
    fingerprint: undefined,
    complete: false,
    shard: "1/2",
    runs: undefined,
  });
  for (const [name, text] of [
    // No shard key (a hand edit): neither a shard's nor an unsharded run's results, as unreadable.
    ["no-shard", "{}"],
    ["no-shard-complete", JSON.stringify({ fingerprint: "abc", complete: true, runs: { total: 5 } })],
    ["shard-number", JSON.stringify({ fingerprint: "abc", complete: true, shard: 1 })],
    ["shard-object", JSON.stringify({ fingerprint: "abc", complete: true, shard: { index: 1 } })],
    ["null", "null"],
    ["array", "[]"],
    ["number", "7"],
    ["torn", '{"fingerprint": "abc", "comp'],
  ])
    expect(readRunInfo(folderWith(name, text)), name).toBeUndefined();
  expect(readRunInfo(join(root, "missing"))).toBeUndefined();
  // A folder in the file's place: unreadable.
  mkdirSync(join(root, "dir-in-place", "run-info.json"), { recursive: true });
  expect(readRunInfo(join(root, "dir-in-place"))).toBeUndefined();
});

test("resume on complete results whose run-info.json has wrong types refuses them (not taken as complete); the file as written is", async () => {
  const d = join(root, "resume");
  await runExperiment(fakeExperiment(), { out: d, workers: 0 });
  const written = readFileSync(join(d, "run-info.json"), "utf8");
  const info = JSON.parse(written) as Record<string, unknown>;
  const refusal =
    /cannot resume: options\.resume = ".*"; allowed: a folder holding an interrupted run .*the results here belong to another configuration or shard, or their run-info\.json is unreadable/;
  for (const [what, edit] of [
    ["complete as text", { complete: "true" }],
    ["fingerprint as a number", { fingerprint: 1 }],
    ["shard as a number", { shard: 1 }],
    // no shard key: not taken for the complete results of a run without a shard
    ["no shard", { shard: undefined }],
  ] as const) {
    writeFileSync(join(d, "run-info.json"), JSON.stringify({ ...info, ...edit }));
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true }), what).rejects.toThrow(
      refusal,
    );
  }
  writeFileSync(join(d, "run-info.json"), "[]");
  await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true })).rejects.toThrow(
    refusal,
  );
  writeFileSync(join(d, "run-info.json"), written);
  const again = await runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true });
  expect([again.executed, again.resumed]).toEqual([0, 10]);
});

test("merge reads run-info.json by the same rule: a folder of complete results whose file names no shard is not said to be a run without options.shard", async () => {
  const d = join(root, "merge-whole");
  await runExperiment(fakeExperiment(), { out: d, workers: 0 });
  const written = readFileSync(join(d, "run-info.json"), "utf8");
  const info = JSON.parse(written) as Record<string, unknown>;
  const merge = () => mergeResults([d], { out: join(root, "merge-out") });
  const whole = "this one holds the complete results of a run without options.shard, which need no merge";
  await expect(merge()).rejects.toThrow(whole);
  writeFileSync(join(d, "run-info.json"), JSON.stringify({ ...info, shard: undefined }));
  const refused = (await merge().catch((e: unknown) => e)) as Error;
  expect(refused.message).toMatch(
    /^cannot merge: dirs\.0 = ".*"; allowed: a folder written by runExperiment with options\.shard i\/N \(with manifest\.json and journal\.jsonl\)$/,
  );
  expect(existsSync(join(root, "merge-out"))).toBe(false);
});
