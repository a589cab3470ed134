// Derives the simulator's shipped data from the shared research data:
//   ../shared/data/devices.json              -> src/simulate/data/devices.json
//   ../shared/data/h100-calibration.json     -> src/simulate/data/measurements.json (normalized rows)
//   ../shared/data/published-benchmarks.json -> src/simulate/data/measurements.json (normalized rows)
// Usage: npx tsx packages/core/scripts/simulate-refresh-data.ts [sharedDataDir]
// Every derived or filled-in value says so in the device's `derived` list; every measurement keeps its source.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT_VERSION = "simulate-refresh-data@1";
const sharedDir = process.argv[2] ?? fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const outDir = fileURLToPath(new URL("../src/simulate/data/", import.meta.url));
const read = (f: string) => JSON.parse(readFileSync(`${sharedDir}/${f}`, "utf8"));

type Raw = Record<string, unknown> & { id: string };

// ---------- devices ----------
const FAMILY: Record<string, [string, string]> = {
  "nvidia-h100-sxm5-80gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-h100-pcie-80gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-h200-sxm-141gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-a100-sxm4-80gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-a100-sxm4-40gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-a100-pcie-80gb": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-l4": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-l40s": ["nvidia-datacenter", "datacenter-gpu"],
  "nvidia-rtx-4090": ["nvidia-consumer", "consumer-gpu"],
  "nvidia-jetson-agx-orin-64gb": ["nvidia-edge", "edge-soc"],
  "amd-mi300x": ["amd", "datacenter-gpu"],
  "amd-mi250": ["amd", "datacenter-gpu"],
  "intel-arc-a770-16gb": ["intel", "consumer-gpu"],
};
const CC: Record<string, string> = {
  "nvidia-h100-sxm5-80gb": "9.0",
  "nvidia-h100-pcie-80gb": "9.0",
  "nvidia-h200-sxm-141gb": "9.0",
  "nvidia-a100-sxm4-80gb": "8.0",
  "nvidia-a100-sxm4-40gb": "8.0",
  "nvidia-a100-pcie-80gb": "8.0",
  "nvidia-l4": "8.9",
  "nvidia-l40s": "8.9",
  "nvidia-rtx-4090": "8.9",
  "nvidia-jetson-agx-orin-64gb": "8.7",
};
const ALIASES: Record<string, string[]> = {
  "nvidia-h100-sxm5-80gb": [
    "nvidia-h100",
    "h100",
    "nvidia-h100-sxm",
    "h100-sxm",
    "nvidia-h100-80gb-unspecified",
  ],
  "nvidia-h100-pcie-80gb": ["nvidia-h100-pcie", "h100-pcie"],
  "nvidia-h200-sxm-141gb": ["nvidia-h200", "h200"],
  "nvidia-a100-sxm4-80gb": ["nvidia-a100", "a100", "a100-80gb", "nvidia-a100-80gb-unspecified"],
  "nvidia-a100-sxm4-40gb": ["nvidia-a100-40gb", "a100-40gb"],
  "nvidia-a100-pcie-80gb": ["nvidia-a100-pcie", "a100-pcie"],
  "nvidia-l4": ["l4"],
  "nvidia-l40s": ["l40s"],
  "nvidia-rtx-4090": ["rtx-4090", "rtx4090", "nvidia-geforce-rtx-4090", "geforce-rtx-4090"],
  "amd-mi300x": ["amd-mi300", "mi300x", "mi300"],
  "amd-mi250": ["mi250", "amd-mi250x"],
  "apple-m4-pro": ["m4-pro"],
  "apple-m4-max": ["m4-max"],
  "nvidia-jetson-agx-orin-64gb": ["nvidia-jetson-orin", "jetson-orin", "jetson-agx-orin", "orin"],
  "intel-arc-a770-16gb": ["intel-arc-a770", "arc-a770", "a770"],
};
// Driver-visible memory (nvidia-smi MiB / 1024), recalled; used where the shared data has none.
const VISIBLE_RECALLED: Record<string, number> = {
  "nvidia-l4": 22.49,
  "nvidia-l40s": 44.99,
  "nvidia-rtx-4090": 23.99,
};
// Apple GPU clocks (GHz) for FP32 = cores x 128 ALUs x 2 x clock. M4 clock implied by the M4 Max 18.4 TF figure.
const APPLE_CLOCK: Record<string, number> = { m1: 1.278, m2: 1.398, m3: 1.38, m4: 1.8 };
// Apple publishes no TDP; rough GPU-package power under load (W), recalled from reviews: low confidence.
const APPLE_W: Record<string, number> = {
  "apple-m4-pro": 45,
  "apple-m4-max": 70,
  "apple-m1-pro-14c": 30,
  "apple-m1-max-32c": 55,
  "apple-m1-ultra-64c": 110,
  "apple-m2-ultra-76c": 120,
  "apple-m3-pro-18c": 30,
  "apple-m3-max-40c": 60,
  "apple-m3-ultra-80c": 140,
};
const APPLE_CORES: Record<string, number> = { "apple-m4-pro": 20, "apple-m4-max": 40 };
// The H100 calibration measured idle 73.9 W at a 700 W limit: 10.6 %. Used as the rule for other boards.
const IDLE_SHARE = 0.105;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

