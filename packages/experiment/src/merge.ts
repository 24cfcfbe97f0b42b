/**
 * `cascade merge <dirs...> --out DIR`: joins shard folders into exactly the bytes a single-machine
 * run writes. Each shard folder keeps its run journal; the merge checks that the shards' manifests
 * are byte-identical (same experiment, seeds, versions and commit), that each journal belongs to
 * its own shard's manifest, that together they hold every run, and writes the final files from the
 * union of the journals through the same code as a run.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ValidationError } from "@cascade/core";
import { fsyncDir, MERGE_STAGING, removeLeftoverTemps, writeFileAtomic } from "./atomic-file.js";
import {
  type EarlierHeld,
  earlierResults,
  heldNotes,
  manifestParts,
  refuseForeignResults,
  stoppedRun,
  unmarkedResults,
  unreadableJournal,
} from "./earlier-results.js";
import { onExit } from "./exit-cleanup.js";
import { indexJournal, type Loc, readHeader, unreadableReason } from "./journal.js";
import {
  checkCwdOption,
  checkOptionKeys,
  checkPathOption,
  checkProgressMode,
  checkSignal,
} from "./option-checks.js";
import { LEFTOVER_NAMES, type OutputFiles, outputSpec, ResultFileError, writeOutputs } from "./output.js";
import { ensureOutputDir, folderWriter, lockOutputDir, outputFailed } from "./output-dir.js";
import { changedParts, configParts, manifestFingerprint } from "./plan.js";
import { createProgress, type ProgressMode } from "./progress.js";
import { FILES, JOURNAL_FILE, REPORT_FILE, readRunInfo } from "./results-files.js";
import type { RunOutcome } from "./runner.js";
import { parseShard, type Shard } from "./shard.js";

export interface MergeOptions {
  out: string;
  /** Base for relative paths (`out`, `dirs`; default process.cwd()): an existing folder. */
  cwd?: string;
  /**
   * Stops the merge when aborted (the CLI's Ctrl-C): `out` is left as it was (earlier results
   * there whole; nothing of this merge, no `.tmp`, no run.lock), the shard folders are untouched,
   * and the promise rejects with MergeAborted.
   */
  signal?: AbortSignal;
  /**
   * Progress of the statistics step on stderr (statistics done/total, rate, ETA), shown once it
   * has taken 2 s, as `cascade run`'s: false (the default) for none, "auto" a bar on a TTY.
   */
  progress?: ProgressMode;
}

/** A merge stopped by its `signal`: nothing was written to `outDir`. */
export class MergeAborted extends Error {
  override readonly name = "MergeAborted";
  constructor(
    readonly outDir: string,
    reason?: unknown,
  ) {
    super("", { cause: reason });
    this.message = `merge aborted${this.kept()}`;
  }

  /** What is left (the message after "merge aborted"), with the folder shown as `outDir`. */
  kept(outDir = this.outDir): string {
    return `: nothing was written to ${outDir} (the shard folders are untouched); merge again to write it`;
  }
}

const CTX = "cannot merge";

/**
 * Which shards a merge lacks, for its INCOMPLETE refusal: "missing: shard 2/3; incomplete: shard 1/3
 * (3 of its 4 runs); " (empty when neither). `shards` are the folders' "i/N" (or "all", an
 * unsharded run's journal) and `held` the runs each journal holds. Missing shards are named only
 * when all the given ones split the runs the same way (of shards 1/2 and 3/4, none is missing as a
 * whole); at most 10 are listed.
 */
function shardsToFinish(shards: readonly string[], held: readonly number[], total: number): string {
  // A header's shard was written by runExperiment; one that does not parse (edited) is not named.
  const parsed = shards.map((s): Shard | null => {
    if (s === "all") return { index: 1, count: 1 };
    try {
      return parseShard(s);
    } catch {
      return null;
    }
  });
  // shard i/N holds the runs r with r % N == i - 1
  const runsOf = (sh: Shard) => Math.ceil((total - sh.index + 1) / sh.count);
  const notes: string[] = [];
  const count = parsed[0]?.count;
  if (count !== undefined && parsed.every((sh) => sh?.count === count)) {
    const absent: string[] = [];
    let more = 0;
    for (let i = 1; i <= count; i++) {
      if (parsed.some((sh) => sh?.index === i) || runsOf({ index: i, count }) === 0) continue;
      if (absent.length < 10) absent.push(`shard ${i}/${count}`);
      else more++;
    }
    if (absent.length > 0) notes.push(`missing: ${absent.join(", ")}${more > 0 ? ` and ${more} more` : ""}`);
  }
  const short = parsed.flatMap((sh, i) =>
    sh !== null && held[i] < runsOf(sh)
      ? [
          `${shards[i] === "all" ? "the run without a shard" : `shard ${shards[i]}`} (${held[i]} of its ${runsOf(sh)} runs)`,
        ]
      : [],
  );
  if (short.length > 0) notes.push(`incomplete: ${short.join(", ")}`);
  return notes.map((n) => `${n}; `).join("");
}

