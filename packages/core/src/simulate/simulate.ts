import { DomainError } from "../errors";
import { resolveDevice, resolveEngine, resolveModel, resolveQuant } from "./catalog";
import {
  activationBytes,
  GiB,
  kvBytesPerToken,
  kvBytesPerTokenPerGpu,
  kvCapacity,
  maxConcurrency,
  runtimeOverheadBytes,
  weightBytes,
} from "./memory";
import { forward, powerW, type TForwardInput } from "./perf";
import { shippedGlobals, shippedResolver, type TGlobalsFitted, type TParamResolver } from "./params";
import {
  parseOrThrow,
  type TScenario,
  type TScenarioInput,
  type TSweepInput,
  ZScenario,
  ZScenarioList,
  ZSweep,
} from "./schema";
import type { TDevice, TEffParams, TResolvedScenario, TSimResult } from "./types";

export interface TResolved {
  x: TResolvedScenario;
  warnings: string[];
}

const FP8_CC = 8.9;

function applyOverrides(
  d: TDevice,
  o: NonNullable<TScenario["deviceOverrides"]>,
  warnings: string[],
): TDevice {
  const tflops = { ...d.tflops };
  if (o.fp16Tflops) {
    tflops.fp16 = o.fp16Tflops;
    tflops.bf16 = o.fp16Tflops;
  }
  if (o.fp8Tflops) tflops.fp8 = o.fp8Tflops;
  const cc = o.computeCapability ?? d.computeCapability;
  if (o.computeCapability && d.computeCapability && o.computeCapability !== d.computeCapability)
    warnings.push(
      `compute capability ${o.computeCapability} differs from ${d.name}'s ${d.computeCapability}: feature set follows ${o.computeCapability}`,
    );
  if (cc && Number(cc) < FP8_CC) tflops.fp8 = null;
  const ratio = o.vramGB ? o.vramGB / d.memoryGB : 1;
  const changed =
    (o.vramGB !== undefined && o.vramGB !== d.memoryGB) ||
    (o.memBwGBps !== undefined && o.memBwGBps !== d.memBwGBps) ||
    (o.tdpW !== undefined && o.tdpW !== d.tdpW) ||
    cc !== d.computeCapability ||
    tflops.fp16 !== d.tflops.fp16 ||
    tflops.fp8 !== d.tflops.fp8 ||
    o.name !== undefined;
  // Overrides that restate the catalog (the seed's --vram 80GB --compute-capability 9.0 on an H100) change nothing.
  if (!changed) return d;
  return {
    ...d,
    id: d.id === "custom" ? "custom" : `${d.id}+custom`,
    name: o.name ?? (d.id === "custom" ? d.name : `${d.name} (custom)`),
    computeCapability: cc,
    memoryGB: o.vramGB ?? d.memoryGB,
    usableGiB: +(d.usableGiB * ratio).toFixed(2),
    memBwGBps: o.memBwGBps ?? d.memBwGBps,
    tdpW: o.tdpW ?? d.tdpW,
    idleW: o.tdpW ? +(o.tdpW * 0.105).toFixed(1) : d.idleW,
    tflops,
    aliases: [],
    derived: [...d.derived, `custom overrides: ${JSON.stringify(o)}`],
  };
}

/**
 * Base for a hypothetical device ("custom"): an NVIDIA data-center-class GPU with the given memory, bandwidth
 * and FP16 rate; FP8/INT8 at twice FP16 when the compute capability is ≥ 8.9; efficiencies of that family.
 */
function customBase(o: TScenario["deviceOverrides"]): TDevice {
  const fp16 = o?.fp16Tflops ?? 100;
  const cc = o?.computeCapability ?? "8.0";
  const tdp = o?.tdpW ?? 300;
  return {
    id: "custom",
    name: o?.name ?? "Custom device",
    vendor: "custom",
    family: "nvidia-datacenter",
    kind: "datacenter-gpu",
    arch: "hypothetical",
    computeCapability: cc,
    memoryGB: o?.vramGB ?? 80,
    usableGiB: +((o?.vramGB ?? 80) * 0.99).toFixed(2),
    memBwGBps: o?.memBwGBps ?? 2000,
    tflops: {
      fp16,
      bf16: fp16,
      fp8: Number(cc) >= FP8_CC ? 2 * fp16 : null,
      int8: 2 * fp16,
      fp32: null,
      fp16acc: null,
    },
    tdpW: tdp,
    idleW: +(tdp * 0.105).toFixed(1),
    linkGBps: 32,
    aliases: [],
    source: "user-specified",
    sourceUrls: [],
    verifiedAtSource: false,
    derived: [
      "custom device: usable = 0.99 x vram, FP8/INT8 = 2 x FP16 (FP8 from cc 8.9), idle = 10.5 % of TDP, PCIe-class link",
    ],
  };
}

