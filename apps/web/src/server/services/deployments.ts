// Deployments: an aitk-deploy.yaml (checked here, so a bad file is a 400 with line:column) becomes a
// Deployment row; each apply is a new Revision rolled out by the worker's `deploy.apply` job; rollback
// re-applies an older revision's spec as a new revision. Render and cost are pure (@aitk/core/deploy).
import { estimateCost } from "@aitk/core/deploy/cost";
import { parseDeploymentYaml } from "@aitk/core/deploy/parse";
import { planTarget } from "@aitk/core/deploy/plan";
import { flattenRendered, renderDeployment } from "@aitk/core/deploy/render/index";
import { readRollout, signatureRefusal, specToYaml, ZTargetRollout } from "@aitk/core/deploy/rollout";
import { aiDeploymentJsonSchema, STRATEGIES, type TAIDeployment } from "@aitk/core/deploy/spec";
import { DomainError, notFound } from "@aitk/core/errors";
import { containerLogs } from "@aitk/db/docker/containers";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { enqueue } from "./jobs";

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as object;

export const ZSpecText = z
  .string({ error: "yaml must be the text of an aitk-deploy.yaml" })
  .min(1, "is empty")
  .max(1024 * 1024, "is larger than 1 MiB");

const ZTargets = z.array(z.string().min(1).max(63)).max(64).optional();

export const ZCreateDeployment = z
  .object({
    yaml: ZSpecText,
    /** Start a rollout right away (default true); false only stores the spec. */
    apply: z.boolean().default(true),
    targets: ZTargets.describe("Target names to apply (default: every target)"),
    strategy: z.enum(STRATEGIES).optional().describe("Overrides every target's strategy for this rollout"),
  })
  .strict();

export const ZApplyDeployment = z
  .object({ targets: ZTargets, strategy: z.enum(STRATEGIES).optional() })
  .strict();

export const ZRollback = z.object({ revision: z.number().int().min(1) }).strict();

export const ZRenderInput = z
  .object({ yaml: ZSpecText, targets: ZTargets, strategy: z.enum(STRATEGIES).optional() })
  .strict();

// ------------------------------------------------------------------------------------------ outputs

const ZReplica = z.object({
  id: z.string(),
  name: z.string(),
  target: z.string(),
  revision: z.number(),
  status: z.string(),
  host: z.string().nullable(),
  url: z.string().nullable(),
  containerId: z.string().nullable(),
  lastError: z.string().nullable(),
  weight: z.number().nullable(),
  updatedAt: z.string(),
});

export const ZRevision = z.object({
  id: z.string(),
  number: z.number(),
  status: z.string(),
  strategy: z.string(),
  image: z.string().nullable(),
  error: z.string().nullable(),
  rollbackOf: z.number().nullable(),
  targets: z.record(z.string(), ZTargetRollout),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  jobId: z.string().nullable(),
});

