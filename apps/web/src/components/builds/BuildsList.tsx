"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ago, Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { duration, size, statusKind } from "./format";
import { EmptyRow, THead } from "@/components/ui/table";

export function BuildsList() {
  const trpc = useTRPC();
  const builds = useQuery({ ...trpc.builds.list.queryOptions({ limit: 100 }), refetchInterval: 3000 });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Builds</h1>
          <p className="sub">
            Images built from Dockerfile.ai on your Docker hosts, with SBOM and scan results.
          </p>
        </div>
        <div className="row">
          <Link className="btn" href="/builds/compat">
            Compatibility
          </Link>
          <Link className="btn" href="/builds/new" style={{ background: "var(--accent)", color: "#fff" }}>
            New build
          </Link>
        </div>
      </div>
      <div className="panel">
        {builds.error && <div className="alert error">{errorMessage(builds.error)}</div>}
        <table data-testid="builds-table">
          <THead
            columns={["Tag", "Status", "Engine · target", "Host", "Duration", "Size", "CVEs", "Created"]}
          />
          <tbody>
            {builds.data?.items.map((b) => (
              <tr key={b.id} data-build={b.id}>
                <td>
                  <Link className="mono" href={`/builds/${b.id}`}>
                    {b.tag}
                  </Link>
                </td>
                <td>
                  <Badge value={b.status} kind={statusKind(b.status)} />
                  {b.failedStep && <div className="small field-error">at {b.failedStep}</div>}
                </td>
                <td className="small">
                  {b.engine ?? "–"} · {b.target ?? "–"}
                </td>
                <td className="small">{b.host?.name ?? "–"}</td>
                <td className="small">{duration(b.durationMs)}</td>
                <td className="small">{size(b.sizeBytes)}</td>
                <td>
                  {b.cveCount === null ? (
                    "–"
                  ) : (
                    <Badge value={String(b.cveCount)} kind={b.cveCount > 0 ? "bad" : "ok"} />
                  )}
                </td>
                <td className="small">{ago(b.createdAt)}</td>
              </tr>
            ))}
            {builds.data?.items.length === 0 && (
              <EmptyRow span={8}>
                No builds yet. <Link href="/builds/new">Start one from a Dockerfile.ai</Link>.
              </EmptyRow>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
