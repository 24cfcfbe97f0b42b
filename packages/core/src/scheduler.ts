import { copyInto } from "./arrays.js";
import { CascadeError } from "./errors.js";
import { exponentialAfter, type Rng, relocateStream, sfc32Step, ZIG_K, ZIG_W } from "./rng.js";

/**
 * How an agent is woken; ticks are integers. A Poisson agent acts at most once a tick: its gaps are
 * 1 + floor(Exp(rate)), so it acts in a given tick with probability 1 - e^-rate (0.39 at rate 0.5,
 * 0.63 at 1; within 2.5% of `rate` up to 0.05).
 */
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

/*
 * What a Poisson activation reads and writes is one 32-byte hot record per agent in one buffer
 * (int32 and float64 views): its stream, its calendar link and due tick, its rate. The rest (kind,
 * the bucket's back link, period, phase...) sits in dense per-field arrays. One 64-byte record
 * with everything took 7-12% more time per activation at 10,000 Poisson agents (see the class).
 */
const HOT = 8; // int32 words per hot record
const STATE = 0; // words 0..3: the agent's stream, when the scheduler holds it
const NEXT = 4; // calendar: next agent in the bucket, or -1
const DUE = 5; // next wake-up tick, or -1; FAR: at or beyond FAR, the tick itself in far[]
const HOT_F64 = 4; // float64 slots per hot record
const RATE = 3; // float64 slot: a Poisson agent's rate per tick (negated: its stream is not in its record), else 0
const FAR = 0x7fffffff;

function rejected(
  field: string,
  value: unknown,
  allowed: string,
  context = "activation rejected",
): CascadeError {
  return new CascadeError("INVALID_ACTIVATION", field, value, allowed, context);
}

/** a mod p in [0, p), also for negative a. */
const mod = (a: number, p: number) => ((a % p) + p) % p;

/** Every-k due lists are gathered this many ticks at a time (at most; see rebuildLayout). */
const WINDOW_TICKS = 64;
/** A period group keeps one slot per phase while period <= MIN + PER_AGENT * its agents. */
const DENSE_SLOTS_MIN = 64;
const DENSE_SLOTS_PER_AGENT = 16;

