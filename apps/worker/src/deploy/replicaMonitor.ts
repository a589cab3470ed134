// After a rollout: every live Docker replica (healthy or unhealthy, and "starting" ones no rollout is
// gating any more) of every org is looked at again. Its container is inspected on its host (running?
// exited with which code? restarting? paused? gone?) and, when running, its engine's readiness path is
// probed with a short timeout: the same path the rollout's canary checks use. Decisions come from
// @aitk/core/deploy/replicaHealth (2 consecutive failures → unhealthy, 1 pass → healthy, container gone →
// failed). Only transitions are written: Replica.status/lastError, the linked endpoints' healthy and
// lastHealthAt, one AuditLog row per transition (no actor: the system), then one `models` invalidation
// per org whose routing changed, so gateways stop (or resume) routing within a second.
// Replicas are restarted by nobody: their containers run with RestartPolicy "no" (the rollout's health
// gate decides), so an exited container is reported and stays out of routing until someone starts it.
// Consecutive-failure counts live in one Redis hash, so any worker process can run the next check.
import { recordAudit } from "@aitk/db/audit";
import {
  nextReplicaHealth,
  type TMonitoredStatus,
  type TReplicaObservation,
} from "@aitk/core/deploy/replicaHealth";
import type { TAIDeployment } from "@aitk/core/deploy/index";
import type { TPrisma } from "@aitk/db";
import { connectDockerHost } from "@aitk/db/docker/connect";
import type Docker from "dockerode";
import { replicaPlan, tailLogs } from "./dockerReplica";
import { publishModels, type TRoutingDeps } from "./routing";

export interface TMonitorDeps extends TRoutingDeps {
  prisma: TPrisma;
  /** Redis hash holding each failing replica's consecutive failed checks. */
  stateKey: string;
  secretKeyHex?: string;
  logger: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
  };
  signal?: AbortSignal;
  /** Replicas checked at once (default 8). */
  parallel?: number;
  /** Readiness probe timeout (default 2000 ms); Docker API calls get 2.5× that. */
  probeTimeoutMs?: number;
  failThreshold?: number;
}

export type TMonitorResult = {
  checked: number;
  healthy: number;
  unhealthy: number;
  /** Replicas whose row was written this run. */
  changed: number;
  /** Orgs whose gateways were told to reload routes. */
  invalidated: string[];
  ms: number;
};

const SIGNALS: Record<number, string> = {
  130: "SIGINT",
  134: "SIGABRT",
  137: "SIGKILL",
  139: "SIGSEGV",
  143: "SIGTERM",
};

type TRow = Awaited<ReturnType<typeof loadLive>>[number];

function loadLive(prisma: TPrisma) {
  // The sweep spans every org (as host.healthAll does); every write below is scoped by the row's orgId.
  return prisma.replica.findMany({
    where: {
      containerId: { not: null },
      url: { not: null },
      host: { kind: "docker" },
      OR: [
        { status: { in: ["healthy", "unhealthy"] } },
        // A rollout in progress gates its own starting replicas; one that died leaves them to us.
        { status: "starting", revision: { status: { not: "rolling_out" } } },
      ],
    },
    select: {
      id: true,
      orgId: true,
      name: true,
      status: true,
      lastError: true,
      containerId: true,
      url: true,
      target: true,
      revisionId: true,
      revision: { select: { number: true, deploymentId: true } },
      host: { select: { id: true, name: true, kind: true, endpoint: true, credentialsEnc: true } },
    },
    orderBy: { id: "asc" },
  });
}

/**
 * Each (revision, target)'s engine readiness path, from the revision's own spec ("/health" when it cannot
 * be planned). Specs are read once per revision, not once per replica.
 */
async function readinessPaths(prisma: TPrisma, rows: TRow[]): Promise<Map<string, string>> {
  const revisions = await prisma.revision.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.revisionId))] } },
    select: { id: true, spec: true },
  });
  const specs = new Map(revisions.map((r) => [r.id, r.spec as unknown as TAIDeployment]));
  const paths = new Map<string, string>();
  for (const row of rows) {
    const key = `${row.revisionId}/${row.target}`;
    if (paths.has(key)) continue;
    let path = "/health";
    try {
      const spec = specs.get(row.revisionId);
      const target = spec?.spec.targets.find((t) => t.name === row.target);
      // The port only changes the engine's flags, never its health paths.
      if (spec && target) path = replicaPlan(spec, target, 1).engine.health.readinessPath;
    } catch {
      // An unplannable spec (older schema): the common default.
    }
    paths.set(key, path);
  }
  return paths;
}

