/**
 * Final result files. Everything here is derived from the (JSON) manifest and the run journal(s),
 * never from wall time or completion order, so a single run, a resumed run, any worker count and
 * merged shards write the same bytes.
 *
 * Every file is written to its tempName (`<name>.cascade.tmp`) in the output folder, fsync'ed and
 * renamed into place.
 */
import { once } from "node:events";
import { closeSync, createWriteStream, openSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsyncAndRename, tempName, writeFileAtomic } from "./atomic-file.js";
import { LIQUIDATION_COLUMNS, TIMESERIES_COLUMNS } from "./execute.js";
import { onExit } from "./exit-cleanup.js";
import { escapeText, fmtNumber, fmtValue } from "./format.js";
import { csvLines, type Loc, readEntry } from "./journal.js";
import { writeProblem } from "./output-dir.js";
import { sweepPaths } from "./paths.js";
import { coordsOf } from "./plan.js";
import type { Progress } from "./progress.js";
import { COMPARISON_STATS, FILES, JOURNAL_ASIDE, JOURNAL_FILE, SUMMARY_STATS } from "./results-files.js";
import {
  holmAdjust,
  isZeroOneOutcome,
  type PairedComparison,
  pairedComparison,
  rememberedIntervals,
  summarize,
} from "./stats.js";
import type { WorldConfig } from "./types.js";
import { applyPoint, pathInside, RUN_COLUMNS, sweepable, sweepReaches } from "./validate.js";

/** The parts of a manifest the output files need. */
export interface OutputSpec {
  variants: string[];
  baseline: number;
  params: string[];
  points: unknown[][];
  /**
   * The parameter whose first value is each point's reference (sweepReference), or null. One
   * variant: points are compared with their reference (point 0 without it); several: with it, each
   * variant is compared with itself at the reference point too, besides the baseline at each point.
   */
  reference: string | null;
  /**
   * Per variant: whether the reference parameter reaches its config. A point and its reference
   * point differ only in that parameter, so a variant it does not reach runs the same at both (even
   * when another swept parameter reaches it): not compared with itself there (differences all 0).
   */
  swept: boolean[];
  /**
   * Per point, per variant, per parameter: whether the parameter reaches the variant's config at
   * that point (the parameters before it applied, as a run applies them). runs.csv leaves the
   * cell blank where it does not: that run used no such value.
   */
  reachedAt: boolean[][][];
  replications: number;
  seeds: number[];
  metrics: string[];
  /** The custom metrics among `metrics` (the only ones a 0/1 outcome is recognised in from the data). */
  customMetrics: string[];
  total: number;
}

interface ManifestShape {
  variants: Array<{ name: string; config?: unknown }>;
  baseline: string;
  sweep: {
    parameters: string[];
    reference?: string;
    points: Array<{ values: Record<string, unknown> }>;
  };
  replications: number;
  seeds: number[];
  metrics: string[];
  customMetrics?: string[];
  runs: number;
}

/**
 * Whether the sweep's reference parameter (any swept parameter without one) can change a variant's
 * runs. Another swept path that contains the reference's (as written, or as the config resolves
 * a symbol, a label or *: pathInside) may create it at some points: counted as reaching.
 */
function reaches(config: unknown, sweep: ManifestShape["sweep"]): boolean {
  const ref = sweep.reference;
  if (ref === undefined || ref === null) return sweep.parameters.some((p) => sweepReaches(config, p));
  const others = sweep.parameters.filter((p) => p !== ref).flatMap(sweepPaths);
  return sweepPaths(ref).some(
    (path) => sweepable(config, path) || others.some((p) => pathInside(path, p, [config])),
  );
}

/**
 * Whether each swept parameter reaches `config` at a point: a parameter set by an earlier one
 * (a nested grid's outer value creating the inner path) counts. Without a resolved config (a
 * manifest not written by this Cascade), every one.
 */
function reachedParams(config: unknown, params: readonly string[], values: readonly unknown[]): boolean[] {
  if (config === undefined) return params.map(() => true);
  return params.map((param, k) =>
    sweepReaches(k === 0 ? config : applyPoint(config as WorldConfig, params.slice(0, k), values), param),
  );
}

export function outputSpec(manifest: Record<string, unknown>): OutputSpec {
  const m = manifest as unknown as ManifestShape;
  const variants = m.variants.map((v) => v.name);
  return {
    variants,
    baseline: variants.indexOf(m.baseline),
    params: m.sweep.parameters,
    points: m.sweep.points.map((p) => m.sweep.parameters.map((k) => p.values[k])),
    reference: m.sweep.reference ?? null,
    // A manifest without resolved configs (not written by this Cascade) counts every variant as swept.
    swept: m.variants.map((v) => v.config === undefined || reaches(v.config, m.sweep)),
    reachedAt: m.sweep.points.map((p) => {
      const values = m.sweep.parameters.map((k) => p.values[k]);
      return m.variants.map((v) => reachedParams(v.config, m.sweep.parameters, values));
    }),
    replications: m.replications,
    seeds: m.seeds,
    metrics: m.metrics,
    customMetrics: Array.isArray(m.customMetrics) ? m.customMetrics : [],
    total: m.runs,
  };
}

