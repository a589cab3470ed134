import { cancelBuild } from "../../../../../../server/rest/buildsRoutes";
import { toHandler } from "../../../../../../server/rest/handler";

export const dynamic = "force-dynamic";
export const POST = toHandler(cancelBuild);
