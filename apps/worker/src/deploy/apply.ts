// deploy.apply: rolls a Revision out to every selected target of its spec. Docker and docker-compose
// targets run on registered Docker hosts (./dockerTarget), kubernetes targets on registered clusters
// (./kubernetesTarget); other platforms are render-only and reported as skipped. Progress lives in
// Revision.rollout (per target: state, step, traffic share, gates), replica rows and the job log.
import { DomainError } from "@aitk/core/errors";
import {
  isAppliedPlatform,
  readRollout,
  signatureRefusal,
  type TRollout,
  type TTargetRollout,
} from "@aitk/core/deploy/rollout";
import { planTarget, type TAIDeployment, type TTarget } from "@aitk/core/deploy/index";
import type { Host, Prisma, TPrisma } from "@aitk/db";
import { connectDockerHost } from "@aitk/db/docker/connect";
import type { Redis } from "ioredis";
import { DockerTargetRollout } from "./dockerTarget";
import { KubernetesTargetRollout } from "./kubernetesTarget";
import { ensureServedModel } from "./routing";

export interface TApplyDeps {
  prisma: TPrisma;
  redis: Redis;
  invalidateChannel: string;
  secretKeyHex?: string;
  log(line: string, level?: "info" | "warn" | "error"): Promise<void>;
  progress?(pct: number, message?: string): Promise<void>;
  signal?: AbortSignal;
  propagationMs?: number;
}

export type TApplyResult = {
  status: "active" | "failed" | "rolled_back";
  targets: Record<string, TTargetRollout>;
  error?: string;
};

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

/** Refuses a model the org's (or the spec's) signature policy does not allow. */
export async function checkSignaturePolicy(
  prisma: TPrisma,
  orgId: string,
  spec: TAIDeployment,
): Promise<void> {
  const org = await prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
  if (!org.requireSignedModels && !spec.spec.signature?.required) return;
  const names = [spec.spec.model.name, spec.spec.model.servedName, spec.spec.model.source].filter(
    (n): n is string => Boolean(n),
  );
  const artifact = await prisma.modelArtifact.findFirst({
    where: { orgId, OR: [{ name: { in: names } }, { source: { in: names } }] },
    orderBy: { signedAt: { sort: "desc", nulls: "last" } },
  });
  const signers = await prisma.trustedSigner.findMany({ where: { orgId }, select: { fingerprint: true } });
  const reason = signatureRefusal({
    orgRequires: org.requireSignedModels,
    spec: spec.spec.signature,
    model: spec.spec.model.name,
    artifact,
    trustedSigners: signers.map((s) => s.fingerprint),
  });
  if (reason) throw new DomainError("PRECONDITION", reason, { field: "spec.model.name" });
}

async function findHost(
  prisma: TPrisma,
  orgId: string,
  target: TTarget,
  kind: "docker" | "kubernetes",
): Promise<Host> {
  const hosts = await prisma.host.findMany({ where: { orgId, kind }, orderBy: { createdAt: "asc" } });
  const wanted = kind === "docker" ? target.host : (target.cluster ?? target.host);
  const found = wanted
    ? hosts.find((h) => h.name === wanted)
    : hosts.length === 1
      ? hosts[0]
      : hosts.find((h) => h.name === "local");
  if (!found)
    throw new DomainError(
      "PRECONDITION",
      wanted
        ? `target ${target.name}: no ${kind} host named "${wanted}" is registered (hosts: ${hosts.map((h) => h.name).join(", ") || "none"})`
        : `target ${target.name}: set ${kind === "docker" ? "host" : "cluster"} to one of the registered ${kind} hosts (${hosts.map((h) => h.name).join(", ") || "none registered"})`,
      { field: `spec.targets.${target.name}.${kind === "docker" ? "host" : "cluster"}` },
    );
  return found;
}

