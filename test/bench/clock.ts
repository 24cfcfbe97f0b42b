/**
 * Activation cost at 10,000 agents (half every-k, half Poisson; ~270 wake-ups a tick).
 *
 * Prints, all measured in this one run:
 * - `clock ns_per_activation=<x>`: scheduler time per activation, handler calls included;
 * - the overhead against replaying the very same handler calls in the very same
 *   order from a flat array (the cost no scheduler can avoid);
 * - that overhead by kind of activation (all agents every-k, then all Poisson), which says where
 *   it is spent (the Poisson path, each activation touching its agent's record twice);
 * - a floor for that overhead: the replay plus only what the scheduler's contract itself requires
 *   (each tick's due list shuffled with a seeded stream, and one 32-bit draw from a Poisson agent's
 *   own stream per Poisson activation), with no bookkeeping at all;
 * - the same workload driven the two RxJS ways the issue measured: a Subject
 *   fan-out (every agent subscribed to tick$ checks whether it is due) and one
 *   `filter` subscription per agent, with the ratio of each to the scheduler;
 * - the issue's own yardsticks measured here, per subscriber per tick: a plain loop
 *   over the agents' due checks (the issue measured ~2 ns) and the Subject fan-out
 *   (~10-20 ns), so the overhead can be read against the machine the 10 ns target
 *   was set on.
 */
import { ActivationScheduler, Rng } from "@cascade/core";
import { filter, Subject } from "rxjs";
// Internal to core (not in its public index): the same built module "@cascade/core" resolves to.
import { sfc32Step } from "../../packages/core/dist/rng.js";

const AGENTS = 10_000;
const TICKS = 20_000;
let sink = 0;
const handlers: Array<(t: number) => void> = [];
for (let i = 0; i < AGENTS; i++) handlers.push((t) => (sink += t & 1));

/** Which agents are every-k (the others Poisson): half and half, or one kind only. */
type Mix = "half" | "every" | "poisson";

function build(trace: boolean, log: Int32Array, mix: Mix = "half"): ActivationScheduler {
  const root = Rng.fromSeed(1);
  const s = new ActivationScheduler(root.split("order"));
  let n = 0;
  for (let i = 0; i < AGENTS; i++) {
    const rng = root.split(i);
    const h = trace
      ? (t: number) => {
          log[n++] = i;
          handlers[i](t);
        }
      : handlers[i];
    const every = mix === "every" || (mix === "half" && i % 2 === 0);
    if (every) s.add(h, { kind: "every", period: 1 + rng.int(200), offset: rng.int(200) });
    else s.add(h, { kind: "poisson", rate: 1 / (1 + rng.int(200)) }, 0, rng);
  }
  return s;
}

function timeScheduler(mix: Mix = "half"): { ns: number; activations: number } {
  const s = build(false, new Int32Array(0), mix);
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= TICKS; t++) s.runDue(t);
  return { ns: Number(process.hrtime.bigint() - t0), activations: s.activations };
}

// The activation sequence (agent index per activation) and where each tick starts in it.
function record(mix: Mix = "half"): { order: Int32Array; starts: Int32Array } {
  const order = new Int32Array(8_000_000);
  const starts = new Int32Array(TICKS + 2);
  const s = build(true, order, mix);
  for (let t = 1; t <= TICKS; t++) {
    starts[t] = s.activations;
    s.runDue(t);
  }
  starts[TICKS + 1] = s.activations;
  return { order, starts };
}

function timeReplay(order: Int32Array, starts: Int32Array): number {
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= TICKS; t++) {
    const end = starts[t + 1];
    for (let k = starts[t]; k < end; k++) handlers[order[k]](t);
  }
  return Number(process.hrtime.bigint() - t0);
}

// The floor: what any scheduler keeping this contract adds to the replay, and nothing more. Each
// tick's due list is copied and shuffled with a seeded stream (agents due the same tick act in a
// seeded random order), and each Poisson activation takes one 32-bit sfc32 draw from its agent's
// own stream (core's sfc32Step), its state in one flat array (per-agent streams: an arrival gap needs at least that).
// No calendar, no window, no wake-ups: a lower bound, not a scheduler.
function timeFloor(order: Int32Array, starts: Int32Array): number {
  const state = new Int32Array(AGENTS * 4);
  for (let k = 0; k < state.length; k++) state[k] = Math.imul(k + 1, 0x9e3779b9) | 1;
  const rng = Rng.fromSeed(2);
  const due = new Int32Array(AGENTS); // an agent acts at most once a tick
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= TICKS; t++) {
    const from = starts[t];
    const n = starts[t + 1] - from;
    for (let k = 0; k < n; k++) due[k] = order[from + k];
    if (n > 1) rng.shuffle(due, n);
    for (let k = 0; k < n; k++) {
      const i = due[k];
      if ((i & 1) === 1) {
        // Odd agents are the Poisson ones (build()).
        acc ^= sfc32Step(state, i * 4); // the step the scheduler itself runs on streams in its records
      }
      handlers[i](t);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  sink += acc & 1;
  return ns;
}

// Due ticks per agent, as the RxJS variants see them.
function dueTable(order: Int32Array, starts: Int32Array): Uint8Array[] {
  const due = Array.from({ length: AGENTS }, () => new Uint8Array(TICKS + 1));
  for (let t = 1; t <= TICKS; t++) for (let k = starts[t]; k < starts[t + 1]; k++) due[order[k]][t] = 1;
  return due;
}

function timeFanout(due: Uint8Array[], ticks: number): number {
  const tick$ = new Subject<number>();
  for (let i = 0; i < AGENTS; i++) {
    const d = due[i];
    const h = handlers[i];
    tick$.subscribe((t) => {
      if (d[t] === 1) h(t);
    });
  }
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= ticks; t++) tick$.next(t);
  return Number(process.hrtime.bigint() - t0);
}

