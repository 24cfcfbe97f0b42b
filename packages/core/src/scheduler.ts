import type { Rng } from "./rng.js";

/** How an agent is woken. Rates are per tick. */
export type Activation =
  | { kind: "every"; period: number; offset?: number }
  | { kind: "poisson"; rate: number }
  | { kind: "once"; at: number }
  /** Woken only by `wake()` (on trades, margin calls, auctions...). */
  | { kind: "event" };

const EVERY = 0;
const POISSON = 1;
const ONCE = 2;
const EVENT = 3;

/**
 * Activation scheduler: a calendar queue (timing wheel) of agent indices.
 *
 * Only agents due this tick are touched: each one sits in the bucket of its next
 * wake-up tick (tick mod horizon), kept as an intrusive doubly-linked list in
 * flat typed arrays, so scheduling, cancelling and waking are O(1) and a tick
 * costs O(agents due), never O(agents). Wake-ups more than one lap ahead stay in
 * their bucket until their lap comes. Agents due the same tick act in a seeded
 * random order (Fisher-Yates on a reused buffer). An agent has at most one
 * pending wake-up: an earlier `wake()` moves it.
 */
export class ActivationScheduler {
  private readonly mask: number;
  private readonly head: Int32Array;
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  private nextDue = new Float64Array(64).fill(-1);
  private kinds = new Int8Array(64);
  private periods = new Float64Array(64);
  private handlers: Array<(tick: number) => void> = [];
  private rngs: Array<Rng | undefined> = [];
  private due = new Int32Array(256);
  private lastRun = new Float64Array(64).fill(-1);
  /** Every-k agents never move: group g (period periodOf[g]) holds one list per phase tick % period. */
  private readonly groupIndex = new Map<number, number>();
  private groupPeriods: number[] = [];
  private groupSlots: Int32Array[][] = [];
  private groupSlotLen: Int32Array[] = [];
  private count = 0;
  private current = -1;
  /** Activations performed so far. */
  activations = 0;