/** First k in [lo, hi) with sorted[k] >= x (hi if none). */
function firstAtLeast(sorted: Int32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Activation scheduler: a calendar queue (timing wheel) of agent indices.
 *
 * Only agents due this tick are touched: each one sits in the bucket of its next
 * wake-up tick (tick mod horizon), kept as an intrusive doubly-linked list in
 * flat typed arrays, so scheduling, cancelling and waking are O(1) and a tick
 * costs O(agents due), never O(agents). Wake-ups more than one lap ahead stay in
 * their bucket until their lap comes. Agents due the same tick act in a seeded
 * random order (Fisher-Yates on a reused buffer). An agent has at most one
 * pending wake-up: an earlier `wake()` moves it, also when it reaches a Poisson
 * agent due this tick before that agent has acted (and drawn its next arrival).
 *
 * A Poisson agent's arrival gaps come from its own stream, although drawing them per rate class
 * from one scheduler stream (a Bernoulli process over the class's agents, walked by geometric
 * jumps) measured about 17 ns less per Poisson activation at 10,000 agents: with per-agent
 * streams, variants whose populations differ (more leveraged traders, say) still give every other
 * agent the same arrival times under the same seed, which is what keeps paired comparisons across
 * such variants tight. A class stream would reshuffle every arrival of the class.
 *
 * Also measured at 10,000 agents (test/bench/clock.ts) and not kept, for no gain beyond noise:
 * array buckets with lazy deletion instead of linked lists (same order, same outputs), a
 * stripped-down scheduler without wake-ups, no in-tick shuffle, sparse every-k groups beyond the
 * window, singly-linked buckets. Even at 500 Poisson agents, every record in L1, an activation
 * costs ~40 ns over the replay of its handler call (~27 with constant gaps instead of drawn
 * ones): the cost is the work itself (walk, draw, relink, shuffle), not cache misses. Nor does
 * walking the agents in order help: generating each Poisson agent's arrivals a 64-tick window at
 * a time (its stream in a flat array, a coarse calendar of windows, a counting sort per window; no
 * linked lists, no wake-ups, another in-tick order) measured 58.7 ns over the replay against this
 * scheduler's 74.4 in the same run at 10,000 Poisson agents, the draws and the sort alone ~35-50.
 * Footprint is a smaller part (cachegrind, this host's 512 KB L2 modelled, 10,000 Poisson
 * agents): over the replay an activation runs ~350 instructions and missed L2 1.1 times with one
 * 64-byte record per agent; with the hot records (kept) 0.64 times, for 15 more instructions. They
 * measured 0.89-0.93 of the 64-byte layout's time in four same-process interleaved runs there, and
 * 0.94-1.07 at half every-k (each Poisson agent's hot record then shares its line with an every-k
 * one: no fewer lines). Array buckets of (agent, seq) entries instead of the linked list, due
 * agents loaded independently instead of chased, measured 1.11-1.23 (2.8 misses over the replay).
 * Instructions per Poisson activation at 10,000 Poisson agents (callgrind per instruction of V8's
 * optimized code, node --predictable):
 * runDue ~344 and Rng.shuffle 51 per element, the replay 65. In runDue: bucket walk 70, due-list
 * read 14, rate and stream lookup 28, sfc32 step 53, ziggurat fast path 39, gap 11,
 * scheduleEarliest/schedule 78, the (inlined) handler call 49. All of it is inlined into runDue;
 * the cost is V8's ~26 typed-array accesses (map check, length, data pointer, bounds check, redone
 * after each handler call and each loop's stack check). Not kept: record offsets by shift and or
 * (no overflow checks), the step and a ZIG_K/ZIG_W pair table without the imports' cell and hole
 * checks, one DUE read before linking: runDue 312, but best-of-80 CPU times 0.90-1.13 of this code
 * (A/A 0.94-1.02, host load 10-20), and again at load ~2, tick by tick interleaved, medians 0.99
 * (all Poisson) and 1.00 (half every-k). Calendar slots for calendar agents only (an agent -> slot map;
 * every-k agents none, Poisson records contiguous): at half every-k 0.26 fewer L2 misses per
 * activation (3.11 -> 2.85, adds included) for 20 more instructions, 11 more at all Poisson; CPU
 * time within noise. The bookkeeping in WebAssembly (hand-written WAT, 10,000 Poisson agents, the
 * same activation sequence over 5.06 million activations): one call per tick walks the bucket and
 * shuffles, then the JS loop makes one call per activation (sfc32, the ziggurat's fast path, JS's
 * exponentialAfter on the rare path, scheduleEarliest; it returns the agent) before the handler,
 * since the redraw must interleave with the handlers. Whole activation, handler loop included
 * (callgrind as above; --no-liftoff the same): 436 instructions here, 353 in wasm, 305 with the
 * relinking inlined by hand; the JS->wasm call alone costs ~35 (an empty export called per
 * activation: 83 against the plain loop's 48). Time did not follow: at host load 10-12, wasm's
 * overhead over the replay was 0.79-1.86 of this class's in three runs of 7 CPU-time rounds
 * (medians 0.90-1.32), and 0.85-0.99 with both run in one process, alternating 100-tick blocks.
 * A tenth off at best, where the 10 ns target needs the overhead cut to a third or less.
 * Nor does giving up the contract reach it (stop 31, a prototype outside the repository, same
 * workload): no calendar for Poisson agents, each rate class walked as one Bernoulli process over
 * (tick, member) cells by geometric jumps from one class stream (state in locals, the ziggurat's
 * fast path), every-k slots read directly. Over the replay per activation (callgrind as above):
 * 264 instructions with the seeded shuffle kept, 213 without it, against ~470 for this class on
 * the same harness; timed in one process (host load 10-20), 0.40-0.50 of this class's overhead,
 * about 20 ns at this host's quiet speed: still twice the target, for every study's numbers moved
 * and per-agent arrival streams lost.
 */
export class ActivationScheduler {
  private readonly mask: number;
  private readonly head: Int32Array;
  private capacity = 0;
  /** Hot records (see HOT), then the cold fields, one array each, indexed by agent. */
  private hi = new Int32Array(0);
  private hf = new Float64Array(0);
  private kind = new Int32Array(0);
  /** Calendar: previous agent in the bucket, or -1. */
  private prev = new Int32Array(0);
  /** Offset of a Poisson agent's stream in the hot records, or -1 (its Rng draws). */
  private stream = new Int32Array(0);
  private period = new Int32Array(0);
  private phase = new Int32Array(0);
  /** Last tick the agent acted, or -1. */
  private last = new Float64Array(0);
  /** Due tick when it is FAR or beyond. */
  private far = new Float64Array(0);
  private handlers: Array<(tick: number) => void> = [];
  private rngs: Array<Rng | undefined> = [];
  private due = new Int32Array(256);
  /**
   * Every-k agents never move. Group g gathers the agents of one period. A dense group has one slot
   * per phase (tick % period); all slots live in two flat arrays (compressed rows: slot j holds
   * slotAgents[slotStart[j] .. slotStart[j + 1]), group g's slots start at groupBase[g]). One array
   * per slot would cost a cache miss per group per tick, which dominated at thousands of agents.
   * A group whose period is long for its size (see DENSE_SLOTS_PER_AGENT) is sparse instead:
   * groupBase[g] = ~s, and its agents sit in sparsePhase/sparseAgent[sparseStart[s] ..
   * sparseStart[s + 1]) sorted by phase, found by binary search; slots per phase would cost memory
   * per tick of period (a period of 10^6 took 8 MB per group, and validation allows 10^9). Both
   * give the same agents in the same order. The layout is rebuilt after adds, keeping insertion
   * order within a phase.
   */
  private readonly groupIndex = new Map<number, number>();
  private groupPeriods = new Int32Array(0);
  private groupBase = new Int32Array(0);
  private slotStart = new Int32Array(1);
  private slotAgents = new Int32Array(0);
  private sparseStart = new Int32Array(1);
  private sparsePhase = new Int32Array(0);
  private sparseAgent = new Int32Array(0);
  /** Every-k agents in registration order (their period and phase are in their records). */
  private periodic: number[] = [];
  private layoutStale = false;
  /**
   * The every-k due lists of the next `windowTicks` ticks, gathered in one pass: tick
   * windowStart + h holds windowAgents[windowOffsets[h] .. windowOffsets[h + 1]). Visiting each
   * group's slot tick by tick touches a cache line per group per tick; over a window each group's
   * slots are read in sequence, which cut the every-k gather to a fraction at 10,000 agents.
   * Each tick's list is in group order, then slot order.
   */
  private windowTicks = 1;
  private windowStart = 0;
  private windowEnd = 0; // exclusive; windowStart === windowEnd: no window
  private windowOffsets = new Int32Array(2);
  private windowAgents = new Int32Array(0);
  private windowFill = new Int32Array(0);
  private lastTick = Number.NaN;
  /**
   * Streams of Poisson agents held in the records (relocateStream), by their offset there: the arrival
   * gap's generator and the ziggurat's fast path then run inline on the record.
   */
  private readonly heldStreams = new Map<Rng, number>();
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
    this.reserve(64);
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
    if (i >= this.capacity) this.reserve(this.capacity * 2);
    switch (activation.kind) {
      case "every":
        if (!(activation.period >= 1) || !Number.isSafeInteger(activation.period)) {
          throw rejected("activation.period", activation.period, "an integer >= 1");
        }
        if (activation.offset !== undefined && !Number.isSafeInteger(activation.offset)) {
          throw rejected("activation.offset", activation.offset, "undefined or an integer number of ticks");
        }
        this.kind[i] = EVERY;
        this.period[i] = activation.period;
        break;
      case "poisson":
        if (!(activation.rate > 0) || !Number.isFinite(activation.rate)) {
          throw rejected("activation.rate", activation.rate, "a finite rate > 0 per tick");
        }
        if (!rng)
          throw rejected("rng", rng, "the agent's Rng (a Poisson agent draws its arrival gaps from it)");
        this.kind[i] = POISSON;
        this.hf[i * HOT_F64 + RATE] = activation.rate;
        break;
      case "once":
        if (!Number.isSafeInteger(activation.at)) {
          throw rejected("activation.at", activation.at, "an integer tick (at or before now: never)");
        }
        this.kind[i] = ONCE;
        break;
      case "event":
        this.kind[i] = EVENT;
        break;
      default:
        throw rejected(
          "activation.kind",
          (activation as { kind: unknown }).kind,
          "every, poisson, once, event",
        );
    }
    this.count++;
    // A tick's due list holds each agent at most twice (its every-k slot and one calendar entry).
    while (this.due.length < 2 * this.count) this.growDue();
    this.handlers.push(handler);
    this.rngs.push(rng);
    if (activation.kind === "every") {
      const p = activation.period;
      const first = now + 1 + mod(activation.offset ?? 0, p);
      this.phase[i] = first % p;
      this.addPeriodic(i, p);
    } else if (activation.kind === "poisson") {
      const o = this.holdStream(rng as Rng, i * HOT + STATE);
      this.stream[i] = o;
      // A negative rate: the stream is not in the agent's own record (read stream[] then).
      if (o !== i * HOT + STATE) this.hf[i * HOT_F64 + RATE] = -activation.rate;
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
      throw rejected("agent", i, `an agent index in [0, ${this.count - 1}]`, "wake rejected");
    }
    // A fractional or NaN tick would never come due, and would block every later wake-up.
    if (!Number.isSafeInteger(tick)) throw rejected("tick", tick, "an integer tick", "wake rejected");
    this.scheduleEarliest(i, tick <= this.current ? this.current + 1 : tick);
  }

  /** Tick of agent i's next wake-up, or -1. */
  nextWake(i: number): number {
    const d = this.hi[i * HOT + DUE];
    return d === FAR ? this.far[i] : d;
  }

  /** Calls every agent due at `tick`, in seeded random order, then reschedules them. */
  runDue(tick: number): number {
    this.current = tick;
    let n = 0;
    // Periodic agents: this tick's list from the window. Ticks in sequence gather windowTicks ticks
    // at once; after a jump (or at the first tick) a window of this tick alone.
    if (this.layoutStale) this.rebuildLayout();
    // add() keeps `due` large enough: no bounds checks below.
    const due = this.due;
    if ((tick >= this.windowEnd || tick < this.windowStart) && this.groupPeriods.length > 0) {
      this.buildWindow(tick, tick === this.lastTick + 1 ? this.windowTicks : 1);
    }
    if (tick < this.windowEnd && tick >= this.windowStart) {
      const h = tick - this.windowStart;
      const end = this.windowOffsets[h + 1];
      const from = this.windowAgents;
      for (let k = this.windowOffsets[h]; k < end; k++) due[n++] = from[k];
    }
    this.lastTick = tick;
    // Calendar: Poisson, one-off and event wake-ups. The bucket is walked once: due agents leave
    // it, the others (due on a later lap) are relinked in their order. A Poisson agent goes into
    // the due list as ~index, so the loop below knows it must redraw its arrival without reading
    // its record; `twice` notes an every-k agent due by its slot and woken for this tick as well.
    let twice = false;
    {
      const hi = this.hi;
      const hf = this.hf;
      const prev = this.prev;
      const b = tick & this.mask;
      let i = this.head[b];
      let keepHead = -1;
      let keepTail = -1;
      while (i >= 0) {
        const r = i * HOT;
        const after = hi[r + NEXT];
        const d = hi[r + DUE];
        if ((d === tick && d !== FAR) || (d === FAR && this.far[i] === tick)) {
          hi[r + DUE] = -1;
          if (hf[i * HOT_F64 + RATE] !== 0) {
            due[n++] = ~i;
          } else {
            if (this.kind[i] === EVERY && mod(tick, this.period[i]) === this.phase[i]) twice = true;
            due[n++] = i;
          }
        } else {
          if (keepTail < 0) keepHead = i;
          else hi[keepTail * HOT + NEXT] = i;
          prev[i] = keepTail;
          keepTail = i;
        }
        i = after;
      }
      if (keepTail >= 0) hi[keepTail * HOT + NEXT] = -1;
      this.head[b] = keepHead;
    }
    if (n > 1) this.order.shuffle(due, n);
    const handlers = this.handlers;
    let acted = 0;
    if (!twice) {
      // Every entry is a distinct agent: act in order, touching a record only to redraw a
      // Poisson agent's arrival (before it acts, so its own wake() can still move it earlier).
      for (let k = 0; k < n; k++) {
        let a = due[k];
        if (a < 0) {
          a = ~a;
          this.redrawArrival(a, tick);
        }
        handlers[a](tick);
      }
      acted = n;
    } else {
      // Some agent is listed twice: it acts at its first entry only.
      for (let k = 0; k < n; k++) {
        let a = due[k];
        const poisson = a < 0;
        if (poisson) a = ~a;
        if (this.last[a] === tick) continue;
        this.last[a] = tick;
        if (poisson) this.redrawArrival(a, tick);
        handlers[a](tick);
        acted++;
      }
    }
    this.activations += acted;
    return acted;
  }

  /** Schedules Poisson agent a's next arrival after `tick`: Rng.arrivalGap on its stream. */
  private redrawArrival(a: number, tick: number): void {
    const hi = this.hi;
    let rate = this.hf[a * HOT_F64 + RATE];
    let o = a * HOT + STATE;
    if (rate < 0) {
      rate = -rate;
      o = this.stream[a];
    }
    let gap: number;
    if (o >= 0) {
      // Rng.arrivalGap inlined on the relocated stream (same draws, same result): one sfc32 step,
      // then the ziggurat's fast path, else its rare path.
      const jz = sfc32Step(hi, o);
      const iz = jz & 255;
      const u = jz >>> 8;
      const e = u < ZIG_K[iz] ? u * ZIG_W[iz] : exponentialAfter(this.rngs[a] as Rng, jz);
      gap = 1 + Math.floor(e / rate);
    } else {
      gap = (this.rngs[a] as Rng).arrivalGap(rate);
    }
    // The walk took the agent off the calendar; pending again means an agent that acted earlier in
    // this tick woke it, and the earlier wake-up stands (the arrival is drawn anyway).
    this.scheduleEarliest(a, tick + gap);
  }

  /** Holds a Poisson agent's stream at `offset` in the records (once per stream); its offset, or -1. */
  private holdStream(rng: Rng, offset: number): number {
    const known = this.heldStreams.get(rng);
    if (known !== undefined) return known;
    if (!relocateStream(rng, this.hi, offset, this)) return -1;
    this.heldStreams.set(rng, offset);
    return offset;
  }

  /** Grows the records to `capacity` agents; streams held in them move along. */
  private reserve(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * HOT * 4);
    const hi = new Int32Array(buffer);
    hi.set(this.hi);
    for (let i = this.capacity; i < capacity; i++) hi[i * HOT + DUE] = -1;
    this.hi = hi;
    this.hf = new Float64Array(buffer);
    this.kind = copyInto(new Int32Array(capacity), this.kind);
    this.prev = copyInto(new Int32Array(capacity), this.prev);
    this.stream = copyInto(new Int32Array(capacity).fill(-1), this.stream);
    this.period = copyInto(new Int32Array(capacity), this.period);
    this.phase = copyInto(new Int32Array(capacity), this.phase);
    this.last = copyInto(new Float64Array(capacity).fill(-1), this.last);
    this.far = copyInto(new Float64Array(capacity), this.far);
    this.capacity = capacity;
    for (const [rng, offset] of this.heldStreams) relocateStream(rng, hi, offset, this);
  }

  private addPeriodic(i: number, period: number): void {
    if (!this.groupIndex.has(period)) this.groupIndex.set(period, this.groupIndex.size);
    this.periodic.push(i);
    this.layoutStale = true;
  }

  /** Lays the every-k agents out: dense slots, or phase-sorted lists for long periods (stable). */
  private rebuildLayout(): void {
    const groups = this.groupIndex.size;
    const periods = new Int32Array(groups);
    for (const [period, g] of this.groupIndex) periods[g] = period;
    const phase = this.phase;
    const periodic = this.periodic;
    const groupOf = periodic.map((i) => this.groupIndex.get(this.period[i]) as number);
    const sizes = new Int32Array(groups);
    for (const g of groupOf) sizes[g]++;
    const bases = new Int32Array(groups);
    let slots = 0;
    let sparseGroups = 0;
    for (let g = 0; g < groups; g++) {
      if (periods[g] <= DENSE_SLOTS_MIN + DENSE_SLOTS_PER_AGENT * sizes[g]) {
        bases[g] = slots;
        slots += periods[g];
      } else {
        bases[g] = ~sparseGroups++;
      }
    }
    // Dense groups: a counting sort by slot (stable: insertion order within a slot).
    const starts = new Int32Array(slots + 1);
    const slotOf = periodic.map((i, e) => {
      const base = bases[groupOf[e]];
      return base >= 0 ? base + phase[i] : -1;
    });
    for (const j of slotOf) if (j >= 0) starts[j + 1]++;
    for (let j = 0; j < slots; j++) starts[j + 1] += starts[j];
    const fill = starts.slice(0, slots);
    const agents = new Int32Array(starts[slots]);
    for (let e = 0; e < periodic.length; e++) if (slotOf[e] >= 0) agents[fill[slotOf[e]]++] = periodic[e];
    // Sparse groups: each group's agents sorted by phase (Array#sort is stable: insertion order
    // within a phase).
    const sparse: number[][] = Array.from({ length: sparseGroups }, () => []);
    for (let e = 0; e < periodic.length; e++)
      if (bases[groupOf[e]] < 0) sparse[~bases[groupOf[e]]].push(periodic[e]);
    const sparseStart = new Int32Array(sparseGroups + 1);
    const sparsePhase = new Int32Array(periodic.length - starts[slots]);
    const sparseAgent = new Int32Array(sparsePhase.length);
    let at = 0;
    for (let sg = 0; sg < sparseGroups; sg++) {
      sparse[sg].sort((a, b) => phase[a] - phase[b]);
      for (const i of sparse[sg]) {
        sparsePhase[at] = phase[i];
        sparseAgent[at++] = i;
      }
      sparseStart[sg + 1] = at;
    }
    this.groupPeriods = periods;
    this.groupBase = bases;
    this.slotStart = starts;
    this.slotAgents = agents;
    this.sparseStart = sparseStart;
    this.sparsePhase = sparsePhase;
    this.sparseAgent = sparseAgent;
    // Window length: up to 64 ticks, fewer when the every-k agents due per tick are many (the
    // window then holds about 16,384 entries at most on average).
    let perTick = 0;
    for (let g = 0; g < groups; g++) perTick += sizes[g] / periods[g];
    const ticks = Math.max(1, Math.min(WINDOW_TICKS, Math.floor(16_384 / Math.max(1, perTick))));
    this.windowTicks = ticks;
    this.windowOffsets = new Int32Array(ticks + 1);
    this.windowFill = new Int32Array(ticks);
    this.windowStart = this.windowEnd = 0;
    this.layoutStale = false;
  }

  /** Gathers the every-k due lists of ticks from..from + ticks - 1, ticks <= windowTicks (rebuildLayout is current). */
  private buildWindow(from: number, ticks: number): void {
    const periods = this.groupPeriods;
    const bases = this.groupBase;
    const starts = this.slotStart;
    const agents = this.slotAgents;
    const sparseStart = this.sparseStart;
    const phases = this.sparsePhase;
    const offsets = this.windowOffsets.fill(0);
    // Counts per tick (in offsets[h + 1]), then their running sums: where each tick's list starts.
    for (let g = 0; g < periods.length; g++) {
      const period = periods[g];
      const base = bases[g];
      if (base >= 0) {
        let slot = mod(from, period);
        for (let h = 1; h <= ticks; h++) {
          offsets[h] += starts[base + slot + 1] - starts[base + slot];
          if (++slot === period) slot = 0;
        }
      } else {
        // A sparse period exceeds the window (DENSE_SLOTS_MIN >= WINDOW_TICKS): each phase in
        // [r, r + ticks) mod period is one tick of the window.
        const r = mod(from, period);
        const lo = sparseStart[~base];
        const hi = sparseStart[~base + 1];
        for (let k = firstAtLeast(phases, lo, hi, r); k < hi && phases[k] < r + ticks; k++)
          offsets[phases[k] - r + 1]++;
        for (let k = lo; k < hi && phases[k] < r + ticks - period; k++) offsets[phases[k] + period - r + 1]++;
      }
    }
    for (let h = 0; h < ticks; h++) offsets[h + 1] += offsets[h];
    if (this.windowAgents.length < offsets[ticks]) this.windowAgents = new Int32Array(offsets[ticks] * 2);
    const out = this.windowAgents;
    const fill = this.windowFill;
    fill.set(offsets.subarray(0, ticks));
    // Group by group, so each tick's list comes out in group order, then slot order.
    for (let g = 0; g < periods.length; g++) {
      const period = periods[g];
      const base = bases[g];
      if (base >= 0) {
        let slot = mod(from, period);
        for (let h = 0; h < ticks; h++) {
          const end = starts[base + slot + 1];
          let at = fill[h];
          for (let k = starts[base + slot]; k < end; k++) out[at++] = agents[k];
          fill[h] = at;
          if (++slot === period) slot = 0;
        }
      } else {
        const r = mod(from, period);
        const lo = sparseStart[~base];
        const hi = sparseStart[~base + 1];
        const sparseAgent = this.sparseAgent;
        for (let k = firstAtLeast(phases, lo, hi, r); k < hi && phases[k] < r + ticks; k++) {
          out[fill[phases[k] - r]++] = sparseAgent[k];
        }
        for (let k = lo; k < hi && phases[k] < r + ticks - period; k++) {
          out[fill[phases[k] + period - r]++] = sparseAgent[k];
        }
      }
    }
    this.windowStart = from;
    this.windowEnd = from + ticks;
  }

  /** Schedules agent i at `tick` unless it is already due at or before it (one pending wake-up). */
  private scheduleEarliest(i: number, tick: number): void {
    const pending = this.nextWake(i);
    if (pending >= 0 && pending <= tick) return;
    this.schedule(i, tick);
  }

  private schedule(i: number, tick: number): void {
    const hi = this.hi;
    const r = i * HOT;
    if (hi[r + DUE] >= 0) this.unlink(i);
    if (tick < FAR) hi[r + DUE] = tick;
    else {
      hi[r + DUE] = FAR;
      this.far[i] = tick;
    }
    const b = tick & this.mask;
    const h = this.head[b];
    hi[r + NEXT] = h;
    this.prev[i] = -1;
    if (h >= 0) this.prev[h] = i;
    this.head[b] = i;
  }

  private unlink(i: number): void {
    const hi = this.hi;
    const p = this.prev[i];
    const n = hi[i * HOT + NEXT];
    if (p >= 0) hi[p * HOT + NEXT] = n;
    else this.head[this.nextWake(i) & this.mask] = n;
    if (n >= 0) this.prev[n] = p;
  }

  private growDue(): void {
    this.due = copyInto(new Int32Array(this.due.length * 2), this.due);
  }
}
