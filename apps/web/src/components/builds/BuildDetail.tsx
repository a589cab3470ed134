"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { JobLive } from "@/app/(dashboard)/jobs/JobLive";
import { ago, Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { duration, size, statusKind } from "./format";
import { ResolutionView, SbomView, ScanView } from "./PlanViews";

const ACTIVE = new Set(["queued", "running"]);

export function BuildDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const build = useQuery({
    ...trpc.builds.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.status) ? false : 2000),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.builds.get.queryKey({ id }) });
  const cancel = useMutation(trpc.builds.cancel.mutationOptions({ onSuccess: refresh }));
  const b = build.data;
  if (build.error) return <div className="alert error">{errorMessage(build.error)}</div>;
  if (!b) return <p className="muted">loading…</p>;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small">
            <Link href="/builds">← Builds</Link>
          </p>
          <h1>
            <span className="mono" style={{ fontSize: 20 }}>
              {b.tag}
            </span>
          </h1>
          <p className="sub">
            {b.engine ?? "?"} on {b.target ?? "?"} · host {b.host?.name ?? "–"} · created {ago(b.createdAt)}
          </p>
        </div>
        <div className="row">
          <Badge value={b.status} kind={statusKind(b.status)} />
          {ACTIVE.has(b.status) && (
            <button
              type="button"
              className="danger"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate({ id })}
            >
              Cancel build
            </button>
          )}
        </div>
      </div>
      {cancel.error && <div className="alert error">{errorMessage(cancel.error)}</div>}
      <div
        className="grid3"
        style={{ gridTemplateColumns: "repeat(5, 1fr)", marginBottom: 14 }}
        data-testid="build-stats"
      >
        {(
          [
            ["Duration", duration(b.durationMs)],
            ["Image size", size(b.sizeBytes)],
            ["Layers", b.layers ?? "–"],
            ["CVEs", b.cveCount ?? "–"],
            ["Image", b.imageId ? b.imageId.slice(7, 19) : "–"],
          ] as const
        ).map(([k, v]) => (
          <div key={k} className="panel" style={{ marginBottom: 0 }}>
            <div className="muted small">{k}</div>
            <div className="stat mono" style={{ fontSize: 17 }}>
              {v}
            </div>
          </div>
        ))}
      </div>
      {b.status === "failed" && (
        <div className="alert error" data-testid="build-failure">
          <strong>Failed{b.failedStep ? ` at ${b.failedStep}` : ""}</strong>
          {b.error ? `: ${b.error}` : ""}
        </div>
      )}
      {b.jobId && <JobLive key={b.jobId} jobId={b.jobId} onEnd={refresh} />}
      <div className="grid2">
        <div className="panel">
          <h2>Resolution</h2>
          <ResolutionView resolution={b.resolution} />
        </div>
        <div className="panel">
          <h2>Scan findings</h2>
          <ScanView scan={b.scan} />
        </div>
      </div>
      <div className="panel">
        <h2>SBOM</h2>
        <SbomView sbom={b.sbom} fileName={`${b.tag.replace(/[^a-zA-Z0-9._-]/g, "_")}.cdx.json`} />
      </div>
      <div className="grid2">
        <details className="panel">
          <summary>
            <strong>Dockerfile.ai</strong>
          </summary>
          <pre className="logs">{b.dockerfileAi}</pre>
        </details>
        <details className="panel">
          <summary>
            <strong>Generated Dockerfile</strong>
          </summary>
          <pre className="logs">{b.generatedDockerfile ?? "(not generated)"}</pre>
          <h2 style={{ marginTop: 10 }}>requirements.txt</h2>
          <pre className="logs">{b.requirementsTxt || "(none)"}</pre>
        </details>
      </div>
    </>
  );
}
