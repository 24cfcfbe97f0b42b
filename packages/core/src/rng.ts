import { CascadeError } from "./errors.js";
/**
 * Seeded, splittable random streams.
 *
 * Generator: sfc32 (Small Fast Counting, 128-bit state, period >= 2^32, passes
 * PractRand/BigCrush), implemented with 32-bit integer ops only, so the same
 * seed gives the same sequence on every machine and JS engine. Streams are
 * split by *name*: `root.split("agent").split(17)` depends only on the root seed
 * and the path, never on how many numbers other streams drew, which is what
 * keeps a run reproducible when agents are added or reordered.
 */
export class Rng {
  /**
   * sfc32 state a, b, c, d. Kept in an Int32Array, not in four number fields: V8 stores int32
   * values beyond the 31-bit small-integer range in a field as a freshly allocated heap number,
   * so every draw allocated; the typed array stores them in place (draws allocate nothing).
   */
  private s: Int32Array = new Int32Array(4);
  /** Who holds the state after relocateStream(), if anyone. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read and written by relocateStream below
  private owner: object | null = null;
  // A double from the start (NaN: none yet): a 0 here made V8 lay the field out as a small integer,
  // and the first Box-Muller spare then changed the class's hidden layout, discarding compiled code.
  private spare = Number.NaN;
  private hasSpare = false;

  private constructor(
    /** Identity of this stream (4 x uint32), derived from root seed and split path. */
    private readonly k0: number,
    private readonly k1: number,
    private readonly k2: number,
    private readonly k3: number,
  ) {
    this.s[0] = k0;
    this.s[1] = k1;
    this.s[2] = k2;
    this.s[3] = k3 | 1;
    // Discard the first outputs: sfc32 needs a few rounds to mix a fresh state.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /**
   * Root stream of a run. A string seed is hashed; a number must be a safe integer. Numbers are
   * hashed as "#<n>", so a string seed may not start with "#" (it would be the same stream).
   */
  static fromSeed(seed: number | string): Rng {
    checkLabel("seed", seed, "a safe integer, or a string not starting with #");
    const s = typeof seed === "number" ? `#${seed}` : seed;
    const h = hash128(s, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f);
    return new Rng(h[0], h[1], h[2], h[3]);
  }

  /** An independent child stream named `label` (e.g. "agents", 42, "shock"; a string may not start with "#"). */
  split(label: string | number): Rng {
    checkLabel(
      "label",
      label,
      'a safe integer, or a string not starting with # (split(7) is hashed as "#7")',
    );
    const h = hash128(typeof label === "number" ? `#${label}` : label, this.k0, this.k1, this.k2, this.k3);
    return new Rng(h[0], h[1], h[2], h[3]);
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    return sfc32Step(this.s, 0);
  }

  /** Uniform in [0, 1), 53 bits of resolution. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /**
   * Uniform integer in [0, n) for an integer n >= 1 (exactly uniform up to 2^32: masked rejection,
   * integer ops only). Anything else throws: NaN passed every comparison below and returned a
   * random 32-bit integer, 0 returned 0 (outside [0, 0)).
   */
  int(n: number): number {
    if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER) || Math.floor(n) !== n) {
      throw new CascadeError(
        "INVALID_ARGUMENT",
        "n",
        n,
        `an integer in [1, ${Number.MAX_SAFE_INTEGER}]`,
        "Rng.int rejected",
      );
    }
    if (n === 1) return 0;
    if (n > 4294967296) return Math.floor(this.uniform() * n);
    // Draw bits under the smallest power-of-two mask >= n and reject overshoots:
    // fewer than 2 draws on average, and no float modulo on the hot path.
    const m = n - 1;
    const mask = m > 0x7fffffff ? 0xffffffff : (0xffffffff >>> Math.clz32(m)) >>> 0;
    let x = (this.nextU32() & mask) >>> 0;
    while (x > m) x = (this.nextU32() & mask) >>> 0;
    return x;
  }

  /** Integer in [min, max] inclusive. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Normal draw (Box-Muller; the spare is kept, so two draws cost one log/sqrt). */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + sd * this.spare;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return mean + sd * r * Math.cos(theta);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return this.standardExponential() / rate;
  }

  /**
   * Standard exponential by Marsaglia & Tsang's ziggurat (2000), 256 layers:
   * ~99% of draws cost one 32-bit draw and a multiply, no logarithm. The layer
   * index uses the low 8 bits and the abscissa the high 24, so they are
   * independent (Doornik 2005). Poisson arrivals of agents draw this.
   */
  standardExponential(): number {
    const jz = this.nextU32();
    const iz = jz & 255;
    const u = jz >>> 8;
    if (u < ZIG_K[iz]) return u * ZIG_W[iz];
    return exponentialAfter(this, jz);
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * Poisson count with mean lambda. Knuth's product method below 30; above,
   * Hormann's PTRS transformed rejection (exact, O(1) expected).
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }

  /** Ticks until the next arrival of a Poisson process with `ratePerTick` (>= 1). */
  arrivalGap(ratePerTick: number): number {
    return 1 + Math.floor(this.exponential(ratePerTick));
  }

  /**
   * In-place Fisher-Yates shuffle of the first `length` entries. Indices come
   * from one 32-bit draw scaled by (i + 1) (bias below 2^-20 for lists under a
   * million): this runs for every agent activation, so it avoids rejection loops.
   */
  shuffle(items: { [i: number]: number; length: number }, length = items.length): void {
    // sfc32Step inlined on locals (registers, not the state array): ~2 ns less per element, and the
    // scheduler shuffles every tick's due list with this.
    const s = this.s;
    let a = s[0];
    let b = s[1];
    let c = s[2];
    let d = s[3];
    for (let i = length - 1; i > 0; i--) {
      const r = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + r) | 0;
      const j = Math.floor((r >>> 0) * 2.3283064365386963e-10 * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  /**
   * Bootstrap resampling: each means[b], in turn, is the mean of n = values.length values drawn
   * uniformly with replacement from `values`, summed in draw order and divided by n. Each index
   * is one 32-bit draw scaled by n (bias below n / 2^32), as
   * `Math.floor(nextU32() * (n / 2^32))`, so the means are the same as from that loop, bit for bit.
   */
  resampleMeans(values: Float64Array, means: Float64Array): void {
    const n = values.length;
    const scale = n / 4294967296;
    for (let k = 0; k < means.length; k++) means[k] = resampledSum(this.s, values, n, scale) / n;
  }

  /** Picks one element uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0)
      throw new CascadeError("INVALID_ARGUMENT", "items", items, "a non-empty array", "Rng.pick rejected");
    return items[this.int(items.length)];
  }
}

/**
 * The sum of n values of `values` drawn with replacement (index: draw * scale, scale = n / 2^32),
 * in draw order, from the sfc32 state at s[0..3], which it advances by n draws: Rng.resampleMeans's
 * loop. sfc32Step is inlined on locals, 4 draws a turn. A function of its own, called once per
 * mean: nested in resampleMeans's loop over the means, TurboFan (node 20) compiled the state's
 * adds as float64 adds and truncations; here they are 32-bit adds. 46 instructions a draw there,
 * 32 here (callgrind, node --predictable, 600 values).
 */
function resampledSum(s: Int32Array, values: Float64Array, n: number, scale: number): number {
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  let sum = 0;
  let i = 0;
  // below n < 2^31 and not negative: truncation is Math.floor
  for (; i + 3 < n; i += 4) {
    let r = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + r) | 0;
    sum += values[((r >>> 0) * scale) | 0];
    r = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + r) | 0;
    sum += values[((r >>> 0) * scale) | 0];
    r = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + r) | 0;
    sum += values[((r >>> 0) * scale) | 0];
    r = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + r) | 0;
    sum += values[((r >>> 0) * scale) | 0];
  }
  for (; i < n; i++) {
    const r = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + r) | 0;
    sum += values[((r >>> 0) * scale) | 0];
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
  return sum;
}