export async function probe(url: string, path: string, timeoutMs: number): Promise<TReplicaObservation> {
  try {
    const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel().catch(() => undefined);
    if (r.status === 200) return { ok: true };
    return { ok: false, reason: `readiness check GET ${path} answered HTTP ${r.status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === "TimeoutError"
        ? `timed out after ${(timeoutMs / 1000).toFixed(1)} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, reason: `readiness check GET ${path} failed: ${why}` };
  }
}

/** Container state first (it names the cause), then the probe for a running one. */
export async function observeReplica(
  docker: Docker | null,
  dockerError: string | null,
  containerId: string,
  url: string,
  path: string,
  timeoutMs: number,
): Promise<TReplicaObservation> {
  const short = containerId.slice(0, 12);
  let hostTrouble = dockerError;
  if (docker) {
    const info = await docker
      .getContainer(containerId)
      .inspect()
      .catch((e: Error & { statusCode?: number }) => {
        if (e.statusCode === 404) return "gone" as const;
        hostTrouble = e.message;
        return null;
      });
    if (info === "gone") return { ok: false, gone: true, reason: `container ${short} no longer exists` };
    if (info) {
      const s = info.State;
      if (s.Restarting)
        return {
          ok: false,
          reason: `container ${short} is restarting (restart ${info.RestartCount}, last exit code ${s.ExitCode})`,
        };
      if (s.Paused) return { ok: false, reason: `container ${short} is paused` };
      if (!s.Running) {
        const sig = SIGNALS[s.ExitCode] ? ` (${SIGNALS[s.ExitCode]})` : "";
        const oom = s.OOMKilled ? ", out of memory" : "";
        const logs = await tailLogs(docker, containerId, 3);
        return {
          ok: false,
          reason:
            `container ${short} ${s.Status === "dead" ? "is dead" : "exited"} with code ${s.ExitCode}${sig}${oom}` +
            `${s.FinishedAt && !s.FinishedAt.startsWith("0001") ? ` at ${s.FinishedAt}` : ""}` +
            `${s.Error ? `: ${s.Error}` : ""}${logs.length ? ` | ${logs.join(" | ").slice(-500)}` : ""}`,
        };
      }
    }
  }
  const p = await probe(url, path, timeoutMs);
  if (p.ok || !hostTrouble) return p;
  return { ok: false, reason: `${p.reason} (Docker host unreachable: ${hostTrouble})` };
}

type TTx = Parameters<Parameters<TPrisma["$transaction"]>[0]>[0];

/**
 * Keeps Deployment.status in step with the replicas of its serving revision: `degraded` while any of
 * them is unhealthy or gone, `active` again once all are healthy. Only an active or degraded deployment
 * whose newest revision is the serving one is touched, so a rollout in progress, or a failed rollout
 * that left the deployment degraded, keeps the status the rollout gave it.
 */
async function followDeployment(tx: TTx, row: TRow): Promise<void> {
  const dep = await tx.deployment.findFirst({
    where: { id: row.revision.deploymentId, orgId: row.orgId },
    select: {
      status: true,
      currentRevisionId: true,
      revisions: { select: { id: true }, orderBy: { number: "desc" }, take: 1 },
    },
  });
  if (!dep || dep.currentRevisionId !== row.revisionId || dep.revisions[0]?.id !== row.revisionId) return;
  if (dep.status !== "active" && dep.status !== "degraded") return;
  const bad = await tx.replica.count({
    where: { orgId: row.orgId, revisionId: row.revisionId, status: { in: ["unhealthy", "failed"] } },
  });
  const status = bad > 0 ? "degraded" : "active";
  if (status !== dep.status)
    await tx.deployment.updateMany({
      where: { id: row.revision.deploymentId, orgId: row.orgId, status: dep.status },
      data: { status },
    });
}

