import { replicaLogs } from "../../../../_routes";
import { toHandler } from "../../../../../../../../server/rest/handler";

export const dynamic = "force-dynamic";
export const GET = toHandler(replicaLogs);
