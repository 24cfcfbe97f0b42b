/**
 * A journal that holds fewer runs after running than were run (a line lost under the writer) fails
 * the run with the library's advice (JOURNAL_ADVICE, options.resume); the CLI maps that one phrase
 * to its command and flag (asFlags), as it does for a JournalError.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test, vi } from "vitest";

// The runner's reading of the journal after running loses run 0 when `lose` is set; the writer and
// every other reading are the real ones.
const state = vi.hoisted(() => ({ lose: false }));
vi.mock("../../packages/experiment/src/journal.js", async (importOriginal) => {
  const journal = await importOriginal<typeof import("../../packages/experiment/src/journal.js")>();
  const indexJournal: typeof journal.indexJournal = (...args) => {
    const read = journal.indexJournal(...args);
    if (state.lose) read.index.delete(0);
    return read;
  };
  return { ...journal, indexJournal };
});

const { runExperiment } = await import("../../packages/experiment/src/runner.js");
const { cascadeInProcess, fakeExperiment } = await import("./helpers.js");

const root = mkdtempSync(join(tmpdir(), "cascade-journal-lost-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("runExperiment: runs missing from the journal after running are a RunFailure advising options.resume, not the CLI's flag", async () => {
  const out = join(root, "lib");
  state.lose = true;
  const err = await runExperiment(fakeExperiment({ replications: 3 }), { out, workers: 0, replications: 3 })
    .then(() => null)
    .catch((e: unknown) => e as Error)
    .finally(() => {
      state.lose = false;
    });
  expect(err?.name).toBe("RunFailure");
  expect(err?.message).toMatch(
    /^journal .*journal\.jsonl holds 5 of 6 runs after running; rerun runExperiment with options\.resume$/,
  );
});

test("cascade run: the same failure names the command and its flag", async () => {
  const out = join(root, "cli");
  const tiny = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url));
  state.lose = true;
  let run: { code: number; stderr: string };
  try {
    run = await cascadeInProcess(["run", tiny, "--workers", "0", "--out", out, "--quiet", "--no-report"]);
  } finally {
    state.lose = false;
  }
  expect(run.code).toBe(1);
  // The whole of stderr: no CASCADE_DEBUG hint, as its stack would point into Cascade's runner,
  // not at the experiment file's lines.
  expect(run.stderr).toMatch(
    /^error: journal .*journal\.jsonl holds \d+ of \d+ runs after running; rerun cascade run with --resume\n$/,
  );
});
