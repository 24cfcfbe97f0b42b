/**
 * Reads a results directory into the plain data the report draws. Every file is optional and
 * read defensively (the schemas are fixed, but a partial or older directory should still give a
 * report); the large files (timeseries.csv, liquidations.csv) are streamed and only the sampled
 * runs' rows are kept.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import { fmtValue } from "../format.js";
import { checkCountOption, checkOptionKeys } from "../option-checks.js";
import { isPlainObject } from "../paths.js";
import { COMPARISON_STATS, SUMMARY_STATS } from "../results-files.js";
import { type CsvRow, num, readCsvFast } from "./csv.js";
import { pointValue } from "./format.js";

/** Columns of runs.csv that are neither sweep parameters nor metrics. */
export const FIXED_RUN_COLUMNS = ["variant", "point", "sweep_point", "replication", "seed", "run", "shard"];

export interface LoadOptions {
  /** Most price paths drawn (runs x instruments), default 24. */
  maxPricePaths?: number;
  /** Replications sampled per variant for the price paths, default 3. */
  pathsPerVariant?: number;
  /** Most points kept per price path after min/max subsampling, default 800. */
  maxPointsPerPath?: number;
}

const LOAD_OPTIONS = [
  "maxPricePaths",
  "pathsPerVariant",
  "maxPointsPerPath",
] as const satisfies ReadonlyArray<keyof LoadOptions>;

export interface ManifestInfo {
  name: string;
  description: string | null;
  variants: string[];
  baseline: string | null;
  sweepParams: string[];
  /** Values of each sweep point, by point index (as cell text). */
  points: Array<Record<string, string>>;
  /** The sweepReference parameter of a one-variant sweep, or null (each point against point 0). */
  sweepReference: string | null;
  /** The experiment's custom metrics (manifest customMetrics; [] in older files). */
  customMetrics: string[];
  /** What custom metrics declared about themselves (manifest metricInfo): description and unit. */
  metricInfo: Record<string, { description?: string; unit?: string }>;
  seed: unknown;
  replications: unknown;
  /** Runs of the whole experiment (a shard's folder holds fewer). */
  runs: number | null;
}

export interface SweepPoint {
  /** Parameter → value as written in the CSV (text). */
  params: Record<string, string>;
  /** "a=1, b=200,000" (values as pointValue writes them), or "" without a sweep. */
  label: string;
  /** The values only: "1, 200,000". */
  short: string;
}

export interface RunRow extends SweepPoint {
  variant: string;
  replication: string;
  values: Record<string, number | null>;
}

export interface SummaryRow extends SweepPoint {
  variant: string;
  metric: string;
  n: number | null;
  mean: number | null;
  sd: number | null;
  ci_low: number | null;
  ci_high: number | null;
  median: number | null;
  p05: number | null;
  p95: number | null;
  /** BCa bootstrap interval of the mean; null with few values and in older files. */
  boot_low: number | null;
  boot_high: number | null;
  /** The cells as written, for exact display. */
  raw: Record<string, string>;
}

export interface ComparisonRow extends SweepPoint {
  variant: string;
  metric: string;
  n_pairs: number | null;
  mean_diff: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  /** p_value after Holm's adjustment over the metric's comparisons of one kind (output.ts); null in older files */
  p_holm: number | null;
  effect_size: number | null;
  /** null also in files written before the column existed */
  p_wilcoxon: number | null;
  /** p_wilcoxon after Holm's adjustment; null in older files */
  p_wilcoxon_holm: number | null;
  /** BCa bootstrap interval of the mean difference; null with few pairs and in older files. */
  boot_low: number | null;
  boot_high: number | null;
  raw: Record<string, string>;
}

/** A point of a drawn price path: the `price` column (mid, or last trade within the quoted side while a side is empty), else `mid`. */
export interface PathPoint {
  tick: number;
  price: number;
}

export interface LiquidationMark {
  tick: number;
  price: number;
  count: number;
  notional: number;
  maxGeneration: number | null;
}

export interface PricePath {
  variant: string;
  replication: string;
  instrument: string;
  pointLabel: string;
  points: PathPoint[];
  liquidations: LiquidationMark[];
  /** Rows read before subsampling. */
  sourcePoints: number;
}

