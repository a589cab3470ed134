import { describe, expect, it } from "vitest";
import { resolveDevice, resolveModel, resolveQuant } from "./catalog";
import {
  GiB,
  kvBytesPerToken,
  kvBytesPerTokenPerGpu,
  kvCapacity,
  maxConcurrency,
  weightBytes,
} from "./memory";
import { forward, powerW } from "./perf";
import type { TEffParams } from "./types";

const m = (id: string) => resolveModel(id);
const q = (id: string) => resolveQuant(id);

describe("parameter counts (hand-checked against the published counts)", () => {
  it.each([
    ["llama-3.2-1b", 1_235_814_400],
    ["llama-3.2-3b", 3_212_749_824],
    ["llama-3.1-8b", 8_030_261_248],
    ["llama-3.1-70b", 70_553_706_496],
    ["mistral-7b-v0.3", 7_248_023_552],
    ["phi-3-mini-4k", 3_821_079_552],
    ["qwen2.5-7b", 7_615_616_512],
    ["llama-2-7b", 6_738_415_616],
  ])("%s has %i parameters", (id, n) => {
    expect(weightBytes(m(id), q("bf16")).params).toBe(n);
  });

  it("Mixtral 8x7B: 46.7B total, ~12.9B active per token", () => {
    const w = weightBytes(m("mixtral-8x7b"), q("bf16"));
    expect(w.params / 1e9).toBeCloseTo(46.7, 1);
    // active linear params + embeddings ≈ 12.9B
    expect((w.activeLinearParamsPerToken + 2 * 32000 * 4096) / 1e9).toBeCloseTo(12.9, 1);
  });
});

describe("weight bytes per quantization", () => {
  it("BF16 = 2 bytes per parameter (Llama-3.1-8B: 14.96 GiB, vLLM logs 14.96 GiB)", () => {
    const w = weightBytes(m("llama-3.1-8b"), q("bf16"));
    expect(w.totalBytes).toBe(8_030_261_248 * 2);
    expect(w.totalBytes / GiB).toBeCloseTo(14.96, 2);
  });

  it("GGUF whole-model bits per weight match llama.cpp's quantize README for Llama-3.1-8B", () => {
    const bpw = (id: string) => (weightBytes(m("llama-3.1-8b"), q(id)).totalBytes * 8) / 8_030_261_248;
    expect(bpw("q4_k_m")).toBeCloseTo(4.8944, 2);
    expect(bpw("q5_k_m")).toBeCloseTo(5.7036, 2);
    expect(bpw("q8_0")).toBeCloseTo(8.5008, 2);
    expect(bpw("q4_0")).toBeCloseTo(4.635, 2); // derived: output.weight kept at Q6_K
  });

  it("Llama-3-70B Q4_K_M ≈ 39.6 GiB (XiongjieDai lists 39.59)", () => {
    expect(weightBytes(m("llama-3.1-70b"), q("q4_k_m")).totalBytes / GiB).toBeCloseTo(39.6, 0);
  });

  it("GPTQ int4 g128: 4 + 16/128 + 4/128 bits + g_idx, FP16 embeddings and lm_head", () => {
    const model = m("llama-3.1-8b");
    const w = weightBytes(model, q("int4-gptq"));
    // embeddings + lm_head at 16 bits: 2 x 128256 x 4096 x 2 bytes
    expect(w.embeddingBytes + w.lmHeadBytes).toBe(2 * 128256 * 4096 * 2);
    // research note: ≈ 5.73 GB for the whole checkpoint
    expect(w.totalBytes / 1e9).toBeCloseTo(5.73, 1);
    const awq = weightBytes(model, q("int4-awq"));
    // g_idx: 32 bits per input row of each matrix
    const gIdxBytes = (32 * 32 * (3 * 4096 + 4096 + 2 * 4096 + 14336)) / 8;
    expect(w.totalBytes - awq.totalBytes).toBe(gIdxBytes);
  });

  it("tied embeddings are stored once (Llama-3.2-1B)", () => {
    const w = weightBytes(m("llama-3.2-1b"), q("bf16"));
    expect(w.lmHeadBytes).toBe(0);
    expect(w.embeddingBytes).toBe(128256 * 2048 * 2);
  });

  it("FP8 keeps embeddings and lm_head in BF16", () => {
    const w = weightBytes(m("llama-3.1-70b"), q("fp8"));
    expect(w.embeddingBytes).toBe(128256 * 8192 * 2);
    expect(w.lmHeadBytes).toBe(128256 * 8192 * 2);
  });
});

