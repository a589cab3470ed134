import type { TLimits } from "./rateLimit";

/**
 * Leased rate-limit budgets (pure policy; the counting is the gateway's Redis script).
 *
 * With per-request reservations every request waits for one Redis round trip before it is forwarded.
 * For high limits a gateway replica instead takes a slice of the minute budget (a lease) together with
 * one request's reservation, and admits the next requests from that slice in memory. Every admitted
 * request is still covered by units counted in Redis, so a limit is never exceeded, on any number of
 * replicas. What a lease can cost is the other direction: units a replica holds but no longer needs
 * are not available to the other replicas until the window ends.
 *
 * That is bounded three ways: a slice is a small fraction of the limit (1/64 by default); no slice is
 * ever granted out of the last eighth of a budget, which is always counted request by request, exactly;
 * and limits too small for a slice of at least 2 requests are not leased at all (e.g. the seed's free
 * tier of 10 requests/min, or any limit under 128/min by default).
 */

/** Default share of a minute limit one replica may lease at a time (RATE_LIMIT_LEASE_FRACTION). */
export const LEASE_FRACTION_DEFAULT = 1 / 64;
/** The last 1/LEASE_TAIL_DIVISOR of every budget is never leased (the Lua script applies it). */
export const LEASE_TAIL_DIVISOR = 8;

/** Units per lease: requests and tokens. Infinity: neither key nor org limits that kind. 0: not leased. */
export type TLeaseSize = { req: number; tok: number };

function sliceOf(a: number, b: number, fraction: number): number {
  const limited = [a, b].filter((x) => x > 0);
  if (limited.length === 0) return Number.POSITIVE_INFINITY;
  return Math.floor(Math.min(...limited) * fraction);
}

/** Lease size for a key and its org: a fraction of the tighter limit of each kind. */
export function leaseSize(key: TLimits, org: TLimits, fraction: number): TLeaseSize {
  return { req: sliceOf(key.rpm, org.rpm, fraction), tok: sliceOf(key.tpm, org.tpm, fraction) };
}

/**
 * Whether a request reserving `tokens` is served from leases: only when a slice holds at least two
 * such requests, otherwise leasing would not save a round trip and would only hold budget back.
 */
export function leaseUsable(size: TLeaseSize, tokens: number): boolean {
  return size.req >= 2 && size.tok >= 2 * Math.max(1, tokens);
}

/** The limits a lease was granted under; a changed override invalidates the lease. */
export function limitsSignature(key: TLimits, org: TLimits): string {
  return `${key.rpm}/${key.tpm}/${org.rpm}/${org.tpm}`;
}
