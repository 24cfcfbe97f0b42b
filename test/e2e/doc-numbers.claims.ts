/**
 * Every number the docs quote from a study's or an example's output, and how to get it from that
 * output: doc-numbers.test.ts runs each study and example once and compares. A claim names the
 * doc, a piece of one of its lines (found exactly once in the doc) and the number as written
 * there; `actual` writes the output's value the way the doc rounds it. To quote a new number, add
 * a claim beside the others of its study; to refresh one, change the doc (the test's message says
 * the line, the quoted and the actual value).
 */
import { wilsonInterval } from "@cascade/experiment";
import closeFactorSweepStudy from "../../experiments/close-factor-sweep.js";
import crossAssetContagionStudy from "../../experiments/cross-asset-contagion.js";
import executionStylesStudy from "../../experiments/execution-styles.js";
import insuranceFundStudy from "../../experiments/insurance-fund.js";
import leverageCrowdingStudy from "../../experiments/leverage-crowding.js";
import {
  crowdCapital,
  crowdLeverage,
  fundamentals,
  leveragedCrowd,
  margin,
} from "../../experiments/lib/three-assets.js";
import partialVsFullStudy from "../../experiments/partial-vs-full.js";
import {
  bcaStreamSpread,
  resampledCoverage,
  STREAMS,
  STUDY_SIZES,
  STUDY_TRIALS,
} from "../experiment/interval-coverage.js";
import {
  avg,
  below,
  count,
  fix,
  grouped,
  k,
  M,
  median,
  type Output,
  pct,
  pctNum,
  type Row,
  range,
  sig,
  signed,
  values,
  word,
} from "./doc-outputs.js";

export interface Claim {
  /** the doc, from the repository's root */
  doc: string;
  /** words of one line of the doc, found exactly once in it, around the number */
  at: string;
  /** the number as the doc writes it, within `at` */
  quoted: string;
  /** the study (experiments/<out>.ts) or example (experiments/examples/<out>.ts) it comes from */
  out: string;
  /** the output's value, written as the doc writes it */
  actual: (o: Output) => string;
}

const PVF = "experiments/partial-vs-full.ts";
const CFS = "experiments/close-factor-sweep.ts";
const LC = "experiments/leverage-crowding.ts";
const ES = "experiments/execution-styles.ts";
const IF = "experiments/insurance-fund.ts";
const CAC = "experiments/cross-asset-contagion.ts";
const EX = "experiments/README.md";

/** claims of one doc and one output */
function claims(doc: string, out: string, list: Array<[string, string, (o: Output) => string]>): Claim[] {
  return list.map(([at, quoted, actual]) => ({ doc, out, at, quoted, actual }));
}

// ---- partial-vs-full ---------------------------------------------------------------------------

const pvfMean = (o: Output, v: string, m: string) => o.summary(v, 0, m);
/** the variant's paired difference against full, relative to full's mean */
const pvfRel = (o: Output, v: string, m: string) => o.comparison(v, 0, m) / pvfMean(o, "full", m);
/** runs with a cascade (an account pushed under by an earlier liquidation's trades) */
const cascades = (o: Output, v: string, point?: number) =>
  count(o.runs(v, point), (r) => (r.max_cascade_depth as number) >= 2);
/** "a third" when the share rounds to thirds as one */
const thirds = (x: number) => (Math.round(x * 3) === 1 ? "a third" : `${fix(x * 100, 0)}%`);
const tens = (x: number) => `${Math.round(x * 10) * 10}%`;
const vaultTook = (r: Row) => (r.liquidated_notional as number) > (r.book_liquidated_notional as number);

const partialVsFull = claims(PVF, "partial-vs-full", [
  [
    "all 60 replications under every policy",
    "60",
    (o) => [...new Set(["full", "closeFactor50", "restoreToTarget"].map((v) => cascades(o, v)))].join("/"),
  ],
  ["stepwiseBackstop (59 of 60)", "59", (o) => String(cascades(o, "stepwiseBackstop"))],
  ["~30 of 100 accounts", "30", (o) => fix(pvfMean(o, "full", "accounts_liquidated"), 0)],
  ["3.9M notional", "3.9M", (o) => M(pvfMean(o, "full", "liquidated_notional"))],
  ["BTC drawdown 11.8%", "11.8%", (o) => pct(pvfMean(o, "full", "peak_drawdown_BTC"))],
  ["bad debt ~7.0k", "7.0k", (o) => k(pvfMean(o, "full", "bad_debt"))],
  ["bad debt ~7.0k, 4.9", "4.9", (o) => fix(pvfMean(o, "full", "max_cascade_depth"), 1)],
  ["average and 9 at most", "9", (o) => String(Math.max(...values(o.runs("full"), "max_cascade_depth")))],
  ["sells ~7.5% less", "7.5%", (o) => pct(-pvfRel(o, "restoreToTarget", "liquidated_notional"))],
  [
    "less (p ~ 0.016)",
    "0.016",
    (o) => sig(o.comparison("restoreToTarget", 0, "liquidated_notional", "p_value"), 2),
  ],
  ["bad debt is ~13% higher", "13%", (o) => pct(pvfRel(o, "restoreToTarget", "bad_debt"), 0)],
  ["noise (p ~ 0.6)", "0.6", (o) => sig(o.comparison("restoreToTarget", 0, "bad_debt", "p_value"), 1)],
  ["bigger (+7", "+7", (o) => signed(fix(o.comparison("closeFactor50", 0, "accounts_liquidated"), 0))],
  ["+48% notional", "+48%", (o) => signed(pct(pvfRel(o, "closeFactor50", "liquidated_notional"), 0))],
  [
    "BTC drawdown +2.0 points",
    "+2.0",
    (o) => signed(fix(o.comparison("closeFactor50", 0, "peak_drawdown_BTC") * 100, 1)),
  ],
  [
    "about six times the bad debt",
    "six",
    (o) => word(Math.round(pvfMean(o, "closeFactor50", "bad_debt") / pvfMean(o, "full", "bad_debt"))),
  ],
  ["empty ~24 ticks longer", "24", (o) => fix(o.comparison("closeFactor50", 0, "one_sided_ticks"), 0)],
  [
    "they draw nothing from the insurance",
    "nothing",
    (o) => (Math.max(...values(o.runs("closeFactor50"), "insurance_draw")) === 0 ? "nothing" : "some"),
  ],
  [
    "drawdowns (+0.02 and +0.07",
    "+0.02",
    (o) => signed(fix(o.comparison("closeFactor50", 0, "peak_drawdown_ETH") * 100, 2)),
  ],
  [
    "drawdowns (+0.02 and +0.07",
    "+0.07",
    (o) => signed(fix(o.comparison("closeFactor50", 0, "peak_drawdown_SOL") * 100, 2)),
  ],
  [
    "p_holm ~ 0.47 and 0.79",
    "0.47",
    (o) => sig(o.comparison("closeFactor50", 0, "peak_drawdown_ETH", "p_holm"), 2),
  ],
  [
    "p_holm ~ 0.47 and 0.79",
    "0.79",
    (o) => sig(o.comparison("closeFactor50", 0, "peak_drawdown_SOL", "p_holm"), 2),
  ],
  [
    "liquidates a third fewer accounts",
    "a third",
    (o) => thirds(-pvfRel(o, "stepwiseBackstop", "accounts_liquidated")),
  ],
  [
    "liquidates ~40% less notional",
    "40%",
    (o) => tens(-pvfRel(o, "stepwiseBackstop", "liquidated_notional")),
  ],
  ["cuts the BTC drawdown to 8.8%", "8.8%", (o) => pct(pvfMean(o, "stepwiseBackstop", "peak_drawdown_BTC"))],
  [
    "never sells (1.28M of",
    "1.28M",
    (o) =>
      M(
        pvfMean(o, "stepwiseBackstop", "liquidated_notional") -
          pvfMean(o, "stepwiseBackstop", "book_liquidated_notional"),
        2,
      ),
  ],
  ["its 2.24M liquidated", "2.24M", (o) => M(pvfMean(o, "stepwiseBackstop", "liquidated_notional"), 2)],
  [
    "sells ~75% less on the book",
    "75%",
    (o) =>
      pct(
        1 -
          pvfMean(o, "stepwiseBackstop", "book_liquidated_notional") /
            pvfMean(o, "full", "book_liquidated_notional"),
        0,
      ),
  ],
  [
    "book_liquidated_notional 0.96M",
    "0.96M",
    (o) => M(pvfMean(o, "stepwiseBackstop", "book_liquidated_notional"), 2),
  ],
  ["0.96M against 3.86M", "3.86M", (o) => M(pvfMean(o, "full", "book_liquidated_notional"), 2)],
  [
    "took an account (59 of 60",
    "59",
    // a gain in every run where the vault took an account: the two counts are one number
    (o) => {
      const runs = o.runs("stepwiseBackstop");
      const gains = count(runs, (r) => (r.backstop_pnl as number) > 0);
      const took = count(runs, vaultTook);
      return gains === took ? String(took) : `${gains} gains in ${took} runs where the vault took an account`;
    },
  ],
  [
    "backstop_pnl +73k on average",
    "+73k",
    (o) => signed(k(pvfMean(o, "stepwiseBackstop", "backstop_pnl"), 0)),
  ],
  [
    "up to +281k",
    "+281k",
    (o) => signed(k(Math.max(...values(o.runs("stepwiseBackstop"), "backstop_pnl")), 0)),
  ],
]);

