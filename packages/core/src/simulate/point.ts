// The compact point that the UI shows and that stored sweeps keep: the scenario's axes plus the metrics
// the verdict and charts use. Web (inline runs) and worker (simulate.sweep) both store this shape.
import { z } from "zod";
import type { TScenario } from "./schema";
import type { TSimResult } from "./types";

/**
 * One simulated point as the UI and stored sweeps keep it: the scenario's axes and the metrics the
 * verdict and charts show.
 */
export const ZSimPoint = z.object({
  device: z.string(),
  model: z.string(),
  quant: z.string(),
  engine: z.string(),
  tp: z.number(),
  batch: z.number(),
  promptTokens: z.number(),
  contextTokens: z.number(),
  outputTokens: z.number(),
  phase: z.enum(["prefill", "decode"]),
  fits: z.boolean(),
  oomReason: z.string().nullable(),
  weightsBytes: z.number(),
  weightsBytesPerGpu: z.number(),
  kvBytes: z.number(),
  kvBytesPerToken: z.number(),
  kvCapacityTokens: z.number(),
  maxConcurrency: z.number(),
  memoryBytesPerGpu: z.number(),
  usableBytesPerGpu: z.number(),
  ttftMs: z.number(),
  decodeMsPerStep: z.number(),
  tokensPerS: z.number(),
  prefillTokensPerS: z.number(),
  decodeTokensPerS: z.number(),
  e2eMs: z.number(),
  powerW: z.number(),
  prefillPowerW: z.number(),
  decodePowerW: z.number(),
  energyPerTokenJ: z.number(),
  boundPrefill: z.string(),
  boundDecode: z.string(),
  paramsSource: z.string(),
});
export type TSimPoint = z.infer<typeof ZSimPoint>;

export function toPoint(s: TScenario, r: TSimResult): TSimPoint {
  return {
    device: r.device,
    model: r.model,
    quant: r.quant,
    engine: r.engine,
    tp: r.tp,
    batch: r.batch,
    promptTokens: s.promptTokens,
    contextTokens: s.contextTokens ?? s.promptTokens,
    outputTokens: s.outputTokens,
    phase: r.phase,
    fits: r.fits,
    oomReason: r.oomReason,
    weightsBytes: r.weightsBytes,
    weightsBytesPerGpu: r.weightsBytesPerGpu,
    kvBytes: r.kvBytes,
    kvBytesPerToken: r.kvBytesPerToken,
    kvCapacityTokens: r.kvCapacityTokens,
    maxConcurrency: r.maxConcurrency,
    memoryBytesPerGpu: r.memoryBytesPerGpu,
    usableBytesPerGpu: r.usableBytesPerGpu,
    ttftMs: r.ttftMs,
    decodeMsPerStep: r.decodeMsPerStep,
    tokensPerS: r.tokensPerS,
    prefillTokensPerS: r.prefillTokensPerS,
    decodeTokensPerS: r.decodeTokensPerS,
    e2eMs: r.e2eMs,
    powerW: r.powerW,
    prefillPowerW: r.prefillPowerW,
    decodePowerW: r.decodePowerW,
    energyPerTokenJ: r.energyPerTokenJ,
    boundPrefill: r.bound.prefill,
    boundDecode: r.bound.decode,
    paramsSource: r.params.source,
  };
}
