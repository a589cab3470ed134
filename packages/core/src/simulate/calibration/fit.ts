// Deterministic, dependency-free fitting of the simulator's efficiency parameters.
// Loss = Σ ln(pred/measured)² + λ Σ ln(θ/θ_prior)²; minimized by coordinate descent in log space
// (each parameter multiplied by e^±step, step halved when nothing improves). Same input → same output.
// Rows of "medium" confidence (second-hand transcriptions, user reports) weigh half as much as "high" ones.
import { ENGINE_PRIORS } from "../catalog-engines";
import type { TFitGroup, TFitted, TGlobalsFitted } from "../params";
import type { TEffParams } from "../types";
import { peakTflops } from "../perf";
import { decodeStep, prefillStep } from "../simulate";
import { predictRow, type TMeasurement, type TPreparedRow, prepareRow } from "./predict-row";

export const FIT_SCRIPT_VERSION = "simulate-fit@1";
const CALIBRATED_DEVICE = "nvidia-h100-sxm5-80gb";
const CALIBRATED_ENGINE = "torch-cudagraph";

/** Engines whose GEMMs come from the vendor BLAS (cuBLAS / CUTLASS / hipBLASLt); llama.cpp has its own kernels. */
const GEMM_ENGINES = new Set([
  "vllm",
  "tensorrt-llm",
  "tgi",
  "onnxruntime",
  "pytorch-eager",
  "torch-cudagraph",
]);
const FAMILIES = ["nvidia-datacenter", "nvidia-consumer", "nvidia-edge", "amd", "apple", "intel"];
const LAMBDA = { engine: 0.02, family: 0.05, device: 0.1 } as const;
const UPPER: Partial<Record<string, number>> = {
  etaBw: 1,
  etaF: 1,
  pBase: 1,
  pMem: 2,
  pCmp: 3,
  sharpness: 12,
};

type TVec = Record<string, number>;

export interface TDescentResult {
  theta: TVec;
  loss: number;
}

/** Coordinate descent in log space over the named keys of theta. */
export function descend(
  theta0: TVec,
  keys: string[],
  loss: (t: TVec) => number,
  maxIter = 150,
): TDescentResult {
  const theta = { ...theta0 };
  let best = loss(theta);
  let step = 0.5;
  for (let it = 0; it < maxIter && step > 0.002; it++) {
    let improved = false;
    for (const k of keys) {
      const cur = theta[k] as number;
      for (const dir of [1, -1]) {
        let v = cur * Math.exp(dir * step);
        const up = UPPER[k];
        if (up !== undefined && v > up) v = up;
        if (v === cur) continue;
        theta[k] = v;
        const l = loss(theta);
        if (l < best - 1e-12) {
          best = l;
          improved = true;
          break;
        }
        theta[k] = cur;
      }
    }
    if (!improved) step /= 2;
  }
  return { theta, loss: best };
}

const logErr = (pred: number, meas: number) => {
  const r = Math.log(Math.max(pred, 1e-12) / meas);
  return r * r;
};

const EFF_KEYS = ["etaBw", "etaQ", "etaF", "stepUs", "layerUs", "arUs"] as const;

function fitGroup(
  rows: TPreparedRow[],
  prior: TEffParams,
  lambda: number,
  g: TGlobalsFitted,
): Omit<TFitGroup, "level"> {
  const keys: string[] = EFF_KEYS.filter(
    (k) =>
      (k !== "arUs" || rows.some((r) => r.x.tp > 1)) &&
      (k !== "etaQ" || rows.some((r) => r.x.quant.format === "gguf" && r.x.quant.linearBits < 16)),
  );
  const loss = (t: TVec) => {
    const eff = t as unknown as TEffParams;
    let l = 0;
    for (const r of rows)
      l += (r.row.confidence === "high" ? 1 : 0.5) * logErr(predictRow(r, eff, g), r.row.value);
    for (const k of keys)
      l += lambda * Math.log((t[k] as number) / (prior[k as keyof TEffParams] as number)) ** 2;
    return l;
  };
  const { theta } = descend({ ...prior } as unknown as TVec, keys, loss);
  const eff = theta as unknown as TEffParams;
  let se = 0;
  for (const r of rows) se += logErr(predictRow(r, eff, g), r.row.value);
  return {
    params: roundParams(eff),
    rows: rows.map((r) => r.row.id),
    rmsLogError: +Math.sqrt(se / Math.max(1, rows.length)).toFixed(4),
    versions: [...new Set(rows.map((r) => r.row.engineVersion ?? "unknown"))].sort(),
  };
}

