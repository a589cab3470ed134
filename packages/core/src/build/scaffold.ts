// `aitk init` project templates: Dockerfile.ai, aitk-deploy.yaml, config.json and tests/. Pure: returns
// file contents; the CLI writes them.
import { DomainError } from "../errors";
import { defaultEngine, engineRunsOn, quantSupport } from "./engines";
import { TARGETS } from "./targets";
import {
  QUANTIZE_VALUES,
  TARGET_NAMES,
  type TEngineName,
  type TQuantize,
  type TTargetName,
} from "./vocabulary";

export const INIT_PLATFORMS = ["local", "docker-compose", "kubernetes"] as const;
export type TInitPlatform = (typeof INIT_PLATFORMS)[number];

export interface TScaffoldInput {
  model: string;
  quantize?: TQuantize;
  platform?: TInitPlatform;
  target?: TTargetName;
  engine?: TEngineName;
}

// aitk target names → the deploy spec's device ids (packages/core/src/deploy/devices.ts).
const DEPLOY_DEVICE: Partial<Record<TTargetName, string>> = {
  "nvidia-h100": "nvidia-h100",
  "nvidia-h200": "nvidia-h200",
  "nvidia-a100": "nvidia-a100",
  "nvidia-l4": "nvidia-l4",
  "nvidia-rtx-4090": "nvidia-rtx-4090",
  "amd-mi300": "amd-mi300x",
  "jetson-orin": "jetson-orin-agx",
  "apple-m4": "apple-m4-max",
  cpu: "cpu",
  "cpu-arm64": "cpu",
};

const DEPLOY_ENGINES = new Set(["vllm", "tgi", "llama.cpp"]);

function dnsLabel(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63) || "model"
  );
}

export function scaffoldProject(input: TScaffoldInput): Record<string, string> {
  const model = input.model.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(model) && !/^\.{0,2}\//.test(model)) {
    throw new DomainError(
      "VALIDATION",
      `--model "${model}" is not org/name (e.g. meta-llama/Llama-3.2-1B-instruct) or a ./path`,
      { field: "model" },
    );
  }
  const quantize = input.quantize ?? "none";
  if (!(QUANTIZE_VALUES as readonly string[]).includes(quantize)) {
    throw new DomainError("VALIDATION", `unknown --quantize "${quantize}"`, {
      field: "quantize",
      choices: [...QUANTIZE_VALUES],
    });
  }
  const platform = input.platform ?? "local";
  const targetName = input.target ?? "cpu";
  if (!(TARGET_NAMES as readonly string[]).includes(targetName)) {
    throw new DomainError("VALIDATION", `unknown --target "${targetName}"`, {
      field: "target",
      choices: [...TARGET_NAMES],
    });
  }
  const target = TARGETS[targetName];
  const chosen = input.engine ?? defaultEngine(target, quantize).engine;
  const runs = engineRunsOn(chosen, target);
  if (runs.level !== "yes")
    throw new DomainError("VALIDATION", `--engine ${chosen} on ${targetName}: ${runs.reason}`, {
      field: "engine",
    });
  const qs = quantSupport(chosen, quantize, target);
  if (qs.level !== "yes")
    throw new DomainError("VALIDATION", `--engine ${chosen} with --quantize ${quantize}: ${qs.reason}`, {
      field: "quantize",
    });
  const name = model.replace(/\/+$/, "").split("/").pop() as string;

  const dockerfileAi = [
    "# Dockerfile.ai: declarative AI image build (aitk build -f Dockerfile.ai -t NAME:TAG)",
    "FROM ai-base:2026",
    "",
    "# The model; CUDA/cuDNN/torch versions are derived from the engine and target.",
    `MODEL ${model}`,
    `QUANTIZE ${quantize}`,
    "",
    "# Inference engine and telemetry.",
    `ENGINE ${chosen}`,
    "OBSERVABILITY otel",
    "",
    `# Hardware target (others: ${TARGET_NAMES.filter((t) => t !== targetName).join(", ")}).`,
    `TARGET ${targetName}`,
    "",
    "# Generate a pinned requirements.txt.",
    "AUTO_REQ true",
    "",
    "ENV MAX_MODEL_LEN=4096",
    "",
  ].join("\n");

  const device = DEPLOY_DEVICE[targetName] ?? "cpu";
  const deployPlatform = platform === "kubernetes" ? "kubernetes" : "docker-compose";
  const engine = DEPLOY_ENGINES.has(chosen) ? chosen : "aitk";
  const gpus =
    target.vendor === "nvidia"
      ? "        nvidia.com/gpu: 1\n"
      : target.vendor === "amd"
        ? "        amd.com/gpu: 1\n"
        : "";
  const deployQuant = quantize === "nvfp4" ? "none" : quantize;
  const deployYaml = [
    "apiVersion: aitk/v1",
    "kind: AIDeployment",
    "metadata:",
    `  name: ${dnsLabel(name)}`,
    '  version: "2026.1"',
    "spec:",
    "  model:",
    `    name: ${model}`,
    `    servedName: ${name}`,
    `    quantization: ${deployQuant}`,
    "  runtime:",
    `    engine: ${engine}`,
    "    port: 8080",
    "    maxModelLen: 4096",
    "  targets:",
    `    - name: ${platform === "kubernetes" ? "production" : "local-dev"}`,
    `      platform: ${deployPlatform}`,
    `      device: ${device}`,
    "      resources:",
    gpus + "        memory: 16Gi",
    "  observability:",
    "    metrics: prometheus",
    "    traces: otel-collector:4317",
    "",
  ].join("\n");

  const config = `${JSON.stringify(
    {
      model: { name: model, servedName: name, quantize },
      engine: chosen,
      target: targetName,
      server: { host: "0.0.0.0", port: 8080, maxModelLen: 4096 },
      observability: { otlpEndpoint: "http://otel-collector:4317", metrics: "/metrics" },
    },
    null,
    2,
  )}\n`;

  const smoke = [
    "#!/bin/sh",
    "# Smoke test: the server answers /health and one chat completion.",
    "# Usage: tests/smoke.sh [base-url]   (default http://127.0.0.1:8080)",
    "set -eu",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'BASE="${1:-http://127.0.0.1:8080}"',
    'curl -fsS "$BASE/health" >/dev/null',
    `curl -fsS "$BASE/v1/chat/completions" -H 'Content-Type: application/json' \\`,
    `  -d '{"model":"${name}","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16}' \\`,
    "  | grep -q '\"choices\"'",
    'echo "ok: $BASE serves ' + name + '"',
    "",
  ].join("\n");

  return {
    "Dockerfile.ai": dockerfileAi,
    "aitk-deploy.yaml": deployYaml,
    "config.json": config,
    "tests/smoke.sh": smoke,
  };
}
