import { describe, expect, test, vi } from "vitest";
import { createProgress, timedStep } from "../../packages/experiment/src/progress.js";

/** A stand-in for process.stderr that records what is written (and the cursor moves a bar makes). */
function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  const stream = {
    isTTY,
    columns: 120,
    write(s: string) {
      out.push(s);
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => out.join("") };
}

describe("progress", () => {
  test("not a TTY: plain lines with runs done/total, percentage, rate and ETA; a last line at stop", () => {
    const { stream, text } = fakeStream(false);
    const p = createProgress("auto", "demo", stream);
    p.start(40, 10);
    p.update(11); // within 5 s of the first line: no new line
    p.update(40);
    p.stop();
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^demo: 10\/40 runs \(25\.0%\), \d+\.\d runs\/s, ETA \S+$/);
    expect(lines[1]).toMatch(/^demo: 40\/40 runs \(100\.0%\), \d+\.\d runs\/s, ETA 0s$/);
  });

  test("a TTY: a bar with done/total, rate and ETA (cli-progress, loaded on first use)", () => {
    const { stream, text } = fakeStream(true);
    const p = createProgress("auto", "demo", stream);
    p.start(8, 0);
    p.update(4);
    p.stop();
    const t = text();
    expect(t).toContain("demo [");
    expect(t).toMatch(/4\/8 runs \| \d+\.\d runs\/s \| ETA /);
    // before any run finished the bar says it cannot tell yet, as the plain lines do (it said 0s)
    expect(t).toMatch(/0\/8 runs \| 0\.0 runs\/s \| ETA \?/);
  });

  test("a unit and a delay (the statistics step): nothing before `after` ms, then lines of that unit", async () => {
    const { stream, text } = fakeStream(false);
    const quick = createProgress("auto", "demo", stream, { unit: "statistics", after: 60 });
    quick.start(5, 0);
    quick.update(5);
    quick.stop();
    expect(text()).toBe("");
    const slow = createProgress("auto", "demo", stream, { unit: "statistics", after: 60 });
    slow.start(300, 0);
    slow.update(1);
    expect(text()).toBe("");
    await new Promise((r) => setTimeout(r, 80));
    slow.update(120);
    slow.update(300);
    slow.stop();
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^demo: 120\/300 statistics \(40\.0%\), \d+\.\d statistics\/s, ETA \S+$/);
    // its rate and ETA count from the step's start, not from the first line (which would give a
    // rate of thousands or more): 120 in ~80 ms. libuv's timers run on a millisecond clock cached
    // at the loop's turn, so the 80 ms wait can end up to ~1 ms early on performance.now().
    const rate = Number(/, (\d+\.\d) statistics\/s/.exec(lines[0])?.[1]);
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(120 / 0.075);
    expect(lines[0]).not.toMatch(/ETA \?$/);
    expect(lines[1]).toMatch(/^demo: 300\/300 statistics \(100\.0%\), \d+\.\d statistics\/s, ETA 0s$/);
  });

  test("the rate and ETA count from the first finished run, not from the start (workers loading)", () => {
    // performance.now() faked: the clock moves only when told (no waiting, no timing).
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const { stream, text } = fakeStream(false);
      const p = createProgress("auto", "demo", stream);
      p.start(1000, 0);
      // 4 s before the first run finishes (worker threads importing the experiment, compiling),
      // then 50 runs a second: counted from the start, 50 runs in 5 s read 10 runs/s and 1m35s
      // (a 3,000-run study at load 10 printed ETA 20m48s for a run that took 90 s).
      vi.advanceTimersByTime(4000);
      p.update(2);
      vi.advanceTimersByTime(1000);
      p.update(52);
      p.stop();
      const lines = text().trimEnd().split("\n");
      expect(lines[1]).toBe("demo: 52/1000 runs (5.2%), 50.0 runs/s, ETA 19s");
    } finally {
      vi.useRealTimers();
    }
  });

  test("a resumed run counts its rate from its own first finished run, not the runs resumed", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const { stream, text } = fakeStream(false);
      const p = createProgress("auto", "demo", stream);
      p.start(400, 100);
      vi.advanceTimersByTime(3000);
      p.update(101);
      vi.advanceTimersByTime(2000);
      p.update(121);
      p.stop();
      const lines = text().trimEnd().split("\n");
      expect(lines[0]).toBe("demo: 100/400 runs (25.0%), 0.0 runs/s, ETA ?");
      expect(lines[1]).toBe("demo: 121/400 runs (30.3%), 10.0 runs/s, ETA 28s");
    } finally {
      vi.useRealTimers();
    }
  });

  test("a step whose first finished run is its last keeps the rate from its start", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const { stream, text } = fakeStream(false);
      const p = createProgress("auto", "demo", stream);
      p.start(1, 0);
      vi.advanceTimersByTime(2000);
      p.update(1);
      p.stop();
      expect(text().trimEnd().split("\n")[1]).toBe("demo: 1/1 runs (100.0%), 0.5 runs/s, ETA 0s");
    } finally {
      vi.useRealTimers();
    }
  });

  test("false is silent", () => {
    const { stream, text } = fakeStream(true);
    const p = createProgress(false, "demo", stream);
    p.start(3, 0);
    p.update(3);
    p.stop();
    expect(text()).toBe("");
  });
});

describe("a step with nothing to count (writing report.html)", () => {
  const REPORT = { start: "writing report.html", done: "report.html written" };

  test("says when it starts, and how long it took once it took 2 s or more (cascade run said nothing for 12-38 s)", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const quick = fakeStream(false);
      expect(await timedStep("auto", REPORT, async () => "quick", { stream: quick.stream })).toBe("quick");
      expect(quick.text()).toBe("writing report.html ...\n");
      const edge = fakeStream(false);
      await timedStep("auto", REPORT, async () => vi.advanceTimersByTime(1999), { stream: edge.stream });
      expect(edge.text()).toBe("writing report.html ...\n");
      const slow = fakeStream(true);
      const written = await timedStep(
        "auto",
        REPORT,
        async () => {
          // the start line is out before the step runs
          expect(slow.text()).toBe("writing report.html ...\n");
          vi.advanceTimersByTime(12_400);
          return "report.html";
        },
        { stream: slow.stream },
      );
      expect(written).toBe("report.html");
      expect(slow.text()).toBe("writing report.html ...\nreport.html written in 12s\n");
    } finally {
      vi.useRealTimers();
    }
  });

  test("is silent with false (--quiet), and a failure is the step's, with no line saying it was done", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const quiet = fakeStream(false);
      const r = await timedStep(
        false,
        REPORT,
        async () => {
          vi.advanceTimersByTime(5000);
          return 7;
        },
        { stream: quiet.stream },
      );
      expect(r).toBe(7);
      expect(quiet.text()).toBe("");
      const failing = fakeStream(false);
      const step = async () => {
        vi.advanceTimersByTime(5000);
        throw new Error("disk full");
      };
      await expect(timedStep("auto", REPORT, step, { stream: failing.stream })).rejects.toThrow("disk full");
      expect(failing.text()).toBe("writing report.html ...\n");
    } finally {
      vi.useRealTimers();
    }
  });
});
