import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// Count how often the CLI asks the OS for its CPUs (usableCores() reads affinity and the cgroup
// files): once per CLI call is enough.
const calls = vi.hoisted(() => ({ n: 0 }));
vi.mock("node:os", async (original) => {
  const os = await original<typeof import("node:os")>();
  const availableParallelism = () => {
    calls.n++;
    return 1;
  };
  return { ...os, default: { ...os, availableParallelism }, availableParallelism };
});

const { main } = await import("../../packages/experiment/src/cli.js");
// Importing the CLI (every command, `--help` included) must not ask yet.
const atImport = calls.n;
const TINY = join(import.meta.dirname, "../e2e/fixtures/tiny.ts");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cascade-cores-once-"));
  calls.n = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the CLI's usable cores", () => {
  it("are not computed when the CLI is loaded", () => {
    expect(atImport).toBe(0);
  });

  it("are computed once per `cascade run` (default workers: the pool size and its compile mode)", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const code = await main(["run", TINY, "--replications", "1", "--quiet", "--no-report", "--out", dir]);
      expect(code).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(calls.n).toBe(1);
  });

  it("are not computed by a command that does not need them", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await main(["validate", TINY])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(calls.n).toBe(0);
  });
});
