// How each engine is started and health-checked inside the image.
import { formatOf } from "./engines";
import { PORT, type TCtx } from "./plan-common";
import type { TResolution } from "./resolution";

export function serveFor(ctx: TCtx, modelPath: string): TResolution["serve"] {
  const served = ctx.doc.model?.servedName ?? ctx.doc.model?.name ?? "model";
  const pyHealth = [
    "python3",
    "-c",
    `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT}/health', timeout=4)`,
  ];
  const curlHealth = ["curl", "-fsS", `http://127.0.0.1:${PORT}/health`];
  const env: Record<string, string> = { MODEL_PATH: modelPath, PORT: String(PORT) };
  switch (ctx.engine) {
    case "vllm": {
      const cmd = [
        "vllm",
        "serve",
        modelPath,
        "--host",
        "0.0.0.0",
        "--port",
        String(PORT),
        "--served-model-name",
        served,
      ];
      // vLLM's GGUF loader needs the base model's tokenizer; the weights stage keeps it in the image.
      if (formatOf(ctx.quant) === "gguf" && ctx.doc.model?.source === "huggingface")
        cmd.push("--tokenizer", "/models/tokenizer");
      if (["awq", "gptq", "fp8"].includes(ctx.quant)) cmd.push("--quantization", ctx.quant);
      // TARGET … count=N: shard across the N devices of one replica.
      if ((ctx.doc.target?.count ?? 1) > 1) cmd.push("--tensor-parallel-size", String(ctx.doc.target?.count));
      if (ctx.doc.observability.includes("otel"))
        cmd.push(
          "--otlp-traces-endpoint",
          ctx.doc.observabilityOptions.endpoint ?? "http://otel-collector:4317",
        );
      return { command: cmd, port: PORT, healthcheck: pyHealth, env };
    }
    case "llama.cpp": {
      const cmd = [
        "/opt/llama.cpp/bin/llama-server",
        "-m",
        modelPath,
        "--host",
        "0.0.0.0",
        "--port",
        String(PORT),
        "--alias",
        served,
      ];
      if (ctx.target.vendor !== "cpu" && ctx.target.vendor !== "apple") cmd.push("-ngl", "999");
      if (ctx.doc.observability.includes("prometheus") || ctx.doc.observability.includes("otel"))
        cmd.push("--metrics");
      return {
        command: cmd,
        port: PORT,
        healthcheck: curlHealth,
        env: { ...env, LD_LIBRARY_PATH: "/opt/llama.cpp/bin" },
      };
    }
    case "tgi":
      return {
        command: [
          "--model-id",
          modelPath,
          "--port",
          String(PORT),
          "--hostname",
          "0.0.0.0",
          ...((ctx.doc.target?.count ?? 1) > 1 ? ["--num-shard", String(ctx.doc.target?.count)] : []),
        ],
        port: PORT,
        healthcheck: curlHealth,
        env,
      };
    case "tensorrt-llm":
      return {
        command: ["trtllm-serve", modelPath, "--host", "0.0.0.0", "--port", String(PORT)],
        port: PORT,
        healthcheck: pyHealth,
        env,
      };
    case "onnxruntime":
      return { command: [], port: PORT, healthcheck: pyHealth, env };
    default:
      return { command: [], port: PORT, healthcheck: ["/bin/sh", "-c", `test -e ${modelPath}`], env };
  }
}
