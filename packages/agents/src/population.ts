/**
 * buildPopulation: turns one PopulationSpec into agents. For each agent k of population p:
 *   rng_k = ctx.rng.split("population").split(p).split(k)
 * parameters are drawn from rng_k.split("params"), Poisson wake-up gaps from rng_k.split("wake"),
 * and the agent's decisions from rng_k itself, so adding a parameter or an agent never shifts
 * another agent's stream. Each agent gets its own account (label `${kind}[p].k`), funded with
 * venue.deposit, and is registered with loop.scheduler.
 */
import {
  type Activation,
  type Dist,
  deferredBody,
  distMean,
  memberPath,
  nearestName,
  type Rng,
  type RunLoop,
  rethrownBy,
  sample,
  ValidationError,
} from "@cascade/core";
import type { Venue } from "@cascade/market";
import {
  type Agent,
  Fundamentalist,
  LeveragedTrader,
  Liquidator,
  MarketMaker,
  MomentumTrader,
  NoiseTrader,
} from "./archetypes.js";
import type { Fundamentals } from "./fundamentals.js";
import {
  type ActivationSpec,
  type MarginTopUpSpec,
  type PopulationSpec,
  populationName,
  SCHEMA,
  validatePopulationSpec,
} from "./spec.js";
import { AgentView, marketTape } from "./tape.js";

export interface AgentContext {
  venue: Venue;
  loop: RunLoop;
  /** Root stream of the agents (e.g. runRng.split("agents")). */
  rng: Rng;
  /** Needed by fundamentalists (their private observations); optional otherwise. */
  fundamentals?: Fundamentals;
}

export interface BuiltPopulation {
  /** Account id of each agent, in agent order. */
  accounts: number[];
  /** The agent objects (for inspection in tests and notebooks; experiments should not reach into them). */
  agents: Agent[];
  /** Scheduler index of each agent. */
  schedulerIndices: number[];
  /** Each agent's AgentView, in agent order (its `ordersSent` counts the orders the agent sent). */
  views: AgentView[];
}

const ACTIVITY_MIN = 0.1;
const ACTIVITY_MAX = 10;

/** Opens, funds and schedules the agents of one population. */
export function buildPopulation(
  spec: PopulationSpec,
  ctx: AgentContext,
  populationIndex: number,
): BuiltPopulation {
  const path = memberPath("populations", String(populationIndex));
  validatePopulationSpec(path, spec);
  const { venue, loop } = ctx;
  const schema = SCHEMA[spec.kind];
  const tape = marketTape(venue, loop);
  const raw = spec as unknown as Record<string, unknown>;
  const symbols = spec.instruments ?? venue.instruments.map((x) => x.symbol);
  const instruments = symbols.map((s, k) => {
    try {
      return venue.instrumentId(s);
    } catch {
      throw new ValidationError(
        "UNKNOWN_INSTRUMENT",
        memberPath(`${path}.instruments`, String(k)),
        s,
        `one of ${venue.instruments.map((x) => JSON.stringify(x.symbol)).join(", ")}`,
        "invalid experiment",
      );
    }
  });
  if (spec.kind === "fundamentalist" && spec.count > 0 && !ctx.fundamentals) {
    throw new ValidationError(
      "MISSING_FUNDAMENTALS",
      `${path}.kind`,
      spec.kind,
      "a context with `fundamentals` (fundamentalists observe it)",
      "invalid experiment",
    );
  }
  const popRng = ctx.rng.split("population").split(populationIndex);
  const activation: ActivationSpec = spec.activation ?? schema.activation;

  // Leveraged traders: common target weights shared according to `crowding`.
  const n = venue.instruments.length;
  const common = new Float64Array(n);
  const commonSign = new Float64Array(n);
  if (spec.kind === "leveraged") {
    const cr = popRng.split("common");
    // The common legs' sign: short with the population's probability (a distribution's mean; its
    // per-agent draws set the own legs' signs). Reading only a constant here, a distribution
    // (even { uniform 0.5..0.5 }) left every common leg long: no shorts at all at crowding 1.
    const shortP = distMean(spec.shortProbability ?? 0);
    for (const j of instruments) {
      common[j] = cr.exponential(1);
      commonSign[j] = cr.uniform() < shortP ? -1 : 1;
    }
  }
  const liquidators: Array<{ agent: Liquidator; index: number }> = [];

  const accounts: number[] = [];
  const agents: Agent[] = [];
  const schedulerIndices: number[] = [];
  const views: AgentView[] = [];
  const build: PopulationBuild = {
    spec,
    ctx,
    populationIndex,
    schema,
    raw,
    tape,
    instruments,
    popRng,
    activation,
    common,
    commonSign,
    accounts,
    agents,
    schedulerIndices,
    views,
    liquidators,
    paramsGuard:
      spec.kind === "custom"
        ? paramsGuard(Object.keys(spec.params ?? {}), populationIndex, spec.name)
        : undefined,
  };
  for (let k = 0; k < spec.count; k++) addAgent(build, k);
  if (liquidators.length > 0) {
    const s = loop.scheduler;
    venue.auctions$.subscribe((e) => {
      if (e.type !== "opened") return;
      // Wake-ups only: the keepers act in the next agents phase, never inside this callback.
      for (const l of liquidators)
        if (l.agent.tradesInstrument(e.auction.instrument)) s.wake(l.index, e.tick + 1);
    });
  }
  return { accounts, agents, schedulerIndices, views };
}

