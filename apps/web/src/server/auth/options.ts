import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getEnv } from "../../env";
import { getDeps } from "../deps";
import { lastForwardedFor } from "../rest/handler";
import { verifyCredentials } from "../services/account";
import { recordSignInFailure, recordSignInSuccess } from "../services/signInLimiter";

export const SIGN_IN_PATH = "/sign-in";

function ipOf(headers: Record<string, unknown> | undefined): string | null {
  const fwd = headers?.["x-forwarded-for"];
  const last = typeof fwd === "string" ? lastForwardedFor(fwd) : null;
  if (last) return last;
  const real = headers?.["x-real-ip"];
  return typeof real === "string" && real ? real : null;
}

let cached: NextAuthOptions | undefined;

/** next-auth v4: e-mail + password (scrypt), stateless JWT sessions carrying the user id. */
export function getAuthOptions(): NextAuthOptions {
  if (cached) return cached;
  cached = {
    secret: getEnv().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        // The per-account/per-IP limit is checked before this runs (route wrapper → 429); here the
        // outcome is counted.
        async authorize(credentials, req) {
          const email = credentials?.email?.trim().toLowerCase() ?? "";
          const password = credentials?.password ?? "";
          if (!email || !password) return null;
          const deps = getDeps();
          const ip = ipOf(req?.headers as Record<string, unknown> | undefined);
          const user = await verifyCredentials(deps, email, password);
          if (!user) {
            await recordSignInFailure(deps.redis, email, ip);
            deps.logger.info({ email, ip }, "sign-in failed");
            return null;
          }
          await recordSignInSuccess(deps.redis, email);
          deps.logger.info({ userId: user.id, ip }, "signed in");
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.userId = user.id;
          token.email = user.email;
        }
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          user: { ...session.user, id: token.userId as string, email: token.email ?? null },
        };
      },
    },
  };
  return cached;
}