/** before the shock (tick 400) every sample has both book sides, and the mean |mid / fundamental - 1| */
function preShock(o: Output): string {
  const before = o.timeseries().filter((r) => (r.tick as number) < 400);
  const quoted = before.filter((r) => r.mid !== null);
  if (quoted.length < before.length) return `a book side empty in ${before.length - quoted.length} samples`;
  const dev = avg(quoted.map((r) => Math.abs((r.mid as number) / (r.fundamental as number) - 1)));
  return below(dev, "0.002") === "0.002" ? "0.2%" : pct(dev);
}

const defaultStudyMarket = [
  ...claims(PVF, "partial-vs-full", [["mids stay within ~0.2% of the fundamentals", "0.2%", preShock]]),
  ...claims(EX, "partial-vs-full", [
    ["stay within ~0.2% of the fundamentals on average and both", "0.2%", preShock],
  ]),
  ...claims("packages/experiment/README.md", "partial-vs-full", [
    [
      "(all 240 runs of the default study)",
      "240",
      (o) =>
        `${count(o.runsRows, (r) => r.min_depth === 0)}${o.runsRows.length === 240 ? "" : ` of ${o.runsRows.length}`}`,
    ],
  ]),
  ...claims("README.md", "partial-vs-full", [
    ["baseline, 39 metric", "39", (o) => String(new Set(o.comparisonRows.map((r) => r.metric)).size)],
    ["holds 117 of them", "117", (o) => String(o.comparisonRows.length)],
    ["(111 with a p-value)", "111", (o) => String(count(o.comparisonRows, (r) => r.p_value !== null))],
  ]),
];

// ---- close-factor-sweep: point = fraction index x 3 + penalty index ----------------------------

const CF_FULL = 0; // fraction 1, no penalty
const CF_SMALL = 12; // fraction 0.1, no penalty
const CF_SMALL_5 = 13; // fraction 0.1, 5% penalty
const CF_PENALTY = [1, 2, 4, 5, 7, 8, 10, 11, 13, 14]; // every point with a penalty
const cf = (o: Output, point: number, m: string) => o.summary("default", point, m);

const closeFactorSweep = claims(CFS, "close-factor-sweep", [
  ["liquidated notional ~4.6M", "4.6M", (o) => M(cf(o, CF_FULL, "liquidated_notional"))],
  ["-> ~2.4M", "2.4M", (o) => M(cf(o, CF_SMALL, "liquidated_notional"))],
  [
    "(p < 1e-4)",
    "1e-4",
    (o) => below(o.comparison("default", CF_SMALL, "liquidated_notional", "p_value"), "1e-4"),
  ],
  ["accounts liquidated ~37", "37", (o) => fix(cf(o, CF_FULL, "accounts_liquidated"), 0)],
  ["-> ~31 (p", "31", (o) => fix(cf(o, CF_SMALL, "accounts_liquidated"), 0)],
  [
    "(p ~ 0.016, but",
    "0.016",
    (o) => sig(o.comparison("default", CF_SMALL, "accounts_liquidated", "p_value"), 2),
  ],
  [
    "but p_holm ~ 0.2",
    "0.2",
    (o) => sig(o.comparison("default", CF_SMALL, "accounts_liquidated", "p_holm"), 1),
  ],
  [
    "over the sweep's 14",
    "14",
    (o) => String(count(o.comparisonRows, (r) => r.metric === "accounts_liquidated")),
  ],
  [
    "BTC drawdown ~1 point lower",
    "1",
    (o) => fix(-o.comparison("default", CF_SMALL, "peak_drawdown_BTC") * 100, 0),
  ],
  [
    "lower (p ~ 0.08, p_holm",
    "0.08",
    (o) => sig(o.comparison("default", CF_SMALL, "peak_drawdown_BTC", "p_value"), 1),
  ],
  [
    "0.08, p_holm ~ 0.3",
    "0.3",
    (o) => sig(o.comparison("default", CF_SMALL, "peak_drawdown_BTC", "p_holm"), 1),
  ],
  ["at ~7.6 steps per account", "7.6", (o) => fix(cf(o, CF_SMALL, "steps_per_account"), 1)],
  ["instead of ~1.6", "1.6", (o) => fix(cf(o, CF_FULL, "steps_per_account"), 1)],
  ["(~9k ->", "9k", (o) => k(cf(o, CF_FULL, "bad_debt"), 0)],
  ["-> ~7k)", "7k", (o) => k(cf(o, CF_SMALL, "bad_debt"), 0)],
  ["(5.2 -> 5.3 generations)", "5.2", (o) => fix(cf(o, CF_FULL, "max_cascade_depth"), 1)],
  ["(5.2 -> 5.3 generations)", "5.3", (o) => fix(cf(o, CF_SMALL, "max_cascade_depth"), 1)],
  [
    "(p 0.4-0.8)",
    "0.4-0.8",
    (o) =>
      range(
        ["bad_debt", "max_cascade_depth"].map((m) => o.comparison("default", CF_SMALL, m, "p_value")),
        (p) => sig(p, 1),
      ),
  ],
  [
    "liquidated notional ~5.1-6.7M",
    "5.1-6.7M",
    (o) =>
      `${range(
        CF_PENALTY.map((p) => cf(o, p, "liquidated_notional") / 1e6),
        (x) => fix(x, 1),
      )}M`,
  ],
  [
    "~37-43 at every close factor",
    "37-43",
    (o) =>
      range(
        CF_PENALTY.map((p) => cf(o, p, "accounts_liquidated")),
        (x) => fix(x, 0),
      ),
  ],
  [
    "(notional 0.55-2.1M above",
    "0.55-2.1M",
    (o) => {
      const d = CF_PENALTY.map((p) => o.comparison("default", p, "liquidated_notional") / 1e6);
      return `${fix(Math.min(...d), 2)}-${fix(Math.max(...d), 1)}M`;
    },
  ],
  [
    "p < 0.001 everywhere but fraction 0.1 at 5%",
    "0.001",
    (o) =>
      below(
        Math.max(
          ...CF_PENALTY.filter((p) => p !== CF_SMALL_5).map((p) =>
            o.comparison("default", p, "liquidated_notional", "p_value"),
          ),
        ),
        "0.001",
      ),
  ],
  ["where the 0.55M is", "0.55M", (o) => M(o.comparison("default", CF_SMALL_5, "liquidated_notional"), 2)],
  [
    "the noise, p ~ 0.08,",
    "0.08",
    (o) => sig(o.comparison("default", CF_SMALL_5, "liquidated_notional", "p_value"), 1),
  ],
  [
    "still more than twice what fraction 0.1 sells",
    "twice",
    (o) =>
      cf(o, CF_SMALL_5, "liquidated_notional") > 2 * cf(o, CF_SMALL, "liquidated_notional")
        ? "twice"
        : fix(cf(o, CF_SMALL_5, "liquidated_notional") / cf(o, CF_SMALL, "liquidated_notional"), 2),
  ],
  [
    "bad debt 3.4-8x higher",
    "3.4-8x",
    (o) => {
      const r = CF_PENALTY.map((p) => cf(o, p, "bad_debt") / cf(o, CF_FULL, "bad_debt"));
      return `${fix(Math.min(...r), 1)}-${fix(Math.max(...r), 0)}x`;
    },
  ],
]);

