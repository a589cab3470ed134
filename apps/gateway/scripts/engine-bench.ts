// Measures the embedded engine: start-up and load time, decode tokens/s, first-token latency, and
// throughput with parallel requests. Not a test. Usage: npx tsx apps/gateway/scripts/engine-bench.ts [--threads N]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const threads = process.argv.includes("--threads")
  ? (process.argv[process.argv.indexOf("--threads") + 1] ?? "1")
  : "1";
const dir = mkdtempSync(join(tmpdir(), "aitk-engine-bench-"));
const t0 = performance.now();
const proc = spawn(
  process.execPath,
  ["--import", "tsx", join(import.meta.dirname, "..", "src", "engine", "main.ts")],
  {
    env: {
      ...process.env,
      ENGINE_PORT: "0",
      ENGINE_THREADS: threads,
      ENGINE_MODEL_PATH: join(dir, "m.gguf"),
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let port = 0;
let loaded: Record<string, unknown> = {};
let readyAt = 0;
await new Promise<void>((ok, fail) => {
  proc.on("exit", (c) => fail(new Error(`engine exited ${c}`)));
  createInterface({ input: proc.stdout }).on("line", (l) => {
    const rec = JSON.parse(l);
    if (rec.port) port = rec.port;
    if (rec.msg === "model loaded") loaded = rec.ms;
    if (rec.msg === "engine ready") {
      readyAt = performance.now() - t0;
      ok();
    }
  });
});
const url = `http://127.0.0.1:${port}/v1`;
const messages = [{ role: "user", content: "Tell me a long story about the sea." }];
const post = (path: string, body: unknown) =>
  fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function chat(maxTokens: number) {
  const t = performance.now();
  const r = (await (
    await post("/chat/completions", { model: "m", messages, max_tokens: maxTokens, temperature: 0 })
  ).json()) as {
    usage: { completion_tokens: number };
  };
  return { ms: performance.now() - t, tokens: r.usage.completion_tokens };
}

async function streamTtft() {
  const t = performance.now();
  const res = await post("/chat/completions", {
    model: "m",
    messages,
    max_tokens: 8,
    temperature: 0,
    stream: true,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  let first = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += dec.decode(value);
    if (!first && buf.includes('"content":"') && /"content":"[^"]/.test(buf)) first = performance.now() - t;
  }
  return first;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const r1 = (x: number) => Math.round(x * 10) / 10;

await chat(16); // warm-up
const decode: number[] = [];
for (let i = 0; i < 5; i++) {
  const r = await chat(512);
  decode.push((r.tokens / r.ms) * 1000);
}
const ttft: number[] = [];
for (let i = 0; i < 30; i++) ttft.push(await streamTtft());
const par = performance.now();
const results = await Promise.all(Array.from({ length: 4 }, () => chat(256)));
const parMs = performance.now() - par;
const parTokens = results.reduce((a, r) => a + r.tokens, 0);

console.log(
  JSON.stringify(
    {
      threads: Number(threads),
      processStartToReadyMs: r1(readyAt),
      loadMs: loaded,
      decodeTokensPerSec: { median: r1(pct(decode, 50)), runs: decode.map(r1) },
      streamFirstTokenMs: {
        p50: r1(pct(ttft, 50)),
        p99: r1(pct(ttft, 99)),
        note: "client send → first content chunk, 23-token prompt",
      },
      parallel4x256: { ms: r1(parMs), tokensPerSec: r1((parTokens / parMs) * 1000) },
    },
    null,
    2,
  ),
);
proc.kill("SIGTERM");
await new Promise((ok) => proc.once("exit", ok));
rmSync(dir, { recursive: true, force: true });