/** Catalog ids and defaults → a fully specified scenario. */
export function resolveScenario(s: TScenario): TResolved {
  const warnings: string[] = [];
  let device = s.device.toLowerCase() === "custom" ? customBase(s.deviceOverrides) : resolveDevice(s.device);
  if (s.deviceOverrides) device = applyOverrides(device, s.deviceOverrides, warnings);
  const model = resolveModel(s.model);
  if (/llama-?3\.2-70b/i.test(s.model))
    warnings.push(`"${s.model}" does not exist; simulated ${model.id} (same architecture as Llama-3.3-70B)`);
  let engine = s.engine ? resolveEngine(s.engine) : undefined;
  const quant0 = s.quant ? resolveQuant(s.quant) : undefined;
  if (!engine)
    engine = resolveEngine(device.family === "apple" || quant0?.format === "gguf" ? "llama.cpp" : "vllm");
  const quant =
    quant0 ?? resolveQuant(engine.id === "llama.cpp" ? "q4_k_m" : device.tflops.bf16 ? "bf16" : "fp16");
  if (quant.format === "gguf" && engine.id !== "llama.cpp")
    warnings.push(`${quant.name} is a llama.cpp format; ${engine.name} would load a converted checkpoint`);
  if (quant.compute === "fp8" && !device.tflops.fp8)
    warnings.push(`${device.name} has no FP8 tensor cores: FP8 weights run as W8A16 at the FP16 rate`);
  if (s.tp > model.kvHeads) warnings.push(`tp ${s.tp} > ${model.kvHeads} KV heads: KV heads are replicated`);
  if (model.heads % s.tp !== 0)
    warnings.push(
      `${model.heads} attention heads do not divide by tp ${s.tp}: vLLM and TensorRT-LLM refuse this split`,
    );
  if (device.id.startsWith("amd-mi250"))
    warnings.push(
      "MI250 is two GCDs to software: a single-card run is tensor-parallel over the in-package link",
    );
  // TensorRT-LLM's FP8 checkpoints (ModelOpt) carry an FP8 KV cache; elsewhere "auto" keeps 16-bit KV.
  const autoKv = engine.id === "tensorrt-llm" && quant.id === "fp8" ? 1 : quant.kvBytes;
  const kvBytesPerElement =
    s.kvDtype === "fp8" || s.kvDtype === "int8" ? 1 : s.kvDtype === "auto" ? autoKv : 2;
  const x: TResolvedScenario = {
    device,
    model,
    quant,
    engine,
    tp: s.tp,
    count: s.count ?? s.tp,
    batch: s.batch,
    promptTokens: s.promptTokens,
    contextTokens: s.contextTokens ?? s.promptTokens,
    outputTokens: s.outputTokens,
    phase: s.phase,
    gpuMemoryUtilization: s.gpuMemoryUtilization ?? engine.defaultGpuMemoryUtilization,
    kvBytesPerElement,
    maxModelLen: s.maxModelLen ?? model.maxPositions,
  };
  return { x, warnings };
}

export interface TMemoryPlan {
  weightsBytes: number;
  weightsPerGpu: number;
  kvPerToken: number;
  kvPerTokenPerGpu: number;
  activation: number;
  overhead: number;
  usable: number;
  budget: number;
  kvAvailableBytes: number;
  kvTokens: number;
  kvBlocks: number;
}

