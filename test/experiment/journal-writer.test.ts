import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";

// Background fsyncs fail when `failFsync` is set (the disk reports an I/O error); everything else
// is the real node:fs.
const fsState = vi.hoisted(() => ({ failFsync: false, fsyncCalls: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    fsState.fsyncCalls++;
    if (fsState.failFsync)
      setImmediate(() => cb(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" })));
    else fs.fsync(fd, cb);
  };
  return { ...fs, fsync, default: { ...fs, fsync } };
});

const { JOURNAL_FORMAT, JournalError, JournalWriter, indexJournal } = await import(
  "../../packages/experiment/src/journal.js"
);
const { RunFailure, runExperiment } = await import("../../packages/experiment/src/runner.js");
const { cascadeInProcess, fakeExperiment } = await import("./helpers.js");

const root = mkdtempSync(join(tmpdir(), "cascade-journal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const header = (total: number) => ({ journal: JOURNAL_FORMAT, fingerprint: "f", shard: null, total });
const ticks = () => new Promise<void>((r) => setTimeout(r, 20));

describe("JournalWriter", () => {
  test("lines are in the file as soon as append returns; background fsyncs are batched", async () => {
    fsState.failFsync = false;
    fsState.fsyncCalls = 0;
    const file = join(root, "a.jsonl");
    const { writer } = JournalWriter.open(file, header(50), false, () => true);
    for (let r = 0; r < 50; r++) {
      writer.append(`${r}\t{"r":${r}}\n`);
      // Readable at once by anyone (a resumed run after a SIGKILL reads the same kernel pages).
      expect(readFileSync(file, "utf8").endsWith(`${r}\t{"r":${r}}\n`)).toBe(true);
    }
    // 50 appends in one synchronous burst: one fsync in flight, the rest wait for it.
    expect(fsState.fsyncCalls).toBe(1);
    writer.close();
    writer.close(); // idempotent
    await ticks();
    expect(() => writer.append("50\t{}\n")).toThrow(/closed/);
    const { index, complete } = indexJournal(file, 50, () => true, false);
    expect(index.size).toBe(50);
    expect(complete).toBe(readFileSync(file).length);
  });

  test("a failed background fsync is thrown by the next append, naming the error", async () => {
    fsState.failFsync = true;
    const file = join(root, "b.jsonl");
    const { writer } = JournalWriter.open(file, header(3), false, () => true);
    writer.append("0\t{}\n");
    await ticks();
    expect(() => writer.append("1\t{}\n")).toThrow(/EIO/);
    fsState.failFsync = false;
    expect(() => writer.close()).toThrow(/EIO/);
  });

  for (const [label, experiment, workers] of [
    ["in-process", () => fakeExperiment({ replications: 20 }), 0],
    ["worker threads", () => fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url)), 1],
  ] as const) {
    test(`${label}: a journal that cannot be written fails the run naming the journal and the OS error, not a run`, async () => {
      fsState.failFsync = false;
      const out = join(root, `run-${workers}`);
      const err = await runExperiment(experiment(), {
        out,
        workers,
        replications: 20,
        // The disk fails once the journal is open: the first background fsync reports EIO.
        onStart: () => {
          fsState.failFsync = true;
        },
      })
        .catch((e: unknown) => e)
        .finally(() => {
          fsState.failFsync = false;
        });
      expect(err).toBeInstanceOf(JournalError);
      expect(err).not.toBeInstanceOf(RunFailure);
      expect((err as Error).message).toBe(
        `cannot write the run journal ${join(out, "journal.jsonl")} (EIO: i/o error, fsync); the runs it holds are kept: fix the cause and rerun runExperiment with options.resume`,
      );
      expect((err as Error).cause).toMatchObject({ code: "EIO" });
      expect(readdirSync(out).sort()).toEqual(["journal.jsonl"]);
    });
  }

  test("cascade run: a journal that cannot be written is exit 1 with its message alone (no run blamed, no stack)", async () => {
    const out = join(root, "cli");
    const tiny = fileURLToPath(new URL("../e2e/fixtures/tiny.ts", import.meta.url));
    fsState.failFsync = true;
    let run: { code: number; stderr: string };
    try {
      run = await cascadeInProcess(["run", tiny, "--workers", "0", "--out", out, "--quiet", "--no-report"]);
    } finally {
      fsState.failFsync = false;
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: cannot write the run journal ${join(out, "journal.jsonl")} (EIO: i/o error, fsync); the runs it holds are kept: fix the cause and rerun cascade run with --resume\n`,
    );
  });
});
