/**
 * runExperiment: validate -> plan -> run (worker threads or in-process) with a crash-safe journal
 * -> final files sorted by run number.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CascadeError,
  describeThrown,
  ReturnedValueError,
  thrownBy,
  ValidationError,
} from "@cascade/core";
import type { Piscina } from "piscina";
import { fsyncDir, removeLeftoverTemps, tempName, writeFileAtomic } from "./atomic-file.js";
import { enterPoolCompileMode } from "./compile-mode.js";
import { processCores } from "./cores.js";
import {
  earlierResults,
  heldNote,
  heldNotes,
  manifestParts,
  refuseForeignResults,
  type StoppedRun,
  stoppedRun,
  unmarkedResults,
  unreadableJournal,
} from "./earlier-results.js";
import { executeRuns } from "./execute.js";
import { encodeResult, indexJournal, JOURNAL_FORMAT, type JournalHeader, JournalWriter } from "./journal.js";
import { MAX_WORKERS } from "./limits.js";
import { type ExperimentSource, loadExperimentFile, ownFrames } from "./load.js";
import {
  checkCwdOption,
  checkOptionKeys,
  checkPathOption,
  checkProgressMode,
  checkSignal,
} from "./option-checks.js";
import { LEFTOVER_NAMES, type OutputFiles, outputSpec, ResultFileError, writeOutputs } from "./output.js";
import { ensureOutputDir, lockOutputDir, outputFailed, removeMadeFolders } from "./output-dir.js";
import { changedParts, makePlan, type Plan, runGroups, runInfo, sourceEditNote } from "./plan.js";
import { createProgress, type ProgressMode } from "./progress.js";
import { FILES, JOURNAL_ADVICE, JOURNAL_ASIDE, JOURNAL_FILE, REPORT_FILE } from "./results-files.js";
import { inShard, MAX_SHARDS, parseShard, type Shard } from "./shard.js";
import type { ExperimentDefinition } from "./types.js";
import { type ValidatedExperiment, validateExperiment } from "./validate.js";
import type { WorkerData } from "./worker.js";

export interface RunOptions {
  /** Overrides the experiment's replications (CLI --replications). */
  replications?: number;
  /** Overrides the experiment's root seed (CLI --seed). */
  seed?: number;
  /**
   * Worker threads (default: available cores). 0 runs in-process. An experiment passed as an
   * object (not a file path) always runs in-process: worker threads need a file to load.
   */
  workers?: number;
  /** Output folder (default results/<name>, or results/<name>/shard-i-of-N with a shard). */
  out?: string;
  /** Run only shard i of N ("i/N", 1 <= i <= N): the runs with run % N == i - 1. */
  shard?: string | Shard;
  /** Continue from the journal of an interrupted run in the same output folder. */
  resume?: boolean;
  /** Progress on stderr: "auto" (bar on a TTY, lines otherwise), true, false (default), "bar", "lines". */
  progress?: ProgressMode;
  /** Base for relative paths (default process.cwd()): an existing folder. */
  cwd?: string;
  /**
   * Called once the journal is open, before the first run: where it is, the runs of this call
   * (or shard) and how many are finished so far (live). The CLI uses it for its notes. If it
   * throws, the run stops before its first run and leaves the folder as it was (earlier results and
   * journal kept): the promise rejects with "run not started (...): options.onStart threw: ...",
   * whose `cause` is what it threw.
   */
  onStart?: (run: RunInProgress) => void;
  /**
   * Stops the run when aborted (`controller.abort()`): worker threads are terminated, no final
   * file is written (an earlier run's were already removed), the journal keeps the finished runs
   * for `resume: true`, and the promise rejects with a RunAborted error saying how many are kept.
   * The CLI's Ctrl-C and SIGTERM take this path.
   */
  signal?: AbortSignal;
}

/** The keys of RunOptions: a script run without a type check (tsx) must not lose a typo silently. */
const RUN_OPTIONS = [
  "replications",
  "seed",
  "workers",
  "out",
  "shard",
  "resume",
  "progress",
  "cwd",
  "onStart",
  "signal",
] as const satisfies ReadonlyArray<keyof RunOptions>;