/** The files whose tempName a run or merge killed while writing it may have left in its folder. */
export const LEFTOVER_NAMES: readonly string[] = [JOURNAL_FILE, JOURNAL_ASIDE, ...Object.values(FILES)];

export type OutputFiles = { -readonly [K in keyof typeof FILES]?: string };

/**
 * A result file that could not be written (a full disk, an I/O error): which one, and why. The
 * callers say what is kept and how to finish (a run's journal, a merge's shards).
 */
export class ResultFileError extends Error {
  override readonly name = "ResultFileError";
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${basename(file)} could not be written: ${writeProblem(dirname(file), cause)}`, { cause });
  }
}

/** Runs `write`, its failure named as the result file `file`'s (ResultFileError). */
async function writing<T>(file: string, write: () => T | Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw new ResultFileError(file, e);
  }
}

/**
 * A CSV file, written to its tempName with backpressure, then fsync'ed and renamed. The header and
 * rows written here are formatted by fast-csv (csvLines); blocks of rows the workers already
 * formatted (journal entries) are copied as they are.
 */
class CsvFile {
  private readonly out;
  private readonly done: Promise<void>;
  readonly tmp: string;

  constructor(
    readonly path: string,
    headers: string[],
  ) {
    this.tmp = tempName(path);
    // Opened here, not in the background: a process that exits part-way must not create the file
    // after the exit clean-up has looked for it.
    this.out = createWriteStream(this.tmp, { fd: openSync(this.tmp, "w") });
    this.done = new Promise((resolve, reject) => {
      this.out.on("finish", () => resolve());
      this.out.on("error", reject);
    });
    // close() awaits it; a file given up (discard) must not leave a rejection nobody handles.
    this.done.catch(() => {});
    this.out.write(csvLines(NO_KEY, [headers]));
  }

  /** Gives the file up (the write failed or was aborted): closes the stream, removes its tempName. */
  async discard(): Promise<void> {
    if (!this.out.closed) {
      await new Promise<void>((r) => {
        this.out.once("close", () => r());
        this.out.destroy();
      });
    }
    rmSync(this.tmp, { force: true });
  }

  row(cells: string[]): Promise<void> {
    return this.text(csvLines(NO_KEY, [cells]));
  }

  text(lines: string): Promise<void> {
    return writing(this.path, async () => {
      if (this.out.errored) throw this.out.errored;
      if (lines.length > 0 && !this.out.write(lines)) {
        // A stream that fails (a full disk) never drains: its error ends the wait (events.once
        // rejects on "error"), instead of a run that hangs for ever.
        if (this.out.errored) throw this.out.errored;
        await once(this.out, "drain");
      }
    });
  }

  close(): Promise<void> {
    return writing(this.path, async () => {
      this.out.end();
      await this.done;
      fsyncAndRename(this.tmp, this.path);
    });
  }
}

const NO_KEY: string[] = [];

export interface WriteOptions {
  outDir: string;
  manifestText: string;
  spec: OutputSpec;
  /** Runs to write, each with its journal location. */
  index: Map<number, Loc>;
  /** Write summary.csv and comparison.csv (only when every run of the plan is present). */
  statistics: boolean;
  /** Stops the writing when aborted: the call then fails and leaves nothing, as on any failure. */
  signal?: AbortSignal;
  /** Counts the statistics computed (a summary.csv row or a comparison each) while they are. */
  statisticsProgress?: Progress;
}

/**
 * Writes every result file except run-info.json; returns their paths. On failure nothing is left:
 * no `.tmp` file, and none of the final files this call had already renamed into place.
 */
export async function writeOutputs(o: WriteOptions): Promise<OutputFiles> {
  const opened: CsvFile[] = [];
  const removeAll = () => {
    for (const f of opened) {
      rmSync(f.tmp, { force: true });
      rmSync(f.path, { force: true });
    }
    rmSync(join(o.outDir, FILES.manifest), { force: true });
    rmSync(tempName(join(o.outDir, FILES.manifest)), { force: true });
  };
  // A process that exits part-way (a second Ctrl-C) leaves no .tmp and no partial results either.
  const unregister = onExit(removeAll);
  try {
    return await writeAll(o, opened);
  } catch (e) {
    for (const f of opened) await f.discard();
    removeAll();
    throw e;
  } finally {
    unregister();
  }
}

/**
 * Lets the event loop turn (a Ctrl-C handler, a caller's abort() from a timer), then stops if
 * aborted: the rows and statistics are computed without waiting on anything, so an abort could
 * otherwise be seen only after the last of them. Without a signal, nothing.
 */
async function turn(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return;
  await new Promise<void>((r) => setImmediate(r));
  signal.throwIfAborted();
}

async function writeAll(o: WriteOptions, opened: CsvFile[]): Promise<OutputFiles> {
  const { spec, outDir } = o;
  const files: OutputFiles = {};
  const p = (k: keyof typeof FILES) => {
    files[k] = join(outDir, FILES[k]);
    return files[k] as string;
  };
  const csv = (path: string, headers: string[]) => {
    const f = new CsvFile(path, headers);
    opened.push(f);
    return f;
  };
  const runs = csv(p("runs"), [...RUN_COLUMNS, ...spec.params, ...spec.metrics]);
  const ts = csv(p("timeseries"), TIMESERIES_COLUMNS);
  const lq = csv(p("liquidations"), LIQUIDATION_COLUMNS);
  // A run's parameter cells: the point's values, blank where the parameter does not reach its variant.
  const runPointCells = spec.points.map((pt, p) => {
    const cells = pt.map(fmtValue);
    return spec.variants.map((_, v) => cells.map((c, k) => (spec.reachedAt[p][v][k] ? c : "")));
  });
  const variantCells = spec.variants.map(escapeText);
  const M = spec.metrics.length;
  // Metric values of every run (NaN = blank): small (runs x metrics numbers), needed for statistics.
  const values = o.statistics ? new Float64Array(spec.total * M).fill(Number.NaN) : undefined;
  const order = [...o.index.keys()].sort((a, b) => a - b);
  const fds = new Map<string, number>();
  try {
    for (const run of order) {
      await turn(o.signal);
      const r = readEntry(run, o.index.get(run) as Loc, fds);
      const c = coordsOf(run, spec.replications, spec.variants.length);
      await runs.row([
        variantCells[c.variant],
        String(c.point),
        String(c.replication),
        String(spec.seeds[c.replication]),
        ...runPointCells[c.point][c.variant],
        ...r.metrics.map(fmtNumber),
      ]);
      if (values) for (let k = 0; k < M; k++) values[run * M + k] = r.metrics[k] ?? Number.NaN;
      await ts.text(r.ts);
      await lq.text(r.liq);
    }
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
  await runs.close();
  await ts.close();
  await lq.close();
  await turn(o.signal);
  if (values) {
    const progress = o.statisticsProgress;
    try {
      await writeStatistics(spec, values, p("summary"), p("comparison"), csv, o.signal, progress);
    } finally {
      progress?.stop();
    }
  }
  await turn(o.signal);
  await writing(p("manifest"), () => writeFileAtomic(p("manifest"), o.manifestText));
  return files;
}

const cell = (x: number | null) => fmtNumber(x);

/**
 * Each point's reference in a sweep of one variant: point 0, or with a `reference` parameter the
 * point with that parameter at its first value and the others as at this point (the grid is full,
 * so it exists). Values are compared as the manifest writes them.
 */
function referencePoints(spec: OutputSpec): number[] {
  const k = spec.reference === null ? -1 : spec.params.indexOf(spec.reference);
  if (k < 0) return spec.points.map(() => 0);
  const key = (pt: unknown[]) => JSON.stringify(pt);
  const index = new Map(spec.points.map((pt, i) => [key(pt), i] as const));
  const first = spec.points[0][k];
  return spec.points.map((pt) => index.get(key(pt.map((x, j) => (j === k ? first : x)))) as number);
}

async function writeStatistics(
  spec: OutputSpec,
  values: Float64Array,
  summaryPath: string,
  comparisonPath: string,
  csv: (path: string, headers: string[]) => CsvFile,
  signal: AbortSignal | undefined,
  progress: Progress | undefined,
) {
  const M = spec.metrics.length;
  const R = spec.replications;
  const V = spec.variants.length;
  const pointCells = spec.points.map((pt) => pt.map(fmtValue));
  const reference = referencePoints(spec);
  const series = (point: number, variant: number, k: number): Array<number | null> => {
    const out: Array<number | null> = new Array(R);
    for (let r = 0; r < R; r++) {
      const x = values[((point * V + variant) * R + r) * M + k];
      out[r] = Number.isNaN(x) ? null : x;
    }
    return out;
  };
  // 0/1 outcomes (isZeroOneOutcome): Wilson and Newcombe intervals of rates instead of t
  // intervals, which gave [0, 0] for 0 of 20 and intervals past 0 and 1.
  const custom = new Set(spec.customMetrics);
  const column = (k: number): Iterable<number> => ({
    *[Symbol.iterator]() {
      for (let i = k; i < values.length; i += M) yield values[i];
    },
  });
  const proportion = spec.metrics.map((name, k) => isZeroOneOutcome(name, custom.has(name), column(k)));
  const summary = csv(summaryPath, ["variant", "point", ...spec.params, "metric", ...SUMMARY_STATS]);
  const comparison = csv(comparisonPath, [
    "variant",
    "baseline",
    "point",
    "baseline_point",
    ...spec.params,
    "metric",
    ...COMPARISON_STATS,
  ]);
  // Comparisons per point, as compare() is called below.
  const compares = (pt: number) =>
    V > 1
      ? V - 1 + (spec.reference !== null && reference[pt] !== pt ? spec.swept.filter(Boolean).length : 0)
      : reference[pt] !== pt
        ? 1
        : 0;
  const interval = rememberedIntervals();
  let done = 0;
  progress?.start(
    spec.points.reduce((n, _, pt) => n + (V + compares(pt)) * M, 0),
    0,
  );
  // Comparisons are gathered first: their Holm adjustment needs the whole family.
  // own: a variant against itself at the sweep's reference point (baseline = variant)
  const compared: Array<{ keys: string[]; metric: number; own: boolean; c: PairedComparison }> = [];
  for (let pt = 0; pt < spec.points.length; pt++) {
    for (let v = 0; v < V; v++) {
      for (let k = 0; k < M; k++) {
        await turn(signal);
        const s = summarize(series(pt, v, k), proportion[k], interval);
        progress?.update(++done);
        await summary.row([
          escapeText(spec.variants[v]),
          String(pt),
          ...pointCells[pt],
          spec.metrics[k],
          String(s.n),
          cell(s.mean),
          cell(s.sd),
          cell(s.ciLow),
          cell(s.ciHigh),
          cell(s.median),
          cell(s.p05),
          cell(s.p95),
          cell(s.bootLow),
          cell(s.bootHigh),
        ]);
      }
    }
    // Each variant against the baseline at the same point; a sweep of one variant has nothing to
    // compare there, so each point against its reference point (the same seeds run at every point).
    // With several variants and a sweepReference, each variant against itself at the reference
    // point as well (the effect of the swept parameter under each policy).
    const compare = async (v: number, point: number, base: number, basePoint: number) => {
      for (let k = 0; k < M; k++) {
        await turn(signal);
        const c = pairedComparison(series(point, v, k), series(basePoint, base, k), proportion[k], interval);
        progress?.update(++done);
        const keys = [
          escapeText(spec.variants[v]),
          escapeText(spec.variants[base]),
          String(point),
          String(basePoint),
          ...pointCells[point],
          spec.metrics[k],
        ];
        compared.push({ keys, metric: k, own: v === base, c });
      }
    };
    if (V > 1) {
      for (let v = 0; v < V; v++) if (v !== spec.baseline) await compare(v, pt, spec.baseline, pt);
      if (spec.reference !== null && reference[pt] !== pt)
        for (let v = 0; v < V; v++) if (spec.swept[v]) await compare(v, pt, v, reference[pt]);
    } else if (reference[pt] !== pt) {
      await compare(0, pt, spec.baseline, reference[pt]);
    }
  }
  // Holm-adjusted p-values, one family per metric and question: the variants against the baseline
  // at every point ("which policies change this metric", the rows the headline and the paired chart
  // mark), and, with several variants and a sweepReference, the variants against themselves at the
  // reference ("does the swept parameter change it under each policy", a chart of its own). One
  // family of both made each question's p larger by the other's number of tests. A sweep of one
  // variant has only the second kind.
  const pHolm: Array<number | null> = new Array(compared.length).fill(null);
  const pWilcoxonHolm: Array<number | null> = new Array(compared.length).fill(null);
  for (let k = 0; k < M; k++) {
    for (const own of [false, true]) {
      const rows = compared.flatMap((x, i) => (x.metric === k && x.own === own ? [i] : []));
      const t = holmAdjust(rows.map((i) => compared[i].c.pValue));
      const w = holmAdjust(rows.map((i) => compared[i].c.pWilcoxon));
      rows.forEach((i, j) => {
        pHolm[i] = t[j];
        pWilcoxonHolm[i] = w[j];
      });
    }
  }
  for (let i = 0; i < compared.length; i++) {
    const { keys, c } = compared[i];
    await comparison.row([
      ...keys,
      String(c.nPairs),
      cell(c.meanDiff),
      cell(c.ciLow),
      cell(c.ciHigh),
      cell(c.pValue),
      cell(pHolm[i]),
      cell(c.effectSize),
      cell(c.pWilcoxon),
      cell(pWilcoxonHolm[i]),
      cell(c.bootLow),
      cell(c.bootHigh),
    ]);
  }
  await summary.close();
  await comparison.close();
}