export async function applyRevision(d: TApplyDeps, revisionId: string): Promise<TApplyResult> {
  const revision = await d.prisma.revision.findUniqueOrThrow({
    where: { id: revisionId },
    include: { deployment: true },
  });
  const orgId = revision.orgId;
  const deployment = revision.deployment;
  const spec = revision.spec as unknown as TAIDeployment;
  const rollout: TRollout = readRollout(revision.rollout);
  rollout.startedAt = new Date().toISOString();
  const request = rollout.request;
  const selected = spec.spec.targets.filter(
    (t) => !request.targets?.length || request.targets.includes(t.name),
  );

  // Serialised writes: targets update their part of the JSON while others may too.
  let saving = Promise.resolve();
  const save = () => {
    saving = saving.then(async () => {
      await d.prisma.revision.update({ where: { id: revisionId }, data: { rollout: asJson(rollout) } });
    });
    return saving;
  };
  const updater = (name: string) => async (patch: Partial<TTargetRollout>) => {
    const cur = rollout.targets[name];
    if (!cur) return;
    rollout.targets[name] = { ...cur, ...patch, updatedAt: new Date().toISOString() };
    await save();
    const all = Object.values(rollout.targets);
    const done = all.filter((t) => t.state !== "pending" && t.state !== "rolling_out").length;
    await d.progress?.(
      Math.min(
        99,
        Math.round(
          ((done +
            ((rollout.targets[name]?.step ?? 0) / Math.max(1, rollout.targets[name]?.steps ?? 1)) * 0.99) /
            Math.max(1, all.length)) *
            100,
        ),
      ),
      `${name}: ${rollout.targets[name]?.message ?? rollout.targets[name]?.state}`,
    );
  };

  for (const t of selected) {
    const plan = planTarget(spec, t, request.strategy ? { strategy: request.strategy } : {});
    rollout.targets[t.name] = {
      platform: t.platform,
      strategy: plan.strategy.type,
      state: isAppliedPlatform(t.platform) ? "pending" : "skipped",
      host: null,
      replicas: plan.replicas,
      healthy: 0,
      step: 0,
      steps: 0,
      trafficPercent: 0,
      ...(isAppliedPlatform(t.platform)
        ? {}
        : {
            message: `${t.platform} is render-only: download the files (aitk deploy render) and apply them there`,
          }),
    };
  }
  await d.prisma.$transaction([
    d.prisma.revision.update({
      where: { id: revisionId },
      data: { status: "rolling_out", rollout: asJson(rollout), error: null },
    }),
    d.prisma.deployment.update({ where: { id: deployment.id }, data: { status: "deploying" } }),
  ]);
  await d.log(
    `revision ${revision.number} of ${deployment.name}: ${selected.length} target(s)${request.rollbackOf ? ` (rollback to revision ${request.rollbackOf})` : ""}`,
  );

  const failures: string[] = [];
  let rolledBack = false;
  try {
    await checkSignaturePolicy(d.prisma, orgId, spec);
    const previousRevision = deployment.currentRevisionId
      ? await d.prisma.revision.findUnique({ where: { id: deployment.currentRevisionId } })
      : null;
    for (const t of selected) {
      if (d.signal?.aborted) {
        failures.push(`${t.name}: cancelled before it started`);
        await updater(t.name)({ state: "failed", message: "cancelled" });
        continue;
      }
      if (!isAppliedPlatform(t.platform)) {
        await d.log(`${t.name}: ${rollout.targets[t.name]?.message}`);
        continue;
      }
      const update = updater(t.name);
      try {
        if (t.platform === "kubernetes") {
          const host = await findHost(d.prisma, orgId, t, "kubernetes");
          await update({ host: host.name, state: "rolling_out" });
          const prevTarget = previousRevision
            ? readRollout(previousRevision.rollout).targets[t.name]
            : undefined;
          const prevSpec = previousRevision?.spec as unknown as TAIDeployment | undefined;
          const hadTarget =
            prevSpec?.spec.targets.some((x) => x.name === t.name) === true && prevTarget?.state !== "skipped";
          const k = new KubernetesTargetRollout({
            host,
            secretKeyHex: d.secretKeyHex,
            spec,
            target: t,
            strategyOverride: request.strategy,
            previous: hadTarget && prevSpec ? { spec: prevSpec, track: prevTarget?.track } : null,
            timeoutSeconds: planTarget(spec, t).strategy.healthTimeoutSeconds + 60,
            log: (l, lv) => d.log(`${t.name}: ${l}`, lv),
            update,
            signal: d.signal,
          });
          const out = await k.run();
          if (!out.ok) {
            failures.push(`${t.name}: ${out.reason}`);
            rolledBack ||= out.rolledBack;
            if (rollout.targets[t.name]?.state === "rolling_out")
              await update({ state: "failed", message: out.reason });
          }
          continue;
        }
        const host = await findHost(d.prisma, orgId, t, "docker");
        await update({ host: host.name });
        const docker = connectDockerHost(host, { secretKeyHex: d.secretKeyHex, timeoutMs: 60_000 });
        const servedModelId = await ensureServedModel(
          d,
          orgId,
          deployment.id,
          planTarget(spec, t).servedName,
        );
        const r = new DockerTargetRollout({
          prisma: d.prisma,
          redis: d.redis,
          invalidateChannel: d.invalidateChannel,
          docker,
          host,
          orgId,
          deployment: { id: deployment.id, name: deployment.name },
          revision: { id: revision.id, number: revision.number },
          spec,
          target: t,
          strategyOverride: request.strategy,
          servedModelId,
          log: (l, lv) => d.log(l, lv),
          update,
          signal: d.signal,
          propagationMs: d.propagationMs,
          secretKeyHex: d.secretKeyHex,
        });
        const out = await r.run();
        if (!out.ok) {
          failures.push(`${t.name}: ${out.reason}`);
          rolledBack ||= out.rolledBack;
          if (rollout.targets[t.name]?.state === "rolling_out")
            await update({ state: "failed", message: out.reason });
        }
      } catch (e) {
        const msg = d.signal?.aborted ? "cancelled" : (e as Error).message;
        failures.push(`${t.name}: ${msg}`);
        await d.log(`${t.name}: ${msg}`, "error");
        await update({ state: "failed", message: msg });
      }
    }
  } catch (e) {
    const msg = (e as Error).message;
    failures.push(msg);
    await d.log(msg, "error");
  }

  rollout.finishedAt = new Date().toISOString();
  await saving;
  const ok = failures.length === 0;
  const status: TApplyResult["status"] = ok ? "active" : rolledBack ? "rolled_back" : "failed";
  const error = ok ? null : failures.join("; ").slice(0, 4000);
  await d.prisma.$transaction(async (tx) => {
    await tx.revision.update({
      where: { id: revisionId },
      data: { status, rollout: asJson(rollout), error },
    });
    if (ok) {
      if (deployment.currentRevisionId && deployment.currentRevisionId !== revisionId)
        await tx.revision.updateMany({
          where: { id: deployment.currentRevisionId, status: "active" },
          data: { status: "superseded" },
        });
      await tx.deployment.update({
        where: { id: deployment.id },
        data: { status: "active", currentRevisionId: revisionId },
      });
    } else {
      // The old revision (if any) still serves: the deployment is degraded, not down.
      const serving = deployment.currentRevisionId !== null && deployment.currentRevisionId !== revisionId;
      await tx.deployment.update({
        where: { id: deployment.id },
        data: { status: serving ? (rolledBack ? "active" : "degraded") : "failed" },
      });
    }
  });
  await d.log(
    ok ? `revision ${revision.number} is active` : `revision ${revision.number} ${status}: ${error}`,
    ok ? "info" : "error",
  );
  return { status, targets: rollout.targets, ...(error ? { error } : {}) };
}
