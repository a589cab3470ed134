import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { addressAllowed, classifyAddress, type TUpstreamPolicy } from "@aitk/core/gateway/ssrf";
import { Pool } from "undici";

type TLookupCb = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for sockets that re-applies the org's SSRF policy at connect time, so a host that passed
 * the check at registration cannot later be re-pointed (DNS rebinding) at a private or metadata address.
 */
function guardedLookup(policy: TUpstreamPolicy) {
  return (hostname: string, options: { all?: boolean }, cb: TLookupCb): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => !addressAllowed(classifyAddress(a.address), policy));
      if (bad) {
        const e = new Error(
          `upstream ${hostname} resolved to refused address ${bad.address}`,
        ) as NodeJS.ErrnoException;
        e.code = "ECONNREFUSED";
        return cb(e, []);
      }
      if (options.all) cb(null, list);
      else cb(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * One keep-alive undici Pool per (upstream origin, SSRF policy), shared by every endpoint on that
 * origin. Pools are never re-created per request; idle sockets are kept for 30 s.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly connections: number,
    private readonly timeoutMs: number,
  ) {}

  get(origin: string, policy: TUpstreamPolicy): Pool {
    const id = `${policy.allowPrivateUpstreams ? 1 : 0}${policy.allowLoopbackUpstreams ? 1 : 0}|${origin}`;
    let p = this.pools.get(id);
    if (!p) {
      p = new Pool(origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connect: { timeout: 5_000, lookup: guardedLookup(policy) as never },
      });
      this.pools.set(id, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => {})));
    this.pools.clear();
  }
}
