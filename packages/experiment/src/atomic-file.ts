/**
 * Files that appear whole or not at all: written to `<name>.tmp` in the same folder, fsync'ed, then
 * renamed into place (a rename within a filesystem is atomic), so a crash never leaves a
 * half-written result file under its final name.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from "node:fs";

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