export interface RunInProgress {
  /** Absolute path of the journal. */
  journal: string;
  total: number;
  /** Runs finished and in the journal so far (resumed ones included). */
  finished(): number;
  /**
   * The folder held complete results of another configuration, which this run has removed and
   * replaces: what differs ("replications (120 there, 50 now)"), or "" when that cannot be told;
   * null when there was nothing of another configuration there.
   */
  replacing: string | null;
  /**
   * The folder held the journal of a run stopped part-way, which this run (not a resume) starts
   * over without: the runs it had finished, and of how many when it was of this configuration and
   * shard (null: of another); null when there was none, or it had finished no run.
   */
  stopped: StoppedRun | null;
  /**
   * Result files the folder held with no run-info.json marking them complete (a run stopped while
   * writing them, a copy), which this run (not a resume) removes: their names; empty when none.
   */
  unmarked: string[];
  /** The folder held a stopped run's journal that cannot be read, which this run (not a resume) replaces. */
  unreadableJournal: boolean;
  /** A resume found no journal and no results in the folder (a mistyped folder?): it runs every run. */
  nothingToResume: boolean;
}

export interface RunOutcome {
  name: string;
  /** Absolute output folder. */
  outDir: string;
  /** Absolute paths of the files written (summary/comparison only for complete, unsharded results). */
  files: OutputFiles;
  /** Runs of this plan (or shard). */
  total: number;
  /** Runs executed by this call. */
  executed: number;
  /** Simulations behind them: fewer when a sweep leaves a variant unchanged (its runs are simulated once per replication). */
  simulated: number;
  /** Runs recovered from the journal (--resume). */
  resumed: number;
  shard: Shard | null;
  manifest: Record<string, unknown>;
}

/** A run failed while executing (CLI exit code 1). */
export class RunFailure extends Error {
  override readonly name = "RunFailure";
  /** The class of the error the run threw ("TypeError"), when there was one. */
  thrownAs?: string;
  /**
   * Whether that error came from the experiment's own code (its agents, callbacks, metrics,
   * simulate: a frame of its stack is there, not only a caller awaiting the run), so that its
   * stack shows the experiment's lines; not for one Cascade's code made alone (a check of what
   * that code returned, a worker thread that died, a journal missing runs).
   */
  fromExperimentCode = false;
  /**
   * Whether that error's stack, not from the experiment's code as far as it goes, was cut at
   * V8's frame limit (Error.stackTraceLimit, 10 unless CASCADE_DEBUG is set) before it reached the
   * code that calls the experiment's (execute.ts): the experiment's frame may lie deeper, under
   * Cascade's (a bad margin tier a custom simulate passed to the venue). Never for a value the
   * experiment's code returned that a check refused (a custom amount rule's lots): no stack has it.
   */
  stackCut = false;
}

/** Whether `stack` holds its frame limit's worth of frames, none of them execute.ts's. */
function cutBeforeExecute(stack: string | undefined): boolean {
  const frames = (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  return (
    frames.length >= Error.stackTraceLimit &&
    !frames.some((l) => /[/\\]experiment[/\\](src|dist)[/\\]execute\.[jt]s:/.test(l))
  );
}

/**
 * A run stopped by its `signal` (RunOptions.signal): `finished` of `total` runs are kept in
 * `journal` (null: it stopped before starting one, and left the output folder as it was) for a resume.
 */
export class RunAborted extends Error {
  override readonly name = "RunAborted";
  constructor(
    readonly finished: number,
    readonly total: number,
    readonly journal: string | null,
    reason?: unknown,
  ) {
    super("", { cause: reason });
    this.message = `run aborted${this.kept()}`;
  }

  /**
   * What is kept and how to go on (the message after "run aborted"): the CLI says the same with
   * the journal's path relative and its own resume hint.
   */
  kept(
    journal = this.journal,
    resume = "resume (cascade run --resume, or runExperiment with resume: true)",
  ): string {
    if (journal === null) return " before its first run: the output folder was left as it was";
    return this.finished === this.total
      ? ` while writing its final files: all ${this.total} runs are kept in ${journal}, no final file was written; ${resume} to write them`
      : `: ${this.finished} of ${this.total} runs are done and kept in ${journal}, no final file was written; ${resume} to continue`;
  }
}

/** One worker per usable core: the CPUs this process may run on, capped by a cgroup CPU quota. */
function defaultWorkers(): number {
  return processCores();
}

function defaultOutDir(name: string, shard: Shard | null | undefined): string {
  return shard ? join("results", name, `shard-${shard.index}-of-${shard.count}`) : join("results", name);
}

/** Where the compiled worker lives (dist/worker.js, also when running from src/ under a test runner). */
function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const own = join(here, "worker.js");
  if (existsSync(own)) return own;
  return join(here, "..", "dist", "worker.js");
}

