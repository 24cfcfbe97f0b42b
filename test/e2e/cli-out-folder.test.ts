/**
 * End to end: `cascade run --out DIR` and `cascade merge --out DIR` into a folder holding a
 * researcher's own results file refuse it (exit 2, naming --out, the folder and the file) and
 * leave every file there as it was.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { cascade, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-e2e-out-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const contents = (d: string) =>
  Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), "utf8")]));

test("cascade run and cascade merge refuse an --out holding the researcher's own runs.csv; notes.txt beside it is kept", async () => {
  requireBuilt();
  const out = join(tmp, "mine");
  mkdirSync(out);
  writeFileSync(join(out, "runs.csv"), "trade,pnl\n1,20\n");
  writeFileSync(join(out, "notes.txt"), "what I tried\n");
  const before = contents(out);
  const refused = (actor: string) =>
    `error: cannot write results: --out = ${JSON.stringify(out)}; allowed: a folder whose result files Cascade wrote (${out} holds runs.csv with neither a manifest.json nor a journal.jsonl of Cascade's beside them: files Cascade cannot tell it wrote, which this ${actor} would replace; give another --out, or remove them from ${out} if they can go)\n`;
  const run = await cascade(["run", TINY, "--workers", "0", "--quiet", "--out", "mine"], tmp);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(refused("run"));
  expect(run.stdout).toBe("");
  expect(contents(out)).toEqual(before);
  const shard = await cascade(
    ["run", TINY, "--workers", "0", "--quiet", "--shard", "1/1", "--out", "s"],
    tmp,
  );
  expect(shard.code).toBe(0);
  const merge = await cascade(["merge", "s", "--quiet", "--out", "mine"], tmp);
  expect(merge.code).toBe(2);
  expect(merge.stderr).toBe(refused("merge"));
  expect(contents(out)).toEqual(before);
});

test("cascade run refuses an --out holding another tool's journal.jsonl (exit 2, naming it and the way on) and leaves it as it was", async () => {
  requireBuilt();
  const out = join(tmp, "their-journal");
  mkdirSync(out);
  writeFileSync(join(out, "journal.jsonl"), '{"event":"login","user":1}\n');
  const before = contents(out);
  const run = await cascade(["run", TINY, "--workers", "0", "--quiet", "--out", "their-journal"], tmp);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    `error: cannot write results: --out = ${JSON.stringify(out)}; allowed: a folder whose journal.jsonl Cascade wrote (${out} holds a journal.jsonl that does not begin as Cascade's journals do ({"journal":"cascade/...): files Cascade cannot tell it wrote, which this run would replace; give another --out, or remove them from ${out} if they can go)\n`,
  );
  expect(contents(out)).toEqual(before);
});
