import { FastSubject } from "@cascade/core";
import { Subject } from "rxjs";
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
