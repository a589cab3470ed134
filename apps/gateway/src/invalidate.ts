import type { TRedis } from "@aitk/db";
import type { KeyCache } from "./auth/keys";
import type { TLogger } from "./obs/log";
import type { ModelRegistry } from "./routing/registry";

export const INVALIDATE_CHANNEL = "aitk:invalidate";

/**
 * Subscribes to `aitk:invalidate` ({ type: "apiKey"|"models", orgId, id? }) and drops cached keys or
 * reloads an org's models at once. On (re)connect everything is dropped, since messages sent while
 * disconnected are lost.
 */
export async function subscribeInvalidations(
  sub: TRedis,
  prefix: string,
  keys: KeyCache,
  registry: ModelRegistry,
  log: TLogger,
): Promise<void> {
  const channel = prefix + INVALIDATE_CHANNEL;
  sub.on("message", (ch: string, msg: string) => {
    if (ch !== channel) return;
    let m: { type?: string; orgId?: string; id?: string };
    try {
      m = JSON.parse(msg);
    } catch {
      log.warn({ msg }, "bad invalidation message");
      return;
    }
    if (m.type === "apiKey" || m.type === "org")
      keys.invalidate(m.orgId, m.type === "apiKey" ? m.id : undefined);
    if (m.type === "models" || m.type === "org") registry.invalidate(m.orgId);
    if (m.type !== "apiKey" && m.type !== "models" && m.type !== "org") {
      keys.invalidate();
      registry.invalidate();
    }
    log.debug({ type: m.type, orgId: m.orgId }, "invalidated");
  });
  let first = true;
  sub.on("ready", () => {
    if (first) {
      first = false;
      return;
    }
    keys.invalidate();
    registry.invalidate();
  });
  await sub.subscribe(channel);
}
