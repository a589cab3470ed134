import type { TEngineName, TQuantization } from "./spec";

// What each inference engine needs to be deployed well: image, flags, port, health semantics, metric
// names for autoscaling, and how long it takes to start. Facts and their sources: shared research
// deploy.md §2 (vLLM arg_utils / cache config, TGI launcher docs, llama.cpp tools/server README,
// Ollama envconfig). Metric names change between versions; these are the current ones.

export interface TEngineArgsInput {
  model: string;
  servedName: string;
  /** Weights location inside the container when the source is a mounted file/volume. */
  localPath?: string;
  quantization?: TQuantization;
  tensorParallel: number;
  pipelineParallel: number;
  gpus: number;
  /** CPU cores per replica, when the target says. */
  cpu?: number;
  port: number;
  maxNumSeqs?: number;
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  kvCacheDtype?: string;
  enablePrefixCaching?: boolean;
  enablePriorityScheduling?: boolean;
  otlpEndpoint?: string;
  extraArgs: string[];
}

export interface TEngine {
  name: TEngineName;
  title: string;
  /** Image repository; tag comes from runtime.version or the default tag. */
  image: { repository: string; defaultTag: string; cpuTag?: string; arm64Note?: string };
  port: number;
  /** Container entrypoint override (null: the image's own). */
  command: string[] | null;
  /** The image's own entrypoint, for platforms whose `command` replaces it (Azure Container Instances). */
  imageEntrypoint: string[];
  args(i: TEngineArgsInput): string[];
  env(i: TEngineArgsInput): Record<string, string>;
  health: {
    /** HTTP path that returns 200 only once the model is loaded (null: needs an exec step, see startupExec). */
    startupPath: string | null;
    readinessPath: string;
    livenessPath: string;
    /** Ollama answers before a model is loaded: pull (and load) in an exec startup step. */
    startupExec?: (model: string) => string[];
  };
  /** Healthcheck for Docker: images may lack curl, so use what the image surely has. */
  dockerHealthcheck(port: number, path: string): string[];
  /** Seconds from process start to serving, excluding weight download/load (CUDA init, graph capture, compile). */
  baseStartupSeconds: number;
  metrics: {
    path: string | null;
    queueDepth: string | null;
    kvCacheUsage: string | null;
    running: string | null;
  };
  gpu: "required" | "optional";
  /** Directories the engine writes to; mounted as emptyDir/tmpfs when the root filesystem is read-only. */
  writablePaths: string[];
  /** Where the engine caches downloaded weights. */
  cachePath: string;
  quantizations: readonly TQuantization[];
}

const pythonHealthcheck = (port: number, path: string) => [
  "CMD",
  "python3",
  "-c",
  `import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${port}${path}', timeout=4).status == 200 else 1)`,
];

const opt = (flag: string, v: string | number | undefined): string[] =>
  v === undefined ? [] : [flag, String(v)];

const VLLM_QUANT: Partial<Record<TQuantization, string>> = {
  fp8: "fp8",
  awq: "awq",
  gptq: "gptq",
  bitsandbytes: "bitsandbytes",
  gguf: "gguf",
};

const vllm: TEngine = {
  name: "vllm",
  title: "vLLM (OpenAI-compatible server)",
  image: { repository: "vllm/vllm-openai", defaultTag: "latest", cpuTag: "latest-cpu" },
  port: 8000,
  command: ["vllm", "serve"],
  imageEntrypoint: ["vllm", "serve"],
  args: (i) => [
    i.localPath ?? i.model,
    "--host",
    "0.0.0.0",
    "--port",
    String(i.port),
    "--served-model-name",
    i.servedName,
    ...(i.tensorParallel > 1 ? ["--tensor-parallel-size", String(i.tensorParallel)] : []),
    ...(i.pipelineParallel > 1 ? ["--pipeline-parallel-size", String(i.pipelineParallel)] : []),
    ...opt("--quantization", i.quantization ? VLLM_QUANT[i.quantization] : undefined),
    ...opt("--max-num-seqs", i.maxNumSeqs),
    ...opt("--max-model-len", i.maxModelLen),
    // Always explicit: the default moved between releases (0.9 → 0.92).
    ...opt("--gpu-memory-utilization", i.gpus > 0 ? (i.gpuMemoryUtilization ?? 0.9) : undefined),
    ...opt("--kv-cache-dtype", i.kvCacheDtype),
    ...(i.enablePrefixCaching === false ? ["--no-enable-prefix-caching"] : []),
    ...(i.enablePrefixCaching === true ? ["--enable-prefix-caching"] : []),
    ...(i.enablePriorityScheduling ? ["--scheduling-policy", "priority"] : []),
    ...opt("--otlp-traces-endpoint", i.otlpEndpoint ? withScheme(i.otlpEndpoint) : undefined),
    ...i.extraArgs,
  ],
  env: (i) => ({
    HF_HOME: "/models/hf",
    VLLM_CACHE_ROOT: "/models/vllm-cache",
    HOME: "/home/aitk",
    ...(i.otlpEndpoint ? { OTEL_EXPORTER_OTLP_TRACES_INSECURE: "true" } : {}),
  }),
  health: { startupPath: "/health", readinessPath: "/health", livenessPath: "/health" },
  dockerHealthcheck: pythonHealthcheck,
  // CUDA init + graph capture + torch.compile on first start; vLLM opens its port only after load.
  baseStartupSeconds: 120,
  metrics: {
    path: "/metrics",
    queueDepth: "vllm:num_requests_waiting",
    kvCacheUsage: "vllm:kv_cache_usage_perc",
    running: "vllm:num_requests_running",
  },
  gpu: "required",
  writablePaths: ["/tmp", "/home/aitk", "/models"],
  cachePath: "/models",
  quantizations: ["none", "fp16", "bf16", "fp8", "int8", "int4", "awq", "gptq", "bitsandbytes", "gguf"],
};

