import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { dockerfileAi, SEED_DOCKERFILE_AI, SEED_GENERATED_DOCKERFILE_AI } from "./fixtures";
import { parseDockerfileAiOrThrow } from "./parse";
import { type TClash, type TResolution, type TResolveOptions, resolveDockerfileAi } from "./resolve";

const resolve = (text: string, opts: TResolveOptions = {}) =>
  resolveDockerfileAi(parseDockerfileAiOrThrow(text), opts);
const refuse = (text: string, opts: TResolveOptions = {}) => {
  try {
    resolve(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    const d = e as DomainError;
    expect(d.code).toBe("VALIDATION");
    return {
      message: d.message,
      clashes: d.details.clashes as TClash[],
      fixes: d.details.fixes as string[],
      position: d.details.position,
    };
  }
  throw new Error("expected the resolver to refuse");
};
const topics = (r: TResolution) => Object.fromEntries(r.decisions.map((d) => [d.topic, d.choice]));

describe("seed example: Llama-3.2-1B-instruct + q4_k_m + vllm + nvidia-h100", () => {
  it("is refused by default: vLLM's GGUF path is experimental, and the error names the fixes", () => {
    const r = refuse(SEED_DOCKERFILE_AI);
    expect(r.clashes[0]?.constraint).toBe("ENGINE vllm + QUANTIZE q4_k_m");
    expect(r.message).toContain("experimental");
    expect(r.position).toEqual({ line: 5, column: 1 }); // the QUANTIZE line
    expect(r.fixes.some((f) => f.startsWith("ENGINE llama.cpp"))).toBe(true);
    expect(r.fixes.some((f) => f.startsWith("QUANTIZE fp8"))).toBe(true);
    expect(r.fixes.some((f) => f.startsWith("pass --allow-experimental"))).toBe(true);
  });

  it("builds with --allow-experimental, warning, and passes the base model's tokenizer to vLLM", () => {
    const r = resolve(SEED_DOCKERFILE_AI, { allowExperimental: true });
    expect(r.engine.name).toBe("vllm");
    expect(r.warnings.some((w) => w.startsWith("experimental:"))).toBe(true);
    expect(r.serve.command).toContain("--tokenizer");
    expect(r.model.pathInImage).toBe("/models/Llama-3.2-1B-instruct-q4_k_m.gguf");
  });

  it("with ENGINE llama.cpp it resolves to a CUDA build for sm_90", () => {
    const r = resolve(SEED_DOCKERFILE_AI.replace("ENGINE vllm", "ENGINE llama.cpp"));
    expect(r.engine).toMatchObject({ name: "llama.cpp", version: "b4827" });
    expect(r.compile).toMatchObject({ GGML_CUDA: "ON", CMAKE_CUDA_ARCHITECTURES: "90" });
    expect(r.images.runtime).toBe("nvidia/cuda:12.8.1-runtime-ubuntu24.04");
    expect(r.driver?.minimum).toBe("525.60.13");
  });

  it("without ENGINE, q4_k_m picks llama.cpp and says why", () => {
    const r = resolve(SEED_DOCKERFILE_AI.replace("ENGINE vllm\n", ""));
    expect(r.engine.name).toBe("llama.cpp");
    expect(r.decisions.find((d) => d.topic === "engine")?.why).toContain("GGUF");
  });

  it("the seed's build flags (--cuda 12.4 --optimize for-speed) with an unquantized model resolve the whole chain", () => {
    const r = resolve(SEED_DOCKERFILE_AI.replace("QUANTIZE q4_k_m # 4-bit 量化", "QUANTIZE none"), {
      cuda: "12.4",
      optimize: "for-speed",
    });
    expect(r.engine).toMatchObject({ name: "vllm", version: "0.8.5.post1" });
    expect(r.torch).toMatchObject({
      version: "2.6.0+cu124",
      index: "https://download.pytorch.org/whl/cu124",
    });
    expect(r.accelerator).toMatchObject({ kind: "cuda", version: "12.4.1", cudnn: "9" });
    expect(r.images).toMatchObject({
      build: "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",
      runtime: "nvidia/cuda:12.4.1-base-ubuntu22.04",
    });
    expect(r.python?.version).toBe("3.10");
    expect(r.driver).toMatchObject({ minimum: "525.60.13", recommended: "550.54.15" });
    expect(r.requirements.map((q) => `${q.name}==${q.version}`)).toEqual(
      expect.arrayContaining(["torch==2.6.0+cu124", "vllm==0.8.5.post1", "opentelemetry-sdk==1.27.0"]),
    );
    // every choice carries a reason
    for (const d of r.decisions) expect(d.why.length).toBeGreaterThan(5);
    expect(Object.keys(topics(r))).toEqual(
      expect.arrayContaining([
        "target",
        "quantize",
        "engine",
        "engine-version",
        "torch",
        "accelerator",
        "python",
        "base-image",
        "driver",
        "model",
      ]),
    );
  });
});

describe("TARGET apple-m4 and amd-mi300", () => {
  it("apple-m4 + vllm is refused with the reason and a working alternative", () => {
    const r = refuse(dockerfileAi({ ENGINE: "vllm", TARGET: "apple-m4" }));
    expect(r.message).toContain("no Metal backend");
    expect(r.fixes[0]).toMatch(/^ENGINE llama\.cpp/);
  });
  it("apple-m4 + mlx is refused: MLX cannot run in a Linux container", () => {
    const r = refuse(dockerfileAi({ ENGINE: "mlx", TARGET: "apple-m4" }));
    expect(r.message).toContain("MLX needs macOS and Metal");
  });
  it("apple-m4 + llama.cpp resolves to a linux/arm64 CPU image and says Metal is not reachable", () => {
    const r = resolve(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "apple-m4" }));
    expect(r.engine.name).toBe("llama.cpp");
    expect(r.target.platform).toBe("linux/arm64");
    expect(r.accelerator.kind).toBe("cpu");
    expect(r.warnings.join(" ")).toContain("no Metal GPU");
  });
  it("amd-mi300 + vllm resolves to a ROCm build for gfx942 on a verified ROCm image", () => {
    const r = resolve(dockerfileAi({ ENGINE: "vllm", QUANTIZE: "fp8", TARGET: "amd-mi300" }));
    expect(r.engine).toMatchObject({ name: "vllm", version: "0.10.1.1" });
    expect(r.torch).toMatchObject({
      version: "2.7.1+rocm6.3",
      index: "https://download.pytorch.org/whl/rocm6.3",
    });
    expect(r.accelerator).toMatchObject({ kind: "rocm", version: "6.3" });
    expect(r.images).toMatchObject({ runtime: "rocm/dev-ubuntu-22.04:6.3.1-complete", verified: true });
    expect(r.compile).toEqual({ PYTORCH_ROCM_ARCH: "gfx942", VLLM_TARGET_DEVICE: "rocm" });
    expect(r.buildKind).toBe("pip-rocm");
  });
  it("amd-mi300 + --cuda clashes", () => {
    const r = refuse(dockerfileAi({ ENGINE: "vllm", TARGET: "amd-mi300" }), { cuda: "12.4" });
    expect(r.clashes[0]?.constraint).toBe("--cuda 12.4");
    expect(r.fixes[0]).toMatch(/^drop --cuda 12\.4/);
  });
  it("amd-mi300 + q4_k_m defaults to llama.cpp with HIP", () => {
    const r = resolve(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "amd-mi300" }));
    expect(r.compile).toMatchObject({ GGML_HIP: "ON", AMDGPU_TARGETS: "gfx942" });
  });
});