/** Seeds and split labels: safe integers, or strings that cannot collide with one ("#7" is 7). */
function checkLabel(field: string, v: unknown, allowed: string): void {
  if (typeof v === "number" ? Number.isSafeInteger(v) : typeof v === "string" && v[0] !== "#") return;
  throw new CascadeError("INVALID_SEED", field, v, allowed, "random stream rejected");
}

/**
 * One sfc32 step on the 4-word state at s[o .. o + 3]: advances it and returns the 32-bit output.
 * Internal to core: Rng.nextU32, and the scheduler on streams relocated into its records.
 */
export function sfc32Step(s: Int32Array, o: number): number {
  const a = s[o];
  const b = s[o + 1];
  const c = s[o + 2];
  const d = s[o + 3];
  const t = (((a + b) | 0) + d) | 0;
  s[o + 3] = (d + 1) | 0;
  s[o] = b ^ (b >>> 9);
  s[o + 1] = (c + (c << 3)) | 0;
  s[o + 2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t >>> 0;
}

/** The state behind an Rng's privacy, for the two scheduler helpers below. */
interface RngState {
  s: Int32Array;
  owner: object | null;
}

/**
 * The ziggurat's rare path (~1% of draws), continuing from a first draw `jz` that missed the fast
 * test. Internal to core: the scheduler runs the fast path itself on a relocated stream.
 */
export function exponentialAfter(rng: Rng, jz: number): number {
  for (;;) {
    const iz = jz & 255;
    const u = jz >>> 8;
    if (u < ZIG_K[iz]) return u * ZIG_W[iz];
    if (iz === 0) return ZIG_R - Math.log(1 - rng.uniform());
    const x = u * ZIG_W[iz];
    if (ZIG_F[iz] + rng.uniform() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-x)) return x;
    jz = rng.nextU32();
  }
}