export const ZDeploymentSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  servedName: z.string().nullable(),
  currentRevision: z.number().nullable(),
  latestRevision: ZRevision.nullable(),
  targets: z.array(z.object({ name: z.string(), platform: z.string() })),
  replicas: z.object({ healthy: z.number(), total: z.number() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ZDeployment = ZDeploymentSummary.extend({
  specYaml: z.string(),
  replicaList: z.array(ZReplica),
  revisions: z.array(ZRevision),
});

export const ZApplyOut = z.object({
  deployment: ZDeploymentSummary,
  revision: ZRevision.nullable(),
  jobId: z.string().nullable(),
});

type TRevisionRow = {
  id: string;
  number: number;
  status: string;
  strategy: string;
  image: string | null;
  error: string | null;
  rollout: unknown;
  createdAt: Date;
};

function revisionOut(r: TRevisionRow, jobId: string | null = null): z.infer<typeof ZRevision> {
  const ro = readRollout(r.rollout);
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    strategy: r.strategy,
    image: r.image,
    error: r.error,
    rollbackOf: ro.request.rollbackOf ?? null,
    targets: ro.targets,
    createdAt: r.createdAt.toISOString(),
    startedAt: ro.startedAt ?? null,
    finishedAt: ro.finishedAt ?? null,
    jobId: jobId ?? ((r.rollout as { jobId?: string } | null)?.jobId || null),
  };
}

function servedNameOf(spec: unknown): string | null {
  const s = spec as Partial<TAIDeployment> | null;
  return s?.spec?.model ? (s.spec.model.servedName ?? s.spec.model.name) : null;
}

async function summaries(ctx: TServiceCtx, where: { id?: string }) {
  const rows = await ctx.deps.prisma.deployment.findMany({
    where: { orgId: ctx.actor.orgId, ...where },
    orderBy: { updatedAt: "desc" },
    include: { revisions: { orderBy: { number: "desc" }, take: 1 } },
  });
  const ids = rows.map((r) => r.id);
  const perDeployment = new Map<string, { healthy: number; total: number }>();
  if (ids.length) {
    const live = await ctx.deps.prisma.replica.findMany({
      where: {
        orgId: ctx.actor.orgId,
        revision: { deploymentId: { in: ids } },
        status: { in: ["healthy", "starting", "creating", "unhealthy", "draining"] },
      },
      select: { status: true, revision: { select: { deploymentId: true } } },
    });
    for (const r of live) {
      const c = perDeployment.get(r.revision.deploymentId) ?? { healthy: 0, total: 0 };
      c.total++;
      if (r.status === "healthy") c.healthy++;
      perDeployment.set(r.revision.deploymentId, c);
    }
  }
  const current = await ctx.deps.prisma.revision.findMany({
    where: { id: { in: rows.map((r) => r.currentRevisionId).filter((x): x is string => Boolean(x)) } },
    select: { id: true, number: true },
  });
  const numberOf = new Map(current.map((c) => [c.id, c.number]));
  return rows.map((d) => {
    const spec = d.spec as unknown as Partial<TAIDeployment>;
    return {
      id: d.id,
      name: d.name,
      status: d.status,
      servedName: servedNameOf(d.spec),
      currentRevision: d.currentRevisionId ? (numberOf.get(d.currentRevisionId) ?? null) : null,
      latestRevision: d.revisions[0] ? revisionOut(d.revisions[0]) : null,
      targets: (spec.spec?.targets ?? []).map((t) => ({ name: t.name, platform: t.platform })),
      replicas: perDeployment.get(d.id) ?? { healthy: 0, total: 0 },
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    };
  });
}

export async function listDeployments(ctx: TServiceCtx) {
  return { items: await summaries(ctx, {}) };
}

async function findDeployment(ctx: TServiceCtx, id: string) {
  const d = await ctx.deps.prisma.deployment.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!d) throw notFound("deployment", id);
  return d;
}

export async function getDeployment(ctx: TServiceCtx, id: string): Promise<z.infer<typeof ZDeployment>> {
  const d = await findDeployment(ctx, id);
  const [summary] = await summaries(ctx, { id });
  const revisions = await ctx.deps.prisma.revision.findMany({
    where: { deploymentId: id },
    orderBy: { number: "desc" },
    take: 50,
  });
  const latest = revisions[0];
  // Replicas still around, plus the latest revision's (failed ones explain a rollback).
  const replicas = await ctx.deps.prisma.replica.findMany({
    where: {
      orgId: ctx.actor.orgId,
      revision: { deploymentId: id },
      OR: [{ status: { notIn: ["stopped", "failed"] } }, ...(latest ? [{ revisionId: latest.id }] : [])],
    },
    include: { host: { select: { name: true } }, revision: { select: { number: true } }, endpoints: true },
    orderBy: [{ target: "asc" }, { name: "asc" }],
  });
  return {
    ...(summary as z.infer<typeof ZDeploymentSummary>),
    specYaml: d.specYaml,
    replicaList: replicas.map((r) => ({
      id: r.id,
      name: r.name,
      target: r.target,
      revision: r.revision.number,
      status: r.status,
      host: r.host?.name ?? null,
      url: r.url,
      containerId: r.containerId,
      lastError: r.lastError,
      weight: r.endpoints[0]?.weight ?? null,
      updatedAt: r.updatedAt.toISOString(),
    })),
    revisions: revisions.map((r) => revisionOut(r)),
  };
}

export async function listRevisions(ctx: TServiceCtx, id: string) {
  await findDeployment(ctx, id);
  const revisions = await ctx.deps.prisma.revision.findMany({
    where: { deploymentId: id },
    orderBy: { number: "desc" },
    take: 100,
  });
  return { items: revisions.map((r) => revisionOut(r)) };
}

function checkTargets(spec: TAIDeployment, targets: string[] | undefined) {
  const known = spec.spec.targets.map((t) => t.name);
  for (const t of targets ?? [])
    if (!known.includes(t))
      throw new DomainError("VALIDATION", `targets: unknown target "${t}" (targets: ${known.join(", ")})`, {
        field: "targets",
        choices: known,
      });
}

