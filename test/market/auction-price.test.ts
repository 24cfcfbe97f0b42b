/**
 * A Dutch auction's price is Math.round(start x f^k) with f^k the correctly rounded double of the
 * power of the double f = 1 -/+ decayPerTick (powerOf), not Math.pow / **, which need not be
 * correctly rounded: V8's is off by an ulp for about one (f, k) in ten here, and other engines
 * and versions are off elsewhere, so a price near a half tick depended on the engine.
 */
import { BUY, dutchPrice, powerOf, SELL, type Side } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** The correctly rounded double of f^k (f > 0, a normal result), from the exact power in BigInt. */
function exactPower(f: number, k: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, f);
  const bits = view.getBigUint64(0);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  let m = mantissa ** BigInt(k);
  let e = (Number((bits >> 52n) & 0x7ffn) - 1075) * k;
  const len = m.toString(2).length;
  if (len > 62) {
    // keep 62 bits and a sticky bit: Number() then rounds to 53 bits as the exact value would
    const cut = BigInt(len - 62);
    m = (m >> cut) | ((m & ((1n << cut) - 1n)) === 0n ? 0n : 1n);
    e += len - 62;
  }
  return Number(m) * 2 ** e; // 2 ** e: an exact power of two
}

const spec = (side: Side, startPrice: number, decayPerTick: number) => ({
  seller: 0,
  instrument: 0,
  side,
  quantity: 1,
  startPrice,
  limitPrice: side === SELL ? 1 : 2 ** 40,
  decayPerTick,
  durationTicks: 1000,
});

describe("Dutch auction price without Math.pow", () => {
  it("powerOf is the correctly rounded power", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (f, k) => {
          const x = exactPower(f, k);
          fc.pre(x > 1e-300 && x < 1e300);
          expect(powerOf(f, k)).toBe(x);
        },
      ),
      {
        numRuns: 2000,
        examples: [
          [0.99, 29],
          [1.01, 49],
          [0.98, 4],
        ],
      },
    );
  });

  it("a schedule that runs far past the limit stays at the limit (the power overflowed into NaN)", () => {
    expect(powerOf(1.5, 2000)).toBe(Number.POSITIVE_INFINITY);
    expect(dutchPrice({ ...spec(BUY, 100, 0.5), limitPrice: 1000 }, 2000)).toBe(1000);
    expect(dutchPrice({ ...spec(SELL, 100, 0.999), limitPrice: 10 }, 5000)).toBe(10);
    expect(powerOf(0.5, 1100)).toBe(0);
  });

  it("the price is start x the correctly rounded f^k, rounded: where Math.pow is an ulp off it moved a tick", () => {
    // 0.99^29 and 1.01^49 as V8's ** gives them are an ulp off; these starts put the price within
    // that ulp of a half tick, so ** gave 13,397,893 and 46,233,817
    expect(dutchPrice(spec(SELL, 17_931_468, 0.01), 29)).toBe(13_397_892);
    expect(dutchPrice(spec(BUY, 28_393_075, 0.01), 49)).toBe(46_233_816);
    expect(Math.round(17_931_468 * exactPower(0.99, 29))).toBe(13_397_892);
    expect(Math.round(28_393_075 * exactPower(1.01, 49))).toBe(46_233_816);
    fc.assert(
      fc.property(
        fc.constantFrom(SELL, BUY),
        fc.integer({ min: 1, max: 40_000_000 }),
        fc.constantFrom(0.001, 0.005, 0.01, 0.02, 0.05, 0.13),
        fc.integer({ min: 0, max: 300 }),
        (side, start, d, k) => {
          const raw = Math.round(start * exactPower(side === SELL ? 1 - d : 1 + d, k));
          const want = side === SELL ? Math.max(1, raw) : Math.min(2 ** 40, raw);
          expect(dutchPrice(spec(side, start, d), k)).toBe(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