export interface Prepared {
  exp: ValidatedExperiment;
  plan: Plan;
  /** The experiment file, when one was loaded (worker threads need it). */
  source?: ExperimentSource;
  shard: Shard | null;
  workers: number;
  outDir: string;
}

/**
 * The options a script can get wrong without a type check (tsx): a shard object out of range ran
 * no run and wrote an empty "shard 3/2"; a truthy `resume` that is not `true` was taken as a
 * resume by some checks and not by the journal.
 */
function checkRunOptionTypes(options: RunOptions): void {
  const bad = (field: string, value: unknown, allowed: string) =>
    new ValidationError("INVALID_OPTION", `options.${field}`, value, allowed, "invalid run options");
  const shard = options.shard as unknown;
  if (shard !== undefined && typeof shard !== "string") {
    const o = shard as Partial<Shard> | null;
    const keys = typeof o === "object" && o !== null ? Object.keys(o).sort().join(",") : "";
    const ok =
      keys === "count,index" &&
      Number.isSafeInteger(o?.count) &&
      Number.isSafeInteger(o?.index) &&
      (o?.index as number) >= 1 &&
      (o?.index as number) <= (o?.count as number) &&
      (o?.count as number) <= MAX_SHARDS;
    if (!ok)
      throw bad(
        "shard",
        shard,
        `"i/N" or { index: i, count: N }, with integers 1 <= i <= N <= ${MAX_SHARDS}`,
      );
  }
  if (options.resume !== undefined && typeof options.resume !== "boolean")
    throw bad("resume", options.resume, "true or false");
  // Called only once the journal is open, after the folder's earlier results are gone.
  if (options.onStart !== undefined && typeof options.onStart !== "function")
    throw bad(
      "onStart",
      options.onStart,
      "a function, called with the run in progress once its journal is open",
    );
  checkProgressMode(options.progress, "invalid run options");
  // An empty out would write the results into the current folder.
  checkPathOption(options.out, "out", "invalid run options");
  checkCwdOption(options.cwd, "invalid run options");
}

/** Loads, validates and plans, touching nothing on disk. ValidationError on any bad input. */
export async function prepareRun(
  experiment: ExperimentDefinition | string,
  options: RunOptions = {},
): Promise<Prepared> {
  checkOptionKeys(options, RUN_OPTIONS, "invalid run options");
  checkRunOptionTypes(options);
  const cwd = options.cwd ?? process.cwd();
  let definition: unknown = experiment;
  let source: ExperimentSource | undefined;
  let inputs: string[] | undefined;
  if (typeof experiment === "string") {
    const loaded = await loadExperimentFile(experiment, cwd);
    definition = loaded.definition;
    source = {
      file: loaded.file,
      sourceText: loaded.sourceText,
      importsSha256: loaded.importsSha256,
      moduleUrl: loaded.moduleUrl,
    };
    inputs = loaded.inputs;
  }
  const exp = validateExperiment(definition, { replications: options.replications, seed: options.seed });
  const shard =
    options.shard === undefined
      ? null
      : typeof options.shard === "string"
        ? parseShard(options.shard)
        : options.shard;
  checkSignal(options.signal, "invalid run options");
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
    throw new ValidationError(
      "INVALID_OPTION",
      "options.workers",
      workers,
      `an integer in [0, ${MAX_WORKERS}] (0 = in-process)`,
      "invalid run options",
    );
  }
  const plan = makePlan(exp, {
    sourceText: source?.sourceText,
    importsSha256: source?.importsSha256,
    gitDir: source ? dirname(source.file) : cwd,
    inputs,
  });
  const outDir = resolve(cwd, options.out ?? defaultOutDir(exp.name, shard));
  return { exp, plan, source, shard, workers, outDir };
}

