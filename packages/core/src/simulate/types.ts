// Shapes shared by the simulator's catalogs, formulas, fitter and adapters.

export type TDeviceKind = "datacenter-gpu" | "consumer-gpu" | "workstation-gpu" | "apple-soc" | "edge-soc";

/** Device families group devices for calibration fall-back (see params.ts). */
export type TDeviceFamily =
  | "nvidia-datacenter"
  | "nvidia-consumer"
  | "nvidia-edge"
  | "amd"
  | "apple"
  | "intel";

export interface TDeviceTflops {
  fp16: number | null;
  bf16: number | null;
  fp8: number | null;
  int8: number | null;
  fp32: number | null;
  /** FP16 with FP16 accumulate where it is faster (GeForce); null = same as fp16. */
  fp16acc: number | null;
}

export interface TDevice {
  id: string;
  name: string;
  vendor: string;
  family: TDeviceFamily;
  kind: TDeviceKind;
  arch: string;
  computeCapability: string | null;
  memoryGB: number;
  /** What the runtime can allocate: driver-visible GiB, or the Metal working-set limit on Apple. */
  usableGiB: number;
  memBwGBps: number;
  /** Dense (non-sparse) peaks; null = unsupported / unpublished. */
  tflops: TDeviceTflops;
  tdpW: number;
  idleW: number;
  /** Per direction, GB/s, between devices of one node (NVLink / IF / PCIe). */
  linkGBps: number;
  aliases: string[];
  source: string;
  sourceUrls: string[];
  verifiedAtSource: boolean;
  /** Values we filled in or derived, with the rule used. */
  derived: string[];
}

export type TMlp = "gated" | "plain";

export interface TModel {
  id: string;
  name: string;
  hfIds: string[];
  aliases: string[];
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxPositions: number;
  tiedEmbeddings: boolean;
  qkvBias: boolean;
  mlp: TMlp;
  /** Mixture of experts: experts per layer and experts used per token. */
  experts?: number;
  expertsPerToken?: number;
  source: string;
  note?: string;
}

export type TComputeDtype = "fp16" | "fp8" | "int8";

export interface TQuant {
  id: string;
  name: string;
  aliases: string[];
  format: "hf" | "gguf";
  /** Bits per quantized linear weight, including per-group scales/zeros (see quant catalog for the derivation). */
  linearBits: number;
  /** GPTQ stores g_idx (int32 per input row): adds 32 / out_features bits per weight. */
  gIdx: boolean;
  /** Per-output-channel scales (fp32) for W8A8 int8 / fp8 per-channel. */
  channelScaleBits: number;
  embeddingBits: number;
  /** null: tied or same as linears. */
  lmHeadBits: number | null;
  /** GGUF Q*_K_M: share of attn_v / ffn_down tensors promoted to a higher type, and its bits. */
  promoted?: { share: number; bits: number };
  /** Tensor-core datatype the GEMMs run in (prefill compute roof). */
  compute: TComputeDtype;
  /** Default KV cache element size in bytes. */
  kvBytes: number;
  source: string;
}

/** preallocate: util x total - rest (vLLM); preallocate-free: util x (total - rest) (TensorRT-LLM); on-demand: what is left. */
export type TMemoryModel = "preallocate" | "preallocate-free" | "on-demand";

export interface TEngine {
  id: string;
  name: string;
  aliases: string[];
  memoryModel: TMemoryModel;
  defaultGpuMemoryUtilization: number;
  blockSize: number;
  /** Tokens of the profiling / max batch forward that sizes the activation peak. */
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  /** CUDA context, cuBLAS/NCCL workspaces at TP1, GiB; NCCL adds the same again at TP>1. */
  nonTorchGiB: number;
  /** Kernels launched one by one from the CPU: launch time overlaps GPU work (t = smoothmax(gpu, launches)). */
  cpuLaunched: boolean;
  /** Devices (families) the engine runs on. */
  families: TDeviceFamily[];
  /** Which other engine's calibrated parameters this one derives from when it has none, and how. */
  derivedFrom?: { engine: string; rule: string; etaScale: number; overheadScale: number };
  note: string;
}

/** Efficiency parameters of one (device, engine) pair. */
export interface TEffParams {
  /** Achieved share of spec memory bandwidth on large streaming reads. */
  etaBw: number;
  /** Extra bandwidth efficiency of quantized GGUF weights (dequantizing kernels), 1 = same as 16-bit weights. */
  etaQ: number;
  /** Achieved share of dense peak on large GEMMs (scaled by hidden / (hidden + h0)). */
  etaF: number;
  /** Fixed time per forward step, µs. */
  stepUs: number;
  /** Fixed time per layer per step, µs (kernel launches, small-GEMM inefficiency). */
  layerUs: number;
  /** Latency of one tensor-parallel all-reduce, µs (× log2 tp). */
  arUs: number;
  /** Power: share of (TDP − idle) drawn while busy, plus per memory- and compute-utilization shares. */
  pBase: number;
  pMem: number;
  pCmp: number;
}

export type TPhase = "prefill" | "decode";
export type TBound = "memory" | "compute" | "overhead";

/** A scenario after catalog resolution (ids are canonical). */
export interface TResolvedScenario {
  device: TDevice;
  model: TModel;
  quant: TQuant;
  engine: TEngine;
  tp: number;
  count: number;
  batch: number;
  promptTokens: number;
  contextTokens: number;
  outputTokens: number;
  phase: TPhase;
  gpuMemoryUtilization: number;
  kvBytesPerElement: number;
  maxModelLen: number;
}

export interface TSimResult {
  device: string;
  model: string;
  quant: string;
  engine: string;
  tp: number;
  count: number;
  batch: number;
  phase: TPhase;
  /** Whole model, all shards. */
  weightsBytes: number;
  weightsBytesPerGpu: number;
  kvBytesPerToken: number;
  /** KV bytes this scenario holds (batch × context), all GPUs. */
  kvBytes: number;
  activationBytes: number;
  overheadBytes: number;
  /** What this scenario needs per GPU: weights + KV + activations + runtime overhead. */
  memoryBytesPerGpu: number;
  usableBytesPerGpu: number;
  /** KV cache capacity as vLLM reports it (tokens), or what fits in the rest of memory for on-demand engines. */
  kvCapacityTokens: number;
  kvBlocks: number;
  /** Sequences of maxModelLen tokens that fit at once (vLLM's "Maximum concurrency"). */
  maxConcurrency: number;
  fits: boolean;
  oomReason: string | null;
  prefillMs: number;
  decodeMsPerStep: number;
  /** TTFT = prefill of the batch. */
  ttftMs: number;
  /** Tokens/s in the requested phase (prefill: prompt tokens; decode: generated tokens). */
  tokensPerS: number;
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  /** Generation of outputTokens for the batch: prefill + decode steps. */
  e2eMs: number;
  /** Board power of all GPUs in the requested phase. */
  powerW: number;
  prefillPowerW: number;
  decodePowerW: number;
  energyPerTokenJ: number;
  bound: { prefill: TBound; decode: TBound };
  /** Which calibration the efficiencies came from, and the engine versions it was fitted on. */
  params: { source: string; etaBw: number; etaF: number; calibratedOn: string[] };
  warnings: string[];
}