/** The keys of MergeOptions, refused otherwise as runExperiment's are (an untyped script's typo). */
const MERGE_OPTIONS = ["out", "cwd", "signal", "progress"] as const satisfies ReadonlyArray<
  keyof MergeOptions
>;

/**
 * What a folder with a journal and no manifest holds: a run still writing to it (its run.lock
 * held), or one stopped part-way (interrupted, killed, failed): whose shard and what to do; ""
 * otherwise.
 */
function journalOnly(manifest: string, journal: string): string {
  if (existsSync(manifest) || !existsSync(journal)) return "";
  const shard = readHeader(journal)?.shard;
  if (shard === undefined) return "";
  const writer = folderWriter(dirname(journal));
  if (writer !== null)
    return `; this one holds only ${JOURNAL_FILE}, of ${shard === null ? "a run without options.shard" : `shard ${shard}`}, and ${writer}: merge once that run has finished`;
  return shard === null
    ? `; this one holds only ${JOURNAL_FILE}, of a run without options.shard stopped before its end (rerun its runExperiment with options.resume to finish it; it then needs no merge)`
    : `; this one holds only ${JOURNAL_FILE}, of shard ${shard}: a run stopped before its end (rerun that shard's runExperiment with options.resume to finish it)`;
}

/**
 * What mergeResults resolves to: a run's outcome, whose runs were neither executed nor resumed
 * (`executed`, `simulated` and `resumed` are 0) but `merged`, and the notes on what it replaced in `out`.
 */
export interface MergeResult extends RunOutcome {
  /** Runs taken from the shard folders' journals: every run of the plan (`total`). */
  merged: number;
  /** The shard folders, absolute, in the order given (as run-info.json's `mergedFrom`). */
  mergedFrom: string[];
  /**
   * What `out` held that the merged results replace (earlier results, a stopped run's journal,
   * result files not marked complete), one "note: ..." line each, in a run's words where the case
   * is the same (runNotes); empty when there was nothing.
   */
  notes: string[];
}

/**
 * What a merge replaces in `outDir` (read under its lock, before writing): complete results (of
 * this configuration, `fingerprint`, too: a run keeps those, a merge rewrites them), result files
 * without run-info.json, and the journal of a run stopped there, which goes with them.
 */
function replacedNotes(
  outDir: string,
  fingerprint: string,
  manifest: Record<string, unknown>,
  total: number,
): string[] {
  const earlier = earlierResults(outDir, fingerprint, null);
  const journal = join(outDir, JOURNAL_FILE);
  const stopped = stoppedRun(outDir, journal, { fingerprint, shard: null, total }, () => true, total);
  const held: EarlierHeld = {
    sameResults: earlier === "same",
    replacing: earlier === "other" ? changedParts(manifestParts(outDir), configParts(manifest)) : null,
    unmarked: earlier === "none" ? unmarkedResults(outDir) : [],
    stopped,
    unreadableJournal: stopped === null && unreadableJournal(outDir, journal),
  };
  return heldNotes(outDir, held, "merge");
}

