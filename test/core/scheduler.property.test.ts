/**
 * The activation scheduler against a naive reference that scans every agent every tick: the same
 * agents act in the same ticks, and the Poisson agents' streams (relocated into the scheduler and
 * drawn inline) give exactly the draws a twin stream gives through Rng.arrivalGap.
 */
import { ActivationScheduler, CascadeError, Rng } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// Internal to core (not in its index): lets a test hold a stream elsewhere, forcing the plain path.
import { relocateStream } from "../../packages/core/src/rng.js";

// (Typed through the package's built declarations here, hence the cast to the source's Rng.)
const holdElsewhere = (r: unknown) =>
  relocateStream(r as Parameters<typeof relocateStream>[0], new Int32Array(4), 0, {});

type Spec =
  | { kind: "every"; period: number; offset: number }
  | { kind: "poisson"; rate: number; shared: boolean }
  | { kind: "once"; at: number }
  | { kind: "event" };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    kind: fc.constant("every" as const),
    // Long periods make sparse period groups (a phase-sorted list instead of a slot per phase).
    period: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 100, max: 300 })),
    offset: fc.integer({ min: -50, max: 50 }),
  }),
  fc.record({
    kind: fc.constant("poisson" as const),
    rate: fc.double({ min: 0.02, max: 2, noNaN: true }),
    shared: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("once" as const), at: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant("event" as const) }),
);

interface Model {
  first: number;
  nextDue: number;
  lastRun: number;
}

/** Runs ticks 1..ticks; agents in `late` are added after tick `addAt`. Returns per-tick sorted acts and each agent's draws. */
function simulate(
  specs: Spec[],
  late: Spec[],
  addAt: number,
  ticks: number,
  seed: number,
  reference: boolean,
) {
  const root = Rng.fromSeed(seed);
  const sharedRng = root.split("shared");
  const all = [...specs, ...late];
  const rngs = all.map((sp, i) => (sp.kind === "poisson" && sp.shared ? sharedRng : root.split(i)));
  const draws: number[][] = all.map(() => []);
  const acts: number[][] = [];
  let current: number[] = [];
  // Some every-k agents wake another agent registered from the start (Poisson ones too: the earlier
  // of the wake-up and the agent's next arrival holds, whatever the order within the tick).
  const wakeTargets = all.map((sp, i) => {
    const target = (i * 7 + 1) % specs.length;
    return sp.kind === "every" && i % 3 === 0 ? target : -1;
  });
  // The scheduler under test.
  const s = new ActivationScheduler(root.split("order"), 16);
  // The reference: due sets by scanning every agent.
  const m: Model[] = [];
  const wake = (i: number, tick: number, now: number) => {
    if (reference) {
      const t = tick <= now ? now + 1 : tick;
      if (m[i].nextDue < 0 || m[i].nextDue > t) m[i].nextDue = t;
    } else s.wake(i, tick);
  };
  const act = (i: number, tick: number) => {
    current.push(i);
    if (all[i].kind === "poisson") draws[i].push(rngs[i].uniform()); // the agent's own draw, after the gap
    if (wakeTargets[i] >= 0) wake(wakeTargets[i], tick + (i % 4), tick);
  };
  const add = (i: number, now: number) => {
    const sp = all[i];
    if (!reference) {
      const a =
        sp.kind === "every"
          ? { kind: sp.kind, period: sp.period, offset: sp.offset }
          : sp.kind === "poisson"
            ? { kind: sp.kind, rate: sp.rate }
            : sp;
      expect(s.add((t) => act(i, t), a, now, sp.kind === "poisson" ? rngs[i] : undefined)).toBe(i);
      return;
    }
    const e: Model = { first: -1, nextDue: -1, lastRun: -1 };
    if (sp.kind === "every") e.first = now + 1 + (((sp.offset % sp.period) + sp.period) % sp.period);
    if (sp.kind === "poisson") e.nextDue = now + rngs[i].arrivalGap(sp.rate);
    if (sp.kind === "once" && sp.at > now) e.nextDue = sp.at;
    m.push(e);
  };
  for (let i = 0; i < specs.length; i++) add(i, 0);
  for (let t = 1; t <= ticks; t++) {
    current = [];
    if (reference) {
      const due: number[] = [];
      for (let i = 0; i < m.length; i++) {
        const sp = all[i];
        const periodic = sp.kind === "every" && t >= m[i].first && (t - m[i].first) % sp.period === 0;
        if (periodic || m[i].nextDue === t) due.push(i);
      }
      // Taken off the calendar, and Poisson agents' next arrivals drawn, before anyone acts; a
      // wake-up during the tick moves a pending one earlier. (The scheduler draws each arrival when
      // the agent acts and keeps an earlier wake-up: the same ticks and the same draws.)
      for (const i of due) if (m[i].nextDue === t) m[i].nextDue = -1;
      for (const i of due) {
        const sp = all[i];
        if (sp.kind === "poisson") m[i].nextDue = t + rngs[i].arrivalGap(sp.rate);
      }
      for (const i of due) act(i, t);
    } else {
      s.runDue(t);
    }
    acts.push(current.sort((a, b) => a - b));
    if (t === addAt) for (let i = specs.length; i < all.length; i++) add(i, t);
  }
  return { acts, draws };
}

