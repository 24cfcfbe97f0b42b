/**
 * Files that appear whole or not at all: written to `<name>.tmp` in the same folder, fsync'ed, then
 * renamed into place (a rename within a filesystem is atomic), so a crash never leaves a
 * half-written result file under its final name.
 */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  fsyncAndRename(tmp, path);
}

/**
 * Removes what a process killed while writing (SIGKILL: no exit handler runs) left in `dir` of
 * the files `names`: their `<name>.tmp`, if it is a regular file (a folder or a link of that
 * name was not made here, and is left). Call it only while holding the folder's run.lock: another
 * run's temporary files are its own.
 */
export function removeLeftoverTemps(dir: string, names: readonly string[]): void {
  for (const name of names) {
    const tmp = join(dir, `${name}.tmp`);
    try {
      if (lstatSync(tmp).isFile()) rmSync(tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}
