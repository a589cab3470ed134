"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Suspense } from "react";
import { ago, Badge } from "@/components/forms";
import { Dashboard } from "@/components/panels/Dashboard";
import { useTRPC } from "@/trpc/client";

export default function OverviewPage() {
  const trpc = useTRPC();
  const org = useQuery(trpc.org.get.queryOptions());
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const jobs = useQuery(trpc.jobs.list.queryOptions({ limit: 8 }));
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const models = useQuery(trpc.models.list.queryOptions());
  const healthy = hosts.data?.filter((h) => h.status === "healthy").length ?? 0;
  const running = jobs.data?.items.filter((j) => j.state === "active" || j.state === "queued").length ?? 0;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{org.data?.name ?? "Overview"}</h1>
          <p className="sub">Gateway traffic, latency and revenue, and the control plane’s status.</p>
        </div>
      </div>
      <Suspense>
        <Dashboard compact />
      </Suspense>
      <div className="grid3" style={{ gridTemplateColumns: "repeat(4, 1fr)" }}>
        <Link href="/hosts" className="panel">
          <div className="muted small">Hosts healthy</div>
          <div className="stat">
            {healthy} / {hosts.data?.length ?? "–"}
          </div>
        </Link>
        <Link href="/jobs" className="panel">
          <div className="muted small">Jobs queued or running</div>
          <div className="stat">{running}</div>
        </Link>
        <Link href="/gateway/keys" className="panel">
          <div className="muted small">Active API keys</div>
          <div className="stat">{keys.data?.filter((k) => !k.revokedAt).length ?? "–"}</div>
        </Link>
        <Link href="/gateway" className="panel">
          <div className="muted small">Served models</div>
          <div className="stat">{models.data?.length ?? "–"}</div>
        </Link>
      </div>
      <div className="grid2">
        <div className="panel">
          <h2>Hosts</h2>
          <table>
            <tbody>
              {hosts.data?.map((h) => (
                <tr key={h.id}>
                  <td>{h.name}</td>
                  <td>
                    <Badge value={h.status} />
                  </td>
                  <td className="small muted">checked {ago(h.lastCheckedAt)}</td>
                </tr>
              ))}
              {hosts.data?.length === 0 && (
                <tr>
                  <td className="muted">
                    No hosts yet — <Link href="/hosts">register one</Link>.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div className="panel">
          <h2>Recent jobs</h2>
          <table>
            <tbody>
              {jobs.data?.items.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link href={`/jobs?job=${j.id}`}>{j.kind}</Link>
                  </td>
                  <td>
                    <Badge value={j.state} kind={j.state === "active" ? "active" : j.state} />
                  </td>
                  <td className="small muted">{ago(j.createdAt)}</td>
                </tr>
              ))}
              {jobs.data?.items.length === 0 && (
                <tr>
                  <td className="muted">No jobs yet.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}
