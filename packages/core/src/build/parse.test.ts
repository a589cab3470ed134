import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { formatDockerfileAi, formatDoc, semanticOf } from "./format";
import { dockerfileAi, SEED_DOCKERFILE_AI, SEED_GENERATED_DOCKERFILE_AI } from "./fixtures";
import { formatDiagnostics, parseDockerfileAi, parseDockerfileAiOrThrow } from "./parse";

const errorsOf = (text: string) => parseDockerfileAi(text).diagnostics.filter((d) => d.severity === "error");

describe("Dockerfile.ai parser", () => {
  it("parses the seed's example as written, trailing comments included", () => {
    const r = parseDockerfileAi(SEED_DOCKERFILE_AI);
    expect(r.ok).toBe(true);
    expect(r.diagnostics).toEqual([]);
    const d = r.doc;
    expect(d.from).toEqual({ image: "ai-base:2026", auto: true });
    expect(d.model).toMatchObject({
      source: "huggingface",
      ref: "meta-llama/Llama-3.2-1B-instruct",
      org: "meta-llama",
      name: "Llama-3.2-1B-instruct",
    });
    expect(d.quantize).toBe("q4_k_m");
    expect(d.engine).toEqual({ name: "vllm" });
    expect(d.observability).toEqual(["otel"]);
    expect(d.target).toEqual({ name: "nvidia-h100" });
    expect(d.autoReq).toBe(true);
    const q = d.nodes.find((n) => n.kind === "directive" && n.name === "QUANTIZE");
    expect(q).toMatchObject({ comment: "4-bit 量化", line: 5, column: 1, valuePos: { line: 5, column: 10 } });
    expect(d.positions.TARGET).toEqual({ line: 10, column: 1 });
  });

  it("reads every directive with its options", () => {
    const text = [
      "FROM --platform=linux/arm64 ai-base",
      "MODEL Qwen/Qwen2.5-7B-Instruct@a1b2c3 license=Apache-2.0 name=qwen file=q.gguf",
      "QUANTIZE AWQ",
      "ENGINE vllm@0.6.3.post1",
      "OBSERVABILITY otel,prometheus endpoint=http://collector:4317 service=chat",
      "TARGET nvidia-a100 driver=550.54.15 count=2",
      "AUTO_REQ false",
    ].join("\n");
    const d = parseDockerfileAiOrThrow(text);
    expect(d.from).toEqual({ image: "ai-base", auto: true, platform: "linux/arm64" });
    expect(d.model).toEqual({
      source: "huggingface",
      ref: "Qwen/Qwen2.5-7B-Instruct",
      org: "Qwen",
      name: "Qwen2.5-7B-Instruct",
      revision: "a1b2c3",
      license: "Apache-2.0",
      file: "q.gguf",
      servedName: "qwen",
    });
    expect(d.quantize).toBe("awq");
    expect(d.engine).toEqual({ name: "vllm", version: "0.6.3.post1" });
    expect(d.observability).toEqual(["otel", "prometheus"]);
    expect(d.observabilityOptions).toEqual({ endpoint: "http://collector:4317", service: "chat" });
    expect(d.target).toEqual({ name: "nvidia-a100", driver: "550.54.15", count: 2 });
    expect(d.autoReq).toBe(false);
  });

  it("accepts ENGINE name==version, llama.cpp b-tags, local model paths and explicit base images", () => {
    const d = parseDockerfileAiOrThrow(
      "FROM registry.local:5000/team/base:1.2@sha256:" +
        "a".repeat(64) +
        "\nMODEL ./weights/tiny\nENGINE llama.cpp==b4827\nTARGET cpu\n",
    );
    expect(d.from?.auto).toBe(false);
    expect(d.model).toMatchObject({ source: "local", ref: "./weights/tiny", name: "tiny" });
    expect(d.engine).toEqual({ name: "llama.cpp", version: "b4827" });
  });

  it("passes ordinary Dockerfile instructions through, joining continuation lines and skipping comments inside them", () => {
    const text = dockerfileAi(
      {},
      'RUN apt-get update \\\n  # a comment inside the continuation\n  && apt-get install -y curl\nenv A=1\nCMD ["aitk", "serve"]\n',
    );
    const d = parseDockerfileAiOrThrow(text);
    expect(d.instructions.map((i) => [i.keyword, i.args])).toEqual([
      ["RUN", ["apt-get update", "&& apt-get install -y curl"]],
      ["ENV", ["A=1"]],
      ["CMD", ['["aitk", "serve"]']],
    ]);
    expect(d.instructions[0]).toMatchObject({ line: 3, column: 1 });
  });

  it("handles CRLF line endings and directive continuation lines", () => {
    const d = parseDockerfileAiOrThrow(
      "FROM ai-base\r\nMODEL \\\r\n  org/m\r\nTARGET \\\n  cpu # trailing\r\n",
    );
    expect(d.model?.ref).toBe("org/m");
    expect(d.target?.name).toBe("cpu");
  });

  it("reports unknown instructions and values with line:column and did-you-mean", () => {
    const errs = errorsOf(
      "FROM ai-base\nMODLE x/y\nMODEL x/y\nQUANTIZE q4km\nENGINE vlm@0.6\nTARGET nvidia-h10 driver=abc\nAUTO_REQ ture\nOBSERVABILITY otle\n",
    );
    expect(errs.map((e) => [e.line, e.column, e.code, e.suggestion])).toEqual([
      [2, 1, "unknown-instruction", "MODEL"],
      [4, 10, "unknown-quantization", "q4_k_m"],
      [5, 8, "unknown-engine", "vllm"],
      [6, 8, "unknown-target", "nvidia-h100"],
      [6, 26, "bad-driver", undefined],
      [7, 10, "unknown-AUTO_REQ value", "true"],
      [8, 15, "unknown-observability backend", "otel"],
    ]);
    expect(errs[0]?.message).toBe('unknown instruction "MODLE" (did you mean MODEL?)');
    expect(formatDiagnostics(errs.slice(0, 1), "x/Dockerfile.ai")).toBe(
      'x/Dockerfile.ai:2:1: unknown instruction "MODLE" (did you mean MODEL?)',
    );
  });

  it("rejects structural mistakes with positions", () => {
    const cases: [string, string, number, number][] = [
      ["MODEL a/b\n", "missing-from", 1, 1],
      ["FROM ai-base\nMODEL a/b\nMODEL c/d\n", "duplicate-directive", 3, 1],
      ["FROM ai-base\nMODEL a/b\nQUANTIZE\n", "missing-argument", 3, 9],
      ["FROM ai-base\nMODEL a/b\nENGINE vllm 0.6.0\n", "unexpected-argument", 3, 13],
      ["FROM ai-base AS base\nMODEL a/b\n", "from-stage", 1, 14],
      ["RUN echo\nFROM ai-base\nMODEL a/b\n", "from-order", 2, 1],
      ["FROM Not_An:Image!\nMODEL a/b\n", "bad-image", 1, 6],
      ["FROM ai-base\nMODEL not-a-model-id\n", "bad-model", 2, 7],
      ["FROM ai-base\nMODEL a/b revison=main\n", "unknown-option", 2, 11],
      ["FROM ai-base\nMODEL a/b\nENGINE vllm@latest!\n", "bad-version", 3, 13],
      ["FROM ai-base\nMODEL a/b\nOBSERVABILITY otel,none\n", "observability-none", 3, 15],
      ["FROM ai-base\nMODEL a/b\nRUN echo \\", "dangling-continuation", 3, 10],
      ["FROM ai-base\nMODEL a/b\nSHELL sh -c\n", "exec-form", 3, 1],
      ["FROM ai-base\nMODEL a/b\nCMD [1, 2]\n", "exec-form", 3, 5],
      ["FROM ai-base\nMODEL a/b\nRUN\n", "missing-argument", 3, 1],
      ["FROM ai-base\nMODEL a/b\n!!! nonsense\n", "syntax", 3, 1],
      ["# escape=`\nFROM ai-base\nMODEL a/b\n", "escape-directive", 1, 3],
      ["FROM ai-base\nMODEL a/b\nRUN <<EOF\n", "heredoc", 3, 1],
    ];
    for (const [text, code, line, column] of cases) {
      const e = errorsOf(text).find((x) => x.code === code);
      expect(e, `${code} in ${JSON.stringify(text)}`).toMatchObject({ line, column });
    }
  });

  it("parses the seed's generated plain Dockerfile as written (no MODEL: a warning, not an error)", () => {
    const r = parseDockerfileAi(SEED_GENERATED_DOCKERFILE_AI);
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["missing-model", "warning"]]);
    expect(r.doc.from).toEqual({ image: "nvidia/cuda:12.4.0-base-ubuntu22.04", auto: false });
    expect(r.doc.instructions.map((i) => i.keyword)).toEqual([
      "RUN",
      "RUN",
      "RUN",
      "ENV",
      "ENV",
      "ENV",
      "CMD",
    ]);
    expect(r.doc.instructions[0]?.args).toEqual([
      "apt-get update && apt-get install -y",
      "python3.12",
      "python3-pip",
      "libcuda1-12-4",
      "libcudnn9-12-4",
    ]);
  });

  it("accepts the default escape directive and a syntax directive", () => {
    expect(parseDockerfileAi("# syntax=docker/dockerfile:1\n# escape=\\\nFROM ai-base\nMODEL a/b\n").ok).toBe(
      true,
    );
  });

  it("suggests the option name for a misspelt option", () => {
    const e = errorsOf("FROM ai-base\nMODEL a/b revison=main\n")[0];
    expect(e?.message).toContain("did you mean revision?");
  });

  it("throws a VALIDATION DomainError with file:line:col and every diagnostic", () => {
    try {
      parseDockerfileAiOrThrow("FROM ai-base\nMODEL a/b\nTARGT cpu\nQUANTIZE q9\n", "app/Dockerfile.ai");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      const d = e as DomainError;
      expect(d.code).toBe("VALIDATION");
      expect(d.message).toBe('app/Dockerfile.ai:3:1: unknown instruction "TARGT" (did you mean TARGET?)');
      expect(d.details.position).toEqual({ line: 3, column: 1 });
      expect((d.details.diagnostics as unknown[]).length).toBe(2);
    }
  });

  it("warns (not errors) on MAINTAINER and on a CMD that looks like broken JSON", () => {
    const r = parseDockerfileAi(dockerfileAi({}, "MAINTAINER me\nCMD [not json\n"));
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["deprecated", "exec-form"]);
  });
});