const rawDevices = read("devices.json") as Raw[];
const devices = rawDevices
  .filter((d) => !d.alias_of)
  .map((d) => {
    const id = d.id;
    const derived: string[] = [];
    const isApple = id.startsWith("apple-");
    const [family, kind] =
      FAMILY[id] ?? (isApple ? ["apple", "apple-soc"] : ["nvidia-datacenter", "datacenter-gpu"]);
    const memoryGB = num(d.memory_gb) ?? 0;
    let usableGiB = num(d.memory_gib_visible);
    if (usableGiB === null) {
      if (isApple) {
        usableGiB = +(memoryGB * 0.75).toFixed(2);
        derived.push("usableGiB = 75 % of unified memory (Metal recommendedMaxWorkingSetSize default)");
      } else if (kind === "edge-soc") {
        usableGiB = +(memoryGB * 0.85).toFixed(2);
        derived.push("usableGiB = 85 % of unified memory (shared with the OS and CPU)");
      } else if (VISIBLE_RECALLED[id]) {
        usableGiB = VISIBLE_RECALLED[id];
        derived.push("usableGiB from nvidia-smi total MiB / 1024 (recalled, not re-read)");
      } else {
        usableGiB = +(memoryGB * 0.99).toFixed(2);
        derived.push("usableGiB = 0.99 x memory_gb (rule from H100 79.22 / 80 and A100 79.15 / 80)");
      }
    }
    let fp16 = num(d.fp16_dense_tflops);
    let fp32 = num(d.fp32_tflops);
    if (isApple && fp16 === null) {
      const gen = id.slice(6, 8);
      const cores = num(d.gpu_cores) ?? APPLE_CORES[id] ?? 0;
      const clock = APPLE_CLOCK[gen] ?? 1.4;
      fp16 = +((cores * 128 * 2 * clock) / 1000).toFixed(2);
      derived.push(`fp16/fp32 TFLOPS = ${cores} cores x 128 ALUs x 2 x ${clock} GHz (clock recalled)`);
    }
    if (isApple) fp32 = fp16;
    let tdpW = num(d.tdp_w);
    if (tdpW === null) {
      tdpW = APPLE_W[id] ?? 100;
      derived.push("tdpW: estimated GPU-package power under load (Apple publishes none; low confidence)");
    }
    const idleW = id === "nvidia-h100-sxm5-80gb" ? 73.9 : +(tdpW * IDLE_SHARE).toFixed(1);
    derived.push(
      id === "nvidia-h100-sxm5-80gb"
        ? "idleW measured (h100-calibration.json)"
        : "idleW = 10.5 % of TDP (H100 measured 73.9 W / 700 W)",
    );
    const link = num(d.interconnect_bw_gbps);
    const cap = (x: number | null) => (isApple ? null : x);
    return {
      id,
      name: d.name,
      vendor: d.vendor,
      family,
      kind,
      arch: d.arch ?? "",
      computeCapability: CC[id] ?? null,
      memoryGB,
      usableGiB,
      memBwGBps: num(d.mem_bw_gbps) ?? 0,
      tflops: {
        fp16,
        bf16: num(d.bf16_dense_tflops) ?? (isApple ? fp16 : null),
        fp8: cap(num(d.fp8_dense_tflops)),
        // Apple's 38 TOPS is the Neural Engine, which GPU inference paths do not use.
        int8: cap(num(d.int8_dense_tops)),
        fp32,
        // GeForce cards run FP16 with FP16 accumulate at twice the FP32-accumulate rate; llama.cpp uses it.
        fp16acc: num(d.fp16_dense_tflops_fp16_accumulate),
      },
      tdpW,
      idleW,
      linkGBps: link ? link / 2 : isApple ? 0 : 16,
      aliases: ALIASES[id] ?? [],
      source: d.source,
      sourceUrls: d.source_urls ?? [],
      verifiedAtSource: d.verified_at_source === true,
      derived,
      note: d.notes ?? "",
    };
  });

