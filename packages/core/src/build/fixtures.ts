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

/** The Dockerfile.ai the seed shows `aitk init` generating: a plain Dockerfile, no AI directives. */
export const SEED_GENERATED_DOCKERFILE_AI = `# Dockerfile.ai (自动生成)
FROM nvidia/cuda:12.4.0-base-ubuntu22.04
# 自动推导的依赖
RUN apt-get update && apt-get install -y \\
python3.12 \\
python3-pip \\
libcuda1-12-4 \\
libcudnn9-12-4
# 安装推理引擎
RUN pip3 install \\
vllm==0.6.0 \\
transformers==4.45.0 \\
accelerate==0.33.0
# 下载模型(构建时下载,运行时无需联网)
RUN aitk download-model \\
--model meta-llama/Llama-3.2-1B-instruct \\
--quantize q4_k_m \\
--output /models
# 配置运行时
ENV MODEL_PATH=/models/Llama-3.2-1B-instruct-q4_k_m
ENV VLLM_API_PORT=8080
ENV MAX_MODEL_LEN=4096
# 启动推理服务
CMD ["aitk", "serve", "--engine", "vllm"]
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
