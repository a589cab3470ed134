// Sign-in attempt limits, per account and per client IP, as fixed windows in Redis. Failed attempts
// count; a success clears the account's counter. Checked before the password is verified, so a locked
// account costs no KDF work.
import type { TRedis } from "@aitk/db";

export type TSignInLimits = { perAccount: number; perIp: number; windowSec: number };

export const DEFAULT_SIGNIN_LIMITS: TSignInLimits = { perAccount: 5, perIp: 30, windowSec: 15 * 60 };

const accountKey = (email: string) => `aitk:rl:signin:acct:${email.trim().toLowerCase()}`;
const ipKey = (ip: string) => `aitk:rl:signin:ip:${ip}`;

export type TLimitDecision =
  | { allowed: true }
  | { allowed: false; scope: "account" | "ip"; retryAfterSec: number };

export async function checkSignIn(
  redis: TRedis,
  email: string,
  ip: string | null,
  limits: TSignInLimits = DEFAULT_SIGNIN_LIMITS,
  failMode: "open" | "closed" = "open",
): Promise<TLimitDecision> {
  try {
    const keys = [accountKey(email), ...(ip ? [ipKey(ip)] : [])];
    const counts = await redis.mget(...keys);
    const acct = Number(counts[0] ?? 0);
    if (acct >= limits.perAccount) {
      return { allowed: false, scope: "account", retryAfterSec: await ttl(redis, keys[0]!, limits) };
    }
    if (ip && Number(counts[1] ?? 0) >= limits.perIp) {
      return { allowed: false, scope: "ip", retryAfterSec: await ttl(redis, keys[1]!, limits) };
    }
    return { allowed: true };
  } catch {
    return failMode === "open" ? { allowed: true } : { allowed: false, scope: "ip", retryAfterSec: 60 };
  }
}

async function ttl(redis: TRedis, key: string, limits: TSignInLimits) {
  const t = await redis.ttl(key);
  return t > 0 ? t : limits.windowSec;
}

export async function recordSignInFailure(
  redis: TRedis,
  email: string,
  ip: string | null,
  limits: TSignInLimits = DEFAULT_SIGNIN_LIMITS,
): Promise<void> {
  const m = redis.multi();
  for (const key of [accountKey(email), ...(ip ? [ipKey(ip)] : [])]) {
    m.incr(key);
    // NX: the window starts at the first failure and is not extended by later ones.
    m.expire(key, limits.windowSec, "NX");
  }
  await m.exec().catch(() => undefined);
}

export async function recordSignInSuccess(redis: TRedis, email: string): Promise<void> {
  await redis.del(accountKey(email)).catch(() => 0);
}

export function limitMessage(d: Exclude<TLimitDecision, { allowed: true }>): string {
  const mins = Math.max(1, Math.ceil(d.retryAfterSec / 60));
  return d.scope === "account"
    ? `Too many failed sign-in attempts for this account. Try again in ${mins} minute${mins === 1 ? "" : "s"}.`
    : `Too many sign-in attempts from your network. Try again in ${mins} minute${mins === 1 ? "" : "s"}.`;
}

/**
 * Sign-ups per client IP (fixed window): account creation costs a KDF hash and a new org, so one
 * address cannot mass-create them. Returns the seconds to wait when over the limit, else null.
 */
export async function hitSignUpLimit(
  redis: TRedis,
  ip: string | null,
  limit = 20,
  windowSec = 3600,
): Promise<number | null> {
  // Loopback is the operator's own machine (scripts, tests); the limit is for remote clients.
  if (!ip || ip === "::1" || ip.startsWith("127.") || ip === "::ffff:127.0.0.1") return null;
  const key = `aitk:rl:signup:ip:${ip}`;
  try {
    const res = await redis.multi().incr(key).expire(key, windowSec, "NX").ttl(key).exec();
    const count = Number(res?.[0]?.[1] ?? 0);
    const ttl = Number(res?.[2]?.[1] ?? windowSec);
    return count > limit ? Math.max(1, ttl) : null;
  } catch {
    return null;
  }
}