// ---- leverage-crowding: point = leverage index x 5 + crowding index -----------------------------

const LEVERAGE = [8, 11, 13, 14, 15, 16, 17, 18, 19];
const lcPoint = (leverage: number, crowding: number) =>
  LEVERAGE.indexOf(leverage) * 5 + [0, 0.25, 0.5, 0.75, 1].indexOf(crowding);
const systemicRate = (o: Output, leverage: number, crowding: number) =>
  o.summary("default", lcPoint(leverage, crowding), "systemic");
/** the system-wide cascades (systemic = 1) at 17-19x with the given crowding */
const highSystemic = (o: Output, crowding: number) =>
  [17, 18, 19].flatMap((l) => o.runs("default", lcPoint(l, crowding))).filter((r) => r.systemic === 1);
const pctRange = (xs: number[]) => `${range(xs, (x) => pctNum(x))}%`;

/** with diverse portfolios: the lowest leverage with a system-wide cascade, and the lowest from which they are the rule */
const onset = (o: Output) => LEVERAGE.find((l) => systemicRate(o, l, 0) > 0);
const rule = (o: Output) =>
  LEVERAGE.find((l) => LEVERAGE.every((h) => h < l || systemicRate(o, h, 0) >= 0.8));

const leverageCrowding = claims(LC, "leverage-crowding", [
  [
    "nothing below 13x",
    "nothing",
    (o) => {
      const low = o.runsRows.filter((r) => (r["populations.leveraged.leverage"] as number) < 13);
      return Math.max(...values(low, "accounts_liquidated")) === 0 ? "nothing" : "some liquidations";
    },
  ],
  [
    "cascades in 83-92% of runs",
    "83-92%",
    (o) => pctRange([16, 17, 18, 19].map((l) => systemicRate(o, l, 0))),
  ],
  [
    "at 13-14x in ~8% of runs",
    "8%",
    (o) => [...new Set([13, 14].map((l) => pct(systemicRate(o, l, 1), 0)))].join("/"),
  ],
  ["BTC; 4-8% with", "4-8%", (o) => pctRange([13, 14].map((l) => systemicRate(o, l, 0)))],
  ["stay at 25-29% of runs", "25-29%", (o) => pctRange([17, 18, 19].map((l) => systemicRate(o, l, 1)))],
  [
    "(6.1 generations against 7.5)",
    "6.1",
    (o) => fix(avg(values(highSystemic(o, 1), "max_cascade_depth")), 1),
  ],
  [
    "(6.1 generations against 7.5)",
    "7.5",
    (o) => fix(avg(values(highSystemic(o, 0), "max_cascade_depth")), 1),
  ],
  [
    "(67% of the accounts against 50%)",
    "67%",
    (o) => pct(avg(values(highSystemic(o, 1), "accounts_liquidated_share")), 0),
  ],
  [
    "(67% of the accounts against 50%)",
    "50%",
    (o) => pct(avg(values(highSystemic(o, 0), "accounts_liquidated_share")), 0),
  ],
  ["(median ~16k against ~3k", "16k", (o) => k(median(values(highSystemic(o, 1), "bad_debt")), 0)],
  ["(median ~16k against ~3k", "3k", (o) => k(median(values(highSystemic(o, 0), "bad_debt")), 0)],
  ["19 such runs against 63", "19", (o) => String(highSystemic(o, 1).length)],
  ["19 such runs against 63", "63", (o) => String(highSystemic(o, 0).length)],
]);

const leverageInExperimentsReadme = claims(EX, "leverage-crowding", [
  ["switch on sharply between ~13x and ~16x", "13x", (o) => `${onset(o)}x`],
  ["switch on sharply between ~13x and ~16x", "16x", (o) => `${rule(o)}x`],
]);

// ---- execution-styles --------------------------------------------------------------------------

const esMean = (o: Output, v: string, m: string) => o.summary(v, 0, m);
const esRel = (o: Output, v: string, m: string) => o.comparison(v, 0, m) / esMean(o, "marketSweep", m);
const ES_VARIANTS = ["marketSweep", "sliced", "dutchAuction", "backstopVault", "adlOnly"];

const executionStyles = claims(ES, "execution-styles", [
  ["+20% notional", "+20%", (o) => signed(pct(esRel(o, "sliced", "liquidated_notional"), 0))],
  [
    "notional, p ~ 0.001",
    "0.001",
    (o) => sig(o.comparison("sliced", 0, "liquidated_notional", "p_value"), 1),
  ],
  [
    "deepens the BTC drawdown by a",
    "a",
    (o) => {
      const d = o.comparison("sliced", 0, "peak_drawdown_BTC") * 100;
      return Math.round(d) === 1 ? "a" : `${fix(d, 1)} points`;
    },
  ],
  ["point, p ~ 0.01:", "0.01", (o) => sig(o.comparison("sliced", 0, "peak_drawdown_BTC", "p_value"), 1)],
  [
    "with ~40% fewer accounts liquidated",
    "40%",
    (o) =>
      [
        ...new Set(["dutchAuction", "backstopVault"].map((v) => tens(-esRel(o, v, "accounts_liquidated")))),
      ].join("/"),
  ],
  [
    "leaves by far the most bad debt",
    "the most",
    (o) => {
      const [first, second] = [...ES_VARIANTS].sort(
        (a, b) => esMean(o, b, "bad_debt") - esMean(o, a, "bad_debt"),
      );
      return first === "dutchAuction" && esMean(o, first, "bad_debt") > 2 * esMean(o, second, "bad_debt")
        ? "the most"
        : `${first} most, then ${second}`;
    },
  ],
  [
    "REFERENCES.md; 94% of it",
    "94%",
    (o) => pct(esMean(o, "dutchAuction", "unrecovered_debt") / esMean(o, "dutchAuction", "bad_debt"), 0),
  ],
  [
    "leaves none (it takes the margin)",
    "none",
    (o) => (Math.max(...values(o.runs("backstopVault"), "bad_debt")) === 0 ? "none" : "some"),
  ],
]);

// ---- insurance-fund: points are the fund sizes 0, 200k, 400k, 600k, 800k -----------------------

const fired = (o: Output, point: number) => o.runs("default", point).filter((r) => r.adl_fired === 1);
const thousands = (x: number) => grouped(Math.round(x / 1000) * 1000);
const ifMean = (o: Output, point: number, m: string) => o.summary("default", point, m);
/** the metrics of a run, without the columns that name its point */
const outcome = (r: Row) =>
  JSON.stringify(Object.entries(r).filter(([c]) => c !== "point" && c !== "liquidation.loss.insuranceFund"));

