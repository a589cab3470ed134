// Dockerfile.ai texts shared by the build tests.

/** The seed's example, exactly as written there (trailing `# comment`s included). */
export const SEED_DOCKERFILE_AI = `# Dockerfile.ai - 声明式 AI 镜像构建
FROM ai-base:2026
# 声明模型依赖(自动推导 CUDA/cuDNN/框架版本)
MODEL meta-llama/Llama-3.2-1B-instruct
QUANTIZE q4_k_m # 4-bit 量化
# 声明推理引擎(自动安装 vLLM + OpenTelemetry)
ENGINE vllm
OBSERVABILITY otel
# 声明硬件目标(自动适配 GPU/CPU/边缘设备)
TARGET nvidia-h100 # 或 apple-m4 / amd-mi300
# 自动生成优化的 requirements.txt
AUTO_REQ true
`;

export function dockerfileAi(lines: Record<string, string | undefined>, extra = ""): string {
  const order = ["FROM", "MODEL", "QUANTIZE", "ENGINE", "OBSERVABILITY", "TARGET", "AUTO_REQ"];
  const base: Record<string, string | undefined> = {
    FROM: "ai-base:2026",
    MODEL: "meta-llama/Llama-3.2-1B-instruct",
    ...lines,
  };
  return `${order
    .filter((k) => base[k] !== undefined)
    .map((k) => `${k} ${base[k]}`)
    .join("\n")}\n${extra}`;
}