/**
 * Moves a stream's 4-word state into `pool` at `offset`; the stream draws from there from now on
 * (its sequence is unchanged). Returns false, and moves nothing, if another owner already holds the
 * state. Internal to core: the activation scheduler keeps its Poisson agents' streams in its agent
 * records, so an arrival gap costs no pointer chase to each agent's stream object.
 */
export function relocateStream(rng: Rng, pool: Int32Array, offset: number, owner: object): boolean {
  const r = rng as unknown as RngState;
  if (r.owner !== null && r.owner !== owner) return false;
  r.owner = owner;
  pool.set(r.s, offset);
  r.s = pool.subarray(offset, offset + 4);
  return true;
}

// Ziggurat tables for the standard exponential (Marsaglia & Tsang 2000), 24-bit abscissae.
const ZIG_R = 7.697117470131487;
/** @internal (the scheduler inlines the ziggurat's fast path) */
export const ZIG_K = new Float64Array(256);
/** @internal */
export const ZIG_W = new Float64Array(256);
const ZIG_F = new Float64Array(256);
{
  const m = 16777216; // 2^24
  const v = 3.949659822581572e-3; // area of each layer
  let de = ZIG_R;
  let te = de;
  const q = v / Math.exp(-de);
  ZIG_K[0] = Math.floor((de / q) * m);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[255] = de / m;
  ZIG_F[0] = 1;
  ZIG_F[255] = Math.exp(-de);
  for (let i = 254; i >= 1; i--) {
    de = -Math.log(v / de + Math.exp(-de));
    ZIG_K[i + 1] = Math.floor((de / te) * m);
    te = de;
    ZIG_F[i] = Math.exp(-de);
    ZIG_W[i] = de / m;
  }
}

const LOG_FACT: number[] = [0];
function logFactorial(k: number): number {
  if (k < 256) {
    for (let i = LOG_FACT.length; i <= k; i++) LOG_FACT[i] = LOG_FACT[i - 1] + Math.log(i);
    return LOG_FACT[k];
  }
  // Stirling series; exact enough for the PTRS acceptance test.
  return (k + 0.5) * Math.log(k) - k + 0.9189385332046728 + 1 / (12 * k) - 1 / (360 * k * k * k);
}

/** 128-bit string hash (cyrb128 mixing) seeded with a parent key. */
function hash128(
  s: string,
  h1: number,
  h2: number,
  h3: number,
  h4: number,
): [number, number, number, number] {
  h1 ^= 1779033703;
  h2 ^= 3144134277;
  h3 ^= 1013904242;
  h4 ^= 2773480762;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
