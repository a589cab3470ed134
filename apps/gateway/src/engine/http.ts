// Small node:http helpers: JSON bodies with a size limit, JSON replies, and SSE with backpressure.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, badRequest } from "./errors";

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(
        413,
        `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
        "invalid_request_error",
      );
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) throw badRequest("The request body is empty; expected a JSON object.");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`We could not parse the JSON body of your request: ${(e as Error).message}`);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent || res.destroyed) return;
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

export class Sse {
  constructor(private readonly res: ServerResponse) {}

  open(headers: Record<string, string> = {}) {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    });
    this.res.flushHeaders();
  }

  /** Resolves once the data is handed to the socket buffer (waits for `drain` when it is full). */
  async send(data: unknown) {
    if (this.res.destroyed) return;
    const ok = this.res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    if (!ok)
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off("drain", done);
          this.res.off("close", done);
          resolve();
        };
        this.res.on("drain", done);
        this.res.on("close", done);
      });
  }

  end() {
    if (!this.res.destroyed) this.res.end();
  }
}
