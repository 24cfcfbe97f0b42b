#!/usr/bin/env node
/**
 * The `cascade` command line. Exit codes: 0 success, 2 invalid input (a ValidationError in the
 * experiment file, bad flags, unknown command), 1 failure while running.
 *
 * Commands live in a registry (`commands`), each added with `registerCommand(name, command)`: run,
 * report, merge, validate and list below; another command registers itself the same way.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CascadeError, suggestName, ValidationError } from "@cascade/core";
import { processCores } from "./cores.js";
import { MAX_REPLICATIONS, MAX_WORKERS } from "./limits.js";
import { resolveExperimentPath } from "./load.js";
import { marginLines } from "./margin-lines.js";
import { checkPathOption } from "./option-checks.js";
import { folderWriter } from "./output-dir.js";
import { sweepPaths } from "./paths.js";
import { policyLines, valueAsWritten } from "./policy-lines.js";
import { timedStep } from "./progress.js";
import { FILES, JOURNAL_ADVICE, JOURNAL_FILE, REPORT_FILE, readRunInfo } from "./results-files.js";
import { parseShard, type Shard } from "./shard.js";

// The heavy modules (the world, its packages, the worker pool, the output writer) are imported only
// by the commands that need them, so `--help`, flag errors and report's checks of its folder start
// fast (test/e2e/cli-startup.test.ts): a module imported above must not import them either.
const heavy = async () => {
  const [load, plan, runner, validate] = await Promise.all([
    import("./load.js"),
    import("./plan.js"),
    import("./runner.js"),
    import("./validate.js"),
  ]);
  return { ...load, ...plan, ...runner, ...validate };
};

export interface Command {
  summary: string;
  usage: string;
  /** Returns the exit code. */
  run(args: string[]): Promise<number>;
}

const commands = new Map<string, Command>();

export function registerCommand(name: string, command: Command): void {
  commands.set(name, command);
}

/** A wrong number of arguments: names the argument, what was given (undefined: none) and what is allowed. */
function usageError(field: string, given: unknown, allowed: string): never {
  throw new ValidationError("INVALID_FLAG", field, given, allowed, "invalid command line");
}

const ONE_FILE = "one experiment file (a path, or a name in experiments/)";

/** The single positional argument, or a usageError naming it. */
function onlyPositional(positionals: string[], field: string, allowed: string): string {
  if (positionals.length !== 1)
    usageError(field, positionals.length === 0 ? undefined : positionals, allowed);
  return positionals[0];
}

