import type { TRedis } from "@aitk/db";

/** Deletes this test's Redis keys (all under `prefix`) and closes the connection; a no-op before setup. */
export async function closeRedis(redis: TRedis | undefined, prefix: string): Promise<void> {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
