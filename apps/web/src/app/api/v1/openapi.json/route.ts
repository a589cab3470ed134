import { getEnv } from "../../../../env";
import { buildOpenApi } from "../../../../server/rest/openapi";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  const origin = getEnv().NEXTAUTH_URL?.replace(/\/$/, "") ?? new URL(req.url).origin;
  return Response.json(buildOpenApi(`${origin}/api/v1`));
}
