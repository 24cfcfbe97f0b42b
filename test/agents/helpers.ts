import {
  type AgentContext,
  buildPopulations,
  type FundamentalSpec,
  Fundamentals,
  type MarketMaker,
  marketMakers,
  type PopulationSpec,
} from "@cascade/agents";
import { Rng, RunLoop } from "@cascade/core";
import { BUY, connectVenue, type InstrumentSpec, SELL, Venue, type VenueConfig } from "@cascade/market";

export interface MarketOptions {
  seed?: number;
  instruments?: InstrumentSpec[];
  fundamentals?: FundamentalSpec;
  mark?: VenueConfig["mark"];
  populations?: PopulationSpec[];
}

/** A venue + loop + fundamentals + agents, wired the way the experiment runner does it. */
export function makeMarket(o: MarketOptions = {}) {
  const root = Rng.fromSeed(o.seed ?? 1);
  const loop = new RunLoop({ rng: root.split("loop") });
  const venue = new Venue({
    instruments: o.instruments ?? [{ symbol: "X", initialPrice: 100_000 }],
    mark: o.mark,
  });
  connectVenue(loop, venue);
  const fundamentals = new Fundamentals({
    venue,
    loop,
    spec: o.fundamentals ?? { kind: "meanReverting", volatility: 0, meanReversion: 0 },
    rng: root.split("fundamentals"),
  });
  const ctx: AgentContext = { venue, loop, rng: root.split("agents"), fundamentals };
  const built = buildPopulations(o.populations ?? [], ctx);
  return { loop, venue, fundamentals, ctx, built, root };
}

/** Runs `ticks` ticks sampling the mid (and spread) every `every` ticks after `warmup`. */
export function runSampled(
  m: ReturnType<typeof makeMarket>,
  ticks: number,
  every: number,
  warmup = 0,
  instrument = 0,
) {
  const mids: number[] = [];
  const spreads: number[] = [];
  const book = m.venue.book(instrument);
  m.loop.on("metrics", (t) => {
    if (t > warmup && t % every === 0) {
      const b = book.bestBid();
      const a = book.bestAsk();
      mids.push(b > 0 && a > 0 ? (a + b) / 2 : Number.NaN);
      spreads.push(b > 0 && a > 0 ? a - b : Number.NaN);
    }
  });
  m.loop.run(ticks);
  return { mids, spreads };
}

/**
 * One market maker quoting 8 levels a side (woken only by hand) beside a resting bid at 99,000 and
 * ask at 101,000, after 10 ticks: `mm.act(tick)` is one requote (cancel all, 16 limit orders).
 */
export function quotingMaker() {
  const m = makeMarket({
    populations: [
      marketMakers({
        count: 1,
        activation: { once: 1e12 },
        levels: 8,
        capital: 1e10,
        withdrawMove: 1e9,
        withdrawVolatility: 1e9,
      }),
    ],
  });
  const lp = m.venue.openAccount("lp");
  m.venue.deposit(lp, 1e13);
  m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 99_000 });
  m.venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 50, type: "limit", price: 101_000 });
  for (let t = 0; t < 10; t++) m.loop.step();
  return { m, mm: m.built[0].agents[0] as MarketMaker, account: m.built[0].accounts[0] };
}
