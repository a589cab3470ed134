import type { TEngine } from "./engines";
import type { TQuantization } from "./spec";

// Sizing the startup budget: a probe that gives up before weights are downloaded and loaded crash-loops
// the pod forever (KubeAI #176, AIBrix #685). Budget = engine start + download + load, with headroom.

const BYTES_PER_PARAM: Record<TQuantization, number> = {
  none: 2,
  fp32: 4,
  fp16: 2,
  bf16: 2,
  fp8: 1,
  int8: 1,
  q8_0: 1.07,
  q6_k: 0.82,
  q5_k_m: 0.71,
  int4: 0.55,
  awq: 0.55,
  gptq: 0.55,
  bitsandbytes: 0.55,
  q4_k_m: 0.6,
  q4_0: 0.56,
  gguf: 0.6,
};

/** Billions of parameters from a model id: "Llama-3.2-70B-instruct" → 70, "Mixtral-8x7B" → 56, "Phi-3-mini-3.8B" → 3.8. */
export function paramsFromName(name: string): number | undefined {
  const moe = /(\d+)x(\d+(?:\.\d+)?)b(?![a-z])/i.exec(name);
  if (moe?.[1] && moe[2]) return Number(moe[1]) * Number(moe[2]);
  const all = [...name.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)([bm])(?![a-z])/gi)];
  const last = all.at(-1);
  if (!last?.[1] || !last[2]) return undefined;
  const n = Number(last[1]);
  return last[2].toLowerCase() === "m" ? n / 1000 : n;
}

/** Weights size in GB (decimal), or undefined when the name says nothing and no sizeGB was given. */
export function modelSizeGB(
  name: string,
  quantization: TQuantization | undefined,
  sizeGB?: number,
): number | undefined {
  if (sizeGB !== undefined) return sizeGB;
  const p = paramsFromName(name);
  if (p === undefined) return undefined;
  return Math.round(p * BYTES_PER_PARAM[quantization ?? "none"] * 10) / 10;
}

/** Assumed rates: a conservative datacenter download and a local NVMe/page-cache load, both per pod. */
export const DOWNLOAD_GBPS = 0.25;
export const LOAD_GBPS = 2;

export interface TStartupBudget {
  seconds: number;
  /** How the number was reached, for the rendered comment/annotation. */
  basis: string;
}

export function startupBudget(
  engine: TEngine,
  sizeGB: number | undefined,
  override?: number,
): TStartupBudget {
  if (override !== undefined) return { seconds: override, basis: "model.startupTimeout" };
  const size = sizeGB ?? 15;
  const raw = engine.baseStartupSeconds + size / DOWNLOAD_GBPS + size / LOAD_GBPS;
  // ×1.5 headroom, at least 5 minutes, rounded up to whole minutes.
  const seconds = Math.max(300, Math.ceil((raw * 1.5) / 60) * 60);
  return {
    seconds,
    basis: `${engine.name} start ${engine.baseStartupSeconds}s + ${size} GB at ${DOWNLOAD_GBPS} GB/s download + ${LOAD_GBPS} GB/s load, x1.5${sizeGB === undefined ? " (size unknown, assumed 15 GB)" : ""}`,
  };
}

/**
 * Grace period for draining: vLLM stops taking requests on SIGTERM but finishes running ones. Longest
 * request ≈ maxModelLen tokens at ~30 ms/token worst case + prefill margin, plus the preStop sleep.
 */
export function terminationGraceSeconds(maxModelLen: number | undefined, preStopSeconds: number): number {
  const longest = Math.min(600, ((maxModelLen ?? 4096) / 2) * 0.03 * 1.2);
  return Math.ceil(longest + preStopSeconds + 10);
}