/** Memory per GPU the way the engine plans it. */
export function memoryPlan(x: TResolvedScenario, g: TGlobalsFitted): TMemoryPlan {
  const { model: m, engine: e, tp } = x;
  const pp = Math.max(1, Math.floor(x.count / tp));
  const w = weightBytes(m, x.quant);
  const weightsPerGpu = w.totalBytes / x.count;
  const kvPerTokenPerGpu = kvBytesPerTokenPerGpu(m, x.kvBytesPerElement, tp, pp);
  const actTokens =
    e.memoryModel === "on-demand"
      ? Math.min(x.batch * Math.max(x.phase === "prefill" ? x.promptTokens : 1, 1), e.maxNumBatchedTokens)
      : Math.min(e.maxNumBatchedTokens, x.maxModelLen);
  const activation = activationBytes(m, actTokens, tp, g.act);
  const overhead = runtimeOverheadBytes(e, tp);
  const usable = x.device.usableGiB * GiB;
  const util = x.gpuMemoryUtilization;
  const budget = e.memoryModel === "preallocate-free" ? usable : usable * util;
  let cap = kvCapacity(
    usable,
    e.memoryModel === "preallocate" ? util : 1,
    weightsPerGpu,
    activation,
    overhead,
    kvPerTokenPerGpu,
    e.blockSize,
  );
  if (e.memoryModel === "preallocate-free") {
    // TensorRT-LLM: kv_cache_free_gpu_mem_fraction of what is free after weights and activations.
    const free = (usable - weightsPerGpu - activation - overhead) * util;
    cap = {
      availableBytes: free,
      tokens: free > 0 ? Math.floor(free / kvPerTokenPerGpu) : 0,
      blocks: free > 0 ? Math.floor(free / (kvPerTokenPerGpu * e.blockSize)) : 0,
    };
  }
  return {
    weightsBytes: w.totalBytes,
    weightsPerGpu,
    kvPerToken: kvBytesPerToken(m, x.kvBytesPerElement),
    kvPerTokenPerGpu,
    activation,
    overhead,
    usable,
    budget,
    kvAvailableBytes: cap.availableBytes,
    kvTokens: cap.tokens,
    kvBlocks: cap.blocks,
  };
}

function fwdInput(x: TResolvedScenario, seqs: number, newTokens: number, context: number): TForwardInput {
  return {
    device: x.device,
    model: x.model,
    quant: x.quant,
    weights: weightBytes(x.model, x.quant),
    tp: x.tp,
    kvBytesPerElement: x.kvBytesPerElement,
    seqs,
    newTokens,
    context,
    cpuLaunched: x.engine.cpuLaunched,
  };
}

export const prefillStep = (
  x: TResolvedScenario,
  eff: TEffParams,
  g: TGlobalsFitted,
  seqs = x.batch,
  prompt = x.promptTokens,
) => forward(fwdInput(x, seqs, Math.max(1, prompt), 0), eff, g);
export const decodeStep = (
  x: TResolvedScenario,
  eff: TEffParams,
  g: TGlobalsFitted,
  seqs = x.batch,
  context = x.contextTokens,
) => forward(fwdInput(x, seqs, 1, context), eff, g);

/** Smallest power-of-two tensor-parallel size whose weight shard fits (null if none up to 64). */
export function minTpToFit(x: TResolvedScenario, g: TGlobalsFitted): number | null {
  for (let tp = 1; tp <= 64; tp *= 2) {
    const p = memoryPlan({ ...x, tp, count: tp }, g);
    if (
      p.kvTokens > 0 &&
      p.kvTokens >= x.batch * Math.max(x.promptTokens + x.outputTokens, x.contextTokens + 1)
    )
      return tp;
  }
  return null;
}

const gib = (b: number) => `${(b / GiB).toFixed(2)} GiB`;

