import { ActivationScheduler, PHASES, Rng, RunLoop } from "@cascade/core";
import { describe, expect, it } from "vitest";

describe("ActivationScheduler", () => {
  it("wakes every-k agents exactly on their ticks and only then", () => {
    const s = new ActivationScheduler(Rng.fromSeed(1), 8);
    const seen: string[] = [];
    s.add((t) => seen.push(`a${t}`), { kind: "every", period: 3 });
    s.add((t) => seen.push(`b${t}`), { kind: "every", period: 20, offset: 4 }); // period beyond the horizon
    s.add((t) => seen.push(`c${t}`), { kind: "once", at: 11 });
    for (let t = 1; t <= 45; t++) s.runDue(t);
    const at = (p: string) => seen.filter((x) => x[0] === p).map((x) => Number(x.slice(1)));
    expect(at("a")).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43]);
    expect(at("b")).toEqual([5, 25, 45]);
    expect(at("c")).toEqual([11]);
    expect(s.activations).toBe(15 + 3 + 1);
  });

  it("Poisson agents arrive at the requested rate", () => {
    const s = new ActivationScheduler(Rng.fromSeed(2));
    let n = 0;
    const rng = Rng.fromSeed(9);
    for (let i = 0; i < 100; i++) s.add(() => n++, { kind: "poisson", rate: 0.05 }, 0, rng.split(i));
    for (let t = 1; t <= 10_000; t++) s.runDue(t);
    // 1 + floor(Exp(rate)) has mean ~ 1/rate + 1/2 for small rates.
    const expected = (100 * 10_000) / (1 / 0.05 + 0.5);
    expect(Math.abs(n - expected) / expected).toBeLessThan(0.03);
  });

  it("event agents act only when woken, once per wake, never in the waking tick", () => {
    const s = new ActivationScheduler(Rng.fromSeed(3), 16);
    const acts: number[] = [];
    const id = s.add((t) => acts.push(t), { kind: "event" });
    const waker = s.add(
      (t) => {
        if (t === 5) {
          s.wake(id, t); // same tick -> becomes t + 1
          s.wake(id, t + 3); // later than pending -> ignored
        }
      },
      { kind: "every", period: 1 },
    );
    expect(waker).toBe(1);
    s.wake(id, 40);
    s.wake(id, 30); // earlier supersedes 40
    for (let t = 1; t <= 20; t++) s.runDue(t);
    // The tick-5 wake (-> 6) superseded the pending one at 30: one pending wake per agent.
    expect(acts).toEqual([6]);
    s.wake(id, 33);
    for (let t = 21; t <= 60; t++) s.runDue(t);
    expect(acts).toEqual([6, 33]);
  });

  it("orders agents due in the same tick by a seeded shuffle", () => {
    const order = (seed: number) => {
      const s = new ActivationScheduler(Rng.fromSeed(seed));
      const out: number[] = [];
      for (let i = 0; i < 20; i++) s.add(() => out.push(i), { kind: "every", period: 1 });
      s.runDue(1);
      return out;
    };
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect([...order(1)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe("RunLoop", () => {
  it("emits tick$ then runs the phases in the documented order, draining deferred reactions after each", () => {
    const loop = new RunLoop({ rng: Rng.fromSeed(1) });
    const log: string[] = [];
    loop.tick$.subscribe((t) => log.push(`tick${t}`));
    for (const p of PHASES) {
      if (p === "agents") continue;
      loop.on(p, (t) => {
        log.push(`${p}${t}`);
        if (p === "marks") loop.defer(() => log.push(`reaction${t}`));
      });
    }
    loop.scheduler.add((t) => log.push(`agent${t}`), { kind: "every", period: 2 });
    loop.run(2);
    expect(log).toEqual([
      "tick1",
      "exogenous1",
      "agent1",
      "marks1",
      "reaction1",
      "liquidation1",
      "metrics1",
      "tick2",
      "exogenous2",
      "marks2",
      "reaction2",
      "liquidation2",
      "metrics2",
    ]);
    expect(loop.now).toBe(2);
    expect(() => loop.on("lunch" as never, () => {})).toThrow(/phase = "lunch"/);
  });

  it("same seed gives the same event log bytes, a different seed a different one", () => {
    const run = (seed: number) => {
      const root = Rng.fromSeed(seed);
      const loop = new RunLoop({ rng: root.split("order") });
      let log = "";
      let price = 1000;
      loop.on("exogenous", () => {
        price += Math.round(root.split("noop").normal()); // split() is stateless: same every tick
      });
      for (let i = 0; i < 50; i++) {
        const rng = root.split("agent").split(i);
        loop.scheduler.add(
          (t) => {
            const q = rng.poisson(3);
            price += rng.bernoulli(0.5) ? q : -q;
            log += `${t}:${i}:${q}:${price}\n`;
          },
          { kind: "poisson", rate: 0.1 },
          0,
          rng,
        );
      }
      loop.run(500);
      return log;
    };
    const a = run(11);
    expect(a.length).toBeGreaterThan(1000);
    expect(run(11)).toBe(a);
    expect(run(12)).not.toBe(a);
  });
});