// ---------- measurements ----------
type TMeas = {
  id: string;
  origin: "h100-calibration" | "published";
  group: "memory" | "memory-component" | "latency" | "power";
  metric: string;
  value: number;
  unit: string;
  scenario: Record<string, unknown>;
  source: string;
  confidence: string;
  /** Engine and version as the source names it (results move 10-35 % between versions). */
  engineVersion: string;
  note: string;
};
const out: TMeas[] = [];
const excluded: { id: string; reason: string }[] = [];

const cal = read("h100-calibration.json") as {
  date: string;
  about: string;
  measurements: Record<string, number | string | null>[];
};
const calSrc = `shared/data/h100-calibration.json (${cal.date}): ${cal.about.slice(0, 120)}…`;
const H100 = "nvidia-h100-sxm5-80gb";
let k = 0;
for (const m of cal.measurements) {
  const model = String(m.model);
  const base = { device: H100, model, quant: "bf16", tp: 1, count: 1 };
  const push = (
    metric: string,
    group: TMeas["group"],
    value: number,
    unit: string,
    scenario: object,
    note = "",
  ) => {
    k += 1;
    out.push({
      id: `cal-${String(k).padStart(3, "0")}`,
      origin: "h100-calibration",
      group,
      metric,
      value,
      unit,
      scenario: { ...base, ...scenario },
      source: calSrc,
      engineVersion: `PyTorch ${String((cal as unknown as { ceilings: { torch?: string }[] }).ceilings.find((c) => c.torch)?.torch ?? "")} (gpu/bench_llm.py)`,
      confidence: "high",
      note,
    });
  };
  if (m.kind === "weights") {
    push("weights_bytes", "memory", Number(m.allocated_bytes), "bytes", {
      engine: "torch-cudagraph",
      batch: 1,
    });
  } else if (m.kind === "prefill") {
    const sc = { engine: "torch-cudagraph", batch: m.batch, promptTokens: m.prompt, phase: "prefill" };
    push("prefill_ms", "latency", Number(m.ms), "ms", sc);
    push(
      "prefill_ms",
      "latency",
      Number(m.ms_eager),
      "ms",
      { ...sc, engine: "pytorch-eager" },
      "ms_eager column",
    );
    if (m.power_w !== null && m.power_w !== undefined)
      push("power_w", "power", Number(m.power_w), "W", sc, "median board power while repeating the step");
    const weights = cal.measurements.find((w) => w.kind === "weights" && w.model === model);
    push(
      "peak_memory_bytes",
      "memory",
      Number(weights?.allocated_bytes) + Number(m.peak_over_weights_bytes),
      "bytes",
      sc,
      "allocated weights + peak_over_weights (KV written + activation peak)",
    );
    push("activation_bytes", "memory-component", Number(m.activation_peak_bytes), "bytes", sc);
  } else if (m.kind === "decode") {
    const sc = { engine: "torch-cudagraph", batch: m.batch, contextTokens: m.context, phase: "decode" };
    push("decode_ms", "latency", Number(m.ms), "ms", sc);
    if (m.power_w !== null && m.power_w !== undefined)
      push("power_w", "power", Number(m.power_w), "W", sc, "median board power while repeating the step");
  }
}

