export {
  type Agent,
  Fundamentalist,
  type FundamentalistConfig,
  type LeveragedConfig,
  LeveragedTrader,
  Liquidator,
  type LiquidatorConfig,
  MarketMaker,
  type MarketMakerConfig,
  type MomentumConfig,
  MomentumTrader,
  type NoiseConfig,
  NoiseTrader,
  type Quote,
} from "./archetypes.js";
export { type BaselineOptions, baselinePopulations } from "./baseline.js";
export {
  correlationFactor,
  type FundamentalSpec,
  Fundamentals,
  validateFundamentalSpec,
} from "./fundamentals.js";
export { type MetaOrderImpact, type MetaOrderOptions, metaOrderImpact } from "./impact.js";
export {
  type AgentContext,
  agentLabel,
  type BuiltPopulation,
  buildPopulation,
  buildPopulations,
  labelKind,
} from "./population.js";
export {
  type ActivationSpec,
  type CustomAgentContext,
  type CustomAgentsParams,
  customAgents,
  type FundamentalistParams,
  fundamentalists,
  type LeveragedParams,
  type LiquidatorParams,
  leveragedTraders,
  liquidators,
  type MarginTopUpSpec,
  type MarketMakerParams,
  type MomentumParams,
  marketMakers,
  momentumTraders,
  type NoiseParams,
  noiseTraders,
  type PopulationKind,
  type PopulationSpec,
  populationLabel,
  SCHEMA as POPULATION_SCHEMA,
  validatePopulationSpec,
} from "./spec.js";
export { type StylizedFacts, stylizedFacts } from "./stylized.js";
export { AgentView, MarketTape, marketTape, type OrderActivity, orderActivity, type Trade } from "./tape.js";
