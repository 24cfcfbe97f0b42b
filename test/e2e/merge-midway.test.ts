/**
 * A merge over earlier results that is killed midway (SIGKILL: no handler runs) leaves those
 * results whole, as they were; the next merge removes what the killed one left and writes its own.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { MERGE_STAGING } from "../../packages/experiment/src/atomic-file.js";
import { REPO, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-merge-kill-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const script = join(tmp, "merge-killed.mjs");
writeFileSync(
  script,
  `import { existsSync } from "node:fs";
import { join } from "node:path";
import { mergeResults } from ${JSON.stringify(pathToFileURL(join(REPO, "packages/experiment/dist/index.js")).href)};
const [out, when, ...dirs] = process.argv.slice(2);
// Checked on every turn of the event loop (a signal lets the writing yield row by row).
const poll = () => {
  if (existsSync(join(out, ${JSON.stringify(MERGE_STAGING)}, when)) || existsSync(join(out, when)))
    process.kill(process.pid, "SIGKILL");
  setImmediate(poll);
};
poll();
await mergeResults(dirs, { out, signal: new AbortController().signal });
process.exit(0);
`,
);

const snapshot = (d: string) =>
  Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), "utf8")]));

test("a merge killed while writing leaves the earlier results whole; the next merge cleans up and replaces them", async () => {
  requireBuilt();
  const shards = async (seed: number) => {
    const dirs = [join(tmp, `s${seed}-1`), join(tmp, `s${seed}-2`)];
    for (const [i, out] of dirs.entries())
      await runExperiment(TINY, { out, workers: 0, replications: 4, seed, shard: `${i + 1}/2` });
    return dirs;
  };
  const earlier = await shards(43);
  const later = await shards(42);
  const out = join(tmp, "merged");
  await mergeResults(earlier, { out });
  const before = snapshot(out);
  for (const when of ["runs.csv.cascade.tmp", "comparison.csv.cascade.tmp"]) {
    const r = spawnSync(process.execPath, [script, out, when, ...later], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.signal, r.stderr).toBe("SIGKILL");
    // What the killed merge wrote is in its staging folder (and run.lock), nothing else.
    const {
      [MERGE_STAGING]: _staged,
      "run.lock": _lock,
      ...rest
    } = Object.fromEntries(
      readdirSync(out).map((f) => [f, f === MERGE_STAGING ? "" : readFileSync(join(out, f), "utf8")]),
    );
    expect(rest, when).toEqual(before);
    expect(existsSync(join(out, MERGE_STAGING, when)), when).toBe(true);
  }
  await mergeResults(later, { out });
  const fresh = join(tmp, "fresh");
  await mergeResults(later, { out: fresh });
  // run-info.json says when and from where: the same files otherwise
  const { "run-info.json": info, ...results } = snapshot(out);
  const { "run-info.json": _, ...freshResults } = snapshot(fresh);
  expect(results).toEqual(freshResults);
  expect(JSON.parse(info)).toMatchObject({ complete: true, mergedFrom: later });
  expect(existsSync(join(out, MERGE_STAGING))).toBe(false);
});
