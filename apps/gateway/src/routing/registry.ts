import { checkUpstreamUrl, type TResolve, type TUpstreamPolicy } from "@aitk/core/gateway/ssrf";
import type { TPrisma } from "@aitk/db";
import type { TUpstreamClient } from "../proxy/h1/pool";
import type { TLogger } from "../obs/log";
import type { UpstreamPools } from "./pools";

export type TEndpointState = {
  id: string;
  /** Base URL as registered, e.g. http://127.0.0.1:8081/v1 */
  url: string;
  origin: string;
  /** Path prefix of the base URL without trailing slash, e.g. "/v1". */
  basePath: string;
  upstreamModel: string | null;
  /** "Bearer …" header value, or null. */
  authorization: string | null;
  weight: number;
  healthyDb: boolean;
  /** Passive health: connect errors / 5xx mark the endpoint down until this time. */
  downUntil: number;
  outstanding: number;
  blockedReason: string | null;
  pool: TUpstreamClient;
};

export type TModelRoute = {
  id: string;
  name: string;
  kind: string;
  tier: number;
  createdAt: number;
  endpoints: TEndpointState[];
};

export type TOrgModels = {
  loadedAt: number;
  byName: Map<string, TModelRoute>;
  list: TModelRoute[];
  policy: TUpstreamPolicy;
};

/**
 * Model name → endpoints, per org, loaded from the database on first use and cached. Refreshed when the
 * web app publishes a `models` invalidation (≤ 1 s), every `refreshMs` in the background, and on a miss
 * for an unknown model if the cache is older than 1 s — so a newly registered upstream is routable
 * within 2 s even if a pub/sub message was lost. Endpoint URLs are re-checked against SSRF policy at
 * every load; refused ones stay listed (with the reason) but never receive traffic. Passive health
 * state (down-until, outstanding counts) survives reloads by endpoint id.
 */
