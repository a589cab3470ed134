import { randomBytes } from "node:crypto";
import { createRedis, type TPrisma } from "@aitk/db";
import { createQueues } from "@aitk/db/jobs/queues";
import { type TWorkerEnv, ZWorkerEnv } from "../src/env";
import { createLogger } from "../src/logger";
import { startWorker, type TStartWorkerOptions } from "../src/runtime/startWorker";

export const REDIS_URL = "redis://127.0.0.1:6379";

export const uniquePrefix = (name: string) => `t_${name}_${randomBytes(4).toString("hex")}`;

/** The worker environment a test worker runs with (`env` adds or overrides variables). */
export function testEnv(databaseUrl: string, prefix: string, env: Record<string, string> = {}) {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    AITK_QUEUE_PREFIX: prefix,
    LOG_LEVEL: "silent",
    WORKER_SCHEDULES: "false",
    ...env,
  };
}

export function testConfig(
  databaseUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): TWorkerEnv {
  return ZWorkerEnv.parse(testEnv(databaseUrl, prefix, env));
}

export async function startTestWorker(
  prisma: TPrisma,
  databaseUrl: string,
  prefix: string,
  extra: Partial<TStartWorkerOptions> & { env?: Record<string, string> } = {},
) {
  const { env, ...rest } = extra;
  const config = testConfig(databaseUrl, prefix, env);
  return startWorker({
    prisma,
    config,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
    schedules: false,
    abortGraceMs: 1000,
    cancelPollMs: 500,
    ...rest,
  });
}

/** Producer-side handles, as the web app would hold them. */
export function producer(prefix: string) {
  const redis = createRedis(REDIS_URL);
  const queues = createQueues(redis, prefix);
  return {
    redis,
    queues,
    async close() {
      await queues.close();
      await redis.quit();
    },
  };
}

export async function createOrg(prisma: TPrisma) {
  const slug = `org-${randomBytes(4).toString("hex")}`;
  return prisma.organization.create({ data: { name: slug, slug } });
}

export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Deletes every BullMQ key of a test prefix. */
export async function dropPrefix(prefix: string) {
  const redis = createRedis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}
