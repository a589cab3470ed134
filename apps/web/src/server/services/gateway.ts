// The Gateway page's data: served models with their endpoints' health, recent latency from the
// ledger (every replica's requests), live in-flight counts from the gateway's /metrics, the SSRF
// pre-check of an upstream URL, and short-lived playground keys.
import { lookup } from "node:dns/promises";
import { DomainError } from "@aitk/core/errors";
import { gatewayInternalToken } from "@aitk/core/gateway/internalToken";
import { checkUpstreamUrl } from "@aitk/core/gateway/ssrf";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { createApiKey, revokeApiKey, type TApiKeyOut } from "./apiKeys";
import { listModels, ZEndpoint, ZServedModel } from "./models";

/** Window of the latency and error figures on the Gateway page. */
const STATS_WINDOW_MS = 60 * 60 * 1000;
/** Upper bound of ledger rows read for the figures (newest first), so a busy org stays cheap. */
const STATS_MAX_ROWS = 20_000;
const METRICS_TIMEOUT_MS = 1_500;

export const PLAYGROUND_KEY_NAME = "playground";
/** A playground key lives at most this long (the page can revoke it sooner). */
export const PLAYGROUND_TTL_MS = 60 * 60 * 1000;

export const ZModelStats = z.object({
  requests: z.number(),
  errors: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  ttftP50Ms: z.number().nullable(),
  /** Requests being proxied now by the gateway at GATEWAY_PUBLIC_URL; null when it did not answer. */
  inFlight: z.number().nullable(),
});
export type TModelStats = z.infer<typeof ZModelStats>;

/** What the gateway's router thinks of an endpoint now (null: that replica has not loaded the org yet). */
export const ZEndpointLive = z.object({
  routable: z.boolean(),
  outstanding: z.number(),
  downForMs: z.number(),
  refused: z.string().nullable(),
});

export const ZGatewayOverview = z.object({
  gatewayUrl: z.string(),
  windowMinutes: z.number(),
  live: z.object({ reachable: z.boolean(), error: z.string().nullable() }),
  models: z.array(
    ZServedModel.extend({
      stats: ZModelStats,
      endpoints: z.array(ZEndpoint.extend({ live: ZEndpointLive.nullable() })),
    }),
  ),
});
export type TGatewayOverview = z.infer<typeof ZGatewayOverview>;

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? null;
}

/** `gateway_in_flight_requests{model="m",org="slug"} 3` lines of one org, summed per model. */
export function inFlightFromMetrics(text: string, orgSlug: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("gateway_in_flight_requests{")) continue;
    const m = /^gateway_in_flight_requests\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]!.replace(/\\(.)/g, "$1")]),
    );
    if (labels.org !== orgSlug || typeof labels.model !== "string") continue;
    out.set(labels.model, (out.get(labels.model) ?? 0) + Number(m[2]));
  }
  return out;
}

async function liveInFlight(
  gatewayUrl: string,
  orgSlug: string,
): Promise<{ inFlight: Map<string, number> | null; error: string | null }> {
  try {
    const res = await fetch(`${gatewayUrl.replace(/\/+$/, "")}/metrics`, {
      signal: AbortSignal.timeout(METRICS_TIMEOUT_MS),
    });
    if (!res.ok) return { inFlight: null, error: `gateway /metrics answered ${res.status}` };
    return { inFlight: inFlightFromMetrics(await res.text(), orgSlug), error: null };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return {
      inFlight: null,
      error: `gateway not reachable at ${gatewayUrl} (${cause ?? (e as Error).name})`,
    };
  }
}

type TInternalEndpoints = {
  loaded: boolean;
  data: {
    endpoints: {
      id: string;
      healthy: boolean;
      outstanding: number;
      downForMs: number;
      refused: string | null;
    }[];
  }[];
};

/** Per-endpoint routing state from the gateway's GET /internal/endpoints (null when unavailable). */
async function liveEndpoints(
  gatewayUrl: string,
  secretKeyHex: string,
  orgId: string,
): Promise<Map<string, z.infer<typeof ZEndpointLive>> | null> {
  try {
    const res = await fetch(
      `${gatewayUrl.replace(/\/+$/, "")}/internal/endpoints?org=${encodeURIComponent(orgId)}`,
      {
        headers: { authorization: `Bearer ${gatewayInternalToken(secretKeyHex)}` },
        signal: AbortSignal.timeout(METRICS_TIMEOUT_MS),
      },
    );
    if (!res.ok) return null;
    const body = (await res.json()) as TInternalEndpoints;
    if (!body.loaded) return null;
    const out = new Map<string, z.infer<typeof ZEndpointLive>>();
    for (const m of body.data)
      for (const e of m.endpoints)
        out.set(e.id, {
          routable: e.healthy,
          outstanding: e.outstanding,
          downForMs: e.downForMs,
          refused: e.refused,
        });
    return out;
  } catch {
    return null;
  }
}