/** Simulate a resolved scenario with explicit parameters (the fitter and the accuracy bench use this). */
export function simulateResolved(
  x: TResolvedScenario,
  eff: TEffParams,
  g: TGlobalsFitted,
  source: string,
  warnings: string[] = [],
  calibratedOn: string[] = [],
): TSimResult {
  const { device: d, engine: e, model: m } = x;
  const mem = memoryPlan(x, g);
  const pp = Math.max(1, Math.floor(x.count / x.tp));
  const perSeq = Math.max(x.promptTokens + x.outputTokens, x.contextTokens + 1);
  const need = x.batch * perSeq;
  let fits = true;
  let oomReason: string | null = null;
  if (!e.families.includes(d.family)) {
    fits = false;
    oomReason = `${e.name} does not run on ${d.name} (${d.family}); engines for it: llama.cpp, pytorch-eager, onnxruntime`;
  } else if (mem.kvAvailableBytes <= 0) {
    fits = false;
    const tp = minTpToFit(x, g);
    oomReason =
      `weights ${gib(mem.weightsPerGpu)} + activations ${gib(mem.activation)} + runtime ${gib(mem.overhead)} per GPU ` +
      `exceed the ${gib(mem.budget)} budget of ${d.name}` +
      (tp ? `; fits with tp=${tp}` : "; does not fit even at tp=64");
  } else if (mem.kvTokens < need) {
    fits = false;
    const maxBatch = Math.floor(mem.kvTokens / perSeq);
    oomReason =
      `KV cache holds ${mem.kvTokens.toLocaleString("en-US")} tokens; batch ${x.batch} x ${perSeq} tokens needs ` +
      `${need.toLocaleString("en-US")}` +
      (maxBatch > 0 ? `; largest batch at this length: ${maxBatch}` : "; not even one sequence fits");
  }
  if (fits && e.memoryModel !== "on-demand" && mem.kvTokens < x.maxModelLen)
    warnings.push(
      `max model length ${x.maxModelLen} exceeds the KV capacity (${mem.kvTokens} tokens): ${e.name} would refuse to start without a lower --max-model-len`,
    );
  const pre = prefillStep(x, eff, g);
  const dec = decodeStep(x, eff, g);
  const meanCtx = x.promptTokens + Math.floor(x.outputTokens / 2);
  const decMean = meanCtx === x.contextTokens ? dec : decodeStep(x, eff, g, x.batch, meanCtx);
  const busy = 1 / pp;
  const prefillPower = powerW(d, x.quant, pre, eff, busy) * x.count;
  const decodePower = powerW(d, x.quant, dec, eff, busy) * x.count;
  const prefillTps = (x.batch * Math.max(1, x.promptTokens)) / (pre.ms / 1e3);
  const decodeTps = x.batch / (dec.ms / 1e3);
  const isPrefill = x.phase === "prefill";
  const energy = isPrefill
    ? (prefillPower * pre.ms) / 1e3 / (x.batch * Math.max(1, x.promptTokens))
    : (decodePower * dec.ms) / 1e3 / x.batch;
  return {
    device: d.id,
    model: m.id,
    quant: x.quant.id,
    engine: e.id,
    tp: x.tp,
    count: x.count,
    batch: x.batch,
    phase: x.phase,
    weightsBytes: mem.weightsBytes,
    weightsBytesPerGpu: Math.round(mem.weightsPerGpu),
    kvBytesPerToken: mem.kvPerToken,
    kvBytes: need * mem.kvPerToken,
    activationBytes: Math.round(mem.activation),
    overheadBytes: Math.round(mem.overhead),
    memoryBytesPerGpu: Math.round(
      mem.weightsPerGpu + need * mem.kvPerTokenPerGpu + mem.activation + mem.overhead,
    ),
    usableBytesPerGpu: Math.round(mem.usable),
    kvCapacityTokens: mem.kvTokens,
    kvBlocks: mem.kvBlocks,
    maxConcurrency: +maxConcurrency(mem.kvBlocks, x.maxModelLen, e.blockSize).toFixed(2),
    fits,
    oomReason,
    prefillMs: pre.ms,
    decodeMsPerStep: dec.ms,
    ttftMs: pre.ms,
    tokensPerS: isPrefill ? prefillTps : decodeTps,
    prefillTokensPerS: prefillTps,
    decodeTokensPerS: decodeTps,
    e2eMs: pre.ms + x.outputTokens * decMean.ms,
    powerW: isPrefill ? prefillPower : decodePower,
    prefillPowerW: prefillPower,
    decodePowerW: decodePower,
    energyPerTokenJ: energy,
    bound: { prefill: pre.bound, decode: dec.bound },
    params: { source, etaBw: eff.etaBw, etaF: eff.etaF, calibratedOn },
    warnings,
  };
}

