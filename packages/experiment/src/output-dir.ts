/**
 * Output locations named on the command line (`--out`): a path that cannot hold results is a
 * ValidationError naming the flag, the path and why (exit code 2), never a raw ENOTDIR or EACCES
 * from deep inside a run.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ValidationError } from "@cascade/core";

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
  return code ? `${code}: ${(err as Error).message}` : "unknown reason";
}

/** Creates the results folder `dir` (named by `flag`) if needed and checks it is writable. */
export function ensureOutputDir(dir: string, flag = "--out"): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw invalidOutput(flag, dir, `${dir} is a file, not a folder`);
  }
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw invalidOutput(flag, dir, writeProblem(dir, e));
  }
}

/** Rejects an empty `--out` (it would write the results into the current folder). */
export function requireOutPath(value: string | undefined, flag = "--out"): void {
  if (value !== undefined && value.trim() === "") {
    throw new ValidationError("INVALID_FLAG", flag, value, "a path (not empty)", "invalid command line");
  }
}

function invalidOutput(flag: string, path: string, why: string): ValidationError {
  return new ValidationError(
    "INVALID_OUTPUT",
    flag,
    path,
    `a folder this process can create and write to (${why})`,
    "cannot write results",
  );
}
