// Makes sure the model file exists (generating the seeded tiny model when it does not) and is a GGUF
// that llama.cpp can load without aborting the process.
import { closeSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateTinyLlamaGguf } from "@aitk/core/gguf/tinyLlama";
import { type TGgufModelSummary, validateGgufHeader } from "@aitk/core/gguf/validate";
import { isDomainError } from "@aitk/core/errors";

type TLog = (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

function readPrefix(path: string, bytes: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Validates a GGUF file reading only as much of it as its header needs. */
export function validateModelFile(path: string): TGgufModelSummary {
  const size = statSync(path).size;
  for (let want = 4 << 20; ; want *= 8) {
    try {
      return validateGgufHeader(readPrefix(path, Math.min(want, size)), { fileSize: size });
    } catch (e) {
      if (isDomainError(e) && e.details.truncated && want < size) continue;
      throw e;
    }
  }
}

export async function ensureModelFile(path: string, seed: number, log: TLog) {
  let generated = false;
  let exists = true;
  try {
    statSync(path);
  } catch {
    exists = false;
  }
  if (!exists) {
    const t = performance.now();
    const bytes = generateTinyLlamaGguf({ seed });
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path); // atomic: a concurrent reader never sees half a file
    generated = true;
    log("info", "generated the tiny model", {
      path,
      seed,
      bytes: bytes.length,
      ms: Math.round(performance.now() - t),
    });
  }
  try {
    const summary = validateModelFile(path);
    return { generated, bytes: statSync(path).size, summary };
  } catch (e) {
    throw new Error(`${path} is not a loadable model: ${(e as Error).message}`);
  }
}