/**
 * What a run says before its first result: that it replaces another configuration's results (a
 * rerun after an edit is the usual way, but they are gone), result files not marked complete or a
 * stopped run's journal (in merge's words: earlier-results.ts), and that an experiment passed as an
 * object runs in-process whatever `workers` says (worker threads load experiments from files).
 */
export function runNotes(run: RunInProgress, objectWithWorkers: boolean): string[] {
  const outDir = dirname(run.journal);
  const notes = heldNotes(outDir, run, "run");
  if (run.nothingToResume)
    notes.push(
      heldNote(
        outDir,
        `no run to resume (no ${JOURNAL_FILE}, no results)`,
        "this run starts from its first run (is this the folder of the run to resume?)",
      ),
    );
  if (objectWithWorkers)
    notes.push(
      "note: an experiment passed as an object runs in-process, whatever options.workers says (worker threads load experiments from files): pass its file's path to run on several workers",
    );
  return notes;
}

function shardLabel(shard: Shard | null): string | null {
  return shard ? `${shard.index}/${shard.count}` : null;
}

/**
 * Runs an experiment (a file path or a defineExperiment object) and writes its result files.
 * Same inputs => byte-identical files, whatever `workers`, resumes or sharding.
 */
export async function runExperiment(
  experiment: ExperimentDefinition | string,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const startedAt = new Date();
  const prep = await prepareRun(experiment, options);
  const { plan, shard, outDir } = prep;
  const { signal } = options;
  const accept = (run: number) => inShard(run, shard ?? undefined);
  const mine: number[] = [];
  for (let run = 0; run < plan.total; run++) if (accept(run)) mine.push(run);
  // Aborted while the experiment was loading: nothing is touched.
  if (signal?.aborted) throw new RunAborted(0, mine.length, null, signal.reason);
  const header: JournalHeader = {
    journal: JOURNAL_FORMAT,
    fingerprint: plan.fingerprint,
    shard: shardLabel(shard),
    total: plan.total,
    parts: plan.parts,
    git: plan.manifest.git as string | null | undefined,
    gitDirty: plan.manifest.gitDirty as boolean | null | undefined,
    cascadeGit: plan.manifest.cascadeGit as string | null | undefined,
    cascadeGitDirty: plan.manifest.cascadeGitDirty as boolean | null | undefined,
  };
  let manifest = plan.manifest;
  const journalPath = join(outDir, JOURNAL_FILE);

  // Without a journal, --resume finds either nothing (a fresh run), complete results of this
  // configuration (nothing to do), or results of another one, which it must not silently replace
  // (with one, the journal decides). A run that is not a resume reads them journal or not: a
  // complete shard keeps its journal, and replacing another configuration's is said too.
  const earlier =
    options.resume && existsSync(journalPath)
      ? "none"
      : earlierResults(outDir, plan.fingerprint, header.shard);
  // What differs from the results there: refused by --resume, else said when they are replaced.
  const changed = earlier === "other" ? changedParts(manifestParts(outDir), plan.parts) : "";
  const replacing = !options.resume && earlier === "other" ? changed : null;
  const nothingToResume = options.resume === true && earlier === "none" && !existsSync(journalPath);
  if (options.resume && earlier === "other") {
    throw new ValidationError(
      "JOURNAL_MISMATCH",
      "options.resume",
      outDir,
      `a folder holding an interrupted run (its journal) or the complete results of this same configuration${header.shard ? ` and shard ${header.shard}` : ""} (${changed ? `the results here differ in: ${changed}` : `the results here belong to another configuration or shard, or their run-info.json is unreadable; ${sourceEditNote(plan.parts)}`}; rerun without options.resume to replace them)`,
      "cannot resume",
    );
  }
  if (options.resume && earlier === "same") {
    // Nothing to run, but the folder is taken as a run takes it (not while another run writes
    // there) and the temporary files of one killed while writing are removed.
    const release = lockOutputDir(outDir);
    try {
      removeLeftoverTemps(outDir, LEFTOVER_NAMES);
    } finally {
      release();
    }
    return {
      name: plan.exp.name,
      outDir,
      files: existingFiles(outDir, !shard),
      total: mine.length,
      executed: 0,
      simulated: 0,
      resumed: mine.length,
      shard,
      manifest,
    };
  }

  const madeFolders = ensureOutputDir(outDir);
  let notStarted = false;
  // One run at a time in a folder: a second one would replace the journal under the first, whose
  // runs were then lost (written to the replaced file) and whose results came from the other run.
  const release = lockOutputDir(outDir);
  try {
    // A researcher's own runs.csv there is refused, not replaced: nothing is touched yet.
    refuseForeignResults(outDir, "run");
    // Temporary files of a run killed while writing one (journal compaction, run-info.json).
    removeLeftoverTemps(outDir, LEFTOVER_NAMES);
    const stopped =
      options.resume === true ? null : stoppedRun(outDir, journalPath, header, accept, mine.length);
    // Read before the journal and the final files are replaced (a resume rewrites them from its journal).
    const unmarked = options.resume === true ? [] : unmarkedResults(outDir);
    const unreadable = options.resume !== true && unreadableJournal(outDir, journalPath);
    // The journal a run that is not a resume replaces (a stopped run's, a complete shard's) is kept
    // aside until onStart has returned: researcher code that throws there leaves the folder as it was.
    const aside =
      options.resume !== true && existsSync(journalPath) ? tempName(join(outDir, JOURNAL_ASIDE)) : null;
    if (aside !== null) renameSync(journalPath, aside);
    /** The folder's journal as it was before this run: the one kept aside, or none (a resume's is its own). */
    const restoreJournal = () => {
      if (aside !== null) renameSync(aside, journalPath);
      else if (options.resume !== true) rmSync(journalPath, { force: true });
    };
    let opened: ReturnType<typeof JournalWriter.open>;
    try {
      // A refused --resume (journal of another configuration) throws here and leaves the folder as it was.
      opened = JournalWriter.open(journalPath, header, options.resume === true, accept);
    } catch (e) {
      restoreJournal();
      throw e;
    }
    const { writer, done, started } = opened;
    // Runs done before a resume may come from other code: the commit alone then cannot rebuild them.
    if (
      manifest.gitDirty === false &&
      started.git !== undefined &&
      (started.git !== header.git || started.gitDirty !== false)
    ) {
      manifest = { ...manifest, gitDirty: true };
    }
    if (
      manifest.cascadeGitDirty === false &&
      started.git !== undefined &&
      (started.cascadeGit !== header.cascadeGit || started.cascadeGitDirty !== false)
    ) {
      manifest = { ...manifest, cascadeGitDirty: true };
    }
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    const pending = mine.filter((r) => !done.has(r));
    const resumed = mine.length - pending.length;
    const label = `cascade ${plan.exp.name}${shard ? ` [shard ${header.shard}]` : ""}`;
    const progress = createProgress(options.progress ?? false, label);
    progress.start(mine.length, resumed);
    let finished = resumed;
    const inProgress = {
      journal: journalPath,
      total: mine.length,
      finished: () => finished,
      replacing,
      stopped,
      unmarked,
      unreadableJournal: unreadable,
      nothingToResume,
    };
    try {
      options.onStart?.(inProgress);
    } catch (e) {
      progress.stop();
      try {
        writer.close();
      } catch {
        // What onStart threw is the error to report.
      }
      restoreJournal();
      notStarted = true;
      throw thrownBy("run not started (the output folder was left as it was): options.onStart", e);
    }
    if (aside !== null) rmSync(aside);
    if (!options.onStart && options.progress) {
      // A notebook or script that shows progress sees what the CLI says.
      for (const note of runNotes(inProgress, typeof experiment !== "string" && (options.workers ?? 0) > 0))
        process.stderr.write(`${note}\n`);
    }
    // Final files of an earlier run in this folder must not pass for this run's results if it stops early.
    for (const name of [...Object.values(FILES), REPORT_FILE]) rmSync(join(outDir, name), { force: true });
    const onDone = (line: string) => {
      writer.append(line);
      finished++;
      progress.update(finished);
    };
    // A variant a sweep path does not reach is the same run at every point: simulated once.
    const groups = runGroups(plan, pending);
    let workers = Math.min(prep.workers, groups.length);
    if (prep.source === undefined) workers = 0;
    // An abort stops the runs (workers terminated) or the final files (their .tmp removed); the
    // journal keeps what finished, as after a crash.
    const aborted = () => new RunAborted(finished, mine.length, journalPath, signal?.reason);
    try {
      if (workers === 0) {
        for (const group of groups) {
          if (signal?.aborted) throw aborted();
          let lines: string[];
          let ready = 0;
          try {
            lines = executeRuns(plan, group, () => ready++).map((r) => encodeResult(plan, r));
          } catch (e) {
            throw runFailure(plan, group[Math.min(ready, group.length - 1)], e);
          }
          for (const line of lines) onDone(line);
          await new Promise<void>((r) => setImmediate(r));
        }
      } else {
        await runPool(plan, prep.source as ExperimentSource, options, workers, groups, onDone);
      }
      if (signal?.aborted) throw aborted();
    } catch (e) {
      progress.stop();
      try {
        writer.close();
      } catch {
        // The error being thrown is kept: a journal that failed already said so.
      }
      throw signal?.aborted && !(e instanceof RunAborted) ? aborted() : e;
    }
    progress.stop();
    writer.close();

    const { index } = indexJournal(journalPath, plan.total, accept, false);
    if (index.size !== mine.length) {
      throw new RunFailure(
        `journal ${journalPath} holds ${index.size} of ${mine.length} runs after running; ${JOURNAL_ADVICE}`,
      );
    }
    let files: OutputFiles;
    try {
      files = await writeOutputs({
        outDir,
        manifestText,
        spec: outputSpec(plan.manifest),
        index,
        statistics: index.size === plan.total,
        signal,
        // Seconds at thousands of replications (4,000 resamples per bootstrap interval).
        statisticsProgress: createProgress(options.progress ?? false, label, undefined, {
          unit: "statistics",
          after: 2000,
        }),
      });
    } catch (e) {
      if (signal?.aborted) throw aborted();
      // A full disk, an I/O error: the runs are safe in the journal.
      if (e instanceof ResultFileError)
        throw resultsNotWritten(outDir, journalPath, index.size, e, "no final file was written");
      throw e;
    }
    const finishedAt = new Date();
    files.runInfo = join(outDir, FILES.runInfo);
    const runInfoText = `${JSON.stringify(
      {
        name: plan.exp.name,
        fingerprint: plan.fingerprint,
        complete: true,
        shard: header.shard,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
        workers,
        runs: { total: mine.length, executed: pending.length, simulated: groups.length, resumed },
        journal: shard ? JOURNAL_FILE : null,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      null,
      2,
    )}\n`;
    try {
      writeFileAtomic(files.runInfo, runInfoText);
    } catch (e) {
      const failed = new ResultFileError(files.runInfo, e);
      throw resultsNotWritten(
        outDir,
        journalPath,
        index.size,
        failed,
        "the other files are written but not marked complete",
      );
    }
    // The renames that published the files reach the disk before the journal, the runs' only
    // other copy, is removed.
    fsyncDir(outDir);
    // Last: a run stopped before run-info.json (which marks results complete) keeps its journal,
    // and --resume rewrites the files instead of running every run again.
    if (!shard) rmSync(journalPath, { force: true });
    return {
      name: plan.exp.name,
      outDir,
      files,
      total: mine.length,
      executed: pending.length,
      simulated: groups.length,
      resumed,
      shard,
      manifest,
    };
  } finally {
    release();
    // A folder this run made for results it never started is not left behind (the lock is gone).
    if (notStarted) removeMadeFolders(madeFolders);
  }
}

