import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pickAutoModel, scoreComplexity } from "@aitk/core/gateway/complexity";
import { rateLimitHeaders } from "@aitk/core/gateway/rateLimit";
import { completionReserve, estimatePromptTokens } from "@aitk/core/gateway/tokens";
import type { TUsageEvent, TUsageOutcome } from "@aitk/core/usage/event";
import type { TUpstreamResponse } from "./h1/pool";
import type { TKeyInfo } from "../auth/keys";
import { parseInferenceBody, readBody, type TInferenceKind } from "../http/body";
import { ApiError, sendError } from "../http/errors";
import type { TReservation } from "../limits/limiter";
import type { TAccessLine } from "../obs/log";
import type { TModelMetrics } from "../obs/metrics";
import { pickEndpoint, type TEndpointState, type TModelRoute } from "../routing/registry";
import type { TGatewayDeps } from "../deps";
import { ClientGone } from "./abort";
import { SseTap } from "./sse";
import { extractUsage, type TUsage } from "./usage";

const SUFFIX: Record<TInferenceKind, string> = {
  "chat.completions": "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
};
const MAX_ATTEMPTS = 3;
const DOWN_MS = 5_000;

/** Everything one request accumulates for its ledger event, metrics and logs. */
type TCtx = {
  requestId: string;
  t0: number;
  startedAtMs: number;
  key: TKeyInfo;
  kind: TInferenceKind;
  model: string;
  route: TModelRoute | null;
  metrics: TModelMetrics | null;
  reservation: TReservation | null;
  promptEstimate: number;
  status: number;
  outcome: TUsageOutcome;
  usage: TUsage | null;
  ttftMs: number | null;
  upstream: string | null;
  body: Record<string, unknown> | null;
  closed: boolean;
  /** Set by account() for report(): duration, counted tokens, ledger write time. */
  dur: number;
  prompt: number;
  completion: number;
  ledgerSeconds: number;
};

function durationMs(ctx: TCtx): number {
  return Math.round(performance.now() - ctx.t0);
}

/**
 * Finishes the accounting of a request: reconcile reserved tokens and store the ledger event (the
 * response is only finished after the event is stored: awaited when it goes to Redis, synchronous
 * with the file WAL). Callers run report() once the response is on its way, so it never delays the client.
 */
function account(deps: TGatewayDeps, ctx: TCtx): Promise<void> | void {
  const dur = durationMs(ctx);
  const prompt =
    ctx.usage?.promptTokens ??
    (ctx.outcome === "ok" || ctx.outcome === "client_abort" ? ctx.promptEstimate : 0);
  const completion = ctx.usage?.completionTokens ?? 0;
  ctx.dur = dur;
  ctx.prompt = prompt;
  ctx.completion = completion;
  const event: TUsageEvent = {
    requestId: ctx.requestId,
    orgId: ctx.key.org.id,
    apiKeyId: ctx.key.id,
    model: ctx.model,
    endpoint: ctx.kind,
    status: ctx.status,
    outcome: ctx.outcome,
    promptTokens: prompt,
    completionTokens: completion,
    ttftMs: ctx.ttftMs,
    durationMs: dur,
    upstream: ctx.upstream,
    ts: ctx.startedAtMs,
  };
  const adjust = ctx.reservation ? deps.limiter.reconcileArgs(ctx.reservation, prompt + completion) : null;
  const tw = performance.now();
  const w = deps.ledger.write(event, adjust);
  if (w === undefined) {
    ctx.ledgerSeconds = (performance.now() - tw) / 1000;
    return;
  }
  return w.then(() => {
    ctx.ledgerSeconds = (performance.now() - tw) / 1000;
  });
}

/** Responses already written whose metrics and access line are still to come (see deferReport). */
let reportQueue: { deps: TGatewayDeps; ctx: TCtx }[] = [];

