import type { Observable } from "rxjs";
import { CascadeError } from "./errors.js";
import type { Rng } from "./rng.js";
import { ActivationScheduler } from "./scheduler.js";
import { FastSubject } from "./subject.js";

/**
 * The fixed phases of one tick, in the order they run. This is the one place
 * the order is defined:
 *
 * 1. `exogenous`   fundamental values / oracle paths advance, scheduled shocks fire
 * 2. `agents`      agents due this tick act, in a seeded random order (scheduler)
 * 3. `marks`       mark prices update from books / oracle
 * 4. `liquidation` the liquidation engine checks accounts and acts
 * 5. `metrics`     observers sample the state of the market
 *
 * After each phase handler returns, the reaction queue is drained: anything an
 * observer deferred (an order placed in response to a trade, say) runs then, in
 * FIFO order, never in the middle of a match.
 */
export const PHASES = ["exogenous", "agents", "marks", "liquidation", "metrics"] as const;
export type Phase = (typeof PHASES)[number];

export interface RunLoopOptions {
  /** Stream that orders agents within a tick. */
  rng: Rng;
  /** Scheduler calendar horizon in ticks (rounded up to a power of two). */
  horizon?: number;
}

/**
 * Virtual time. `tick$` is the RxJS clock: it emits each tick number,
 * synchronously, before the tick's phases run. Nothing here reads wall time or
 * uses timers or promises.
 */
export class RunLoop {
  /** Current tick (0 before the first step). */
  now = 0;
  readonly scheduler: ActivationScheduler;
  private readonly tickSubject = new FastSubject<number>();
  readonly tick$: Observable<number> = this.tickSubject.asObservable();
  private readonly handlers: Array<Array<(tick: number) => void>> = PHASES.map(() => []);
  private readonly queue: Array<() => void> = [];
  private queueHead = 0;
  private draining = false;

  constructor(options: RunLoopOptions) {
    this.scheduler = new ActivationScheduler(options.rng, options.horizon);
    this.on("agents", (tick) => {
      this.scheduler.runDue(tick);
    });
  }

  /** Adds a handler to a phase; handlers of one phase run in registration order. */
  on(phase: Phase, handler: (tick: number) => void): void {
    const idx = PHASES.indexOf(phase);
    if (idx < 0)
      throw new CascadeError(
        "INVALID_PHASE",
        "phase",
        phase,
        `one of ${PHASES.join(", ")}`,
        "handler rejected",
      );
    this.handlers[idx].push(handler);
  }

  /** Queues a reaction to run after the current phase handler (FIFO). */
  defer(reaction: () => void): void {
    this.queue.push(reaction);
  }

  /** Runs one tick: emit on tick$, then every phase in order. */
  step(): void {
    const tick = ++this.now;
    this.tickSubject.next(tick);
    this.drain();
    const handlers = this.handlers;
    for (let p = 0; p < handlers.length; p++) {
      const list = handlers[p];
      for (let h = 0; h < list.length; h++) {
        list[h](tick);
        this.drain();
      }
    }
  }

  /** Runs `ticks` ticks. `onProgress` (if given) is called every `every` ticks. */
  run(ticks: number, onProgress?: (tick: number) => void, every = 10_000): void {
    const end = this.now + ticks;
    while (this.now < end) {
      this.step();
      if (onProgress && this.now % every === 0) onProgress(this.now);
    }
  }

  /** Ends the clock stream (observers' complete handlers run). */
  complete(): void {
    this.tickSubject.complete();
  }

  private drain(): void {
    if (this.draining || this.queueHead === this.queue.length) return;
    this.draining = true;
    try {
      while (this.queueHead < this.queue.length) this.queue[this.queueHead++]();
    } finally {
      this.queue.length = 0;
      this.queueHead = 0;
      this.draining = false;
    }
  }
}
