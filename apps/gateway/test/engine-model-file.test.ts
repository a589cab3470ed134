// A model file llama.cpp would abort on (exit 134) must be refused by our validation with a clear message.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GgufValueType, kv, writeGguf } from "@aitk/core/gguf/index";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "aitk-engine-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runEngine(modelPath: string): Promise<{ code: number | null; output: string }> {
  return new Promise((ok) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "apps/gateway/src/engine/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, ENGINE_PORT: "0", ENGINE_MODEL_PATH: modelPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    proc.stdout.on("data", (d) => (output += d));
    proc.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      ok({ code, output });
    });
  });
}

describe("engine model file validation", () => {
  it("exits 1 naming the missing key instead of crashing inside llama.cpp", async () => {
    const path = join(dir, "no-heads.gguf");
    writeFileSync(
      path,
      writeGguf({
        metadata: [
          kv.str("general.architecture", "llama"),
          kv.u32("llama.context_length", 128),
          kv.u32("llama.embedding_length", 8),
          kv.u32("llama.block_count", 1),
          kv.u32("llama.feed_forward_length", 16),
          kv.f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
          kv.str("tokenizer.ggml.model", "llama"),
          kv.arr("tokenizer.ggml.tokens", GgufValueType.STRING, ["<unk>", "<s>", "</s>"]),
        ],
        tensors: [{ name: "token_embd.weight", dims: [8, 3], type: 0, data: new Float32Array(24) }],
      }),
    );
    const r = await runEngine(path);
    expect(r.code).toBe(1);
    expect(r.output).toContain("missing required key llama.attention.head_count");
  });

  it("refuses a file that is not GGUF", async () => {
    const path = join(dir, "junk.gguf");
    writeFileSync(path, "this is not a model");
    const r = await runEngine(path);
    expect(r.code).toBe(1);
    expect(r.output).toContain("not a GGUF file");
  });
});