/** The parameter schema of one agent kind. */
type KindSchema = (typeof SCHEMA)[keyof typeof SCHEMA];

/** What buildPopulation shares with addAgent and createAgent. */
interface PopulationBuild {
  spec: PopulationSpec;
  ctx: AgentContext;
  populationIndex: number;
  schema: KindSchema;
  raw: Record<string, unknown>;
  tape: ReturnType<typeof marketTape>;
  instruments: number[];
  popRng: Rng;
  activation: ActivationSpec;
  common: Float64Array;
  commonSign: Float64Array;
  accounts: number[];
  agents: Agent[];
  schedulerIndices: number[];
  views: AgentView[];
  liquidators: Array<{ agent: Liquidator; index: number }>;
  /** A custom population's: the prototype of its agents' params (paramsGuard). */
  paramsGuard?: ParamsGuard;
}

/**
 * Opens, funds, creates and schedules agent k of a population. The per-agent steps live in their
 * own small functions (addAgent, drawParameters, createAgent) rather than in buildPopulation's
 * loop: V8 compiled that loop with everything in it as one unit, about 70 ms per compile, and
 * recompiled it as each population brought another kind (about 0.2 s per worker thread, spent
 * on the critical path of a parallel sweep).
 */
function addAgent(b: PopulationBuild, k: number): void {
  const { spec, ctx, tape, instruments, activation } = b;
  const { venue, loop } = ctx;
  const rng = b.popRng.split(k);
  const pr = rng.split("params");
  const { draw, perOrder } = drawParameters(b.schema, b.raw, pr);
  const account = venue.openAccount(agentLabel(populationName(spec), b.populationIndex, k));
  const capital = Math.max(1, Math.round(draw.capital));
  venue.deposit(account, capital);
  b.accounts.push(account);
  const view = new AgentView(venue, tape, account, rng);
  b.views.push(view);
  const instrument = instruments[k % instruments.length];
  const agent = createAgent(b, view, instrument, draw, perOrder, pr, k);
  b.agents.push(agent);
  const acting = spec.kind === "custom" ? reportingFailures(agent, spec.name, b.populationIndex, k) : agent;
  const index = register(loop, acting, activation, pr, rng.split("wake"), draw.activityFeedback ?? 0, () =>
    tape.volatilityRatio(instrument),
  );
  b.schedulerIndices.push(index);
  if (agent instanceof Liquidator) {
    const s = loop.scheduler;
    agent.wakeNext = (tick) => s.wake(index, tick + 1);
    b.liquidators.push({ agent, index });
  } else if (activation === "onEvent") {
    // A leveraged trader holds every instrument of its list: a trade in any of them may move its
    // target (it watched instruments[k % n] alone, blind to a crash in the others).
    if (spec.kind === "leveraged") for (const j of instruments) tape.watchTrades(j, index);
    else tape.watchTrades(instrument, index);
  }
}