export interface TServing {
  batch: number;
  outputTokensPerS: number;
  itlMs: number;
  ttftMs: number;
  cycleMs: number;
}

/**
 * Steady-state serving of `concurrency` requests of inLen prompt + outLen output tokens (0 = as many as the
 * KV cache and the engine's max batch allow). One cycle = outLen steps, each decoding the batch at the mean
 * context and carrying 1/outLen of the batch's prompts; a request's inter-token latency is one such step.
 */
export function serving(
  x: TResolvedScenario,
  eff: TEffParams,
  g: TGlobalsFitted,
  concurrency: number,
  inLen: number,
  outLen: number,
): TServing {
  const mem = memoryPlan(x, g);
  const perSeq = inLen + outLen;
  const byKv = Math.max(1, Math.floor(mem.kvTokens / perSeq));
  const batch = Math.max(1, Math.min(concurrency > 0 ? concurrency : x.engine.maxNumSeqs, byKv));
  const one = prefillStep(x, eff, g, 1, inLen);
  // Each of the outLen steps carries batch decode tokens plus 1/outLen of the batch's prompts (chunked prefill):
  // weights are read once for both, prompt flops add to the step.
  const steps = Math.max(1, outLen);
  const piggyTokens = (batch * inLen) / steps;
  const piggyAttnFlops =
    (batch * x.model.layers * 2 * x.model.heads * x.model.headDim * inLen * inLen) / steps;
  const mixed = forward(
    { ...fwdInput(x, batch, 1, inLen + Math.floor(outLen / 2)), piggyTokens, piggyAttnFlops },
    eff,
    g,
  );
  const cycleMs = steps * mixed.ms;
  return {
    batch,
    outputTokensPerS: (batch * outLen) / (cycleMs / 1e3),
    itlMs: mixed.ms,
    ttftMs: one.ms,
    cycleMs,
  };
}

/** Simulate one scenario with the shipped calibration. Throws a VALIDATION DomainError on bad input. */
export function simulate(input: TScenarioInput | unknown): TSimResult {
  const s = parseOrThrow(ZScenario, input, "scenario");
  return simulateParsed(s);
}

export function simulateParsed(s: TScenario, resolver: TParamResolver = shippedResolver): TSimResult {
  const { x, warnings } = resolveScenario(s);
  const { eff, source, versions } = resolver(x.device, x.engine);
  if (source.startsWith("prior:") || source.startsWith("derived:"))
    warnings.push(
      `no measurements for ${x.engine.name} on ${x.device.name}: parameters ${source} (wider uncertainty)`,
    );
  return simulateResolved(x, eff, shippedGlobals, source, warnings, versions);
}

/** Simulate a list, in order. Bad input anywhere → one VALIDATION error naming each bad entry ([i].field). */
export function simulateMany(inputs: unknown): TSimResult[] {
  if (!Array.isArray(inputs))
    throw new DomainError("VALIDATION", "expected a JSON array of scenarios", { field: "(root)" });
  return parseOrThrow(ZScenarioList, inputs, "scenarios").map((s) => simulateParsed(s));
}

export const SWEEP_MAX = 20_000;
/** Sweeps up to this size answer inline (≈ 10 ms); larger ones are worth a background job in the web app. */
export const SWEEP_INLINE_MAX = 2_000;

/** Every combination of the varied axes over a base scenario (web charts: TTFT / tokens/s vs batch, context, device). */
export function sweep(input: TSweepInput | unknown): { scenario: TScenario; result: TSimResult }[] {
  const { base, vary } = parseOrThrow(ZSweep, input, "sweep");
  const axes = Object.entries(vary).filter(([, v]) => Array.isArray(v) && v.length > 0) as [
    keyof TScenario,
    unknown[],
  ][];
  const total = axes.reduce((n, [, v]) => n * v.length, 1);
  if (total > SWEEP_MAX)
    throw new DomainError("VALIDATION", `sweep has ${total} combinations; at most ${SWEEP_MAX}`, {
      field: "vary",
    });
  let combos: TScenario[] = [base];
  for (const [key, values] of axes) {
    const next: TScenario[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [key]: v });
    combos = next;
  }
  return combos.map((scenario) => ({ scenario, result: simulateParsed(scenario) }));
}