const TGI_QUANT: Partial<Record<TQuantization, string>> = {
  fp8: "fp8",
  awq: "awq",
  gptq: "gptq",
  bitsandbytes: "bitsandbytes",
  int8: "eetq",
};

const tgi: TEngine = {
  name: "tgi",
  title: "Hugging Face Text Generation Inference (maintenance mode upstream)",
  image: { repository: "ghcr.io/huggingface/text-generation-inference", defaultTag: "latest" },
  port: 8080,
  command: null,
  imageEntrypoint: ["text-generation-launcher"],
  args: (i) => [
    "--model-id",
    i.localPath ?? i.model,
    "--hostname",
    "0.0.0.0",
    "--port",
    String(i.port),
    ...(i.tensorParallel > 1 ? ["--num-shard", String(i.tensorParallel)] : []),
    ...opt("--quantize", i.quantization ? TGI_QUANT[i.quantization] : undefined),
    ...opt("--max-concurrent-requests", i.maxNumSeqs),
    ...opt("--max-total-tokens", i.maxModelLen),
    ...opt("--max-input-tokens", i.maxModelLen ? i.maxModelLen - 1 : undefined),
    ...opt("--cuda-memory-fraction", i.gpuMemoryUtilization),
    ...opt(
      "--kv-cache-dtype",
      i.kvCacheDtype?.startsWith("fp8")
        ? i.kvCacheDtype === "fp8_e5m2"
          ? "fp8_e5m2"
          : "fp8_e4m3fn"
        : undefined,
    ),
    ...opt("--otlp-endpoint", i.otlpEndpoint ? withScheme(i.otlpEndpoint) : undefined),
    ...i.extraArgs,
  ],
  env: () => ({ HF_HOME: "/models/hf", HOME: "/home/aitk" }),
  health: { startupPath: "/health", readinessPath: "/health", livenessPath: "/health" },
  dockerHealthcheck: (port, path) => [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    `http://127.0.0.1:${port}${path}`,
  ],
  baseStartupSeconds: 90,
  metrics: {
    path: "/metrics",
    queueDepth: "tgi_queue_size",
    kvCacheUsage: null,
    running: "tgi_batch_current_size",
  },
  gpu: "required",
  writablePaths: ["/tmp", "/home/aitk", "/models"],
  cachePath: "/models",
  quantizations: ["none", "fp16", "bf16", "fp8", "int8", "awq", "gptq", "bitsandbytes"],
};

const LLAMA_KV: Record<string, string> = { q8_0: "q8_0", q4_0: "q4_0", fp16: "f16", bf16: "bf16" };

const llamaCpp: TEngine = {
  name: "llama.cpp",
  title: "llama.cpp llama-server",
  image: { repository: "ghcr.io/ggml-org/llama.cpp", defaultTag: "server-cuda", cpuTag: "server" },
  port: 8080,
  command: null,
  imageEntrypoint: ["/app/llama-server"],
  args: (i) => {
    const kv = i.kvCacheDtype ? LLAMA_KV[i.kvCacheDtype] : undefined;
    return [
      ...(i.localPath ? ["--model", i.localPath] : ["--hf-repo", i.model]),
      "--alias",
      i.servedName,
      // The server binds 127.0.0.1 by default: unreachable from outside the container.
      "--host",
      "0.0.0.0",
      "--port",
      String(i.port),
      ...opt("--ctx-size", i.maxModelLen),
      ...opt("--parallel", i.maxNumSeqs),
      ...(i.gpus > 0 ? ["--n-gpu-layers", "999"] : []),
      ...(i.gpus > 1 ? ["--split-mode", "layer"] : []),
      ...(kv ? ["--cache-type-k", kv, "--cache-type-v", kv] : []),
      "--metrics",
      ...i.extraArgs,
    ];
  },
  env: () => ({ LLAMA_CACHE: "/models/llama.cpp", HOME: "/home/aitk" }),
  // Every endpoint answers 503 while the model loads, so /health is a true startup signal.
  health: { startupPath: "/health", readinessPath: "/health", livenessPath: "/health" },
  dockerHealthcheck: (port, path) => [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    `http://127.0.0.1:${port}${path}`,
  ],
  baseStartupSeconds: 20,
  metrics: {
    path: "/metrics",
    queueDepth: "llamacpp:requests_deferred",
    // llamacpp:kv_cache_usage_ratio was removed upstream (llama.cpp PR #13660).
    kvCacheUsage: null,
    running: "llamacpp:requests_processing",
  },
  gpu: "optional",
  writablePaths: ["/tmp", "/home/aitk", "/models"],
  cachePath: "/models",
  quantizations: ["none", "fp16", "bf16", "gguf", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "int8", "int4"],
};

