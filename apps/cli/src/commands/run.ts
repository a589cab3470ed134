import {
  FITTED,
  findModel,
  minTpToFit,
  parseOrThrow,
  resolveScenario,
  simulateParsed,
  ZScenario,
} from "@aitk/core/simulate/index";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { UsageError } from "../errors";
import { formatResult, overridesFrom } from "./simulate";

const HELP = `Usage: aitk run --simulate --model ID [--quantize Q] [--batch-size N] [--device ID] [options] [--json]

Tests loading and serving a model in a simulated environment: says whether it fits (and on how many GPUs),
then predicts TTFT, decode speed, throughput and power at that batch size.

Options:
  --simulate               required: real runs go through aitk deploy
  --model ID               catalog id, alias or Hugging Face name (meta-llama/Llama-3.1-8B-Instruct)
  --quantize Q             bf16, fp16, fp8, int8, int4-gptq, int4-awq, q4_0, q4_k_m, q5_k_m, q6_k, q8_0
  --batch-size N           concurrent sequences (default 1)
  --device ID              device to simulate (default nvidia-h100); --vram / --compute-capability override it
  --engine ID              vllm (default), tensorrt-llm, tgi, llama.cpp, onnxruntime, pytorch-eager, torch-cudagraph
  --tp N                   tensor-parallel GPUs (default: the smallest power of two that fits)
  --prompt N               prompt tokens (default 512)      --output-tokens N   generated tokens (default 128)
  --max-model-len N        context the engine is configured for (default: the model's)
  --json                   machine-readable output

Exit codes: 0 ok (the verdict may still be "does not fit"), 2 bad input.

Examples:
  # The seed's example; Llama-3.2-70B does not exist and maps to llama-3.1-70b (same architecture as 3.3-70B)
  aitk run --simulate --model meta-llama/Llama-3.2-70B --quantize fp8 --batch-size 32
  aitk run --simulate --model meta-llama/Llama-3.1-8B-Instruct --device nvidia-l4 --quantize int4-awq --batch-size 8`;

const command: TCommand = {
  name: "run",
  summary: "Run a model in a simulated environment (--simulate): fits or not, latency, throughput, power",
  help: HELP,
  async run(argv) {
    const { values: v } = parseFlags(argv, {
      simulate: { type: "boolean", default: false },
      model: { type: "string" },
      quantize: { type: "string" },
      "batch-size": { type: "string" },
      device: { type: "string" },
      vram: { type: "string" },
      "compute-capability": { type: "string" },
      engine: { type: "string" },
      tp: { type: "string" },
      prompt: { type: "string" },
      "output-tokens": { type: "string" },
      "max-model-len": { type: "string" },
      json: { type: "boolean", default: false },
    });
    if (!v.simulate)
      throw new UsageError("aitk run needs --simulate (real deployments: aitk deploy). See aitk run --help");
    if (!v.model) throw new UsageError("missing --model (e.g. --model meta-llama/Llama-3.1-8B-Instruct)");
    const num = (s: string | undefined, flag: string) => {
      if (s === undefined) return undefined;
      const n = Number(s);
      if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number, got "${s}"`);
      return n;
    };
    const input: Record<string, unknown> = {
      device: v.device ?? "nvidia-h100",
      model: v.model,
      batch: num(v["batch-size"], "batch-size") ?? 1,
    };
    if (v.quantize) input.quant = v.quantize;
    if (v.engine) input.engine = v.engine;
    const tpFlag = num(v.tp, "tp");
    if (tpFlag !== undefined) input.tp = tpFlag;
    const prompt = num(v.prompt, "prompt");
    if (prompt !== undefined) input.promptTokens = prompt;
    const out = num(v["output-tokens"], "output-tokens");
    if (out !== undefined) input.outputTokens = out;
    const mml = num(v["max-model-len"], "max-model-len");
    if (mml !== undefined) input.maxModelLen = mml;
    const o = overridesFrom(v);
    if (o) input.deviceOverrides = o;

    let s = parseOrThrow(ZScenario, input, "run");
    const notes: string[] = [];
    const model = findModel(v.model);
    if (model && model.id !== v.model.toLowerCase())
      notes.push(`model "${v.model}" → catalog id ${model.id}${model.note ? ` (${model.note})` : ""}`);
    let autoTp: number | null = null;
    if (tpFlag === undefined) {
      autoTp = minTpToFit(resolveScenario(s).x, FITTED.globals);
      if (autoTp && autoTp > 1) {
        s = { ...s, tp: autoTp, count: autoTp };
        notes.push(`does not fit on one GPU: simulated with tensor parallelism tp=${autoTp}`);
      }
    }
    const result = simulateParsed(s);
    if (v.json) {
      console.log(JSON.stringify({ scenario: s, autoTp, notes, result }, null, 2));
      return 0;
    }
    console.log(
      `aitk run --simulate: ${result.model} (${result.quant}) on ${result.count} × ${result.device}`,
    );
    for (const n of notes) console.log(`  note: ${n}`);
    console.log(formatResult(result));
    return 0;
  },
};
export default command;
