/**
 * An RxJS Subject whose `next` allocates nothing. RxJS 7's `Subject.prototype.next` (its CommonJS
 * build, the one Node loads) allocates a closure and an iterator per call, which adds up on streams
 * emitted per tick or per fill. This subclass does exactly what that `next` does (throw when
 * closed; nothing when stopped; deliver to a snapshot of the observers taken at the first emission
 * after a subscription change) with an indexed loop. Only RxJS's deprecated
 * `config.useDeprecatedSynchronousErrorHandling` mode is not honoured by `next`.
 *
 * Subject comes from its own module, not the "rxjs" index: loading the index loads all of RxJS
 * (~100 ms per worker thread, on every run of an experiment). It is the same class (same file).
 */
import type { Observer } from "rxjs";
import { config } from "rxjs/internal/config";
import { Subject } from "rxjs/internal/Subject";
import { timeoutProvider } from "rxjs/internal/scheduler/timeoutProvider";
import { ObjectUnsubscribedError } from "rxjs/internal/util/ObjectUnsubscribedError";

interface SubjectInternals<T> {
  currentObservers: Observer<T>[] | null;
}

export class FastSubject<T> extends Subject<T> {
  override next(value: T): void {
    if (this.closed) throw new ObjectUnsubscribedError();
    if (this.isStopped) return;
    const self = this as unknown as SubjectInternals<T>;
    let list = self.currentObservers;
    if (!list) {
      list = this.observers.slice();
      self.currentObservers = list;
    }
    for (let i = 0; i < list.length; i++) list[i].next(value);
  }
}

/**
 * Runs `fn` with errors thrown by RxJS observers raised where they happen.
 *
 * RxJS catches an error thrown inside an observer and rethrows it later from a timer. In a
 * synchronous simulation that is after the run has finished (in-process), or never noticed (in a
 * worker thread), while the run's results are kept as if nothing had gone wrong. Inside `fn` the
 * report is made at once instead, so the error propagates from the emission that caused it and the
 * run fails with it. Restores RxJS's own behaviour afterwards. `nonError` turns a value thrown by
 * an observer that is not an Error into one, where the observer threw it.
 */
export function withObserverErrorsRaised<T>(fn: () => T, nonError?: (value: unknown) => Error): T {
  const delegate = timeoutProvider.delegate;
  const onUnhandledError = config.onUnhandledError;
  timeoutProvider.delegate = {
    setTimeout: (handler: () => void) => {
      if (nonError === undefined) handler();
      else {
        // A thrown string or object has no stack to say where it came from: say it here, before
        // a try/catch further up (around a custom agent's act, say) takes it for its own.
        try {
          handler();
        } catch (e) {
          throw e instanceof Error ? e : nonError(e);
        }
      }
      return 0 as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: () => {},
  };
  config.onUnhandledError = null;
  try {
    return fn();
  } finally {
    timeoutProvider.delegate = delegate;
    config.onUnhandledError = onUnhandledError;
  }
}