function drainReports(): void {
  const q = reportQueue;
  reportQueue = [];
  for (const { deps, ctx } of q) {
    try {
      report(deps, ctx);
    } catch (err) {
      deps.log.error({ err: String(err), reqId: ctx.requestId }, "request report failed");
    }
  }
}

/**
 * report() after the other responses released in the same microtask run are written. One Redis reply
 * to a batched ledger write releases a convoy of responses; each one's write no longer waits for the
 * metrics and log lines of those before it. A microtask, not setImmediate: the lines still reach the
 * LogSink in this turn, before any later request is read.
 */
function deferReport(deps: TGatewayDeps, ctx: TCtx): void {
  if (reportQueue.push({ deps, ctx }) === 1) queueMicrotask(drainReports);
}

/** Metrics and the access line of a request that account() finished. */
function report(deps: TGatewayDeps, ctx: TCtx): void {
  const { dur, prompt, completion } = ctx;
  deps.metrics.ledgerWrite.observe(ctx.ledgerSeconds);
  const m = ctx.metrics;
  if (m) {
    m.requests(ctx.outcome, ctx.status);
    if (prompt) m.promptTokens.inc(prompt);
    if (completion) m.completionTokens.inc(completion);
    m.latency.observe(dur / 1000);
    if (ctx.ttftMs !== null) m.ttft.observe(ctx.ttftMs / 1000);
  }
  const line: TAccessLine = {
    reqId: ctx.requestId,
    org: ctx.key.org.slug,
    key: ctx.key.prefix,
    endpoint: ctx.kind,
    model: ctx.model,
    status: ctx.status,
    outcome: ctx.outcome,
    ms: dur,
    ttftMs: ctx.ttftMs,
    promptTokens: prompt,
    completionTokens: completion,
    upstream: ctx.upstream,
  };
  // Prompt text is logged only for orgs that opted in, through pino (which PII-redacts it).
  if (ctx.key.org.logPrompts && ctx.body)
    deps.log.info({ ...line, prompt: ctx.body.messages ?? ctx.body.prompt ?? ctx.body.input }, "request");
  else deps.accessLog(line);
}

async function fail(
  deps: TGatewayDeps,
  res: ServerResponse,
  ctx: TCtx,
  e: ApiError,
  outcome: TUsageOutcome,
): Promise<void> {
  ctx.status = e.status;
  ctx.outcome = outcome;
  if (ctx.metrics && outcome !== "rate_limited" && outcome !== "client_abort")
    ctx.metrics.errors(e.code ?? outcome);
  await account(deps, ctx);
  res.setHeader("x-request-id", ctx.requestId);
  sendError(res, e);
  report(deps, ctx);
}

function resolveModel(
  deps: TGatewayDeps,
  ctx: TCtx,
  models: { byName: Map<string, TModelRoute>; list: TModelRoute[] },
  body: Record<string, unknown>,
): TModelRoute {
  const requested = body.model as string;
  const allowed = ctx.key.allowedModels;
  if (requested === "auto") {
    if (ctx.kind === "embeddings") {
      throw new ApiError(
        400,
        "invalid_request_error",
        "model 'auto' is not available for embeddings",
        "model_not_found",
        "model",
      );
    }
    const candidates = models.list.filter(
      (m) => (allowed.size === 0 || allowed.has(m.name)) && m.endpoints.length > 0,
    );
    const picked = pickAutoModel(candidates, scoreComplexity(body).score);
    if (!picked)
      throw new ApiError(
        404,
        "invalid_request_error",
        "No model is available for 'auto' routing.",
        "model_not_found",
        "model",
      );
    return picked;
  }
  const route = models.byName.get(requested);
  if (!route) {
    throw new ApiError(
      404,
      "invalid_request_error",
      `The model '${requested}' does not exist or you do not have access to it.`,
      "model_not_found",
      "model",
    );
  }
  if (allowed.size > 0 && !allowed.has(requested)) {
    throw new ApiError(
      403,
      "permission_error",
      `This API key is not allowed to use model '${requested}'.`,
      "model_not_allowed",
      "model",
    );
  }
  void deps;
  return route;
}

