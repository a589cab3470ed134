import { toHandler } from "../../../../../../server/rest/handler";
import * as routes from "../../../../../../server/rest/routes";

export const dynamic = "force-dynamic";
export const POST = toHandler(routes.checkHost);
