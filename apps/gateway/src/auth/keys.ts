import { hashApiKey } from "@aitk/core/crypto/apiKeys";
import { keyLimits, orgLimits, type TLimits, type TPlan } from "@aitk/core/gateway/rateLimit";
import type { TUpstreamPolicy } from "@aitk/core/gateway/ssrf";
import type { TPrisma } from "@aitk/db";

export type TOrgInfo = {
  id: string;
  slug: string;
  plan: TPlan;
  limits: TLimits;
  logPrompts: boolean;
  policy: TUpstreamPolicy;
};

export type TKeyInfo = {
  id: string;
  prefix: string;
  org: TOrgInfo;
  scopes: ReadonlySet<string>;
  /** Empty = every model of the org. */
  allowedModels: ReadonlySet<string>;
  limits: TLimits;
  expiresAtMs: number | null;
  revoked: boolean;
};

type TEntry = { key: TKeyInfo | null; loadedAt: number };

/** SHA-256 hex of a presented key: the digest stored in ApiKey.hash. */
export const hashKey = hashApiKey;

/**
 * Keys by hash, cached in memory. Entries live `ttlMs`; revocation and org changes arrive over Redis
 * pub/sub (`aitk:invalidate`) and drop entries at once, so a revoked key stops working within ~1 s
 * everywhere. Misses are cached too (shorter), so a flood of bad keys does not reach Postgres.
 */
export class KeyCache {
  private readonly byHash = new Map<string, TEntry>();
  private readonly inFlight = new Map<string, Promise<TKeyInfo | null>>();
  /** Bumped on every invalidation so a load that started before it is not cached after it. */
  private generation = 0;
  /** Key ids used since the last flush; ApiKey.lastUsedAt is written in one statement per interval. */
  private used = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: TPrisma,
    private readonly ttlMs: number,
    private readonly negativeTtlMs = 5_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** Sync fast path: the cached entry if fresh, else undefined (then call load). */
  peek(hash: string, now: number): TKeyInfo | null | undefined {
    const e = this.byHash.get(hash);
    if (!e) return undefined;
    if (now - e.loadedAt > (e.key ? this.ttlMs : this.negativeTtlMs)) return undefined;
    return e.key;
  }

  load(hash: string): Promise<TKeyInfo | null> {
    let p = this.inFlight.get(hash);
    if (p) return p;
    const gen = this.generation;
    p = this.fetch(hash)
      .then((key) => {
        if (gen === this.generation) {
          if (this.byHash.size >= this.maxEntries) this.byHash.clear();
          this.byHash.set(hash, { key, loadedAt: Date.now() });
        }
        return key;
      })
      .finally(() => this.inFlight.delete(hash));
    this.inFlight.set(hash, p);
    return p;
  }

  markUsed(id: string): void {
    this.used.add(id);
  }

  startUsageFlush(intervalMs = 30_000): void {
    this.flushTimer = setInterval(() => void this.flushUsed().catch(() => {}), intervalMs);
    this.flushTimer.unref();
  }

  async flushUsed(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used = new Set();
    await this.prisma.apiKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: new Date() } });
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushUsed().catch(() => {});
  }

  /** Drops one key (by id), every key of an org (id undefined), or everything (orgId undefined). */
  invalidate(orgId?: string, keyId?: string): void {
    this.generation++;
    if (!orgId) {
      this.byHash.clear();
      return;
    }
    for (const [h, e] of this.byHash) {
      if (!e.key) {
        // A key created just now may sit in the negative cache: drop misses on any key event.
        this.byHash.delete(h);
        continue;
      }
      if (e.key.org.id === orgId && (!keyId || e.key.id === keyId)) this.byHash.delete(h);
    }
  }

  private async fetch(hash: string): Promise<TKeyInfo | null> {
    const row = await this.prisma.apiKey.findUnique({
      where: { hash },
      select: {
        id: true,
        prefix: true,
        scopes: true,
        allowedModels: true,
        rpmLimit: true,
        tpmLimit: true,
        expiresAt: true,
        revokedAt: true,
        org: {
          select: {
            id: true,
            slug: true,
            plan: true,
            rpmLimit: true,
            tpmLimit: true,
            logPrompts: true,
            allowPrivateUpstreams: true,
            allowLoopbackUpstreams: true,
          },
        },
      },
    });
    if (!row) return null;
    const o = row.org;
    return {
      id: row.id,
      prefix: row.prefix,
      org: {
        id: o.id,
        slug: o.slug,
        plan: o.plan as TPlan,
        limits: orgLimits(o.plan as TPlan, o.rpmLimit, o.tpmLimit),
        logPrompts: o.logPrompts,
        policy: {
          allowPrivateUpstreams: o.allowPrivateUpstreams,
          allowLoopbackUpstreams: o.allowLoopbackUpstreams,
        },
      },
      scopes: new Set(row.scopes),
      allowedModels: new Set(row.allowedModels),
      limits: keyLimits(row.rpmLimit, row.tpmLimit),
      expiresAtMs: row.expiresAt ? row.expiresAt.getTime() : null,
      revoked: row.revokedAt !== null,
    };
  }
}