export async function mergeResults(dirs: readonly string[], options: MergeOptions): Promise<MergeResult> {
  const startedAt = new Date();
  checkOptionKeys(options, MERGE_OPTIONS, CTX);
  checkSignal(options.signal, CTX);
  checkProgressMode(options.progress, CTX);
  checkCwdOption(options.cwd, CTX);
  const cwd = options.cwd ?? process.cwd();
  // A script without a type check may pass one folder as a string: its letters are no folders.
  if (!Array.isArray(dirs) || dirs.length === 0)
    throw new ValidationError(
      "INVALID_OPTION",
      "dirs",
      dirs,
      "an array of one or more shard folders (paths)",
      CTX,
    );
  dirs.forEach((d, i) => {
    if (typeof d !== "string" || d === "")
      throw new ValidationError("INVALID_OPTION", `dirs.${i}`, d, "a shard folder (a path, not empty)", CTX);
  });
  if (!options.out)
    throw new ValidationError("INVALID_OPTION", "options.out", options.out, "an output folder", CTX);
  checkPathOption(options.out, "out", CTX);
  const outDir = resolve(cwd, options.out);
  const abs = dirs.map((d) => resolve(cwd, d));
  // The same folder through a symlink is the same folder.
  const real = abs.map((d) => (existsSync(d) ? realpathSync(d) : d));
  const realOut = existsSync(outDir) ? realpathSync(outDir) : outDir;
  let manifestText: string | undefined;
  let fingerprint: string | undefined;
  let manifest: Record<string, unknown> = {}; // the first shard's, parsed (all are byte-identical)
  const shards: string[] = [];
  abs.forEach((dir, i) => {
    if (dir === outDir || real[i] === realOut)
      throw new ValidationError(
        "INVALID_OPTION",
        "options.out",
        options.out,
        "a folder other than the shard folders",
        CTX,
      );
    const again = real.indexOf(real[i]);
    if (again < i)
      throw new ValidationError(
        "DUPLICATE_SHARD",
        `dirs.${i}`,
        dirs[i],
        `a folder not already given (it is dirs.${again}; each shard folder once)`,
        CTX,
      );
    const mf = join(dir, FILES.manifest);
    const jf = join(dir, JOURNAL_FILE);
    if (!existsSync(mf) || !existsSync(jf)) {
      // The complete results of a run without --shard keep no journal: there is nothing to merge.
      const whole = existsSync(mf) && readRunInfo(dir)?.shard === null;
      throw new ValidationError(
        "NOT_A_SHARD",
        `dirs.${i}`,
        dirs[i],
        `a folder written by runExperiment with options.shard i/N (with ${FILES.manifest} and ${JOURNAL_FILE})${whole ? "; this one holds the complete results of a run without options.shard, which need no merge (writeReport writes their report)" : !existsSync(dir) ? "; it does not exist" : journalOnly(mf, jf)}`,
        CTX,
      );
    }
    const text = readFileSync(mf, "utf8");
    const h = readHeader(jf);
    if (!h) {
      throw new ValidationError(
        "NOT_A_SHARD",
        `dirs.${i}`,
        dirs[i],
        `a shard folder with a readable ${JOURNAL_FILE} (${unreadableReason(jf)}; rerun that shard)`,
        CTX,
      );
    }
    // The journal must be this shard's own: one copied from another run would be merged under
    // this manifest (and if it were the first shard's, every other shard would be blamed).
    let own: Record<string, unknown> | undefined;
    try {
      own = JSON.parse(text) as Record<string, unknown>;
    } catch {
      own = undefined;
    }
    if (own === undefined || h.fingerprint !== manifestFingerprint(own)) {
      const differ = own
        ? changedParts(h.parts, configParts(own), ["in the journal", "in the manifest"])
        : "";
      throw new ValidationError(
        "JOURNAL_MISMATCH",
        `dirs.${i}`,
        dirs[i],
        `a shard folder whose ${JOURNAL_FILE} belongs to its ${FILES.manifest} (${own === undefined ? `its ${FILES.manifest} is unreadable` : `its journal is of another configuration${differ ? `; they differ in: ${differ}` : ""}`}; rerun that shard)`,
        CTX,
      );
    }
    if (manifestText === undefined) {
      manifestText = text;
      manifest = own;
      fingerprint = h.fingerprint;
    } else if (text !== manifestText) {
      const differ = changedParts(configParts(manifest, true), configParts(own, true), ["in dirs.0", "here"]);
      throw new ValidationError(
        "MANIFEST_MISMATCH",
        `dirs.${i}`,
        dirs[i],
        `shards of the same experiment run (same config, seed, replications, package versions, git commit and uncommitted-changes flag as ${dirs[0]}${differ ? `; they differ in: ${differ}` : ""})`,
        CTX,
      );
    }
    shards.push(h.shard ?? "all");
  });
  const spec = outputSpec(manifest);
  const index = new Map<number, Loc>();
  const held: number[] = []; // runs in each folder's journal
  abs.forEach((dir, i) => {
    // Every line is parsed here: a damaged one would otherwise fail the merge midway, with a bare
    // SyntaxError and half-written files in --out.
    const { index: part, firstSkipped } = indexJournal(join(dir, JOURNAL_FILE), spec.total, () => true, true);
    if (firstSkipped !== null) {
      throw new ValidationError(
        "DAMAGED_JOURNAL",
        `dirs.${i}`,
        dirs[i],
        `a shard folder whose ${JOURNAL_FILE} holds only whole, readable runs (its line ${firstSkipped} is damaged or out of place; rerun that shard's runExperiment with options.resume, which drops such lines and runs them again)`,
        CTX,
      );
    }
    held.push(part.size);
    for (const [run, loc] of part) if (!index.has(run)) index.set(run, loc);
  });
  if (index.size !== spec.total) {
    const missing: number[] = [];
    for (let r = 0; r < spec.total && missing.length < 5; r++) if (!index.has(r)) missing.push(r);
    throw new ValidationError(
      "INCOMPLETE",
      "dirs",
      `${index.size} of ${spec.total} runs (shards given: ${shards.join(", ")}; ${shardsToFinish(shards, held, spec.total)}first missing runs: ${missing.join(", ")})`,
      "shard folders that together hold every run (run the missing shards with runExperiment, or finish them with options.resume)",
      CTX,
    );
  }
  const { signal } = options;
  if (signal?.aborted) throw new MergeAborted(outDir, signal.reason);
  ensureOutputDir(outDir);
  // Not while a run (or another merge) writes to the folder: their files would mix.
  const release = lockOutputDir(outDir);
  try {
    refuseForeignResults(outDir, "merge");
    // Temporary files (and the staging folder) of a run or merge killed while writing them.
    removeLeftoverTemps(outDir, LEFTOVER_NAMES);
    const notes = replacedNotes(outDir, fingerprint as string, manifest, spec.total);
    // A notebook or script that shows progress sees them, as a run's (the CLI's --quiet prints them itself).
    if (options.progress) for (const note of notes) process.stderr.write(`${note}\n`);
    // The merged files are written whole into a folder beside the results already there, then
    // moved over them: stopped before that (Ctrl-C, a failure, a kill), the folder keeps its
    // earlier results as they were, and the staging folder is removed (or by the next run).
    const staging = join(outDir, MERGE_STAGING);
    // A merged file that could not be written (a full disk): nothing of the merge is left.
    const notWritten = (e: ResultFileError) =>
      outputFailed(
        "options.out",
        outDir,
        `${e.message}; ${outDir} is left as it was and the shard folders are untouched: fix the cause, then rerun mergeResults`,
      );
    mkdirSync(staging);
    const unregister = onExit(() => rmSync(staging, { recursive: true, force: true }));
    let files: OutputFiles;
    try {
      try {
        files = await writeOutputs({
          outDir: staging,
          manifestText: manifestText as string,
          spec,
          index,
          statistics: true,
          signal,
          statisticsProgress: createProgress(
            options.progress ?? false,
            `cascade merge ${String(manifest.name)}`,
            undefined,
            { unit: "statistics", after: 2000 },
          ),
        });
      } catch (e) {
        if (signal?.aborted) throw new MergeAborted(outDir, signal.reason);
        if (e instanceof ResultFileError) throw notWritten(e);
        throw e;
      }
      const finishedAt = new Date();
      files.runInfo = join(staging, FILES.runInfo);
      const runInfoText = `${JSON.stringify(
        {
          name: manifest.name,
          fingerprint,
          complete: true,
          shard: null,
          mergedFrom: abs,
          shards,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
          node: process.version,
        },
        null,
        2,
      )}\n`;
      try {
        writeFileAtomic(files.runInfo, runInfoText);
      } catch (e) {
        throw notWritten(new ResultFileError(files.runInfo, e));
      }
      files = moveIntoPlace(staging, outDir, files);
      fsyncDir(outDir);
    } finally {
      unregister();
      rmSync(staging, { recursive: true, force: true });
    }
    return {
      name: String(manifest.name),
      outDir,
      files,
      total: spec.total,
      executed: 0,
      simulated: 0,
      resumed: 0,
      merged: index.size,
      mergedFrom: abs,
      shard: null,
      manifest,
      notes,
    };
  } finally {
    release();
  }
}