const insuranceFund = claims(IF, "insurance-fund", [
  ["ADL fires in 59 of 60", "59", (o) => String(fired(o, 0).length)],
  ["200,000 leaves it in 15", "15", (o) => String(fired(o, 1).length)],
  ["leaves it in 15 (25%)", "25%", (o) => pct(ifMean(o, 1, "adl_fired"), 0)],
  ["400,000 in 2", "2", (o) => String(fired(o, 2).length)],
  ["in 2 (3.3%", "3.3%", (o) => pct(ifMean(o, 2, "adl_fired"))],
  [
    "interval 0.9-11.4%",
    "0.9-11.4%",
    (o) =>
      `${pctNum(o.summary("default", 2, "adl_fired", "ci_low"), 1)}-${pct(o.summary("default", 2, "adl_fired", "ci_high"))}`,
  ],
  [
    "drops of 18.4% and 19.2%",
    "18.4% and 19.2%",
    (o) =>
      values(fired(o, 2), "shock_size")
        .sort()
        .map((x) => pct(x))
        .join(" and "),
  ],
  ["which reach 19.8%", "19.8%", (o) => pct(Math.max(...values(o.runs("default", 2), "shock_size")))],
  ["600,000 in none (0 of 60", "0 of 60", (o) => `${fired(o, 3).length} of ${o.runs("default", 3).length}`],
  ["upper bound 6.0%", "6.0%", (o) => pct(o.summary("default", 3, "adl_fired", "ci_high"))],
  [
    "800,000 runs identically",
    "identically",
    (o) => {
      const a = o.runs("default", 3).map(outcome);
      const b = o.runs("default", 4).map(outcome);
      return a.every((x, i) => x === b[i]) ? "identically" : "differently";
    },
  ],
  [
    "deficit of any run was 507,000",
    "507,000",
    (o) => thousands(Math.max(...values(o.runsRows, "bad_debt"))),
  ],
  ["from 104,000 (no fund)", "104,000", (o) => thousands(ifMean(o, 0, "bad_debt"))],
  ["to 165,000 and", "165,000", (o) => thousands(ifMean(o, 3, "bad_debt"))],
  ["drawdown from 20.9%", "20.9%", (o) => pct(ifMean(o, 0, "peak_drawdown_BTC"))],
  ["to 24.6%", "24.6%", (o) => pct(ifMean(o, 3, "peak_drawdown_BTC"))],
  [
    "~50% higher after drops above 17.5%",
    "50%",
    // over all 300 runs: the mean bad debt after drops above 17.5% against the others
    (o) => {
      const big = o.runsRows.filter((r) => (r.shock_size as number) > 0.175);
      const small = o.runsRows.filter((r) => (r.shock_size as number) <= 0.175);
      return tens(avg(values(big, "bad_debt")) / avg(values(small, "bad_debt")) - 1);
    },
  ],
]);

const insuranceFundInLiquidationReadme = claims("packages/liquidation/README.md", "insurance-fund", [
  ["from 104k with no fund", "104k", (o) => k(ifMean(o, 0, "bad_debt"), 0)],
  ["to 165k with a fund", "165k", (o) => k(ifMean(o, 3, "bad_debt"), 0)],
  ["drawdown from 20.9%", "20.9%", (o) => pct(ifMean(o, 0, "peak_drawdown_BTC"))],
  ["to 24.6%", "24.6%", (o) => pct(ifMean(o, 3, "peak_drawdown_BTC"))],
]);

// ---- cross-asset-contagion ---------------------------------------------------------------------

/** an alt book walked down this far is "emptied" (the controls stay below 2%) */
const CRASH = 0.4;
const crashes = (o: Output) => o.runs("crossMargin").filter((r) => (r.untouched_drawdown as number) > CRASH);
const crashed = (r: Row, s: string) => (r[`peak_drawdown_${s}`] as number) > CRASH;

const crossAssetContagion = claims(CAC, "cross-asset-contagion", [
  [
    "with cross margin (~1.2% vs",
    "1.2%",
    (o) => pct(o.summary("crossMargin", 0, "untouched_drawdown", "median")),
  ],
  [
    "~0.9% in both controls",
    "0.9%",
    (o) =>
      [
        ...new Set(
          ["isolated", "unlevered"].map((v) => pct(o.summary(v, 0, "untouched_drawdown", "median"))),
        ),
      ].join("/"),
  ],
  ["in 6 of 30 replications", "6 of 30", (o) => `${crashes(o).length} of ${o.runs("crossMargin").length}`],
  [
    "walk it down 46-70%",
    "46-70%",
    (o) => `${range(values(crashes(o), "untouched_drawdown"), (x) => pctNum(x))}%`,
  ],
  ["SOL in five", "five", (o) => word(count(crashes(o), (r) => crashed(r, "SOL")))],
  ["ETH in three", "three", (o) => word(count(crashes(o), (r) => crashed(r, "ETH")))],
  ["both in two", "two", (o) => word(count(crashes(o), (r) => crashed(r, "SOL") && crashed(r, "ETH")))],
  ["p95 ~58%", "58%", (o) => pct(o.summary("crossMargin", 0, "untouched_drawdown", "p95"), 0)],
  [
    "of 0.13-1.2M",
    "0.13-1.2M",
    (o) => {
      const d = values(crashes(o), "bad_debt").map((x) => x / 1e6);
      return `${fix(Math.min(...d), 2)}-${fix(Math.max(...d), 1)}M`;
    },
  ],
  [
    "never go beyond ~1.4%",
    "1.4%",
    (o) =>
      pct(Math.max(...["isolated", "unlevered"].flatMap((v) => values(o.runs(v), "untouched_drawdown")))),
  ],
]);

// ---- the main README (the default study; its closing table: doc-numbers.test.ts) --------------

const percent = (x: number) => fix(x * 100, 0);
/** how far each end of the BCa interval of each of full's metrics moves with the stream (sd / width) */
const bcaSpreads = (o: Output) =>
  Object.keys(o.runsRows[0])
    .slice(4)
    .flatMap((m) => {
      const s = bcaStreamSpread(values(o.runs("full"), m));
      return s === null ? [] : [s.low, s.high];
    });
/** each size's t-interval coverage (interval-coverage.ts) of full's runs of each metric */
const tCoverage = (o: Output, metrics: string[]) =>
  metrics.flatMap((m) => STUDY_SIZES.map((n) => resampledCoverage(values(o.runs("full"), m), n).covered));

// ---- the shared market's calibration: from its definition and from the crowd before the shock ---

const THREE = "experiments/lib/three-assets.ts";
/** ticks for a fundamental's gap to its anchor to halve, (1 - k)^t = 1/2, to the nearest 50 */
const halfLife = () =>
  String(Math.round(Math.log(0.5) / Math.log(1 - (fundamentals.meanReversion as number)) / 50) * 50);
/** the crowd's capital: its lognormal's median to the nearest 1,000, and the crowd's total at its mean */
const capitalMedian = () => thousands(Math.exp(crowdCapital.mu));
/** (the clamps at 2,000 and 100,000 move the mean by under 0.1%) */
const crowdCapitalTotal = () =>
  (leveragedCrowd() as { count: number }).count * Math.exp(crowdCapital.mu + crowdCapital.sigma ** 2 / 2);
/** crowd-before-shock: the crowd's lots per instrument (to 100) and their ratio to the bid depth, in words */
const crowdLots = (o: Output) => grouped(Math.round(o.summary("full", 0, "crowd_lots") / 100) * 100);
const crowdToDepth = (o: Output) =>
  word(Math.round(o.summary("full", 0, "crowd_lots") / o.summary("full", 0, "bid_depth")));

/** how many distinct values a runs.csv column takes */
const distinct = (o: Output, column: string) => new Set(o.runsRows.map((r) => r[column])).size;
/** a study's size as experiments/README.md's table and the headers write it: "4 variants x 60" */
const studyShape = (o: Output) =>
  distinct(o, "point") > 1
    ? `${distinct(o, "point")} points x ${distinct(o, "replication")}`
    : `${distinct(o, "variant")} variants x ${distinct(o, "replication")}`;
