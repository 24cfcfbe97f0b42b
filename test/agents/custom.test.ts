/**
 * customAgents: user-written agents as a population kind (labels, capital, activation, params
 * drawn from the agent's own stream, validation of every field, create's result checked).
 */
import {
  agentLabel,
  buildPopulation,
  customAgents,
  labelKind,
  leveragedTraders,
  noiseTraders,
  type PopulationSpec,
  validatePopulationSpec,
} from "@cascade/agents";
import { Rng, sample, ValidationError } from "@cascade/core";
import { BUY } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

function err(f: () => unknown): ValidationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

const idle = () => ({ act() {} });

const base = {
  name: "dipBuyer",
  count: 3,
  capital: 5000,
  activation: { every: 10, offset: 0 },
  create: idle,
};

describe("customAgents: building", () => {
  it("opens count accounts labelled <name>[p].k, funds them and wakes them by their activation", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "X", initialPrice: 1000 },
        { symbol: "Y", initialPrice: 500 },
      ],
    });
    const acts: number[][] = [[], [], [], []];
    const seen: Array<{ instrument: number; index: number; population: number }> = [];
    const pop = buildPopulation(
      customAgents({
        ...base,
        count: 4,
        capital: { dist: "uniformInt", min: 1000, max: 2000 },
        create: (_view, { instrument, index, population }) => {
          seen.push({ instrument, index, population });
          return { act: (t) => acts[index].push(t) };
        },
      }),
      m.ctx,
      2,
    );
    expect(pop.accounts).toHaveLength(4);
    expect(pop.agents).toHaveLength(4);
    expect(pop.accounts.map((a) => m.venue.label(a))).toEqual([0, 1, 2, 3].map((k) => `dipBuyer[2].${k}`));
    expect(pop.accounts.map((a) => labelKind(m.venue.label(a)))).toEqual(Array(4).fill("dipBuyer"));
    expect(agentLabel("dipBuyer", 2, 3)).toBe("dipBuyer[2].3");
    for (const a of pop.accounts) {
      const c = m.venue.cash(a);
      expect(Number.isInteger(c) && c >= 1000 && c <= 2000).toBe(true);
    }
    // default instruments: every instrument of the venue, agent k gets k % n
    expect(seen).toEqual([0, 1, 2, 3].map((k) => ({ instrument: k % 2, index: k, population: 2 })));
    m.loop.run(100);
    for (const a of acts) expect(a).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
  });

  it("act reading a param its population lacks (misspelt in params or in the code) throws at that read, naming it and the nearest param", () => {
    const m = makeMarket();
    const seen: unknown[] = [];
    buildPopulation(
      customAgents({
        ...base,
        count: 1,
        params: { treshold: 0.02, size: 3 },
        create: (_v, { params }) => ({
          act() {
            // its own params, and what JSON, `in` and Object.prototype give, read as on a plain object
            seen.push(
              params.size,
              JSON.stringify(params),
              "size" in params,
              "x" in params,
              Object.hasOwn(params, "size"),
            );
            seen.push(params.threshold);
          },
        }),
      }),
      m.ctx,
      2,
    );
    const e = err(() => m.loop.run(20));
    expect([e.code, e.field, e.value]).toEqual(["UNKNOWN_PARAM", "populations.2.act", "params.threshold"]);
    expect(e.message).toContain(
      'reads of its own params only (treshold, size): act of population "dipBuyer" read params.threshold, which would be undefined in every run; did you mean params.treshold?',
    );
    expect(seen).toEqual([3, '{"treshold":0.02,"size":3}', true, false, true]);
    // no near name: no guess
    const m2 = makeMarket();
    buildPopulation(
      customAgents({
        ...base,
        count: 1,
        params: { size: 3 },
        create: (_v, { params }) => ({ act: () => params.tilt }),
      }),
      m2.ctx,
      0,
    );
    const e2 = err(() => m2.loop.run(20));
    expect(e2.message).toMatch(/read params\.tilt, which would be undefined in every run$/);
  });

  it("instruments are assigned round-robin from the list; capital is rounded to an integer >= 1", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "X", initialPrice: 1000 },
        { symbol: "Y", initialPrice: 500 },
      ],
    });
    const got: number[] = [];
    const pop = buildPopulation(
      customAgents({
        ...base,
        capital: 1234.6,
        instruments: ["Y"],
        create: (_v, { instrument }) => {
          got.push(instrument);
          return { act() {} };
        },
      }),
      m.ctx,
      0,
    );
    expect(got).toEqual([1, 1, 1]);
    expect(pop.accounts.map((a) => m.venue.cash(a))).toEqual([1235, 1235, 1235]);
  });

  it('"onEvent" wakes an agent after trades in its instrument, like the shipped kinds', () => {
    const m = makeMarket({ populations: [noiseTraders({ count: 30, activation: { poissonRate: 0.2 } })] });
    const ticks: number[] = [];
    buildPopulation(
      customAgents({
        ...base,
        count: 1,
        activation: "onEvent",
        create: () => ({ act: (t) => ticks.push(t) }),
      }),
      m.ctx,
      1,
    );
    m.loop.run(300);
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks).size).toBe(ticks.length); // at most once a tick
  });

  it("draws params per agent from its own params stream in key order (after capital); view.rng is its own stream", () => {
    const params = { threshold: { dist: "uniform", min: 0.01, max: 0.03 } as const, size: 3 };
    const capital = { dist: "uniform", min: 1000, max: 9000 } as const;
    const run = () => {
      const m = makeMarket({ seed: 5 });
      const drawn: Array<Record<string, number>> = [];
      const first: number[] = [];
      buildPopulation(
        customAgents({
          ...base,
          count: 5,
          capital,
          params,
          create: (view, { params: p }) => {
            drawn.push(p);
            first.push(view.rng.uniform());
            return { act() {} };
          },
        }),
        m.ctx,
        1,
      );
      return { drawn, first, m };
    };
    const a = run();
    const b = run();
    expect(b.drawn).toEqual(a.drawn);
    expect(b.first).toEqual(a.first);
    expect(new Set(a.drawn.map((p) => p.threshold)).size).toBe(5);
    const agents = Rng.fromSeed(5).split("agents").split("population").split(1);
    a.drawn.forEach((p, k) => {
      const pr = agents.split(k).split("params");
      sample(capital, pr);
      expect(p).toEqual({ threshold: sample(params.threshold, pr), size: 3 });
      expect(Object.keys(p)).toEqual(["threshold", "size"]);
      expect(a.first[k]).toBe(agents.split(k).uniform());
    });
  });

  it("an appended custom population shifts no other population's draws", () => {
    const pops: PopulationSpec[] = [
      noiseTraders({ count: 5, capital: { dist: "uniformInt", min: 1, max: 1e9 } }),
      leveragedTraders({ count: 5, leverage: 3, capital: { dist: "uniformInt", min: 1, max: 1e9 } }),
    ];
    const a = makeMarket({ populations: pops });
    const b = makeMarket({ populations: [...pops, customAgents({ ...base, count: 7 })] });
    for (const p of [0, 1]) {
      expect(b.built[p].accounts.map((x) => b.venue.cash(x))).toEqual(
        a.built[p].accounts.map((x) => a.venue.cash(x)),
      );
    }
  });

  it("a custom agent trades through its view from its own account", () => {
    const m = makeMarket({ populations: [noiseTraders({ count: 30, activation: { poissonRate: 0.2 } })] });
    let filled = 0;
    const pop = buildPopulation(
      customAgents({
        ...base,
        count: 1,
        capital: 1e7,
        activation: { every: 5 },
        create: (view, { instrument }) => ({
          act() {
            const ask = view.bestAsk(instrument);
            if (ask > 0) filled += view.ioc(instrument, BUY, 1, ask);
          },
        }),
      }),
      m.ctx,
      1,
    );
    m.loop.run(200);
    expect(filled).toBeGreaterThan(0);
    expect(m.venue.position(pop.accounts[0], 0)).toBe(filled);
  });
});