/**
 * Moves the files written to `staging` over those of `outDir`, each by one rename (atomic), in
 * one synchronous pass (no signal handler runs in between). The earlier run-info.json, which marks
 * results complete, goes first and the new one comes last: a process killed within the pass leaves
 * a folder marked incomplete, never a mix marked complete. The earlier report.html, which
 * describes the earlier results, goes too, and, once the merged results are in place, the journal
 * of a run stopped there (merged results keep none, as a complete unsharded run's): a later resume
 * in the folder would take it up and replace them. The manifest comes first, so the files a pass
 * stopped midway moved sit beside it: the next run or merge knows them as Cascade's (not marked
 * complete) and replaces them, where result files without it would be refused as not Cascade's.
 */
function moveIntoPlace(staging: string, outDir: string, files: OutputFiles): OutputFiles {
  rmSync(join(outDir, FILES.runInfo), { force: true });
  rmSync(join(outDir, REPORT_FILE), { force: true });
  const moved: OutputFiles = {};
  const keys = (Object.keys(files) as Array<keyof OutputFiles>).filter(
    (k) => k !== "manifest" && k !== "runInfo",
  );
  for (const k of ["manifest" as const, ...keys, "runInfo" as const]) {
    if (files[k] === undefined) continue;
    moved[k] = join(outDir, FILES[k]);
    renameSync(join(staging, FILES[k]), moved[k]);
  }
  rmSync(join(outDir, JOURNAL_FILE), { force: true });
  return moved;
}
