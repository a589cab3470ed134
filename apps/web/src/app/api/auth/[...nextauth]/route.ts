import NextAuth from "next-auth";
import { getAuthOptions } from "../../../../server/auth/options";
import { getDeps } from "../../../../server/deps";
import { clientIp } from "../../../../server/rest/handler";
import { checkSignIn, limitMessage } from "../../../../server/services/signInLimiter";

export const dynamic = "force-dynamic";

type TCtx = { params: Promise<{ nextauth: string[] }> };

const handle = (req: Request, ctx: TCtx) =>
  NextAuth(req as never, ctx as never, getAuthOptions()) as Promise<Response>;

export const GET = handle;

/**
 * Credential sign-ins pass the per-account / per-IP limit first, so a locked account answers a plain
 * 429 with a readable message (and costs no password hashing).
 */
export async function POST(req: Request, ctx: TCtx) {
  const { nextauth } = await ctx.params;
  if (nextauth[0] === "callback" && nextauth[1] === "credentials") {
    const form = await req
      .clone()
      .formData()
      .catch(() => null);
    const email = String(form?.get("email") ?? "")
      .trim()
      .toLowerCase();
    if (email) {
      const deps = getDeps();
      const decision = await checkSignIn(deps.redis, email, clientIp(req), undefined, deps.rateLimitFailMode);
      if (!decision.allowed) {
        deps.logger.warn({ email, ip: clientIp(req), scope: decision.scope }, "sign-in rate limited");
        return Response.json(
          { error: { code: "RATE_LIMITED", message: limitMessage(decision) } },
          { status: 429, headers: { "retry-after": String(decision.retryAfterSec) } },
        );
      }
    }
  }
  return handle(req, ctx);
}