describe("pins, optimize and clashes", () => {
  const vllmH100 = dockerfileAi({ ENGINE: "vllm@0.6.0", TARGET: "nvidia-h100" });
  it("ENGINE vllm@0.6.0 pins torch 2.4.0; --optimize picks the CUDA variant", () => {
    expect(resolve(vllmH100).torch?.version).toBe("2.4.0+cu121"); // balanced: newest stable variant for 2.4
    expect(resolve(vllmH100, { optimize: "for-speed" }).torch?.version).toBe("2.4.0+cu124");
    const small = resolve(vllmH100, { optimize: "for-size" });
    expect(small.torch?.version).toBe("2.4.0+cu118");
    expect(small.accelerator.cudnn).toBe("8");
    expect(small.decisions.find((d) => d.topic === "torch")?.why).toContain("for-size");
  });
  it("--cuda picks the matching wheel and image", () => {
    const r = resolve(vllmH100, { cuda: "11.8" });
    expect(r.images.build).toBe("nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04");
    expect(r.driver?.minimum).toBe("450.80.02");
  });
  it("a full x.y.z --cuda pin picks that exact image release", () => {
    expect(
      resolve(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-h100" }), { cuda: "12.6.2" }).images.build,
    ).toBe("nvidia/cuda:12.6.2-cudnn-devel-ubuntu24.04");
    expect(
      resolve(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-h100" }), { cuda: "12.6" }).images.build,
    ).toBe("nvidia/cuda:12.6.3-cudnn-devel-ubuntu24.04");
    expect(
      resolve(dockerfileAi({ QUANTIZE: "q8_0", TARGET: "nvidia-h100" }), { cuda: "12.8.0" }).images.build,
    ).toBe("nvidia/cuda:12.8.0-cudnn-devel-ubuntu24.04");
  });
  it("an unknown vLLM version is refused and lists the known ranges", () => {
    const r = refuse(dockerfileAi({ ENGINE: "vllm@0.1.0", TARGET: "nvidia-h100" }));
    expect(r.message).toContain("no torch pin is known for vLLM 0.1.0");
    expect(r.fixes[0]).toMatch(/^unpin the engine version/);
  });
  it("--cuda 11.8 with the newest vLLM on B200 says which constraints clash and what fixes it", () => {
    const r = refuse(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-b200" }), { cuda: "11.8" });
    expect(r.clashes.some((c) => c.constraint === "--cuda 11.8")).toBe(true);
    expect(r.clashes.some((c) => c.reason.includes("Blackwell"))).toBe(true);
    expect(r.fixes[0]).toMatch(/^drop --cuda 11\.8 \(resolves to vllm/);
  });
  it("--cuda 12.4 is refused for Blackwell with llama.cpp", () => {
    const r = refuse(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "nvidia-b200" }), { cuda: "12.4" });
    expect(r.message).toContain("needs CUDA ≥ 12.8");
  });
  it("B200 resolves to torch ≥ 2.7 with CUDA ≥ 12.8 and a 570.26 driver floor", () => {
    const r = resolve(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-b200" }));
    expect(
      Number((r.accelerator.version as string).split(".")[0]) * 100 +
        Number((r.accelerator.version as string).split(".")[1]),
    ).toBeGreaterThanOrEqual(1208);
    expect(r.driver?.minimum).toBe("570.26");
  });
  it("a host driver below the family minimum is a clash; between family and toolkit a warning", () => {
    const low = refuse(
      dockerfileAi({ ENGINE: "llama.cpp", QUANTIZE: "q8_0", TARGET: "nvidia-h100 driver=470.82.01" }),
    );
    expect(low.message).toContain("needs driver ≥ 525.60.13");
    expect(low.position).toEqual({ line: 5, column: 1 });
    const mid = resolve(
      dockerfileAi({ ENGINE: "llama.cpp", QUANTIZE: "q8_0", TARGET: "nvidia-h100 driver=550.54.15" }),
    );
    expect(mid.warnings.join(" ")).toContain("below CUDA 12.8.1's toolkit driver 570.124.06");
  });
  it("--quantize overrides QUANTIZE, and says so", () => {
    const r = resolve(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "cpu" }), { quantize: "q8_0" });
    expect(r.quantize).toMatchObject({ value: "q8_0", why: "--quantize q8_0 overrides QUANTIZE q4_k_m" });
  });
  it("quantization/engine incompatibilities are refused with the reason", () => {
    expect(refuse(dockerfileAi({ ENGINE: "llama.cpp", QUANTIZE: "awq", TARGET: "cpu" })).message).toContain(
      "llama.cpp loads GGUF only",
    );
    expect(
      refuse(dockerfileAi({ ENGINE: "tgi", QUANTIZE: "q4_k_m", TARGET: "nvidia-h100" })).message,
    ).toContain("does not load GGUF");
    expect(
      refuse(dockerfileAi({ ENGINE: "vllm", QUANTIZE: "fp8", TARGET: "nvidia-a100" })).message,
    ).toContain("FP8 needs compute capability ≥ 8.9");
    expect(
      refuse(dockerfileAi({ ENGINE: "tensorrt-llm", QUANTIZE: "nvfp4", TARGET: "nvidia-h100" })).message,
    ).toContain("NVFP4 needs compute capability ≥ 10.0");
  });
  it("engines that cannot run on a target are refused", () => {
    expect(refuse(dockerfileAi({ ENGINE: "vllm", TARGET: "cpu" })).message).toContain("CPU backend");
    expect(refuse(dockerfileAi({ ENGINE: "vllm", TARGET: "jetson-orin" })).message).toContain("JetPack");
    expect(refuse(dockerfileAi({ ENGINE: "tensorrt-llm", TARGET: "amd-mi300" })).message).toContain("NVIDIA");
    expect(refuse(dockerfileAi({ ENGINE: "tgi", TARGET: "nvidia-b200", QUANTIZE: "awq" })).fixes[0]).toMatch(
      /^ENGINE vllm/,
    );
  });
  it("jetson-orin resolves llama.cpp for sm_87 on JetPack 6", () => {
    const r = resolve(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "jetson-orin" }));
    expect(r.accelerator).toMatchObject({ kind: "jetpack", version: "12.6" });
    expect(r.compile.CMAKE_CUDA_ARCHITECTURES).toBe("87");
    expect(r.target.platform).toBe("linux/arm64");
  });
  it("TGI and TensorRT-LLM resolve to their own images", () => {
    const tgi = resolve(dockerfileAi({ ENGINE: "tgi", QUANTIZE: "awq", TARGET: "nvidia-h100" }));
    expect(tgi.images.runtime).toBe("ghcr.io/huggingface/text-generation-inference:3.3.7");
    expect(tgi.warnings.join(" ")).toContain("maintenance mode");
    const trt = resolve(dockerfileAi({ ENGINE: "tensorrt-llm", QUANTIZE: "fp8", TARGET: "nvidia-h100" }));
    expect(trt.images.runtime).toBe("nvcr.io/nvidia/tensorrt-llm/release:1.1");
    expect(trt.driver?.minimum).toBe("580");
  });
  it("TARGET count=N shards vLLM and TGI across N devices", () => {
    expect(
      resolve(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-h100 count=8" })).serve.command.join(" "),
    ).toContain("--tensor-parallel-size 8");
    expect(
      resolve(dockerfileAi({ ENGINE: "tgi", TARGET: "nvidia-h100 count=2" })).serve.command.join(" "),
    ).toContain("--num-shard 2");
    expect(resolve(dockerfileAi({ ENGINE: "vllm", TARGET: "nvidia-h100" })).serve.command).not.toContain(
      "--tensor-parallel-size",
    );
  });
  it("ENGINE custom needs a CMD", () => {
    expect(refuse(dockerfileAi({ ENGINE: "custom", TARGET: "cpu" })).message).toContain("needs a CMD");
    expect(resolve(dockerfileAi({ ENGINE: "custom", TARGET: "cpu" }, 'CMD ["serve"]\n')).buildKind).toBe(
      "none",
    );
  });
  it("a local FROM image is used as-is (local base image mode)", () => {
    const r = resolve(
      'FROM aitk-test/busybox:1\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nCMD ["/bin/sh"]\n',
    );
    expect(r.localBase).toBe(true);
    expect(r.images).toMatchObject({ build: null, runtime: "aitk-test/busybox:1", verified: false });
    expect(r.model).toMatchObject({ source: "local", pathInImage: "/models/model" });
  });
  it("the seed's generated plain Dockerfile is refused with the MODEL line it needs", () => {
    const r = refuse(SEED_GENERATED_DOCKERFILE_AI);
    expect(r.message).toContain("add MODEL meta-llama/Llama-3.2-1B-instruct");
    expect(r.position).toEqual({ line: 1, column: 1 });
  });
  it("no TARGET means a CPU image", () => {
    const r = resolve(dockerfileAi({}));
    expect(r.target.name).toBe("cpu");
    expect(r.engine.name).toBe("llama.cpp");
  });
});