export async function monitorReplicas(d: TMonitorDeps): Promise<TMonitorResult> {
  const t0 = Date.now();
  const timeoutMs = d.probeTimeoutMs ?? 2000;
  const rows = await loadLive(d.prisma);
  const paths = await readinessPaths(d.prisma, rows);
  const before = await d.redis.hgetall(d.stateKey);
  // Rows a cancelled run never reached keep their counts.
  const failures = new Map<string, number>();
  for (const r of rows) if (before[r.id]) failures.set(r.id, Number(before[r.id]));
  const clients = new Map<string, { docker: Docker | null; error: string | null }>();
  const hostClient = (h: TRow["host"] & object) => {
    let c = clients.get(h.id);
    if (!c) {
      try {
        c = {
          docker: connectDockerHost(h, { secretKeyHex: d.secretKeyHex, timeoutMs: timeoutMs * 2.5 }),
          error: null,
        };
      } catch (e) {
        c = { docker: null, error: (e as Error).message };
      }
      clients.set(h.id, c);
    }
    return c;
  };
  const invalidate = new Set<string>();
  let healthy = 0;
  let unhealthy = 0;
  let changed = 0;

  const check = async (row: TRow) => {
    const client = hostClient(row.host!);
    const path = paths.get(`${row.revisionId}/${row.target}`) ?? "/health";
    const obs = await observeReplica(
      client.docker,
      client.error,
      row.containerId!,
      row.url!,
      path,
      timeoutMs,
    );
    const status = row.status as TMonitoredStatus;
    const v = nextReplicaHealth(
      { status, lastError: row.lastError },
      Number(before[row.id] ?? 0),
      obs,
      d.failThreshold,
    );
    if (v.failures) failures.set(row.id, v.failures);
    else failures.delete(row.id);
    if (v.status === "healthy") healthy++;
    else unhealthy++;
    if (!v.changed) return;
    const now = new Date();
    const wrote = await d.prisma.$transaction(async (tx) => {
      // Conditional on the status we read: a rollout draining or replacing it meanwhile wins.
      const res = await tx.replica.updateMany({
        where: { id: row.id, orgId: row.orgId, status: row.status },
        data: { status: v.status, lastError: v.lastError },
      });
      if (!res.count) return { replica: false, endpoints: 0 };
      let endpoints = 0;
      if (v.endpointHealthy !== undefined)
        endpoints = (
          await tx.endpoint.updateMany({
            where: { orgId: row.orgId, replicaId: row.id, healthy: !v.endpointHealthy },
            data: { healthy: v.endpointHealthy, lastHealthAt: now },
          })
        ).count;
      if (v.event)
        await recordAudit(tx, {
          orgId: row.orgId,
          action: `replica.${v.event}`,
          targetType: "Replica",
          targetId: row.id,
          before: { status: row.status, lastError: row.lastError },
          after: {
            status: v.status,
            reason: obs.ok ? null : obs.reason.split(" | ")[0],
            replica: row.name,
            deploymentId: row.revision.deploymentId,
            revision: row.revision.number,
            host: row.host!.name,
          },
        });
      await followDeployment(tx, row);
      return { replica: true, endpoints };
    });
    if (!wrote.replica) return;
    changed++;
    if (wrote.endpoints) invalidate.add(row.orgId);
    const fields = {
      orgId: row.orgId,
      deploymentId: row.revision.deploymentId,
      revision: row.revision.number,
      replicaId: row.id,
      replica: row.name,
      host: row.host!.name,
      status: v.status,
      endpointsChanged: wrote.endpoints,
    };
    // The first part of the reason only: container logs stay on the replica row.
    if (obs.ok) d.logger.info(fields, `replica ${row.name} healthy again`);
    else d.logger.warn({ ...fields, reason: obs.reason.split(" | ")[0] }, `replica ${row.name} ${v.status}`);
  };

  let next = 0;
  const lane = async () => {
    while (next < rows.length && !d.signal?.aborted) {
      const row = rows[next++]!;
      try {
        await check(row);
      } catch (e) {
        d.logger.warn(
          { orgId: row.orgId, replicaId: row.id, error: (e as Error).message },
          "replica check failed",
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(d.parallel ?? 8, rows.length) }, lane));

  // The counts of replicas no longer live go with the rewrite.
  const tx = d.redis.multi().del(d.stateKey);
  if (failures.size) tx.hset(d.stateKey, Object.fromEntries(failures)).pexpire(d.stateKey, 600_000);
  await tx.exec();
  for (const orgId of invalidate) await publishModels(d, orgId);
  return {
    checked: rows.length,
    healthy,
    unhealthy,
    changed,
    invalidated: [...invalidate],
    ms: Date.now() - t0,
  };
}
