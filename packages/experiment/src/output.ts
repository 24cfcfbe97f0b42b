/**
 * Final result files. Everything here is derived from the (JSON) manifest and the run journal(s),
 * never from wall time or completion order, so a single run, a resumed run, any worker count and
 * merged shards write the same bytes.
 *
 * Every file is written to `<name>.tmp` in the output folder, fsync'ed and renamed into place.
 */
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, writeToString } from "fast-csv";
import { LIQUIDATION_COLUMNS, TIMESERIES_COLUMNS } from "./execute.js";
import { escapeText, fmtNumber, fmtValue } from "./format.js";
import { CSV_OPTIONS, type Loc, readEntry } from "./journal.js";
import { pairedComparison, summarize } from "./stats.js";
import { RUN_COLUMNS } from "./validate.js";

/** The parts of a manifest the output files need. */
export interface OutputSpec {
  variants: string[];
  baseline: number;
  params: string[];
  points: unknown[][];
  replications: number;
  seeds: number[];
  metrics: string[];
  total: number;
}

interface ManifestShape {
  variants: Array<{ name: string }>;
  baseline: string;
  sweep: { parameters: string[]; points: Array<{ values: Record<string, unknown> }> };
  replications: number;
  seeds: number[];
  metrics: string[];
  runs: number;
}

export function outputSpec(manifest: Record<string, unknown>): OutputSpec {
  const m = manifest as unknown as ManifestShape;
  const variants = m.variants.map((v) => v.name);
  return {
    variants,
    baseline: variants.indexOf(m.baseline),
    params: m.sweep.parameters,
    points: m.sweep.points.map((p) => m.sweep.parameters.map((k) => p.values[k])),
    replications: m.replications,
    seeds: m.seeds,
    metrics: m.metrics,
    total: m.runs,
  };
}

export function coords(
  spec: OutputSpec,
  run: number,
): { point: number; variant: number; replication: number } {
  const R = spec.replications;
  const replication = run % R;
  const pv = (run - replication) / R;
  const variant = pv % spec.variants.length;
  return { point: (pv - variant) / spec.variants.length, variant, replication };
}

export const FILES = {
  manifest: "manifest.json",
  runInfo: "run-info.json",
  runs: "runs.csv",
  summary: "summary.csv",
  comparison: "comparison.csv",
  timeseries: "timeseries.csv",
  liquidations: "liquidations.csv",
} as const;

export type OutputFiles = { -readonly [K in keyof typeof FILES]?: string };

/** A CSV file written through a fast-csv stream with backpressure, then fsync'ed and renamed. */
class CsvFile {
  private readonly stream;
  private readonly out;
  private readonly done: Promise<void>;
  readonly tmp: string;

  constructor(
    readonly path: string,
    headers: string[],
  ) {
    this.tmp = `${path}.tmp`;
    this.out = createWriteStream(this.tmp);
    this.stream = format({ ...CSV_OPTIONS, headers, alwaysWriteHeaders: true });
    this.done = new Promise((resolve, reject) => {
      this.out.on("finish", () => resolve());
      this.out.on("error", reject);
      this.stream.on("error", reject);
    });
    this.stream.pipe(this.out);
  }

  async write(row: string[]): Promise<void> {
    if (!this.stream.write(row)) await new Promise<void>((r) => this.stream.once("drain", () => r()));
  }

  async close(): Promise<void> {
    this.stream.end();
    await this.done;
    const fd = openSync(this.tmp, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(this.tmp, this.path);
  }
}

/**
 * A CSV file whose rows arrive as text already formatted by fast-csv (in the workers, see
 * encodeResult): the header line is formatted here, the rows are copied with backpressure, then
 * the file is fsync'ed and renamed.
 */
class CsvTextFile {
  private readonly out;
  private readonly done: Promise<void>;
  private readonly header: Promise<string>;
  private started = false;
  readonly tmp: string;

  constructor(
    readonly path: string,
    headers: string[],
  ) {
    this.tmp = `${path}.tmp`;
    this.out = createWriteStream(this.tmp);
    this.header = writeToString([], { ...CSV_OPTIONS, headers, alwaysWriteHeaders: true });
    this.done = new Promise((resolve, reject) => {
      this.out.on("finish", () => resolve());
      this.out.on("error", reject);
    });
  }