/**
 * A result file the run could not write (a full disk), as the output problem it is: its `runs`
 * are safe in `journal`, what is `left` in the folder, and that a resume writes the files.
 */
function resultsNotWritten(
  outDir: string,
  journal: string,
  runs: number,
  e: ResultFileError,
  left: string,
): CascadeError {
  return outputFailed(
    "options.out",
    outDir,
    `${e.message}; all ${runs} runs are kept in ${journal}, ${left}: fix the cause, then ${JOURNAL_ADVICE} to write them`,
  );
}

/** A run's failure, naming the run (`what`: "run", or what ran it, such as validate's smoke run). */
export function runFailure(plan: Plan, run: number, e: unknown, what = "run"): RunFailure {
  const info = runInfo(plan, run);
  const msg = describeThrown(e);
  const err = new RunFailure(
    `${what} ${run} failed (variant "${info.variant}", point ${info.point}, replication ${info.replication}, seed ${info.seed}): ${msg}`,
  );
  if (e instanceof Error) {
    err.thrownAs = errorClass(e);
    // A value the experiment's code returned that Cascade's check refused, named with the function
    // and where (core's ReturnedValueError; read by class, which an error from a worker thread keeps
    // on its stack's first line): the function had returned, so no stack points at it.
    const returned = err.thrownAs === ReturnedValueError.name;
    err.fromExperimentCode = !returned && ownFrames(e.stack).some((f) => !f.awaiting);
    err.stackCut = !returned && !err.fromExperimentCode && cutBeforeExecute(e.stack);
    if (e.stack) err.stack = `${err.message}\n${e.stack}`;
  } else {
    // Not an Error (and not wrapped where it was thrown): no stack of its own to show.
    err.thrownAs = "NotAnError";
    err.stack = err.message;
  }
  return err;
}