/** An agent's parameters: drawn from pr in the schema's order; per-order distributions kept as they are. */
function drawParameters(
  schema: KindSchema,
  raw: Record<string, unknown>,
  pr: Rng,
): { draw: Record<string, number>; perOrder: Record<string, Dist> } {
  const draw: Record<string, number> = {};
  const perOrder: Record<string, Dist> = {};
  for (const [name, rule] of Object.entries(schema.dists)) {
    const d = (raw[name] ?? rule.def) as Dist;
    if (rule.perOrder) perOrder[name] = d;
    else draw[name] = rule.integer ? Math.round(sample(d, pr)) : sample(d, pr);
  }
  return { draw, perOrder };
}

/**
 * A custom population's own parameters: drawn from pr after the schema's (capital), in key order,
 * into an object whose prototype is the population's guard (paramsGuard).
 */
function drawCustomParameters(
  params: Record<string, Dist> | undefined,
  guard: ParamsGuard,
  pr: Rng,
): Record<string, number> {
  const out = Object.create(guard.proto) as Record<string, number>;
  if (params) for (const name of Object.keys(params)) out[name] = sample(params[name], pr);
  return out;
}

/** Names a read of params may use beyond its own keys and Object.prototype's: what JSON.stringify and await look for. */
const PARAMS_READS_ALLOWED = new Set(["toJSON", "then"]);

/** The prototype of a custom population's drawn params, and whether its agents are being created. */
interface ParamsGuard {
  proto: object;
  inCreate: boolean;
}

/**
 * A read of a name the params lack (params.treshold, or params.threshold when the spec says
 * treshold) would be undefined in every run: it goes up to this prototype, which throws, naming
 * the population, where it was read (create: validation's scratch build reports it; act: the run
 * fails at that read) and the nearest name. Reads of the agent's own params stop at the object
 * itself: act pays nothing for the check.
 */
