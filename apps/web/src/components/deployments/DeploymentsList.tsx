"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ago, Badge } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { STRATEGY_CHOICES, stateKind } from "./format";
import { EmptyRow, THead } from "@/components/ui/table";

const EXAMPLE = `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: tiny
spec:
  model:
    name: aitk-tiny
    servedName: tiny
  runtime:
    engine: aitk
  strategy: blue-green
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 2
`;

export function DeploymentsList() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const list = useQuery({ ...trpc.deployments.list.queryOptions(), refetchInterval: 3000 });
  const [open, setOpen] = useState(false);
  const [yaml, setYaml] = useState(EXAMPLE);
  const [strategy, setStrategy] = useState<string>("");
  const create = useMutation(
    trpc.deployments.create.mutationOptions({
      onSuccess: (out) => {
        qc.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
        router.push(`/deployments/${out.deployment.id}`);
      },
    }),
  );
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Deployments</h1>
          <p className="sub">Models running on your hosts and clusters, with revisions and rollouts.</p>
        </div>
        <div className="row">
          <button type="button" onClick={() => setOpen(!open)} data-testid="new-deployment">
            {open ? "Close" : "New deployment"}
          </button>
        </div>
      </div>
      {open && (
        <div className="panel" data-testid="deployment-form">
          <h3>aitk-deploy.yaml</h3>
          <textarea
            className="mono"
            rows={18}
            style={{ width: "100%" }}
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            data-testid="deployment-yaml"
          />
          <div className="row" style={{ marginTop: 8 }}>
            <label className="small">
              Strategy{" "}
              <select value={strategy} onChange={(e) => setStrategy(e.target.value)}>
                {STRATEGY_CHOICES.map((s) => (
                  <option key={s} value={s}>
                    {s || "as in the spec"}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              disabled={create.isPending}
              onClick={() =>
                create.mutate({
                  yaml,
                  apply: true,
                  ...(strategy ? { strategy: strategy as "rolling" } : {}),
                })
              }
              data-testid="deploy-submit"
            >
              {create.isPending ? "Deploying…" : "Save and deploy"}
            </button>
          </div>
          {create.error && (
            <pre className="alert error" data-testid="deployment-error" style={{ whiteSpace: "pre-wrap" }}>
              {errorMessage(create.error)}
            </pre>
          )}
        </div>
      )}
      <div className="panel">
        {list.error && <div className="alert error">{errorMessage(list.error)}</div>}
        <table data-testid="deployments-table">
          <THead columns={["Name", "Status", "Model", "Targets", "Replicas", "Revision", "Updated"]} />
          <tbody>
            {list.data?.items.map((d) => (
              <tr key={d.id} data-deployment={d.name}>
                <td>
                  <Link className="mono" href={`/deployments/${d.id}`}>
                    {d.name}
                  </Link>
                </td>
                <td>
                  <Badge value={d.status} kind={stateKind(d.status)} />
                </td>
                <td className="mono small">{d.servedName ?? "–"}</td>
                <td className="small">{d.targets.map((t) => `${t.name} (${t.platform})`).join(", ")}</td>
                <td className="small">
                  {d.replicas.healthy}/{d.replicas.total} healthy
                </td>
                <td className="small">
                  {d.currentRevision ? `#${d.currentRevision}` : "–"}
                  {d.latestRevision && d.latestRevision.number !== d.currentRevision && (
                    <>
                      {" "}
                      · #{d.latestRevision.number}{" "}
                      <Badge value={d.latestRevision.status} kind={stateKind(d.latestRevision.status)} />
                    </>
                  )}
                </td>
                <td className="small">{ago(d.updatedAt)}</td>
              </tr>
            ))}
            {list.data?.items.length === 0 && (
              <EmptyRow span={7}>
                No deployments yet: paste an aitk-deploy.yaml above, or run{" "}
                <span className="mono">npx aitk deploy -f aitk-deploy.yaml --all</span>.
              </EmptyRow>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
