/**
 * `cascade merge` without --quiet, on stderr that is not a TTY: once its statistics step has taken
 * 2 s, plain lines that say what it counts (the statistics of summary.csv and comparison.csv) with
 * the merge's name, and a last line at all of them; then the report's line. The clock is faked (performance.now, which the
 * progress reads) so that the step "takes" seconds without the test waiting for them.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExperiment } from "@cascade/experiment";
import { afterAll, expect, test, vi } from "vitest";
import { cascadeInProcess, fakeExperiment } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "cascade-merge-progress-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rows = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n").length - 1;

test("cascade merge without --quiet: plain progress lines of its statistics, named, counting up to a last line at 100%", async () => {
  const shards = [join(root, "s1"), join(root, "s2")];
  for (const [i, out] of shards.entries())
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: `${i + 1}/2` });
  const out = join(root, "merged");
  // Each reading of the clock is a second later: the 2 s delay passes at once, and a line is due
  // every fifth update (lines are 5 s apart).
  const real = performance.now.bind(performance);
  let reads = 0;
  const clock = vi.spyOn(performance, "now").mockImplementation(() => real() + 1000 * reads++);
  const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
  Object.defineProperty(process.stderr, "isTTY", { value: false, configurable: true });
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  let merged: { code: number; stderr: string };
  try {
    merged = await cascadeInProcess(["merge", ...shards, "--out", out]);
  } finally {
    stdout.mockRestore();
    if (tty) Object.defineProperty(process.stderr, "isTTY", tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
    clock.mockRestore();
  }
  expect(merged.code, merged.stderr).toBe(0);
  const total = rows(join(out, "summary.csv")) + rows(join(out, "comparison.csv"));
  const all = merged.stderr.trimEnd().split("\n");
  // then the report's writing (cli.ts' timedStep), and how long it took once that is 2 s on this
  // clock: as many seconds as performance.now() was read meanwhile (by modules not yet loaded, say)
  const report = all.indexOf("writing report.html ...");
  expect(report, merged.stderr).toBeGreaterThan(0);
  const after = all.slice(report + 1);
  expect(after.length, merged.stderr).toBeLessThanOrEqual(1);
  for (const line of after) expect(line).toMatch(/^report\.html written in \d+s$/);
  const lines = all.slice(0, report);
  expect(lines.length, merged.stderr).toBeGreaterThanOrEqual(2);
  const done: number[] = [];
  for (const line of lines) {
    const m =
      /^cascade merge fake: (\d+)\/(\d+) statistics \((\d+\.\d)%\), \d+\.\d statistics\/s, ETA (\S+)$/.exec(
        line,
      );
    expect(m, line).not.toBeNull();
    expect(Number(m?.[2]), line).toBe(total);
    expect(Number(m?.[3])).toBe(Number(((100 * Number(m?.[1])) / total).toFixed(1)));
    done.push(Number(m?.[1]));
  }
  // Counting up, and ending at every statistic, with nothing left to wait for.
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(new Set(done).size).toBe(done.length);
  expect(done[0]).toBeGreaterThan(0);
  expect(lines.at(-1)).toMatch(
    new RegExp(`^cascade merge fake: ${total}/${total} statistics \\(100\\.0%\\), .*, ETA 0s$`),
  );
});