describe("customAgents: validation", () => {
  const v = (o: Record<string, unknown>) =>
    err(() => validatePopulationSpec("populations.3", { kind: "custom", ...base, ...o }));

  it("accepts the builder's output", () => {
    expect(
      validatePopulationSpec(
        "p",
        customAgents({ ...base, params: { a: 1, b: { dist: "normal", mean: 0, sd: 1 } } }),
      ).kind,
    ).toBe("custom");
  });

  it("name: letters only, not a shipped kind", () => {
    let e = v({ name: "dip-buyer" });
    expect(e.field).toBe("populations.3.name");
    expect(e.message).toContain('populations.3.name = "dip-buyer"; allowed: a kind name of letters only');
    e = v({ name: undefined });
    expect(e.field).toBe("populations.3.name");
    for (const name of ["leveraged", "Noise", "marketMaker", "custom", "shock"]) {
      e = v({ name });
      expect(e.field).toBe("populations.3.name");
      expect(e.message).toContain("not a shipped kind or reserved label");
    }
  });

  it("count, capital, activation, instruments, params, unknown keys", () => {
    let e = v({ count: 1.5 });
    expect(e.message).toContain("populations.3.count = 1.5; allowed: an integer >= 0");
    e = v({ capital: undefined });
    expect(e.field).toBe("populations.3.capital");
    expect(e.message).toContain('required for kind "custom"');
    e = v({ capital: 0 });
    expect(e.message).toContain("populations.3.capital = 0; allowed: a finite number in [1,");
    // an unbounded param's rule does not print infinite bounds
    e = v({ params: { size: Number.NaN } });
    expect(e.message).toContain("populations.3.params.size = NaN; allowed: a finite number");
    expect(e.message).not.toContain("Infinity");
    e = v({ activation: undefined });
    expect(e.field).toBe("populations.3.activation");
    expect(e.message).toContain('required for kind "custom"');
    e = v({ activation: { poissonRate: 0 } });
    expect(e.field).toBe("populations.3.activation.poissonRate");
    e = v({ activation: { every: 5, phase: 1 } });
    expect(e.field).toBe("populations.3.activation.phase");
    e = v({ instruments: [] });
    expect(e.message).toContain("populations.3.instruments = []; allowed: a non-empty array");
    e = v({ params: [1, 2] });
    expect(e.message).toContain("populations.3.params = [1,2]; allowed: an object { name: number or Dist }");
    e = v({ params: { threshold: "0.1" } });
    expect(e.field).toBe("populations.3.params.threshold");
    expect(e.message).toContain(
      'populations.3.params.threshold = "0.1"; allowed: a finite number or a distribution',
    );
    e = v({ params: { threshold: { dist: "uniform", min: 1, max: Number.POSITIVE_INFINITY } } });
    expect(e.field).toBe("populations.3.params.threshold.max");
    // a range Rng.int cannot draw from uniformly is refused here, not by every run's build
    e = v({ params: { seed: { dist: "uniformInt", min: 0, max: 1e17 } } });
    expect(e.field).toBe("populations.3.params.seed.max");
    expect(e.message).toContain("allowed: an integer with max - min + 1 <= 9007199254740991 (min = 0)");
    e = v({ params: { threshold: { dist: "gamma" } } });
    expect(e.field).toBe("populations.3.params.threshold.dist");
    e = v({ params: { "a.b": 1 } });
    // bracketed: "a.b" is one key, not a path (params.a.b would name b inside a)
    expect(e.field).toBe('populations.3.params["a.b"]');
    expect(e.message).toContain("a parameter name of letters, digits and _");
    // an own "__proto__" key (JSON.parse, a computed key) would set the drawn params' prototype
    e = v({ params: JSON.parse('{"__proto__": 3}') });
    expect(e.field).toBe("populations.3.params.__proto__");
    e = v({ leverage: 3 });
    expect(e.field).toBe("populations.3.leverage");
    expect(e.message).toContain(
      "allowed: one of kind, count, activation, instruments, name, params, create, capital",
    );
  });

  it("create: a synchronous function", () => {
    let e = v({ create: undefined });
    expect(e.message).toContain("populations.3.create = undefined; allowed: a function (view,");
    e = v({ create: { act() {} } });
    expect(e.field).toBe("populations.3.create");
    e = v({ create: async () => ({ act() {} }) });
    expect(e.message).toContain("not async");
    e = v({
      *create() {
        yield { act() {} };
      },
    });
    expect(e.message).toContain("(not a generator: an iterator has no act)");
  });

  it("create throwing or returning something without act: error names the path, the agent and the value", () => {
    const m = makeMarket();
    const build = (create: unknown) =>
      err(() => buildPopulation({ kind: "custom", ...base, create } as PopulationSpec, m.ctx, 2));
    let e = build((_v: unknown, { index }: { index: number }) => {
      if (index === 1) throw new Error("boom");
      return { act() {} };
    });
    expect(e.code).toBe("AGENT_CREATE_FAILED");
    expect(e.field).toBe("populations.2.create");
    expect(e.message).toContain('populations.2.create = "Error: boom"');
    expect(e.message).toContain('it threw for agent 1 of population "dipBuyer"');
    expect((e as { cause?: unknown }).cause).toBeInstanceOf(Error);
    e = build(() => ({ run() {} }));
    expect(e.code).toBe("INVALID_AGENT");
    expect(e.message).toContain("populations.2.create = {}; allowed: a function returning an Agent");
    expect(e.message).toContain('for agent 0 of population "dipBuyer"');
    e = build(() => undefined);
    expect(e.message).toContain("populations.2.create = undefined");
    e = build(() => ({ act: 3 }));
    expect(e.message).toContain('populations.2.create = {"act":3}');
    e = build(() => Promise.resolve({ act() {} }));
    expect(e.message).toContain("populations.2.create = a Promise");
    // an async act: what it throws would become a rejected Promise the run never sees (with
    // workers the run went on and wrote its results; in-process Node died with a raw stack)
    e = build(() => ({ async act() {} }));
    expect(e.code).toBe("INVALID_AGENT");
    expect(e.message).toBe(
      'invalid experiment: populations.2.create = {}; allowed: a function returning an Agent, an object with an act(tick) function (create returned an act that is async for agent 0 of population "dipBuyer": make act synchronous, its orders are sent within the tick)',
    );
    // a generator act: calling it runs none of its body (no order, no error), every tick
    e = build(() => ({
      *act() {
        yield;
      },
    }));
    expect(e.code).toBe("INVALID_AGENT");
    expect(e.message).toContain(
      'create returned an act that is a generator for agent 0 of population "dipBuyer": make act synchronous',
    );
  });
});