function upstreamBody(
  raw: Buffer,
  body: Record<string, unknown>,
  target: string,
  inject: boolean,
): Buffer | string {
  if (!inject && body.model === target) return raw;
  const copy: Record<string, unknown> = { ...body, model: target };
  if (inject)
    copy.stream_options = { ...((body.stream_options as object | undefined) ?? {}), include_usage: true };
  return JSON.stringify(copy);
}

function isConnectError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? "";
  return (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "EAI_AGAIN" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_SOCKET" ||
    code === "UND_ERR_CLOSED"
  );
}

/** Writes with backpressure; resolves false when the client went away. */
function write(res: ServerResponse, data: Buffer | string): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(data)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

export async function handleInference(
  deps: TGatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  kind: TInferenceKind,
  key: TKeyInfo,
  t0: number,
): Promise<void> {
  const ctx: TCtx = {
    requestId: randomUUID(),
    t0,
    startedAtMs: Date.now(),
    key,
    kind,
    model: "",
    route: null,
    metrics: null,
    reservation: null,
    promptEstimate: 0,
    status: 0,
    outcome: "ok",
    usage: null,
    ttftMs: null,
    upstream: null,
    body: null,
    closed: false,
    dur: 0,
    prompt: 0,
    completion: 0,
    ledgerSeconds: 0,
  };
  const raw = await readBody(req, deps.env.GATEWAY_MAX_BODY_BYTES);
  const controller = new ClientGone();
  res.once("close", () => {
    if (!res.writableFinished) {
      ctx.closed = true;
      controller.abort();
    }
  });
  let body: Record<string, unknown>;
  let route: TModelRoute;
  try {
    body = parseInferenceBody(raw, kind);
    ctx.body = body;
    ctx.model = body.model as string;
    let models = deps.registry.get(key.org.id, key.org.policy);
    if (models instanceof Promise) models = await models;
    try {
      route = resolveModel(deps, ctx, models, body);
    } catch (e) {
      // A model registered a moment ago: reload once if the cache is older than a second.
      if (e instanceof ApiError && e.status === 404 && Date.now() - models.loadedAt > 1_000) {
        models = await deps.registry.reload(key.org.id, key.org.policy);
        route = resolveModel(deps, ctx, models, body);
      } else throw e;
    }
  } catch (e) {
    if (e instanceof ApiError) return fail(deps, res, ctx, e, "error");
    throw e;
  }
  ctx.route = route;
  ctx.model = route.name;
  const metrics = deps.metrics.for(route.name, key.org.slug);
  ctx.metrics = metrics;

  // Rate limits: one Lua call reserves the request and prompt + max_tokens for key and org, or a lease
  // this replica holds covers them (no round trip).
  ctx.promptEstimate = estimatePromptTokens(body);
  const reserve =
    ctx.promptEstimate +
    (kind === "embeddings" ? 0 : completionReserve(body, deps.env.GATEWAY_DEFAULT_MAX_TOKENS));
  let limitHeaders: Record<string, string> | null = null;
  try {
    const tl = performance.now();
    let r = deps.limiter.reserve(key.id, key.org.id, key.limits, key.org.limits, reserve);
    if (r instanceof Promise) r = await r;
    deps.metrics.limiterCall.observe((performance.now() - tl) / 1000);
    limitHeaders = rateLimitHeaders(r.decision);
    if (!r.decision.allowed) {
      metrics.rateLimited.inc();
      const d = r.decision;
      const what = d.limitedBy.endsWith("tokens") ? "tokens" : "requests";
      const scope = d.limitedBy.startsWith("key") ? "API key" : "organization";
      const retry = Math.max(1, Math.ceil(d.resetMs / 1000));
      return fail(
        deps,
        res,
        ctx,
        new ApiError(
          429,
          "rate_limit_error",
          `Rate limit reached for ${what} per minute on this ${scope} (limit ${what === "tokens" ? d.limitTokens : d.limitRequests}, requested ${what === "tokens" ? reserve : 1}). Please try again in ${retry}s.`,
          what === "tokens" ? "rate_limit_exceeded_tokens" : "rate_limit_exceeded",
          null,
          { ...limitHeaders, "retry-after": String(retry) },
        ),
        "rate_limited",
      );
    }
    ctx.reservation = r;
  } catch (err) {
    deps.metrics.rateLimitFailures.inc();
    deps.log.warn({ err: String(err), mode: deps.env.RATE_LIMIT_FAIL_MODE }, "rate limiter unavailable");
    if (deps.env.RATE_LIMIT_FAIL_MODE === "closed") {
      return fail(
        deps,
        res,
        ctx,
        new ApiError(
          503,
          "api_error",
          "Rate limiter unavailable; request refused (fail-closed).",
          "rate_limiter_unavailable",
          null,
          {
            "retry-after": "1",
          },
        ),
        "error",
      );
    }
  }

  const stream = body.stream === true;
  const clientWantsUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const inject = stream && kind !== "embeddings" && !clientWantsUsage;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-request-id": ctx.requestId,
  };
  if (stream) headers.accept = "text/event-stream";

  metrics.inFlight.inc();
  let overheadObserved = false;
  const tried = new Set<string>();
  let upstream: TUpstreamResponse | null = null;
  let ep: TEndpointState | undefined;
  let lastError: ApiError | null = null;
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      ep = pickEndpoint(route, tried, Date.now());
      if (!ep) break;
      tried.add(ep.id);
      const target = ep.upstreamModel ?? route.name;
      if (ep.authorization) headers.authorization = ep.authorization;
      else delete headers.authorization;
      ep.outstanding++;
      ctx.upstream = ep.origin;
      if (!overheadObserved) {
        deps.metrics.overhead.observe((performance.now() - t0) / 1000);
        overheadObserved = true;
      }
      try {
        const r = await ep.pool.request({
          path: ep.basePath + SUFFIX[kind],
          method: "POST",
          headers,
          body: upstreamBody(raw, body, target, inject),
          signal: controller,
        });
        if (r.statusCode >= 500 && attempt + 1 < MAX_ATTEMPTS && pickEndpoint(route, tried, Date.now())) {
          // 5xx before any byte reached the client: try another endpoint.
          metrics.errors("upstream_5xx");
          ep.downUntil = Date.now() + DOWN_MS;
          ep.outstanding--;
          await r.body.dump().catch(() => {});
          continue;
        }
        upstream = r;
        break;
      } catch (err) {
        ep.outstanding--;
        if (ctx.closed) {
          ctx.status = 499;
          ctx.outcome = "client_abort";
          metrics.inFlight.dec();
          await account(deps, ctx);
          report(deps, ctx);
          return;
        }
        if (isConnectError(err)) {
          metrics.errors("upstream_connect");
          ep.downUntil = Date.now() + DOWN_MS;
          lastError = new ApiError(
            502,
            "api_error",
            `Upstream for model '${route.name}' is unreachable.`,
            "upstream_unavailable",
          );
          continue;
        }
        metrics.errors("upstream_error");
        lastError = new ApiError(
          502,
          "api_error",
          `Upstream request failed: ${(err as Error).message}`,
          "upstream_error",
        );
        break;
      }
    }
    if (!upstream || !ep) {
      metrics.inFlight.dec();
      return fail(
        deps,
        res,
        ctx,
        lastError ??
          new ApiError(
            503,
            "api_error",
            `No healthy endpoint for model '${route.name}'.`,
            "no_healthy_endpoint",
          ),
        "upstream_error",
      );
    }
    await relay(deps, res, ctx, upstream, ep, stream, inject, limitHeaders);
  } finally {
    if (upstream && ep) ep.outstanding--;
    if (upstream) metrics.inFlight.dec();
  }
}

