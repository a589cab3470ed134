import type { IncomingMessage } from "node:http";
import { ApiError } from "../http/errors";
import type { KeyCache, TKeyInfo } from "./keys";
import { hashKey } from "./keys";

const INFERENCE_SCOPES = ["inference", "*", "all"];

function mask(key: string): string {
  return key.length <= 12 ? "***" : `${key.slice(0, 8)}***${key.slice(-4)}`;
}

function check(info: TKeyInfo | null, key: string, now: number): TKeyInfo {
  if (!info) {
    throw new ApiError(
      401,
      "invalid_request_error",
      `Incorrect API key provided: ${mask(key)}.`,
      "invalid_api_key",
    );
  }
  if (info.revoked)
    throw new ApiError(401, "invalid_request_error", "This API key has been revoked.", "invalid_api_key");
  if (info.expiresAtMs !== null && info.expiresAtMs <= now) {
    throw new ApiError(401, "invalid_request_error", "This API key has expired.", "expired_api_key");
  }
  if (!INFERENCE_SCOPES.some((s) => info.scopes.has(s))) {
    throw new ApiError(
      403,
      "permission_error",
      "This API key lacks the 'inference' scope.",
      "insufficient_scope",
    );
  }
  return info;
}

/**
 * Bearer key → key + org. Sync when cached (returns the info), else a promise; invalid keys throw a
 * 401 ApiError, keys without the inference scope a 403.
 */
export function authenticate(req: IncomingMessage, keys: KeyCache): TKeyInfo | Promise<TKeyInfo> {
  const h = req.headers.authorization;
  if (!h || h.length < 8 || !/^bearer /i.test(h)) {
    throw new ApiError(
      401,
      "invalid_request_error",
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "missing_api_key",
    );
  }
  const key = h.slice(7).trim();
  if (key.length === 0 || key.length > 256) {
    throw new ApiError(401, "invalid_request_error", "Incorrect API key provided.", "invalid_api_key");
  }
  const hash = hashKey(key);
  const now = Date.now();
  const cached = keys.peek(hash, now);
  if (cached !== undefined) {
    const ok = check(cached, key, now);
    keys.markUsed(ok.id);
    return ok;
  }
  return keys.load(hash).then(
    (info) => {
      const ok = check(info, key, Date.now());
      keys.markUsed(ok.id);
      return ok;
    },
    (err) => {
      throw new ApiError(
        503,
        "api_error",
        `Key lookup failed: ${(err as Error).message}`,
        "auth_unavailable",
      );
    },
  );
}