describe("Dockerfile.ai formatter", () => {
  it("prints canonical text for the seed", () => {
    const f = formatDockerfileAi(SEED_DOCKERFILE_AI);
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.text).toBe(`# Dockerfile.ai - 声明式 AI 镜像构建
FROM ai-base:2026

# 声明模型依赖(自动推导 CUDA/cuDNN/框架版本)
MODEL meta-llama/Llama-3.2-1B-instruct
QUANTIZE q4_k_m  # 4-bit 量化

# 声明推理引擎(自动安装 vLLM + OpenTelemetry)
ENGINE vllm
OBSERVABILITY otel

# 声明硬件目标(自动适配 GPU/CPU/边缘设备)
TARGET nvidia-h100  # 或 apple-m4 / amd-mi300

# 自动生成优化的 requirements.txt
AUTO_REQ true
`);
  });

  it("normalizes case, spacing and continuation indent, and is idempotent", () => {
    const messy =
      "from   ai-base\nmodel    a/b   revision=x\nquantize Q4_K_M\nengine VLLM==0.6.0\ntarget   CPU\nrun   echo a \\\n        && echo b\n";
    const f = formatDockerfileAi(messy);
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.text).toBe(
      "FROM ai-base\nMODEL a/b revision=x\nQUANTIZE q4_k_m\nENGINE vllm@0.6.0\nTARGET cpu\n\nRUN echo a \\\n    && echo b\n",
    );
    const again = formatDockerfileAi(f.text);
    expect(again.ok && again.text).toBe(f.text);
  });

  it("parse(format(x)) means the same as parse(x)", () => {
    for (const text of [
      SEED_DOCKERFILE_AI,
      dockerfileAi(
        { OBSERVABILITY: "otel prometheus endpoint=x:1", TARGET: "amd-mi300 count=8" },
        'ENV A=1 \\\n B=2\nCMD ["x"]\n',
      ),
    ]) {
      const a = parseDockerfileAi(text);
      const b = parseDockerfileAi(formatDoc(a.doc));
      expect(b.ok).toBe(true);
      expect(semanticOf(b.doc)).toEqual(semanticOf(a.doc));
    }
  });

  it("refuses to format invalid input and returns the errors", () => {
    const f = formatDockerfileAi("FROM ai-base\nMODLE a/b\n");
    expect(f.ok).toBe(false);
  });
});
