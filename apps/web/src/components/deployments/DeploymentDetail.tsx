"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { JobLive } from "@/app/(dashboard)/jobs/JobLive";
import { ago, Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { download, stateKind } from "./format";
import { ReplicaLogs } from "./ReplicaLogs";
import { EmptyRow, THead } from "@/components/ui/table";

const RUNNING = new Set(["pending", "rolling_out"]);

export function DeploymentDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const dep = useQuery({
    ...trpc.deployments.get.queryOptions({ id }),
    refetchInterval: (q) =>
      q.state.data?.revisions[0] && RUNNING.has(q.state.data.revisions[0].status) ? 1000 : 4000,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.deployments.get.queryKey({ id }) });
  const apply = useMutation(trpc.deployments.redeploy.mutationOptions({ onSuccess: refresh }));
  const rollback = useMutation(trpc.deployments.rollback.mutationOptions({ onSuccess: refresh }));
  const files = useQuery({ ...trpc.deployments.renderStored.queryOptions({ id }), enabled: false });
  const cost = useQuery(trpc.deployments.cost.queryOptions({ id }));
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const d = dep.data;
  if (dep.error) return <div className="alert error">{errorMessage(dep.error)}</div>;
  if (!d) return <p className="muted">loading…</p>;
  const latest = d.revisions[0];
  const monthly = (cost.data as { monthlyUSD?: number } | undefined)?.monthlyUSD;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small">
            <Link href="/deployments">← Deployments</Link>
          </p>
          <h1>
            <span className="mono" style={{ fontSize: 20 }}>
              {d.name}
            </span>
          </h1>
          <p className="sub">
            model <span className="mono">{d.servedName}</span> · revision {d.currentRevision ?? "–"} ·{" "}
            {d.replicas.healthy}/{d.replicas.total} replicas healthy
            {monthly ? ` · est. $${monthly.toFixed(0)}/month` : ""}
          </p>
        </div>
        <div className="row">
          <Badge value={d.status} kind={stateKind(d.status)} />
          <button
            type="button"
            disabled={apply.isPending || (latest && RUNNING.has(latest.status))}
            onClick={() => apply.mutate({ id })}
            data-testid="redeploy"
          >
            Deploy again
          </button>
          <button
            type="button"
            onClick={async () => {
              const r = await files.refetch();
              for (const f of r.data?.files ?? []) download(f.path.replaceAll("/", "_"), f.content);
            }}
          >
            Download files
          </button>
        </div>
      </div>
      {(apply.error || rollback.error) && (
        <div className="alert error">{errorMessage(apply.error ?? rollback.error)}</div>
      )}

      {latest && (
        <div className="panel" data-testid="rollout">
          <h3>
            Revision {latest.number} <Badge value={latest.status} kind={stateKind(latest.status)} />{" "}
            <span className="small muted">
              {latest.strategy}
              {latest.rollbackOf ? ` · rollback to #${latest.rollbackOf}` : ""} · {ago(latest.createdAt)}
            </span>
          </h3>
          {latest.error && <div className="alert error small">{latest.error}</div>}
          <div style={{ overflowX: "auto" }}>
            <table>
              <THead
                columns={[
                  "Target",
                  "Platform · host",
                  "State",
                  "Strategy",
                  "Progress",
                  "Traffic to new",
                  "Healthy",
                  "Gates",
                ]}
              />
              <tbody>
                {Object.entries(latest.targets).map(([name, t]) => (
                  <tr key={name} data-target={name}>
                    <td className="mono">{name}</td>
                    <td className="small">
                      {t.platform}
                      {t.host ? ` · ${t.host}` : ""}
                    </td>
                    <td>
                      <Badge value={t.state} kind={stateKind(t.state)} />
                      {t.message && <div className="small muted">{t.message}</div>}
                    </td>
                    <td className="small">{t.strategy}</td>
                    <td className="small" style={{ minWidth: 120 }}>
                      <div
                        className={`progress${t.state === "active" ? " done" : t.state === "failed" || t.state === "rolled_back" ? " failed" : ""}`}
                      >
                        <div
                          style={{
                            width: `${t.state === "active" ? 100 : t.steps ? Math.round((100 * t.step) / t.steps) : 0}%`,
                          }}
                        />
                      </div>
                      step {t.step}/{t.steps}
                    </td>
                    <td className="small">{t.trafficPercent}%</td>
                    <td className="small">
                      {t.healthy}/{t.replicas}
                    </td>
                    <td className="small">
                      {t.gates?.errorRate !== undefined && t.gates?.errorRate !== null
                        ? `errors ${(t.gates.errorRate * 100).toFixed(1)}% of ${t.gates.requests}`
                        : "–"}
                      {t.gates?.maxErrorRate !== undefined &&
                        ` (max ${(t.gates.maxErrorRate * 100).toFixed(0)}%)`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {latest.jobId && RUNNING.has(latest.status) && <JobLive jobId={latest.jobId} onEnd={refresh} />}
        </div>
      )}

      <div className="panel" data-testid="replicas">
        <h3>Replicas</h3>
        <table>
          <THead columns={["Replica", "Target", "Revision", "Status", "Host · URL", "Weight", "Logs"]} />
          <tbody>
            {d.replicaList.map((r) => (
              <tr key={r.id} data-replica={r.name}>
                <td className="mono small">{r.name}</td>
                <td className="small">{r.target}</td>
                <td className="small">#{r.revision}</td>
                <td>
                  <Badge value={r.status} kind={stateKind(r.status)} />
                  {r.lastError && <div className="small field-error">{r.lastError.slice(0, 300)}</div>}
                </td>
                <td className="small mono">
                  {r.host ?? "–"} {r.url ?? ""}
                </td>
                <td className="small">{r.weight ?? "–"}</td>
                <td>
                  <button
                    type="button"
                    className="small"
                    onClick={() => setLogsOf(logsOf === r.id ? null : r.id)}
                  >
                    {logsOf === r.id ? "Hide" : "Logs"}
                  </button>
                </td>
              </tr>
            ))}
            {d.replicaList.length === 0 && <EmptyRow span={7}>No replicas running.</EmptyRow>}
          </tbody>
        </table>
        {logsOf && <ReplicaLogs deploymentId={id} replicaId={logsOf} />}
      </div>

      <div className="panel" data-testid="revisions">
        <h3>Revision history</h3>
        <table>
          <THead columns={["#", "Status", "Strategy", "Image", "Created", ""]} />
          <tbody>
            {d.revisions.map((r) => (
              <tr key={r.id} data-revision={r.number}>
                <td className="mono">
                  {r.number}
                  {r.number === d.currentRevision ? " (current)" : ""}
                </td>
                <td>
                  <Badge value={r.status} kind={stateKind(r.status)} />
                  {r.rollbackOf && <span className="small muted"> rollback to #{r.rollbackOf}</span>}
                </td>
                <td className="small">{r.strategy}</td>
                <td className="small mono">{r.image ?? "–"}</td>
                <td className="small">{ago(r.createdAt)}</td>
                <td>
                  {r.number !== d.currentRevision && (r.status === "superseded" || r.status === "active") && (
                    <button
                      type="button"
                      disabled={rollback.isPending || (latest && RUNNING.has(latest.status))}
                      onClick={() => rollback.mutate({ id, revision: r.number })}
                      data-testid={`rollback-${r.number}`}
                    >
                      Roll back to #{r.number}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="panel">
        <h3>aitk-deploy.yaml</h3>
        <pre className="mono small" style={{ whiteSpace: "pre-wrap" }} data-testid="spec-yaml">
          {d.specYaml}
        </pre>
      </div>
    </>
  );
}
