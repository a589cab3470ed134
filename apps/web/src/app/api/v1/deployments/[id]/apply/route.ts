import { applyDeployment } from "../../_routes";
import { toHandler } from "../../../../../../server/rest/handler";

export const dynamic = "force-dynamic";
export const POST = toHandler(applyDeployment);
