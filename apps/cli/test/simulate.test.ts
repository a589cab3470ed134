import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "bin", "aitk.js");
const aitk = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aitk-sim-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("aitk simulate --input (batch interface)", () => {
  it("prints a JSON array of results in input order with the contract fields", () => {
    const scenarios = [
      {
        device: "nvidia-h100",
        model: "meta-llama/Llama-3.1-8B-Instruct",
        quant: "bf16",
        engine: "vllm",
        batch: 8,
        promptTokens: 512,
        contextTokens: 1024,
        phase: "decode",
        tp: 1,
      },
      {
        device: "amd-mi300x",
        model: "llama-3.1-70b",
        quant: "fp8",
        engine: "vllm",
        batch: 1,
        promptTokens: 2048,
        contextTokens: 2048,
        phase: "prefill",
        tp: 8,
      },
      {
        device: "apple-m4-max",
        model: "qwen2.5-7b",
        quant: "q4_k_m",
        engine: "llama.cpp",
        batch: 1,
        promptTokens: 512,
        contextTokens: 512,
        phase: "decode",
        tp: 1,
      },
    ];
    const r = aitk(["simulate", "--input", file("s.json", JSON.stringify(scenarios)), "--json"]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as Record<string, unknown>[];
    expect(out.map((x) => x.device)).toEqual(["nvidia-h100-sxm5-80gb", "amd-mi300x", "apple-m4-max"]);
    for (const x of out)
      for (const k of [
        "weightsBytes",
        "kvBytes",
        "prefillMs",
        "decodeMsPerStep",
        "tokensPerS",
        "powerW",
        "fits",
      ])
        expect(x, k).toHaveProperty(k);
    expect(out[1]?.phase).toBe("prefill");
    expect(out[0]?.fits).toBe(true);
  });

  it("reads stdin with --input -", () => {
    const r = aitk(["simulate", "--input", "-", "--json"], '[{"device":"nvidia-l4","model":"llama-3.2-1b"}]');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toHaveLength(1);
  });

  it("unknown device / model / engine exit 2 listing the valid ids", () => {
    const bad = aitk([
      "simulate",
      "--input",
      file(
        "b.json",
        '[{"device":"nvidia-l4","model":"llama-3.2-1b"},{"device":"tpu-v5","model":"llama-3.2-1b"}]',
      ),
      "--json",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('[1].device: unknown device "tpu-v5"');
    expect(bad.err).toContain("nvidia-h100-sxm5-80gb");
    const model = aitk(["simulate", "--device", "nvidia-h100", "--model", "gpt-9"]);
    expect(model.code).toBe(2);
    expect(model.err).toContain("llama-3.1-70b");
    const engine = aitk([
      "simulate",
      "--device",
      "nvidia-h100",
      "--model",
      "llama-3.1-8b",
      "--engine",
      "sglang-x",
    ]);
    expect(engine.code).toBe(2);
    expect(engine.err).toContain("tensorrt-llm");
  });

  it("invalid JSON exits 2 with line:column; a non-array exits 2", () => {
    const r = aitk(["simulate", "--input", file("bad.json", '[\n  {"device": "nvidia-l4",, }\n]')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json:2:\d+: invalid JSON/);
    const obj = aitk(["simulate", "--input", file("obj.json", '{"device":"nvidia-l4"}')]);
    expect(obj.code).toBe(2);
    expect(obj.err).toContain("expected a JSON array");
  });
});

describe("aitk simulate (seed forms)", () => {
  it("--device nvidia-h100 --vram 80GB --compute-capability 9.0 prints the simulated device and verdicts", () => {
    const r = aitk(["simulate", "--device", "nvidia-h100", "--vram", "80GB", "--compute-capability", "9.0"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("Simulated device");
    expect(r.out).toContain("compute capability  9.0");
    expect(r.out).toMatch(/llama-3\.1-70b .* NO/);
    const custom = aitk([
      "simulate",
      "--device",
      "custom",
      "--vram",
      "48GB",
      "--bandwidth",
      "1200",
      "--tflops",
      "300",
      "--model",
      "llama-3.1-8b",
      "--json",
    ]);
    expect(custom.code, custom.err).toBe(0);
    expect(JSON.parse(custom.out).device).toBe("custom");
    expect(aitk(["simulate", "--device", "custom", "--vram", "48GB"]).code).toBe(2);
    const bad = aitk(["simulate", "--device", "nvidia-h100", "--vram", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--vram");
  });

  it("aitk run --simulate --model meta-llama/Llama-3.2-70B --quantize fp8 --batch-size 32", () => {
    const r = aitk([
      "run",
      "--simulate",
      "--model",
      "meta-llama/Llama-3.2-70B",
      "--quantize",
      "fp8",
      "--batch-size",
      "32",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("llama-3.1-70b");
    expect(r.out).toContain("tp=2");
    expect(r.out).toContain("FITS");
    const j = aitk([
      "run",
      "--simulate",
      "--model",
      "meta-llama/Llama-3.2-70B",
      "--quantize",
      "fp8",
      "--batch-size",
      "32",
      "--json",
    ]);
    const out = JSON.parse(j.out);
    expect(out.autoTp).toBe(2);
    expect(out.result.fits).toBe(true);
    expect(out.notes.join(" ")).toContain("no Llama-3.2-70B");
  });

  it("aitk run without --simulate, and bad flags, exit 2; --help shows the seed examples", () => {
    expect(aitk(["run", "--model", "llama-3.1-8b"]).code).toBe(2);
    expect(aitk(["run", "--simulate", "--model", "llama-3.1-8b", "--batch-size", "many"]).code).toBe(2);
    expect(aitk(["simulate", "--frobnicate"]).code).toBe(2);
    const h = aitk(["simulate", "--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toContain("aitk simulate --device nvidia-h100 --vram 80GB --compute-capability 9.0");
    expect(aitk(["run", "--help"]).out).toContain(
      "--model meta-llama/Llama-3.2-70B --quantize fp8 --batch-size 32",
    );
  });
});