export interface GenerationCount {
  variant: string;
  /** The sweep point's label; "" without a sweep or when liquidations.csv names no point. */
  point: string;
  generation: number;
  count: number;
  perRun: number;
}

/** What the price-path limit dropped beyond replications and sweep points (see ReportData). */
export interface PathsLeftOut {
  /** The number of paths drawn at most. */
  limit: number;
  /** Variants and sweep points whose paths were read (before the limit). */
  variants: number;
  points: number;
  /** Instruments whose paths were read, in drawing order. */
  instruments: string[];
  leftOutInstruments: string[];
  leftOutVariants: string[];
}

export interface ReportData {
  dir: string;
  files: Record<string, boolean>;
  manifestRaw: unknown;
  manifest: ManifestInfo;
  variants: string[];
  baseline: string | null;
  /** Sweep parameters found in the data. */
  sweepParams: string[];
  /** Distinct sweep points in the order first seen. */
  points: SweepPoint[];
  metrics: string[];
  runs: RunRow[];
  summary: SummaryRow[];
  comparison: ComparisonRow[];
  paths: PricePath[];
  /** Labels of the sweep points whose paths were read, in sweep order ([] without a sweep). */
  pathPoints: string[];
  /** How those points were chosen among all the points. */
  pathPointChoice: PathPointChoice;
  /** How many points that choice named (more than pathPoints when the path limit dropped some). */
  pathPointsChosen: number;
  /** Total paths available in timeseries.csv vs drawn. */
  pathsAvailable: number;
  /**
   * Set when the path limit left whole instruments (or variants) out of the price paths, even at
   * one replication each: what was read, the limit, and what is missing. null otherwise.
   */
  pathsLeftOut: PathsLeftOut | null;
  generations: GenerationCount[];
  /** Records in liquidations.csv, settlement records included. */
  liquidationRows: number;
  /** The settlement records among them (quantity 0: a deficit booked, no liquidation). */
  settlementRows: number;
}

/** A JSON value as the CSV writers would write it (numbers plain, strings as-is, others JSON). */
/**
 * A manifest value as the CSV files write it (fmtValue: numbers rounded to 10 significant digits,
 * formula-like text escaped), so that a point read by index matches the point named by runs.csv's
 * cells (1/3 is 0.3333333333 in both).
 */
export function cellText(v: unknown): string {
  return fmtValue(v);
}

export function parseManifest(raw: unknown): ManifestInfo {
  const m = isPlainObject(raw) ? raw : {};
  const variants: string[] = [];
  let baseline: string | null = null;
  if (Array.isArray(m.variants)) {
    for (const v of m.variants) {
      if (typeof v === "string") variants.push(v);
      else if (isPlainObject(v) && typeof v.name === "string") {
        variants.push(v.name);
        if (v.baseline === true) baseline = v.name;
      }
    }
  } else if (isPlainObject(m.variants)) {
    for (const [k, v] of Object.entries(m.variants)) {
      variants.push(k);
      if (isPlainObject(v) && v.baseline === true) baseline = k;
    }
  }
  if (typeof m.baseline === "string") baseline = m.baseline;
  else if (typeof m.baseline === "number" && variants[m.baseline] !== undefined)
    baseline = variants[m.baseline];
  else if (isPlainObject(m.baseline) && typeof m.baseline.name === "string") baseline = m.baseline.name;

  let sweepParams: string[] = [];
  let rawPoints: unknown[] = [];
  const sweep = m.sweep;
  if (isPlainObject(sweep)) {
    const declared = sweep.parameters ?? sweep.params;
    if (Array.isArray(declared)) {
      sweepParams = declared.filter((p): p is string => typeof p === "string");
      if (Array.isArray(sweep.points)) rawPoints = sweep.points;
    } else {
      // parameter → values
      sweepParams = Object.keys(sweep).filter((k) => Array.isArray(sweep[k]));
    }
  } else if (Array.isArray(sweep)) {
    for (const s of sweep)
      if (isPlainObject(s) && typeof (s.parameter ?? s.param ?? s.path) === "string")
        sweepParams.push(String(s.parameter ?? s.param ?? s.path));
  }
  if (rawPoints.length === 0 && Array.isArray(m.sweepPoints)) rawPoints = m.sweepPoints;
  const points: Array<Record<string, string>> = rawPoints.map((p) => {
    const values = isPlainObject(p) && isPlainObject(p.values) ? p.values : p;
    const out: Record<string, string> = {};
    if (Array.isArray(values)) for (const [i, k] of sweepParams.entries()) out[k] = cellText(values[i]);
    else if (isPlainObject(values)) for (const k of sweepParams) out[k] = cellText(values[k]);
    return out;
  });

  return {
    name: typeof m.name === "string" ? m.name : "experiment",
    description: typeof m.description === "string" ? m.description : null,
    variants,
    baseline,
    sweepParams,
    points,
    sweepReference: isPlainObject(sweep) && typeof sweep.reference === "string" ? sweep.reference : null,
    customMetrics: Array.isArray(m.customMetrics)
      ? m.customMetrics.filter((x): x is string => typeof x === "string")
      : [],
    metricInfo: metricInfo(m.metricInfo),
    seed: m.rootSeed ?? m.seed ?? null,
    replications: m.replications ?? null,
    runs: typeof m.runs === "number" ? m.runs : null,
  };
}

