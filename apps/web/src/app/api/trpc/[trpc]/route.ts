import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import {
  sessionFromRequest,
  requestedOrgFromRequest,
  ACTIVE_ORG_COOKIE,
} from "../../../../server/auth/session";
import { getDeps } from "../../../../server/deps";
import { clientIp } from "../../../../server/rest/handler";
import { appRouter } from "../../../../server/routers/_app";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async ({ resHeaders }) => ({
      deps: getDeps(),
      session: await sessionFromRequest(req),
      requestedOrgId: requestedOrgFromRequest(req),
      ip: clientIp(req),
      baseUrl: getDeps().publicUrl ?? new URL(req.url).origin,
      setActiveOrg: (orgId: string) =>
        resHeaders.append(
          "set-cookie",
          `${ACTIVE_ORG_COOKIE}=${encodeURIComponent(orgId)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`,
        ),
    }),
  });

export { handler as GET, handler as POST };
