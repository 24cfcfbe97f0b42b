import { type Rng, ZIG_K, ZIG_W } from "./rng.js";

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
  /**
   * Every-k agents never move. Group g gathers the agents of one period, with one slot per phase
   * (tick % period); all slots live in two flat arrays (compressed rows: slot j holds
   * slotAgents[slotStart[j] .. slotStart[j + 1]), group g's slots start at groupBase[g]). One array
   * per slot would cost a cache miss per group per tick, which dominated at thousands of agents.
   * The layout is rebuilt after adds, keeping insertion order within a slot.
   */
  private readonly groupIndex = new Map<number, number>();
  private groupPeriods = new Int32Array(0);
  private groupBase = new Int32Array(0);
  private slotStart = new Int32Array(1);
  private slotAgents = new Int32Array(0);
  /** Registration order of every-k agents: agent, group and phase (for rebuilding the layout). */
  private periodic: number[] = [];
  private layoutStale = false;
  /** Phase (tick % period) of each group at the last tick run, so consecutive ticks need no modulo. */
  private groupPhase = new Int32Array(0);
  private lastTick = Number.NaN;
  /**
   * The Poisson agents' random streams live here, 4 words each (Rng.relocate), and the arrival gap's
   * generator and ziggurat fast path run inline on them: an activation then touches a few flat
   * arrays instead of the agent's stream object. streamAt[i] is agent i's offset, or -1 to call
   * its Rng (a stream already held elsewhere).
   */
  private streams = new Int32Array(256);
  private streamsUsed = 0;
  private readonly streamOffset = new Map<Rng, number>();
  private streamAt = new Int32Array(64).fill(-1);
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
    // A tick's due list holds each agent at most twice (its every-k slot and one calendar entry).
    while (this.due.length < 2 * this.count) this.growDue();
    this.handlers.push(handler);
    this.rngs.push(rng);
    this.nextDue[i] = -1;
    if (activation.kind === "every") {
      const p = activation.period;
      const first = now + 1 + ((((activation.offset ?? 0) % p) + p) % p);
      this.addPeriodic(i, p, first % p);
    } else if (activation.kind === "poisson") {
      this.streamAt[i] = this.adoptStream(rng as Rng);
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
    if (!(i >= 0 && i < this.count && Number.isInteger(i))) {
      throw new RangeError(`wake agent = ${i}; allowed: an agent index in [0, ${this.count - 1}]`);
    }
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
    // Periodic agents: each group's slot for this tick, copied as is.
    if (this.layoutStale) this.rebuildLayout();
    const groups = this.groupPeriods.length;
    const periods = this.groupPeriods;
    const bases = this.groupBase;
    const starts = this.slotStart;
    const agents = this.slotAgents;
    const phases = this.groupPhase;
    const consecutive = tick === this.lastTick + 1;
    this.lastTick = tick;
    // add() keeps `due` large enough: no bounds checks below.
    const due = this.due;
    for (let g = 0; g < groups; g++) {
      const period = periods[g];
      let slot: number;
      if (consecutive) {
        slot = phases[g] + 1;
        if (slot === period) slot = 0;
      } else {
        slot = ((tick % period) + period) % period;
      }
      phases[g] = slot;
      const j = bases[g] + slot;
      const end = starts[j + 1];
      for (let k = starts[j]; k < end; k++) due[n++] = agents[k];
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
        due[n++] = i;
      }
      i = after;
    }
    if (n > 1) this.order.shuffle(due, n);
    const kinds = this.kinds;
    const handlers = this.handlers;
    const streamAt = this.streamAt;
    const st = this.streams;
    let acted = 0;
    for (let k = 0; k < n; k++) {
      const a = due[k];
      // A periodic agent also woken by an event acts once.
      if (lastRun[a] === tick) continue;
      lastRun[a] = tick;
      // Reschedule before acting so the agent's own wake() can still move it earlier.
      if (kinds[a] === POISSON) {
        const o = streamAt[a];
        let gap: number;
        if (o >= 0) {
          // Rng.arrivalGap inlined on the agent's relocated stream (same draws, same result):
          // one sfc32 step, then the ziggurat's fast path, else its rare path on the Rng.
          const s0 = st[o];
          const s1 = st[o + 1];
          const s2 = st[o + 2];
          const s3 = st[o + 3];
          const t = (((s0 + s1) | 0) + s3) | 0;
          st[o + 3] = (s3 + 1) | 0;
          st[o] = s1 ^ (s1 >>> 9);
          st[o + 1] = (s2 + (s2 << 3)) | 0;
          st[o + 2] = (((s2 << 21) | (s2 >>> 11)) + t) | 0;
          const jz = t >>> 0;
          const iz = jz & 255;
          const u = jz >>> 8;
          const e = u < ZIG_K[iz] ? u * ZIG_W[iz] : (this.rngs[a] as Rng).exponentialAfter(jz);
          gap = 1 + Math.floor(e / this.periods[a]);
        } else {
          gap = (this.rngs[a] as Rng).arrivalGap(this.periods[a]);
        }
        this.schedule(a, tick + gap);
      }
      handlers[a](tick);
      acted++;
    }
    this.activations += acted;
    return acted;
  }

  /** Moves a Poisson agent's stream into `streams` (once per stream); its offset, or -1. */
  private adoptStream(rng: Rng): number {
    const known = this.streamOffset.get(rng);
    if (known !== undefined) return known;
    if (this.streamsUsed + 4 > this.streams.length) {
      const grown = new Int32Array(this.streams.length * 2);
      // Moving the array re-points every stream already held to its new place.
      for (const [r, o] of this.streamOffset) r.relocate(grown, o, this);
      this.streams = grown;
    }
    const o = this.streamsUsed;
    if (!rng.relocate(this.streams, o, this)) return -1;
    this.streamsUsed += 4;
    this.streamOffset.set(rng, o);
    return o;
  }

  private addPeriodic(i: number, period: number, phase: number): void {
    let g = this.groupIndex.get(period);
    if (g === undefined) {
      g = this.groupIndex.size;
      this.groupIndex.set(period, g);
    }
    this.periodic.push(i, g, phase);
    this.layoutStale = true;
  }

  /** Lays the every-k agents out in flat slots (a stable counting sort by group and phase). */
  private rebuildLayout(): void {
    const groups = this.groupIndex.size;
    const periods = new Int32Array(groups);
    for (const [period, g] of this.groupIndex) periods[g] = period;
    const bases = new Int32Array(groups);
    let slots = 0;
    for (let g = 0; g < groups; g++) {
      bases[g] = slots;
      slots += periods[g];
    }
    const entries = this.periodic;
    const starts = new Int32Array(slots + 1);
    for (let e = 0; e < entries.length; e += 3) starts[bases[entries[e + 1]] + entries[e + 2] + 1]++;
    for (let j = 0; j < slots; j++) starts[j + 1] += starts[j];
    const fill = starts.slice(0, slots);
    const agents = new Int32Array(entries.length / 3);
    for (let e = 0; e < entries.length; e += 3)
      agents[fill[bases[entries[e + 1]] + entries[e + 2]]++] = entries[e];
    // A new group continues from the phase it had at the last tick run.
    const phases = new Int32Array(groups);
    phases.set(this.groupPhase);
    const last = Number.isNaN(this.lastTick) ? -1 : this.lastTick;
    for (let g = this.groupPhase.length; g < groups; g++)
      phases[g] = ((last % periods[g]) + periods[g]) % periods[g];
    this.groupPeriods = periods;
    this.groupBase = bases;
    this.slotStart = starts;
    this.slotAgents = agents;
    this.groupPhase = phases;
    this.layoutStale = false;
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
    const streamAt = new Int32Array(n).fill(-1);
    streamAt.set(this.streamAt);
    this.streamAt = streamAt;
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
