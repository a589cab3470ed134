import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPrisma, createRedis, type TPrisma, type TRedis } from "@aitk/db";
import { authenticate } from "./auth/authenticate";
import { KeyCache, type TKeyInfo } from "./auth/keys";
import type { TGatewayDeps } from "./deps";
import type { TGatewayEnv } from "./env";
import { createCors, parseOrigins } from "./http/cors";
import { createInternalEndpoints, healthList } from "./http/internal";
import { ApiError, errorBody, sendError, sendJson } from "./http/errors";
import type { TInferenceKind } from "./http/body";
import { subscribeInvalidations } from "./invalidate";
import { LedgerWal } from "./ledger/wal";
import { LedgerWriter } from "./ledger/writer";
import { WINDOW_MS } from "@aitk/core/gateway/rateLimit";
import { defineLimiterScripts, RateLimiter } from "./limits/limiter";
import { createAccessLog, createLogger, type TLogger } from "./obs/log";
import { GatewayMetrics } from "./obs/metrics";
import { handleInference } from "./proxy/inference";
import { UpstreamPools } from "./routing/pools";
import { ModelRegistry } from "./routing/registry";

export type TGateway = {
  server: Server;
  deps: TGatewayDeps;
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
};

export type TCreateGatewayOptions = {
  prisma?: TPrisma;
  redis?: TRedis;
  log?: TLogger;
  /** Decrypts Endpoint.upstreamApiKeyEnc; main wires @aitk/core's decryptSecret with AITK_SECRET_KEY. */
  decrypt?: ((enc: string) => string) | null;
  resolve?: (host: string) => Promise<string[]>;
};

const INFERENCE: Record<string, TInferenceKind> = {
  "/v1/chat/completions": "chat.completions",
  "/v1/completions": "completions",
  "/v1/embeddings": "embeddings",
};

const defaultResolve = async (host: string) => (await lookup(host, { all: true })).map((a) => a.address);

function withAuth(
  deps: TGatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  fn: (key: TKeyInfo) => unknown,
): void {
  let key: TKeyInfo | Promise<TKeyInfo>;
  try {
    key = authenticate(req, deps.keys);
  } catch (e) {
    onError(deps, res, e);
    req.resume();
    return;
  }
  if (key instanceof Promise) {
    key.then(
      (k) => Promise.resolve(fn(k)).catch((e) => onError(deps, res, e)),
      (e) => {
        onError(deps, res, e);
        req.resume();
      },
    );
  } else Promise.resolve(fn(key)).catch((e) => onError(deps, res, e));
}

function onError(deps: TGatewayDeps, res: ServerResponse, e: unknown): void {
  if (e instanceof ApiError) {
    if (e.status === 401 || e.status === 403) deps.metrics.authFailures.labels(String(e.status)).inc();
    sendError(res, e);
    return;
  }
  deps.log.error({ err: e instanceof Error ? e.stack : String(e) }, "unhandled gateway error");
  if (!res.headersSent)
    sendJson(res, 500, errorBody("api_error", "Internal gateway error.", "internal_error", null));
  else res.destroy();
}

function listModels(
  deps: TGatewayDeps,
  key: TKeyInfo,
  res: ServerResponse,
  id: string | null,
): Promise<void> {
  return Promise.resolve(deps.registry.get(key.org.id, key.org.policy)).then((models) => {
    const allowed = key.allowedModels;
    const data = models.list
      .filter((m) => allowed.size === 0 || allowed.has(m.name))
      .map((m) => ({
        id: m.name,
        object: "model",
        created: Math.floor(m.createdAt / 1000),
        owned_by: key.org.slug,
      }));
    if (data.length > 0) data.push({ id: "auto", object: "model", created: 0, owned_by: "aitk" });
    if (id !== null) {
      const one = data.find((m) => m.id === id);
      if (!one) {
        throw new ApiError(
          404,
          "invalid_request_error",
          `The model '${id}' does not exist or you do not have access to it.`,
          "model_not_found",
          "model",
        );
      }
      sendJson(res, 200, JSON.stringify(one));
      return;
    }
    sendJson(res, 200, JSON.stringify({ object: "list", data }));
  });
}