/**
 * The class an error was thrown as, read from its stack's first line ("TypeError: msg"): an error
 * from a worker thread arrives as a plain Error whose stack still opens with its own class's name.
 */
export function errorClass(e: Error): string {
  const stack = e.stack ?? "";
  // Wrapped where it was thrown (core's thrownBy): the stack opens with the wrapper's message, then
  // the stack of the researcher's own error, whose class is the one to name.
  if (e.message && stack.startsWith(`${e.message}\n`)) {
    const inner = /^([\w$.]+)(?::|\n)/.exec(stack.slice(e.message.length + 1));
    if (inner) return inner[1];
  }
  const head = e.message ? stack.indexOf(`: ${e.message}`) : stack.indexOf("\n");
  const name = head > 0 ? stack.slice(0, head) : "";
  return /^[\w$.]+$/.test(name) ? name : e.name || e.constructor.name;
}

/**
 * Runs `groups` on a pool of `workers` threads, handing each run's journal line to `onDone` in the
 * main thread. Rejects with the first run that failed (with a journal error that also happened
 * mentioned), else with the JournalError `onDone` threw.
 */
export async function runPool(
  plan: Plan,
  source: ExperimentSource,
  options: RunOptions,
  workers: number,
  groups: number[][],
  onDone: (line: string) => void,
): Promise<void> {
  const runState = new SharedArrayBuffer(plan.total);
  const state = new Uint8Array(runState);
  const data: WorkerData = {
    ...source,
    overrides: { replications: options.replications, seed: options.seed },
    fingerprint: plan.fingerprint,
    runState,
  };
  // Imported here, not at the top: every worker thread imports this package (the experiment file
  // imports defineExperiment from it) and none of them starts a pool.
  const { Piscina: Pool } = await import("piscina");
  // With a worker per core, workers compile their hot code in place (see compile-mode.ts).
  const leaveCompileMode = enterPoolCompileMode(workers, processCores());
  const makePool = (execArgv: string[]) =>
    new Pool({
      filename: workerFile(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      // Two tasks per worker: the next run is already queued in the worker when one finishes, so a
      // worker never idles waiting for the main thread (which gets little CPU while all cores simulate).
      concurrentTasksPerWorker: 2,
      workerData: data,
      execArgv,
    });
  let pool: Piscina;
  try {
    const execArgv = workerExecArgv(process.execArgv);
    try {
      pool = makePool(execArgv);
    } catch (e) {
      // Worker refuses V8 and process-wide flags (node --stack-size=..., --trace-opt, --title ...);
      // they already apply to every thread, so the workers start without them.
      const accepted =
        (e as { code?: string }).code === "ERR_WORKER_INVALID_EXEC_ARGV"
          ? withoutRefusedFlags(execArgv, (e as Error).message)
          : null;
      if (accepted === null) throw e;
      pool = makePool(accepted);
    }
  } catch (e) {
    leaveCompileMode();
    throw e;
  }
  const limit = workers * 2;
  let next = 0;
  let inflight = 0;
  let failed: Error | undefined;
  // Whether `failed` names a run that had started and not finished. A worker thread that dies
  // rejects every run it held, in the order they were sent: the first may be a run that finished
  // (its result not yet delivered) or one still queued, and naming it sent researchers to debug
  // the wrong seed. The run it was running is named instead.
  let failedRan = false;
  // The journal's own failure (onDone threw): reported only if no run failed.
  let journalFailed: Error | undefined;
  const signal = options.signal;
  let stop: (() => void) | undefined;
  try {
    await new Promise<void>((resolveAll, rejectAll) => {
      // Aborted: nothing more is sent, and the pool is destroyed (its workers terminated, the runs
      // in flight dropped) without waiting for them; the caller turns this into RunAborted.
      stop = () => {
        failed ??= new Error("aborted");
        rejectAll(failed);
      };
      if (signal?.aborted) return stop();
      signal?.addEventListener("abort", stop, { once: true });
      const pump = () => {
        while (failed === undefined && inflight < limit && next < groups.length) {
          const runs = groups[next++];
          inflight++;
          (pool.run({ runs }) as Promise<string[]>).then(
            (lines) => {
              inflight--;
              if (failed === undefined) {
                try {
                  for (const line of lines) onDone(line);
                } catch (e) {
                  // A JournalError: the file, not a run, failed. Nothing more is sent, and a run
                  // already sent that fails is still the one reported.
                  failed = e as Error;
                  journalFailed = failed;
                }
              }
              pump();
            },
            (e) => {
              inflight--;
              // The group's run that had started and not finished (the first one: the simulation
              // they share; a later one: its custom metric), else the first.
              const started = runs.find((r) => Atomics.load(state, r) === 1);
              const ran = started !== undefined;
              const run = started ?? runs[0];
              if (failed === undefined || failed === journalFailed || (ran && !failedRan)) {
                failed = runFailure(plan, run, e);
                failedRan = ran;
              }
              pump();
            },
          );
        }
        if (inflight === 0 && (failed !== undefined || next >= groups.length)) {
          if (failed) rejectAll(withJournalNote(failed, journalFailed));
          else resolveAll();
        }
      };
      pump();
    });
  } finally {
    if (stop) signal?.removeEventListener("abort", stop);
    try {
      await pool.destroy();
    } finally {
      leaveCompileMode();
    }
  }
}

/** A run's failure with the journal's own failure, if that happened too, said after it. */
function withJournalNote(failed: Error, journal: Error | undefined): Error {
  const note = `; the run journal failed as well: ${journal?.message}`;
  if (journal === undefined || failed === journal || failed.message.endsWith(note)) return failed;
  failed.stack = failed.stack?.replace(failed.message, `${failed.message}${note}`);
  failed.message += note;
  return failed;
}

/**
 * The parent's node flags minus TypeScript loaders (tsx, ts-node...): workers import the
 * experiment's bundle and the built packages, plain JavaScript, and an inherited loader (from
 * `tsx script.ts`) would start its hooks thread in every worker for nothing (~0.3 s each).
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const loader = /tsx|ts-node|esbuild-register|@swc-node/;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (
      /^(--import|--require|-r|--loader|--experimental-loader)$/.test(a) &&
      i + 1 < argv.length &&
      loader.test(argv[i + 1])
    ) {
      i++;
      continue;
    }
    if (/^(--import|--require|--loader|--experimental-loader)=/.test(a) && loader.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * `argv` without the flags a Worker refused, as named by its ERR_WORKER_INVALID_EXEC_ARGV message
 * ("Initiated Worker with invalid execArgv flags: --stack-size=2000, --title"), each with its value
 * when that is the next item ("--title x"); null if the message names none of them.
 */
export function withoutRefusedFlags(argv: readonly string[], message: string): string[] | null {
  const listed = message.slice(message.lastIndexOf(": ") + 2).split(", ");
  const refused = new Set(listed.map((f) => f.trim()));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!refused.has(a)) {
      out.push(a);
      continue;
    }
    if (!a.includes("=") && i + 1 < argv.length && !argv[i + 1].startsWith("-")) i++;
  }
  return out.length < argv.length ? out : null;
}

function existingFiles(outDir: string, statistics: boolean): OutputFiles {
  const files: OutputFiles = {};
  for (const [k, name] of Object.entries(FILES) as Array<[keyof typeof FILES, string]>) {
    if (!statistics && (k === "summary" || k === "comparison")) continue;
    const p = join(outDir, name);
    if (existsSync(p)) files[k] = p;
  }
  return files;
}
