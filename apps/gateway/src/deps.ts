import type { TPrisma, TRedis } from "@aitk/db";
import type { KeyCache } from "./auth/keys";
import type { TGatewayEnv } from "./env";
import type { LedgerWriter } from "./ledger/writer";
import type { RateLimiter } from "./limits/limiter";
import type { TAccessLine, TLogger } from "./obs/log";
import type { GatewayMetrics } from "./obs/metrics";
import type { UpstreamPools } from "./routing/pools";
import type { ModelRegistry } from "./routing/registry";

/** Everything a request handler needs; built once in createGateway. */
export type TGatewayDeps = {
  env: TGatewayEnv;
  prisma: TPrisma;
  redis: TRedis;
  log: TLogger;
  /** The per-request access line (hand-serialised; see createAccessLog). */
  accessLog: (l: TAccessLine) => void;
  metrics: GatewayMetrics;
  keys: KeyCache;
  limiter: RateLimiter;
  registry: ModelRegistry;
  ledger: LedgerWriter;
  pools: UpstreamPools;
};