/** the variants in runs.csv's order, the manifest's */
const variantsOf = (o: Output) => [...new Set(o.runsRows.map((r) => r.variant as string))];
/** a run's number, `run = (point * V + variant) * R + replication` (point 0), and its row there */
const runOf = (o: Output, variant: string, replication: number) => {
  const run = variantsOf(o).indexOf(variant) * distinct(o, "replication") + replication;
  const row = o.runsRows[run];
  if (row.variant !== variant || row.replication !== replication)
    throw new Error(`runs.csv's row ${run} is not replication ${replication} of ${variant}`);
  return run;
};
/** execution-styles' keepers: the median of their capital's lognormal, to the nearest 50,000 */
const keeperCapital = () => {
  const keepers = executionStylesStudy.populations.find((p) => p.kind === "liquidator") as unknown as {
    capital: { mu: number };
  };
  return grouped(Math.round(Math.exp(keepers.capital.mu) / 50_000) * 50_000);
};

/**
 * ticks from the shock until BTC first trades at or below its fundamental (timeseries.csv's price
 * and fundamental, every sampled tick), mean over all runs, to the nearest 10
 */
const pricedIn = (o: Output) => {
  const shock = partialVsFullStudy.shocks?.[0].atTick as number;
  const first = new Map<string, number>();
  for (const r of o.timeseries()) {
    const run = `${r.variant}/${r.point}/${r.replication}`;
    if (r.instrument !== "BTC" || (r.tick as number) < shock || first.has(run)) continue;
    if ((r.price as number) <= (r.fundamental as number)) first.set(run, (r.tick as number) - shock);
  }
  if (first.size !== o.runsRows.length)
    throw new Error(`BTC met its fundamental in ${first.size} runs of ${o.runsRows.length}`);
  return String(Math.round(avg([...first.values()]) / 10) * 10);
};

/** the venue's leverage cap, 1 / initial margin, of each of a study's instruments (one value) */
const maxLeverage = (study: typeof partialVsFullStudy) => () => {
  const caps = new Set(
    study.market.instruments.map((i) => `${Math.round(1 / (i.margin?.initial as number))}x`),
  );
  if (caps.size !== 1) throw new Error(`${study.name}: instruments capped at ${[...caps].join(", ")}`);
  return [...caps][0];
};
/** the crowd's highest leverage: its equity over maintenance, in points of notional */
const topBuffer = () => pct(1 / crowdLeverage.max - margin.maintenance, 0);

const calibration = [
  ...claims(PVF, "partial-vs-full", [
    ["20x max leverage: initial margin 5%", "20x", maxLeverage(partialVsFullStudy)],
    ["a 2% buffer over maintenance", "2%", topBuffer],
  ]),
  ...claims(THREE, "partial-vs-full", [
    ["ticks; 20x max leverage:", "20x", maxLeverage(partialVsFullStudy)],
    ["(the top 2% above maintenance)", "2%", topBuffer],
  ]),
  ...claims(EX, "partial-vs-full", [["20x max leverage (initial", "20x", maxLeverage(partialVsFullStudy)]]),
  ...claims(CFS, "close-factor-sweep", [
    ["20x max leverage with", "20x", maxLeverage(closeFactorSweepStudy)],
  ]),
  ...claims(LC, "leverage-crowding", [["20x max leverage with", "20x", maxLeverage(leverageCrowdingStudy)]]),
  ...claims(ES, "execution-styles", [["20x max leverage with", "20x", maxLeverage(executionStylesStudy)]]),
  ...claims(CAC, "cross-asset-contagion", [
    ["20x max leverage with", "20x", maxLeverage(crossAssetContagionStudy)],
  ]),
  ...claims("README.md", "partial-vs-full", [["shock is priced in over about 130", "130", pricedIn]]),
  ...claims(EX, "partial-vs-full", [
    [
      "10% on BTC gives cascades in nearly every replication",
      "nearly every",
      (o) => {
        const share = cascades(o, "full") / o.runs("full").length;
        return share >= 0.9 ? "nearly every" : `${pct(share, 0)} of the`;
      },
    ],
  ]),
  ...claims(EX, "partial-vs-full", [
    ["(here ~130 ticks, until BTC first trades", "130", pricedIn],
    ["price even a gap in over ~130 ticks", "130", pricedIn],
  ]),
  ...[
    ["partial-vs-full", "4 variants x 60"],
    ["close-factor-sweep", "15 points x 20"],
    ["leverage-crowding", "45 points x 24"],
    ["execution-styles", "5 variants x 30"],
    ["insurance-fund", "5 points x 60"],
    ["cross-asset-contagion", "3 variants x 30"],
  ].flatMap(([study, quoted]) => claims(EX, study, [[`| ${quoted} |`, quoted, studyShape]])),
  ...claims(CFS, "close-factor-sweep", [
    ["15 points x 20 replications = 300 runs", "15 points x 20", studyShape],
    ["15 points x 20 replications = 300 runs", "300", (o) => String(o.runsRows.length)],
  ]),
  ...claims(LC, "leverage-crowding", [
    ["45 points x 24 replications = 1,080 runs", "45 points x 24", studyShape],
    ["45 points x 24 replications = 1,080 runs", "1,080", (o) => grouped(o.runsRows.length)],
  ]),
  ...claims(ES, "execution-styles", [
    ["150 runs (run times", "150", (o) => String(o.runsRows.length)],
    ["(keepers: ~450,000 each", "450,000", keeperCapital],
  ]),
  ...claims(CAC, "cross-asset-contagion", [["90 runs (run times", "90", (o) => String(o.runsRows.length)]]),
  ...claims("README.md", "partial-vs-full", [
    ["vault), 60 paired", "60", (o) => String(distinct(o, "replication"))],
    [
      "studies run 800-1,100 ticks",
      "800-1,100",
      () =>
        range(
          [
            partialVsFullStudy,
            closeFactorSweepStudy,
            leverageCrowdingStudy,
            executionStylesStudy,
            insuranceFundStudy,
            crossAssetContagionStudy,
          ].map((s) => s.ticks as number),
          grouped,
        ),
    ],
    // "Citing figures": the run of replication 3 of closeFactor50, by the README's formula
    ["`closeFactor50` (variant 1 of 4)", "1", (o) => String(variantsOf(o).indexOf("closeFactor50"))],
    ["`closeFactor50` (variant 1 of 4)", "4", (o) => String(variantsOf(o).length)],
    ["replications: run 63, `--shard 64/240`", "63", (o) => String(runOf(o, "closeFactor50", 3))],
    [
      "replications: run 63, `--shard 64/240`",
      "64/240",
      (o) => `${runOf(o, "closeFactor50", 3) + 1}/${o.runsRows.length}`,
    ],
  ]),
  ...claims(EX, "gap-vs-drawdown", [
    [
      "`meanReversion` 0.002, about 5% of",
      "5%",
      // a drop in 50 equal log-steps, each reverting by k a tick: the share gone when the last lands
      () => {
        const k = fundamentals.meanReversion as number;
        return pct(1 - (1 - (1 - k) ** 50) / (k * 50), 0);
      },
    ],
    ["(60 replications, 240 runs, 14-22 s", "60", (o) => String(distinct(o, "replication"))],
    ["(60 replications, 240 runs, 14-22 s", "240", (o) => String(o.runsRows.length)],
  ]),
  ...claims(EX, "margin-top-ups", [
    ["replications, 80 runs; means", "80", (o) => String(o.runsRows.length)],
    // the reserve: half of the crowd's capital at its lognormal's mean
    ["(about 0.62M a run, half of its 1.24M", "0.62M", () => M(0.5 * crowdCapitalTotal(), 2)],
    ["(about 0.62M a run, half of its 1.24M", "1.24M", () => M(crowdCapitalTotal(), 2)],
    [
      "3% under full close",
      "3%",
      (o) => pct(o.summary("full", 1, "topped_up") / (0.5 * crowdCapitalTotal()), 0),
    ],
    [
      "1.5% under the stepwise rule",
      "1.5%",
      (o) => pct(o.summary("stepwiseBackstop", 1, "topped_up") / (0.5 * crowdCapitalTotal())),
    ],
  ]),
  ...claims(PVF, "partial-vs-full", [
    ["half-life ~350 ticks)", "350", halfLife],
    ["lognormal around 11,000 (in aggregate", "11,000", capitalMedian],
    ["240 runs (run times", "240", (o) => String(o.runsRows.length)],
  ]),
  ...claims(PVF, "crowd-before-shock", [
    ["about 1,200 lots per instrument once entered, about four", "1,200", crowdLots],
    ["about 1,200 lots per instrument once entered, about four", "four", crowdToDepth],
  ]),
  ...claims(THREE, "partial-vs-full", [
    ["fundamentals, half-life ~350 ticks.", "350", halfLife],
    ["capital lognormal around 11,000", "11,000", capitalMedian],
  ]),
  ...claims(THREE, "crowd-before-shock", [
    ["~1,200 lots per instrument once entered, about four times", "1,200", crowdLots],
    ["~1,200 lots per instrument once entered, about four times", "four", crowdToDepth],
  ]),
  ...claims(EX, "partial-vs-full", [["gone after ~350 ticks)", "350", halfLife]]),
  ...claims(EX, "crowd-before-shock", [
    ["about 1,200 lots per instrument once entered, is about four times", "1,200", crowdLots],
    ["about 1,200 lots per instrument once entered, is about four times", "four", crowdToDepth],
  ]),
  ...claims(IF, "insurance-fund", [
    ["(the crowd's equity is ~1.2M)", "1.2M", () => M(crowdCapitalTotal())],
    [
      "507,000, about 40% of the crowd's",
      "40%",
      (o) => tens(Math.max(...values(o.runsRows, "bad_debt")) / crowdCapitalTotal()),
    ],
    ["5 points x 60 replications = 300 runs", "5 points x 60", studyShape],
    ["5 points x 60 replications = 300 runs", "300", (o) => String(o.runsRows.length)],
    [
      "60 replications cannot show a rate below 5%",
      "60",
      (o) => {
        const n = o.runs("default", 0).length;
        return wilsonInterval(0, n)[1] >= 0.05 ? String(n) : `${n} (whose 0 of ${n} can)`;
      },
    ],
    [
      "73 would): rerun",
      "73",
      () => {
        // the fewest replications whose 0 outcomes put the Wilson interval's top below 5%
        let n = 1;
        while (wilsonInterval(0, n)[1] >= 0.05) n++;
        return String(n);
      },
    ],
  ]),
];