/** manifest.json's metricInfo, its text fields only. */
function metricInfo(raw: unknown): ManifestInfo["metricInfo"] {
  const out: ManifestInfo["metricInfo"] = {};
  if (!isPlainObject(raw)) return out;
  for (const [name, info] of Object.entries(raw)) {
    if (!isPlainObject(info)) continue;
    const entry: { description?: string; unit?: string } = {};
    if (typeof info.description === "string") entry.description = info.description;
    if (typeof info.unit === "string") entry.unit = info.unit;
    out[name] = entry;
  }
  return out;
}

/** "a=1, b=200,000": a point's parameters and values as the report writes them (pointValue). */
export function pointLabel(params: Record<string, string>, order: readonly string[]): string {
  return order
    .filter((k) => k in params)
    .map((k) => `${k}=${pointValue(params[k])}`)
    .join(", ");
}

/**
 * What comparison.csv's differences are against: the baseline variant, or, in a sweep of one
 * variant, the first sweep point (the same seeds run at every point).
 */
export function comparisonReference(data: ReportData): string {
  if (data.variants.length === 1 && data.sweepParams.length > 0) {
    const ref = data.manifest.sweepReference;
    if (ref !== null) return `the first value of ${ref} (the other parameters as at the point)`;
    const first = data.manifest.points[0];
    return `the first sweep point${first ? ` (${pointLabel(first, data.sweepParams)})` : ""}`;
  }
  return data.baseline ?? "the baseline";
}

/** The columns naming a run and an instrument in timeseries.csv and liquidations.csv (older files: sweep_point). */
const RUN_KEY_COLUMNS = ["variant", "point", "sweep_point", "replication", "instrument"];

/**
 * The label of rowPoint, remembered by the cells it is made of (the point column and the
 * parameters'): timeseries.csv and liquidations.csv repeat a handful of points over their rows.
 */
function rowLabels(params: readonly string[], manifest: ManifestInfo): (row: CsvRow) => string {
  const seen = new Map<string, string>();
  const columns = ["point", "sweep_point", ...params];
  // the previous row's cells and label: rows of one run follow each other
  const last: Array<string | undefined> = columns.map(() => undefined);
  let lastLabel: string | null = null;
  return (row) => {
    if (lastLabel !== null && columns.every((c, i) => row[c] === last[i])) return lastLabel;
    let key = `${row.point}\u0000${row.sweep_point}`;
    for (const p of params) key += `\u0000${row[p]}`;
    let label = seen.get(key);
    if (label === undefined) {
      label = rowPoint(row, params, manifest).label;
      seen.set(key, label);
    }
    columns.forEach((c, i) => {
      last[i] = row[c];
    });
    lastLabel = label;
    return label;
  };
}

