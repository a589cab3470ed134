import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { parseDeploymentYaml } from "../deploy/parse";
import { planBuild } from "./plan";
import { scaffoldProject } from "./scaffold";

describe("aitk init scaffold", () => {
  it("the seed's `aitk init --model meta-llama/Llama-3.2-1B-instruct --quantize q4_k_m --platform local` gives a project that builds", () => {
    const files = scaffoldProject({
      model: "meta-llama/Llama-3.2-1B-instruct",
      quantize: "q4_k_m",
      platform: "local",
    });
    expect(Object.keys(files).sort()).toEqual([
      "Dockerfile.ai",
      "aitk-deploy.yaml",
      "config.json",
      "tests/smoke.sh",
    ]);
    const plan = planBuild(files["Dockerfile.ai"] as string);
    expect(plan.resolution.engine.name).toBe("llama.cpp"); // q4_k_m is GGUF
    const { spec } = parseDeploymentYaml(files["aitk-deploy.yaml"] as string);
    expect(spec).toMatchObject({
      apiVersion: "aitk/v1",
      kind: "AIDeployment",
      spec: { model: { quantization: "q4_k_m" }, runtime: { engine: "llama.cpp" } },
    });
    expect(JSON.parse(files["config.json"] as string)).toMatchObject({
      engine: "llama.cpp",
      server: { port: 8080 },
    });
    expect(files["tests/smoke.sh"]).toContain("/v1/chat/completions");
  });
  it("GPU targets get a GPU resource and vLLM by default", () => {
    const files = scaffoldProject({
      model: "Qwen/Qwen2.5-7B-Instruct",
      platform: "kubernetes",
      target: "nvidia-h100",
    });
    const { spec } = parseDeploymentYaml(files["aitk-deploy.yaml"] as string);
    expect(spec.spec.targets[0]).toMatchObject({
      platform: "kubernetes",
      device: "nvidia-h100",
      resources: { "nvidia.com/gpu": 1 },
    });
    expect(planBuild(files["Dockerfile.ai"] as string).resolution.engine.name).toBe("vllm");
  });
  it("refuses impossible combinations up front", () => {
    expect(() => scaffoldProject({ model: "a/b", engine: "vllm", target: "apple-m4" })).toThrow(DomainError);
    expect(() => scaffoldProject({ model: "not a model" })).toThrow(/org\/name/);
    expect(() => scaffoldProject({ model: "a/b", engine: "llama.cpp", quantize: "awq" })).toThrow(
      /GGUF only/,
    );
  });
});
