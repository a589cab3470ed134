import { toHandler } from "../../../../server/rest/handler";
import { getUsage } from "../../../../server/rest/usageRoutes";

export const dynamic = "force-dynamic";
export const GET = toHandler(getUsage);
