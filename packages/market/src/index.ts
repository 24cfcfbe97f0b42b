export * from "./auction.js";
export * from "./instrument.js";
export * from "./margin.js";
export * from "./marks.js";
export * from "./orderbook.js";
export * from "./venue.js";
export * from "./volatility-margin.js";
