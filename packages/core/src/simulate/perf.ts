import type { TWeightBreakdown } from "./memory";
import { kvBytesPerTokenPerGpu } from "./memory";
import type { TBound, TDevice, TEffParams, TModel, TQuant } from "./types";

/** Constants shared by every (device, engine) pair, fitted on the H100 calibration. */
export interface TGlobals {
  /** GEMM efficiency grows with width: etaF x hidden / (hidden + h0). */
  h0: number;
  /** Exponent of the smooth max between memory and compute time (p -> infinity: plain roofline max). */
  sharpness: number;
}

/** Dense peak the GEMMs of this quant run at: FP8 W8A8 needs FP8 tensor cores, else W8A16 at FP16 rate. */
export function peakTflops(d: TDevice, q: TQuant): number {
  const t = d.tflops;
  const fp16 = t.bf16 ?? t.fp16 ?? t.fp32 ?? 1;
  if (q.format === "gguf") return t.fp16acc ?? t.fp16 ?? fp16;
  if (q.compute === "fp8") return t.fp8 ?? fp16;
  if (q.compute === "int8") return t.int8 ?? fp16;
  return fp16;
}

export interface TForward {
  ms: number;
  memMs: number;
  cmpMs: number;
  overheadMs: number;
  bytes: number;
  flops: number;
  bound: TBound;
}

export interface TForwardInput {
  device: TDevice;
  model: TModel;
  quant: TQuant;
  weights: TWeightBreakdown;
  tp: number;
  kvBytesPerElement: number;
  /** Sequences in the step. */
  seqs: number;
  /** New tokens per sequence (prompt length for prefill, 1 for decode). */
  newTokens: number;
  /** Tokens already in each sequence's KV cache (decode). */
  context: number;
  /** Prefill tokens riding along in the same step (continuous batching with chunked prefill), and the
   * causal-attention flops they bring. */
  piggyTokens?: number;
  piggyAttnFlops?: number;
  /** Engine launches kernels from the CPU one by one (eager): launch time overlaps GPU time. */
  cpuLaunched?: boolean;
}

/**
 * Time of one forward step on one tensor-parallel group (pipeline stages run one after another, so a step
 * sees the whole model regardless of the stage count):
 *   t = smoothmax(bytes / (etaBw x BW), flops / (etaF' x peak)) + stepUs + layers x layerUs + all-reduces
 * bytes = weights read (MoE: experts touched) + KV read and written; flops = 2 x active params per token
 * + attention (4 x heads x head_dim per context token per layer, causal halves it in prefill) + lm_head
 * for the last position of each sequence.
 */
export function forward(x: TForwardInput, eff: TEffParams, g: TGlobals): TForward {
  const { model: m, weights: w, tp, seqs, newTokens, context } = x;
  const piggy = x.piggyTokens ?? 0;
  const tokens = seqs * newTokens + piggy;
  let layerBytes = w.layerBytes;
  if (m.experts && m.expertsPerToken) {
    // Distinct experts a step touches: E x (1 - (1 - k/E)^tokens).
    const touched = m.experts * (1 - (1 - m.expertsPerToken / m.experts) ** tokens);
    layerBytes -= m.layers * (m.experts - touched) * w.expertBytes;
  }
  const lmHead = m.tiedEmbeddings ? w.embeddingBytes : w.lmHeadBytes;
  const kvTok = kvBytesPerTokenPerGpu(m, x.kvBytesPerElement, tp, 1);
  const kvBytes = (seqs * (context + newTokens) + piggy) * kvTok;
  const weightBytesRead = (layerBytes + lmHead) / tp;
  const bytes = weightBytesRead + kvBytes;
  const qDim = m.heads * m.headDim;
  const attn =
    newTokens > 1
      ? seqs * m.layers * 2 * qDim * newTokens * (newTokens + 2 * context)
      : seqs * m.layers * 4 * qDim * (context + 1);
  const flops =
    (2 * tokens * w.activeLinearParamsPerToken +
      attn +
      (x.piggyAttnFlops ?? 0) +
      2 * seqs * m.vocab * m.hidden) /
    tp;
  const bw = x.device.memBwGBps * 1e9;
  const peak = peakTflops(x.device, x.quant) * 1e12;
  // llama.cpp's dequantizing kernels stream quantized weights below the 16-bit rate (fitted etaQ).
  const etaQ = x.quant.format === "gguf" && x.quant.linearBits < 16 ? eff.etaQ : 1;
  const memS = (weightBytesRead / etaQ + kvBytes) / (eff.etaBw * bw);
  const cmpS = flops / (eff.etaF * (m.hidden / (m.hidden + g.h0)) * peak);
  const p = g.sharpness;
  const core =
    memS > cmpS ? memS * (1 + (cmpS / memS) ** p) ** (1 / p) : cmpS * (1 + (memS / cmpS) ** p) ** (1 / p);
  const launchS = m.layers * eff.layerUs * 1e-6;
  let overheadS = eff.stepUs * 1e-6 + (x.cpuLaunched ? 0 : launchS);
  if (tp > 1) {
    const msg = tokens * m.hidden * 2;
    const link = Math.max(x.device.linkGBps, 1) * 1e9 * 0.7;
    overheadS += 2 * m.layers * (eff.arUs * 1e-6 * Math.log2(tp) + (msg * 2 * (tp - 1)) / tp / link);
  }
  let gpuS = core;
  if (x.cpuLaunched)
    gpuS =
      gpuS > launchS
        ? gpuS * (1 + (launchS / gpuS) ** p) ** (1 / p)
        : launchS * (1 + (gpuS / launchS) ** p) ** (1 / p);
  const s = gpuS + overheadS;
  if (x.cpuLaunched) overheadS += Math.max(0, gpuS - core);
  const bound: TBound =
    overheadS > memS && overheadS > cmpS ? "overhead" : memS >= cmpS ? "memory" : "compute";
  return {
    ms: s * 1e3,
    memMs: memS * 1e3,
    cmpMs: cmpS * 1e3,
    overheadMs: overheadS * 1e3,
    bytes,
    flops,
    bound,
  };
}

/**
 * Board power of one GPU during a step: idle + (TDP - idle) x min(1, pBase + pMem x memory utilization
 * + pCmp x compute utilization), utilizations against spec bandwidth and dense peak. `busy` < 1 when the
 * GPU waits for other pipeline stages.
 */
export function powerW(d: TDevice, q: TQuant, f: TForward, eff: TEffParams, busy = 1): number {
  const s = f.ms / 1e3;
  const uMem = Math.min(1, f.bytes / s / (d.memBwGBps * 1e9));
  const uCmp = Math.min(1, f.flops / s / (peakTflops(d, q) * 1e12));
  const share = Math.max(0, Math.min(1, eff.pBase + eff.pMem * uMem + eff.pCmp * uCmp));
  return d.idleW + (d.tdpW - d.idleW) * share * busy;
}
