/**
 * @cascade/liquidation: liquidation engine, composable policies and presets, insurance fund,
 * auto-deleveraging, socialised loss and bad debt, with cascade tracing (cause / generation).
 */

export { LiquidationEngine, type LiquidationEngineOptions } from "./engine.js";
export {
  amountPlan,
  checkedKey,
  checkedLots,
  checkedTest,
  estimateSweep,
  type Holding,
  holdingsOf,
  maintenanceRate,
  orderHoldings,
  type PlanItem,
  penaltyAmount,
  readOnlyHoldings,
  splitProRata,
  triggered,
  worstPrice,
} from "./policy.js";
export { type PresetOverrides, presets } from "./presets.js";
export type {
  AmountSpec,
  BackstopSpec,
  ExecutionKind,
  ExecutionSpec,
  LiquidationRecord,
  LiquidationStats,
  LossSpec,
  MarginCall,
  OrderingSpec,
  PenaltySpec,
  PolicySpec,
  TriggerSpec,
  WhileLiquidating,
} from "./types.js";
export { validatePolicySpec } from "./validate.js";