export async function gatewayOverview(ctx: TServiceCtx): Promise<TGatewayOverview> {
  const orgId = ctx.actor.orgId;
  const db = ctx.deps.prisma;
  const org = await db.organization.findUnique({ where: { id: orgId }, select: { slug: true } });
  if (!org) throw new DomainError("NOT_FOUND", "organization not found");
  const since = new Date(Date.now() - STATS_WINDOW_MS);
  const [models, events, live, endpointsLive] = await Promise.all([
    listModels(ctx),
    db.usageEvent.findMany({
      where: { orgId, createdAt: { gte: since } },
      select: { model: true, status: true, durationMs: true, ttftMs: true },
      orderBy: { createdAt: "desc" },
      take: STATS_MAX_ROWS,
    }),
    liveInFlight(ctx.deps.gatewayUrl, org.slug),
    liveEndpoints(ctx.deps.gatewayUrl, ctx.deps.secretKeyHex, orgId),
  ]);
  const byModel = new Map<string, { d: number[]; t: number[]; errors: number }>();
  for (const e of events) {
    let s = byModel.get(e.model);
    if (!s) {
      s = { d: [], t: [], errors: 0 };
      byModel.set(e.model, s);
    }
    s.d.push(e.durationMs);
    if (e.ttftMs != null) s.t.push(e.ttftMs);
    if (e.status >= 400) s.errors++;
  }
  const asc = (a: number, b: number) => a - b;
  return {
    gatewayUrl: ctx.deps.gatewayUrl,
    windowMinutes: STATS_WINDOW_MS / 60_000,
    live: { reachable: live.inFlight !== null, error: live.error },
    models: models.map((m) => {
      const s = byModel.get(m.name);
      const d = s ? s.d.sort(asc) : [];
      const t = s ? s.t.sort(asc) : [];
      return {
        ...m,
        endpoints: m.endpoints.map((e) => ({ ...e, live: endpointsLive?.get(e.id) ?? null })),
        stats: {
          requests: d.length,
          errors: s?.errors ?? 0,
          p50Ms: percentile(d, 50),
          p95Ms: percentile(d, 95),
          ttftP50Ms: percentile(t, 50),
          inFlight: live.inFlight ? (live.inFlight.get(m.name) ?? 0) : null,
        },
      };
    }),
  };
}

export const ZCheckUpstream = z.object({ upstreamUrl: z.string().trim().min(1, "is required").max(2000) });

/** The SSRF verdict for an upstream URL under this org's policy, before registering it. */
export async function checkUpstream(
  ctx: TServiceCtx,
  input: z.input<typeof ZCheckUpstream>,
): Promise<{ ok: boolean; message: string }> {
  requireRole(ctx.actor, "admin");
  const { upstreamUrl } = ZCheckUpstream.parse(input);
  const org = await ctx.deps.prisma.organization.findUnique({
    where: { id: ctx.actor.orgId },
    select: { allowPrivateUpstreams: true, allowLoopbackUpstreams: true },
  });
  if (!org) throw new DomainError("NOT_FOUND", "organization not found");
  const r = await checkUpstreamUrl(upstreamUrl, org, async (host) =>
    (await lookup(host, { all: true, verbatim: true })).map((a) => a.address),
  );
  if (r.ok) return { ok: true, message: `${r.host} is allowed by this organization's policy` };
  return { ok: false, message: r.reason };
}

/**
 * A key for the browser playground: inference only, named "playground", expiring within the hour.
 * It is handed to the page once (never rendered into HTML) and kept only in the page's memory.
 */
export async function createPlaygroundKey(ctx: TServiceCtx): Promise<{ key: string; apiKey: TApiKeyOut }> {
  requireRole(ctx.actor, "member");
  return createApiKey(ctx, {
    name: PLAYGROUND_KEY_NAME,
    scopes: ["inference"],
    expiresAt: new Date(Date.now() + PLAYGROUND_TTL_MS),
    rpmLimit: 60,
  });
}

/** Revokes a playground key of this org; other keys are not reachable through this call. */
export async function revokePlaygroundKey(ctx: TServiceCtx, id: string): Promise<TApiKeyOut> {
  requireRole(ctx.actor, "member");
  const k = await ctx.deps.prisma.apiKey.findFirst({
    where: { id, orgId: ctx.actor.orgId, name: PLAYGROUND_KEY_NAME },
    select: { id: true, scopes: true },
  });
  if (!k || k.scopes.length !== 1 || k.scopes[0] !== "inference") {
    throw new DomainError("NOT_FOUND", `playground key ${id} not found`, { field: "id" });
  }
  return revokeApiKey(ctx, k.id);
}
