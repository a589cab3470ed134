// Public API of the simulator: pure functions, no I/O. Web (tRPC/REST), worker and CLI call these.
export { fitAll, FIT_SCRIPT_VERSION } from "./calibration/fit";
export type { TMeasurement } from "./calibration/predict-row";
export {
  DEVICES,
  deviceIds,
  engineIds,
  findDevice,
  findEngine,
  findModel,
  findQuant,
  listDevices,
  listEngines,
  listModels,
  listQuants,
  modelIds,
  quantIds,
  resolveDevice,
  resolveEngine,
  resolveModel,
  resolveQuant,
  type TCatalogEntry,
} from "./catalog";
export { ENGINES } from "./catalog-engines";
export { MODELS } from "./catalog-models";
export { QUANTS } from "./catalog-quants";
export { GiB, kvBytesPerToken, weightBytes } from "./memory";
import { FITTED } from "./params";

export { DERIVATION_RULES, FITTED, type TFitted } from "./params";
export { type TSimPoint, toPoint, ZSimPoint } from "./point";
export {
  parseOrThrow,
  type TScenario,
  type TScenarioInput,
  type TSweepInput,
  ZDeviceOverrides,
  ZKvDtype,
  ZPhase,
  ZScenario,
  ZScenarioList,
  ZSimResult,
  ZSweep,
} from "./schema";
export {
  minTpToFit,
  resolveScenario,
  SWEEP_INLINE_MAX,
  SWEEP_MAX,
  serving,
  simulate,
  simulateMany,
  simulateParsed,
  sweep,
} from "./simulate";
export type * from "./types";

/** Where the shipped efficiency parameters come from (for the UI's "how accurate is this" note). */
export const calibrationInfo = () => ({
  fittedAt: FITTED.fittedAt,
  generatedBy: FITTED.generatedBy,
  rows: FITTED.inputs.rows,
  rules: FITTED.rules,
});
