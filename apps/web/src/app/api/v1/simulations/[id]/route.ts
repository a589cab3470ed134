import { toHandler } from "../../../../../server/rest/handler";
import { getSimulation } from "../../../../../server/rest/simulateRoutes";

export const dynamic = "force-dynamic";
export const GET = toHandler(getSimulation);