const readmeOnDefaultStudy = claims("README.md", "partial-vs-full", [
  ["sells about 7.5% less", "7.5%", (o) => pct(-pvfRel(o, "restoreToTarget", "liquidated_notional"))],
  [
    "liquidate a third fewer accounts",
    "a third",
    (o) => thirds(-pvfRel(o, "stepwiseBackstop", "accounts_liquidated")),
  ],
  [
    "the t-test gives p 0.22",
    "0.22",
    (o) => sig(o.comparison("stepwiseBackstop", 0, "peak_drawdown_ETH", "p_value"), 2),
  ],
  [
    "gives 0.009.",
    "0.009",
    (o) => sig(o.comparison("stepwiseBackstop", 0, "peak_drawdown_ETH", "p_wilcoxon"), 1),
  ],
  // "Skewed metrics": the t interval's coverage on samples resampled from full's runs
  [
    "covered the mean only 59-92% of the time",
    "59-92%",
    (o) => `${range(tCoverage(o, ["bad_debt", "peak_drawdown_SOL"]), percent)}%`,
  ],
  [
    "carried by one crash, 34-64%",
    "34-64%",
    (o) => `${range(tCoverage(o, ["peak_drawdown_ETH"]), percent)}%`,
  ],
  [
    "almost always by sitting",
    "almost always",
    (o) => {
      // the skewed metrics' misses at every size, pooled: the share that lay below the mean
      const cells = ["bad_debt", "peak_drawdown_SOL", "peak_drawdown_ETH"].flatMap((m) =>
        STUDY_SIZES.map((n) => resampledCoverage(values(o.runs("full"), m), n)),
      );
      const low = avg(cells.map((c) => c.low)) / avg(cells.map((c) => 1 - c.covered));
      return low >= 0.95 ? "almost always" : `${pct(low)} of the misses`;
    },
  ],
  ["it held (94-95%)", "94-95%", (o) => `${range(tCoverage(o, ["liquidated_notional"]), percent)}%`],
  [
    "Samples of 20, 40 and 60 drawn",
    "20, 40 and 60",
    () => STUDY_SIZES.join(", ").replace(/, (\d+)$/, " and $1"),
  ],
  ["study's 60 full-close runs, 10,000 each", "60", (o) => String(o.runs("full").length)],
  ["study's 60 full-close runs, 10,000 each", "10,000", () => grouped(STUDY_TRIALS)],
  ["an end by about 1.2% of", "1.2%", (o) => pct(median(bcaSpreads(o)))],
  ["the median sd over 20 streams", "20", () => String(STREAMS)],
  ["up to 7.5% on the long side", "7.5%", (o) => pct(Math.max(...bcaSpreads(o)))],
]);

// ---- experiments/README.md's examples (experiments/examples/) ----------------------------------

const frozenVsFree = claims(EX, "frozen-vs-free", [
  ["`stepwise` liquidated 2.49M", "2.49M", (o) => M(o.summary("frozen", 0, "liquidated_notional"), 2)],
  ["against 2.54M free", "2.54M", (o) => M(o.summary("free", 0, "liquidated_notional"), 2)],
  ["(paired p 0.40)", "0.40", (o) => fix(o.comparison("free", 0, "liquidated_notional", "p_value"), 2)],
]);

/** shock-size: points are BTC shocks of 5%, 7%, 10% under full close */
const shockCascades = (o: Output, point: number) =>
  `${cascades(o, "full", point)} of ${o.runs("full", point).length}`;
const shockSize = claims(EX, "shock-size", [
  ["7% too (29 of 30 under full close)", "29 of 30", (o) => shockCascades(o, 1)],
  ["smaller (~18 accounts liquidated", "18", (o) => fix(o.summary("full", 1, "accounts_liquidated"), 0)],
  ["against ~31 at 10%", "31", (o) => fix(o.summary("full", 2, "accounts_liquidated"), 0)],
  ["5% in about half (14 of 30)", "14 of 30", (o) => shockCascades(o, 0)],
  [
    "5% in about half (14 of 30)",
    "about half",
    (o) => {
      const share = cascades(o, "full", 0) / o.runs("full", 0).length;
      return Math.abs(share - 0.5) <= 0.1 ? "about half" : `${pct(share, 0)}`;
    },
  ],
  [
    "a median of 1 account liquidated",
    "1",
    (o) => fix(median(values(o.runs("full", 0), "accounts_liquidated")), 0),
  ],
]);

/** a row of the gap-vs-drawdown table: the policy at overTicks 1 (point 0) or 50 (point 1) */
function gapRow(policy: string, point: number, line: string, cells: string[]): Claim[] {
  const own = { baseline: policy, baseline_point: 0 };
  const fmt: Record<string, (o: Output) => string> = {
    accounts: (o) => fix(o.summary(policy, point, "accounts_liquidated"), 1),
    diff: (o) => signed(fix(o.comparison(policy, point, "accounts_liquidated", "mean_diff", own), 1)),
    pAccounts: (o) => below(o.comparison(policy, point, "accounts_liquidated", "p_holm", own), "1e-5"),
    notional: (o) => M(o.summary(policy, point, "liquidated_notional"), 2),
    drawdown: (o) => pct(o.summary(policy, point, "peak_drawdown_BTC")),
    badDebt: (o) => {
      const x = o.summary(policy, point, "bad_debt");
      return x >= 1000 ? k(x) : fix(x, 0);
    },
    pBadDebt: (o) => sig(o.comparison(policy, point, "bad_debt", "p_holm", own), 1),
  };
  return cells.map((c) => {
    const [name, quoted] = c.split("=");
    return { doc: EX, out: "gap-vs-drawdown", at: line, quoted, actual: fmt[name] };
  });
}

