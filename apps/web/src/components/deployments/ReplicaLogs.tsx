"use client";

import { useQuery } from "@tanstack/react-query";
import { errorMessage, useTRPC } from "@/trpc/client";

/** A replica's container log, polled while open (live tail). */
export function ReplicaLogs({ deploymentId, replicaId }: { deploymentId: string; replicaId: string }) {
  const trpc = useTRPC();
  const logs = useQuery({
    ...trpc.deployments.logs.queryOptions({ id: deploymentId, replicaId, tail: 300 }),
    refetchInterval: 2000,
  });
  return (
    <div data-testid="replica-logs">
      <h4 className="small">Logs of {logs.data?.replica ?? "…"} (live)</h4>
      {logs.error && <div className="alert error">{errorMessage(logs.error)}</div>}
      <pre className="logs" style={{ maxHeight: 360, overflow: "auto" }}>
        {(logs.data?.lines ?? []).map((l) => l.text).join("\n") || "(no output)"}
      </pre>
    </div>
  );
}
