// What each engine can run on and which weight formats it loads. Hand-curated from the research
// (shared/research/build.md §2.5–2.12); every refusal carries the reason shown to the user.
import type { TTarget } from "./targets";
import { cmpDotted } from "./targets";
import type { TEngineName, TQuantize } from "./vocabulary";

export type TWeightFormat = "gguf" | "safetensors";

export const GGUF_QUANTS: readonly TQuantize[] = ["q4_0", "q4_k_m", "q5_k_m", "q6_k", "q8_0"];

export const formatOf = (q: TQuantize): TWeightFormat => (GGUF_QUANTS.includes(q) ? "gguf" : "safetensors");

export type TSupport = { level: "yes" } | { level: "experimental" | "no"; reason: string };

/** Can `engine` run on `target` inside a Linux container? */
export function engineRunsOn(engine: TEngineName, t: TTarget): TSupport {
  const no = (reason: string): TSupport => ({ level: "no", reason });
  switch (engine) {
    case "vllm":
      if (t.vendor === "nvidia") return { level: "yes" };
      if (t.vendor === "amd") return { level: "yes" };
      if (t.vendor === "apple")
        return no(
          "vLLM has no Metal backend and Linux containers on Apple silicon get no GPU; use ENGINE llama.cpp (linux/arm64 CPU image) or run llama.cpp Metal / MLX natively on macOS",
        );
      if (t.vendor === "nvidia-jetson")
        return no(
          "vLLM publishes no aarch64 CUDA wheels for JetPack; use ENGINE llama.cpp (built for sm_87)",
        );
      return no(
        "vLLM's CPU backend must be compiled from source and is not supported by aitk; use ENGINE llama.cpp for CPU targets",
      );
    case "llama.cpp":
      return { level: "yes" };
    case "tgi":
      if (t.vendor === "nvidia") return { level: "yes" };
      return no(
        `TGI's CUDA image only runs on NVIDIA GPUs (and TGI is in maintenance mode); use ENGINE ${t.vendor === "amd" ? "vllm" : "llama.cpp"}`,
      );
    case "tensorrt-llm":
      if (t.vendor === "nvidia") return { level: "yes" };
      return no("TensorRT-LLM only runs on NVIDIA datacenter/desktop GPUs (Ampere or newer)");
    case "onnxruntime":
      if (t.vendor === "nvidia" || t.vendor === "cpu") return { level: "yes" };
      if (t.vendor === "apple") return { level: "yes" };
      return no("aitk only builds onnxruntime for CUDA and CPU targets");
    case "mlx":
      return no(
        "MLX needs macOS and Metal; a Linux container cannot reach Apple GPUs. Run `mlx_lm.server` natively on the Mac, or use ENGINE llama.cpp for a linux/arm64 CPU image",
      );
    case "custom":
      return { level: "yes" };
  }
}

/** Can `engine` load weights quantized as `q` on `target`? */
export function quantSupport(engine: TEngineName, q: TQuantize, t: TTarget): TSupport {
  const fmt = formatOf(q);
  const cc = t.cc ?? "0";
  const needCc = (min: string, what: string): TSupport =>
    t.vendor === "nvidia" && cmpDotted(cc, min) < 0
      ? { level: "no", reason: `${what} needs compute capability ≥ ${min}; ${t.label} is ${cc}` }
      : t.vendor !== "nvidia"
        ? { level: "no", reason: `${what} is an NVIDIA-only format` }
        : { level: "yes" };
  switch (engine) {
    case "vllm":
      if (fmt === "gguf")
        return {
          level: "experimental",
          reason:
            "vLLM's GGUF loader is 'highly experimental and under-optimized', single-file only, and has moved to the out-of-tree vllm-gguf-plugin (docs.vllm.ai quantization/gguf)",
        };
      if (q === "fp8") return t.vendor === "amd" ? { level: "yes" } : needCc("8.9", "FP8");
      if (q === "nvfp4") return needCc("10.0", "NVFP4");
      return { level: "yes" };
    case "llama.cpp":
      if (fmt === "gguf" || q === "none" || q === "fp16" || q === "bf16") return { level: "yes" };
      return {
        level: "no",
        reason: `llama.cpp loads GGUF only; ${q} checkpoints are for vLLM/TensorRT-LLM (use QUANTIZE q4_k_m, q5_k_m or q8_0)`,
      };
    case "tgi":
      if (fmt === "gguf")
        return {
          level: "no",
          reason: "TGI's CUDA image does not load GGUF (TGI ships a separate llama.cpp backend image)",
        };
      if (q === "fp8") return needCc("8.9", "FP8");
      if (q === "nvfp4") return { level: "no", reason: "TGI has no NVFP4 support" };
      return { level: "yes" };
    case "tensorrt-llm":
      if (fmt === "gguf")
        return {
          level: "no",
          reason: "TensorRT-LLM builds engines from HF checkpoints (FP8/NVFP4/INT4-AWQ), not GGUF",
        };
      if (q === "fp8") return needCc("8.9", "FP8");
      if (q === "nvfp4") return needCc("10.0", "NVFP4");
      if (q === "gptq")
        return {
          level: "no",
          reason:
            "TensorRT-LLM quantizes with ModelOpt (fp8, nvfp4, int4 AWQ, int8); use QUANTIZE awq or fp8",
        };
      return { level: "yes" };
    case "onnxruntime":
      if (["none", "fp16", "bf16", "int8", "int4"].includes(q)) return { level: "yes" };
      return {
        level: "no",
        reason: `onnxruntime runs ONNX graphs; ${q} is not an ONNX quantization (use int8 or int4)`,
      };
    case "mlx":
      return { level: "yes" };
    case "custom":
      return { level: "yes" };
  }
}

/** The engine chosen when ENGINE is not written. */
export function defaultEngine(t: TTarget, q: TQuantize): { engine: TEngineName; why: string } {
  if (formatOf(q) === "gguf")
    return { engine: "llama.cpp", why: `QUANTIZE ${q} is a GGUF format, native to llama.cpp` };
  if (t.vendor === "nvidia" || t.vendor === "amd")
    return { engine: "vllm", why: `vLLM is the default high-throughput server for ${t.label}` };
  return {
    engine: "llama.cpp",
    why: `llama.cpp is the engine that runs on ${t.label} inside a Linux container`,
  };
}