// The issue's yardsticks as it measured them, per subscriber per tick: a plain loop calling each
// agent's handler (~2 ns there) and an RxJS Subject with every handler subscribed (~10-20 ns). No
// due check: per-agent due tables would add a cache miss per subscriber to both, which is this
// bench's workload, not the machine's speed.
function timeYardLoop(ticks: number): number {
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= ticks; t++) for (let i = 0; i < AGENTS; i++) handlers[i](t);
  return Number(process.hrtime.bigint() - t0) / (ticks * AGENTS);
}

function timeYardSubject(ticks: number): number {
  const tick$ = new Subject<number>();
  for (let i = 0; i < AGENTS; i++) tick$.subscribe(handlers[i]);
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= ticks; t++) tick$.next(t);
  return Number(process.hrtime.bigint() - t0) / (ticks * AGENTS);
}

function timeFilter(due: Uint8Array[], ticks: number): number {
  const tick$ = new Subject<number>();
  for (let i = 0; i < AGENTS; i++) {
    const d = due[i];
    tick$.pipe(filter((t) => d[t] === 1)).subscribe(handlers[i]);
  }
  const t0 = process.hrtime.bigint();
  for (let t = 1; t <= ticks; t++) tick$.next(t);
  return Number(process.hrtime.bigint() - t0);
}

const { order, starts } = record();
timeScheduler(); // warm-up
timeYardLoop(50);
timeYardSubject(50);
let best = Number.POSITIVE_INFINITY;
let replay = Number.POSITIVE_INFINITY;
let acts = 0;
let floor = Number.POSITIVE_INFINITY;
const recorded = starts[TICKS + 1] - starts[1];
// This host's speed drifts by 2-3x within minutes (shared): each round measures the overhead and
// the issue's yardsticks back to back, so their ratio is read at one speed; the median is reported.
const atIssueSpeed: Array<{ byLoop: number; bySubject: number }> = [];
const yardLoop: number[] = [];
const yardSubject: number[] = [];
for (let r = 0; r < 5; r++) {
  floor = Math.min(floor, timeFloor(order, starts) / recorded);
  const { ns, activations } = timeScheduler();
  const rep = timeReplay(order, starts) / activations;
  const loop = timeYardLoop(400);
  const subject = timeYardSubject(400);
  acts = activations;
  best = Math.min(best, ns / activations);
  replay = Math.min(replay, rep);
  yardLoop.push(loop);
  yardSubject.push(subject);
  // Slower than the issue's machine by loop / 2 (its loop) and subject / 15 (the middle of its 10-20).
  atIssueSpeed.push({
    byLoop: (ns / activations - rep) / (loop / 2),
    bySubject: (ns / activations - rep) / (subject / 15),
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// The overhead by kind of activation: every agent every-k, then every agent Poisson (each against
// the replay of its own activation sequence).
const byKind: string[] = [];
for (const mix of ["every", "poisson"] as const) {
  const rec = record(mix);
  let sched = Number.POSITIVE_INFINITY;
  let base = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const { ns, activations } = timeScheduler(mix);
    sched = Math.min(sched, ns / activations);
    base = Math.min(base, timeReplay(rec.order, rec.starts) / activations);
  }
  byKind.push(`${mix}=${(sched - base).toFixed(2)}`);
}

// The RxJS variants are slow: time them over the first 2,000 ticks.
const rxTicks = 2_000;
const due = dueTable(order, starts);
const rxActs = starts[rxTicks + 1] - starts[1];
timeFanout(due, 200);
const fanout = timeFanout(due, rxTicks) / rxActs;
timeFilter(due, 200);
const filtered = timeFilter(due, rxTicks) / rxActs;

console.log(`clock agents=${AGENTS} ticks=${TICKS} activations=${acts}`);
console.log(`clock ns_per_activation=${best.toFixed(2)}`);
console.log(
  `clock ns_overhead_per_activation=${(best - replay).toFixed(2)} (replaying the same calls from an array: ${replay.toFixed(2)} ns each)`,
);
console.log(
  `clock ns_overhead_per_activation_by_kind ${byKind.join(" ")} (all agents of one kind, each against its own replay)`,
);
console.log(
  `clock ns_floor_overhead_per_activation=${(floor - replay).toFixed(2)} (the replay plus only the seeded shuffle and one draw per Poisson activation, no bookkeeping: a lower bound for any scheduler with this contract)`,
);
console.log(
  `clock ns_per_activation_subject_fanout=${fanout.toFixed(2)} ratio_vs_scheduler=${(fanout / best).toFixed(1)}`,
);
console.log(
  `clock ns_per_activation_filter_subscriptions=${filtered.toFixed(2)} ratio_vs_scheduler=${(filtered / best).toFixed(1)}`,
);
// The issue's yardsticks measured here (medians of the rounds): how much slower this machine is
// than the one the 10 ns target was set on, and the overhead read at that machine's speed.
console.log(
  `clock ns_per_subscriber_tick loop=${median(yardLoop).toFixed(2)} subject=${median(yardSubject).toFixed(2)} (issue: ~2 and ~10-20; each agent's handler, no due check)`,
);
console.log(
  `clock ns_overhead_per_activation_at_issue_speed by_loop=${median(atIssueSpeed.map((x) => x.byLoop)).toFixed(1)} by_subject=${median(atIssueSpeed.map((x) => x.bySubject)).toFixed(1)} (per round: overhead / (this round's yardstick / the issue's), median of 5 rounds; target <= 10)`,
);
if (sink === -1) console.log("");
