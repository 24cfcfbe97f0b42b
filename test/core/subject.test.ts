import { FastSubject, withObserverErrorsRaised } from "@cascade/core";
import { config, filter, Subject } from "rxjs";
import { describe, expect, it } from "vitest";

// FastSubject must behave exactly like rxjs' Subject (it only avoids allocating in next()).
function script(make: () => Subject<number>): string[] {
  const log: string[] = [];
  const s = make();
  const a = s.subscribe({ next: (v) => log.push(`a${v}`), complete: () => log.push("a-done") });
  let late: { unsubscribe(): void } | undefined;
  const b = s.subscribe((v) => {
    log.push(`b${v}`);
    // Subscribing during an emission: the new observer sees only later values.
    if (v === 1) late = s.subscribe((w) => log.push(`c${w}`));
    // Unsubscribing another observer during an emission: it still gets the current value.
    if (v === 2) a.unsubscribe();
  });
  s.next(1);
  s.next(2);
  s.next(3);
  b.unsubscribe();
  s.next(4);
  late?.unsubscribe();
  s.next(5);
  s.complete();
  s.next(6); // stopped: ignored
  log.push(`observed=${s.observed}`);
  s.unsubscribe();
  try {
    s.next(7);
  } catch (e) {
    log.push((e as Error).name);
  }
  return log;
}

describe("FastSubject", () => {
  it("delivers, subscribes, unsubscribes, completes and closes like rxjs Subject", () => {
    const expected = script(() => new Subject<number>());
    expect(expected).toContain("ObjectUnsubscribedError");
    expect(script(() => new FastSubject<number>())).toEqual(expected);
  });
});

describe("withObserverErrorsRaised", () => {
  it("raises an observer's error from the emission inside, leaves RxJS's deferred report outside", async () => {
    for (const make of [() => new Subject<number>(), () => new FastSubject<number>()]) {
      const s = make();
      const seen: number[] = [];
      s.subscribe((v) => {
        if (v === 2) throw new Error(`observer failed on ${v}`);
        seen.push(v);
      });
      s.pipe(filter((v) => v > 0)).subscribe(() => {});
      expect(() =>
        withObserverErrorsRaised(() => {
          s.next(1);
          s.next(2);
          s.next(3); // not reached
        }),
      ).toThrow("observer failed on 2");
      expect(seen).toEqual([1]);
      // Outside, RxJS reports it later, from a timer (captured here through its own hook).
      const reported: unknown[] = [];
      config.onUnhandledError = (e) => reported.push(e);
      try {
        expect(() => s.next(2)).not.toThrow();
        expect(reported).toEqual([]);
        await new Promise((r) => setTimeout(r, 5));
        expect(reported.map((e) => (e as Error).message)).toEqual(["observer failed on 2"]);
      } finally {
        config.onUnhandledError = null;
      }
    }
  });

  it("returns fn's value and restores a researcher's own onUnhandledError", () => {
    const mine = () => {};
    config.onUnhandledError = mine;
    try {
      expect(withObserverErrorsRaised(() => 42)).toBe(42);
      expect(config.onUnhandledError).toBe(mine);
    } finally {
      config.onUnhandledError = null;
    }
  });
});