const round = (v: number, d = 4) => +v.toPrecision(d);
const roundParams = (p: TEffParams): TEffParams => ({
  etaBw: round(p.etaBw),
  etaQ: round(p.etaQ ?? 1),
  etaF: round(p.etaF),
  stepUs: round(p.stepUs),
  layerUs: round(p.layerUs),
  arUs: round(p.arUs),
  pBase: round(p.pBase),
  pMem: round(p.pMem),
  pCmp: round(p.pCmp),
});

/** Relative least squares for activation peak = tokens x (a x hidden + b x intermediate). */
function fitActivation(rows: TPreparedRow[], fallback: TGlobalsFitted["act"]): TGlobalsFitted["act"] {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let t1 = 0;
  let t2 = 0;
  for (const r of rows) {
    const tokens = r.x.batch * r.x.promptTokens;
    const x1 = (tokens * r.x.model.hidden) / r.row.value;
    const x2 = (tokens * r.x.model.intermediate) / r.row.value;
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    t1 += x1;
    t2 += x2;
  }
  const det = s11 * s22 - s12 * s12;
  if (rows.length < 2 || Math.abs(det) < 1e-12) return fallback;
  return { perHidden: round((t1 * s22 - t2 * s12) / det), perInter: round((s11 * t2 - s12 * t1) / det) };
}

/**
 * Power shares by linear least squares on the share of (TDP − idle) each row drew, weighted by 1/P² (relative
 * error), against memory and compute utilization of the predicted step. Rows at the power limit only say
 * "share ≥ 1" and are left out. A negative coefficient is dropped and the rest refitted.
 */
function fitPower(
  rows: TPreparedRow[],
  effFor: (p: TPreparedRow) => TEffParams,
  g: TGlobalsFitted,
): TGlobalsFitted["power"] {
  const samples = rows
    .filter((r) => r.row.value < 0.97 * r.x.device.tdpW)
    .map((r) => {
      const eff = effFor(r);
      const f = r.x.phase === "prefill" ? prefillStep(r.x, eff, g) : decodeStep(r.x, eff, g);
      const s = f.ms / 1e3;
      const d = r.x.device;
      const uMem = Math.min(1, f.bytes / s / (d.memBwGBps * 1e9));
      const uCmp = Math.min(1, f.flops / s / (peakTflops(d, r.x.quant) * 1e12));
      const share = (r.row.value - d.idleW) / (d.tdpW - d.idleW);
      const w = (d.tdpW - d.idleW) / r.row.value;
      return { x: [1, uMem, uCmp], y: share, w };
    });
  let active = [0, 1, 2];
  let coef = [0.3, 0.4, 0.6];
  for (let pass = 0; pass < 3; pass++) {
    const n = active.length;
    const A = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
    for (const smp of samples) {
      const ww = smp.w * smp.w;
      for (let a = 0; a < n; a++) {
        const xa = smp.x[active[a] as number] as number;
        for (let b = 0; b < n; b++)
          (A[a] as number[])[b] =
            ((A[a] as number[])[b] as number) + ww * xa * (smp.x[active[b] as number] as number);
        (A[a] as number[])[n] = ((A[a] as number[])[n] as number) + ww * xa * smp.y;
      }
    }
    const sol = solve(A);
    if (!sol) break;
    coef = [0, 0, 0];
    active.forEach((k, a) => {
      coef[k] = sol[a] as number;
    });
    const neg = active.filter((k) => (coef[k] as number) < 0);
    if (!neg.length) break;
    active = active.filter((k) => !neg.includes(k));
    for (const k of neg) coef[k] = 0;
  }
  return { pBase: round(coef[0] as number), pMem: round(coef[1] as number), pCmp: round(coef[2] as number) };
}

