/**
 * A merge moves its files into --out one rename at a time. If that pass stops partway (here a
 * rename fails: a folder stands where comparison.csv goes), the files already moved must sit
 * beside Cascade's manifest.json, so the next run or merge recognises them as its own results
 * (not marked complete) and replaces them, instead of refusing them as files Cascade did not write.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { MERGE_STAGING } from "../../packages/experiment/src/atomic-file.js";
import { TINY } from "../e2e/helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-merge-order-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("files a stopped merge moved into --out sit beside its manifest.json; the next merge replaces them", async () => {
  const dirs = [join(tmp, "s1"), join(tmp, "s2")];
  for (const [i, out] of dirs.entries())
    await runExperiment(TINY, { out, workers: 0, replications: 2, shard: `${i + 1}/2` });
  const out = join(tmp, "merged");
  const blocker = join(out, "comparison.csv");
  // Once the merge writes its staged comparison.csv (after its checks of --out), a folder is put
  // where that file goes: its rename in the final pass fails.
  const staged = join(out, MERGE_STAGING, "comparison.csv");
  let blocked = false;
  const poll = setInterval(() => {
    if (!blocked && (existsSync(staged) || existsSync(`${staged}.cascade.tmp`))) {
      mkdirSync(join(blocker, "keep"), { recursive: true });
      blocked = true;
    }
  }, 0);
  // (a signal lets the writing yield between rows, so the poll runs meanwhile)
  const failed = await mergeResults(dirs, { out, signal: new AbortController().signal }).catch(
    (e: Error) => e,
  );
  clearInterval(poll);
  expect(blocked).toBe(true);
  expect(failed).toBeInstanceOf(Error);
  // what the stopped pass moved (runs.csv at least) has Cascade's manifest beside it
  expect(existsSync(join(out, "runs.csv"))).toBe(true);
  expect(existsSync(join(out, "manifest.json"))).toBe(true);
  rmSync(blocker, { recursive: true });
  const merged = await mergeResults(dirs, { out });
  expect(merged.merged).toBe(merged.total);
  expect(existsSync(join(out, "run-info.json"))).toBe(true);
});
