/**
 * A run or merge into a folder holding files Cascade did not write: result-named files it cannot
 * show it wrote (no manifest.json of Cascade's, no journal of a Cascade run beside them) are
 * refused before anything is written; other files (notes.txt, a sub-folder) are left untouched.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { JOURNAL_FILE, mergeResults, runExperiment } from "@cascade/experiment";
import { afterAll, expect, test } from "vitest";
import { runNotes } from "../../packages/experiment/src/runner.js";
import { fakeExperiment } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "cascade-out-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => join(root, `o${n++}`);
const read = (d: string, f: string) => readFileSync(join(d, f), "utf8");

/** Every file under `d` (relative path -> text), folders included as "<path>/". */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const f of readdirSync(join(d, rel)).sort()) {
      const p = rel ? `${rel}/${f}` : f;
      if (statSync(join(d, p)).isDirectory()) {
        out[`${p}/`] = "";
        walk(p);
      } else out[p] = read(d, p);
    }
  };
  walk("");
  return out;
}

/** A folder holding `files` (relative path -> text; a path ending in "/" is a folder). */
function folderWith(files: Record<string, string>): string {
  const d = dir();
  mkdirSync(d, { recursive: true });
  for (const [p, text] of Object.entries(files)) {
    if (p.endsWith("/")) mkdirSync(join(d, p), { recursive: true });
    else writeFileSync(join(d, p), text);
  }
  return d;
}

const OWN = {
  "runs.csv": "trade,pnl\n1,20\n",
  "summary.csv": "my summary\n",
  "notes.txt": "what I tried\n",
  "sub/": "",
  "sub/a.txt": "kept\n",
};

const refusal = (d: string, names: string, actor: "run" | "merge") =>
  `cannot write results: options.out = ${JSON.stringify(d)}; allowed: a folder whose result files Cascade wrote (${d} holds ${names} ${names.includes("manifest.json") ? `whose manifest.json is not Cascade's, with no ${JOURNAL_FILE} of Cascade's beside them` : `with neither a manifest.json nor a ${JOURNAL_FILE} of Cascade's beside them`}: files Cascade cannot tell it wrote, which this ${actor} would replace; give another options.out, or remove them from ${d} if they can go)`;

test("a run refuses a folder holding a researcher's own runs.csv and summary.csv (no manifest.json beside them), before anything is written", async () => {
  const d = folderWith(OWN);
  const before = snapshot(d);
  await expect(runExperiment(fakeExperiment(), { out: d, workers: 0 })).rejects.toThrow(
    refusal(d, "runs.csv, summary.csv", "run"),
  );
  expect(snapshot(d)).toEqual(before); // no journal, no run.lock, nothing replaced
  // not as a resume either: there is no run of Cascade's here to resume
  await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true })).rejects.toThrow(
    refusal(d, "runs.csv, summary.csv", "run"),
  );
  expect(snapshot(d)).toEqual(before);
});

test("a manifest.json that is not Cascade's (another tool's) proves nothing and is refused itself", async () => {
  const d = folderWith({ "manifest.json": '{"name":"my web app","icons":[]}\n', "runs.csv": "a\n1\n" });
  const before = snapshot(d);
  await expect(runExperiment(fakeExperiment(), { out: d, workers: 0 })).rejects.toThrow(
    refusal(d, "manifest.json, runs.csv", "run"),
  );
  expect(snapshot(d)).toEqual(before);
  const alone = folderWith({ "manifest.json": "not json" });
  await expect(runExperiment(fakeExperiment(), { out: alone, workers: 0 })).rejects.toThrow(
    refusal(alone, "manifest.json", "run"),
  );
});

test("files that are not result files (notes.txt, a sub-folder) are left untouched by a run, by a rerun of another configuration and by a merge", async () => {
  const own = { "notes.txt": OWN["notes.txt"], "sub/": "", "sub/a.txt": OWN["sub/a.txt"] };
  const d = folderWith(own);
  await runExperiment(fakeExperiment(), { out: d, workers: 0 });
  const notes: string[] = [];
  await runExperiment(fakeExperiment({ replications: 3 }), {
    out: d,
    workers: 0,
    onStart: (run) => notes.push(...runNotes(run, false)),
  });
  expect(notes).toEqual([
    `note: ${relative(process.cwd(), d)}/ held the results of another configuration (they differ in: replications (5 there, 3 now), seeds, runs (10 there, 6 now)); this run replaces them`,
  ]);
  expect(read(d, "runs.csv").trim().split("\n")).toHaveLength(1 + 2 * 3);
  const merged = folderWith(own);
  const [a, b] = [dir(), dir()];
  await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
  await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
  await mergeResults([a, b], { out: merged });
  for (const f of [d, merged]) {
    const s = snapshot(f);
    for (const [p, text] of Object.entries(own)) expect(s[p], p).toBe(text);
  }
  expect(read(merged, "runs.csv").trim().split("\n")).toHaveLength(1 + 2 * 5);
});