/** Health of this org's models and endpoints as this replica sees them (for the dashboard). */
function endpointHealth(deps: TGatewayDeps, key: TKeyInfo, res: ServerResponse): Promise<void> {
  return Promise.resolve(deps.registry.get(key.org.id, key.org.policy)).then((models) => {
    const data = healthList(models);
    sendJson(
      res,
      200,
      JSON.stringify({ object: "list", loadedAt: new Date(models.loadedAt).toISOString(), data }),
    );
  });
}

async function ready(deps: TGatewayDeps, res: ServerResponse): Promise<void> {
  const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error("timeout")), 2_000).unref());
  const [db, redis] = await Promise.allSettled([
    Promise.race([deps.prisma.$queryRaw`SELECT 1`, timeout]),
    Promise.race([deps.redis.ping(), timeout]),
  ]);
  const ok = db.status === "fulfilled" && redis.status === "fulfilled";
  sendJson(
    res,
    ok ? 200 : 503,
    JSON.stringify({
      status: ok ? "ready" : "not_ready",
      database: db.status === "fulfilled" ? "ok" : String((db as PromiseRejectedResult).reason),
      redis: redis.status === "fulfilled" ? "ok" : String((redis as PromiseRejectedResult).reason),
    }),
  );
}

export function createHandler(deps: TGatewayDeps) {
  const cors = createCors(parseOrigins(deps.env.GATEWAY_CORS_ORIGINS ?? ""));
  const internalEndpoints = createInternalEndpoints(deps);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    if (req.headers.origin !== undefined && cors.handle(req, res)) return;
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const method = req.method ?? "GET";
    const kind = INFERENCE[path];
    if (kind !== undefined) {
      if (method !== "POST") {
        sendJson(
          res,
          405,
          errorBody(
            "invalid_request_error",
            `Method ${method} not allowed on ${path}; use POST.`,
            "method_not_allowed",
            null,
          ),
        );
        req.resume();
        return;
      }
      withAuth(deps, req, res, (key) => handleInference(deps, req, res, kind, key, t0));
      return;
    }
    if (method === "GET") {
      if (path === "/v1/models") {
        withAuth(deps, req, res, (key) => listModels(deps, key, res, null));
        return;
      }
      if (path.startsWith("/v1/models/")) {
        const id = decodeURIComponent(path.slice("/v1/models/".length));
        withAuth(deps, req, res, (key) => listModels(deps, key, res, id));
        return;
      }
      if (path === "/v1/aitk/endpoints") {
        withAuth(deps, req, res, (key) => endpointHealth(deps, key, res));
        return;
      }
      if (path === "/internal/endpoints") {
        internalEndpoints(req, res, q >= 0 ? rawUrl.slice(q + 1) : "");
        return;
      }
      if (path === "/health") {
        sendJson(res, 200, '{"status":"ok"}');
        return;
      }
      if (path === "/ready") {
        ready(deps, res).catch((e) => onError(deps, res, e));
        return;
      }
      if (path === "/metrics") {
        deps.metrics.registry.metrics().then(
          (text) => {
            res.setHeader("content-type", deps.metrics.registry.contentType);
            res.end(text);
          },
          (e) => onError(deps, res, e),
        );
        return;
      }
    }
    req.resume();
    sendJson(
      res,
      404,
      errorBody("invalid_request_error", `Invalid URL (${method} ${path})`, "unknown_url", null),
    );
  };
}

/**
 * Builds a gateway: Prisma, Redis (command client with auto-pipelining, plus a subscriber), caches,
 * limiter, ledger, metrics and the node:http server. Used by main.ts and by tests (port 0).
 */
