// Words of the Dockerfile.ai language. Values the resolver knows about live in targets.ts / engines.ts /
// quantize.ts; this file only lists names so the parser stays independent of the compatibility data.

export const AI_DIRECTIVES = [
  "FROM",
  "MODEL",
  "QUANTIZE",
  "ENGINE",
  "OBSERVABILITY",
  "TARGET",
  "AUTO_REQ",
] as const;
export type TAiDirectiveName = (typeof AI_DIRECTIVES)[number];

/** Ordinary Dockerfile instructions, copied into the runtime stage as written. */
export const DOCKER_INSTRUCTIONS = [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
] as const;

export const QUANTIZE_VALUES = [
  "none",
  "fp16",
  "bf16",
  "fp8",
  "int8",
  "int4",
  "awq",
  "gptq",
  "nvfp4",
  "q4_0",
  "q4_k_m",
  "q5_k_m",
  "q6_k",
  "q8_0",
] as const;
export type TQuantize = (typeof QUANTIZE_VALUES)[number];

export const ENGINE_NAMES = [
  "vllm",
  "llama.cpp",
  "tgi",
  "tensorrt-llm",
  "onnxruntime",
  "mlx",
  "custom",
] as const;
export type TEngineName = (typeof ENGINE_NAMES)[number];

export const TARGET_NAMES = [
  "nvidia-h100",
  "nvidia-h200",
  "nvidia-a100",
  "nvidia-l4",
  "nvidia-rtx-4090",
  "nvidia-b200",
  "nvidia-rtx-5090",
  "jetson-orin",
  "amd-mi300",
  "amd-mi250",
  "apple-m4",
  "cpu",
  "cpu-arm64",
] as const;
export type TTargetName = (typeof TARGET_NAMES)[number];

export const OBSERVABILITY_VALUES = ["otel", "prometheus", "none"] as const;
export type TObservability = (typeof OBSERVABILITY_VALUES)[number];

export const OPTIMIZE_VALUES = ["for-speed", "for-size", "balanced"] as const;
export type TOptimize = (typeof OPTIMIZE_VALUES)[number];

/** Options each directive accepts as `key=value` after its value. */
export const DIRECTIVE_OPTIONS: Record<TAiDirectiveName, readonly string[]> = {
  FROM: ["platform"],
  MODEL: ["revision", "license", "file", "name"],
  QUANTIZE: [],
  ENGINE: [],
  OBSERVABILITY: ["endpoint", "service"],
  TARGET: ["driver", "count"],
  AUTO_REQ: [],
};
