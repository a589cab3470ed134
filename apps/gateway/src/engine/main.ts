// The embedded engine process: llama.cpp (node-llama-cpp, CPU) behind an OpenAI-compatible HTTP API.
// Starts listening at once (/health, /ready = 503), makes sure the model file exists and is valid,
// then loads it. The gateway routes to it like any other upstream.
import { pino } from "pino";
import { loadEngineEnv } from "./env";
import { ensureModelFile } from "./modelFile";
import type { TEngineRuntime } from "./runtime";
import { createEngineServer } from "./server";

const env = loadEngineEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { svc: "engine" } });
const log = (level: "info" | "warn" | "error" | "debug", msg: string, extra: Record<string, unknown> = {}) =>
  logger[level](extra, msg);

let runtime: TEngineRuntime | undefined;
let loadError: string | undefined;

const engine = createEngineServer({
  modelName: env.ENGINE_MODEL_NAME,
  defaultMaxTokens: env.ENGINE_DEFAULT_MAX_TOKENS,
  getRuntime: () => runtime,
  getLoadError: () => loadError,
  log,
  apiKey: env.ENGINE_API_KEY,
});

engine.server.on("error", (e) => {
  log("error", `cannot listen on ${env.ENGINE_HOST}:${env.ENGINE_PORT}: ${e.message}`);
  process.exit(1);
});
engine.server.listen(env.ENGINE_PORT, env.ENGINE_HOST, () => {
  const addr = engine.server.address();
  const port = typeof addr === "object" && addr ? addr.port : env.ENGINE_PORT;
  log("info", `engine listening on http://127.0.0.1:${port}`, { port });
});

async function start() {
  const t0 = performance.now();
  const file = await ensureModelFile(env.ENGINE_MODEL_PATH, env.ENGINE_MODEL_SEED, log);
  const { loadRuntime } = await import("./runtime");
  runtime = await loadRuntime({
    modelPath: env.ENGINE_MODEL_PATH,
    modelName: env.ENGINE_MODEL_NAME,
    threads: env.ENGINE_THREADS,
    sequences: env.ENGINE_SEQUENCES,
    contextSize: env.ENGINE_CONTEXT_SIZE,
    maxQueue: env.ENGINE_MAX_QUEUE,
    log,
  });
  log("info", "engine ready", {
    totalMs: Math.round(performance.now() - t0),
    generated: file.generated,
    bytes: file.bytes,
  });
}

start().catch((e: unknown) => {
  loadError = (e as Error)?.message ?? String(e);
  log("error", `model failed to load: ${loadError}`, { path: env.ENGINE_MODEL_PATH });
  process.exitCode = 1;
  void shutdown("load failure");
});

let stopping = false;
async function shutdown(reason: string) {
  if (stopping) return;
  stopping = true;
  log("info", "shutting down", { reason, inFlight: engine.inFlight() });
  const hardStop = setTimeout(() => process.exit(process.exitCode ?? 1), 15_000);
  hardStop.unref();
  await engine.drain(10_000);
  await runtime?.dispose().catch(() => undefined);
  process.exit(process.exitCode ?? 0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
