/**
 * Files that appear whole or not at all: written to `<name>.cascade.tmp` in the same folder
 * (tempName), fsync'ed, then renamed into place (a rename within a filesystem is atomic), so a
 * crash never leaves a half-written result file under its final name.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** Flushes a finished temporary file to disk and renames it to `path`. */
export function fsyncAndRename(tmp: string, path: string): void {
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Flushes folder `dir` itself, so that the renames (and removals) done in it survive a crash of
 * the machine: fsync of a file does not cover its name (Linux). Where a folder cannot be opened or
 * synced (Windows: EISDIR, EPERM; some file systems: EINVAL), nothing is done.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM" && code !== "ENOTSUP") throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * The temporary name of `path` while Cascade writes it: `<name>.cascade.tmp`, beside it. The
 * `.cascade` mark makes it Cascade's own, so that removing one a killed run left (removeLeftoverTemps)
 * or writing over it never touches a researcher's file: a plain `<name>.tmp` (the naming of
 * earlier versions) may be their own `runs.csv.tmp`, and is left alone. Visible, not hidden: one
 * a killed run left (a timeseries.csv can be large) shows up beside its file; and it still ends
 * in `.tmp`, which editors, backups and `.gitignore` files know as temporary.
 */
export function tempName(path: string): string {
  return `${path}.cascade.tmp`;
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, text);
    fsyncAndRename(tmp, path);
  } catch (e) {
    // Half-written (a full disk): removed, unless that name is not a file (a folder: not ours).
    try {
      if (lstatSync(tmp).isFile()) rmSync(tmp);
    } catch {}
    throw e;
  }
}

/** The folder inside `--out` where a merge writes its files before they replace those there. */
export const MERGE_STAGING = ".cascade-merge.tmp";

/**
 * Removes what a process killed while writing (SIGKILL: no exit handler runs) left in `dir` of
 * the files `names`: their tempName, if it is a regular file (a folder or a link of that name was
 * not made here, and is left), and a merge's staging folder. A `<name>.tmp` is not Cascade's to
 * remove (tempName). Call it only while holding the folder's run.lock: another run's temporary
 * files are its own.
 */
export function removeLeftoverTemps(dir: string, names: readonly string[]): void {
  const staging = join(dir, MERGE_STAGING);
  try {
    if (lstatSync(staging).isDirectory()) rmSync(staging, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  for (const name of names) {
    const tmp = tempName(join(dir, name));
    try {
      if (lstatSync(tmp).isFile()) rmSync(tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}

/**
 * The temporary name of a file that several processes may write at once without a lock (the
 * report): `<name>.<pid>.<hex>.cascade.tmp` (tempName's mark), so that none renames another's
 * half-written file.
 */
export function processTempName(path: string, hex: string): string {
  return tempName(`${path}.${process.pid}.${hex}`);
}

/**
 * Removes from `dir` the `<name>.<pid>.<hex>.cascade.tmp` files (processTempName) of processes of this
 * machine that no longer run: a writer killed between writing and renaming left them. A live
 * process's (this one's included) are its own, and a name that is not of this form is left.
 */
export function removeDeadWritersTemps(dir: string, name: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // no folder: nothing left in it
  }
  const prefix = `${name}.`;
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]+\.cascade\.tmp$/.exec(entry.slice(prefix.length));
    if (m === null || processRuns(Number(m[1]))) continue;
    const tmp = join(dir, entry);
    try {
      if (lstatSync(tmp).isFile()) rmSync(tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}

/** Whether a process `pid` of this machine exists (EPERM: it does, owned by another user). */
function processRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
