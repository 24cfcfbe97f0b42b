/**
 * A disk that fills up while the final files are written (timeseries.csv's temporary file opened
 * on /dev/full by fixtures/fs-faults.mjs) is a failure while running (exit 1): the command names
 * the folder, the file and the OS's error, says what is kept and how to finish, and leaves nothing
 * half-written; run's --resume then writes the files of an uninterrupted run.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cascade, fixture, OUTPUT_FILES, readAll, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-disk-full-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RUN = ["run", TINY, "--replications", "2", "--workers", "0", "--quiet", "--no-report"];

/** `cascade <args>` whose writes to `file` (timeseries.csv, report.html) fail with ENOSPC. */
async function onFullDisk(args: string[], file = "timeseries.csv") {
  process.env.FULL_AT = file;
  try {
    return await cascade(args, tmp, ["--import", fixture("fs-faults.mjs")]);
  } finally {
    delete process.env.FULL_AT;
  }
}

// Linux: every write to /dev/full fails with ENOSPC.
describe.runIf(existsSync("/dev/full"))("a full disk while the final files are written", () => {
  beforeAll(async () => {
    requireBuilt();
    const runs = await Promise.all([
      cascade([...RUN, "--out", "ref"], tmp),
      cascade([...RUN, "--shard", "1/2", "--out", "s1"], tmp),
      cascade([...RUN, "--shard", "2/2", "--out", "s2"], tmp),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
  });

  test("run: exit 1 naming --out, the file and ENOSPC, the runs kept and --resume; only the journal is left; the resume writes the same bytes", async () => {
    const out = join(tmp, "full-run");
    const r = await onFullDisk([...RUN, "--out", out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot write results: --out = ${JSON.stringify(out)}; allowed: a folder this process can create and write to (timeseries.csv could not be written: ENOSPC: no space left on device, write; all 4 runs are kept in ${join(out, "journal.jsonl")}, no final file was written: fix the cause, then rerun cascade run with --resume to write them)\n`,
    );
    expect(readdirSync(out)).toEqual(["journal.jsonl"]);
    const resumed = await cascade([...RUN, "--out", out, "--resume"], tmp);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("(0 run now, 4 already done)");
    expect(readAll(out)).toEqual(readAll(join(tmp, "ref")));
  });

  test("the report, after complete results (run, merge): exit 1 naming report.html and ENOSPC, that the results are complete, and cascade report", async () => {
    const [run, merge] = await Promise.all([
      onFullDisk([...RUN.filter((a) => a !== "--no-report"), "--out", "full-report"], "report.html"),
      onFullDisk(["merge", "s1", "s2", "--out", "full-report-m", "--quiet"], "report.html"),
    ]);
    for (const [r, out] of [
      [run, "full-report"],
      [merge, "full-report-m"],
    ] as const) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toBe(
        `error: cannot write the report: report.html = ${JSON.stringify(join(tmp, out, "report.html"))}; allowed: a file path in a folder with room for it (ENOSPC: no space left on device, write); the results in ${out}/ are complete: fix the cause, then cascade report ${out}\n`,
      );
      expect(readdirSync(join(tmp, out)).sort()).toEqual([...OUTPUT_FILES, "run-info.json"].sort());
      expect(readAll(join(tmp, out))).toEqual(readAll(join(tmp, "ref")));
    }
  });

  test("merge: exit 1 naming --out, the file and ENOSPC; --out is left as it was (empty), the shards untouched", async () => {
    const out = join(tmp, "full-merge");
    const r = await onFullDisk(["merge", "s1", "s2", "--out", out, "--quiet"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot write results: --out = ${JSON.stringify(out)}; allowed: a folder this process can create and write to (timeseries.csv could not be written: ENOSPC: no space left on device, write; ${out} is left as it was and the shard folders are untouched: fix the cause, then rerun cascade merge)\n`,
    );
    expect(readdirSync(out)).toEqual([]);
    const merged = await cascade(["merge", "s1", "s2", "--out", out, "--quiet"], tmp);
    expect(merged.code, merged.stderr).toBe(0);
    expect(readAll(out)).toEqual(readAll(join(tmp, "ref")));
  });
});
