import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Bearer token of the gateway's read-only `GET /internal/endpoints`, derived from the at-rest key that
 * the dashboard and the gateway already share (AITK_SECRET_KEY), so no extra secret has to be managed.
 */
export function gatewayInternalToken(secretKeyHex: string): string {
  return createHash("sha256").update(`aitk-gateway-internal:${secretKeyHex.toLowerCase()}`).digest("hex");
}

export function internalTokenMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