/** Sweep values of a row: from the parameter columns, else from a point index via the manifest. */
function rowPoint(row: CsvRow, params: readonly string[], manifest: ManifestInfo): SweepPoint {
  const out: Record<string, string> = {};
  let found = false;
  // runs.csv leaves a parameter blank for a variant it does not reach: the point's own value.
  const own = manifest.points[num(row.point ?? "") ?? -1];
  for (const p of params) {
    if (p in row) {
      out[p] = row[p] === "" && own?.[p] !== undefined ? own[p] : row[p];
      found = true;
    }
  }
  if (!found) {
    const idxText = row.sweep_point ?? row.point;
    const idx = num(idxText);
    if (idx !== null && manifest.points[idx] !== undefined) {
      Object.assign(out, manifest.points[idx]);
      found = Object.keys(out).length > 0;
    }
    if (!found && idxText !== undefined && params.length > 0) {
      return { params: {}, label: `point ${idxText}`, short: `point ${idxText}` };
    }
  }
  return {
    params: out,
    label: pointLabel(out, params),
    short: params
      .filter((k) => k in out)
      .map((k) => pointValue(out[k]))
      .join(", "),
  };
}

export function isNumeric(values: readonly string[]): boolean {
  return values.length > 0 && values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)));
}

/** A parameter's distinct values in sweep order: by number when all are numbers, else as they first come. */
export function sweepValues(values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  return isNumeric(distinct) ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct;
}

/**
 * Sweep points in sweep order: a parameter whose values are all numbers by value, any other in
 * its declared order (the order the points come in), never as text ("10" before "2").
 */
export function sortPoints(points: readonly SweepPoint[], params: readonly string[]): SweepPoint[] {
  const pts = points.filter((p) => p.label !== "");
  const ranks = params.map((k) => valueRank(pts.map((p) => p.params[k] ?? "")));
  return pts
    .map((p) => ({ p, key: params.map((k, i) => ranks[i](p.params[k] ?? "")) }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
      return 0;
    })
    .map(({ p }) => p);
}

/** A value's sort key: the number itself if every value is numeric, else its first position. */
function valueRank(values: readonly string[]): (v: string) => number {
  if (isNumeric(values)) return Number;
  const first = [...new Set(values)];
  return (v) => first.indexOf(v);
}

/** How the sweep points of the price paths were chosen (see choosePathPoints). */
export type PathPointChoice = "all" | "corners" | "ends";

/** Most sweep points whose price paths are drawn. */
export const MAX_PATH_POINTS = 4;

/**
 * The sweep points whose price paths are drawn, in sweep order: all of them when there are few;
 * the corners of a two-parameter grid (each parameter at its first and last value: where the
 * extremes of both are); else the first, middle and last point. A large sweep then keeps memory
 * and page size near those of one point.
 */
export function choosePathPoints(
  sorted: readonly SweepPoint[],
  params: readonly string[],
): { points: SweepPoint[]; how: PathPointChoice } {
  if (sorted.length <= MAX_PATH_POINTS) return { points: [...sorted], how: "all" };
  if (params.length === 2) {
    const ends = params.map((k) => {
      const byK = sortPoints(sorted, [k]);
      return new Set([byK[0].params[k], byK[byK.length - 1].params[k]]);
    });
    const corners = sorted.filter((p) => params.every((k, i) => ends[i].has(p.params[k])));
    if (corners.length >= 2) return { points: corners, how: "corners" };
  }
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return { points: [sorted[0], mid, sorted[sorted.length - 1]], how: "ends" };
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ValidationError(
      "INVALID_JSON",
      "file",
      file,
      `a JSON file as Cascade writes it (${(err as Error).message})`,
      `cannot parse ${file}`,
    );
  }
}

/** Min/max bucket subsampling: keeps the extremes (crashes) of each bucket, in tick order. */
export function subsample(points: PathPoint[], maxPoints: number): PathPoint[] {
  if (points.length <= maxPoints) return points;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const out: PathPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(points.length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = lo;
    let iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (points[i].price < points[iMin].price) iMin = i;
      if (points[i].price > points[iMax].price) iMax = i;
    }
    if (iMin === iMax) out.push(points[iMin]);
    else if (iMin < iMax) out.push(points[iMin], points[iMax]);
    else out.push(points[iMax], points[iMin]);
  }
  // keep the last point so a path ends where the run ended
  const last = points[points.length - 1];
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

function statRecord<K extends string>(row: CsvRow, keys: readonly K[]): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const k of keys) out[k] = num(row[k]);
  return out;
}

