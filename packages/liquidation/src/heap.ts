/**
 * Binary min-heap of (key, account, version) in typed arrays, used for the per-instrument
 * trigger prices of the bounded check. Entries are deleted lazily: an entry whose version no
 * longer matches the account's current version is stale and skipped when popped.
 */
import { copyInto } from "@cascade/core";

export class TriggerHeap {
  keys = new Float64Array(64);
  accounts = new Int32Array(64);
  versions = new Int32Array(64);
  size = 0;

  push(key: number, account: number, version: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    const keys = this.keys;
    const accs = this.accounts;
    const vers = this.versions;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= key) break;
      keys[i] = keys[p];
      accs[i] = accs[p];
      vers[i] = vers[p];
      i = p;
    }
    keys[i] = key;
    accs[i] = account;
    vers[i] = version;
  }

  /** Smallest key (Infinity when empty). */
  top(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.keys[0];
  }

  /** Removes the top (read accounts[0] / versions[0] first). */
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    this.keys[0] = this.keys[n];
    this.accounts[0] = this.accounts[n];
    this.versions[0] = this.versions[n];
    this.siftDown(0);
  }

  /** Keeps only entries for which `live(account, version)` holds, then re-heapifies. */
  compact(live: (account: number, version: number) => boolean): void {
    let k = 0;
    for (let i = 0; i < this.size; i++) {
      if (live(this.accounts[i], this.versions[i])) {
        this.keys[k] = this.keys[i];
        this.accounts[k] = this.accounts[i];
        this.versions[k] = this.versions[i];
        k++;
      }
    }
    this.size = k;
    for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const n = this.size;
    const keys = this.keys;
    const accs = this.accounts;
    const vers = this.versions;
    const key = keys[i];
    const acc = accs[i];
    const ver = vers[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] < keys[c]) c++;
      if (keys[c] >= key) break;
      keys[i] = keys[c];
      accs[i] = accs[c];
      vers[i] = vers[c];
      i = c;
    }
    keys[i] = key;
    accs[i] = acc;
    vers[i] = ver;
  }

  private grow(): void {
    const n = this.keys.length * 2;
    this.keys = copyInto(new Float64Array(n), this.keys);
    this.accounts = copyInto(new Int32Array(n), this.accounts);
    this.versions = copyInto(new Int32Array(n), this.versions);
  }
}
