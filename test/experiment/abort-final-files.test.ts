/**
 * An abort that lands while the final files are written (statistics included) stops them at the
 * next row: summary.csv's bootstrap and comparisons are not all computed first.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JOURNAL_FILE, RunAborted, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test, vi } from "vitest";
import { pairedComparison, summarize } from "../../packages/experiment/src/stats.js";
import { fakeExperiment } from "./helpers.js";

vi.mock("../../packages/experiment/src/stats.js", async (importOriginal) => {
  const stats = await importOriginal<typeof import("../../packages/experiment/src/stats.js")>();
  return {
    ...stats,
    summarize: vi.fn(stats.summarize),
    pairedComparison: vi.fn(stats.pairedComparison),
  };
});

const root = mkdtempSync(join(tmpdir(), "cascade-abort-final-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("aborted while summary.csv is computed: stops within a row, RunAborted keeps every run, only the journal is left", async () => {
  const out = join(root, "stats");
  const controller = new AbortController();
  let atAbort = -1;
  const err = await runExperiment(fakeExperiment({ replications: 30 }), {
    out,
    workers: 0,
    signal: controller.signal,
    onStart: () => {
      // Polls on every turn of the event loop, as a Ctrl-C handler would get to run.
      const poll = () => {
        if (existsSync(join(out, "summary.csv.cascade.tmp"))) {
          atAbort = vi.mocked(summarize).mock.calls.length;
          controller.abort(new Error("interrupted (SIGINT)"));
        } else setImmediate(poll);
      };
      poll();
    },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RunAborted);
  expect((err as RunAborted).finished).toBe(60);
  expect((err as Error).message).toMatch(/^run aborted while writing its final files: all 60 runs are kept/);
  // 2 variants x the fake world's metrics: many rows; at most the row in progress after the abort.
  expect(atAbort).toBeGreaterThanOrEqual(0);
  expect(vi.mocked(summarize).mock.calls.length - atAbort).toBeLessThanOrEqual(1);
  expect(vi.mocked(pairedComparison)).not.toHaveBeenCalled();
  expect(readdirSync(out)).toEqual([JOURNAL_FILE]);
});