/** The whole upstream body (callbacks, not an async iterator: cheaper per request); sets TTFT. */
function collect(body: TUpstreamResponse["body"], ctx: TCtx): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.consume(
      (c) => {
        if (ctx.ttftMs === null) ctx.ttftMs = Math.round(performance.now() - ctx.t0);
        chunks.push(c);
        size += c.length;
      },
      () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)),
      reject,
    );
  });
}

async function relay(
  deps: TGatewayDeps,
  res: ServerResponse,
  ctx: TCtx,
  up: TUpstreamResponse,
  ep: TEndpointState,
  stream: boolean,
  inject: boolean,
  limitHeaders: Record<string, string> | null,
): Promise<void> {
  const status = up.statusCode;
  ctx.status = status;
  ctx.outcome = status < 400 ? "ok" : "upstream_error";
  if (status >= 500) ep.downUntil = 0; // it answered: reachable; 5xx on the last attempt is the upstream's answer
  const ct = up.headers["content-type"];
  const isSse = stream && status === 200 && typeof ct === "string" && ct.startsWith("text/event-stream");

  if (!isSse) {
    let buf: Buffer;
    try {
      buf = await collect(up.body, ctx);
    } catch {
      if (ctx.closed) {
        ctx.status = 499;
        ctx.outcome = "client_abort";
        await account(deps, ctx);
        report(deps, ctx);
        return;
      }
      ctx.metrics?.errors("upstream_body");
      await fail(
        deps,
        res,
        ctx,
        new ApiError(502, "api_error", "Upstream response was cut off.", "upstream_error"),
        "upstream_error",
      );
      return;
    }
    // Valid UTF-8 (every JSON answer) goes out as a string: node joins it with the head in one write.
    const text = isUtf8(buf) ? buf.toString("utf8") : null;
    if (status < 300) ctx.usage = extractUsage(text ?? buf.toString("utf8"));
    else ctx.metrics?.errors(`upstream_${status}`);
    const w = account(deps, ctx);
    if (w) await w;
    // One writeHead with a flat list: no per-header setHeader bookkeeping.
    const head: (string | number)[] = ["x-request-id", ctx.requestId, "x-aitk-model", ctx.model];
    if (limitHeaders) for (const k in limitHeaders) head.push(k, limitHeaders[k]!);
    head.push("content-type", typeof ct === "string" ? ct : "application/json", "content-length", buf.length);
    res.writeHead(status, head);
    res.end(text ?? buf);
    deferReport(deps, ctx);
    return;
  }

  res.statusCode = status;
  res.setHeader("x-request-id", ctx.requestId);
  res.setHeader("x-aitk-model", ctx.model);
  if (limitHeaders) for (const k in limitHeaders) res.setHeader(k, limitHeaders[k]!);
  res.setHeader("content-type", "text/event-stream; charset=utf-8");
  res.setHeader("cache-control", "no-cache");
  res.setHeader("x-accel-buffering", "no");
  res.flushHeaders();
  const tap = new SseTap(inject);
  try {
    for await (const c of up.body) {
      if (ctx.ttftMs === null) ctx.ttftMs = Math.round(performance.now() - ctx.t0);
      const out = tap.push(c as Buffer);
      if (out.length > 0) {
        const ok = write(res, out);
        if (ok === false || (ok !== true && !(await ok))) {
          ctx.closed = true;
          break;
        }
      }
    }
    const rest = tap.flush();
    if (rest && !ctx.closed) write(res, rest);
  } catch {
    if (!ctx.closed) {
      ctx.metrics?.errors("upstream_body");
      ctx.outcome = "upstream_error";
    }
  }
  ctx.usage =
    tap.usage ??
    (tap.contentChunks > 0
      ? { promptTokens: ctx.promptEstimate, completionTokens: tap.contentChunks }
      : null);
  if (ctx.closed) {
    ctx.status = 499;
    ctx.outcome = "client_abort";
    up.body.destroy();
  }
  await account(deps, ctx);
  if (!ctx.closed) res.end();
  report(deps, ctx);
}
