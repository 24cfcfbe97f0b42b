import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";

// Background fsyncs fail when `failFsync` is set (the disk reports an I/O error); writeSync to a
// file whose path ends with `fullAt` fails as on a full disk; everything else is the real node:fs.
const fsState = vi.hoisted(() => ({
  failFsync: false,
  fsyncCalls: 0,
  fullAt: null as string | null,
  paths: new Map<number, string>(),
}));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    fsState.fsyncCalls++;
    if (fsState.failFsync)
      setImmediate(() => cb(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" })));
    else fs.fsync(fd, cb);
  };
  const openSync = (path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    fsState.paths.set(fd, String(path));
    return fd;
  };
  const writeSync = (fd: number, ...rest: unknown[]) => {
    if (fsState.fullAt !== null && fsState.paths.get(fd)?.endsWith(fsState.fullAt))
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  };
  // Creates the file, then fails (a disk that filled up during the write).
  const writeFileSync = (path: string, ...rest: unknown[]) => {
    if (fsState.fullAt !== null && String(path).endsWith(fsState.fullAt)) {
      fs.writeFileSync(path, "");
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }
    return (fs.writeFileSync as (...a: unknown[]) => void)(path, ...rest);
  };
  const mocked = { fsync, openSync, writeSync, writeFileSync };
  return { ...fs, ...mocked, default: { ...fs, ...mocked } };
});

const { JOURNAL_FORMAT, JournalError, JournalWriter, indexJournal } = await import(
  "../../packages/experiment/src/journal.js"
);
const { RunFailure, runExperiment } = await import("../../packages/experiment/src/runner.js");
const { mergeResults } = await import("../../packages/experiment/src/merge.js");
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

  /** What `act` throws (null: nothing) when writing a file whose name ends with `name` finds the disk full. */
  async function diskFullAt(name: string, act: () => Promise<unknown>): Promise<unknown> {
    fsState.fullAt = name;
    try {
      return await act().then(
        () => null,
        (e: unknown) => e,
      );
    } finally {
      fsState.fullAt = null;
    }
  }

  test("a resume whose damaged journal cannot be rewritten (a full disk) fails naming the journal, leaves it as it was and no .tmp", async () => {
    const out = join(root, "compact");
    await runExperiment(fakeExperiment(), { out, workers: 0, shard: "1/1" });
    for (const f of readdirSync(out)) if (f !== "journal.jsonl") rmSync(join(out, f));
    // A line that is not a run: the resume rewrites the journal without it (journal.jsonl.cascade.tmp).
    appendFileSync(join(out, "journal.jsonl"), "garbage\n");
    const before = readFileSync(join(out, "journal.jsonl"), "utf8");
    const err = await diskFullAt("journal.jsonl.cascade.tmp", () =>
      runExperiment(fakeExperiment(), { out, workers: 0, shard: "1/1", resume: true }),
    );
    expect(err).toBeInstanceOf(JournalError);
    expect((err as Error).message).toBe(
      `cannot write the run journal ${join(out, "journal.jsonl")} (ENOSPC: no space left on device, write); the runs it holds are kept: fix the cause and rerun runExperiment with options.resume`,
    );
    expect(readdirSync(out)).toEqual(["journal.jsonl"]);
    expect(readFileSync(join(out, "journal.jsonl"), "utf8")).toBe(before);
  });

  test("a merge whose run-info.json cannot be written (a full disk) names --out, the file and ENOSPC; --out is left as it was, no .tmp", async () => {
    const [a, b] = [join(root, "merge-s1"), join(root, "merge-s2")];
    await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
    await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
    const out = join(root, "merge-full");
    const err = await diskFullAt("run-info.json.cascade.tmp", () => mergeResults([a, b], { out }));
    expect((err as Error).message).toBe(
      `cannot write results: options.out = ${JSON.stringify(out)}; allowed: a folder this process can create and write to (run-info.json could not be written: ENOSPC: no space left on device, write; ${out} is left as it was and the shard folders are untouched: fix the cause, then rerun mergeResults)`,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  test("a run whose journal cannot be created (a full disk) fails naming the journal and leaves no .tmp", async () => {
    const out = join(root, "no-room");
    const err = await diskFullAt("journal.jsonl.cascade.tmp", () =>
      runExperiment(fakeExperiment(), { out, workers: 0 }),
    );
    expect(err).toBeInstanceOf(JournalError);
    expect((err as Error).message).toBe(
      `cannot write the run journal ${join(out, "journal.jsonl")} (ENOSPC: no space left on device, write); no run has started, and an earlier journal there is as it was: fix the cause and rerun runExperiment with options.resume`,
    );
    expect(readdirSync(out)).toEqual([]);
  });

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