describe("KV cache", () => {
  it.each([
    ["llama-3.2-1b", 32 * 1024],
    ["llama-3.2-3b", 112 * 1024],
    ["llama-3.1-8b", 128 * 1024],
    ["llama-3.1-70b", 320 * 1024],
    ["phi-3-mini-4k", 384 * 1024],
    ["qwen2.5-7b", 56 * 1024],
    ["llama-2-7b", 512 * 1024],
  ])("%s: layers x 2 x kv_heads x head_dim x 2 bytes = %i", (id, bytes) => {
    expect(kvBytesPerToken(m(id), 2)).toBe(bytes);
  });

  it("splits heads over TP ranks and replicates when tp > kv heads", () => {
    expect(kvBytesPerTokenPerGpu(m("llama-3.1-8b"), 2, 2, 1)).toBe(64 * 1024);
    // 8 KV heads on 16 ranks: one head each (replicated), not half a head
    expect(kvBytesPerTokenPerGpu(m("llama-3.1-8b"), 2, 16, 1)).toBe(16 * 1024);
    expect(kvBytesPerTokenPerGpu(m("llama-3.1-8b"), 1, 1, 2)).toBe(32 * 1024);
  });

  it("vLLM's logged KV capacity for Llama-3-8B on H100 80GB at 0.90: 436,551 tokens", () => {
    // PR #10511 log: total 79.22 GiB x 0.90 − weights 14.96 − non-torch 1.79 − activation 1.26 = 53.29 GiB
    const perToken = kvBytesPerToken(m("llama-3.1-8b"), 2);
    expect(Math.floor((53.29 * GiB) / perToken)).toBe(436_551);
    const cap = kvCapacity(79.22 * GiB, 0.9, 14.96 * GiB, 1.26 * GiB, 1.79 * GiB, perToken, 16);
    expect(cap.availableBytes / GiB).toBeCloseTo(53.29, 2);
    expect(Math.abs(cap.tokens - 436_551) / 436_551).toBeLessThan(1e-4);
    expect(cap.blocks).toBe(Math.floor(cap.availableBytes / (16 * perToken)));
  });

  it("max concurrency = blocks / ceil(max_model_len / block_size) (L40S log: 158,656 tokens, 4.84x at 32,768)", () => {
    expect(maxConcurrency(158_656 / 16, 32_768, 16)).toBeCloseTo(4.84, 2);
  });
});

const EXACT: TEffParams = {
  etaBw: 1,
  etaQ: 1,
  etaF: 1,
  stepUs: 0,
  layerUs: 0,
  arUs: 0,
  pBase: 0,
  pMem: 1,
  pCmp: 0,
};
const SHARP = { h0: 0, sharpness: 60 };

describe("step time (roofline with efficiencies)", () => {
  const h100 = resolveDevice("nvidia-h100");
  const model = m("llama-3.1-8b");
  const quant = q("bf16");
  const base = {
    device: h100,
    model,
    quant,
    weights: weightBytes(model, quant),
    tp: 1,
    kvBytesPerElement: 2,
  };

  it("decode b1 is memory-bound: (layers + lm_head + KV) bytes / bandwidth", () => {
    const f = forward({ ...base, seqs: 1, newTokens: 1, context: 0 }, EXACT, SHARP);
    const bytes = 16_060_522_496 - 128256 * 4096 * 2 + 131072; // all but the embedding gather, + 1 token of KV
    expect(f.bytes).toBe(bytes);
    expect(f.ms).toBeCloseTo((bytes / 3350e9) * 1e3, 2);
    expect(f.bound).toBe("memory");
  });

  it("prefill of 4096 tokens is compute-bound: 2 x params x tokens + causal attention + lm_head", () => {
    const f = forward({ ...base, seqs: 1, newTokens: 4096, context: 0 }, EXACT, SHARP);
    const linear = 32 * (4096 * 4096 * 2 + 4096 * 1024 * 2 + 3 * 4096 * 14336);
    const flops = 2 * 4096 * linear + 32 * 2 * 4096 * 4096 * 4096 + 2 * 128256 * 4096;
    expect(f.flops).toBe(flops);
    expect(f.ms).toBeCloseTo((flops / 989.4e12) * 1e3, 2);
    expect(f.bound).toBe("compute");
  });

  it("adds step, per-layer and tensor-parallel all-reduce overheads", () => {
    const eff = { ...EXACT, stepUs: 100, layerUs: 10, arUs: 5 };
    const one = forward({ ...base, seqs: 1, newTokens: 1, context: 0 }, eff, SHARP);
    const two = forward({ ...base, tp: 2, seqs: 1, newTokens: 1, context: 0 }, eff, SHARP);
    expect(one.overheadMs).toBeCloseTo(0.1 + 32 * 0.01, 6);
    // 2 all-reduces per layer: 5 µs latency x log2(2) + 8 KiB over 450 GB/s x 0.7
    const ar = 5e-6 + (4096 * 2 * 2 * 0.5) / (450e9 * 0.7);
    expect(two.overheadMs).toBeCloseTo((100e-6 + 32 * 10e-6 + 2 * 32 * ar) * 1e3, 6);
  });

  it("power: idle + (TDP − idle) x utilization shares, capped at TDP", () => {
    const f = forward({ ...base, seqs: 1, newTokens: 1, context: 0 }, EXACT, SHARP);
    // EXACT runs at 100 % of spec bandwidth, pMem = 1 → TDP
    expect(powerW(h100, quant, f, EXACT)).toBeCloseTo(700, 6);
    expect(powerW(h100, quant, f, { ...EXACT, pMem: 0.5 })).toBeCloseTo(73.9 + (700 - 73.9) * 0.5, 6);
    expect(powerW(h100, quant, f, { ...EXACT, pMem: 0, pBase: 0 })).toBeCloseTo(73.9, 6);
  });

  it("MoE decode reads only the experts the batch touches", () => {
    const mix = m("mixtral-8x7b");
    const w = weightBytes(mix, quant);
    const f1 = forward({ ...base, model: mix, weights: w, seqs: 1, newTokens: 1, context: 0 }, EXACT, SHARP);
    const f64 = forward(
      { ...base, model: mix, weights: w, seqs: 64, newTokens: 1, context: 0 },
      EXACT,
      SHARP,
    );
    // batch 1: 2 of 8 experts per layer
    expect(f1.bytes).toBeCloseTo(w.layerBytes + w.lmHeadBytes - 32 * 6 * w.expertBytes + 131072, -3);
    expect(f64.bytes).toBeGreaterThan(f1.bytes * 3);
  });
});
