/**
 * The files of a results folder by name, summary.csv's and comparison.csv's statistics columns,
 * and what its run-info.json says. Only node:fs and node:path are imported here: the CLI reads
 * these at start-up, before (or without) loading the runner, the output writer or the world.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The run journal (journal.ts): kept by a shard's and an interrupted run's folder. */
export const JOURNAL_FILE = "journal.jsonl";

/**
 * The journal a run that is not a resume replaces is kept aside as this name's tempName
 * (atomic-file.ts) until its onStart has returned (runner.ts), then removed; one a killed run left
 * goes with the other temporary files.
 */
export const JOURNAL_ASIDE = `${JOURNAL_FILE}.replaced`;

/**
 * What a JournalError, or a journal missing runs after running (a RunFailure), advises; the CLI names
 * its command and flag instead (asFlags).
 */
export const JOURNAL_ADVICE = "rerun runExperiment with options.resume";

/**
 * manifest.json's `format` (plan.ts writes it): what marks a manifest.json as Cascade's, and so the
 * result files beside it as a Cascade run's (earlier-results.ts foreignResults).
 */
export const RESULTS_FORMAT = "cascade-results/1";

/**
 * The statistics columns of summary.csv and comparison.csv (after the keys), as written (output.ts)
 * and read (the report): here, so that the report does not load the output writer, which imports
 * the runner's plan and the world (~100 ms of a `cascade report`).
 */
export const SUMMARY_STATS = [
  "n",
  "mean",
  "sd",
  "ci_low",
  "ci_high",
  "median",
  "p05",
  "p95",
  "boot_low",
  "boot_high",
] as const;
export const COMPARISON_STATS = [
  "n_pairs",
  "mean_diff",
  "ci_low",
  "ci_high",
  "p_value",
  "p_holm",
  "effect_size",
  "p_wilcoxon",
  "p_wilcoxon_holm",
  "boot_low",
  "boot_high",
] as const;

/** The final files of a run or merge (output.ts writes them). */
export const FILES = {
  manifest: "manifest.json",
  runInfo: "run-info.json",
  runs: "runs.csv",
  summary: "summary.csv",
  comparison: "comparison.csv",
  timeseries: "timeseries.csv",
  liquidations: "liquidations.csv",
} as const;

/** Written by the report module after a run; removed with the other files when a new run starts. */
export const REPORT_FILE = "report.html";

/** What a results folder's run-info.json says, of the fields its readers check. */
export interface RunInfoFile {
  /** The configuration's fingerprint; undefined unless a string. */
  fingerprint: string | undefined;
  /** true only when the file says `complete: true`. */
  complete: boolean;
  /** "i/N" as written (unchecked); null: a run without a shard, or a merge. */
  shard: string | null;
  /** The runs it holds (runs.total), when a number. */
  runs: number | undefined;
}

/**
 * run-info.json in `dir`: the one reader of it (the runner's resume, merge and report). undefined
 * when the file is missing or unreadable, is not a JSON object, or its shard is neither a string
 * nor null, key missing included (a hand edit): whose runs it holds is then unknown, so neither a
 * resume (nothing to run) nor merge's hint (no merge needed) takes it for a whole run's results.
 */
export function readRunInfo(dir: string): RunInfoFile | undefined {
  let info: unknown;
  try {
    info = JSON.parse(readFileSync(join(dir, FILES.runInfo), "utf8"));
  } catch {
    return undefined;
  }
  if (info === null || typeof info !== "object" || Array.isArray(info)) return undefined;
  const { fingerprint, complete, shard, runs } = info as Record<string, unknown>;
  if (shard !== null && typeof shard !== "string") return undefined;
  const total = (runs as { total?: unknown } | null | undefined)?.total;
  return {
    fingerprint: typeof fingerprint === "string" ? fingerprint : undefined,
    complete: complete === true,
    shard,
    runs: typeof total === "number" ? total : undefined,
  };
}

/**
 * manifest.json in `dir`, parsed, for a folder's checks that do without it (whose files these are,
 * the CLI's closing table): undefined when it is missing, unreadable or not a JSON object. The
 * report reads it strictly instead (report/load.ts: an unreadable one is an error there).
 */
export function readManifest(dir: string): Record<string, unknown> | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(join(dir, FILES.manifest), "utf8"));
  } catch {
    return undefined;
  }
  return manifest !== null && typeof manifest === "object" && !Array.isArray(manifest)
    ? (manifest as Record<string, unknown>)
    : undefined;
}
