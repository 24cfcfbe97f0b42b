import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, beforeEach, describe, expect, test, vi } from "vitest";
import { writeReport } from "../../packages/experiment/src/report/index.js";
import { fakeExperiment } from "./helpers.js";

/**
 * The renames that publish results must reach the disk before what they replace is given up: the
 * results folder itself is fsync'ed (Linux: a file's fsync does not cover its name). Every
 * rename, removal and fsync of the experiment package is recorded, in order, with the path the
 * synced descriptor was opened on.
 */
const log = vi.hoisted(() => [] as string[]);
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const opened = new Map<number, string>();
  const traced = {
    ...fs,
    openSync: (...a: Parameters<typeof fs.openSync>) => {
      const fd = fs.openSync(...a);
      opened.set(fd, String(a[0]));
      return fd;
    },
    fsyncSync: (fd: number) => {
      log.push(`fsync ${opened.get(fd)}`);
      fs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      log.push(`rename ${to}`);
      fs.renameSync(from, to);
    },
    rmSync: (...a: Parameters<typeof fs.rmSync>) => {
      log.push(`rm ${a[0]}`);
      fs.rmSync(...a);
    },
  };
  return { ...traced, default: traced };
});

const root = mkdtempSync(join(tmpdir(), "cascade-fsync-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  log.length = 0;
});

/** Index of the first entry equal to `entry` at or after `from` (-1: none). */
const at = (entry: string, from = 0) => log.indexOf(entry, from);

describe("the results folder is fsync'ed after the renames that publish into it", () => {
  test("run: the new journal's name before its runs; the final files' names before the journal is removed", async () => {
    const out = join(root, "run");
    await runExperiment(fakeExperiment(), { out, workers: 0 });
    const journal = at(`rename ${join(out, "journal.jsonl")}`);
    expect(journal).toBeGreaterThanOrEqual(0);
    expect(log[journal + 1]).toBe(`fsync ${out}`);
    const published = at(`rename ${join(out, "run-info.json")}`);
    const removed = at(`rm ${join(out, "journal.jsonl")}`, published);
    expect(published).toBeGreaterThan(at(`rename ${join(out, "runs.csv")}`));
    expect(removed).toBeGreaterThan(published);
    expect(log.slice(published, removed)).toContain(`fsync ${out}`);
  });

  test("resume that compacts a damaged journal: its new name is synced", async () => {
    const out = join(root, "resume");
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: "1/1" });
    const { appendFileSync } = await import("node:fs");
    appendFileSync(join(out, "journal.jsonl"), "not a run\n");
    log.length = 0;
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: "1/1", resume: true });
    const compacted = at(`rename ${join(out, "journal.jsonl")}`);
    expect(compacted).toBeGreaterThanOrEqual(0);
    expect(log[compacted + 1]).toBe(`fsync ${out}`);
  });

  test("merge: after the last file is moved into place; report: after report.html", async () => {
    const [a, b, out] = ["s1", "s2", "merged"].map((d) => join(root, d));
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    log.length = 0;
    await mergeResults([a, b], { out });
    const last = at(`rename ${join(out, "run-info.json")}`);
    expect(last).toBeGreaterThan(at(`rename ${join(out, "runs.csv")}`));
    expect(log.slice(last + 1)).toContain(`fsync ${out}`);
    log.length = 0;
    await writeReport(out);
    const report = at(`rename ${join(out, "report.html")}`);
    expect(report).toBeGreaterThanOrEqual(0);
    expect(log.slice(report + 1)).toContain(`fsync ${out}`);
  });
});
