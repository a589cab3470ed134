import { createBuild, listBuilds } from "../../../../server/rest/buildsRoutes";
import { toHandler } from "../../../../server/rest/handler";

export const dynamic = "force-dynamic";
export const GET = toHandler(listBuilds);
export const POST = toHandler(createBuild);
