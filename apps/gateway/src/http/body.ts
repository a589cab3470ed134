import type { IncomingMessage } from "node:http";
import { ApiError, badRequest } from "./errors";

const tooLarge = (maxBytes: number) =>
  new ApiError(413, "invalid_request_error", `Request body exceeds ${maxBytes} bytes`, "request_too_large");

/** Reads the whole request body (bounded) into one Buffer. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > maxBytes) {
      reject(tooLarge(maxBytes));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(tooLarge(maxBytes));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

export type TInferenceKind = "chat.completions" | "completions" | "embeddings";

/** Parses once and checks the fields the gateway itself depends on; every other field passes through. */
export function parseInferenceBody(buf: Buffer, kind: TInferenceKind): Record<string, unknown> {
  if (buf.length === 0) throw badRequest("Request body is empty; expected a JSON object.");
  let body: unknown;
  try {
    body = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw badRequest(
      `We could not parse the JSON body of your request (${(e as Error).message}). The OpenAI API expects a JSON payload.`,
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("Request body must be a JSON object.");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model.length === 0) {
    throw badRequest("you must provide a model parameter", "model", "missing_required_parameter");
  }
  if (kind === "chat.completions") {
    if (!Array.isArray(b.messages) || b.messages.length === 0) {
      throw badRequest(
        "'messages' must be a non-empty array",
        "messages",
        b.messages === undefined ? "missing_required_parameter" : "invalid_type",
      );
    }
    for (let i = 0; i < b.messages.length; i++) {
      const m = b.messages[i] as { role?: unknown } | null;
      if (!m || typeof m !== "object" || typeof m.role !== "string") {
        throw badRequest(
          `'messages[${i}]' must be an object with a string 'role'`,
          `messages[${i}].role`,
          "invalid_type",
        );
      }
    }
  } else if (kind === "completions") {
    if (b.prompt === undefined)
      throw badRequest("'prompt' is required", "prompt", "missing_required_parameter");
  } else if (b.input === undefined || (typeof b.input !== "string" && !Array.isArray(b.input))) {
    throw badRequest(
      "'input' must be a string or an array",
      "input",
      b.input === undefined ? "missing_required_parameter" : "invalid_type",
    );
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== "boolean") {
    throw badRequest("'stream' must be a boolean", "stream", "invalid_type");
  }
  for (const f of ["max_tokens", "max_completion_tokens"]) {
    const v = b[f];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) {
      throw badRequest(`'${f}' must be a non-negative integer`, f, "invalid_type");
    }
  }
  return b;
}
