/**
 * Progress on stderr: a bar (runs done/total, rate, ETA) on a TTY, plain periodic lines otherwise.
 * The statistics step after the runs counts its statistics the same way, shown once it has taken
 * a few seconds.
 */
import { createRequire } from "node:module";
import type CliProgress from "cli-progress";

/**
 * cli-progress is loaded only when a bar is drawn: every worker thread imports this package (the
 * experiment file imports defineExperiment from it), and none of them draws a bar.
 */
const loadCliProgress = () => createRequire(import.meta.url)("cli-progress") as typeof CliProgress;

export interface Progress {
  /**
   * `done` of `total` already; the rate counts from `since` (done and time, performance.now()) when
   * given, else from the first unit finished after this call: a display started late still reads
   * the step's rate and ETA.
   */
  start(total: number, done: number, since?: { done: number; at: number }): void;
  update(done: number): void;
  stop(): void;
}

export type ProgressMode = boolean | "auto" | "bar" | "lines";

const silent: Progress = { start() {}, update() {}, stop() {} };

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export interface ProgressOptions {
  /** What is counted ("runs"). */
  unit?: string;
  /** Milliseconds after start before anything is shown (0): a step that ends sooner says nothing. */
  after?: number;
}

export function createProgress(
  mode: ProgressMode,
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  { unit = "runs", after = 0 }: ProgressOptions = {},
): Progress {
  if (mode === false) return silent;
  if (after > 0) return shownAfter(createProgress(mode, label, stream, { unit }), after);
  const bar = mode === "bar" || ((mode === "auto" || mode === true) && stream.isTTY === true);
  let t0 = 0;
  let first = 0;
  let total = 0;
  // Whether the rate counts from a unit finished under this display yet (see pace).
  let paced = false;
  const begin = (t: number, done: number, since: { done: number; at: number } | undefined) => {
    total = t;
    first = since?.done ?? done;
    t0 = since?.at ?? performance.now();
    paced = since !== undefined;
  };
  /**
   * The rate counts from the first unit finished after start, not from the start: until then the
   * worker threads load the experiment and compile, which is not their pace (counted from the
   * start, a 3,000-run study at load 10 said ETA 20m48s five seconds in, for 90 s of runs). A
   * display started late (`since`) counts from the step's own start, as it did; a step whose
   * first finish is its last (one run) keeps the rate from its start.
   */
  const pace = (done: number) => {
    if (paced || done <= first || done >= total) return;
    paced = true;
    first = done;
    t0 = performance.now();
  };
  const rate = (done: number) => {
    const dt = (performance.now() - t0) / 1000;
    return dt > 0 ? (done - first) / dt : 0;
  };
  // One ETA for the bar and the plain lines: "?" until the pace is known.
  const eta = (done: number, r: number) =>
    done >= total ? "0s" : fmtSeconds(r > 0 ? (total - done) / r : Number.POSITIVE_INFINITY);
  if (bar) {
    const cliProgress = loadCliProgress();
    const b = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {remaining}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start(t, done, since) {
        begin(t, done, since);
        const r = rate(done);
        b.start(t, done, { rate: r.toFixed(1), remaining: eta(done, r) });
      },
      update(done) {
        pace(done);
        const r = rate(done);
        b.update(done, { rate: r.toFixed(1), remaining: eta(done, r) });
      },
      stop() {
        b.stop();
      },
    };
  }
  let last = 0;
  let lastDone = -1;
  let pending = 0;
  const line = (done: number) => {
    const r = rate(done);
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : "100.0";
    stream.write(
      `${label}: ${done}/${total} ${unit} (${pct}%), ${r.toFixed(1)} ${unit}/s, ETA ${eta(done, r)}\n`,
    );
    last = performance.now();
    lastDone = done;
  };
  return {
    start(t, done, since) {
      begin(t, done, since);
      pending = done;
      line(done);
    },
    update(done) {
      pace(done);
      pending = done;
      if (performance.now() - last >= 5000) line(done);
    },
    stop() {
      if (pending !== lastDone) line(pending);
    },
  };
}

/**
 * A step with nothing to count (writing report.html): `start` and "..." on `stream` as it begins
 * and, once it has taken `after` ms or more (2 s, when the statistics step shows its progress),
 * `done` and how long it took; silent with `mode` false (--quiet). `cascade run` said nothing
 * for the 12-38 s a report of 5,000-10,000 runs took.
 */
export async function timedStep<T>(
  mode: ProgressMode,
  { start, done }: { start: string; done: string },
  step: () => Promise<T>,
  { stream = process.stderr, after = 2000 }: { stream?: NodeJS.WriteStream; after?: number } = {},
): Promise<T> {
  if (mode === false) return step();
  stream.write(`${start} ...\n`);
  const t0 = performance.now();
  const result = await step();
  const took = performance.now() - t0;
  if (took >= after) stream.write(`${done} in ${fmtSeconds(took / 1000)}\n`);
  return result;
}

/** `inner`, started at the first update `after` ms or more after start (its rate counted from the start). */
function shownAfter(inner: Progress, after: number): Progress {
  let t0 = 0;
  let total = 0;
  let first = 0;
  let shown = false;
  return {
    start(t, done, since) {
      total = t;
      first = since?.done ?? done;
      t0 = since?.at ?? performance.now();
      shown = false;
    },
    update(done) {
      if (shown) inner.update(done);
      else if (performance.now() - t0 >= after) {
        shown = true;
        inner.start(total, done, { done: first, at: t0 });
      }
    },
    stop() {
      if (shown) inner.stop();
    },
  };
}
