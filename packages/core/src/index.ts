export { copyInto, isTypedArray } from "./arrays.js";
export { type Dist, distMax, distMean, distMin, sample, validateDist } from "./dist.js";
export {
  CascadeError,
  deferredBody,
  describeThrown,
  formatValue,
  memberPath,
  NotAnError,
  ReturnedValueError,
  requireFinite,
  requireInteger,
  rethrownBy,
  thrownBy,
  ValidationError,
} from "./errors.js";
export { PHASES, type Phase, RunLoop, type RunLoopOptions } from "./loop.js";
export { nearestName, suggestName } from "./names.js";
export { Rng } from "./rng.js";
export { type Activation, ActivationScheduler } from "./scheduler.js";
export { FastSubject, withObserverErrorsRaised } from "./subject.js";
