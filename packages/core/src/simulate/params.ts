import { ENGINE_PRIORS, ENGINES } from "./catalog-engines";
import fittedData from "./data/fitted-params.json";
import type { TActivationCoeffs } from "./memory";
import type { TGlobals } from "./perf";
import type { TDevice, TEffParams, TEngine } from "./types";

export type TFitLevel = "engine" | "family" | "device";

export interface TFitGroup {
  level: TFitLevel;
  params: TEffParams;
  /** Measurement ids the group was fitted on. */
  rows: string[];
  /** Root-mean-square log error on those rows after the fit. */
  rmsLogError: number;
  /** Engine versions of those rows (the parameters describe these releases). */
  versions: string[];
}

export interface TGlobalsFitted extends TGlobals {
  act: TActivationCoeffs;
  power: { pBase: number; pMem: number; pCmp: number };
  /** Median GEMM efficiency of the GEMM-library engines per device family (fallback for unfitted pairs). */
  familyEtaF?: Record<string, number>;
}

export interface TFitted {
  generatedBy: string;
  fittedAt: string;
  inputs: { measurements: string; rows: number; calibrationDate: string };
  rules: string[];
  globals: TGlobalsFitted;
  /** Keys: "engine", "engine|family", "engine|device-id". */
  groups: Record<string, TFitGroup>;
}

/** The shipped fit (src/simulate/data/fitted-params.json, written by scripts/simulate-fit.ts). */
export const FITTED = fittedData as TFitted;

/** How parameters for a pair without its own data are found (also printed by the fitter). */
export const DERIVATION_RULES = [
  "1. (engine, device) fitted on that device's rows, shrunk towards the engine's family-level fit;",
  "2. else (engine, device family) fitted on the family's rows, its etaF prior being the median of the other GEMM-library engines on that family (families: nvidia-datacenter, nvidia-consumer, nvidia-edge, amd, apple, intel);",
  "3. else the engine's pooled fit over every device it was measured on (efficiencies are shares of each device's own spec, so they transfer), with the GEMM efficiency etaF taken from the device family's median over the GEMM-library engines (every engine but llama.cpp), or NVIDIA data-center's when the family has none;",
  "4. else an engine with no measurements derives from a measured one (catalog-engines.ts derivedFrom: tgi <- vllm, onnxruntime <- pytorch-eager) with the stated overhead scale;",
  "5. power shares (pBase, pMem, pCmp) are global: fitted on the H100 board-power rows, applied to each device's TDP and idle (idle = 10.5 % of TDP where not measured).",
];

export interface TResolvedParams {
  eff: TEffParams;
  /** Which fit the parameters came from, e.g. "fit:vllm|nvidia-h100-sxm5-80gb" or "derived:tgi<-vllm|…". */
  source: string;
  /** Engine versions the parameters were fitted on. */
  versions: string[];
}

export type TParamResolver = (device: TDevice, engine: TEngine) => TResolvedParams;

export function makeResolver(fitted: TFitted): TParamResolver {
  const cache = new Map<string, TResolvedParams>();
  const power = fitted.globals.power;
  const chain = (
    engineId: string,
    device: TDevice,
  ): { p: TEffParams; key: string; versions: string[] } | null => {
    // A customized device ("+custom") keeps its base device's calibration.
    const id = device.id.replace(/\+custom$/, "");
    for (const key of [`${engineId}|${id}`, `${engineId}|${device.family}`, engineId]) {
      const g = fitted.groups[key];
      if (g) return { p: g.params, key, versions: g.versions ?? [] };
    }
    return null;
  };
  return (device, engine) => {
    const ck = `${engine.id}|${device.id}|${device.family}`;
    const hit = cache.get(ck);
    if (hit) return hit;
    let res: TResolvedParams;
    const own = chain(engine.id, device);
    // Families with no GEMM-library measurements borrow NVIDIA data-center's, where the H100 calibration lives.
    const famEtaF =
      fitted.globals.familyEtaF?.[device.family] ?? fitted.globals.familyEtaF?.["nvidia-datacenter"];
    if (own) {
      // An engine-level (pooled) fit learned its GEMM efficiency on other hardware: use the family's instead.
      const etaF = own.key === engine.id && famEtaF && engine.id !== "llama.cpp" ? famEtaF : own.p.etaF;
      res = { eff: { ...own.p, etaF, ...power }, source: `fit:${own.key}`, versions: own.versions };
    } else if (engine.derivedFrom) {
      const d = engine.derivedFrom;
      const base = chain(d.engine, device);
      const p = (base?.p ?? ENGINE_PRIORS[d.engine] ?? ENGINE_PRIORS.vllm) as TEffParams;
      res = {
        eff: {
          ...p,
          etaBw: p.etaBw * d.etaScale,
          etaF: p.etaF * d.etaScale,
          stepUs: p.stepUs * d.overheadScale,
          layerUs: p.layerUs * d.overheadScale,
          arUs: p.arUs * d.overheadScale,
          ...power,
        },
        source: `derived:${engine.id}<-${base ? base.key : `prior:${d.engine}`}`,
        versions: base?.versions ?? [],
      };
    } else {
      const p = ENGINE_PRIORS[engine.id] ?? ENGINE_PRIORS.vllm;
      res = { eff: { ...(p as TEffParams), ...power }, source: `prior:${engine.id}`, versions: [] };
    }
    cache.set(ck, res);
    return res;
  };
}

export const shippedResolver: TParamResolver = makeResolver(FITTED);
export const shippedGlobals: TGlobalsFitted = FITTED.globals;
export const engineById = new Map(ENGINES.map((e) => [e.id, e]));