type PathRows = Array<
  [string, { variant: string; replication: string; instrument: string; pointLabel: string }]
>;

/**
 * At most `maxPaths` of the sorted paths: the first replications of each (variant, point,
 * instrument), as many as fit; if one each is still too many, the first instruments; then the
 * sweep points by `pointOrder` (the first and last point of the choice before the others).
 */
function capPaths<T extends PathRows>(
  selected: T,
  maxPaths: number,
  pointOrder: (label: string) => number,
): T {
  const vs = new Set(selected.map(([, p]) => p.variant)).size;
  const points = [...new Set(selected.map(([, p]) => p.pointLabel))].sort(
    (a, b) => pointOrder(a) - pointOrder(b),
  );
  const instruments = [...new Set(selected.map(([, p]) => p.instrument))];
  const reps = Math.max(1, Math.floor(maxPaths / (vs * points.length * instruments.length)));
  const keepInstr = instruments.slice(0, Math.max(1, Math.floor(maxPaths / (vs * points.length))));
  const keepPoints = points.slice(0, Math.max(1, Math.floor(maxPaths / vs)));
  const repRank = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const [, p] of selected) {
    const k = `${p.variant}\u0000${p.pointLabel}\u0000${p.instrument}`;
    const r = `${k}\u0000${p.replication}`;
    if (!repRank.has(r)) {
      repRank.set(r, seen.get(k) ?? 0);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  const kept = selected.filter(
    ([, p]) =>
      keepPoints.includes(p.pointLabel) &&
      keepInstr.includes(p.instrument) &&
      (repRank.get(`${p.variant}\u0000${p.pointLabel}\u0000${p.instrument}\u0000${p.replication}`) ?? 0) <
        reps,
  );
  return kept.slice(0, maxPaths) as T;
}

/** The context of the report's refusals. */
export const REPORT_CONTEXT = "cannot build the report";

/** The results folder a report reads: a path (a number reached `path.join` as a TypeError). */
export function checkResultsDir(dir: unknown): void {
  if (typeof dir !== "string" || dir.trim() === "")
    throw new ValidationError(
      "INVALID_OPTION",
      "results-dir",
      dir,
      "a results folder (a path, not empty)",
      REPORT_CONTEXT,
    );
}

export async function loadResults(dir: string, options: LoadOptions = {}): Promise<ReportData> {
  checkResultsDir(dir);
  checkOptionKeys(options, LOAD_OPTIONS, REPORT_CONTEXT);
  for (const key of LOAD_OPTIONS) checkCountOption(options[key], key, REPORT_CONTEXT);
  // counts >= 1 (checked above); a path keeps at least 4 points whatever maxPointsPerPath says
  const maxPaths = options.maxPricePaths ?? 24;
  const perVariant = options.pathsPerVariant ?? 3;
  const maxPoints = Math.max(4, options.maxPointsPerPath ?? 800);
  const files: Record<string, boolean> = {};
  for (const f of [
    "manifest.json",
    "runs.csv",
    "summary.csv",
    "comparison.csv",
    "timeseries.csv",
    "liquidations.csv",
  ]) {
    files[f] = existsSync(join(dir, f));
  }
  if (!Object.values(files).some(Boolean)) {
    throw new ValidationError(
      "NOT_RESULTS",
      "results-dir",
      dir,
      "a folder written by cascade run or merge (it has none of manifest.json, runs.csv, summary.csv, ...): not a results directory",
      REPORT_CONTEXT,
    );
  }

  const manifestRaw = readJson(join(dir, "manifest.json"));
  const manifest = parseManifest(manifestRaw);

  const variants: string[] = [...manifest.variants];
  const seeVariant = (v: string) => {
    if (v !== "" && !variants.includes(v)) variants.push(v);
  };
  const pointsSeen = new Map<string, SweepPoint>();
  const seePoint = (p: SweepPoint) => {
    if (!pointsSeen.has(p.label)) pointsSeen.set(p.label, p);
  };

  // runs.csv: sweep columns are the manifest's sweep parameters, metrics everything else not fixed.
  const runs: RunRow[] = [];
  let sweepParams: string[] = [...manifest.sweepParams];
  let metrics: string[] = [];
  await readCsvFast(
    join(dir, "runs.csv"),
    (row) => {
      const pt = rowPoint(row, sweepParams, manifest);
      const values: Record<string, number | null> = {};
      for (const m of metrics) values[m] = num(row[m]);
      seeVariant(row.variant ?? "");
      seePoint(pt);
      runs.push({ variant: row.variant ?? "", replication: row.replication ?? "", ...pt, values });
    },
    (header) => {
      const inHeader = manifest.sweepParams.filter((p) => header.includes(p));
      // without the parameter columns, points are resolved through the point index and the manifest
      if (inHeader.length > 0 || manifest.points.length === 0) sweepParams = inHeader;
      const skip = new Set([...FIXED_RUN_COLUMNS, ...manifest.sweepParams]);
      metrics = header.filter((c) => !skip.has(c));
    },
  );

  // summary.csv
  const summary: SummaryRow[] = [];
  await readCsvFast(join(dir, "summary.csv"), (row) => {
    const pt = rowPoint(row, sweepParams, manifest);
    seeVariant(row.variant ?? "");
    seePoint(pt);
    summary.push({
      variant: row.variant ?? "",
      metric: row.metric ?? "",
      ...pt,
      ...statRecord(row, SUMMARY_STATS),
      raw: row,
    });
  });
  if (metrics.length === 0) for (const s of summary) if (!metrics.includes(s.metric)) metrics.push(s.metric);

  // comparison.csv
  const comparison: ComparisonRow[] = [];
  await readCsvFast(join(dir, "comparison.csv"), (row) => {
    const pt = rowPoint(row, sweepParams, manifest);
    seeVariant(row.variant ?? "");
    comparison.push({
      variant: row.variant ?? "",
      metric: row.metric ?? "",
      ...pt,
      ...statRecord(row, COMPARISON_STATS),
      raw: row,
    });
  });

  let baseline = manifest.baseline;
  if (baseline === null && comparison.length > 0) {
    // comparison.csv's baseline column (a variant against itself at a sweepReference point aside);
    // older files without it: the variant never compared
    const named = comparison.find((c) => c.raw.baseline !== undefined && c.raw.baseline !== c.variant);
    const compared = new Set(comparison.map((c) => c.variant));
    baseline = named?.raw.baseline ?? variants.find((v) => !compared.has(v)) ?? null;
  }

  // timeseries.csv: keep the first `perVariant` replications of each variant at a few sweep points
  // (choosePathPoints; without runs.csv and summary.csv, the first point seen).
  const chosen = choosePathPoints(sortPoints([...pointsSeen.values()], sweepParams), sweepParams);
  const wanted = new Set(chosen.points.map((p) => p.label));
  let firstPointKey: string | null = null;
  const chosenRuns = new Map<string, Set<string>>(); // variant + point → replications
  const pathRows = new Map<
    string,
    { variant: string; replication: string; instrument: string; pointLabel: string; pts: PathPoint[] }
  >();
  const lastTick = new Map<string, number>();
  let pathsAvailable = 0;
  const closed = new Set<string>();
  const tsLabel = rowLabels(sweepParams, manifest);
  // Only the cells read below (of 15 a row): every row is counted, few are kept.
  const pathColumns = [...RUN_KEY_COLUMNS, ...sweepParams, "tick", "price", "mid"];
  await readCsvFast(
    join(dir, "timeseries.csv"),
    (row) => {
      const variant = row.variant ?? "";
      const replication = row.replication ?? "";
      const instrument = row.instrument ?? "";
      const pointKey = tsLabel(row) || (row.point ?? row.sweep_point ?? "");
      const key = `${variant}\u0000${pointKey}\u0000${replication}\u0000${instrument}`;
      const tick = num(row.tick);
      const prev = lastTick.get(key);
      if (prev === undefined || (tick !== null && tick <= prev)) pathsAvailable++;
      if (tick !== null) lastTick.set(key, tick);
      if (firstPointKey === null) firstPointKey = pointKey;
      // A row without point columns is kept until its run key starts again (below); a point runs.csv
      // and summary.csv do not name (or no point at all): the first one seen, as before.
      const keep =
        pointKey === "" || wanted.has(pointKey) || (!pointsSeen.has(pointKey) && pointKey === firstPointKey);
      if (!keep) return;
      const runsKey = `${variant}\u0000${pointKey}`;
      let reps = chosenRuns.get(runsKey);
      if (reps === undefined) {
        reps = new Set();
        chosenRuns.set(runsKey, reps);
      }
      if (!reps.has(replication)) {
        if (reps.size >= perVariant) return;
        reps.add(replication);
      }
      // Older results have no price column: their mid is blank while a side of the book is empty.
      const price = num(row.price ?? row.mid);
      if (closed.has(key)) return;
      let p = pathRows.get(key);
      if (p === undefined) {
        p = { variant, replication, instrument, pointLabel: pointKey, pts: [] };
        pathRows.set(key, p);
        seeVariant(variant);
      }
      if (tick !== null && p.pts.length > 0 && tick <= p.pts[p.pts.length - 1].tick) {
        // the same run key starting again: a later sweep point of a file without point columns
        closed.add(key);
        return;
      }
      if (tick !== null && price !== null) p.pts.push({ tick, price });
    },
    undefined,
    { columns: pathColumns },
  );

  // Cap the number of paths: fewer replications first, then fewer instruments, then fewer points
  // (the first and last chosen point kept before the ones between).
  const pointOrder = (label: string) => {
    const i = chosen.points.findIndex((p) => p.label === label);
    return i < 0 ? chosen.points.length : i;
  };
  const last = chosen.points.length - 1;
  const keepFirst = (label: string) => {
    const i = pointOrder(label);
    return i === 0 ? 0 : i === last ? 1 : i + 1;
  };
  let selected = [...pathRows.entries()];
  const order = (v: string) => {
    const i = variants.indexOf(v);
    return i < 0 ? variants.length : i;
  };
  const cmpNum = (a: string, b: string) => {
    const x = Number(a);
    const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
  };
  selected.sort(
    ([, a], [, b]) =>
      order(a.variant) - order(b.variant) ||
      pointOrder(a.pointLabel) - pointOrder(b.pointLabel) ||
      a.instrument.localeCompare(b.instrument) ||
      cmpNum(a.replication, b.replication),
  );
  // What capping may drop whole (instruments, variants) is named in the caption, not lost silently.
  const readVariants = [...new Set(selected.map(([, p]) => p.variant))];
  const readPoints = new Set(selected.map(([, p]) => p.pointLabel)).size;
  const readInstruments = [...new Set(selected.map(([, p]) => p.instrument))];
  if (selected.length > maxPaths) selected = capPaths(selected, maxPaths, keepFirst);
  const drawnInstruments = new Set(selected.map(([, p]) => p.instrument));
  const drawnVariants = new Set(selected.map(([, p]) => p.variant));
  const leftOutInstruments = readInstruments.filter((i) => !drawnInstruments.has(i));
  const leftOutVariants = readVariants.filter((v) => !drawnVariants.has(v));
  const pathsLeftOut: PathsLeftOut | null =
    leftOutInstruments.length + leftOutVariants.length > 0
      ? {
          limit: maxPaths,
          variants: readVariants.length,
          points: readPoints,
          instruments: readInstruments,
          leftOutInstruments,
          leftOutVariants,
        }
      : null;
  const priceAt = new Map<string, Map<number, number>>();
  const marks = new Map<string, Map<number, LiquidationMark>>();
  for (const [key, p] of selected) {
    const m = new Map<number, number>();
    for (const q of p.pts) m.set(q.tick, q.price);
    priceAt.set(key, m);
    marks.set(key, new Map());
  }

  // liquidations.csv: generation counts over every run; marks for the drawn paths.
  const genCounts = new Map<string, number>();
  let liquidationRows = 0;
  let settlementRows = 0;
  const liqLast = new Map<string, number>();
  const liqClosed = new Set<string>();
  const liqLabel = rowLabels(sweepParams, manifest);
  const liquidationColumns = [
    ...RUN_KEY_COLUMNS,
    ...sweepParams,
    "tick",
    "generation",
    "quantity",
    "notional",
  ];
  await readCsvFast(
    join(dir, "liquidations.csv"),
    (row) => {
      liquidationRows++;
      const variant = row.variant ?? "";
      const gen = num(row.generation);
      const settlement = num(row.quantity) === 0;
      if (settlement) settlementRows++;
      const label = liqLabel(row);
      // Settlement records (quantity 0) are not liquidations: the metrics do not count them either.
      if (gen !== null && !settlement) {
        const k = `${variant}\u0000${label}\u0000${gen}`;
        genCounts.set(k, (genCounts.get(k) ?? 0) + 1);
      }
      const pointKey = label || (row.point ?? row.sweep_point ?? "");
      const key = `${variant}\u0000${pointKey}\u0000${row.replication ?? ""}\u0000${row.instrument ?? ""}`;
      const byTick = marks.get(key);
      if (byTick === undefined) return;
      const tick = num(row.tick);
      if (tick === null || liqClosed.has(key)) return;
      const last = liqLast.get(key);
      if (last !== undefined && tick < last) {
        liqClosed.add(key); // a later sweep point of a file without point columns
        return;
      }
      liqLast.set(key, tick);
      let mark = byTick.get(tick);
      if (mark === undefined) {
        const prices = priceAt.get(key)!;
        let price = prices.get(tick);
        if (price === undefined) {
          // nearest earlier sampled tick (the series may be sampled every k ticks)
          let best: number | null = null;
          for (const t of prices.keys()) if (t <= tick && (best === null || t > best)) best = t;
          price = best === null ? undefined : prices.get(best);
        }
        if (price === undefined) return;
        mark = { tick, price, count: 0, notional: 0, maxGeneration: null };
        byTick.set(tick, mark);
      }
      mark.count++;
      mark.notional += num(row.notional) ?? 0;
      if (gen !== null)
        mark.maxGeneration = mark.maxGeneration === null ? gen : Math.max(mark.maxGeneration, gen);
    },
    undefined,
    { columns: liquidationColumns },
  );

  // Without point columns the paths kept are the first run of each key, i.e. the first sweep point
  // (output files are in run order, point-major).
  const firstPoint = manifest.points[0];
  const unlabelled = firstPoint ? pointLabel(firstPoint, manifest.sweepParams) : "";
  const paths: PricePath[] = selected.map(([key, p]) => ({
    variant: p.variant,
    replication: p.replication,
    instrument: p.instrument,
    pointLabel:
      p.pointLabel === ""
        ? unlabelled
        : /^\d+$/.test(p.pointLabel) && manifest.points[Number(p.pointLabel)]
          ? pointLabel(manifest.points[Number(p.pointLabel)], manifest.sweepParams)
          : p.pointLabel,
    points: subsample(p.pts, maxPoints),
    sourcePoints: p.pts.length,
    liquidations: [...(marks.get(key)?.values() ?? [])].sort((a, b) => a.tick - b.tick),
  }));

  // Runs per variant and per (variant, point): a count without a point is over all the variant's runs.
  const runsOf = new Map<string, number>();
  const countRun = (k: string) => runsOf.set(k, (runsOf.get(k) ?? 0) + 1);
  for (const r of runs) {
    countRun(`${r.variant}\u0000`);
    if (r.label !== "") countRun(`${r.variant}\u0000${r.label}`);
  }
  const generations: GenerationCount[] = [...genCounts.entries()]
    .map(([k, count]) => {
      const [variant, point, g] = k.split("\u0000");
      const n = runsOf.get(`${variant}\u0000${point}`) ?? 0;
      return { variant, point, generation: Number(g), count, perRun: n > 0 ? count / n : count };
    })
    .sort((a, b) => order(a.variant) - order(b.variant) || a.generation - b.generation);

  return {
    dir,
    files,
    manifestRaw,
    manifest,
    variants,
    baseline,
    sweepParams,
    points: [...pointsSeen.values()],
    metrics,
    runs,
    summary,
    comparison,
    paths,
    pathPoints: [...new Set(paths.map((p) => p.pointLabel))].sort((a, b) => pointOrder(a) - pointOrder(b)),
    pathPointChoice: chosen.how,
    pathPointsChosen: chosen.points.length,
    pathsAvailable,
    pathsLeftOut,
    generations,
    liquidationRows,
    settlementRows,
  };
}
