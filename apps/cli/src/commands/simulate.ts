import { readFileSync } from "node:fs";
import {
  DEVICES,
  listDevices,
  listEngines,
  listModels,
  listQuants,
  parseOrThrow,
  resolveDevice,
  resolveScenario,
  simulateMany,
  simulateParsed,
  type TDevice,
  type TScenarioInput,
  type TSimResult,
  ZScenario,
} from "@aitk/core/simulate/index";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";

const HELP = `Usage:
  aitk simulate --input scenarios.json [--json]
  aitk simulate --device ID [--vram 80GB] [--compute-capability 9.0] [--model ID] [options] [--json]
  aitk simulate --list devices|models|quants|engines [--json]

Predicts memory, latency, throughput and power of a model on hardware you do not own, from a calibrated
analytic model (accuracy report: npx tsx bench/simulate-accuracy.ts).

Batch mode (scripts): --input FILE (or - for stdin) holds a JSON array of scenarios
  { device, model, quant, engine, batch, promptTokens, contextTokens, outputTokens, phase: "prefill"|"decode",
    tp, count, gpuMemoryUtilization, kvDtype, maxModelLen, deviceOverrides }
and prints a JSON array of results in the same order, each with weightsBytes, kvBytes, kvCapacityTokens,
maxConcurrency, fits, oomReason, prefillMs, decodeMsPerStep, tokensPerS, powerW, energyPerTokenJ, bound, ...
Device ids are those of the catalog (nvidia-h100-sxm5-80gb) or aliases (nvidia-h100); models accept
Hugging Face names (meta-llama/Llama-3.1-8B-Instruct).

Options for one scenario:
  --device ID              catalog device or alias (see --list devices), or "custom" with --vram,
                           --bandwidth and --tflops for hardware that is not in the catalog
  --vram SIZE              override memory, e.g. 80GB, 48GB, 24GiB (custom device)
  --compute-capability X   override CUDA compute capability, e.g. 9.0 (FP8 needs >= 8.9)
  --bandwidth GBPS         override memory bandwidth
  --tflops N               override dense FP16 TFLOPS
  --model ID               model id, alias or Hugging Face name; without it, every catalog model is shown
  --quant ID               bf16, fp16, fp8, int8, int4-gptq, int4-awq, q4_0, q4_k_m, q5_k_m, q6_k, q8_0
  --engine ID              vllm, tensorrt-llm, tgi, llama.cpp, onnxruntime, pytorch-eager, torch-cudagraph
  --batch N  --prompt N  --context N  --output-tokens N  --tp N  --count N
  --phase prefill|decode   which phase tokensPerS and powerW describe (default decode)
  --gpu-memory-utilization F   --kv-dtype auto|fp16|bf16|fp8|int8   --max-model-len N
  --json                   machine-readable output

Exit codes: 0 ok, 2 bad input (unknown device/model/quant/engine lists the valid ids).

Examples:
  # Simulate an NVIDIA H100 environment (the seed's form): prints the device and a verdict per model
  aitk simulate --device nvidia-h100 --vram 80GB --compute-capability 9.0
  aitk simulate --device nvidia-h100 --model meta-llama/Llama-3.1-8B-Instruct --batch 32 --context 2048
  aitk simulate --device apple-m4-max --model llama-3.1-8b --quant q4_k_m --engine llama.cpp
  aitk simulate --device custom --vram 48GB --bandwidth 1200 --tflops 300 --compute-capability 9.0
  aitk simulate --input scenarios.json --json
  echo '[{"device":"nvidia-l4","model":"qwen2.5-7b","quant":"int4-awq","batch":8}]' | aitk simulate --input - --json`;

// Human-readable output, shared with `aitk run --simulate`.

const GiB = 2 ** 30;
export const gib = (b: number) => `${(b / GiB).toFixed(2)} GiB`;
const num = (v: number, d = 1) =>
  Number.isFinite(v)
    ? v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
    : "-";

/** Parse "80GB", "80", "24GiB", "80G" into decimal GB. */
export function parseVram(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gib|gb|g)?\s*$/i.exec(s);
  if (!m) return null;
  const v = Number(m[1]);
  return m[2]?.toLowerCase() === "gib" ? (v * GiB) / 1e9 : v;
}

export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n");
}