describe("ActivationScheduler against a naive reference", () => {
  it("wakes the same agents in the same ticks, and Poisson streams draw exactly as Rng.arrivalGap", () => {
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 90 }),
        fc.array(spec, { maxLength: 30 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        (specs, late, addAt, seed) => {
          // Agents sharing one stream draw in shuffle order, which the reference does not model.
          const shared = [...specs, ...late].filter((sp) => sp.kind === "poisson" && sp.shared).length;
          if (shared > 1) for (const sp of [...specs, ...late]) if (sp.kind === "poisson") sp.shared = false;
          const a = simulate(specs, late, addAt, 150, seed, false);
          const b = simulate(specs, late, addAt, 150, seed, true);
          expect(a.acts).toEqual(b.acts);
          expect(a.draws).toEqual(b.draws);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("inline draws on relocated streams equal Rng.arrivalGap, also for a stream shared by two agents", () => {
    // Same scenario twice; the second time every stream is first held by another scheduler, so the
    // scheduler under test cannot relocate it and draws through Rng.arrivalGap.
    const scenario = (fallback: boolean) => {
      const root = Rng.fromSeed(5);
      const shared = root.split("shared");
      const own = Array.from({ length: 70 }, (_, i) => root.split(i)); // > 64 streams: the pool grows
      if (fallback) for (const r of [shared, ...own]) holdElsewhere(r); // held elsewhere
      const s = new ActivationScheduler(root.split("order"));
      const log: number[] = [];
      s.add(
        (t) => log.push(t, 0, Math.floor(shared.uniform() * 1e6)),
        { kind: "poisson", rate: 0.3 },
        0,
        shared,
      );
      s.add((t) => log.push(t, 1), { kind: "poisson", rate: 0.2 }, 0, shared);
      for (const [i, r] of own.entries()) {
        s.add(
          (t) => log.push(t, i + 2, Math.floor(r.uniform() * 1e6)),
          { kind: "poisson", rate: 0.05 + i / 100 },
          0,
          r,
        );
      }
      for (let t = 1; t <= 400; t++) s.runDue(t);
      return { log, after: [shared.uniform(), ...own.map((r) => r.uniform())] };
    };
    const inline = scenario(false);
    const plain = scenario(true);
    expect(inline.log.length).toBeGreaterThan(3000);
    expect(inline.log).toEqual(plain.log);
    expect(inline.after).toEqual(plain.after);
  });

  it("an agent that adds agents while acting (moving the records) leaves every stream in step", () => {
    const scenario = (fallback: boolean) => {
      const root = Rng.fromSeed(8);
      const streams = Array.from({ length: 200 }, (_, i) => root.split(i));
      if (fallback) for (const r of streams) holdElsewhere(r);
      const s = new ActivationScheduler(root.split("order"));
      const log: number[] = [];
      const poisson = (i: number, now: number) =>
        s.add(
          (t) => log.push(t, i, Math.floor(streams[i].uniform() * 1e6)),
          { kind: "poisson", rate: 0.3 },
          now,
          streams[i],
        );
      for (let i = 0; i < 40; i++) poisson(i, 0);
      // At tick 7 this agent registers 160 more: the records grow from 64 agents to 256 mid-tick.
      s.add(
        (t) => {
          for (let i = 40; i < 200; i++) poisson(i, t);
        },
        { kind: "once", at: 7 },
      );
      for (let t = 1; t <= 60; t++) s.runDue(t);
      return { log, after: streams.map((r) => r.uniform()) };
    };
    const inline = scenario(false);
    const plain = scenario(true);
    expect(new Set(inline.log.filter((_, k) => k % 3 === 1)).size).toBe(200);
    expect(inline.log).toEqual(plain.log);
    expect(inline.after).toEqual(plain.after);
  });

  it("starts every-k phases right when the first tick run is not 1", () => {
    const s = new ActivationScheduler(Rng.fromSeed(1));
    const seen: number[] = [];
    s.add((t) => seen.push(t), { kind: "every", period: 7, offset: 2 }); // phase 3 (mod 7)
    for (let t = 1000; t <= 1020; t++) s.runDue(t);
    expect(seen).toEqual([1004, 1011, 1018]); // 3 + 7k
  });

  it("every-k agents act in exactly the shuffled gather order, whether ticks run in sequence or jump", () => {
    // The order a tick's every-k agents are gathered in before the shuffle is part of the output
    // (same seed, same bytes): groups in the order their periods first appeared, then agents in
    // registration order. The window built for ticks in sequence (and rebuilt after agents are
    // added) and the one-tick window built after a jump must both give it.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // 1..90 are mostly dense period groups; 91..700 with few agents are sparse ones.
            period: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 91, max: 700 })),
            offset: fc.integer({ min: 0, max: 699 }),
            // Identical agents share a phase: their order within it is insertion order.
            copies: fc.integer({ min: 1, max: 3 }),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        (specs, jumps, addAt) => {
          const agents = specs.flatMap((a) => Array.from({ length: a.copies }, () => a));
          const s = new ActivationScheduler(Rng.fromSeed(5).split("order"));
          const order = Rng.fromSeed(5).split("order");
          const registered: Array<{ period: number; phase: number }> = [];
          const got: number[] = [];
          const add = (k: number, now: number) => {
            const { period, offset } = agents[k];
            s.add(() => got.push(k), { kind: "every", period, offset }, now);
            registered.push({ period, phase: (now + 1 + offset) % period });
          };
          const half = Math.ceil(agents.length / 2);
          for (let k = 0; k < half; k++) add(k, 0);
          // Ticks in runs of 60, each run starting after a jump forward.
          const ticks: number[] = [];
          let t = 0;
          for (const j of jumps) {
            for (let r = 0; r < 60; r++) {
              t += r === 0 ? j : 1;
              ticks.push(t);
            }
          }
          for (const tick of ticks) {
            const periods: number[] = [];
            for (const a of registered) if (!periods.includes(a.period)) periods.push(a.period);
            const want: number[] = [];
            for (const p of periods)
              registered.forEach((a, k) => {
                if (a.period === p && tick % p === a.phase) want.push(k);
              });
            if (want.length > 1) order.shuffle(want, want.length);
            got.length = 0;
            expect(s.runDue(tick)).toBe(want.length);
            expect(got).toEqual(want);
            if (tick === addAt) for (let k = half; k < agents.length; k++) add(k, tick);
          }
        },
      ),
    );
  });

  it("keeps a wake-up sent to a due Poisson agent, whether the sender acts before or after it", () => {
    // B (Poisson, next arrival far away) is due at tick 10; A, acting every tick, wakes it for tick
    // 11 during tick 10. Over 100 seeds A acts first about half the time: B must act at 11 always.
    let senderFirst = 0;
    for (let seed = 0; seed < 100; seed++) {
      const s = new ActivationScheduler(Rng.fromSeed(seed));
      const acts: number[] = [];
      let b = -1;
      s.add(
        (t) => {
          if (t === 10) {
            if (!acts.includes(10)) senderFirst++;
            s.wake(b, t + 1);
          }
        },
        { kind: "every", period: 1 },
      );
      b = s.add((t) => acts.push(t), { kind: "poisson", rate: 1e-6 }, 0, Rng.fromSeed(seed + 1000));
      s.wake(b, 10);
      for (let t = 1; t <= 12; t++) s.runDue(t);
      expect(acts).toEqual([10, 11]);
    }
    expect(senderFirst).toBeGreaterThan(20);
    expect(senderFirst).toBeLessThan(80);
  });

  it("keeps long periods in memory proportional to the agents, not to the period", () => {
    // 50 agents with periods near 10^6 (validation allows up to 10^9): one slot per phase would be
    // 400 MB of slots and as much again while laying them out.
    const s = new ActivationScheduler(Rng.fromSeed(2));
    const seen: Array<[number, number]> = [];
    const before = process.memoryUsage().arrayBuffers;
    for (let k = 0; k < 50; k++)
      s.add((t) => seen.push([k, t]), { kind: "every", period: 1_000_000 + k, offset: k });
    for (let t = 1; t <= 100; t++) s.runDue(t); // in sequence: the window
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(40e6);
    for (let t = 1_000_040; t <= 1_000_060; t++) s.runDue(t); // after a jump, then in sequence
    // Agent k first acts at tick 1 + k, then every 1,000,000 + k ticks: 1,000,001 + 2k.
    const expected: Array<[number, number]> = [];
    for (let k = 0; k < 50; k++) expected.push([k, 1 + k]);
    for (let k = 0; k < 50; k++)
      if (1_000_001 + 2 * k >= 1_000_040 && 1_000_001 + 2 * k <= 1_000_060)
        expected.push([k, 1_000_001 + 2 * k]);
    const byTick = (a: [number, number], b: [number, number]) => a[1] - b[1] || a[0] - b[0];
    expect([...seen].sort(byTick)).toEqual(expected.sort(byTick));
  });
});