export class ModelRegistry {
  private readonly orgs = new Map<string, TOrgModels>();
  private readonly loading = new Map<string, Promise<TOrgModels>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: TPrisma,
    private readonly pools: UpstreamPools,
    private readonly resolve: TResolve,
    private readonly log: TLogger,
    private readonly decrypt: ((enc: string) => string) | null,
    private readonly refreshMs: number,
  ) {}

  startRefresh(): void {
    if (this.refreshMs <= 0) return;
    this.timer = setInterval(
      () => {
        for (const [orgId, m] of this.orgs) {
          if (Date.now() - m.loadedAt >= this.refreshMs) void this.reload(orgId, m.policy).catch(() => {});
        }
      },
      Math.min(this.refreshMs, 5_000),
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  peek(orgId: string): (TOrgModels & { policy?: TUpstreamPolicy }) | undefined {
    return this.orgs.get(orgId);
  }

  /** Cached routes of an org; reloaded when missing or loaded under a different SSRF policy. */
  get(orgId: string, policy: TUpstreamPolicy): Promise<TOrgModels> | TOrgModels {
    const m = this.orgs.get(orgId);
    if (
      m &&
      m.policy.allowPrivateUpstreams === policy.allowPrivateUpstreams &&
      m.policy.allowLoopbackUpstreams === policy.allowLoopbackUpstreams
    ) {
      return m;
    }
    return this.reload(orgId, policy);
  }

  invalidate(orgId?: string): void {
    if (!orgId) {
      for (const [id, m] of this.orgs)
        void this.reload(id, (m as TOrgModels & { policy: TUpstreamPolicy }).policy).catch(() => {});
      return;
    }
    const m = this.orgs.get(orgId) as (TOrgModels & { policy: TUpstreamPolicy }) | undefined;
    if (m) void this.reload(orgId, m.policy).catch(() => {});
  }

  /** Every endpoint state of every cached org (for the health listing). */
  all(): Map<string, TOrgModels> {
    return this.orgs;
  }

  reload(orgId: string, policy: TUpstreamPolicy): Promise<TOrgModels> {
    let p = this.loading.get(orgId);
    if (p) return p;
    p = this.load(orgId, policy).finally(() => this.loading.delete(orgId));
    this.loading.set(orgId, p);
    return p;
  }

  private async load(orgId: string, policy: TUpstreamPolicy): Promise<TOrgModels> {
    const rows = await this.prisma.servedModel.findMany({
      where: { orgId, enabled: true },
      select: {
        id: true,
        name: true,
        kind: true,
        tier: true,
        createdAt: true,
        endpoints: {
          select: {
            id: true,
            url: true,
            upstreamModel: true,
            upstreamApiKeyEnc: true,
            weight: true,
            healthy: true,
          },
        },
      },
      orderBy: { name: "asc" },
    });
    const previous = new Map<string, TEndpointState>();
    for (const m of this.orgs.get(orgId)?.list ?? []) for (const e of m.endpoints) previous.set(e.id, e);
    const byName = new Map<string, TModelRoute>();
    const list: TModelRoute[] = [];
    for (const r of rows) {
      const endpoints: TEndpointState[] = [];
      for (const e of r.endpoints) {
        let blockedReason: string | null = null;
        let origin = "";
        let basePath = "";
        const check = await checkUpstreamUrl(e.url, policy, this.resolve);
        if (!check.ok) blockedReason = check.reason;
        else {
          const u = new URL(e.url);
          origin = u.origin;
          basePath = u.pathname.replace(/\/+$/, "");
        }
        let authorization: string | null = null;
        if (e.upstreamApiKeyEnc) {
          if (!this.decrypt) blockedReason ??= "upstream key stored but AITK_SECRET_KEY is not set";
          else {
            try {
              authorization = `Bearer ${this.decrypt(e.upstreamApiKeyEnc)}`;
            } catch {
              blockedReason ??= "upstream key cannot be decrypted with AITK_SECRET_KEY";
            }
          }
        }
        if (blockedReason)
          this.log.warn(
            { endpointId: e.id, model: r.name, orgId, reason: blockedReason },
            "endpoint refused",
          );
        const prev = previous.get(e.id);
        endpoints.push({
          id: e.id,
          url: e.url,
          origin,
          basePath,
          upstreamModel: e.upstreamModel,
          authorization,
          weight: e.weight,
          healthyDb: e.healthy,
          downUntil: prev?.downUntil ?? 0,
          outstanding: prev?.outstanding ?? 0,
          blockedReason,
          pool: (blockedReason ? null : this.pools.get(origin, policy)) as TUpstreamClient,
        });
        // Keep counting on the old object for requests still in flight.
        if (prev) endpoints[endpoints.length - 1] = Object.assign(prev, endpoints[endpoints.length - 1]);
      }
      const route: TModelRoute = {
        id: r.id,
        name: r.name,
        kind: r.kind,
        tier: r.tier,
        createdAt: r.createdAt.getTime(),
        endpoints,
      };
      byName.set(r.name, route);
      list.push(route);
    }
    const out = { loadedAt: Date.now(), byName, list, policy };
    this.orgs.set(orgId, out);
    return out;
  }
}

/**
 * Power-of-two-choices on weight: draw two endpoints with probability ∝ weight, keep the one with fewer
 * requests in flight. At low load this honours canary weights exactly; under load it balances by
 * outstanding requests. Endpoints down (passively), unhealthy in the DB, drained (weight 0) or refused
 * by SSRF policy are skipped; if every live endpoint is down, the down ones are tried anyway.
 */
export function pickEndpoint(
  route: TModelRoute,
  exclude: ReadonlySet<string> | null,
  now: number,
): TEndpointState | undefined {
  let total = 0;
  let candidates: TEndpointState[] = [];
  for (const e of route.endpoints) {
    if (e.blockedReason || e.weight <= 0 || !e.healthyDb || e.downUntil > now || exclude?.has(e.id)) continue;
    candidates.push(e);
    total += e.weight;
  }
  if (candidates.length === 0) {
    for (const e of route.endpoints) {
      if (e.blockedReason || e.weight <= 0 || exclude?.has(e.id)) continue;
      candidates.push(e);
      total += e.weight;
    }
  }
  if (candidates.length <= 1) return candidates[0];
  const draw = (): TEndpointState => {
    let x = Math.random() * total;
    for (const e of candidates) {
      x -= e.weight;
      if (x < 0) return e;
    }
    return candidates[candidates.length - 1]!;
  };
  const a = draw();
  let b = draw();
  if (b === a) {
    candidates = candidates.filter((e) => e !== a);
    b = candidates[Math.floor(Math.random() * candidates.length)]!;
  }
  return b.outstanding < a.outstanding ? b : a;
}
