// tRPC setup: context, the one error mapping, and the procedure ladder
// public → authed (signed in) → org (member of the active org; ctx.actor) → admin.
import { DomainError, type TDomainErrorCode } from "@aitk/core/errors";
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import type { TDeps } from "../deps";
import { messageWithField, toDomainError, zodToDomainError } from "../errors";
import { requireRole, type TActor, type TServiceCtx } from "../services/actor";
import { resolveMembership } from "../services/org";

export interface TTrpcContext {
  deps: TDeps;
  /** The signed-in user (from the next-auth JWT), or null. */
  session: { userId: string; email: string } | null;
  /** The org the client asked for (cookie); checked against memberships on every call. */
  requestedOrgId: string | null;
  ip: string | null;
  /** Base URL of this dashboard, for links we hand out. */
  baseUrl: string;
  /** Sets the active-org cookie on the response (absent in direct callers such as tests). */
  setActiveOrg?: (orgId: string) => void;
}

const TRPC_CODE: Record<TDomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PRECONDITION: "PRECONDITION_FAILED",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

export const domainToTrpc = (d: DomainError) =>
  new TRPCError({ code: TRPC_CODE[d.code], message: messageWithField(d), cause: d });

const t = initTRPC.context<TTrpcContext>().create({
  // The client gets the field and domain code next to the message, so forms can mark the field.
  errorFormatter({ shape, error }) {
    let domain: DomainError | null = null;
    if (error.cause instanceof DomainError) domain = error.cause;
    else if (error.cause instanceof z.ZodError) domain = zodToDomainError(error.cause);
    return {
      ...shape,
      message: domain
        ? messageWithField(domain)
        : shape.data.code === "INTERNAL_SERVER_ERROR"
          ? "internal error"
          : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        domainCode: domain?.code ?? null,
        field: (domain?.details.field as string | undefined) ?? null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** The single place where service errors become tRPC errors; unknown errors are logged with the path. */
const errorMapping = t.middleware(async ({ ctx, next, path, type }) => {
  const res = await next();
  if (!res.ok) {
    const cause = res.error.cause;
    // Input validation failures: same shape as domain validation errors (message names the field).
    if (res.error.code === "BAD_REQUEST" && cause instanceof z.ZodError) {
      return { ...res, error: domainToTrpc(zodToDomainError(cause)) } as typeof res;
    }
    if (res.error.code === "INTERNAL_SERVER_ERROR" && cause) {
      const d = toDomainError(cause);
      if (d) return { ...res, error: domainToTrpc(d) } as typeof res;
      ctx.deps.logger.error({ path, type, err: cause.message, stack: cause.stack }, "trpc procedure failed");
    }
  }
  return res;
});

export const publicProcedure = t.procedure.use(errorMapping);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

export const orgProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const m = await resolveMembership(ctx.deps, ctx.session.userId, ctx.requestedOrgId);
  if (!m) throw new TRPCError({ code: "FORBIDDEN", message: "you are not a member of any organization" });
  const actor: TActor = {
    orgId: m.orgId,
    role: m.role,
    userId: ctx.session.userId,
    apiKeyId: null,
    ip: ctx.ip,
  };
  const svc: TServiceCtx = { deps: ctx.deps, actor };
  return next({ ctx: { ...ctx, actor, svc } });
});

export const adminProcedure = orgProcedure.use(({ ctx, next }) => {
  try {
    requireRole(ctx.actor, "admin");
  } catch (e) {
    throw domainToTrpc(e as DomainError);
  }
  return next();
});