test("result files beside a journal of Cascade's (a run killed while writing its final files, before manifest.json) are its own: replaced with a note, or rewritten by --resume", async () => {
  const s = dir();
  await runExperiment(fakeExperiment(), { out: s, workers: 0, shard: "1/1" }); // keeps its journal
  const journal = read(s, JOURNAL_FILE).replace('"shard":"1/1"', '"shard":null');
  for (const resume of [false, true]) {
    const d = folderWith({ [JOURNAL_FILE]: journal, "runs.csv": read(s, "runs.csv").slice(0, 50) });
    const notes: string[] = [];
    await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      resume,
      onStart: (run) => notes.push(...runNotes(run, false)),
    });
    expect(read(d, "runs.csv")).toBe(read(s, "runs.csv"));
    expect(notes[0] ?? "").toBe(
      resume
        ? ""
        : `note: ${relative(process.cwd(), d)}/ held result files not marked complete (no run-info.json: runs.csv); this run replaces them`,
    );
  }
});

test("a merge refuses an --out holding a researcher's own runs.csv, leaving it and the shard folders as they were", async () => {
  const [a, b] = [dir(), dir()];
  await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
  await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
  const shards = [snapshot(a), snapshot(b)];
  const d = folderWith(OWN);
  const before = snapshot(d);
  await expect(mergeResults([a, b], { out: d })).rejects.toThrow(
    refusal(d, "runs.csv, summary.csv", "merge"),
  );
  expect(snapshot(d)).toEqual(before);
  expect([snapshot(a), snapshot(b)]).toEqual(shards);
});

/** The refusal of a journal.jsonl Cascade cannot have written (alone, or beside result files it cannot show it wrote). */
const journalRefusal = (d: string, actor: "run" | "merge", results = "") =>
  `cannot write results: options.out = ${JSON.stringify(d)}; allowed: a folder whose ${results ? "result files and " : ""}${JOURNAL_FILE} Cascade wrote (${d} holds ${results ? `${results} with neither a manifest.json nor a ${JOURNAL_FILE} of Cascade's beside them, and ` : ""}a ${JOURNAL_FILE} that does not begin as Cascade's journals do ({"journal":"cascade/...): files Cascade cannot tell it wrote, which this ${actor} would replace; give another options.out, or remove them from ${d} if they can go)`;

test("another tool's journal.jsonl is refused by a run, a resume and a merge, not replaced: left as it was, with the folder", async () => {
  const [a, b] = [dir(), dir()];
  await runExperiment(fakeExperiment(), { out: a, workers: 0, shard: "1/2" });
  await runExperiment(fakeExperiment(), { out: b, workers: 0, shard: "2/2" });
  for (const foreign of [
    '{"event":"login","user":1}\n{"event":"logout","user":1}\n', // another tool's JSON lines
    '{"journal":"my-lab-notes/1"}\n', // a "journal" key, but not Cascade's format
    "2024-05-01 tried a 0.5 close factor", // text, no line break
  ]) {
    const d = folderWith({ [JOURNAL_FILE]: foreign, "notes.txt": OWN["notes.txt"] });
    const before = snapshot(d);
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0 }), foreign).rejects.toThrow(
      journalRefusal(d, "run"),
    );
    expect(snapshot(d)).toEqual(before); // no run.lock, no journal aside, nothing replaced
    await expect(runExperiment(fakeExperiment(), { out: d, workers: 0, resume: true })).rejects.toThrow(
      journalRefusal(d, "run"),
    );
    await expect(mergeResults([a, b], { out: d })).rejects.toThrow(journalRefusal(d, "merge"));
    expect(snapshot(d)).toEqual(before);
  }
  // beside a researcher's own runs.csv: both named in one refusal
  const d = folderWith({ [JOURNAL_FILE]: '{"event":"login"}\n', "runs.csv": OWN["runs.csv"] });
  const before = snapshot(d);
  await expect(runExperiment(fakeExperiment(), { out: d, workers: 0 })).rejects.toThrow(
    journalRefusal(d, "run", "runs.csv"),
  );
  expect(snapshot(d)).toEqual(before);
});

test("a journal of Cascade's that cannot be read (cut anywhere in its header, empty, of another format) is still Cascade's: a run replaces it with a note", async () => {
  const s = dir();
  await runExperiment(fakeExperiment(), { out: s, workers: 0, shard: "1/1" }); // keeps its journal
  const header = read(s, JOURNAL_FILE).split("\n")[0];
  const cuts = [0, 1, 12, 19, 20, 21, 60, header.length];
  const olderFormat = `${header.replace('"journal":"cascade/2"', '"journal":"cascade/1"')}\n0\t[]\n`;
  for (const text of [...cuts.map((n) => header.slice(0, n)), olderFormat]) {
    const d = folderWith({ [JOURNAL_FILE]: text });
    const notes: string[] = [];
    await runExperiment(fakeExperiment(), {
      out: d,
      workers: 0,
      onStart: (run) => notes.push(...runNotes(run, false)),
    });
    expect(notes, text).toEqual([
      `note: ${relative(process.cwd(), d)}/ held an unreadable ${JOURNAL_FILE} (of a stopped run); this run replaces it`,
    ]);
    expect(read(d, "runs.csv")).toBe(read(s, "runs.csv"));
  }
});
