/**
 * What an output folder held before a run or a merge writes there (complete results, a stopped
 * run's journal), and the notes that say what was replaced, in one wording for both.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ValidationError } from "@cascade/core";
import {
  HEADER_START,
  indexJournal,
  type JournalHeader,
  mayBeCascadeJournal,
  readHeader,
} from "./journal.js";
import { configParts } from "./plan.js";
import {
  FILES,
  JOURNAL_FILE,
  REPORT_FILE,
  RESULTS_FORMAT,
  readManifest,
  readRunInfo,
} from "./results-files.js";

/** A stopped run's journal: the runs it had finished, of how many when of this configuration and shard (null: of another). */
export interface StoppedRun {
  finished: number;
  of: number | null;
}

/** What a folder without a journal holds: complete results of this configuration, of another one, or none. */
export function earlierResults(
  outDir: string,
  fingerprint: string,
  shard: string | null,
): "same" | "other" | "none" {
  if (!existsSync(join(outDir, FILES.runInfo))) return "none";
  // Unreadable or malformed: "other", as results of another configuration.
  const info = readRunInfo(outDir);
  return info?.complete === true &&
    info.fingerprint === fingerprint &&
    info.shard === shard &&
    existsSync(join(outDir, FILES.manifest))
    ? "same"
    : "other";
}

/** configParts of the manifest.json in a results folder, if it has a readable one. */
export function manifestParts(outDir: string): Record<string, string | number> | undefined {
  try {
    return configParts(JSON.parse(readFileSync(join(outDir, FILES.manifest), "utf8")));
  } catch {
    return undefined;
  }
}

/**
 * The journal of a run stopped part-way in `outDir` (one with no run-info.json beside it: a
 * complete shard keeps its journal, and a run stopped while writing its final files left them
 * without run-info.json, its runs all in the journal), which a run that is not a resume, or a
 * merge, replaces: its finished runs, of how many when it is of this configuration and shard
 * (`header`: `total` runs, those `accept` takes). Null without one, with an unreadable one, or with
 * no run finished.
 */
export function stoppedRun(
  outDir: string,
  journal: string,
  header: Pick<JournalHeader, "fingerprint" | "shard" | "total">,
  accept: (run: number) => boolean,
  total: number,
): StoppedRun | null {
  if (!existsSync(journal) || existsSync(join(outDir, FILES.runInfo))) return null;
  const h = readHeader(journal);
  if (h === null) return null;
  const same = h.fingerprint === header.fingerprint && h.shard === header.shard && h.total === header.total;
  const finished = indexJournal(journal, h.total, same ? accept : () => true, false).index.size;
  return finished === 0 ? null : { finished, of: same ? total : null };
}

/**
 * Result files in `outDir` that no run-info.json marks complete (a run stopped while writing
 * them, a copy), which a run that is not a resume, or a merge, replaces: their names, sorted.
 */
export function unmarkedResults(outDir: string): string[] {
  if (existsSync(join(outDir, FILES.runInfo))) return [];
  return heldResultFiles(outDir);
}

/** The result files (FILES, report.html) in `outDir`: their names, sorted. */
function heldResultFiles(outDir: string): string[] {
  return [...Object.values(FILES), REPORT_FILE].filter((f) => existsSync(join(outDir, f))).sort();
}

/**
 * Result files in `outDir` (by name: runs.csv, manifest.json, report.html, ...) that Cascade cannot
 * show it wrote: neither a manifest.json of Cascade's (its `format`) nor a readable journal of a
 * Cascade run is beside them (a researcher's own runs.csv, another tool's manifest.json). A run
 * killed while writing its final files left them beside its journal, and every complete result
 * set has its manifest. Their names, sorted; empty when none, or when they are Cascade's.
 */
function foreignResults(outDir: string): string[] {
  const held = heldResultFiles(outDir);
  if (held.length === 0 || readHeader(join(outDir, JOURNAL_FILE)) !== null) return [];
  return readManifest(outDir)?.format === RESULTS_FORMAT ? [] : held;
}

/**
 * A journal.jsonl in `outDir` that Cascade cannot have written (mayBeCascadeJournal): another
 * tool's file of that name. One of Cascade's that cannot be read (cut short, another format) is
 * not: a run or merge replaces it, with a note (unreadableJournal).
 */
function foreignJournal(outDir: string): boolean {
  const journal = join(outDir, JOURNAL_FILE);
  return existsSync(journal) && !mayBeCascadeJournal(journal);
}