function paramsGuard(names: readonly string[], populationIndex: number, population: string): ParamsGuard {
  const guard: ParamsGuard = { proto: Object.prototype, inCreate: false };
  guard.proto = new Proxy(Object.prototype, {
    get(target, key, receiver) {
      if (typeof key === "string" && !(key in target) && !PARAMS_READS_ALLOWED.has(key)) {
        const where = guard.inCreate ? "create" : "act";
        const near = nearestName(key, names);
        const read = memberPath("params", key);
        throw new ValidationError(
          "UNKNOWN_PARAM",
          memberPath(memberPath("populations", String(populationIndex)), where),
          read,
          `reads of its own params only (${names.length > 0 ? names.join(", ") : "it has none"}): ${where} of population "${population}" read ${read}, which would be undefined in every run${near === undefined ? "" : `; did you mean params.${near}?`}`,
          "invalid experiment",
        );
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return guard;
}

/**
 * A custom agent's failure names the agent and the tick (thrownBy): a run failure shows only the
 * message, and a population has many agents. Passed through: a NotAnError, which already names its
 * thrower (a venue stream's observer that the agent's order set off), and a ValidationError, which
 * names the population's field at fault (a param the code reads and the population lacks).
 */
function reportingFailures(agent: Agent, name: string, population: number, k: number): Agent {
  const where = (tick: number) =>
    `custom agent failed: ${memberPath("populations", String(population))} ("${name}") agent ${k}'s act at tick ${tick}`;
  return {
    act(tick: number) {
      let returned: unknown;
      try {
        returned = agent.act(tick);
      } catch (e) {
        throw rethrownBy(where(tick), e);
      }
      // An act that returns a Promise (not async itself: createCustomAgent refuses those) would run
      // its code after its tick, and what it throws would be a rejection no run sees.
      if (typeof (returned as { then?: unknown } | null | undefined)?.then === "function") {
        Promise.resolve(returned).catch(() => {}); // reported here, not as an unhandled rejection
        throw new ValidationError(
          "INVALID_AGENT",
          memberPath(memberPath("populations", String(population)), "create"),
          "an agent whose act returned a Promise",
          "an act(tick) that returns nothing: make it synchronous, its orders are sent within the tick",
          where(tick),
        );
      }
    },
  };
}

/** Agent k of a custom population: the user's `create`, its result checked (it must have an act function). */
function createCustomAgent(
  b: PopulationBuild,
  view: AgentView,
  instrument: number,
  params: Record<string, number>,
  k: number,
): Agent {
  const spec = b.spec as Extract<PopulationSpec, { kind: "custom" }>;
  const path = memberPath(memberPath("populations", String(b.populationIndex)), "create");
  const allowed = "a function returning an Agent, an object with an act(tick) function";
  let agent: unknown;
  const guard = b.paramsGuard as ParamsGuard;
  guard.inCreate = true;
  try {
    agent = spec.create(view, { instrument, params, index: k, population: b.populationIndex });
  } catch (e) {
    if (e instanceof ValidationError && e.code === "UNKNOWN_PARAM") throw e;
    const err = new ValidationError(
      "AGENT_CREATE_FAILED",
      path,
      e instanceof Error ? `${e.name}: ${e.message}` : e,
      `${allowed} (it threw for agent ${k} of population "${spec.name}")`,
      "invalid experiment",
    );
    (err as { cause?: unknown }).cause = e;
    throw err;
  } finally {
    guard.inCreate = false;
  }
  if (typeof (agent as { act?: unknown } | null)?.act !== "function") {
    throw new ValidationError(
      "INVALID_AGENT",
      path,
      agent,
      `${allowed} (create returned the value shown for agent ${k} of population "${spec.name}")`,
      "invalid experiment",
    );
  }
  // What an async act throws becomes a rejected Promise no run sees, and a generator act runs none
  // of its body: refused, as such a create is.
  const deferred = deferredBody((agent as Agent).act);
  if (deferred !== null) {
    throw new ValidationError(
      "INVALID_AGENT",
      path,
      agent,
      `${allowed} (create returned an act that is ${deferred} for agent ${k} of population "${spec.name}": make act synchronous, its orders are sent within the tick)`,
      "invalid experiment",
    );
  }
  return agent as Agent;
}

/** The agent object of a population's kind, with its drawn parameters. */
function createAgent(
  b: PopulationBuild,
  view: AgentView,
  instrument: number,
  draw: Record<string, number>,
  perOrder: Record<string, Dist>,
  pr: Rng,
  k: number,
): Agent {
  const { spec, ctx, instruments, common, commonSign } = b;
  const n = common.length;
  switch (spec.kind) {
    case "noise":
      return new NoiseTrader(view, instrument, {
        limitWeight: draw.limitWeight,
        marketWeight: draw.marketWeight,
        cancelWeight: draw.cancelWeight,
        orderSize: perOrder.orderSize,
        priceOffset: perOrder.priceOffset,
        maxSlippage: draw.maxSlippage,
        maxOpenOrders: draw.maxOpenOrders,
      });
    case "fundamentalist": {
      const f = ctx.fundamentals as Fundamentals;
      return new Fundamentalist(
        view,
        instrument,
        {
          bias: draw.bias,
          observationNoise: draw.observationNoise,
          threshold: draw.threshold,
          orderSize: perOrder.orderSize,
          aggression: draw.aggression,
          priceOffset: perOrder.priceOffset,
          cancelOnWake: draw.cancelOnWake >= 0.5,
        },
        (i) => f.value(i),
      );
    }
    case "momentum": {
      return new MomentumTrader(view, instrument, {
        shortWindow: draw.shortWindow,
        longWindow: draw.longWindow,
        threshold: draw.threshold,
        orderSize: perOrder.orderSize,
        aggression: draw.aggression,
        maxSlippage: draw.maxSlippage,
      });
    }
    case "leveraged": {
      const crowding = spec.crowding ?? 0.5;
      const w = new Float64Array(n);
      let sum = 0;
      for (const j of instruments) {
        const own = pr.exponential(1);
        const sign = pr.uniform() < crowding ? commonSign[j] : pr.uniform() < draw.shortProbability ? -1 : 1;
        w[j] = sign * (crowding * common[j] + (1 - crowding) * own);
        sum += Math.abs(w[j]);
      }
      for (let j = 0; j < n; j++) w[j] = sum > 0 ? w[j] / sum : 0;
      return new LeveragedTrader(view, {
        leverage: draw.leverage,
        weights: w,
        rebalanceThreshold: draw.rebalanceThreshold,
        maxSlippage: draw.maxSlippage,
        dipBuying: draw.dipBuying,
        dipThreshold: draw.dipThreshold,
        dipSize: draw.dipSize,
        maxOrderLots: draw.maxOrderLots,
        topUp:
          spec.marginTopUp === undefined
            ? undefined
            : drawTopUp(
                spec.marginTopUp,
                view.rng.split("marginTopUp"),
                Math.max(1, Math.round(draw.capital)),
              ),
      });
    }
    case "marketMaker":
      return new MarketMaker(view, instrument, {
        levels: draw.levels,
        levelSpacing: draw.levelSpacing,
        levelSize: draw.levelSize,
        gamma: draw.gamma,
        kappa: draw.kappa,
        horizon: draw.horizon,
        minHalfSpread: draw.minHalfSpread,
        volatilityWidening: draw.volatilityWidening,
        maxInventory: draw.maxInventory,
        withdrawVolatility: draw.withdrawVolatility,
        withdrawMove: draw.withdrawMove,
        withdrawTicks: Math.round(draw.withdrawTicks),
      });
    case "custom":
      return createCustomAgent(
        b,
        view,
        instrument,
        drawCustomParameters(spec.params, b.paramsGuard as ParamsGuard, pr),
        k,
      );
    case "liquidator":
      return new Liquidator(view, {
        discount: draw.discount,
        maxLeverage: draw.maxLeverage,
        bookDiscount: draw.bookDiscount,
        unwindFraction: draw.unwindFraction,
        reference: spec.reference ?? "oracle",
        instruments,
      });
  }
}

/**
 * A leveraged trader's margin top-up, drawn from its own "marginTopUp" stream (so a population
 * without one draws exactly what it did): the reserve in whole cash units, from `reserve` or
 * `reserveOfCapital` times the capital deposited.
 */
function drawTopUp(
  t: MarginTopUpSpec,
  r: Rng,
  capital: number,
): { below: number; to: number; reserve: number } {
  const below = sample(t.below, r);
  const to = sample(t.to, r);
  const reserve =
    t.reserve !== undefined ? sample(t.reserve, r) : sample(t.reserveOfCapital as Dist, r) * capital;
  return { below, to, reserve: Math.max(0, Math.round(reserve)) };
}

/** The venue label of agent k of population p: "<kind>[p].k", e.g. "leveraged[4].19" (a custom population: its name). */
export function agentLabel(kind: string, population: number, k: number): string {
  return `${kind}[${population}].${k}`;
}

/** The population kind an account label names ("leveraged" for "leveraged[4].19"), or undefined. */
export function labelKind(label: string): string | undefined {
  return /^([A-Za-z]+)\[\d+\]\.\d+$/.exec(label)?.[1];
}

/** Builds several populations (population i gets index i). */
export function buildPopulations(specs: readonly PopulationSpec[], ctx: AgentContext): BuiltPopulation[] {
  return specs.map((s, i) => buildPopulation(s, ctx, i));
}

function register(
  loop: RunLoop,
  agent: Agent,
  a: ActivationSpec,
  pr: Rng,
  wakeRng: Rng,
  feedback: number,
  volRatio: () => number,
): number {
  const s = loop.scheduler;
  const now = loop.now;
  const handler = (t: number) => agent.act(t);
  if (a === "onEvent") return s.add(handler, { kind: "event" }, now);
  if ("every" in a) {
    const period = Math.max(1, Math.round(sample(a.every, pr)));
    const offset = a.offset === undefined ? pr.int(period) : Math.round(sample(a.offset, pr));
    return s.add(handler, { kind: "every", period, offset } satisfies Activation, now);
  }
  if ("once" in a) return s.add(handler, { kind: "once", at: Math.round(sample(a.once, pr)) }, now);
  const rate = sample(a.poissonRate, pr);
  if (!(feedback > 0)) return s.add(handler, { kind: "poisson", rate }, now, wakeRng);
  // Volatility-dependent activity: the agent reschedules itself with a gap drawn at
  // rate * clamp(volatilityRatio^feedback, 0.1, 10) (a Poisson stream whose rate follows the market).
  let index = -1;
  const selfScheduled = (t: number) => {
    agent.act(t);
    let m = volRatio() ** feedback;
    m = m < ACTIVITY_MIN ? ACTIVITY_MIN : Math.min(m, ACTIVITY_MAX);
    s.wake(index, t + wakeRng.arrivalGap(rate * m));
  };
  index = s.add(selfScheduled, { kind: "event" }, now);
  s.wake(index, now + wakeRng.arrivalGap(rate));
  return index;
}