export function verdictRows(r: TSimResult): [string, string][] {
  return [
    ["verdict", r.fits ? "FITS" : `DOES NOT FIT — ${r.oomReason}`],
    [
      "device × count",
      `${r.device} × ${r.count} (tp=${r.tp}${r.count > r.tp ? `, ${r.count / r.tp} pipeline stages` : ""})`,
    ],
    ["model / quant / engine", `${r.model} / ${r.quant} / ${r.engine}`],
    ["weights", `${gib(r.weightsBytes)} total, ${gib(r.weightsBytesPerGpu)} per GPU`],
    ["KV cache per token", `${(r.kvBytesPerToken / 1024).toFixed(0)} KiB`],
    ["KV for this batch", gib(r.kvBytes)],
    ["memory needed per GPU", `${gib(r.memoryBytesPerGpu)} of ${gib(r.usableBytesPerGpu)} usable`],
    [
      "KV capacity",
      `${r.kvCapacityTokens.toLocaleString("en-US")} tokens (${r.kvBlocks.toLocaleString("en-US")} blocks)`,
    ],
    ["max concurrency", `${num(r.maxConcurrency, 2)} requests at max model length`],
    ["TTFT (prefill)", `${num(r.prefillMs, 2)} ms  [${r.bound.prefill}-bound]`],
    ["decode step", `${num(r.decodeMsPerStep, 2)} ms  [${r.bound.decode}-bound]`],
    [
      "throughput",
      `${num(r.decodeTokensPerS, 0)} tokens/s decode, ${num(r.prefillTokensPerS, 0)} tokens/s prefill`,
    ],
    ["end-to-end", `${num(r.e2eMs, 0)} ms for the batch`],
    [
      "power",
      `${num(r.powerW, 0)} W (${r.phase}); prefill ${num(r.prefillPowerW, 0)} W, decode ${num(r.decodePowerW, 0)} W`,
    ],
    ["energy", `${num(r.energyPerTokenJ, 4)} J/token`],
    ["parameters", `${r.params.source} (etaBw ${r.params.etaBw}, etaF ${r.params.etaF})`],
    [
      "calibrated on",
      r.params.calibratedOn.length ? r.params.calibratedOn.join("; ") : "no measurements (derived)",
    ],
  ];
}

export function formatResult(r: TSimResult): string {
  const warn = r.warnings.length ? `\n${r.warnings.map((w) => `  ! ${w}`).join("\n")}` : "";
  return `${table(verdictRows(r))}${warn}`;
}

export function formatDevice(d: TDevice): string {
  const t = d.tflops;
  return table([
    ["device", `${d.name} (${d.id})`],
    ["compute capability", d.computeCapability ?? "-"],
    ["memory", `${d.memoryGB} GB (${d.usableGiB} GiB usable)`],
    ["bandwidth", `${d.memBwGBps} GB/s`],
    ["dense TFLOPS", `FP16 ${t.fp16 ?? "-"}, FP8 ${t.fp8 ?? "-"}, INT8 ${t.int8 ?? "-"}`],
    ["power", `TDP ${d.tdpW} W, idle ${d.idleW} W`],
    ["link", d.linkGBps ? `${d.linkGBps} GB/s per direction` : "-"],
    ...(d.derived.length ? ([["derived", d.derived.join("; ")]] as [string, string][]) : []),
  ]);
}

/** One line per result, for batch runs without --json. */
export function formatRows(rs: TSimResult[]): string {
  const head = [
    "#",
    "device",
    "model",
    "quant",
    "engine",
    "tp",
    "batch",
    "fits",
    "weights",
    "TTFT ms",
    "step ms",
    "tok/s",
    "W",
  ];
  const rows = rs.map((r, i) => [
    String(i),
    r.device,
    r.model,
    r.quant,
    r.engine,
    String(r.tp),
    String(r.batch),
    r.fits ? "yes" : "NO",
    gib(r.weightsBytes),
    num(r.prefillMs, 1),
    num(r.decodeMsPerStep, 2),
    num(r.tokensPerS, 0),
    num(r.powerW, 0),
  ]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(w[c] ?? 0)).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

function readInput(path: string): unknown {
  let text: string;
  try {
    text = path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      throw new UsageError(`${path}:${line}:${column}: invalid JSON: ${msg}`);
    }
    throw new UsageError(`${path}: invalid JSON: ${msg}`);
  }
}

const int = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number, got "${v}"`);
  return n;
};
const float = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${v}"`);
  return n;
};

const SHOWCASE = [
  "llama-3.2-1b",
  "llama-3.2-3b",
  "phi-3-mini-4k",
  "mistral-7b-v0.3",
  "qwen2.5-7b",
  "llama-3.1-8b",
  "llama-3.1-70b",
];

