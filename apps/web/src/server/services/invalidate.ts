import type { TDeps } from "../deps";

export const INVALIDATE_CHANNEL = "aitk:invalidate";

/**
 * Tells every gateway replica to drop cached keys/models. A failed publish is logged, not thrown: the
 * database change already happened and gateways also expire their caches on their own.
 */
export async function publishInvalidate(
  deps: TDeps,
  msg: { type: "apiKey" | "models"; orgId: string; id?: string },
): Promise<void> {
  try {
    await deps.redis.publish(INVALIDATE_CHANNEL, JSON.stringify(msg));
  } catch (err) {
    deps.logger.error({ err: (err as Error).message, msg }, "publish aitk:invalidate failed");
  }
}