  constructor(
    private readonly order: Rng,
    horizon = 4096,
  ) {
    let size = 1;
    while (size < horizon) size <<= 1;
    this.mask = size - 1;
    this.head = new Int32Array(size).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Registers an agent and returns its index. `now` is the current tick; the
   * first wake-up is drawn from the activation (Poisson agents draw their own
   * arrival gaps from `rng`, which is required for them).
   */
  add(handler: (tick: number) => void, activation: Activation, now = 0, rng?: Rng): number {
    const i = this.count;
    if (i >= this.kinds.length) this.grow();
    switch (activation.kind) {
      case "every":
        if (!(activation.period >= 1) || !Number.isInteger(activation.period)) {
          throw new RangeError(`activation.period = ${activation.period}; allowed: an integer >= 1`);
        }
        this.kinds[i] = EVERY;
        this.periods[i] = activation.period;
        break;
      case "poisson":
        if (!(activation.rate > 0) || !Number.isFinite(activation.rate)) {
          throw new RangeError(`activation.rate = ${activation.rate}; allowed: a finite rate > 0 per tick`);
        }
        if (!rng) throw new RangeError("activation poisson needs the agent's rng");
        this.kinds[i] = POISSON;
        this.periods[i] = activation.rate;
        break;
      case "once":
        this.kinds[i] = ONCE;
        break;
      case "event":
        this.kinds[i] = EVENT;
        break;
      default:
        throw new RangeError(
          `activation.kind = ${JSON.stringify((activation as { kind: unknown }).kind)}; allowed: every, poisson, once, event`,
        );
    }
    this.count++;
    this.handlers.push(handler);
    this.rngs.push(rng);
    this.nextDue[i] = -1;
    if (activation.kind === "every") {
      const p = activation.period;
      const first = now + 1 + ((((activation.offset ?? 0) % p) + p) % p);
      this.addPeriodic(i, p, first % p);
    } else if (activation.kind === "poisson") {
      this.schedule(i, now + (rng as Rng).arrivalGap(activation.rate));
    } else if (activation.kind === "once" && activation.at > now) {
      this.schedule(i, activation.at);
    }
    return i;
  }

  /**
   * Wakes agent `i` at `tick` unless it is already due earlier. A tick that is
   * not in the future (the current tick is being run) becomes the next tick:
   * reactions never re-enter the tick that caused them.
   */
  wake(i: number, tick: number): void {
    if (tick <= this.current) tick = this.current + 1;
    const pending = this.nextDue[i];
    if (pending >= 0 && pending <= tick) return;
    this.schedule(i, tick);
  }

  /** Tick of agent i's next wake-up, or -1. */
  nextWake(i: number): number {
    return this.nextDue[i];
  }

  /** Calls every agent due at `tick`, in seeded random order, then reschedules them. */
  runDue(tick: number): number {
    this.current = tick;
    let n = 0;
    // Periodic agents: one list per (period, phase), copied as is.
    const groups = this.groupPeriods.length;
    for (let g = 0; g < groups; g++) {
      const slot = tick % this.groupPeriods[g];
      const len = this.groupSlotLen[g][slot];
      if (len === 0) continue;
      while (n + len > this.due.length) this.growDue();
      const list = this.groupSlots[g][slot];
      const due = this.due;
      for (let k = 0; k < len; k++) due[n++] = list[k];
    }
    // Calendar: Poisson, one-off and event wake-ups.
    const next = this.next;
    const nextDue = this.nextDue;
    const lastRun = this.lastRun;
    let i = this.head[tick & this.mask];
    while (i >= 0) {
      const after = next[i];
      if (nextDue[i] === tick) {
        this.unlink(i);
        nextDue[i] = -1;
        if (n === this.due.length) this.growDue();
        this.due[n++] = i;
      }
      i = after;
    }
    const due = this.due;
    if (n > 1) this.order.shuffle(due, n);
    const kinds = this.kinds;
    const handlers = this.handlers;
    let acted = 0;
    for (let k = 0; k < n; k++) {
      const a = due[k];
      // A periodic agent also woken by an event acts once.
      if (lastRun[a] === tick) continue;
      lastRun[a] = tick;
      // Reschedule before acting so the agent's own wake() can still move it earlier.
      if (kinds[a] === POISSON) this.schedule(a, tick + (this.rngs[a] as Rng).arrivalGap(this.periods[a]));
      handlers[a](tick);
      acted++;
    }
    this.activations += acted;
    return acted;
  }

  private addPeriodic(i: number, period: number, phase: number): void {
    let g = this.groupIndex.get(period);
    if (g === undefined) {
      g = this.groupPeriods.length;
      this.groupIndex.set(period, g);
      this.groupPeriods.push(period);
      this.groupSlots.push(Array.from({ length: period }, () => new Int32Array(4)));
      this.groupSlotLen.push(new Int32Array(period));
    }
    const lens = this.groupSlotLen[g];
    let list = this.groupSlots[g][phase];
    if (lens[phase] === list.length) {
      const grown = new Int32Array(list.length * 2);
      grown.set(list);
      this.groupSlots[g][phase] = list = grown;
    }
    list[lens[phase]++] = i;
  }

  private schedule(i: number, tick: number): void {
    if (this.nextDue[i] >= 0) this.unlink(i);
    this.nextDue[i] = tick;
    const b = tick & this.mask;
    const h = this.head[b];
    this.next[i] = h;
    this.prev[i] = -1;
    if (h >= 0) this.prev[h] = i;
    this.head[b] = i;
  }

  private unlink(i: number): void {
    const p = this.prev[i];
    const n = this.next[i];
    if (p >= 0) this.next[p] = n;
    else this.head[this.nextDue[i] & this.mask] = n;
    if (n >= 0) this.prev[n] = p;
  }

  private growDue(): void {
    const d = new Int32Array(this.due.length * 2);
    d.set(this.due);
    this.due = d;
  }

  private grow(): void {
    const n = this.kinds.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.next = grow32(this.next);
    this.prev = grow32(this.prev);
    const kinds = new Int8Array(n);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const periods = new Float64Array(n);
    periods.set(this.periods);
    this.periods = periods;
    const nextDue = new Float64Array(n).fill(-1);
    nextDue.set(this.nextDue);
    this.nextDue = nextDue;
    const lastRun = new Float64Array(n).fill(-1);
    lastRun.set(this.lastRun);
    this.lastRun = lastRun;
  }
}