/** Gaussian elimination with partial pivoting on an augmented n x (n+1) matrix. */
function solve(A: number[][]): number[] | null {
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs((A[r] as number[])[c] as number) > Math.abs((A[piv] as number[])[c] as number)) piv = r;
    if (Math.abs((A[piv] as number[])[c] as number) < 1e-15) return null;
    [A[c], A[piv]] = [A[piv] as number[], A[c] as number[]];
    const row = A[c] as number[];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const other = A[r] as number[];
      const f = (other[c] as number) / (row[c] as number);
      for (let k = c; k <= n; k++) other[k] = (other[k] as number) - f * (row[k] as number);
    }
  }
  return A.map((row, i) => (row[n] as number) / (row[i] as number));
}

export interface TFitInput {
  rows: TMeasurement[];
  /** Run keys to leave out (leave-one-run-out evaluation). */
  exclude?: Set<string>;
  fittedAt: string;
  calibrationDate: string;
  measurementsRef: string;
  /** Leave-one-out speed-up: keep `base`'s globals and groups, refit only these engines (and globals if asked). */
  reuse?: { base: TFitted; engines: Set<string>; globals: boolean };
}

const DEFAULT_GLOBALS: TGlobalsFitted = {
  h0: 1130,
  sharpness: 3,
  act: { perHidden: 11.5, perInter: 8 },
  power: { pBase: 0.3, pMem: 0.4, pCmp: 0.6 },
};

/** Fit everything: activation coefficients, global GEMM-width / roofline-sharpness constants, per-engine
 * hierarchies (engine → family → device), then the global power shares. */