const OLLAMA_KV: Record<string, string> = { q8_0: "q8_0", q4_0: "q4_0", fp16: "f16" };

const ollama: TEngine = {
  name: "ollama",
  title: "Ollama",
  image: { repository: "ollama/ollama", defaultTag: "latest" },
  port: 11434,
  command: null,
  imageEntrypoint: ["/bin/ollama", "serve"],
  args: (i) => [...i.extraArgs],
  env: (i) => {
    const kv = i.kvCacheDtype ? OLLAMA_KV[i.kvCacheDtype] : undefined;
    return {
      OLLAMA_HOST: `0.0.0.0:${i.port}`,
      OLLAMA_MODELS: "/models/ollama",
      // Servers keep the model loaded; the default unloads it after 5 idle minutes.
      OLLAMA_KEEP_ALIVE: "-1",
      HOME: "/home/aitk",
      ...(i.maxNumSeqs ? { OLLAMA_NUM_PARALLEL: String(i.maxNumSeqs) } : {}),
      ...(i.maxModelLen ? { OLLAMA_CONTEXT_LENGTH: String(i.maxModelLen) } : {}),
      ...(kv ? { OLLAMA_KV_CACHE_TYPE: kv } : {}),
    };
  },
  // GET / answers "Ollama is running" before any model is present: pull in the startup step.
  health: {
    startupPath: null,
    readinessPath: "/api/version",
    livenessPath: "/",
    startupExec: (model) => ["ollama", "pull", model],
  },
  dockerHealthcheck: () => ["CMD", "ollama", "list"],
  baseStartupSeconds: 10,
  // No Prometheus endpoint (ollama#3144): no autoscaling signal.
  metrics: { path: null, queueDepth: null, kvCacheUsage: null, running: null },
  gpu: "optional",
  writablePaths: ["/tmp", "/home/aitk", "/models"],
  cachePath: "/models",
  quantizations: ["none", "fp16", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "int4", "int8", "gguf"],
};

// apps/gateway/src/engine: configured by environment only (env.ts), /health = process up, /ready = 503
// until the model is loaded, Prometheus names aitk_engine_* (metrics.ts).
const aitk: TEngine = {
  name: "aitk",
  title: "aitk embedded engine (llama.cpp via node-llama-cpp, OpenAI-compatible)",
  image: { repository: "aitk/engine", defaultTag: "local" },
  port: 4100,
  command: null,
  imageEntrypoint: ["node", "/app/engine.js"],
  args: (i) => [...i.extraArgs],
  env: (i) => ({
    ENGINE_PORT: String(i.port),
    ENGINE_MODEL_NAME: i.servedName,
    ...(i.localPath ? { ENGINE_MODEL_PATH: i.localPath } : {}),
    ...(i.maxNumSeqs ? { ENGINE_SEQUENCES: String(Math.min(64, i.maxNumSeqs)) } : {}),
    ...(i.maxModelLen ? { ENGINE_CONTEXT_SIZE: String(i.maxModelLen) } : {}),
    // More threads than cores is hundreds of times slower (shared notes, embedded-llama-engine.md).
    ENGINE_THREADS: String(Math.max(1, Math.floor(i.cpu ?? 1))),
  }),
  health: { startupPath: "/ready", readinessPath: "/ready", livenessPath: "/health" },
  dockerHealthcheck: (port, path) => [
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${port}${path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ],
  baseStartupSeconds: 5,
  metrics: {
    path: "/metrics",
    queueDepth: "aitk_engine_queue_depth",
    kvCacheUsage: null,
    running: "aitk_engine_slots_busy",
  },
  gpu: "optional",
  writablePaths: ["/tmp", "/models"],
  cachePath: "/models",
  quantizations: ["none", "fp16", "fp32", "gguf", "q8_0", "q4_k_m", "q4_0"],
};

export const ENGINE_TABLE: Record<TEngineName, TEngine> = {
  vllm,
  tgi,
  "llama.cpp": llamaCpp,
  ollama,
  aitk,
};

export const engineFor = (name: TEngineName): TEngine => ENGINE_TABLE[name];

/** Prometheus names with colons are reserved for recording rules; prometheus-adapter exposes them renamed. */
export const adapterMetricName = (metric: string): string => metric.replace(/[^a-zA-Z0-9_]/g, "_");

function withScheme(endpoint: string): string {
  return /^[a-z]+:\/\//.test(endpoint) ? endpoint : `grpc://${endpoint}`;
}
