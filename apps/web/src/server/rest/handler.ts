// REST adapter: one definition per operation (zod schemas for params/query/body/response, a handler
// over the shared services) turned into a Next route handler. Authentication, input parsing and the
// mapping of errors to HTTP happen here and nowhere else.
import { DomainError } from "@aitk/core/errors";
import type { Role } from "@aitk/db/enums";
import { z } from "zod";
import { getDeps, type TDeps } from "../deps";
import { messageWithField, toDomainError, zodToDomainError } from "../errors";
import { requireRole, type TServiceCtx } from "../services/actor";
import { authenticateApiKey, type TKeyActor } from "./auth";

export type TMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface TRouteDef<
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends z.ZodType,
> {
  method: TMethod;
  /** OpenAPI-style path below /api/v1, e.g. "/jobs/{id}". */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Minimum role the key must act with (read scope = viewer, write = member, admin = admin). */
  minRole: Role;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** HTTP status of a success (default 200). */
  status?: number;
  /** Media type of a success when it is not JSON; the handler then returns a streamed Response. */
  contentType?: string;
  handler: (
    ctx: TServiceCtx & { key: TKeyActor; req: Request },
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
  ) => Promise<z.input<R> | Response>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of route definitions
export type TAnyRouteDef = TRouteDef<any, any, any, any>;

export const defineRoute = <
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends z.ZodType,
>(
  def: TRouteDef<P, Q, B, R>,
) => def;

export const ZErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export function errorResponse(e: DomainError, requestId?: string): Response {
  const { field, ...rest } = e.details;
  const body = {
    error: {
      code: e.code,
      message: messageWithField(e),
      ...(typeof field === "string" ? { field } : {}),
      ...(Object.keys(rest).length ? { details: rest } : {}),
    },
  };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (requestId) headers["x-request-id"] = requestId;
  if (e.code === "UNAUTHORIZED") headers["www-authenticate"] = 'Bearer realm="aitk"';
  return new Response(JSON.stringify(body), { status: e.httpStatus, headers });
}

/**
 * The client address for limits and audit. Next keeps an incoming X-Forwarded-For as-is (and sets it to
 * the socket address when absent), so the LAST entry is the one our own reverse proxy appended; entries
 * before it are whatever the client sent. Serve the dashboard on loopback behind such a proxy.
 */
export function clientIp(req: Request): string | null {
  return lastForwardedFor(req.headers.get("x-forwarded-for")) ?? req.headers.get("x-real-ip");
}

export function lastForwardedFor(value: string | null | undefined): string | null {
  if (!value) return null;
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  return parts[parts.length - 1] ?? null;
}

async function readBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  const type = req.headers.get("content-type") ?? "";
  if (type && !type.includes("json")) {
    throw new DomainError("VALIDATION", "body: send JSON with `Content-Type: application/json`", {
      field: "body",
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError("VALIDATION", `body: invalid JSON (${(e as Error).message})`, { field: "body" });
  }
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, part: string): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const r = schema.safeParse(value);
  if (!r.success) throw zodToDomainError(r.error, part === "body" ? undefined : part);
  return r.data;
}

type TNextCtx = { params: Promise<Record<string, string | string[]>> };

/** Turns a route definition into a Next App Router handler: `export const GET = toHandler(routes.x)`. */
export function toHandler(def: TAnyRouteDef, depsOverride?: () => TDeps) {
  return async (req: Request, nextCtx?: TNextCtx): Promise<Response> => {
    const deps = (depsOverride ?? getDeps)();
    const requestId = req.headers.get("x-request-id") ?? crypto.randomUUID();
    const log = deps.logger.child({ requestId, route: `${def.method} ${def.path}` });
    const ip = clientIp(req);
    const t0 = performance.now();
    const done = (status: number, extra: Record<string, unknown> = {}) =>
      log.info({ status, ms: Math.round(performance.now() - t0), ip, ...extra }, "api request");
    try {
      const key = await authenticateApiKey(deps, req, ip);
      const svc: TServiceCtx = { deps, actor: key };
      requireRole(key, def.minRole);
      const url = new URL(req.url);
      const rawParams = (await nextCtx?.params) ?? {};
      const params = parsePart(def.params, rawParams, "params");
      const query = parsePart(def.query, Object.fromEntries(url.searchParams), "query");
      const body = def.body ? parsePart(def.body, await readBody(req), "body") : undefined;
      const out = await def.handler({ ...svc, key, req }, { params, query, body });
      done(def.status ?? 200, { orgId: key.orgId, apiKeyId: key.apiKeyId });
      if (out instanceof Response) {
        out.headers.set("x-request-id", requestId);
        return out;
      }
      return new Response(def.status === 204 ? null : JSON.stringify(out), {
        status: def.status ?? 200,
        headers: { "content-type": "application/json", "x-request-id": requestId },
      });
    } catch (e) {
      const d = toDomainError(e);
      if (d) {
        if (d.httpStatus >= 500) log.warn({ code: d.code, msg: d.message }, "request failed");
        done(d.httpStatus, { code: d.code });
        return errorResponse(d, requestId);
      }
      log.error({ err: (e as Error).message, stack: (e as Error).stack }, "unhandled error");
      return new Response(
        JSON.stringify({
          error: { code: "INTERNAL", message: `internal error (request ${requestId}); see the server log` },
        }),
        { status: 500, headers: { "content-type": "application/json", "x-request-id": requestId } },
      );
    }
  };
}
