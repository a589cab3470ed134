// The Audit page's filters as URL search params (so a filtered view can be shared or reloaded) and
// their translation into the API's query: dates are whole local days, `to` inclusive in the UI.
export type TAuditUrlFilters = {
  actor?: string; // "user:<id>" | "apiKey:<id>"
  action?: string;
  targetType?: string;
  from?: string; // YYYY-MM-DD
  to?: string; // YYYY-MM-DD
};

const KEYS = ["actor", "action", "targetType", "from", "to"] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromParams(p: URLSearchParams): TAuditUrlFilters {
  const out: TAuditUrlFilters = {};
  for (const k of KEYS) {
    const v = p.get(k)?.trim();
    if (!v) continue;
    if ((k === "from" || k === "to") && !DAY.test(v)) continue;
    out[k] = v.slice(0, 200);
  }
  return out;
}

export function filtersToParams(f: TAuditUrlFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of KEYS) if (f[k]) p.set(k, f[k]!);
  return p;
}

/** The list/export query: since = start of `from`, until = start of the day after `to` (exclusive). */
export function filtersToQuery(f: TAuditUrlFilters): {
  action?: string;
  targetType?: string;
  actorUserId?: string;
  actorApiKeyId?: string;
  since?: string;
  until?: string;
} {
  const q: ReturnType<typeof filtersToQuery> = {};
  if (f.action) q.action = f.action;
  if (f.targetType) q.targetType = f.targetType;
  if (f.actor?.startsWith("user:")) q.actorUserId = f.actor.slice(5);
  if (f.actor?.startsWith("apiKey:")) q.actorApiKeyId = f.actor.slice(7);
  if (f.from) q.since = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to) {
    const d = new Date(`${f.to}T00:00:00`);
    d.setDate(d.getDate() + 1);
    q.until = d.toISOString();
  }
  return q;
}

/** Same filters for the export route (`from`/`to` instead of `since`/`until`). */
export function exportHref(f: TAuditUrlFilters): string {
  const { since, until, ...rest } = filtersToQuery(f);
  const p = new URLSearchParams(rest as Record<string, string>);
  if (since) p.set("from", since);
  if (until) p.set("to", until);
  const s = p.toString();
  return `/api/audit/export${s ? `?${s}` : ""}`;
}