/** The org's (or the spec's) signed-model policy, checked before anything is queued. */
async function checkSignature(ctx: TServiceCtx, spec: TAIDeployment) {
  const org = await ctx.deps.prisma.organization.findUniqueOrThrow({ where: { id: ctx.actor.orgId } });
  if (!org.requireSignedModels && !spec.spec.signature?.required) return;
  const m = spec.spec.model;
  const names = [m.name, m.servedName, m.source].filter((n): n is string => Boolean(n));
  const artifact = await ctx.deps.prisma.modelArtifact.findFirst({
    where: { orgId: ctx.actor.orgId, OR: [{ name: { in: names } }, { source: { in: names } }] },
    orderBy: { signedAt: { sort: "desc", nulls: "last" } },
  });
  const signers = await ctx.deps.prisma.trustedSigner.findMany({
    where: { orgId: ctx.actor.orgId },
    select: { fingerprint: true },
  });
  const reason = signatureRefusal({
    orgRequires: org.requireSignedModels,
    spec: spec.spec.signature,
    model: m.name,
    artifact,
    trustedSigners: signers.map((s) => s.fingerprint),
  });
  if (reason) throw new DomainError("PRECONDITION", reason, { field: "spec.model.name" });
}

/** A new revision of `spec` and its deploy.apply job. */
async function startRevision(
  ctx: TServiceCtx,
  deploymentId: string,
  spec: TAIDeployment,
  request: { targets?: string[]; strategy?: (typeof STRATEGIES)[number]; rollbackOf?: number },
) {
  checkTargets(spec, request.targets);
  await checkSignature(ctx, spec);
  const prisma = ctx.deps.prisma;
  const active = await prisma.revision.findFirst({
    where: { deploymentId, status: { in: ["pending", "rolling_out"] } },
    orderBy: { number: "desc" },
  });
  if (active)
    throw new DomainError(
      "CONFLICT",
      `revision ${active.number} is still ${active.status.replace("_", " ")}: wait for it to finish`,
    );
  const first = spec.spec.targets.find((t) => !request.targets?.length || request.targets.includes(t.name));
  const plan = first ? planTarget(spec, first, request.strategy ? { strategy: request.strategy } : {}) : null;
  // Numbers come from the max so far; the unique (deploymentId, number) index settles a race.
  const last = await prisma.revision.findFirst({ where: { deploymentId }, orderBy: { number: "desc" } });
  const revision = await prisma.revision.create({
    data: {
      orgId: ctx.actor.orgId,
      deploymentId,
      number: (last?.number ?? 0) + 1,
      spec: asJson(spec),
      image: plan?.image ?? null,
      strategy: plan?.strategy.type ?? request.strategy ?? "rolling",
      rollout: asJson({ request }),
    },
  });
  const job = await enqueue(ctx, "deploy.apply", { orgId: ctx.actor.orgId, revisionId: revision.id });
  const jobId = job.id;
  const withJob = await prisma.revision.update({
    where: { id: revision.id },
    data: { rollout: asJson({ request, jobId }) },
  });
  await prisma.deployment.update({ where: { id: deploymentId }, data: { status: "deploying" } });
  return { revision: revisionOut(withJob, jobId), jobId };
}

/** Stores the spec (new or changed) and, unless `apply: false`, rolls it out. */
export async function createDeployment(ctx: TServiceCtx, input: z.input<typeof ZCreateDeployment>) {
  requireRole(ctx.actor, "member");
  const v = ZCreateDeployment.parse(input);
  const { spec } = parseDeploymentYaml(v.yaml, "aitk-deploy.yaml");
  checkTargets(spec, v.targets);
  const prisma = ctx.deps.prisma;
  const name = spec.metadata.name;
  const before = await prisma.deployment.findUnique({
    where: { orgId_name: { orgId: ctx.actor.orgId, name } },
  });
  const d = await prisma.deployment.upsert({
    where: { orgId_name: { orgId: ctx.actor.orgId, name } },
    create: {
      orgId: ctx.actor.orgId,
      name,
      specYaml: v.yaml,
      spec: asJson(spec),
      createdById: ctx.actor.userId,
    },
    update: { specYaml: v.yaml, spec: asJson(spec) },
  });
  let started: Awaited<ReturnType<typeof startRevision>> | null = null;
  if (v.apply) started = await startRevision(ctx, d.id, spec, { targets: v.targets, strategy: v.strategy });
  await audit(ctx, {
    action: before ? "deployment.update" : "deployment.create",
    targetType: "deployment",
    targetId: d.id,
    after: {
      name,
      revision: started?.revision.number ?? null,
      targets: v.targets ?? "all",
      strategy: v.strategy,
    },
  });
  const [summary] = await summaries(ctx, { id: d.id });
  return { deployment: summary!, revision: started?.revision ?? null, jobId: started?.jobId ?? null };
}

