// The engine process's configuration: the only place in the engine that reads process.env.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const ZEngineEnv = z.object({
  ENGINE_PORT: int(4100, 0, 65535),
  /** Bind address; a deployment on a remote Docker host binds 0.0.0.0 and requires ENGINE_API_KEY. */
  ENGINE_HOST: z.string().min(1).default("127.0.0.1"),
  ENGINE_MODEL_PATH: z.string().min(1).optional(),
  ENGINE_MODEL_NAME: z.string().min(1).default("aitk-tiny"),
  ENGINE_THREADS: int(1, 1, 256),
  /** Parallel generations (context sequences); further requests wait in a queue. */
  ENGINE_SEQUENCES: int(4, 1, 64),
  /** Tokens per sequence (prompt + completion). */
  ENGINE_CONTEXT_SIZE: int(2048, 64, 1 << 20),
  ENGINE_MAX_QUEUE: int(256, 0, 100_000),
  /** max_tokens when a request gives none (OpenAI has no such default; the gateway reserves by it). */
  ENGINE_DEFAULT_MAX_TOKENS: int(256, 1, 1 << 20),
  /** Seed used when the model file is missing and is generated. */
  ENGINE_MODEL_SEED: int(42, 0, 0xffffffff),
  /** Optional bearer key the engine requires on /v1/* (the gateway's endpoint then stores it encrypted). */
  ENGINE_API_KEY: z.string().min(8).optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

/** Relative paths (this and ENGINE_MODEL_PATH) are taken from the repository root, whatever the cwd. */
export const DEFAULT_MODEL_PATH = ".aitk/models/aitk-tiny.gguf";

export type TEngineEnv = Omit<z.infer<typeof ZEngineEnv>, "ENGINE_MODEL_PATH"> & {
  ENGINE_MODEL_PATH: string;
};

/** The repository root (nearest ancestor whose package.json declares workspaces), else the start dir. */
export function repoRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).workspaces) return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

export function loadEngineEnv(source: NodeJS.ProcessEnv = process.env): TEngineEnv {
  const parsed = ZEngineEnv.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid engine environment: ${issues}`);
  }
  const root = repoRoot();
  const modelPath = resolve(root, parsed.data.ENGINE_MODEL_PATH ?? DEFAULT_MODEL_PATH);
  return { ...parsed.data, ENGINE_MODEL_PATH: modelPath };
}