const gapVsDrawdown: Claim[] = [
  ...gapRow("full", 0, "| full | 1 | 30.4 | 3.86M | 11.8% | 7.0k |", [
    "accounts=30.4",
    "notional=3.86M",
    "drawdown=11.8%",
    "badDebt=7.0k",
  ]),
  ...gapRow("full", 1, "| full | 50 | 35.1 (+4.7, p_holm < 1e-5) | 4.52M | 13.2% | 14.2k (p_holm 0.03) |", [
    "accounts=35.1",
    "diff=+4.7",
    "pAccounts=1e-5",
    "notional=4.52M",
    "drawdown=13.2%",
    "badDebt=14.2k",
    "pBadDebt=0.03",
  ]),
  ...gapRow("stepwiseBackstop", 0, "| stepwiseBackstop | 1 | 19.8 | 2.24M | 8.8% | 540 |", [
    "accounts=19.8",
    "notional=2.24M",
    "drawdown=8.8%",
    "badDebt=540",
  ]),
  ...gapRow(
    "stepwiseBackstop",
    1,
    "| stepwiseBackstop | 50 | 22.2 (+2.4, p_holm < 1e-5) | 2.56M | 9.4% | 924 (p_holm 0.009) |",
    [
      "accounts=22.2",
      "diff=+2.4",
      "pAccounts=1e-5",
      "notional=2.56M",
      "drawdown=9.4%",
      "badDebt=924",
      "pBadDebt=0.009",
    ],
  ),
  ...claims(EX, "gap-vs-drawdown", [
    [
      "(-42% notional after the gap",
      "-42%",
      (o) =>
        pct(
          o.comparison("stepwiseBackstop", 0, "liquidated_notional") /
            o.summary("full", 0, "liquidated_notional"),
          0,
        ),
    ],
    [
      "-43% after the slide)",
      "-43%",
      (o) =>
        pct(
          o.comparison("stepwiseBackstop", 1, "liquidated_notional", "mean_diff", { baseline: "full" }) /
            o.summary("full", 1, "liquidated_notional"),
          0,
        ),
    ],
  ]),
];

const dipBuyers = claims(EX, "my-dip-buyers", [
  [
    "9.7, 7.9 and 5.3 accounts liquidated",
    "9.7, 7.9 and 5.3",
    (o) =>
      [0, 1, 2]
        .map((p) => fix(o.summary("default", p, "accounts_liquidated"), 1))
        .join(", ")
        .replace(/, (?=[^,]*$)/, " and "),
  ],
]);

const e6 = (x: number) => x.toExponential(2).replace("e+", "e");
const earlyTrigger = claims(EX, "my-early-trigger", [
  ["liquidated notional 1.94e6 against", "1.94e6", (o) => e6(o.summary("early", 0, "liquidated_notional"))],
  ["against 1.58e6 for a", "1.58e6", (o) => e6(o.summary("full", 0, "liquidated_notional"))],
  [
    "accounts liquidated 10.3 against 9.7",
    "10.3",
    (o) => fix(o.summary("early", 0, "accounts_liquidated"), 1),
  ],
  ["accounts liquidated 10.3 against 9.7", "9.7", (o) => fix(o.summary("full", 0, "accounts_liquidated"), 1)],
  ["bad debt 5,820 against 152", "5,820", (o) => grouped(o.summary("early", 0, "bad_debt"))],
  ["bad debt 5,820 against 152", "152", (o) => grouped(o.summary("full", 0, "bad_debt"))],
  ["(1.72% against 1.69%)", "1.72%", (o) => pct(o.summary("early", 0, "largest_tick_drop"), 2)],
  ["(1.72% against 1.69%)", "1.69%", (o) => pct(o.summary("full", 0, "largest_tick_drop"), 2)],
  ["(118.6 against 121)", "118.6", (o) => fix(o.summary("early", 0, "first_liquidation_after"), 1)],
  [
    "(118.6 against 121)",
    "121",
    (o) => String(Number(fix(o.summary("full", 0, "first_liquidation_after"), 1))),
  ],
]);

const deleverage = claims("packages/liquidation/README.md", "custom-deleverage", [
  [
    "liquidated notional 1.37e6 against 1.58e6",
    "1.37e6",
    (o) => e6(o.summary("to10x", 0, "liquidated_notional")),
  ],
  [
    "liquidated notional 1.37e6 against 1.58e6",
    "1.58e6",
    (o) => e6(o.summary("full", 0, "liquidated_notional")),
  ],
  [
    "with the same 9.7 accounts liquidated",
    "9.7",
    (o) => {
      const [own, full] = ["to10x", "full"].map((v) => fix(o.summary(v, 0, "accounts_liquidated"), 1));
      return own === full ? own : `${own} (full close: ${full})`;
    },
  ],
]);

/** the vault table's cells: "-" is a blank, others the mean at the point, rounded as written */
function vaultRow(line: string, variant: string, point: number): Claim[] {
  const columns = ["backstop_declined", "book_liquidated_notional", "adl_volume", "backstop_pnl"];
  const cells = line
    .split("|")
    .slice(2, -1)
    .map((c) => c.trim());
  return cells
    .map((quoted, i) => ({ quoted, metric: columns[i] }))
    .filter(({ quoted }) => quoted !== "-")
    .map(({ quoted, metric }) => ({
      doc: EX,
      out: "my-vault-capital",
      at: line,
      quoted,
      actual: (o: Output) => {
        const x = o.summary(variant, point, metric);
        if (quoted === "0") return x === 0 ? "0" : String(x);
        if (quoted.endsWith("M")) return M(x, 2);
        if (quoted.endsWith("k")) return k(x);
        return fix(x, 1);
      },
    }));
}

const vaultCapital: Claim[] = [
  ...vaultRow("| none (`noVault`) | - | 204.8k | 4.81M | - |", "noVault", 0),
  ...vaultRow("| capital 0 | 42.2 | 204.8k | 4.81M | 0 |", "vault", 0),
  ...vaultRow("| capital 10,000 | 38.7 | 166.0k | 4.64M | -3.3k |", "vault", 1),
  ...vaultRow("| capital 30,000 | 35.9 | 156.6k | 4.33M | -13.8k |", "vault", 2),
  ...vaultRow("| capital 100,000 | 27.2 | 146.9k | 3.29M | -51.6k |", "vault", 3),
  ...vaultRow("| capital 1,000,000 | 0 | 135.6k | 0 | -164.9k |", "vault", 4),
  ...vaultRow("| unbounded | - | 135.6k | 0 | -0.2k |", "unbounded", 0),
  ...claims(EX, "my-vault-capital", [
    [
      "means per run; 39 of the",
      "39",
      (o) =>
        [
          ...new Set(
            o.summaryRows
              .filter((r) => r.metric === "accounts_liquidated")
              .map((r) => fix(r.mean as number, 0)),
          ),
        ].join("/"),
    ],
    [
      "`bad_debt` is ~165k in all of them",
      "165k",
      (o) =>
        [
          ...new Set(o.summaryRows.filter((r) => r.metric === "bad_debt").map((r) => k(r.mean as number, 0))),
        ].join("/"),
    ],
    ["(`backstop_absorbed` 0.3k", "0.3k", (o) => k(o.summary("unbounded", 0, "backstop_absorbed"))],
    ["pays 164.8k as", "164.8k", (o) => k(o.summary("unbounded", 0, "adl_covered"))],
    ["absorbs 165.1k of bad debt", "165.1k", (o) => k(o.summary("vault", 4, "backstop_absorbed"))],
    ["itself (`adl_covered` 0)", "0", (o) => String(o.summary("vault", 4, "adl_covered"))],
  ]),
];

