import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(REPO, "packages/experiment/dist/cli.js");
export const TINY = join(REPO, "test/e2e/fixtures/tiny.ts");
export const fixture = (name: string) => join(REPO, "test/e2e/fixtures", name);

export function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm build)`);
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process; `nodeFlags` go to node itself, before the script. */
export function start(
  args: string[],
  cwd: string,
  nodeFlags: string[] = [],
): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [...nodeFlags, CLI, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<Result>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function cascade(args: string[], cwd: string, nodeFlags: string[] = []): Promise<Result> {
  return start(args, cwd, nodeFlags).done;
}

export const OUTPUT_FILES = [
  "manifest.json",
  "runs.csv",
  "summary.csv",
  "comparison.csv",
  "timeseries.csv",
  "liquidations.csv",
];

export function readAll(dir: string): Record<string, string> {
  return Object.fromEntries(OUTPUT_FILES.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}