export async function applyDeployment(ctx: TServiceCtx, id: string, input: z.input<typeof ZApplyDeployment>) {
  requireRole(ctx.actor, "member");
  const v = ZApplyDeployment.parse(input);
  const d = await findDeployment(ctx, id);
  const { spec } = parseDeploymentYaml(d.specYaml, "aitk-deploy.yaml");
  const started = await startRevision(ctx, d.id, spec, v);
  await audit(ctx, {
    action: "deployment.apply",
    targetType: "deployment",
    targetId: d.id,
    after: { revision: started.revision.number, ...v },
  });
  const [summary] = await summaries(ctx, { id });
  return { deployment: summary!, ...started };
}

/** One-click rollback: the old revision's spec, applied again as a new revision. */
export async function rollbackDeployment(ctx: TServiceCtx, id: string, input: z.input<typeof ZRollback>) {
  requireRole(ctx.actor, "member");
  const v = ZRollback.parse(input);
  const d = await findDeployment(ctx, id);
  const old = await ctx.deps.prisma.revision.findUnique({
    where: { deploymentId_number: { deploymentId: d.id, number: v.revision } },
  });
  if (!old) throw notFound("revision", String(v.revision));
  const spec = old.spec as unknown as TAIDeployment;
  const request = readRollout(old.rollout).request;
  const started = await startRevision(ctx, d.id, spec, {
    targets: request.targets,
    strategy: request.strategy,
    rollbackOf: old.number,
  });
  // The stored spec is what the next "deploy again" applies: after a rollback, the old revision's.
  await ctx.deps.prisma.deployment.update({
    where: { id: d.id },
    data: {
      specYaml: specToYaml(
        spec,
        `revision ${old.number}'s spec, restored by rollback (revision ${started.revision.number})`,
      ),
      spec: asJson(spec),
    },
  });
  await audit(ctx, {
    action: "deployment.rollback",
    targetType: "deployment",
    targetId: d.id,
    after: { to: old.number, revision: started.revision.number },
  });
  const [summary] = await summaries(ctx, { id });
  return { deployment: summary!, ...started };
}

export const ZRendered = z.object({
  targets: z.array(
    z.object({
      target: z.string(),
      platform: z.string(),
      files: z.array(z.object({ path: z.string(), content: z.string() })),
      warnings: z.array(z.string()),
    }),
  ),
  files: z.array(z.object({ path: z.string(), content: z.string() })),
});

function rendered(spec: TAIDeployment, targets?: string[], strategy?: (typeof STRATEGIES)[number]) {
  checkTargets(spec, targets);
  const r = renderDeployment(spec, { targets, strategy });
  return {
    targets: r.map((t) => ({
      target: t.target,
      platform: t.platform,
      files: t.files.map((f) => ({ path: f.path, content: f.content })),
      warnings: t.warnings,
    })),
    files: flattenRendered(r),
  };
}

/** Every target's files (K8s YAML, compose, Nomad JSON, …) without saving or applying anything. */
export function renderYaml(input: z.input<typeof ZRenderInput>) {
  const v = ZRenderInput.parse(input);
  return rendered(parseDeploymentYaml(v.yaml, "aitk-deploy.yaml").spec, v.targets, v.strategy);
}

export async function renderStored(ctx: TServiceCtx, id: string, targets?: string[]) {
  const d = await findDeployment(ctx, id);
  return rendered(parseDeploymentYaml(d.specYaml, "aitk-deploy.yaml").spec, targets);
}

export async function deploymentCost(ctx: TServiceCtx, id: string) {
  const d = await findDeployment(ctx, id);
  return estimateCost(parseDeploymentYaml(d.specYaml, "aitk-deploy.yaml").spec) as unknown as Record<
    string,
    unknown
  >;
}

export const ZLogLines = z.object({
  replica: z.string(),
  lines: z.array(z.object({ stream: z.string(), text: z.string() })),
});

/** The last lines of a replica's container, read from its Docker host. */
export async function replicaLogs(ctx: TServiceCtx, id: string, replicaId: string, tail = 200) {
  await findDeployment(ctx, id);
  const r = await ctx.deps.prisma.replica.findFirst({
    where: { id: replicaId, orgId: ctx.actor.orgId, revision: { deploymentId: id } },
    include: { host: true },
  });
  if (!r) throw notFound("replica", replicaId);
  if (!r.containerId || !r.host)
    return { replica: r.name, lines: r.lastError ? [{ stream: "stderr", text: r.lastError }] : [] };
  try {
    const lines = await containerLogs(r.host, r.containerId, tail, { secretKeyHex: ctx.deps.secretKeyHex });
    return { replica: r.name, lines };
  } catch (e) {
    // A stopped replica's container is gone: its recorded error is what remains.
    if (e instanceof DomainError && e.code === "NOT_FOUND")
      return {
        replica: r.name,
        lines: [{ stream: "stderr", text: r.lastError ?? `container removed (replica ${r.status})` }],
      };
    throw e;
  }
}

export function deploymentSchema() {
  return aiDeploymentJsonSchema();
}
