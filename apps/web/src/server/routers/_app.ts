// The one tRPC router: each domain has its own file in this folder; add yours here.
import { router } from "../trpc/init";
import { accountRouter } from "./account";
import { apiKeysRouter } from "./apiKeys";
import { auditRouter } from "./audit";
import { billingRouter } from "./billing";
import { buildsRouter } from "./builds";
import { compatRouter } from "./compat";
import { deploymentsRouter } from "./deployments";
import { gatewayRouter } from "./gateway";
import { hostsRouter } from "./hosts";
import { jobsRouter } from "./jobs";
import { modelsRouter } from "./models";
import { orgRouter } from "./org";
import { pricesRouter } from "./prices";
import { simulateRouter } from "./simulate";
import { usageRouter } from "./usage";

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
  deployments: deploymentsRouter,
  usage: usageRouter,
  billing: billingRouter,
  prices: pricesRouter,
  gateway: gatewayRouter,
});

export type AppRouter = typeof appRouter;