describe("ActivationScheduler beyond 32-bit ticks", () => {
  // Due ticks below 2^31 - 1 sit in the agent's hot record as int32; later ones are kept apart.
  it("wake-ups at and beyond 2^31 - 1 come due at exactly their tick, also moved and on a shared bucket", () => {
    const s = new ActivationScheduler(Rng.fromSeed(3), 16);
    const acts: Array<[number, number]> = [];
    const at = (i: number) => (t: number) => acts.push([i, t]);
    const far = 2 ** 31 - 1;
    const a = s.add(at(0), { kind: "event" });
    const b = s.add(at(1), { kind: "event" });
    const c = s.add(at(2), { kind: "event" });
    const d = s.add(at(3), { kind: "once", at: far });
    const e = s.add(at(4), { kind: "once", at: far + 16 }); // d's bucket, one lap later
    s.wake(a, 2 ** 33 + 4);
    s.wake(a, far + 4); // moved earlier: unlinked from a bucket found through its far tick
    s.wake(b, far + 20); // a's bucket, one lap later
    s.wake(c, 2 ** 40);
    expect([a, b, c, d, e].map((i) => s.nextWake(i))).toEqual([far + 4, far + 20, 2 ** 40, far, far + 16]);
    for (const t of [far - 16, far, far + 4, far + 16, far + 20, 2 ** 40 - 2 ** 36, 2 ** 40, 2 ** 40 + 16]) {
      s.runDue(t);
    }
    expect(acts).toEqual([
      [3, far],
      [0, far + 4],
      [4, far + 16],
      [1, far + 20],
      [2, 2 ** 40],
    ]);
    expect([a, b, c, d, e].map((i) => s.nextWake(i))).toEqual([-1, -1, -1, -1, -1]);
  });

  it("a Poisson agent added beyond 2^31 acts at its drawn arrivals, as Rng.arrivalGap gives them", () => {
    const start = 2 ** 31 - 40;
    const s = new ActivationScheduler(Rng.fromSeed(4), 16);
    const ticks: number[] = [];
    s.add((t) => ticks.push(t), { kind: "poisson", rate: 0.3 }, start, Rng.fromSeed(5).split(0));
    for (let t = start + 1; t <= start + 400; t++) s.runDue(t);
    const twin = Rng.fromSeed(5).split(0);
    const expected: number[] = [];
    for (let t = start + twin.arrivalGap(0.3); t <= start + 400; t += twin.arrivalGap(0.3)) expected.push(t);
    expect(ticks).toEqual(expected);
    expect(ticks.filter((t) => t >= 2 ** 31 - 1).length).toBeGreaterThan(50);
  });
});