export function fitAll(input: TFitInput): TFitted {
  const prepared = input.rows.map(prepareRow).filter((p) => !input.exclude?.has(p.runKey));
  const reuse = input.reuse;
  const g: TGlobalsFitted = structuredClone(reuse && !reuse.globals ? reuse.base.globals : DEFAULT_GLOBALS);
  const redoGlobals = !reuse || reuse.globals;

  // 1. Activation peak from the calibration's torch-allocated activation peaks.
  // Rows under 1,024 tokens are dominated by a fixed workspace (~45 MB) the per-token model leaves out.
  if (redoGlobals)
    g.act = fitActivation(
      prepared.filter(
        (p) =>
          p.row.metric === "activation_bytes" &&
          p.row.origin === "h100-calibration" &&
          p.x.batch * p.x.promptTokens >= 1024,
      ),
      g.act,
    );

  // 2. Globals (h0, sharpness) jointly with the calibrated pair's efficiencies.
  const latency = prepared.filter((p) => p.row.group === "latency");
  const calRows = latency.filter(
    (p) => p.x.engine.id === CALIBRATED_ENGINE && p.x.device.id === CALIBRATED_DEVICE,
  );
  const calPrior = ENGINE_PRIORS[CALIBRATED_ENGINE] as TEffParams;
  if (redoGlobals && calRows.length >= 4) {
    const keys = ["etaBw", "etaF", "stepUs", "layerUs", "h0", "sharpness"];
    const loss = (t: TVec) => {
      const gg = { ...g, h0: t.h0 as number, sharpness: t.sharpness as number };
      let l = 0;
      for (const r of calRows) l += logErr(predictRow(r, t as unknown as TEffParams, gg), r.row.value);
      return l;
    };
    const { theta } = descend(
      { ...calPrior, h0: g.h0, sharpness: g.sharpness } as unknown as TVec,
      keys,
      loss,
      200,
    );
    g.h0 = round(theta.h0 as number);
    g.sharpness = round(theta.sharpness as number);
  }

  // 3. Per-engine hierarchies.
  const groups: Record<string, TFitGroup> = reuse ? structuredClone(reuse.base.groups) : {};
  if (reuse)
    for (const k of Object.keys(groups)) if (reuse.engines.has(k.split("|")[0] as string)) delete groups[k];
  const engines = [...new Set(latency.map((p) => p.x.engine.id))].sort();
  const fitEngine = (e: string, famEtaF: (f: string) => number | undefined) => {
    const rowsE = latency.filter((p) => p.x.engine.id === e);
    const prior = (ENGINE_PRIORS[e] ?? ENGINE_PRIORS.vllm) as TEffParams;
    const pooled = { ...fitGroup(rowsE, prior, LAMBDA.engine, g), level: "engine" as const };
    groups[e] = pooled;
    const families = [...new Set(rowsE.map((p) => p.x.device.family))].sort();
    for (const f of families) {
      const rowsF = rowsE.filter((p) => p.x.device.family === f);
      const etaF = famEtaF(f);
      const famPrior = { ...pooled.params, ...(etaF !== undefined ? { etaF } : {}) };
      const fam = { ...fitGroup(rowsF, famPrior, LAMBDA.family, g), level: "family" as const };
      groups[`${e}|${f}`] = fam;
      const devices = [...new Set(rowsF.map((p) => p.x.device.id))].sort();
      for (const d of devices) {
        const rowsD = rowsF.filter((p) => p.x.device.id === d);
        groups[`${e}|${d}`] = {
          ...fitGroup(rowsD, { ...fam.params }, LAMBDA.device, g),
          level: "device" as const,
        };
      }
    }
  };
  const toFit = engines.filter((e) => !reuse || reuse.engines.has(e));
  for (const e of toFit) fitEngine(e, () => undefined);
  // GEMM efficiency is mostly a property of the hardware and its BLAS library, not of the serving engine:
  // a family's etaF prior is the median of the other GEMM-library engines' fits on that family.
  const crossEtaF = (f: string, except?: string): number | undefined => {
    const vals = Object.entries(groups)
      .filter(([k, grp]) => {
        const [e, fam] = k.split("|");
        return grp.level === "family" && fam === f && e !== except && GEMM_ENGINES.has(e as string);
      })
      .map(([, grp]) => grp.params.etaF)
      .sort((a, b) => a - b);
    return vals.length ? (vals[Math.floor((vals.length - 1) / 2)] as number) : undefined;
  };
  for (const e of toFit) if (GEMM_ENGINES.has(e)) fitEngine(e, (f) => crossEtaF(f, e));
  g.familyEtaF = {};
  for (const f of FAMILIES) {
    const v = crossEtaF(f);
    if (v !== undefined) g.familyEtaF[f] = v;
  }

  // 4. Power shares, global, on measured board-power rows with each row's fitted latency. Energy-per-token
  // rows stay out of the fit: they also carry the engine's unmodelled CPU overheads, and serve as a check.
  const powerRows = prepared.filter((p) => p.row.metric === "power_w");
  const effFor = (p: TPreparedRow): TEffParams => {
    for (const k of [
      `${p.x.engine.id}|${p.x.device.id}`,
      `${p.x.engine.id}|${p.x.device.family}`,
      p.x.engine.id,
    ]) {
      const hit = groups[k];
      if (hit) return hit.params;
    }
    return (ENGINE_PRIORS[p.x.engine.id] ?? ENGINE_PRIORS.vllm) as TEffParams;
  };
  if (powerRows.length >= 3) g.power = fitPower(powerRows, effFor, g);
  for (const grp of Object.values(groups)) grp.params = { ...grp.params, ...g.power };

  return {
    generatedBy: FIT_SCRIPT_VERSION,
    fittedAt: input.fittedAt,
    inputs: {
      measurements: input.measurementsRef,
      rows: prepared.length,
      calibrationDate: input.calibrationDate,
    },
    rules: [],
    globals: g,
    groups,
  };
}
