// The engine's HTTP server (plain node:http): routing, error mapping, request logs, in-flight tracking.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApiError } from "./errors";
import { chatCompletions, completions, embeddings, type THandlerContext } from "./handlers";
import { readJson, sendJson } from "./http";
import { createEngineMetrics } from "./metrics";
import type { TEngineRuntime } from "./runtime";

export interface TEngineServerOptions {
  modelName: string;
  defaultMaxTokens: number;
  getRuntime: () => TEngineRuntime | undefined;
  /** Set when loading failed: /ready reports it. */
  getLoadError: () => string | undefined;
  log: (level: "info" | "warn" | "error" | "debug", msg: string, extra?: Record<string, unknown>) => void;
  /** When set, /v1/* needs `Authorization: Bearer <apiKey>` (so local processes cannot bypass the gateway). */
  apiKey?: string;
}

export interface TEngineServer {
  server: Server;
  inFlight: () => number;
  /** Stops accepting requests and resolves when in-flight ones finish (or after timeoutMs). */
  drain: (timeoutMs: number) => Promise<void>;
}

type THandler = (body: unknown, ctx: THandlerContext) => Promise<void>;
const POST_ROUTES: Record<string, THandler> = {
  "/v1/chat/completions": chatCompletions,
  "/v1/completions": completions,
  "/v1/embeddings": embeddings,
};

export function createEngineServer(opts: TEngineServerOptions): TEngineServer {
  const created = Math.floor(Date.now() / 1000);
  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];

  const digest = (v: string) => createHash("sha256").update(v).digest();
  const keyDigest = opts.apiKey ? digest(opts.apiKey) : undefined;
  const authorized = (req: IncomingMessage) => {
    if (!keyDigest) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    return m?.[1] !== undefined && timingSafeEqual(digest(m[1].trim()), keyDigest);
  };

  const metrics = createEngineMetrics(opts.modelName);

  const modelObject = () => ({ id: opts.modelName, object: "model", created, owned_by: "aitk" });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    stats: Record<string, unknown>,
  ) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/health") return sendJson(res, 200, { status: "ok" });
    if (method === "GET" && path === "/metrics") {
      const rt = opts.getRuntime();
      metrics.ready.set(rt && !draining ? 1 : 0);
      if (rt) {
        metrics.slotsBusy.set(rt.pool.size - rt.pool.available);
        metrics.queued.set(rt.pool.queued);
      }
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (method === "GET" && path === "/ready") {
      const rt = opts.getRuntime();
      if (rt && !draining)
        return sendJson(res, 200, {
          status: "ready",
          model: rt.modelName,
          contextSize: rt.contextSize,
          embeddingSize: rt.embeddingSize,
          slots: { free: rt.pool.available, queued: rt.pool.queued },
        });
      const error = opts.getLoadError();
      return sendJson(res, 503, {
        status: draining ? "draining" : error ? "failed" : "loading",
        ...(error ? { error } : {}),
      });
    }
    if (path.startsWith("/v1/") && !authorized(req))
      throw new ApiError(
        401,
        "Incorrect API key provided.",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    if (method === "GET" && path === "/v1/models")
      return sendJson(res, 200, { object: "list", data: [modelObject()] });
    if (method === "GET" && path.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (id === opts.modelName) return sendJson(res, 200, modelObject());
      throw new ApiError(
        404,
        `The model '${id}' does not exist`,
        "invalid_request_error",
        "model",
        "model_not_found",
      );
    }
    const handler = POST_ROUTES[path];
    if (!handler)
      throw new ApiError(
        404,
        `Unknown request URL: ${method} ${path}.`,
        "invalid_request_error",
        null,
        "unknown_url",
      );
    if (method !== "POST")
      throw new ApiError(
        405,
        `Method ${method} is not allowed for ${path}; use POST.`,
        "invalid_request_error",
        null,
        "method_not_allowed",
        {
          allow: "POST",
        },
      );
    const runtime = opts.getRuntime();
    if (!runtime || draining)
      throw new ApiError(
        503,
        draining ? "The engine is shutting down." : "The model is still loading; try again shortly.",
        "server_error",
        null,
        "model_not_ready",
        {
          "retry-after": "1",
        },
      );
    const body = await readJson(req);
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort(new Error("client closed the connection"));
    });
    await handler(body, {
      runtime,
      res,
      signal: abort.signal,
      requestId,
      defaultMaxTokens: opts.defaultMaxTokens,
      stats,
    });
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = (req.headers["x-request-id"] as string | undefined) ?? randomUUID();
    res.setHeader("x-request-id", requestId);
    const stats: Record<string, unknown> = {};
    inFlight++;
    handle(req, res, requestId, stats)
      .catch((e: unknown) => {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, "The engine had an internal error.", "server_error", null, "internal_error");
        if (!(e instanceof ApiError))
          opts.log("error", "request failed", { requestId, error: (e as Error)?.stack ?? String(e) });
        if (err.status === 499) {
          stats.aborted = true;
          return;
        }
        sendJson(res, err.status, err.body(), err.headers);
      })
      .finally(() => {
        inFlight--;
        const result = stats.result as
          | { completionTokens?: number; firstTokenMs?: number; finishReason?: string }
          | undefined;
        const aborted = stats.aborted === true || (!res.writableFinished && res.destroyed);
        // Aborted requests are rare and matter for capacity: log them at info.
        opts.log(aborted ? "info" : "debug", aborted ? "request aborted by the client" : "request", {
          requestId,
          method: req.method,
          path: req.url,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          promptTokens: stats.promptTokens,
          completionTokens: result?.completionTokens,
          finishReason: result?.finishReason,
          firstTokenMs: result?.firstTokenMs,
          aborted,
        });
        const endpoint = (req.url ?? "").split("?")[0] ?? "";
        if (POST_ROUTES[endpoint]) {
          metrics.requests.inc({ endpoint, status: aborted ? "aborted" : String(res.statusCode) });
          metrics.duration.observe({ endpoint }, (performance.now() - started) / 1000);
          if (typeof stats.promptTokens === "number") metrics.promptTokens.inc(stats.promptTokens);
          if (result?.completionTokens) metrics.completionTokens.inc(result.completionTokens);
          if (result?.firstTokenMs !== undefined) metrics.firstToken.observe(result.firstTokenMs / 1000);
          const queueMs = (result as { queueMs?: number } | undefined)?.queueMs;
          if (queueMs !== undefined) metrics.queueWait.observe(queueMs / 1000);
          if (aborted) metrics.aborted.inc();
        }
        if (inFlight === 0) for (const f of idle.splice(0)) f();
      });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    inFlight: () => inFlight,
    drain: async (timeoutMs) => {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          idle.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      server.closeAllConnections();
    },
  };
}
