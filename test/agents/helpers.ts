import {
  type AgentContext,
  buildPopulations,
  type FundamentalSpec,
  Fundamentals,
  type PopulationSpec,
} from "@cascade/agents";
import { Rng, RunLoop } from "@cascade/core";
import { connectVenue, type InstrumentSpec, Venue, type VenueConfig } from "@cascade/market";

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
