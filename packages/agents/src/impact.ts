/**
 * Price impact of a meta-order: a large order executed as a sequence of market-order slices, the
 * way a liquidation engine's `sliced` execution sells. The square-root law (cited with Almgren &
 * Chriss 2000 in REFERENCES.md) says the mid moves roughly with sqrt(Q / V), Q the meta-order's
 * size and V the market's volume over the period: an exponent near 0.5, concave. What a study's
 * liquidations cost on the book depends on this shape (packages/agents/README.md: what Cascade's
 * baseline market shows).
 */
import { CascadeError, type RunLoop, requireInteger } from "@cascade/core";
import { BUY, type Fill, SELL, type Side, type Venue } from "@cascade/market";
import { linearRegression, mean } from "simple-statistics";

export interface MetaOrderOptions {
  /** Builds a fresh market for a seed: the same seed must give the same market (runs are paired). */
  market: (seed: number) => { loop: RunLoop; venue: Venue };
  seeds: readonly number[];
  /** Meta-order sizes as fractions of the volume the market traded in the `duration` ticks before it. */
  sizes: readonly number[];
  /** Ticks run before the meta-order (warm-up); at least `duration`, the period its volume is read over. */
  start: number;
  /** Ticks over which the meta-order executes. */
  duration: number;
  /** Market orders it is cut into, sent at even intervals from tick start + 1. */
  slices: number;
  instrument?: number;
}

export interface MetaOrderImpact {
  sizes: number[];
  /** Lots the market traded in the `duration` ticks up to `start`, per seed. */
  volumes: number[];
  /** Lots of each meta-order, per seed and size: round(size x volume). */
  lots: number[][];
  /**
   * Per seed and size, the buy's mid move minus the sell's, halved, as a fraction of the starting
   * mid: (mid_end(buy) - mid_end(sell)) / 2 / mid_start. Both runs share the seed, so what the market
   * would have done anyway cancels. NaN when a side of the book is empty at the start or the end.
   */
  impacts: number[][];
  /** Mean impact over seeds, per size. */
  meanImpact: number[];
  /**
   * delta of mean impact ~ size^delta: the slope of a least-squares line through
   * (ln size, ln mean impact). NaN when a mean impact is not positive (a size the market does not
   * resolve from its own noise: pick larger sizes or more seeds).
   */
  exponent: number;
  /** Lots the slices could not fill (an empty side of the book), over every run: 0 in a sound measure. */
  unfilled: number;
}

const CTX = "metaOrderImpact rejected";

function checkOptions(o: MetaOrderOptions): void {
  if (typeof o.market !== "function") {
    throw new CascadeError(
      "INVALID_ARGUMENT",
      "market",
      o.market,
      "a function (seed) => { loop, venue }",
      CTX,
    );
  }
  if (!Array.isArray(o.seeds) || o.seeds.length === 0) {
    throw new CascadeError("INVALID_ARGUMENT", "seeds", o.seeds, "a non-empty array of seeds", CTX);
  }
  if (!Array.isArray(o.sizes) || o.sizes.length < 2) {
    throw new CascadeError("INVALID_ARGUMENT", "sizes", o.sizes, "an array of at least 2 sizes", CTX);
  }
  for (const [k, s] of o.sizes.entries()) {
    if (typeof s !== "number" || !Number.isFinite(s) || s <= 0) {
      throw new CascadeError("INVALID_NUMBER", `sizes.${k}`, s, "a finite fraction of the volume > 0", CTX);
    }
  }
  const duration = requireInteger("duration", o.duration, 1, Number.MAX_SAFE_INTEGER, "INVALID_INTEGER", CTX);
  requireInteger("start", o.start, duration, Number.MAX_SAFE_INTEGER, "INVALID_INTEGER", CTX);
  requireInteger("slices", o.slices, 1, duration, "INVALID_INTEGER", CTX);
  requireInteger("instrument", o.instrument ?? 0, 0, Number.MAX_SAFE_INTEGER, "INVALID_INTEGER", CTX);
}

