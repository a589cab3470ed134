import { toHandler } from "../../../../server/rest/handler";
import { listSimulations, startSimulation } from "../../../../server/rest/simulateRoutes";

export const dynamic = "force-dynamic";
export const GET = toHandler(listSimulations);
export const POST = toHandler(startSimulation);
