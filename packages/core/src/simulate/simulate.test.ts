import { describe, expect, it } from "vitest";
import { isDomainError } from "../errors";
import { fitAll } from "./calibration/fit";
import type { TMeasurement } from "./calibration/predict-row";
import { deviceIds, findModel, resolveDevice, resolveModel } from "./catalog";
import measurements from "./data/measurements.json";
import { calibrationInfo, FITTED, listDevices, listModels } from "./index";
import { GiB } from "./memory";
import { ZScenario, ZSimResult } from "./schema";
import { simulate, simulateMany, sweep } from "./simulate";

const expectValidation = (fn: () => unknown, ...needles: string[]) => {
  try {
    fn();
  } catch (e) {
    expect(isDomainError(e)).toBe(true);
    const msg = (e as Error).message;
    for (const n of needles) expect(msg).toContain(n);
    return e;
  }
  throw new Error("expected a validation error");
};

describe("catalogs and aliases", () => {
  it("ships every required device and model", () => {
    for (const id of [
      "nvidia-h100-sxm5-80gb",
      "nvidia-a100-sxm4-80gb",
      "nvidia-l4",
      "amd-mi300x",
      "amd-mi250",
      "apple-m4-pro",
      "apple-m4-max",
      "nvidia-jetson-agx-orin-64gb",
      "intel-arc-a770-16gb",
    ])
      expect(deviceIds()).toContain(id);
    const models = listModels().map((m) => m.id);
    for (const id of [
      "llama-3.2-1b",
      "llama-3.2-3b",
      "llama-3.1-8b",
      "llama-3.1-70b",
      "mistral-7b-v0.3",
      "qwen2.5-7b",
      "phi-3-mini-4k",
    ])
      expect(models).toContain(id);
    expect(listDevices().every((d) => d.memBwGBps > 0 && d.tdpW > 0)).toBe(true);
  });

  it("resolves short aliases and Hugging Face names", () => {
    expect(resolveDevice("nvidia-h100").id).toBe("nvidia-h100-sxm5-80gb");
    expect(resolveDevice("NVIDIA_H100").id).toBe("nvidia-h100-sxm5-80gb");
    expect(resolveDevice("amd-mi300").id).toBe("amd-mi300x");
    expect(resolveDevice("jetson-orin").id).toBe("nvidia-jetson-agx-orin-64gb");
    expect(resolveModel("meta-llama/Llama-3.1-8B-Instruct").id).toBe("llama-3.1-8b");
    expect(resolveModel("Qwen/Qwen2.5-7B-Instruct").id).toBe("qwen2.5-7b");
  });

  it("maps the seed's non-existent Llama-3.2-70B to llama-3.1-70b and says so", () => {
    const m = findModel("meta-llama/Llama-3.2-70B");
    expect(m?.id).toBe("llama-3.1-70b");
    expect(m?.note).toContain("no Llama-3.2-70B");
  });

  it("unknown ids fail with the list of valid ids", () => {
    const e = expectValidation(
      () => resolveDevice("nvidia-h900"),
      'unknown device "nvidia-h900"',
      "nvidia-h100-sxm5-80gb",
    );
    expect((e as { details: { choices: string[] } }).details.choices).toContain("amd-mi300x");
    expectValidation(() => simulate({ device: "h100", model: "gpt-5" }), "model", "llama-3.1-8b");
    expectValidation(
      () => simulate({ device: "h100", model: "llama-3.1-8b", engine: "foo" }),
      "engine",
      "vllm",
      "llama.cpp",
    );
    expectValidation(
      () => simulate({ device: "h100", model: "llama-3.1-8b", batch: 0 }),
      "batch must be at least 1",
    );
    expectValidation(
      () => simulate({ device: "h100", model: "llama-3.1-8b", gpuMemoryUtilization: 1.5 }),
      "gpuMemoryUtilization",
    );
  });

  it("ZScenario fills defaults", () => {
    const s = ZScenario.parse({ device: "nvidia-h100", model: "llama-3.1-8b" });
    expect(s).toMatchObject({
      batch: 1,
      promptTokens: 512,
      outputTokens: 128,
      tp: 1,
      phase: "decode",
      kvDtype: "auto",
    });
  });
});