export const SIM_FLAGS = {
  input: { type: "string" },
  list: { type: "string" },
  device: { type: "string" },
  vram: { type: "string" },
  "compute-capability": { type: "string" },
  bandwidth: { type: "string" },
  tflops: { type: "string" },
  model: { type: "string" },
  quant: { type: "string" },
  engine: { type: "string" },
  batch: { type: "string" },
  prompt: { type: "string" },
  context: { type: "string" },
  "output-tokens": { type: "string" },
  tp: { type: "string" },
  count: { type: "string" },
  phase: { type: "string" },
  "gpu-memory-utilization": { type: "string" },
  "kv-dtype": { type: "string" },
  "max-model-len": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** Device overrides from --vram / --compute-capability / --bandwidth / --tflops (undefined when none). */
export function overridesFrom(v: Record<string, string | boolean | undefined>) {
  const o: Record<string, unknown> = {};
  if (typeof v.vram === "string") {
    const gb = parseVram(v.vram);
    if (gb === null || gb <= 0)
      throw new UsageError(`--vram must look like 80GB, 24GiB or 48, got "${v.vram}"`);
    o.vramGB = gb;
  }
  if (typeof v["compute-capability"] === "string") o.computeCapability = v["compute-capability"];
  if (typeof v.bandwidth === "string") o.memBwGBps = float(v.bandwidth, "bandwidth");
  if (typeof v.tflops === "string") o.fp16Tflops = float(v.tflops, "tflops");
  return Object.keys(o).length ? o : undefined;
}

function scenarioFrom(v: Record<string, string | boolean | undefined>, model: string): TScenarioInput {
  const s: Record<string, unknown> = { device: v.device, model };
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  if (str("quant")) s.quant = str("quant");
  if (str("engine")) s.engine = str("engine");
  if (str("phase")) s.phase = str("phase");
  if (str("kv-dtype")) s.kvDtype = str("kv-dtype");
  const ints: [string, string][] = [
    ["batch", "batch"],
    ["prompt", "promptTokens"],
    ["context", "contextTokens"],
    ["output-tokens", "outputTokens"],
    ["tp", "tp"],
    ["count", "count"],
    ["max-model-len", "maxModelLen"],
  ];
  for (const [flag, key] of ints) {
    const n = int(str(flag), flag);
    if (n !== undefined) s[key] = n;
  }
  const util = float(str("gpu-memory-utilization"), "gpu-memory-utilization");
  if (util !== undefined) s.gpuMemoryUtilization = util;
  const o = overridesFrom(v);
  if (o) s.deviceOverrides = o;
  return s as TScenarioInput;
}

function list(what: string, json: boolean): number {
  const lists: Record<string, () => { id: string; name: string; aliases: string[] }[]> = {
    devices: listDevices,
    models: listModels,
    quants: listQuants,
    engines: listEngines,
  };
  const f = lists[what];
  if (!f) throw new UsageError(`--list takes one of: ${Object.keys(lists).join(", ")}`);
  const items = f();
  if (json) console.log(JSON.stringify(items, null, 2));
  else
    for (const i of items)
      console.log(
        `${i.id.padEnd(30)} ${i.name}${i.aliases.length ? `  (aliases: ${i.aliases.join(", ")})` : ""}`,
      );
  return 0;
}

const command: TCommand = {
  name: "simulate",
  summary: "Predict memory, latency, throughput and power of a model on a device (no hardware needed)",
  help: HELP,
  async run(argv) {
    const { values: v } = parseFlags(argv, SIM_FLAGS);
    if (v.list !== undefined) return list(v.list, v.json);
    if (v.input !== undefined) {
      const results = simulateMany(readInput(v.input));
      console.log(v.json ? JSON.stringify(results, null, 2) : formatRows(results));
      return 0;
    }
    if (!v.device) throw new UsageError("give --input FILE, or --device ID (see aitk simulate --help)");
    if (v.model) {
      const s = parseOrThrow(ZScenario, scenarioFrom(v, v.model), "scenario");
      const r = simulateParsed(s);
      if (v.json) console.log(JSON.stringify(r, null, 2));
      else console.log(formatResult(r));
      return 0;
    }
    // Device only (the seed's `aitk simulate --device nvidia-h100 --vram 80GB --compute-capability 9.0`):
    // show the device as simulated and a verdict for each catalog model.
    if (v.device.toLowerCase() !== "custom") resolveDevice(v.device);
    const first = parseOrThrow(ZScenario, scenarioFrom(v, "llama-3.1-8b"), "scenario");
    const device: TDevice = resolveScenario(first).x.device;
    const results: TSimResult[] = SHOWCASE.map((m) => simulateParsed({ ...first, model: m }));
    if (v.json) {
      console.log(JSON.stringify({ device, results }, null, 2));
      return 0;
    }
    console.log(`Simulated device\n${formatDevice(device)}\n`);
    console.log(formatRows(results));
    const warnings = [...new Set(results.flatMap((r) => r.warnings))];
    for (const w of warnings) console.log(`  ! ${w}`);
    console.log(
      `\nPick one with --model ID for details; ${DEVICES.length} catalog devices: aitk simulate --list devices`,
    );
    return 0;
  },
};
export default command;
