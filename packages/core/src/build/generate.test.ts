import { describe, expect, it } from "vitest";
import { dockerfileAi, SEED_DOCKERFILE_AI } from "./fixtures";
import { generateBuild } from "./generate";
import { parseDockerfileAiOrThrow } from "./parse";
import { type TResolveOptions, resolveDockerfileAi } from "./resolve";

const gen = (text: string, opts: TResolveOptions = {}) => {
  const doc = parseDockerfileAiOrThrow(text);
  return generateBuild(doc, resolveDockerfileAi(doc, opts));
};
const stages = (df: string) => [...df.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => m[2]);

describe("Dockerfile generator", () => {
  const llama = SEED_DOCKERFILE_AI.replace("ENGINE vllm", "ENGINE llama.cpp");
  const vllm = dockerfileAi(
    { ENGINE: "vllm", OBSERVABILITY: "otel", TARGET: "nvidia-h100" },
    "ENV MAX_MODEL_LEN=4096\n",
  );

  it("is byte-identical for the same input", () => {
    for (const [t, o] of [
      [llama, {}],
      [vllm, { cuda: "12.4" }],
      [dockerfileAi({ ENGINE: "vllm", TARGET: "amd-mi300" }), {}],
    ] as const) {
      const a = gen(t, o);
      const b = gen(t, o);
      expect(a.dockerfile).toBe(b.dockerfile);
      expect(a.requirements).toBe(b.requirements);
    }
  });

  it("emits a multi-stage build: build → weights → slim runtime", () => {
    const { dockerfile } = gen(vllm, { cuda: "12.4" });
    expect(stages(dockerfile)).toEqual(["build", "weights", "runtime"]);
    expect(dockerfile).toContain("ARG BUILD_IMAGE=nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04");
    expect(dockerfile).toContain("ARG RUNTIME_IMAGE=nvidia/cuda:12.4.1-base-ubuntu22.04");
    expect(dockerfile).toContain("COPY --from=build --chown=10001:10001 /opt/venv /opt/venv");
    // weights in their own layer, copied last-but-config so code changes don't re-push them
    expect(dockerfile).toContain("COPY --from=weights --chown=10001:10001 /models /models");
    expect(dockerfile).toContain(
      "huggingface-cli download meta-llama/Llama-3.2-1B-instruct --local-dir /models/Llama-3.2-1B-instruct",
    );
    // no chown -R after install (doubles layers)
    expect(dockerfile).not.toMatch(/chown -R/);
  });

  it("runs as a non-root user, with HEALTHCHECK, OCI labels and the engine command", () => {
    const { dockerfile } = gen(vllm, { cuda: "12.4" });
    const lines = dockerfile.trimEnd().split("\n");
    expect(lines.at(-2)).toBe("USER 10001:10001");
    expect(lines.at(-1)).toMatch(/^CMD \["vllm", "serve", "\/models\/Llama-3.2-1B-instruct"/);
    expect(dockerfile).toMatch(/^HEALTHCHECK --interval=30s .* CMD \["python3", "-c", ".*\/health/m);
    expect(dockerfile).toContain('org.opencontainers.image.title="Llama-3.2-1B-instruct"');
    expect(dockerfile).toContain('ai.aitk.torch="2.6.0+cu124"');
    expect(dockerfile).toContain('ai.aitk.driver.min="525.60.13"');
    expect(dockerfile).toContain('OTEL_EXPORTER_OTLP_ENDPOINT="http://otel-collector:4317"');
    expect(dockerfile).toContain("ENV MAX_MODEL_LEN=4096"); // passthrough lands in the runtime stage
    expect(dockerfile.indexOf("ENV MAX_MODEL_LEN=4096")).toBeGreaterThan(dockerfile.indexOf("AS runtime"));
  });

  it("pins every requirement and the torch index", () => {
    const { requirements } = gen(vllm, { cuda: "12.4" });
    const lines = requirements.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toEqual([
      "--extra-index-url https://download.pytorch.org/whl/cu124",
      "opentelemetry-api==1.27.0",
      "opentelemetry-exporter-otlp==1.27.0",
      "opentelemetry-sdk==1.27.0",
      "torch==2.6.0+cu124",
      "vllm==0.8.5.post1",
    ]);
  });

  it("builds llama.cpp from a pinned tag and quantizes the weights to GGUF in the weights stage", () => {
    const { dockerfile, requirements } = gen(llama);
    expect(dockerfile).toContain(
      "git clone --depth 1 --branch b4827 https://github.com/ggml-org/llama.cpp /opt/llama.cpp",
    );
    expect(dockerfile).toContain("-DBUILD_SHARED_LIBS=OFF -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA=ON");
    expect(dockerfile).toContain(
      "llama-quantize /tmp/model-f16.gguf /models/Llama-3.2-1B-instruct-q4_k_m.gguf Q4_K_M",
    );
    expect(dockerfile).toContain(
      'CMD ["/opt/llama.cpp/bin/llama-server", "-m", "/models/Llama-3.2-1B-instruct-q4_k_m.gguf"',
    );
    expect(dockerfile).toContain(
      'HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]',
    );
    expect(requirements.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([]);
  });

  it("compiles vLLM for gfx942 on ROCm", () => {
    const { dockerfile, requirements } = gen(dockerfileAi({ ENGINE: "vllm", TARGET: "amd-mi300" }));
    expect(dockerfile).toContain('PYTORCH_ROCM_ARCH="gfx942"');
    expect(dockerfile).toContain("/opt/venv/bin/pip install -r /tmp/requirements-base.txt");
    expect(dockerfile).toContain("pip install --no-build-isolation --no-binary vllm vllm==0.10.1.1");
    expect(requirements).toContain("--extra-index-url https://download.pytorch.org/whl/rocm6.3");
  });

  it("vLLM's runtime keeps what Triton needs to compile its launcher, and GGUF keeps the tokenizer", () => {
    const { dockerfile } = gen(vllm, { cuda: "12.4" });
    expect(dockerfile).toContain(
      "apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev python3 python3-dev",
    );
    const exp = gen(SEED_DOCKERFILE_AI, { allowExperimental: true }).dockerfile;
    expect(exp).toContain("cp /tmp/hf/*.json /models/tokenizer/");
    expect(exp).toContain('"--tokenizer", "/models/tokenizer"');
  });

  it("for-size strips bytecode caches", () => {
    const { dockerfile } = gen(vllm, { cuda: "12.4", optimize: "for-size" });
    expect(dockerfile).toContain("find /opt/venv -name __pycache__ -prune -exec rm -rf {} +");
    expect(dockerfile).toContain('PYTHONDONTWRITEBYTECODE="1"');
  });

  it("local base image mode: FROM scratch weights + your image, nothing pulled", () => {
    const { dockerfile } = gen(
      'FROM aitk-test/busybox:1\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nCMD ["/bin/sh", "-c", "cat /models/model/hello.txt"]\n',
    );
    expect(stages(dockerfile)).toEqual(["weights", "runtime"]);
    expect(dockerfile).toContain("FROM scratch AS weights\nCOPY model /models/model");
    expect(dockerfile).toContain("ARG RUNTIME_IMAGE=aitk-test/busybox:1");
    expect(dockerfile).not.toContain("apt-get");
    expect(dockerfile.trimEnd().split("\n").at(-1)).toBe(
      'CMD ["/bin/sh", "-c", "cat /models/model/hello.txt"]',
    );
  });

  it("respects the user's own HEALTHCHECK and USER", () => {
    const { dockerfile } = gen(
      dockerfileAi({ ENGINE: "custom", TARGET: "cpu" }, 'USER 2000\nHEALTHCHECK CMD true\nCMD ["serve"]\n'),
    );
    expect(dockerfile.match(/^HEALTHCHECK/gm)).toHaveLength(1);
    expect(dockerfile).toContain("HEALTHCHECK CMD true");
    expect(dockerfile).not.toContain("USER 10001");
  });
});