  async write(text: string): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.write(await this.header);
    }
    if (text.length > 0 && !this.out.write(text)) {
      await new Promise<void>((r) => this.out.once("drain", () => r()));
    }
  }

  async close(): Promise<void> {
    await this.write("");
    this.out.end();
    await this.done;
    const fd = openSync(this.tmp, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(this.tmp, this.path);
  }
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

export interface WriteOptions {
  outDir: string;
  manifestText: string;
  spec: OutputSpec;
  /** Runs to write, each with its journal location. */
  index: Map<number, Loc>;
  /** Write summary.csv and comparison.csv (only when every run of the plan is present). */
  statistics: boolean;
}

/** Writes every result file except run-info.json; returns their paths. */
export async function writeOutputs(o: WriteOptions): Promise<OutputFiles> {
  const { spec, outDir } = o;
  const files: OutputFiles = {};
  const p = (k: keyof typeof FILES) => {
    files[k] = join(outDir, FILES[k]);
    return files[k] as string;
  };
  const runs = new CsvFile(p("runs"), [...RUN_COLUMNS, ...spec.params, ...spec.metrics]);
  const ts = new CsvTextFile(p("timeseries"), TIMESERIES_COLUMNS);
  const lq = new CsvTextFile(p("liquidations"), LIQUIDATION_COLUMNS);
  const pointCells = spec.points.map((pt) => pt.map(fmtValue));
  const variantCells = spec.variants.map(escapeText);
  const M = spec.metrics.length;
  // Metric values of every run (NaN = blank): small (runs x metrics numbers), needed for statistics.
  const values = o.statistics ? new Float64Array(spec.total * M).fill(Number.NaN) : undefined;
  const order = [...o.index.keys()].sort((a, b) => a - b);
  const fds = new Map<string, number>();
  try {
    for (const run of order) {
      const r = readEntry(run, o.index.get(run) as Loc, fds);
      const c = coords(spec, run);
      await runs.write([
        variantCells[c.variant],
        String(c.point),
        String(c.replication),
        String(spec.seeds[c.replication]),
        ...pointCells[c.point],
        ...r.metrics.map(fmtNumber),
      ]);
      if (values) for (let k = 0; k < M; k++) values[run * M + k] = r.metrics[k] ?? Number.NaN;
      await ts.write(r.ts);
      await lq.write(r.liq);
    }
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
  await runs.close();
  await ts.close();
  await lq.close();
  if (values) await writeStatistics(spec, values, p("summary"), p("comparison"));
  writeFileAtomic(p("manifest"), o.manifestText);
  return files;
}

const cell = (x: number | null) => fmtNumber(x);

async function writeStatistics(
  spec: OutputSpec,
  values: Float64Array,
  summaryPath: string,
  comparisonPath: string,
) {
  const M = spec.metrics.length;
  const R = spec.replications;
  const V = spec.variants.length;
  const pointCells = spec.points.map((pt) => pt.map(fmtValue));
  const series = (point: number, variant: number, k: number): Array<number | null> => {
    const out: Array<number | null> = new Array(R);
    for (let r = 0; r < R; r++) {
      const x = values[((point * V + variant) * R + r) * M + k];
      out[r] = Number.isNaN(x) ? null : x;
    }
    return out;
  };
  const summary = new CsvFile(summaryPath, [
    "variant",
    "point",
    ...spec.params,
    "metric",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "median",
    "p05",
    "p95",
  ]);
  const comparison = new CsvFile(comparisonPath, [
    "variant",
    "baseline",
    "point",
    ...spec.params,
    "metric",
    "n_pairs",
    "mean_diff",
    "ci_low",
    "ci_high",
    "p_value",
    "effect_size",
  ]);
  for (let pt = 0; pt < spec.points.length; pt++) {
    for (let v = 0; v < V; v++) {
      for (let k = 0; k < M; k++) {
        const s = summarize(series(pt, v, k));
        await summary.write([
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
        ]);
      }
    }
    for (let v = 0; v < V; v++) {
      if (v === spec.baseline) continue;
      for (let k = 0; k < M; k++) {
        const c = pairedComparison(series(pt, v, k), series(pt, spec.baseline, k));
        await comparison.write([
          escapeText(spec.variants[v]),
          escapeText(spec.variants[spec.baseline]),
          String(pt),
          ...pointCells[pt],
          spec.metrics[k],
          String(c.nPairs),
          cell(c.meanDiff),
          cell(c.ciLow),
          cell(c.ciHigh),
          cell(c.pValue),
          cell(c.effectSize),
        ]);
      }
    }
  }
  await summary.close();
  await comparison.close();
}
