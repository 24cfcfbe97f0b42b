/**
 * The README quotes the default study's closing table ("excerpt, numbers from seed 20260312"): a
 * change that moves one of its numbers (a Holm p moves when another row's p changes its rank) must
 * refresh the quote, so every quoted row has to be a line the default job prints, byte for byte.
 * Runs the default study at full size (240 runs, ~10-20 s with two workers).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cascade, REPO, requireBuilt } from "./helpers.js";

let dir = "";
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), "cascade-excerpt-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of the README's excerpt: the fenced block that starts with the table's header. */
function quotedRows(): string[] {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const start = readme.indexOf("\nvariant           metric ");
  if (start < 0) throw new Error("README.md has no excerpt of the closing table");
  const end = readme.indexOf("\n```", start);
  return readme
    .slice(start + 1, end)
    .split("\n")
    .filter((l) => l !== "..." && l !== "");
}

test("every row the README quotes from the default job's closing table is printed by it", async () => {
  const rows = quotedRows();
  expect(rows.length).toBeGreaterThanOrEqual(5);
  const r = await cascade(
    [
      "run",
      "experiments/partial-vs-full.ts",
      "--out",
      join(dir, "out"),
      "--workers",
      "2",
      "--quiet",
      "--no-report",
    ],
    REPO,
  );
  expect(r.code, r.stderr).toBe(0);
  const printed = new Set(r.stdout.split("\n").map((l) => l.trimEnd()));
  const stale = rows.filter((l) => !printed.has(l.trimEnd()));
  expect(stale).toEqual([]);
}, 180_000);