/** The result files foreignResults found, as the refusal names them. */
function foreignResultsHeld(names: readonly string[]): string {
  // a manifest.json is among them when it is there but not Cascade's
  return `${names.join(", ")} ${
    names.includes(FILES.manifest)
      ? `whose ${FILES.manifest} is not Cascade's, with no ${JOURNAL_FILE} of Cascade's beside them`
      : `with neither a ${FILES.manifest} nor a ${JOURNAL_FILE} of Cascade's beside them`
  }`;
}

/**
 * Refuses `outDir` for a run or a merge (`by`) when it holds result files Cascade cannot show it
 * wrote (foreignResults) or a journal.jsonl it cannot have written (foreignJournal), which it would
 * replace: a ValidationError naming the folder, the files and the way on, thrown before anything
 * is written there. Other files are never touched.
 */
export function refuseForeignResults(outDir: string, by: keyof typeof THEN): void {
  const names = foreignResults(outDir);
  const journal = foreignJournal(outDir);
  if (names.length === 0 && !journal) return;
  const held = names.length > 0 ? [foreignResultsHeld(names)] : [];
  if (journal)
    held.push(`a ${JOURNAL_FILE} that does not begin as Cascade's journals do (${HEADER_START}...)`);
  const whose = !journal
    ? "result files"
    : names.length === 0
      ? JOURNAL_FILE
      : `result files and ${JOURNAL_FILE}`;
  throw new ValidationError(
    "FOREIGN_FILES",
    "options.out",
    outDir,
    `a folder whose ${whose} Cascade wrote (${outDir} holds ${held.join(", and ")}: files Cascade cannot tell it wrote, which this ${by} would replace; give another options.out, or remove them from ${outDir} if they can go)`,
    "cannot write results",
  );
}

/**
 * A stopped run's journal in `outDir` that cannot be read (no run-info.json beside it): Cascade's
 * still (refuseForeignResults refused any other), as one cut short or of another format.
 */
export function unreadableJournal(outDir: string, journal: string): boolean {
  return !existsSync(join(outDir, FILES.runInfo)) && existsSync(journal) && readHeader(journal) === null;
}

/** Result files unmarkedResults found. */
function unmarkedHeld(names: readonly string[]): string {
  return `result files not marked complete (no ${FILES.runInfo}: ${names.join(", ")})`;
}

const UNREADABLE_JOURNAL_HELD = `an unreadable ${JOURNAL_FILE} (of a stopped run)`;

/** "note: results/x/ held <what>; <then>": what a run or merge found in `dir`, and what it does with it. */
export function heldNote(dir: string, what: string, then: string): string {
  return `note: ${relative(process.cwd(), dir) || "."}/ held ${what}; ${then}`;
}

/** Results of another configuration: what differs (changedParts), or "" when that cannot be told. */
function otherResults(changed: string): string {
  return changed
    ? `the results of another configuration (they differ in: ${changed})`
    : "other results (another configuration or shard, or unreadable ones)";
}

/** A stopped run's journal, by its finished runs. */
function stoppedRunHeld({ finished, of }: StoppedRun): string {
  return of === null
    ? `a stopped run of another configuration or shard (${finished} runs done, in ${JOURNAL_FILE})`
    : `a stopped run of this configuration (${finished} of ${of} runs done, in ${JOURNAL_FILE})`;
}

/**
 * What a run or a merge found in its output folder and replaces (a run's RunInProgress carries it
 * as data, for onStart). The detections above fill it in; heldNotes says it.
 */
export interface EarlierHeld {
  /** Complete results of another configuration: what differs (changedParts, "" when that cannot be told); null when none. */
  replacing: string | null;
  /** Complete results of this configuration, which a merge rewrites (a run keeps them: never set by a run). */
  sameResults?: boolean;
  /** A stopped run's journal (stoppedRun); null when none. */
  stopped: StoppedRun | null;
  /** Result files no run-info.json marks complete (unmarkedResults); empty when none. */
  unmarked: string[];
  /** A stopped run's journal that cannot be read (unreadableJournal). */
  unreadableJournal: boolean;
}

/** The words of what a run and a merge do with each thing they found: one wording, its actor named. */
const THEN = {
  run: {
    results: "this run replaces them",
    stopped: "this run replaces it",
    stoppedHere:
      "this run starts over without them (cascade run --resume, or runExperiment with resume: true, continues such a run)",
    unreadable: "this run replaces it",
  },
  merge: {
    results: "this merge replaces them",
    stopped: "this merge replaces it",
    // Of this configuration, its runs are among the merged ones: nothing is lost.
    stoppedHere: "this merge replaces it with the results of every run",
    unreadable: "this merge removes it",
  },
} as const;

/**
 * The notes on what `by` (a run or a merge) found in `outDir` and replaces, one "note: <dir>/ held
 * ...; <then>" line each: earlier results, result files not marked complete, a stopped run's
 * journal (of this configuration and shard, or another), an unreadable journal.
 */
export function heldNotes(outDir: string, held: EarlierHeld, by: keyof typeof THEN): string[] {
  const then = THEN[by];
  const notes: string[] = [];
  if (held.sameResults) notes.push(heldNote(outDir, "the results of this configuration", then.results));
  if (held.replacing !== null) notes.push(heldNote(outDir, otherResults(held.replacing), then.results));
  if (held.unmarked.length > 0) notes.push(heldNote(outDir, unmarkedHeld(held.unmarked), then.results));
  if (held.stopped !== null)
    notes.push(
      heldNote(
        outDir,
        stoppedRunHeld(held.stopped),
        held.stopped.of === null ? then.stopped : then.stoppedHere,
      ),
    );
  if (held.unreadableJournal) notes.push(heldNote(outDir, UNREADABLE_JOURNAL_HELD, then.unreadable));
  return notes;
}
