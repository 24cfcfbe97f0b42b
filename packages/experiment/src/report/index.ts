/**
 * The HTML report of a results directory: `writeReport(dir)` reads manifest.json and the CSVs
 * (streaming), renders the charts to SVG in Node (Vega-Lite → Vega → SVG, no browser) and writes
 * one self-contained report.html (inline CSS and SVG; no script, font or URL).
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, rmSync, writeFile } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CascadeError, ValidationError } from "@cascade/core";
import { fsyncAndRename, fsyncDir, processTempName, removeDeadWritersTemps } from "../atomic-file.js";
import { onExit } from "../exit-cleanup.js";
import { checkCountOption, checkOptionKeys, checkPathOption } from "../option-checks.js";
import { writeProblem } from "../output-dir.js";
import { REPORT_FILE } from "../results-files.js";
import { buildFigures } from "./charts.js";
import { renderHtml } from "./html.js";
import { checkResultsDir, loadResults, REPORT_CONTEXT } from "./load.js";

export type { Figure, Panel } from "./charts.js";
export type { ReportData } from "./load.js";
export { loadResults } from "./load.js";

export interface ReportOptions {
  /** Output file (default `<resultsDir>/report.html`). */
  out?: string;
  /** Most price paths drawn (sampled runs x instruments), default 24. */
  maxPricePaths?: number;
}

const REPORT_OPTIONS = ["out", "maxPricePaths"] as const satisfies ReadonlyArray<keyof ReportOptions>;

/** What a script without a type check can pass wrong, refused before anything is read or written. */
function checkReportArgs(resultsDir: unknown, options: ReportOptions): void {
  checkResultsDir(resultsDir);
  checkOptionKeys(options, REPORT_OPTIONS, REPORT_CONTEXT);
  checkPathOption(options.out, "out", REPORT_CONTEXT);
  checkCountOption(options.maxPricePaths, "maxPricePaths", REPORT_CONTEXT);
}

/** Builds the report HTML of a results directory (without writing it). */
export async function buildReport(resultsDir: string, options: ReportOptions = {}): Promise<string> {
  checkReportArgs(resultsDir, options);
  const data = await loadResults(resultsDir, { maxPricePaths: options.maxPricePaths });
  const figures = await buildFigures(data);
  return renderHtml(data, figures);
}

/** Writes `report.html` (or `options.out`) for a results directory; returns the written path. */
export async function writeReport(resultsDir: string, options: ReportOptions = {}): Promise<string> {
  // buildReport checks the arguments (options.out too) before anything is read or written.
  const html = await buildReport(resultsDir, options);
  const out = resolve(options.out ?? join(resultsDir, REPORT_FILE));
  // Several reports of one folder may be written at once (no lock): each has its own temporary
  // name, and those of reports killed before their rename are removed here.
  removeDeadWritersTemps(dirname(out), basename(out));
  const tmp = processTempName(out, randomBytes(4).toString("hex"));
  // A process that exits part-way (a second Ctrl-C) leaves no .tmp either.
  const unregister = onExit(() => rmSync(tmp, { force: true }));
  try {
    // Created here, not in the background (fs/promises' writeFile opens it on libuv's pool): a
    // process that exits part-way (a signal once the results are written) must not create it
    // after the exit clean-up has removed it.
    const fd = openSync(tmp, "w");
    try {
      await new Promise<void>((done, fail) => writeFile(fd, html, "utf8", (e) => (e ? fail(e) : done())));
    } finally {
      closeSync(fd);
    }
    fsyncAndRename(tmp, out);
    fsyncDir(dirname(out));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {}); // ENOTDIR when a file is in the way: nothing to remove
    const code = (err as NodeJS.ErrnoException).code;
    if (
      code === "ENOENT" ||
      code === "ENOTDIR" ||
      code === "EACCES" ||
      code === "EROFS" ||
      code === "EISDIR"
    ) {
      throw new ValidationError(
        "INVALID_OUTPUT",
        "options.out",
        out,
        `a file path in a folder this process can write to (${code === "EISDIR" ? `${out} is a folder` : writeProblem(dirname(out), err, true)})`,
        "cannot write the report",
      );
    }
    // A full disk: a failure while running (CLI exit code 1), not invalid input.
    if (code === "ENOSPC" || code === "EDQUOT")
      throw new CascadeError(
        "OUTPUT_FAILED",
        "options.out",
        out,
        `a file path in a folder with room for it (${writeProblem(dirname(out), err, true)})`,
        "cannot write the report",
      );
    throw err;
  } finally {
    unregister();
  }
  return out;
}
