"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "@/trpc/client";

export default function AuditPage() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<{ action?: string; targetType?: string }>({});
  const q = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { ...filters, limit: 50 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    setFilters({ action: v("action"), targetType: v("targetType") });
  }

  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="sub">Every change made in this organization, by a member or an API key.</p>
        </div>
      </div>
      <div className="panel">
        <form className="row" onSubmit={onSubmit} style={{ alignItems: "flex-end", marginBottom: 10 }}>
          <label>
            Action starts with
            <input name="action" placeholder="apiKey." />
          </label>
          <label>
            Target type
            <input name="targetType" placeholder="Host" />
          </label>
          <button type="submit">Filter</button>
        </form>
        {q.error && <div className="alert error">{errorMessage(q.error)}</div>}
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Change</th>
              <th>IP</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
                <td className="small">
                  {r.actorEmail ?? (r.actorApiKeyId ? `key ${r.actorApiKeyId.slice(0, 10)}…` : "system")}
                </td>
                <td className="mono">{r.action}</td>
                <td className="small">
                  {r.targetType} <span className="mono muted">{r.targetId?.slice(0, 12)}</span>
                </td>
                <td className="mono small" style={{ maxWidth: 420, overflow: "hidden" }}>
                  {r.before != null && <div>− {JSON.stringify(r.before)}</div>}
                  {r.after != null && <div>+ {JSON.stringify(r.after)}</div>}
                </td>
                <td className="small">{r.ip}</td>
              </tr>
            ))}
            {rows.length === 0 && !q.isLoading && (
              <tr>
                <td colSpan={6} className="muted">
                  Nothing recorded yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {q.hasNextPage && (
          <button type="button" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            Load more
          </button>
        )}
      </div>
    </>
  );
}