interface OneRun {
  volume: number;
  lots: number;
  startMid: number;
  endMid: number;
  unfilled: number;
}

/** One market of `seed`: warm up, read the period's volume, execute the meta-order on `side`. */
function runMetaOrder(o: MetaOrderOptions, seed: number, size: number, side: Side): OneRun {
  const { loop, venue } = o.market(seed);
  if (loop.now !== 0) {
    throw new CascadeError(
      "INVALID_ARGUMENT",
      `market(${seed}).loop.now`,
      loop.now,
      "0 (a fresh market, not yet run)",
      CTX,
    );
  }
  const instrument = o.instrument ?? 0;
  if (instrument >= venue.instruments.length) {
    throw new CascadeError(
      "INVALID_ARGUMENT",
      "instrument",
      instrument,
      `an instrument id in [0, ${venue.instruments.length - 1}]`,
      CTX,
    );
  }
  const book = venue.book(instrument);
  // Margin-exempt: the measure is of the market, not of whether some trader could afford the order.
  const account = venue.openAccount("metaOrder", { marginExempt: true });
  let volume = 0;
  const from = o.start - o.duration;
  const sub = venue.fills$.subscribe((f: Fill) => {
    if (f.instrument === instrument && f.tick > from && f.tick <= o.start) volume += f.quantity;
  });
  loop.run(o.start);
  sub.unsubscribe();
  const lots = Math.round(size * volume);
  const startMid = book.mid();
  let left = lots;
  let sent = 0;
  loop.on("agents", (tick) => {
    // slice j goes at tick start + 1 + floor(j x duration / slices), for the lots left over the slices left
    const due = o.start + 1 + Math.floor((sent * o.duration) / o.slices);
    if (sent >= o.slices || tick !== due) return;
    const quantity = Math.ceil(left / (o.slices - sent));
    sent++;
    if (quantity > 0) left -= venue.submit({ account, instrument, side, quantity, type: "market" }).filled;
  });
  loop.run(o.duration);
  const endMid = book.mid();
  loop.complete();
  return { volume, lots, startMid, endMid, unfilled: left };
}

/** Slope of ln(y) on ln(x); NaN when some y is not positive. */
function logLogSlope(x: readonly number[], y: readonly number[]): number {
  if (!y.every((v) => v > 0)) return Number.NaN;
  return linearRegression(x.map((v, k) => [Math.log(v), Math.log(y[k])])).m;
}

/**
 * Measures the impact of meta-orders of each size on the market `market(seed)` builds, a buy and a
 * sell per seed and size (2 x seeds x sizes runs of start + duration ticks), and fits its exponent.
 */
export function metaOrderImpact(o: MetaOrderOptions): MetaOrderImpact {
  checkOptions(o);
  const volumes: number[] = [];
  const lots: number[][] = [];
  const impacts: number[][] = [];
  let unfilled = 0;
  for (const seed of o.seeds) {
    const seedLots: number[] = [];
    const seedImpacts: number[] = [];
    for (const size of o.sizes) {
      const buy = runMetaOrder(o, seed, size, BUY);
      const sell = runMetaOrder(o, seed, size, SELL);
      unfilled += buy.unfilled + sell.unfilled;
      seedLots.push(buy.lots);
      seedImpacts.push((buy.endMid - sell.endMid) / 2 / buy.startMid);
      if (seedLots.length === 1) volumes.push(buy.volume);
    }
    lots.push(seedLots);
    impacts.push(seedImpacts);
  }
  const meanImpact = o.sizes.map((_, k) => mean(impacts.map((row) => row[k])));
  return {
    sizes: [...o.sizes],
    volumes,
    lots,
    impacts,
    meanImpact,
    exponent: logLogSlope(o.sizes, meanImpact),
    unfilled,
  };
}
