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
import { Subject } from "rxjs/internal/Subject";
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
