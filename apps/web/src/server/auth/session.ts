import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { getEnv } from "../../env";

export const ACTIVE_ORG_COOKIE = "aitk_org";

export type TSessionUser = { userId: string; email: string };

const sessionCookieName = () =>
  getEnv().NEXTAUTH_URL?.startsWith("https://")
    ? "__Secure-next-auth.session-token"
    : "next-auth.session-token";

/** The signed-in user from the next-auth JWT cookie of a request, or null. */
export async function sessionFromRequest(req: Request): Promise<TSessionUser | null> {
  const cookieHeader = req.headers.get("cookie") ?? "";
  const cookieMap = Object.fromEntries(
    cookieHeader
      .split(";")
      .map((c) => c.trim())
      .filter(Boolean)
      .map((c) => {
        const i = c.indexOf("=");
        return [c.slice(0, i), decodeURIComponent(c.slice(i + 1))];
      }),
  );
  const token = await getToken({
    req: { headers: Object.fromEntries(req.headers), cookies: cookieMap } as never,
    secret: getEnv().NEXTAUTH_SECRET,
    cookieName: sessionCookieName(),
  });
  return tokenToSession(token);
}

function tokenToSession(token: { userId?: unknown; email?: unknown } | null): TSessionUser | null {
  if (!token?.userId || typeof token.userId !== "string") return null;
  return { userId: token.userId, email: String(token.email ?? "") };
}

/** Same, inside a server component or route handler (reads next/headers). */
export async function currentSession(): Promise<TSessionUser | null> {
  const c = await cookies();
  return tokenToSession(
    await getToken({
      req: { headers: {}, cookies: Object.fromEntries(c.getAll().map((x) => [x.name, x.value])) } as never,
      secret: getEnv().NEXTAUTH_SECRET,
      cookieName: sessionCookieName(),
    }),
  );
}

export function requestedOrgFromRequest(req: Request): string | null {
  const m = /(?:^|;\s*)aitk_org=([^;]+)/.exec(req.headers.get("cookie") ?? "");
  return m ? decodeURIComponent(m[1]!) : null;
}

export async function requestedOrgFromCookies(): Promise<string | null> {
  return (await cookies()).get(ACTIVE_ORG_COOKIE)?.value ?? null;
}