function parse(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all: NonNullable<ParseArgsConfig["options"]> = { ...options, help: { type: "boolean", short: "h" } };
  // parseArgs reads "-1" after a flag as another flag ("argument is ambiguous"): hand a negative
  // number to the flag, so the flag's own check names it ("--replications = -1; allowed: ...").
  const joined: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const name = args[k].startsWith("--") ? args[k].slice(2) : undefined;
    if (name !== undefined && all[name]?.type === "string" && /^-\d/.test(args[k + 1] ?? "")) {
      joined.push(`${args[k]}=${args[++k]}`);
    } else joined.push(args[k]);
  }
  try {
    // No option is `multiple`, so no value is an array.
    return parseArgs({ args: joined, options: all, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(-{1,2}[^' <]+)/.exec(msg)?.[1];
    const ctx = "invalid command line";
    const known = Object.entries(all)
      .map(([n, o]) => `--${n}${o.type === "string" ? " <value>" : ""}`)
      .join(", ");
    if (flag !== undefined && (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
      throw new ValidationError(
        "INVALID_FLAG",
        "option",
        flag,
        `one of ${known}${suggestName(
          flag,
          Object.keys(all).map((n) => `--${n}`),
        )}`,
        ctx,
      );
    if (flag !== undefined && /argument missing|argument is ambiguous/.test(msg)) {
      const next = args[args.indexOf(flag) + 1];
      const hint = next === undefined ? "" : ` (for a value starting with "-", write ${flag}=<value>)`;
      throw new ValidationError("INVALID_FLAG", flag, next, `a value after ${flag}${hint}`, ctx);
    }
    if (flag !== undefined && /does not take an argument/.test(msg)) {
      const given = args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
      throw new ValidationError(
        "INVALID_FLAG",
        flag,
        given,
        `no value (${flag} is a switch: on when given)`,
        ctx,
      );
    }
    throw new ValidationError("INVALID_FLAG", flag ?? "command line", msg.split(". ")[0], "see --help", ctx);
  }
}

/** An integer flag in [min, max] (the same range the runner and the validation enforce). */
function intFlag(
  name: string,
  v: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  note = "",
): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min || Number(v) > max) {
    throw new ValidationError(
      "INVALID_FLAG",
      name,
      v,
      `an integer in [${min}, ${max}]${note}`,
      "invalid command line",
    );
  }
  return Number(v);
}

const replicationsFlag = (v: unknown) =>
  intFlag("--replications", v as string | undefined, 1, MAX_REPLICATIONS);
const seedFlag = (v: unknown) => intFlag("--seed", v as string | undefined, 0);

/** The library's functions, as the commands that call them (an error's advice may name one). */
const COMMAND_OF = [
  ["runExperiment", "cascade run"],
  ["mergeResults", "cascade merge"],
  ["writeReport", "cascade report"],
] as const;

/**
 * runExperiment, mergeResults, writeReport and their checks (parseShard, checkPathOption) name
 * their options as a script writes them (`options.out`); an error about one the command passed on
 * from a flag names that flag instead (`--out`), as the user typed it. Advice naming an option or
 * a function ("rerun that shard's runExperiment with options.resume") names the flag and the
 * command ("cascade run with --resume").
 */
function asFlags(e: unknown, flags: readonly string[]): unknown {
  const inFlags = (text: string): string => {
    for (const [fn, command] of COMMAND_OF) text = text.split(fn).join(command);
    for (const flag of flags) text = text.split(`options.${flag}`).join(`--${flag}`);
    return text;
  };
  // A journal that could not be written (alone, or mentioned by the run failure it came with) or
  // that misses runs after running advises JOURNAL_ADVICE; only that phrase is mapped, not a run's own error quoted beside it.
  if (e instanceof Error && (e.name === "JournalError" || e.name === "RunFailure")) {
    e.message = e.message.split(JOURNAL_ADVICE).join(inFlags(JOURNAL_ADVICE));
    return e;
  }
  if (!rebuildable(e)) return e;
  let { code, field, context } = e;
  const allowed = inFlags(e.allowed);
  for (const flag of flags) {
    if (field === `options.${flag}`) {
      field = `--${flag}`;
      if (code === "INVALID_OPTION") code = "INVALID_FLAG";
      if (context === "invalid run options") context = "invalid command line";
    }
  }
  if (field === e.field && allowed === e.allowed) return e;
  return new (sameClass(e))(code, field, e.value, allowed, context);
}

/** The class an error is rebuilt as: a ValidationError (exit 2) as one, else a plain CascadeError (exit 1). */
const sameClass = (e: CascadeError) => (e instanceof ValidationError ? ValidationError : CascadeError);

/**
 * Whether an error can be rebuilt with another field or advice: a ValidationError, or a plain
 * CascadeError (a full disk), not a subclass with its own fields.
 */
function rebuildable(e: unknown): e is CascadeError {
  return e instanceof CascadeError && e.constructor === sameClass(e);
}

/** writeReport (loaded when first needed), its options.out error named as the --out flag. */
async function writeReportAs(resultsDir: string, outFile?: string): Promise<string> {
  const { writeReport } = await import("./report/index.js");
  try {
    return await writeReport(resultsDir, { out: outFile });
  } catch (e) {
    throw asFlags(e, ["out"]);
  }
}

/**
 * The report of the results `run` or `merge` just wrote to `outDir`: a failure to write it (a full
 * disk) names report.html, not --out (the command's folder), and says the results are complete.
 */
async function reportOfResults(outDir: string): Promise<string> {
  try {
    return await writeReportAs(outDir);
  } catch (e) {
    if (!rebuildable(e) || e.field !== "--out") throw e;
    const rel = relative(process.cwd(), outDir) || ".";
    throw new (sameClass(e))(
      e.code,
      REPORT_FILE,
      e.value,
      `${e.allowed}; the results in ${rel}/ are complete: fix the cause, then cascade report ${rel}`,
      e.context,
    );
  }
}

/** How writing the report shows on stderr with progress on: it starts, and how long it took past 2 s. */
const WRITING_REPORT = { start: `writing ${REPORT_FILE}`, done: `${REPORT_FILE} written` };

/**
 * What `run` or `merge` wrote to `outDir`: its files, then (with `reports`) the report it writes
 * now (said on stderr as it starts unless `quiet`), then the headline table of complete
 * (unsharded) results.
 */
async function showResults(
  outDir: string,
  files: Readonly<Record<string, string | undefined>>,
  { reports, complete, quiet }: { reports: boolean; complete: boolean; quiet: boolean },
): Promise<void> {
  for (const f of Object.values(files)) if (f) out(`  ${relative(process.cwd(), f)}`);
  if (reports) {
    const report = await timedStep(quiet ? false : "auto", WRITING_REPORT, () => reportOfResults(outDir));
    out(`  ${relative(process.cwd(), report)}`);
  }
  if (!complete) return;
  const { headline } = await import("./headline.js");
  const table = await headline(outDir);
  if (table) out(`\n${table}`);
}

/** Set when stdout's reader went away (`cascade run ... | head`): the command goes on, silently. */
let stdoutClosed = false;
const out = (s: string) => {
  if (!stdoutClosed) process.stdout.write(`${s}\n`);
};

registerCommand("run", {
  summary: "run an experiment file and write its results",
  // A getter: the default worker count is computed only when the help is shown.
  get usage() {
    return `cascade run <file> [options]

  <file>                 an experiment file (experiments/x.ts, or just x)
  --replications N       override the experiment's replications
  --workers N            worker threads (default: ${processCores()} = usable cores, cgroup CPU quota
                         included; 0 = in-process)
  --out DIR              output folder (default results/<name>, with --shard results/<name>/shard-i-of-N)
  --seed S               override the root seed (integer >= 0): manifest.json's rootSeed, not
                         runs.csv's seed column (a replication's seed, drawn from the root seed)
  --shard i/N            run only shard i of N (runs with run % N == i-1); join with cascade merge;
                         --shard <run+1>/<runs> reruns one run alone (README: "Citing figures")
  --resume               continue an interrupted run from the journal in the output folder
                         (same configuration only: an edited experiment file starts over)
  --no-report            do not write report.html
  --quiet                no progress output`;
  },
  async run(args) {
    const { values, positionals } = parse(args, {
      replications: { type: "string" },
      workers: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      shard: { type: "string" },
      resume: { type: "boolean" },
      quiet: { type: "boolean" },
      "no-report": { type: "boolean" },
    });
    if (values.help) return help("run");
    onlyPositional(positionals, "<file>", ONE_FILE);
    // Flags and the file name are checked before anything heavy is loaded.
    const replications = replicationsFlag(values.replications);
    const workers = intFlag(
      "--workers",
      values.workers as string | undefined,
      0,
      MAX_WORKERS,
      " (0 = in-process)",
    );
    if (workers !== undefined && workers > processCores()) {
      // Allowed (a shared machine may free cores later), but rarely meant: 1,000 workers on 2 cores
      // took 15 times as long, each worker holding its own heap.
      process.stderr.write(
        `warning: --workers ${workers} is more than the ${processCores()} usable cores; the runs will compete for them (slower, same results)\n`,
      );
    }
    const seed = seedFlag(values.seed);
    let shard: Shard | undefined;
    try {
      // checked here too, before the world's modules load
      shard = values.shard === undefined ? undefined : parseShard(values.shard as string);
      checkPathOption(values.out, "out", "invalid run options");
    } catch (e) {
      throw asFlags(e, ["shard", "out"]);
    }
    resolveExperimentPath(positionals[0]);
    const { runExperiment, runNotes, RunAborted } = await heavy();
    const stop = onInterrupt();
    let outcome: Awaited<ReturnType<typeof runExperiment>>;
    try {
      outcome = await runExperiment(positionals[0], {
        replications,
        workers,
        seed,
        out: values.out as string | undefined,
        shard,
        resume: values.resume === true,
        progress: values.quiet ? false : "auto",
        signal: stop.signal,
        onStart: (run) => {
          for (const note of runNotes(run, false)) process.stderr.write(`${note}\n`);
        },
      });
    } catch (e) {
      stop.remove();
      if (e instanceof RunAborted && stop.received !== null) return interrupted(stop.received, e);
      throw asFlags(e, ["out", "resume", "shard", "seed", "replications", "workers"]);
    }
    // Summaries (and so the report) exist only for complete, unsharded results.
    const reports = outcome.files.summary !== undefined && values["no-report"] !== true;
    try {
      const code = await stop.resultsWritten(outcome.outDir, reports);
      if (code !== null) return code;
      const rel = relative(process.cwd(), outcome.outDir) || ".";
      out(
        `${outcome.name}: ${outcome.total} runs (${outcome.executed} run now${outcome.simulated < outcome.executed ? `, ${outcome.simulated} simulated: a variant the sweep leaves unchanged is simulated once per replication` : ""}, ${outcome.resumed} already done) -> ${rel}/`,
      );
      await showResults(outcome.outDir, outcome.files, {
        reports,
        complete: outcome.files.summary !== undefined,
        quiet: values.quiet === true,
      });
      return 0;
    } finally {
      stop.remove();
    }
  },
});

/**
 * Ctrl-C or SIGTERM during `run` aborts it (runExperiment's `signal`): the workers are terminated,
 * no final file is written, the progress bar is closed, and `interrupted` says what is kept and how
 * to continue; the exit code is the signal's (130, 143). A second signal leaves at once. Once the
 * results are complete (`resultsWritten`), a signal leaves at once too, saying so (resultsKept).
 */
function onInterrupt(command = "run"): {
  signal: AbortSignal;
  received: NodeJS.Signals | null;
  remove: () => void;
  resultsWritten: (outDir: string, reports: boolean) => Promise<number | null>;
} {
  const controller = new AbortController();
  // Set once the results are complete: where they are, and whether a report follows them.
  let results: { outDir: string; reports: boolean } | null = null;
  const state = {
    signal: controller.signal,
    received: null as NodeJS.Signals | null,
    remove: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
    /**
     * The results in `outDir` are complete; the exit code if a signal came while they were
     * finished, else null, and a signal from now on (the report being written) leaves at once.
     * Node runs a signal's listener on a turn of the event loop: one that came during the run's
     * last synchronous steps is delivered on the turn awaited here (removed before it, the
     * handler missed it: the command went on and exited 0).
     */
    resultsWritten: async (outDir: string, reports: boolean): Promise<number | null> => {
      await new Promise<void>((r) => setImmediate(r));
      if (state.received === null) {
        results = { outDir, reports };
        return null;
      }
      process.stderr.write(resultsKept(command, state.received, outDir, reports));
      return exitCode(state.received);
    },
  };
  const handler = (signal: NodeJS.Signals) => {
    if (results !== null) {
      // The results are whole: nothing to stop but the report, whose .tmp the exit removes.
      process.stderr.write(resultsKept(command, signal, results.outDir, results.reports));
      process.exit(exitCode(signal));
    }
    if (state.received !== null) {
      process.stderr.write(`\ncascade ${command} interrupted again (${signal}): leaving now\n`);
      process.exit(exitCode(signal));
    }
    state.received = signal;
    controller.abort(new Error(`interrupted (${signal})`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return state;
}

const exitCode = (signal: NodeJS.Signals) => (signal === "SIGINT" ? 130 : 143);

/** A command interrupted once its results in `outDir` were complete: what is there, and how to write the report. */
function resultsKept(command: string, signal: NodeJS.Signals, outDir: string, reports: boolean): string {
  const rel = relative(process.cwd(), outDir) || ".";
  const report = !reports
    ? ""
    : existsSync(join(outDir, REPORT_FILE))
      ? `; ${REPORT_FILE} was written too`
      : `; ${REPORT_FILE} was not written (cascade report ${rel})`;
  return `\ncascade ${command} interrupted (${signal}) after its results were written to ${rel}/ (complete)${report}\n`;
}

/** What an interrupted run keeps and how to continue (RunAborted's words); the exit code of the signal. */
function interrupted(
  signal: NodeJS.Signals,
  e: { journal: string | null; kept(journal?: string | null, resume?: string): string },
): number {
  const journal = e.journal === null ? null : relative(process.cwd(), e.journal);
  process.stderr.write(
    `\ncascade run interrupted (${signal})${e.kept(journal, "rerun the same command with --resume")}\n`,
  );
  return exitCode(signal);
}

/**
 * A shard's folder (cascade run --shard i/N, N > 1) holds part of the runs: its report would read
 * as the experiment's while its intervals rest on a fraction of the replications. Refused, as
 * `run --shard` writes none; cascade merge joins the shards and writes the report.
 */
function refuseShardFolder(dir: string, given: string): void {
  const info = readRunInfo(dir);
  if (typeof info?.shard !== "string") return; // no run-info.json, unreadable, or no shard (null)
  let runs: unknown;
  let shard: Shard;
  try {
    runs = (JSON.parse(readFileSync(join(dir, FILES.manifest), "utf8")) as { runs?: unknown }).runs;
    shard = parseShard(info.shard);
  } catch {
    return; // an unreadable manifest.json, or no valid shard: not known as a shard
  }
  if (shard.count === 1) return;
  const held = info.runs !== undefined ? `${info.runs} of ${runs} runs` : `part of ${runs} runs`;
  throw new ValidationError(
    "SHARD_RESULTS",
    "results-dir",
    given,
    `the results of a whole experiment (this folder is shard ${shard.index} of ${shard.count}: ${held}); join all ${shard.count} shard folders with cascade merge <dirs...> --out DIR, which writes the report`,
    "cannot report",
  );
}

registerCommand("report", {
  summary: "write report.html (charts) for a results folder",
  usage: `cascade report <results-dir> [--out FILE]

  <results-dir>          a folder written by cascade run or cascade merge (a shard's folder is
                         refused: cascade merge joins the shards and writes their report)
  --out FILE             where to write the report (default <results-dir>/report.html)`,
  async run(args) {
    const { values, positionals } = parse(args, { out: { type: "string" } });
    if (values.help) return help("report");
    onlyPositional(positionals, "<results-dir>", "one folder written by cascade run or cascade merge");
    const dir = resolve(positionals[0]);
    if (!existsSync(join(dir, FILES.manifest))) {
      // A run still writing, or one that stopped before its end, leaves only its journal: say
      // which, and what to do.
      const journal = existsSync(join(dir, JOURNAL_FILE));
      const writer = journal ? folderWriter(dir) : null;
      const why = !existsSync(dir)
        ? " (it does not exist)"
        : !statSync(dir).isDirectory()
          ? " (it is a file)"
          : writer !== null
            ? ` (this one holds only ${JOURNAL_FILE}, and ${writer}: wait for that run to end)`
            : journal
              ? ` (this one holds only ${JOURNAL_FILE}: a run that stopped before the end; rerun its cascade run command with --resume to finish it)`
              : "";
      throw new ValidationError(
        "NOT_RESULTS",
        "results-dir",
        positionals[0],
        `a folder with manifest.json written by cascade run or cascade merge${why}`,
        "invalid command line",
      );
    }
    refuseShardFolder(dir, positionals[0]);
    const path = await writeReportAs(dir, values.out as string | undefined);
    out(relative(process.cwd(), path) || path);
    return 0;
  },
});

registerCommand("merge", {
  summary: "join shard folders into the results of a single run",
  usage: `cascade merge <dirs...> --out DIR [--no-report] [--quiet]

  <dirs...>              folders written by cascade run --shard i/N (all N shards)
  --out DIR              output folder (required)
  --no-report            do not write report.html
  --quiet                no progress output (the statistics step's, shown once it takes 2 s)`,
  async run(args) {
    const { values, positionals } = parse(args, {
      out: { type: "string" },
      quiet: { type: "boolean" },
      "no-report": { type: "boolean" },
    });
    if (values.help) return help("merge");
    if (positionals.length === 0)
      usageError("<dirs>", undefined, "one or more folders written by cascade run --shard i/N");
    if (!values.out) usageError("--out", values.out, "the folder to write the merged results to (required)");
    const { MergeAborted, mergeResults } = await import("./merge.js");
    // Ctrl-C stops the merge and leaves --out as it was (killed by the signal, it left .tmp files and run.lock).
    const stop = onInterrupt("merge");
    let outcome: Awaited<ReturnType<typeof mergeResults>>;
    try {
      outcome = await mergeResults(positionals, {
        out: values.out as string,
        signal: stop.signal,
        progress: values.quiet ? false : "auto",
      });
    } catch (e) {
      stop.remove();
      if (e instanceof MergeAborted && stop.received !== null) {
        process.stderr.write(
          `\ncascade merge interrupted (${stop.received})${e.kept(relative(process.cwd(), e.outDir) || ".")}\n`,
        );
        return exitCode(stop.received);
      }
      // The refusals' advice names runExperiment's options.shard and options.resume: cascade run's flags.
      throw asFlags(e, ["out", "shard", "resume"]);
    }
    try {
      // What the merged results replaced in --out: with progress on, mergeResults said it first.
      if (values.quiet) for (const note of outcome.notes) process.stderr.write(`${note}\n`);
      const reports = values["no-report"] !== true;
      const code = await stop.resultsWritten(outcome.outDir, reports);
      if (code !== null) return code;
      out(
        `${outcome.name}: merged ${positionals.length} folders, ${outcome.total} runs -> ${relative(process.cwd(), outcome.outDir) || "."}/`,
      );
      await showResults(outcome.outDir, outcome.files, {
        reports,
        complete: true,
        quiet: values.quiet === true,
      });
      return 0;
    } finally {
      stop.remove();
    }
  },
});

registerCommand("validate", {
  summary: "check an experiment file without running it",
  usage: `cascade validate <file> [options]

  <file>                 an experiment file (experiments/x.ts, or just x)
  --replications N       override the experiment's replications
  --seed S               override the root seed (integer >= 0)
  --smoke WHICH          with custom metrics, agents, triggers or simulate, the smoke run:
                         baseline (default: one run), variants (one run per variant),
                         points (one run per sweep point, of the baseline) or none

Checks every field of the experiment, of each variant and of each sweep point (exit 2 naming the
field, the value and what is allowed), tries each custom population's create and each custom
trigger, amount rule and ordering (on a one-lot long and short in a scratch market), and prints
the runs, the metric columns, whether liquidated accounts trade (whileLiquidating) in each variant and at which sweep
points, the variants each swept path reaches (with the population a populations.<i> path reaches
in each, when that differs between them; with the mode each value of a swept policy sets, when
that differs) and what comparison.csv compares. It does not
type-check the file (the README shows a tsconfig.json for a file outside the repository). With
custom metrics, custom agents, a custom trigger, amount rule or ordering, or a custom simulate it
then runs replication 0 of the baseline at sweep point 0 in full (a smoke run; --smoke variants: of each variant): their
failures show as in cascade run (exit 1), and a custom metric that returns anything but a number
or null is refused (exit 2 naming the metric, the value and the run); it notes one blank in every
smoke run; code only variants other than the baseline have (their custom trigger, say) is named in
a note, as it first runs in cascade run unless --smoke variants. Code that point 0 does not reach
(a population of 0 agents there) first runs in cascade run, or with --smoke points: replication 0
of the baseline at every sweep point, as many runs as the sweep has points.

It prints each variant's liquidation policy as it will run: every part (trigger, amount, ordering,
execution, whileLiquidating, penalty, loss, backstop) with every parameter, the defaults a preset
fills in included (presets.dutchAuction() shows its decayPerTick 0.01); variants running the same
policy share an entry, and what a sweep sets reads "swept" (its values are on the sweep lines).`,
  async run(args) {
    const { values, positionals } = parse(args, {
      replications: { type: "string" },
      seed: { type: "string" },
      smoke: { type: "string" },
    });
    if (values.help) return help("validate");
    const smokeWhich = (values.smoke as string | undefined) ?? "baseline";
    if (
      smokeWhich !== "baseline" &&
      smokeWhich !== "variants" &&
      smokeWhich !== "points" &&
      smokeWhich !== "none"
    )
      usageError("--smoke", smokeWhich, '"baseline" (the default), "variants", "points" or "none"');
    onlyPositional(positionals, "<file>", ONE_FILE);
    const {
      applyPoint,
      loadExperimentFile,
      validateExperiment,
      makePlan,
      sweepReachesAtSomePoint,
      sweptPathAtSomePoint,
      sweptIndexPaths,
      sweptPopulations,
    } = await heavy();
    const loaded = await loadExperimentFile(positionals[0]);
    const exp = validateExperiment(loaded.definition, {
      replications: replicationsFlag(values.replications),
      seed: seedFlag(values.seed),
    });
    const plan = makePlan(exp, { manifest: false });
    // Run lengths over every variant and sweep point (ticks can be set per variant, or swept).
    const t = exp.sweep.params.findIndex((p) => sweepPaths(p).includes("ticks"));
    const lengths = exp.variants.flatMap((v) =>
      t < 0 ? [v.config.ticks] : exp.sweep.points.map((pt) => Number(pt[t])),
    );
    const lo = Math.min(...lengths);
    const hi = Math.max(...lengths);
    // Custom metrics' values, custom agents' act, a trigger mid-run are only seen in a run: the
    // baseline's (or each variant's) replication 0 at point 0, before "ok" is printed.
    const smoke: string[] = [];
    const { codeOnlyARunCalls, smokeRuns } = await import("./smoke.js");
    const own = codeOnlyARunCalls(exp);
    if (own.length > 0 && smokeWhich !== "none") {
      const { runs, blank } = smokeRuns(plan, smokeWhich);
      const numbers = runs.map((r) => r.run).join(", ");
      const which =
        smokeWhich === "variants"
          ? `replication 0 of each variant at point 0 (runs ${numbers})`
          : smokeWhich === "points" && runs.length > 1
            ? `replication 0 of the baseline, ${runs[0].variant}, at each of the ${runs.length} sweep points (runs ${numbers})`
            : `replication 0 of the baseline, ${runs[0].variant}, at point 0 (run ${runs[0].run})`;
      // The baseline's runs call only the baseline's code: another variant's custom trigger, say, is
      // first called by cascade run (or --smoke variants), which the line must not hide.
      const reached = smokeWhich === "variants" ? own : codeOnlyARunCalls(exp, [exp.baseline]);
      const missed = own.filter((what) => !reached.includes(what));
      smoke.push(
        `  smoke run: ${which}, in full: ${exp.custom.length > 0 ? "every custom metric returned a number or null" : reached.length > 0 ? `no failure (${reached.join(", ")})` : "no failure"}`,
      );
      if (missed.length > 0) {
        const others = exp.variants
          .map((v, i) => (codeOnlyARunCalls(exp, [i]).some((what) => missed.includes(what)) ? v.name : ""))
          .filter((name) => name !== "");
        smoke.push(
          `  note: the baseline has no ${missed.join(", ")} (${others.length === 1 ? "variant" : "variants"} ${others.join(", ")} ${others.length === 1 ? "has" : "have"}): they first run in cascade run, or with --smoke variants`,
        );
      }
      for (const name of blank)
        smoke.push(
          `  note: metrics.custom.${name} was blank (null, NaN or an infinity) in ${runs.length === 1 ? "the smoke run" : "every smoke run"}; if it is in every run, cascade run warns`,
        );
    }
    out(
      `ok ${exp.name}: ${plan.variants} variant(s) [${exp.variants.map((v) => v.name).join(", ")}; baseline ${exp.variants[exp.baseline].name}] x ${plan.points} sweep point(s) x ${plan.replications} replication(s) = ${plan.total} runs of ${lo === hi ? lo : `${lo}-${hi}`} ticks`,
    );
    out(
      `  metrics: ${plan.metricColumns.length > 0 ? plan.metricColumns.join(", ") : "(none: runs.csv has no metric columns)"}`,
    );
    // Whether liquidated accounts may trade, per variant (presets differ: README of @cascade/liquidation),
    // and at which sweep points, when a swept policy or whileLiquidating changes it.
    const params = exp.sweep.params;
    const modeParams = params.filter((p) =>
      sweepPaths(p).some((path) => path === "liquidation" || path === "liquidation.whileLiquidating"),
    );
    const modesAt = (v: (typeof exp.variants)[number], k: number) =>
      exp.sweep.values[k].map((x) => applyPoint(v.config, [params[k]], [x]).liquidation.whileLiquidating);
    const byMode = new Map<string, string[]>();
    for (const v of exp.variants) {
      const modes = new Set(
        modeParams.length === 0
          ? [v.config.liquidation.whileLiquidating]
          : exp.sweep.points.map((pt) => applyPoint(v.config, params, pt).liquidation.whileLiquidating),
      );
      const by = modeParams.filter((p) => new Set(modesAt(v, params.indexOf(p))).size > 1);
      const mode =
        modes.size === 1 ? [...modes][0] : `${[...modes].join(" or ")} by sweep point (${by.join(", ")})`;
      byMode.set(mode, [...(byMode.get(mode) ?? []), v.name]);
    }
    out(
      `  while liquidating: ${[...byMode]
        .map(([mode, names]) => `${mode} in ${byMode.size === 1 ? "every variant" : names.join(", ")}`)
        .join("; ")}`,
    );
    // by each variant's index paths: a symbol or * names its instruments in that variant's order
    const marginSwept = (v: (typeof exp.variants)[number]) => sweptIndexPaths(v.config, exp.sweep.params);
    for (const line of marginLines(exp.variants, marginSwept)) out(line);
    // Each variant's policy in full (presets hide their defaults), "swept" where a sweep sets it.
    const swept = (v: (typeof exp.variants)[number]) =>
      params.flatMap((p, k) =>
        sweepPaths(p)
          .filter((path) => /^liquidation(\.|$)/.test(path))
          .filter((path) => sweptPathAtSomePoint(v.config, path, params.slice(0, k), exp.sweep.values))
          .map((path) => path.slice("liquidation.".length)),
      );
    const policies = exp.variants.map((v) => ({
      variant: v.name,
      policy: v.config.liquidation,
      swept: swept(v),
    }));
    for (const line of policyLines(policies)) out(line);
    // Which variants each swept parameter reaches: a variant that lacks its paths runs unchanged.
    const reached = new Set<string>();
    exp.sweep.params.forEach((param, k) => {
      const values = exp.sweep.values[k].map((v) => valueAsWritten(v)); // 1e+20, not 21 digits; 2/3, not 16
      const shown = values.length > 6 ? [...values.slice(0, 5), "...", values[values.length - 1]] : values;
      const holders = exp.variants.filter((v) =>
        sweepReachesAtSomePoint(v.config, exp.sweep.params, exp.sweep.values, k),
      );
      const takes = holders.map((v) => v.name);
      for (const name of takes) reached.add(name);
      // A populations path reaches a population by index: when that is not the same one in every
      // variant it reaches, each variant's is named.
      const pops = holders.map((v) => sweptPopulations(v.config, param));
      const reach =
        new Set(pops).size > 1
          ? holders.map((v, i) => `${v.name} (${pops[i]})`).join(", ")
          : takes.length === exp.variants.length
            ? "every variant"
            : takes.join(", ");
      // The mode each value sets, unless the values are the modes themselves.
      let modes = "";
      if (modeParams.includes(param) && param !== "liquidation.whileLiquidating") {
        const per = holders.map((v) => modesAt(v, k));
        if (per.some((m) => new Set(m).size > 1)) {
          const at = values.map((_, j) => [...new Set(per.map((m) => m[j]))].sort().join("/"));
          modes = `; while liquidating: ${(at.length > 6 ? [...at.slice(0, 5), "...", at[at.length - 1]] : at).join(", ")}`;
        }
      }
      out(`  sweep ${param}: ${shown.join(", ")} (${values.length} values), in ${reach}${modes}`);
    });
    const untouched = exp.variants.filter((v) => !reached.has(v.name));
    if (exp.sweep.params.length > 0 && untouched.length > 0) {
      out(
        `  unchanged by the sweep (the same runs at every point${exp.simulate ? "" : ", simulated once"}): ${untouched.map((v) => v.name).join(", ")}`,
      );
    }
    // What comparison.csv will compare each point with.
    const ref = exp.sweep.reference;
    if (exp.sweep.params.length > 0) {
      const first = ref === null ? "" : valueAsWritten(exp.sweep.values[exp.sweep.params.indexOf(ref)][0]);
      out(
        ref !== null
          ? `  compared: each point against ${ref} = ${first} (sweepReference), the other parameters as at the point${exp.variants.length > 1 ? "; and each variant against the baseline at each point" : ""}`
          : exp.variants.length > 1
            ? "  compared: each variant against the baseline at each point (no sweepReference: points are not compared with each other)"
            : "  compared: each point against point 0 (every swept parameter at its first value)",
      );
    }
    for (const line of smoke) out(line);
    return 0;
  },
});

/** `export default ...` or `export { x as default }` / `export { default } from "..."`. */
const DEFAULT_EXPORT = /\bexport\s+default\b|\bexport\s*\{[^}]*\bdefault\b[^}]*\}/;

registerCommand("list", {
  summary: "list the experiment files in experiments/ with their descriptions",
  usage: `cascade list [--dir DIR]   (default DIR: experiments; files without a default export are skipped, not loaded)`,
  async run(args) {
    const { values, positionals } = parse(args, { dir: { type: "string" } });
    if (values.help) return help("list");
    if (positionals.length > 0) usageError("arguments", positionals, "none (the folder is --dir DIR)");
    const dir = resolve((values.dir as string | undefined) ?? "experiments");
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith(".d.ts"))
        .sort();
    } catch {
      throw new ValidationError(
        "NOT_FOUND",
        "--dir",
        dir,
        "an existing folder of experiment files",
        "cannot list",
      );
    }
    if (names.length === 0) out(`no experiment files in ${relative(process.cwd(), dir) || "."}`);
    const { loadExperimentFile, validateExperiment } =
      names.length > 0 ? await heavy() : ({} as Awaited<ReturnType<typeof heavy>>);
    for (const f of names) {
      const path = join(dir, f);
      // Listing loads (runs) each file: a script kept beside the experiments (one that calls
      // runExperiment, say) would run too. An experiment file has a default export; others are skipped.
      if (!DEFAULT_EXPORT.test(readFileSync(path, "utf8"))) {
        out(
          `${relative(process.cwd(), path)}  skipped: no default export (not loaded; an experiment file exports defineExperiment({...}) as default)`,
        );
        continue;
      }
      try {
        const loaded = await loadExperimentFile(path);
        const exp = validateExperiment(loaded.definition);
        out(`${relative(process.cwd(), path)}  ${exp.name}${exp.description ? ` - ${exp.description}` : ""}`);
      } catch (e) {
        out(`${relative(process.cwd(), path)}  INVALID: ${(e as Error).message}`);
      }
    }
    return 0;
  },
});

function help(name?: string, write: (s: string) => void = out): number {
  if (name && commands.has(name)) {
    write(`${commands.get(name)?.usage}`);
    return 0;
  }
  write("usage: cascade <command> [options]\n\ncommands:");
  for (const [n, c] of commands) write(`  ${n.padEnd(10)} ${c.summary}`);
  write(
    "\nexit codes: 0 success, 2 invalid input, 1 failure while running, 130 / 143 interrupted (Ctrl-C / SIGTERM)\nrun `cascade <command> --help` for its options",
  );
  return 0;
}

function unknownCommand(name: string): ValidationError {
  return new ValidationError(
    "UNKNOWN_COMMAND",
    "command",
    name,
    `one of ${[...commands.keys()].join(", ")}${suggestName(name, [...commands.keys()])}`,
    "invalid command line",
  );
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      // No command is a mistake (an empty $CMD in a job script), not a request for help: usage on
      // stderr, exit 2, so the script stops there.
      help(undefined, (s) => process.stderr.write(`${s}\n`));
      process.stderr.write("error: no command given\n");
      return 2;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      if (rest[0] !== undefined && !commands.has(rest[0])) throw unknownCommand(rest[0]);
      return help(rest[0]);
    }
    const cmd = commands.get(name);
    if (!cmd) throw unknownCommand(name);
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof ValidationError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === "RunFailure") {
      process.stderr.write(`error: ${e.message}\n`);
      if (process.env.CASCADE_DEBUG) {
        // The stack repeats the message (and the cause's own first lines): the class the run
        // threw, then the stack's frames only.
        const lines = (e.stack ?? "").split("\n");
        const first = lines.findIndex((l) => /^\s+at /.test(l));
        const thrownAs = (e as { thrownAs?: string }).thrownAs;
        if (thrownAs === "NotAnError")
          process.stderr.write(
            "NotAnError: the value thrown was not an Error, so it has no stack (throw new Error(...) to see the line)\n",
          );
        else if (thrownAs) process.stderr.write(`${thrownAs} thrown${first >= 0 ? " at:" : ""}\n`);
        if (first >= 0) process.stderr.write(`${lines.slice(first).join("\n")}\n`);
      } else if ((e as { thrownAs?: string }).thrownAs === "NotAnError")
        process.stderr.write(
          "(a value other than an Error has no stack: throw new Error(...) there to see the line)\n",
        );
      // Only where that stack passes through the experiment's code: else it shows Cascade's lines.
      else if ((e as { fromExperimentCode?: boolean }).fromExperimentCode)
        process.stderr.write("(CASCADE_DEBUG=1 prints the error's stack, at the experiment file's lines)\n");
      else if ((e as { stackCut?: boolean }).stackCut)
        process.stderr.write(
          `(the error's stack was cut at ${Error.stackTraceLimit} frames, all Cascade's: CASCADE_DEBUG=1 prints it with up to 100, down to the experiment file's lines if it passed through them)\n`,
        );
      return 1;
    }
    if (e instanceof CascadeError || (e instanceof Error && e.name === "JournalError")) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

function invokedDirectly(): boolean {
  try {
    return (
      process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
    );
  } catch {
    return false;
  }
}
if (invokedDirectly()) runCli();

/** Runs `cascade` with the process's arguments and exits with its code (the bin, bin/cascade.js). */
export function runCli(): void {
  // `cascade run x | head` closes the pipe early: stop writing to it, but finish the command (its
  // files, the report) and exit with its own code; exiting here lost report.html with status 0.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") stdoutClosed = true;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Worker pools and loaders are closed; leave without waiting on stray handles.
      setImmediate(() => process.exit(code));
    },
    (e) => {
      process.stderr.write(`error: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