describe("ActivationScheduler input checks", () => {
  const bad = (fn: () => unknown, message: string) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CascadeError);
    expect((err as CascadeError).code).toBe("INVALID_ACTIVATION");
    expect((err as Error).message).toBe(message);
  };

  it("a wake-up at a fractional or NaN tick is refused, and later wake-ups still work", () => {
    const s = new ActivationScheduler(Rng.fromSeed(1));
    const acts: number[] = [];
    const i = s.add((t) => acts.push(t), { kind: "event" });
    bad(() => s.wake(i, 2.5), "wake rejected: tick = 2.5; allowed: an integer tick");
    bad(() => s.wake(i, Number.NaN), "wake rejected: tick = NaN; allowed: an integer tick");
    expect(s.nextWake(i)).toBe(-1);
    s.wake(i, 4);
    s.wake(i, 6);
    for (let t = 1; t <= 10; t++) s.runDue(t);
    expect(acts).toEqual([4]); // one pending wake-up: the earlier one stands
  });

  it("once, every and poisson activations with values that could never come due are refused", () => {
    const s = new ActivationScheduler(Rng.fromSeed(1));
    const h = () => {};
    bad(
      () => s.add(h, { kind: "once", at: 2.5 }),
      "activation rejected: activation.at = 2.5; allowed: an integer tick (at or before now: never)",
    );
    bad(
      () => s.add(h, { kind: "once" } as never),
      "activation rejected: activation.at = undefined; allowed: an integer tick (at or before now: never)",
    );
    bad(
      () => s.add(h, { kind: "every", period: 5, offset: 1.5 }),
      "activation rejected: activation.offset = 1.5; allowed: undefined or an integer number of ticks",
    );
    bad(
      () => s.add(h, { kind: "poisson", rate: 0.1 }),
      "activation rejected: rng = undefined; allowed: the agent's Rng (a Poisson agent draws its arrival gaps from it)",
    );
    expect(s.size).toBe(0);
  });
});
