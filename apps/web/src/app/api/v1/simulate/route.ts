import { toHandler } from "../../../../server/rest/handler";
import { runSimulation } from "../../../../server/rest/simulateRoutes";

export const dynamic = "force-dynamic";
export const POST = toHandler(runSimulation);