describe("simulate", () => {
  it("Llama-3-8B BF16 on H100 with vLLM at 0.90: weights 14.96 GiB, KV capacity within 0.1 % of the logged 436,551", () => {
    const r = simulate({ device: "nvidia-h100", model: "llama-3.1-8b", engine: "vllm", maxModelLen: 8192 });
    expect(r.weightsBytes / GiB).toBeCloseTo(14.96, 2);
    expect(Math.abs(r.kvCapacityTokens - 436_551) / 436_551).toBeLessThan(1e-3);
    expect(r.maxConcurrency).toBeCloseTo(r.kvBlocks / 512, 2);
    expect(r.fits).toBe(true);
    expect(r.bound.decode).toBe("memory");
    expect(ZSimResult.strict().parse(r)).toEqual(r);
  });

  it("70B FP8 does not fit one H100 and says which tp does; fits at tp=2", () => {
    const one = simulate({
      device: "nvidia-h100",
      model: "meta-llama/Llama-3.2-70B",
      quant: "fp8",
      batch: 32,
    });
    expect(one.fits).toBe(false);
    expect(one.oomReason).toContain("fits with tp=2");
    expect(one.warnings.join(" ")).toContain("does not exist; simulated llama-3.1-70b");
    const two = simulate({ device: "nvidia-h100", model: "llama-3.1-70b", quant: "fp8", batch: 32, tp: 2 });
    expect(two.fits).toBe(true);
    expect(two.weightsBytesPerGpu).toBe(Math.round(two.weightsBytes / 2));
  });

  it("reports KV exhaustion with the largest batch that fits", () => {
    const r = simulate({
      device: "nvidia-l4",
      model: "llama-3.1-8b",
      batch: 64,
      promptTokens: 4096,
      outputTokens: 512,
    });
    expect(r.fits).toBe(false);
    expect(r.oomReason).toMatch(/KV cache holds .* largest batch at this length: \d+/);
  });

  it("decode throughput grows with batch while step time grows slower; power stays between idle and TDP", () => {
    const rs = [1, 8, 64].map((batch) =>
      simulate({ device: "nvidia-h100", model: "llama-3.1-8b", batch, contextTokens: 1024 }),
    );
    const [a, b, c] = rs as [(typeof rs)[0], (typeof rs)[0], (typeof rs)[0]];
    expect(b.tokensPerS).toBeGreaterThan(a.tokensPerS * 4);
    expect(c.decodeMsPerStep).toBeGreaterThan(a.decodeMsPerStep);
    for (const r of rs) {
      expect(r.powerW).toBeGreaterThan(73);
      expect(r.powerW).toBeLessThanOrEqual(700);
    }
    expect(c.energyPerTokenJ).toBeLessThan(a.energyPerTokenJ);
  });

  it("runs on Apple with llama.cpp by default; vLLM there is refused with a reason", () => {
    const r = simulate({ device: "apple-m4-max", model: "llama-3.1-8b" });
    expect(r.engine).toBe("llama.cpp");
    expect(r.quant).toBe("q4_k_m");
    const v = simulate({ device: "apple-m4-max", model: "llama-3.1-8b", engine: "vllm" });
    expect(v.fits).toBe(false);
    expect(v.oomReason).toContain("does not run");
  });

  it("custom device overrides change memory and say so", () => {
    const r = simulate({
      device: "nvidia-h100",
      model: "llama-3.1-8b",
      deviceOverrides: { vramGB: 40, computeCapability: "8.0" },
    });
    expect(r.usableBytesPerGpu / GiB).toBeCloseTo(79.22 / 2, 1);
    expect(r.warnings.join(" ")).toContain("compute capability 8.0");
  });

  it('a hypothetical "custom" device needs memory, bandwidth and FP16 rate', () => {
    const r = simulate({
      device: "custom",
      model: "llama-3.1-8b",
      deviceOverrides: {
        name: "My accelerator",
        vramGB: 48,
        memBwGBps: 1000,
        fp16Tflops: 200,
        computeCapability: "9.0",
      },
    });
    expect(r.fits).toBe(true);
    expect(r.usableBytesPerGpu / GiB).toBeCloseTo(47.52, 1);
    expect(r.params.source).toContain("nvidia-datacenter");
    expectValidation(
      () => simulate({ device: "custom", model: "llama-3.1-8b" }),
      "needs deviceOverrides.vramGB",
    );
  });

  it("simulateMany keeps order and names the bad entry", () => {
    const rs = simulateMany([
      { device: "nvidia-l4", model: "llama-3.2-1b" },
      { device: "amd-mi300x", model: "llama-3.1-70b", tp: 8 },
    ]);
    expect(rs.map((r) => r.device)).toEqual(["nvidia-l4", "amd-mi300x"]);
    expectValidation(
      () =>
        simulateMany([
          { device: "nvidia-l4", model: "llama-3.2-1b" },
          { device: "x", model: "llama-3.2-1b" },
        ]),
      "[1].device",
      "unknown device",
    );
  });

  it("sweep returns every combination", () => {
    const rs = sweep({
      base: { device: "nvidia-h100", model: "llama-3.1-8b" },
      vary: { batch: [1, 8, 32], device: ["nvidia-h100", "nvidia-a100"] },
    });
    expect(rs).toHaveLength(6);
    expect(new Set(rs.map((r) => r.result.device)).size).toBe(2);
  });
});

describe("calibration", () => {
  it("ships a fit with provenance", () => {
    const info = calibrationInfo();
    expect(info.generatedBy).toMatch(/^simulate-fit@/);
    expect(info.rows).toBeGreaterThan(100);
    expect(FITTED.groups["torch-cudagraph|nvidia-h100-sxm5-80gb"]?.rows.length).toBeGreaterThan(30);
  });

  it("the fitter is deterministic", () => {
    const rows = (measurements as { rows: TMeasurement[] }).rows.filter(
      (r) => r.origin === "h100-calibration",
    );
    const meta = { fittedAt: "t", calibrationDate: "d", measurementsRef: "m" };
    expect(fitAll({ rows, ...meta })).toEqual(fitAll({ rows, ...meta }));
  });
});
