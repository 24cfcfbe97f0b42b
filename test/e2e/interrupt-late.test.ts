/**
 * A Ctrl-C or SIGTERM that arrives once the results are written (run-info.json renamed into place,
 * or the report being written) is neither lost nor fatal: the command says the results are complete,
 * which files were not written and how to write them, exits with the signal's code, and leaves no
 * `.tmp` file. The signal is sent by the process to itself at a set point (fixtures/fs-faults.mjs,
 * preloaded, wraps one fs function), so the moment is exact, not a guess of timing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cascade, fixture, OUTPUT_FILES, readAll, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-late-signal-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RUN = ["run", TINY, "--replications", "2", "--workers", "0", "--quiet"];

beforeAll(async () => {
  requireBuilt();
  const runs = await Promise.all([
    cascade([...RUN, "--no-report", "--out", "ref"], tmp),
    cascade([...RUN, "--shard", "1/2", "--out", "s1"], tmp),
    cascade([...RUN, "--shard", "2/2", "--out", "s2"], tmp),
  ]);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
});

/** `cascade <args>` with SIGNAL_AT set (the preload reads it), in a child process. */
async function signalledAt(at: string, args: string[]) {
  process.env.SIGNAL_AT = at;
  try {
    return await cascade(args, tmp, ["--import", fixture("fs-faults.mjs")]);
  } finally {
    delete process.env.SIGNAL_AT;
  }
}

for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  test(`${signal} as run-info.json is written: exit ${code}, results complete, report.html skipped and said so`, async () => {
    const out = `info-${signal}`;
    const r = await signalledAt(`run-info:${signal}`, [...RUN, "--out", out]);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(
      `cascade run interrupted (${signal}) after its results were written to ${out}/ (complete); report.html was not written (cascade report ${out})`,
    );
    expect(r.stdout).toBe("");
    expect(readdirSync(join(tmp, out)).sort()).toEqual([...OUTPUT_FILES, "run-info.json"].sort());
    expect(readAll(join(tmp, out))).toEqual(readAll(join(tmp, "ref")));
  });

  test(`${signal} while report.html is written: exit ${code}, no .tmp left, results complete, how to write the report`, async () => {
    const out = `report-${signal}`;
    const r = await signalledAt(`report:${signal}`, [...RUN, "--out", out]);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(
      `cascade run interrupted (${signal}) after its results were written to ${out}/ (complete); report.html was not written (cascade report ${out})`,
    );
    expect(readdirSync(join(tmp, out)).sort()).toEqual([...OUTPUT_FILES, "run-info.json"].sort());
    expect(readAll(join(tmp, out))).toEqual(readAll(join(tmp, "ref")));
  });
}

test("SIGINT as a merge's run-info.json is written: exit 130, merged results complete, report.html skipped and said so", async () => {
  const r = await signalledAt("run-info:SIGINT", ["merge", "s1", "s2", "--out", "merged", "--quiet"]);
  expect(r.code, r.stderr).toBe(130);
  expect(r.stderr).toContain(
    "cascade merge interrupted (SIGINT) after its results were written to merged/ (complete); report.html was not written (cascade report merged)",
  );
  expect(readdirSync(join(tmp, "merged")).sort()).toEqual([...OUTPUT_FILES, "run-info.json"].sort());
  expect(readAll(join(tmp, "merged"))).toEqual(readAll(join(tmp, "ref")));
});

test("SIGTERM as a shard's run-info.json is written: exit 143, says the shard is complete, no report advice (shards have none)", async () => {
  const r = await signalledAt("run-info:SIGTERM", [...RUN, "--shard", "1/2", "--out", "s1-late"]);
  expect(r.code, r.stderr).toBe(143);
  expect(r.stderr.trim().split("\n").at(-1)).toBe(
    "cascade run interrupted (SIGTERM) after its results were written to s1-late/ (complete)",
  );
  const shardFiles = (dir: string) =>
    ["manifest.json", "runs.csv", "timeseries.csv", "liquidations.csv"].map((f) =>
      readFileSync(join(tmp, dir, f), "utf8"),
    );
  expect(shardFiles("s1-late")).toEqual(shardFiles("s1"));
  expect(existsSync(join(tmp, "s1-late", "run-info.json"))).toBe(true);
});
