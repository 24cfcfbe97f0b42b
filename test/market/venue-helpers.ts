import { CascadeError } from "@cascade/core";
import { BUY, SELL, type Venue } from "@cascade/market";

export { CascadeError };

/** Everything observable about the ledger, books and auctions, as a string (for before/after comparisons). */
export function snapshot(v: Venue): string {
  const accounts = [];
  for (let a = 0; a < v.accountCount(); a++) {
    const per = v.instruments.map((ins) => [
      v.position(a, ins.id),
      v.costBasis(a, ins.id),
      v.realizedPnl(a, ins.id),
      v.restingQuantity(a, ins.id, BUY),
      v.restingQuantity(a, ins.id, SELL),
      v.reserved(a, ins.id),
    ]);
    accounts.push({
      cash: v.cash(a),
      per,
      open: [...v.openOrders(a)],
      held: [...v.heldInstruments(a)].sort(),
    });
  }
  const books = v.instruments.map((ins) => {
    const b = v.book(ins.id);
    const rows: number[][] = [];
    for (const side of [BUY, SELL] as const)
      b.forEachOrder(side, (id, owner, price, qty) => rows.push([side, id, owner, price, qty]));
    return rows;
  });
  const auctions = [];
  for (let id = 1; id <= v.auctionCount(); id++) auctions.push(v.auction(id));
  return JSON.stringify({
    deposits: v.totalDeposits,
    tick: v.tick,
    marks: v.instruments.map((i) => v.mark(i.id)),
    accounts,
    books,
    auctions,
    withPositions: [...v.accountsWithPositions()].sort(),
  });
}

/** Throws unless `fn` throws a CascadeError with `code`; returns the error. */
export function expectCode(fn: () => unknown, code: string): CascadeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CascadeError && e.code === code) return e;
    throw new Error(
      `expected CascadeError ${code}, got ${e instanceof CascadeError ? `${e.code}: ${e.message}` : String(e)}`,
    );
  }
  throw new Error(`expected CascadeError ${code}, nothing thrown`);
}

/** Checks the venue's per-account order bookkeeping against the books themselves. */
export function checkBookkeeping(v: Venue): void {
  const n = v.accountCount();
  for (let a = 0; a < n; a++) {
    const ids = v.openOrders(a);
    for (let k = 1; k < ids.length; k++)
      if (!(ids[k] > ids[k - 1])) throw new Error(`openOrders not in submission order a=${a}: ${ids}`);
  }
  for (const ins of v.instruments) {
    const b = v.book(ins.id);
    const buy = new Float64Array(n);
    const sell = new Float64Array(n);
    const owned: string[] = Array.from({ length: n }, () => "");
    for (const side of [BUY, SELL] as const) {
      b.forEachOrder(side, (id, owner, _p, qty) => {
        (side === BUY ? buy : sell)[owner] += qty;
        owned[owner] += `${id},`;
      });
    }
    for (let a = 0; a < n; a++) {
      if (v.restingQuantity(a, ins.id, BUY) !== buy[a])
        throw new Error(`resting buy mismatch a=${a} i=${ins.id}`);
      if (v.restingQuantity(a, ins.id, SELL) !== sell[a])
        throw new Error(`resting sell mismatch a=${a} i=${ins.id}`);
      const mine = v
        .openOrders(a)
        .filter((id) => v.orderInstrument(id) === ins.id)
        .sort((x, y) => x - y);
      const expected = owned[a]
        .split(",")
        .filter((x) => x !== "")
        .map(Number)
        .sort((x, y) => x - y);
      if (mine.join() !== expected.join())
        throw new Error(`openOrders mismatch a=${a} i=${ins.id}: ${mine} vs ${expected}`);
      const q = v.position(a, ins.id);
      const held = v.heldInstruments(a).includes(ins.id);
      if (held !== (q !== 0 || buy[a] > 0 || sell[a] > 0))
        throw new Error(`held list mismatch a=${a} i=${ins.id}`);
      if (q === 0 && v.costBasis(a, ins.id) !== 0) throw new Error(`cost basis not 0 when flat a=${a}`);
    }
  }
  for (let a = 0; a < n; a++) {
    if (!Number.isSafeInteger(v.cash(a))) throw new Error(`unsafe cash a=${a}`);
  }
}
