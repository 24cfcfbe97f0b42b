/**
 * Output locations (`options.out` of runExperiment and mergeResults, which the CLI names `--out`):
 * a path that cannot hold results is a ValidationError naming the option, the path and why (exit
 * code 2), never a raw ENOTDIR or EACCES from deep inside a run.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { CascadeError, ValidationError } from "@cascade/core";
import { onExit } from "./exit-cleanup.js";

/**
 * Why folder `dir` cannot be written to, judged from its nearest existing ancestor (a file in the
 * way, no write permission, a read-only file system); `err` is the failure seen, if any.
 */
export function writeProblem(dir: string, err?: unknown, mustExist = false): string {
  let p = dir;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    if (!statSync(p).isDirectory()) return `${p} is a file, not a folder`;
    accessSync(p, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "EROFS" ? `${p} is on a read-only file system` : `${p} is not writable (${code})`;
  }
  if (mustExist && p !== dir) return `folder ${dir} does not exist`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return "unknown reason";
  // Node's message starts with the code already ("ENOENT: no such file or directory, mkdir ...").
  const message = (err as Error).message;
  return message.startsWith(`${code}:`) ? message : `${code}: ${message}`;
}

/**
 * Creates the results folder `dir` (named by `flag`) if needed and checks it is writable; returns
 * the folders it made, outermost first (see removeMadeFolders).
 */
export function ensureOutputDir(dir: string, flag = "options.out"): string[] {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw invalidOutput(flag, dir, `${dir} is a file, not a folder`);
  }
  try {
    const made = makeFolders(dir);
    accessSync(dir, constants.W_OK);
    return made;
  } catch (e) {
    throw invalidOutput(flag, dir, writeProblem(dir, e));
  }
}

/** Removes folders ensureOutputDir made, innermost first, each only while it is empty. */
export function removeMadeFolders(made: readonly string[]): void {
  for (let k = made.length - 1; k >= 0; k--) {
    try {
      rmdirSync(made[k]);
    } catch {
      return; // not empty (another process wrote there): it and its parents stay
    }
  }
}

/**
 * `mkdir -p`, one folder at a time from the nearest existing one. Not mkdirSync's `recursive`:
 * Node 20's loops for ever where mkdir fails with ENOENT under an existing parent (/proc/sys/x).
 * Returns the folders it made, outermost first.
 */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  const made: string[] = [];
  for (let p = dir; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.push(p);
  for (let k = missing.length - 1; k >= 0; k--) {
    try {
      mkdirSync(missing[k]);
      made.push(missing[k]);
    } catch (e) {
      // Made by another process meanwhile (shards starting together): fine if it is a folder.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(missing[k]).isDirectory()) throw e;
    }
  }
  return made;
}

function invalidOutput(flag: string, path: string, why: string): ValidationError {
  return new ValidationError("INVALID_OUTPUT", flag, path, writableFolder(why), "cannot write results");
}

/**
 * `flag`'s folder `path` could not take a result file while the command ran, for the reason `why`
 * (a full disk): a failure while running (CLI exit code 1), not invalid input, worded as
 * invalidOutput.
 */
export function outputFailed(flag: string, path: string, why: string): CascadeError {
  return new CascadeError("OUTPUT_FAILED", flag, path, writableFolder(why), "cannot write results");
}

const writableFolder = (why: string) => `a folder this process can create and write to (${why})`;

/** Held in a results folder while a run writes to it (removed when the run ends, however it ends). */
const LOCK_FILE = "run.lock";

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** Linux: when the process started, in clock ticks since boot (/proc/<pid>/stat field 22). */
  pidStart?: string;
}

function readLock(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof h?.pid === "number" && typeof h.host === "string" ? h : null;
  } catch {
    return null;
  }
}

/**
 * When process `pid` started (Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot);
 * undefined where there is no /proc or the process is gone. With the pid it names one process for
 * the machine's uptime: a pid alone may have been reused since a lock was written.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2, the command name, is in parentheses and may hold spaces and ")": fields 3 on
    // follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[22 - 3];
    return start !== undefined && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `holder` (of this machine) still runs. */
function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A live pid of another process (reused since): the holder is gone. Without the start time on
  // either side (another OS, an older lock) the pid alone decides.
  if (holder.pidStart === undefined) return true;
  const now = processStart(holder.pid);
  return now === undefined || now === holder.pidStart;
}

/** How long ago an ISO time was, roughly ("40 s", "3 min", "5 h", "2 days"); "" if unreadable. */
function ago(iso: string): string {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (!Number.isFinite(s) || s < 0) return "";
  if (s < 120) return `${Math.round(s)} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** A lock left empty or unreadable this long ago was never finished (its writer stopped at once). */
const UNREADABLE_LOCK_MS = 10_000;

/**
 * Takes the results folder `dir` for this run (`run.lock`, created exclusively) and returns its
 * release. A lock left by a process of this machine that no longer exists (kill -9; on Linux
 * also when its pid now belongs to a process started at another time than the lock's), or left
 * unreadable (empty) for 10 s, is taken over; a live one, or one from another machine (a shared
 * file system: whether it still runs cannot be told from here), is a ValidationError naming the
 * option, the folder and the holder's pid, host and start.
 */
export function lockOutputDir(dir: string, flag = "options.out"): () => void {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const pidStart = processStart(process.pid);
  if (pidStart !== undefined) me.pidStart = pidStart;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: "wx" });
      const release = () => rmSync(path, { force: true });
      // Released on process.exit too (a second Ctrl-C), which skips the caller's finally.
      const unregister = onExit(release);
      return () => {
        unregister();
        release();
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        // Created but not written (a full disk): an empty lock would block the folder.
        rmSync(path, { force: true });
        throw invalidOutput(flag, dir, writeProblem(dir, e));
      }
    }
    const holder = readLock(path);
    // Released meanwhile: try again.
    if (holder === null && !existsSync(path) && attempt < 5) continue;
    const stale =
      holder === null
        ? Date.now() - lockModified(path) > UNREADABLE_LOCK_MS
        : holder.host === me.host && !holderAlive(holder);
    if (attempt === 0 && stale) {
      rmSync(path, { force: true });
      continue;
    }
    const who =
      holder === null
        ? `${path} is being written by another run, or is unreadable`
        : holderWords(holder, me.host);
    throw new ValidationError(
      "OUTPUT_IN_USE",
      flag,
      dir,
      `a folder no other run is writing to (${who}; give each run, and each shard, its own ${flag}, or delete ${path} if no run uses the folder)`,
      "cannot write results",
    );
  }
}

/** Who holds a folder's lock, since when ("process 12 of this machine (h) has been writing to it since ..."). */
function holderWords(holder: LockHolder, host: string): string {
  const since = `${holder.startedAt}${ago(holder.startedAt) ? ` (${ago(holder.startedAt)})` : ""}`;
  return holder.host === host
    ? `process ${holder.pid} of this machine (${holder.host}) has been writing to it since ${since}`
    : `process ${holder.pid} on another machine, ${holder.host}, has been writing to it since ${since}; whether it still runs cannot be told from here`;
}

/**
 * Who is writing to results folder `dir` now, in holderWords' words: its run.lock's holder, if a
 * process of this machine that still runs or one of another machine; null if none (a stale lock).
 */
export function folderWriter(dir: string): string | null {
  const holder = readLock(join(dir, LOCK_FILE));
  if (holder === null || (holder.host === hostname() && !holderAlive(holder))) return null;
  return holderWords(holder, hostname());
}

/** When the lock file was last written (ms since the epoch); now if it is gone. */
function lockModified(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}
