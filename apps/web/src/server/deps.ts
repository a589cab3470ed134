// Process-wide connections of the web app, created once on first use. Route handlers and tRPC take
// them from here; tests build their own TDeps against a test database and install them with setDeps.
import { parseStripeConfig, type TStripeConfig } from "@aitk/core/billing/stripeConfig";
import { createPrisma, createRedis, type TPrisma, type TRedis } from "@aitk/db";
import { createQueues, type TQueues } from "@aitk/db/jobs/queues";
import type pino from "pino";
import { getEnv } from "../env";
import { getLogger } from "./logger";

export interface TDeps {
  prisma: TPrisma;
  /** Command connection (never used for blocking reads). */
  redis: TRedis;
  queues: TQueues;
  /** AES-256-GCM key (hex) for secrets at rest. */
  secretKeyHex: string;
  logger: pino.Logger;
  /** Base URL used in links we hand out (invites), e.g. http://127.0.0.1:3000. */
  publicUrl: string | null;
  dockerSocket: string;
  gatewayUrl: string;
  smtpConfigured: boolean;
  rateLimitFailMode: "open" | "closed";
  /** Organizations may register this machine's Docker engine (unix socket / loopback). */
  allowLocalHosts: boolean;
  /** Stripe settings (null or absent = billing sync off); see services/billing.ts. */
  stripe?: TStripeConfig | null;
}

const globalForDeps = globalThis as unknown as { __aitkWebDeps?: TDeps };

export function getDeps(): TDeps {
  if (!globalForDeps.__aitkWebDeps) {
    const env = getEnv();
    const logger = getLogger();
    if (env.usingDevSecretKey) logger.warn("AITK_SECRET_KEY is not set: using the fixed development key");
    const redis = createRedis(env.REDIS_URL);
    redis.on("error", (err) => logger.error({ err: err.message }, "redis error"));
    globalForDeps.__aitkWebDeps = {
      prisma: createPrisma(env.DATABASE_URL),
      redis,
      queues: createQueues(redis, env.AITK_QUEUE_PREFIX),
      secretKeyHex: env.AITK_SECRET_KEY,
      logger,
      publicUrl: env.NEXTAUTH_URL ?? null,
      dockerSocket: env.DOCKER_SOCKET,
      gatewayUrl: env.GATEWAY_PUBLIC_URL,
      smtpConfigured: Boolean(env.SMTP_URL),
      rateLimitFailMode: env.RATE_LIMIT_FAIL_MODE,
      allowLocalHosts: env.AITK_ALLOW_LOCAL_HOSTS,
      stripe: parseStripeConfig({
        secretKey: env.STRIPE_SECRET_KEY,
        apiBase: env.STRIPE_API_BASE,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      }),
    };
  }
  return globalForDeps.__aitkWebDeps;
}

/** Tests install deps bound to their own database, Redis prefix and logger. */
export function setDeps(deps: TDeps | undefined): void {
  globalForDeps.__aitkWebDeps = deps;
}