export async function createGateway(env: TGatewayEnv, opts: TCreateGatewayOptions = {}): Promise<TGateway> {
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const ownPrisma = !opts.prisma;
  const prisma = opts.prisma ?? createPrisma(env.DATABASE_URL, { max: 10 });
  const ownRedis = !opts.redis;
  // Commands fail fast while Redis is down (no offline queue), so RATE_LIMIT_FAIL_MODE and the ledger
  // spool take over instead of requests hanging.
  const redis =
    opts.redis ??
    createRedis(env.REDIS_URL, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      commandTimeout: 2_000,
    });
  if (ownRedis && redis.status !== "ready") {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`redis not ready at ${env.REDIS_URL}`)), 10_000);
      redis.once("ready", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  const sub = createRedis(env.REDIS_URL, { blocking: true });
  // Connection errors are expected during a Redis outage (fail mode and spool take over): log them
  // at most every 5 s instead of ioredis' unhandled-error noise.
  let lastRedisError = 0;
  const onRedisError = (err: Error) => {
    if (Date.now() - lastRedisError < 5_000) return;
    lastRedisError = Date.now();
    log.warn({ err: err.message }, "redis connection error");
  };
  redis.on("error", onRedisError);
  sub.on("error", onRedisError);
  const metrics = new GatewayMetrics();
  const pools = new UpstreamPools(
    env.GATEWAY_UPSTREAM_CONNECTIONS,
    env.GATEWAY_UPSTREAM_TIMEOUT_MS,
    env.GATEWAY_UPSTREAM_CLIENT,
  );
  const keys = new KeyCache(prisma, env.GATEWAY_KEY_CACHE_TTL_MS);
  const registry = new ModelRegistry(
    prisma,
    pools,
    opts.resolve ?? defaultResolve,
    log,
    opts.decrypt ?? null,
    env.GATEWAY_MODELS_REFRESH_MS,
  );
  // The request path's batched scripts (limits, ledger) go out at once on their own connection: they
  // are already one command per event-loop turn, and auto-pipelining would hold them one turn longer.
  const hot = redis.duplicate({ enableAutoPipelining: false });
  hot.on("error", onRedisError);
  if (hot.status !== "ready") {
    // Not fatal when Redis is down at boot: commands then fail fast and the fail mode / spool apply.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2_000);
      hot.once("ready", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  const limiter = new RateLimiter(hot, env.AITK_REDIS_PREFIX, WINDOW_MS, env.RATE_LIMIT_LEASE_FRACTION);
  const ledger = new LedgerWriter(hot, env.AITK_REDIS_PREFIX, env.GATEWAY_LEDGER_SPOOL, log, () =>
    metrics.ledgerSpooled.inc(),
  );
  const limitBatch = metrics.redisBatch.labels("limit");
  const ledgerBatch = metrics.redisBatch.labels("ledger");
  limiter.batch.onBatch = (n) => limitBatch.observe(n);
  ledger.batch.onBatch = (n) => ledgerBatch.observe(n);
  if (env.GATEWAY_LEDGER_WAL === "file") {
    const shipper = redis.duplicate({ enableAutoPipelining: false });
    shipper.on("error", onRedisError);
    defineLimiterScripts(shipper);
    ledger.wal = new LedgerWal(shipper, ledger.stream, env.GATEWAY_LEDGER_WAL_DIR, log);
    ledger.wal.start();
  }
  const accessLog = createAccessLog(log);
  const deps: TGatewayDeps = {
    env,
    prisma,
    redis,
    log,
    accessLog,
    metrics,
    keys,
    limiter,
    registry,
    ledger,
    pools,
  };
  await subscribeInvalidations(sub, env.AITK_REDIS_PREFIX, keys, registry, log);
  registry.startRefresh();
  ledger.startReplay();
  keys.startUsageFlush();

  const server = createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 },
    createHandler(deps),
  );
  return {
    server,
    deps,
    listen(port = env.GATEWAY_PORT, host = env.GATEWAY_HOST) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    async close() {
      registry.stop();
      ledger.stop();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await pools.close();
      await ledger.wal?.stop();
      await keys.stop();
      sub.disconnect();
      hot.disconnect();
      if (ownRedis) redis.disconnect();
      if (ownPrisma) await prisma.$disconnect();
    },
  };
}
