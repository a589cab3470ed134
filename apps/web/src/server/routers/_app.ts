// The one tRPC router: each domain has its own file in this folder; add yours here.
import { router } from "../trpc/init";
import { accountRouter } from "./account";
import { apiKeysRouter } from "./apiKeys";
import { auditRouter } from "./audit";
import { buildsRouter } from "./builds";
import { compatRouter } from "./compat";
import { hostsRouter } from "./hosts";
import { jobsRouter } from "./jobs";
import { modelsRouter } from "./models";
import { orgRouter } from "./org";
import { simulateRouter } from "./simulate";

export const appRouter = router({
  account: accountRouter,
  org: orgRouter,
  apiKeys: apiKeysRouter,
  hosts: hostsRouter,
  jobs: jobsRouter,
  models: modelsRouter,
  audit: auditRouter,
  simulate: simulateRouter,
  builds: buildsRouter,
  compat: compatRouter,
});

export type AppRouter = typeof appRouter;