// Published rows: the model/quant/engine strings are free text; map them here, once, with the reason.
const pub = read("published-benchmarks.json") as { rows: Raw[] };
const MODEL_MAP: [RegExp, string][] = [
  [/^Llama-2-7B/, "llama-2-7b"],
  [/^Llama-2-70B/, "llama-2-70b"],
  [/^Llama-3-8B|^Meta-Llama-3-8B|^Llama-3\.1-8B/, "llama-3.1-8b"],
  [/^Llama-3-70B|^Llama-3\.3-70B|^Llama-3\.1-70B/, "llama-3.1-70b"],
  [/^test-13b/, "gpt-13b-ft"],
];
const quantOf = (q: string, engine: string): string => {
  if (/Q4_K_M/i.test(q)) return "q4_k_m";
  if (/Q4_0/i.test(q)) return "q4_0";
  if (/Q8_0/i.test(q)) return "q8_0";
  if (/FP8/i.test(q)) return "fp8";
  if (/^F16$|FP16/i.test(q)) return /llama\.cpp/.test(engine) ? "f16" : "fp16";
  if (/BF16/i.test(q)) return "bf16";
  return "?";
};
const engineOf = (e: string): string => {
  if (/llama\.cpp/i.test(e)) return "llama.cpp";
  if (/TensorRT-LLM|NIM/i.test(e)) return "tensorrt-llm";
  if (/FasterTransformer/i.test(e)) return "tensorrt-llm";
  if (/vLLM/i.test(e)) return "vllm";
  return "?";
};
const GiB = 2 ** 30;
for (const r of pub.rows) {
  const model = MODEL_MAP.find(([re]) => re.test(String(r.model)))?.[1];
  const engine = engineOf(String(r.engine));
  const quant = quantOf(String(r.quant), String(r.engine));
  if (!model || engine === "?" || quant === "?") {
    excluded.push({ id: r.id, reason: `unmapped model/engine/quant: ${r.model} / ${r.engine} / ${r.quant}` });
    continue;
  }
  const tp = Number(r.tp) || 1;
  const count = Number(r.n_devices) || tp;
  const kvFp8 = /FP8-KV|FP8 KV/i.test(String(r.quant));
  const base: Record<string, unknown> = { device: r.device_id, model, quant, engine, tp, count };
  if (kvFp8) base.kvDtype = "fp8";
  const inLen = typeof r.input_len === "number" ? r.input_len : null;
  const outLen = typeof r.output_len === "number" ? r.output_len : null;
  const batchRaw = String(r.batch);
  const conc = /concurrency (\d+)/.exec(batchRaw);
  const batch = conc ? Number(conc[1]) : /max/.test(batchRaw) ? 0 : Number(r.batch) || 1;
  const metric = String(r.metric);
  const value = Number(r.value);
  let m: {
    metric: string;
    group: TMeas["group"];
    value: number;
    unit: string;
    sc: object;
    note?: string;
  } | null = null;
  const notes: string[] = [];
  if (String(r.engine).includes("FasterTransformer"))
    notes.push("FasterTransformer mapped to tensorrt-llm (its successor)");
  if (/Llama-3-8B|Llama-3-70B|Llama-3\.3/.test(String(r.model)))
    notes.push("same architecture as the catalog model");
  if (String(r.device_id).includes("unspecified"))
    notes.push("form factor not stated: evaluated as the SXM variant");
  if (metric === "prefill_throughput") {
    m = {
      metric: "prefill_tps",
      group: "latency",
      value,
      unit: "tokens/s",
      sc: { batch: 1, promptTokens: inLen, phase: "prefill" },
    };
  } else if (metric === "decode_throughput") {
    // llama-bench tgN generates N tokens from an empty context: the mean step sees N/2 tokens of context.
    let ctx = outLen ? outLen / 2 : 512;
    if (!outLen && !inLen) notes.push("context not stated: assumed 512");
    if (inLen && outLen) ctx = inLen + outLen / 2;
    else if (inLen && !outLen) ctx = inLen + 64;
    m = {
      metric: "decode_tps",
      group: "latency",
      value,
      unit: "tokens/s",
      sc: { batch: batch || 1, contextTokens: ctx, phase: "decode" },
    };
  } else if (metric === "output_throughput") {
    m = {
      metric: "output_tps",
      group: "latency",
      value,
      unit: "tokens/s",
      sc: { batch, promptTokens: inLen, outputTokens: outLen },
    };
    if (batch === 0)
      notes.push("saturated: concurrency = what fits in the KV cache, capped by the engine's max batch");
  } else if (metric === "ttft" || metric === "prefill_latency") {
    if (batch > 1) {
      excluded.push({ id: r.id, reason: "TTFT under load includes queueing the simulator does not model" });
      continue;
    }
    m = {
      metric: "ttft_ms",
      group: "latency",
      value,
      unit: "ms",
      sc: { batch: 1, promptTokens: inLen, phase: "prefill" },
    };
  } else if (metric === "itl" || metric === "tpot") {
    const ctx = (inLen ?? 0) + (outLen ?? 0) / 2;
    m = {
      metric: "itl_ms",
      group: "latency",
      value,
      unit: "ms",
      sc: { batch: batch || 1, promptTokens: inLen, outputTokens: outLen, contextTokens: ctx },
    };
  } else if (metric === "e2e_latency") {
    const v = String(r.unit).startsWith("s") ? value * 1000 : value;
    m = {
      metric: "e2e_ms",
      group: "latency",
      value: v,
      unit: "ms",
      sc: { batch: batch || 1, promptTokens: inLen, outputTokens: outLen },
    };
  } else if (metric === "weights_memory") {
    m = { metric: "weights_bytes", group: "memory", value: value * GiB, unit: "bytes", sc: {} };
  } else if (metric === "activation_peak_memory") {
    m = {
      metric: "activation_bytes",
      group: "memory-component",
      value: value * GiB,
      unit: "bytes",
      sc: { maxModelLen: 8192 },
    };
  } else if (metric === "non_torch_memory") {
    m = { metric: "non_torch_bytes", group: "memory-component", value: value * GiB, unit: "bytes", sc: {} };
  } else if (metric === "kv_cache_memory_available") {
    m = {
      metric: "kv_capacity_bytes",
      group: "memory",
      value: value * GiB,
      unit: "bytes",
      sc: { gpuMemoryUtilization: 0.9, maxModelLen: 8192 },
    };
  } else if (metric === "max_concurrency") {
    m = {
      metric: "max_concurrency",
      group: "memory",
      value,
      unit: "requests",
      sc: { gpuMemoryUtilization: 0.9, maxModelLen: inLen ?? 32768 },
    };
  } else if (metric === "kv_cache_blocks") {
    m = {
      metric: "kv_blocks",
      group: "memory",
      value,
      unit: "blocks",
      sc: { gpuMemoryUtilization: 0.9, maxModelLen: 4096 },
    };
  } else if (metric === "energy_per_output_token") {
    notes.push("context not stated: assumed 1024 tokens (chat-length requests)");
    m = {
      metric: "energy_per_token_j",
      group: "power",
      value,
      unit: "J/token",
      sc: { batch, contextTokens: 1024, phase: "decode" },
    };
  }
  if (!m) {
    excluded.push({ id: r.id, reason: `metric ${metric} not modelled` });
    continue;
  }
  out.push({
    id: r.id,
    origin: "published",
    group: m.group,
    metric: m.metric,
    value: m.value,
    unit: m.unit,
    scenario: { ...base, ...m.sc },
    source: String(r.source),
    engineVersion: String(r.engine),
    confidence: String(r.confidence),
    note: [String(r.notes ?? ""), ...notes].filter(Boolean).join("; "),
  });
}

const stamp = { generatedBy: SCRIPT_VERSION, from: "shared/data (read-only research data)" };
writeFileSync(`${outDir}/devices.json`, `${JSON.stringify({ ...stamp, devices }, null, 1)}\n`);
writeFileSync(
  `${outDir}/measurements.json`,
  `${JSON.stringify({ ...stamp, rows: out, excluded }, null, 1)}\n`,
);
console.log(`devices: ${devices.length}, measurements: ${out.length}, excluded: ${excluded.length}`);
for (const e of excluded) console.log(`  excluded ${e.id}: ${e.reason}`);