/** a row of the margin top-up table: the policy with a reserve of 0 (point 0) or of half its capital (point 1) */
function topUpRow(policy: string, point: number, line: string, cells: string[]): Claim[] {
  const own = { baseline: policy, baseline_point: 0 };
  const two = (x: number) => String(Number(fix(x, 2)));
  const fmt: Record<string, (o: Output) => string> = {
    toppedUp: (o) => {
      const x = o.summary(policy, point, "topped_up");
      return x === 0 ? "0" : k(x);
    },
    accounts: (o) => two(o.summary(policy, point, "accounts_liquidated")),
    notional: (o) => M(o.summary(policy, point, "liquidated_notional"), 2),
    notionalDiff: (o) => {
      const x = o.comparison(policy, point, "liquidated_notional", "mean_diff", own);
      return Math.abs(x) >= 1e5 ? M(x, 2) : k(x, 0);
    },
    drawdown: (o) => pct(o.summary(policy, point, "peak_drawdown_BTC"), policy === "full" ? 1 : 2),
    badDebt: (o) => {
      const x = o.summary(policy, point, "bad_debt");
      return x >= 1000 ? k(x) : fix(x, 0);
    },
  };
  for (const [name, metric] of [
    ["pAccounts", "accounts_liquidated"],
    ["pNotional", "liquidated_notional"],
    ["pDrawdown", "peak_drawdown_BTC"],
    ["pBadDebt", "bad_debt"],
  ])
    fmt[name] = (o) => fix(o.comparison(policy, point, metric, "p_value", own), 2);
  return cells.map((c) => {
    const [name, quoted] = c.split("=");
    return { doc: EX, out: "margin-top-ups", at: line, quoted, actual: fmt[name] };
  });
}

const marginTopUps: Claim[] = [
  ...topUpRow("full", 0, "| full | 0 | 0 | 42.9 | 5.67M | 14.4% | 17.8k |", [
    "toppedUp=0",
    "accounts=42.9",
    "notional=5.67M",
    "drawdown=14.4%",
    "badDebt=17.8k",
  ]),
  ...topUpRow(
    "full",
    1,
    "| full | 0.5 x capital | 20.6k | 41.25 (p 0.15) | 5.14M (-0.53M, p 0.02) | 13.6% (p 0.08) | 9.9k (p 0.08) |",
    [
      "toppedUp=20.6k",
      "accounts=41.25",
      "pAccounts=0.15",
      "notional=5.14M",
      "notionalDiff=-0.53M",
      "pNotional=0.02",
      "drawdown=13.6%",
      "pDrawdown=0.08",
      "badDebt=9.9k",
      "pBadDebt=0.08",
    ],
  ),
  ...topUpRow("stepwiseBackstop", 0, "| stepwiseBackstop | 0 | 0 | 22.3 | 2.49M | 9.56% | 620 |", [
    "toppedUp=0",
    "accounts=22.3",
    "notional=2.49M",
    "drawdown=9.56%",
    "badDebt=620",
  ]),
  ...topUpRow(
    "stepwiseBackstop",
    1,
    "| stepwiseBackstop | 0.5 x capital | 9.1k | 22.1 (p 0.04) | 2.46M (-30k, p 0.06) | 9.55% (p 0.33) | 511 (p 0.33) |",
    [
      "toppedUp=9.1k",
      "accounts=22.1",
      "pAccounts=0.04",
      "notional=2.46M",
      "notionalDiff=-30k",
      "pNotional=0.06",
      "drawdown=9.55%",
      "pDrawdown=0.33",
      "badDebt=511",
      "pBadDebt=0.33",
    ],
  ),
  ...claims(EX, "margin-top-ups", [
    [
      "liquidated by about 9%, and the fall",
      "9%",
      (o) =>
        pct(
          -o.comparison("full", 1, "liquidated_notional", "mean_diff", {
            baseline: "full",
            baseline_point: 0,
          }) / o.summary("full", 0, "liquidated_notional"),
          0,
        ),
    ],
  ]),
];

/** a row of the margin-spiral table: point 0, 1, 2 = maxMultiplier 1 (fixed), 1.5, 3 under full close */
function spiralRow(point: number, line: string, cells: string[]): Claim[] {
  const fmt: Record<string, (o: Output) => string> = {
    accounts: (o) => fix(o.summary("full", point, "accounts_liquidated"), 1),
    diff: (o) => signed(fix(o.comparison("full", point, "accounts_liquidated"), 1)),
    pAccounts: (o) => below(o.comparison("full", point, "accounts_liquidated", "p_value"), "1e-5"),
    notional: (o) => M(o.summary("full", point, "liquidated_notional"), 2),
    drawdown: (o) => pct(o.summary("full", point, "peak_drawdown_BTC")),
    pDrawdown: (o) => below(o.comparison("full", point, "peak_drawdown_BTC", "p_value"), "0.001"),
    depth: (o) => fix(o.summary("full", point, "max_cascade_depth"), 1),
    badDebt: (o) => k(o.summary("full", point, "bad_debt")),
    pBadDebt: (o) => sig(o.comparison("full", point, "bad_debt", "p_value"), 1),
  };
  return cells.map((c) => {
    const [name, quoted] = c.split("=");
    return { doc: EX, out: "margin-spiral", at: line, quoted, actual: fmt[name] };
  });
}

const marginSpiral: Claim[] = [
  ...spiralRow(0, "| 1 (fixed) | 31.1 | 3.81M | 11.7% | 4.6 | 5.6k |", [
    "accounts=31.1",
    "notional=3.81M",
    "drawdown=11.7%",
    "depth=4.6",
    "badDebt=5.6k",
  ]),
  ...spiralRow(1, "| 1.5 | 42.5 (+11.4, p < 1e-5) | 5.41M | 13.6% (p < 0.001) | 5.7 | 7.2k (p 0.06) |", [
    "accounts=42.5",
    "diff=+11.4",
    "pAccounts=1e-5",
    "notional=5.41M",
    "drawdown=13.6%",
    "pDrawdown=0.001",
    "depth=5.7",
    "badDebt=7.2k",
    "pBadDebt=0.06",
  ]),
  ...spiralRow(2, "| 3 | 60.3 (+29.2, p < 1e-5) | 8.09M | 15.1% (p < 0.001) | 6.0 | 10.4k (p 0.03) |", [
    "accounts=60.3",
    "diff=+29.2",
    "pAccounts=1e-5",
    "notional=8.09M",
    "drawdown=15.1%",
    "pDrawdown=0.001",
    "depth=6.0",
    "badDebt=10.4k",
    "pBadDebt=0.03",
  ]),
  ...claims(EX, "margin-spiral", [
    ["replications, 90 runs; means, each point", "90", (o) => String(o.runsRows.length)],
  ]),
];

export const CLAIMS: Claim[] = [
  ...partialVsFull,
  ...closeFactorSweep,
  ...leverageCrowding,
  ...leverageInExperimentsReadme,
  ...defaultStudyMarket,
  ...executionStyles,
  ...insuranceFund,
  ...insuranceFundInLiquidationReadme,
  ...crossAssetContagion,
  ...readmeOnDefaultStudy,
  ...calibration,
  ...frozenVsFree,
  ...gapVsDrawdown,
  ...shockSize,
  ...dipBuyers,
  ...earlyTrigger,
  ...deleverage,
  ...vaultCapital,
  ...marginTopUps,
  ...marginSpiral,
];
