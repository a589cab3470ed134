import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { addressAllowed, classifyAddress, type TUpstreamPolicy } from "@aitk/core/gateway/ssrf";
import { type Dispatcher, Pool } from "undici";
import type { TUpstreamBody } from "../proxy/h1/body";
import {
  H1Pool,
  type TUpstreamClient,
  type TUpstreamRequest,
  type TUpstreamResponse,
} from "../proxy/h1/pool";

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

/** undici's body behind the interface the gateway reads upstream bodies through. */
function undiciBody(b: Dispatcher.ResponseData["body"]): TUpstreamBody {
  return {
    consume(data, end, error) {
      b.on("data", data);
      b.once("end", end);
      b.once("error", error);
    },
    dump: () =>
      b.dump().then(
        () => {},
        () => {},
      ),
    destroy: () => {
      b.destroy();
    },
    [Symbol.asyncIterator]: () => b[Symbol.asyncIterator]() as AsyncIterator<Buffer>,
  };
}

/** HTTPS upstreams (and `GATEWAY_UPSTREAM_CLIENT=undici`): an undici Pool. */
class UndiciClient implements TUpstreamClient {
  constructor(private readonly pool: Pool) {}

  async request(req: TUpstreamRequest): Promise<TUpstreamResponse> {
    const r = await this.pool.request({
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: req.signal as never,
    });
    return { statusCode: r.statusCode, headers: r.headers, body: undiciBody(r.body) };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * One keep-alive client per (upstream origin, SSRF policy), shared by every endpoint on that origin, never
 * re-created per request; idle connections are kept for 30 s. Plain-HTTP origins get the gateway's own
 * HTTP/1.1 client (`src/proxy/h1`), HTTPS origins an undici Pool; `GATEWAY_UPSTREAM_CLIENT=undici` uses
 * undici for both.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, TUpstreamClient>();

  constructor(
    private readonly connections: number,
    private readonly timeoutMs: number,
    private readonly client: "h1" | "undici" = "h1",
  ) {}

  get(origin: string, policy: TUpstreamPolicy): TUpstreamClient {
    const id = `${policy.allowPrivateUpstreams ? 1 : 0}${policy.allowLoopbackUpstreams ? 1 : 0}|${origin}`;
    let p = this.pools.get(id);
    if (!p) {
      const lookup = guardedLookup(policy);
      p =
        this.client === "h1" && origin.startsWith("http:")
          ? new H1Pool(origin, {
              connections: this.connections,
              keepAliveTimeoutMs: 30_000,
              headersTimeoutMs: this.timeoutMs,
              bodyTimeoutMs: this.timeoutMs,
              connectTimeoutMs: 5_000,
              lookup: lookup as never,
            })
          : new UndiciClient(
              new Pool(origin, {
                connections: this.connections,
                pipelining: 1,
                keepAliveTimeout: 30_000,
                keepAliveMaxTimeout: 600_000,
                headersTimeout: this.timeoutMs,
                bodyTimeout: this.timeoutMs,
                connect: { timeout: 5_000, lookup: lookup as never },
              }),
            );
      this.pools.set(id, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => {})));
    this.pools.clear();
  }
}
