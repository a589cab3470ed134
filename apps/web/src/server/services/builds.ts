import { encryptSecret } from "@aitk/core/crypto/secrets";
// Builds: Dockerfile.ai → resolved plan (checked here, so bad files are a 400 with line:column) → Build
// row + `build.run` job that builds the image on one of the org's Docker hosts.
import { ZBuildOptions } from "@aitk/core/build/options";
import { planBuild, type TBuildPlan } from "@aitk/core/build/plan";
import { OPTIMIZE_VALUES, QUANTIZE_VALUES } from "@aitk/core/build/vocabulary";
import { DomainError } from "@aitk/core/errors";
import { requestCancel } from "@aitk/db/jobs/cancel";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";
import { findHost } from "./hosts";
import { enqueue } from "./jobs";

/** Docker image reference `name[:tag]` (lower-case repository path, as `docker build -t` accepts). */
const TAG_RE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

export const ZBuildPlanInput = z.object({
  dockerfileAi: z
    .string({ error: "dockerfileAi must be the text of a Dockerfile.ai" })
    .min(1, "is empty")
    .max(64 * 1024, "is larger than 64 KiB"),
  cuda: ZBuildOptions.shape.cuda,
  quantize: z.enum(QUANTIZE_VALUES).optional(),
  optimize: z.enum(OPTIMIZE_VALUES).optional(),
  securityScan: z.boolean().optional(),
  allowExperimental: z.boolean().optional(),
});

export const ZCreateBuild = ZBuildPlanInput.extend({
  tag: z
    .string({ error: "tag is required (NAME:TAG)" })
    .trim()
    .min(1, "is required (NAME:TAG)")
    .max(255)
    .regex(TAG_RE, "must be a Docker image reference like my-model:1.0 (lower-case name)"),
  /** Docker host to build on; default: the org's only host, or the one named "local". */
  hostId: z.string().min(1).max(64).optional(),
  /** Small inline build-context files (path → base64), e.g. for `MODEL ./model`. */
  contextFiles: ZBuildOptions.shape.contextFiles,
  buildArgs: ZBuildOptions.shape.buildArgs,
}).strict();
export type TCreateBuild = z.input<typeof ZCreateBuild>;

/** Same body as create (so a form can preview what it will send); tag, host and context are not needed. */
export const ZDryRun = ZBuildPlanInput.extend({
  tag: z.string().trim().max(255).optional(),
  hostId: z.string().max(64).optional(),
  contextFiles: ZBuildOptions.shape.contextFiles,
  buildArgs: ZBuildOptions.shape.buildArgs,
}).strict();

function plan(input: z.output<typeof ZBuildPlanInput>, tag?: string): TBuildPlan {
  return planBuild(input.dockerfileAi, {
    ...(tag ? { image: tag } : {}),
    ...(input.cuda ? { cuda: input.cuda } : {}),
    ...(input.quantize ? { quantize: input.quantize } : {}),
    ...(input.optimize ? { optimize: input.optimize } : {}),
    ...(input.allowExperimental ? { allowExperimental: true } : {}),
  });
}

export const ZDryRunOut = z.object({
  resolution: z.record(z.string(), z.unknown()),
  dockerfile: z.string(),
  requirements: z.string(),
  sbom: z.record(z.string(), z.unknown()),
  scan: z.record(z.string(), z.unknown()),
  diagnostics: z.array(z.record(z.string(), z.unknown())),
});

/** Everything a build would produce before it runs: resolution with its reasons, files, SBOM, scan. */
export function dryRun(input: z.input<typeof ZDryRun>) {
  const v = ZDryRun.parse(input);
  const p = plan(v, v.tag || undefined);
  return {
    resolution: p.resolution as unknown as Record<string, unknown>,
    dockerfile: p.dockerfile,
    requirements: p.requirements,
    sbom: p.sbom,
    scan: p.scan as unknown as Record<string, unknown>,
    diagnostics: p.diagnostics as unknown as Record<string, unknown>[],
  };
}

// ------------------------------------------------------------------------------------------ rows

const ZBuildStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);

export const ZBuildSummary = z.object({
  id: z.string(),
  tag: z.string(),
  status: ZBuildStatus,
  host: z.object({ id: z.string(), name: z.string() }).nullable(),
  target: z.string().nullable(),
  engine: z.string().nullable(),
  durationMs: z.number().nullable(),
  sizeBytes: z.number().nullable(),
  cveCount: z.number().nullable(),
  failedStep: z.string().nullable(),
  error: z.string().nullable(),
  jobId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const ZBuild = ZBuildSummary.extend({
  dockerfileAi: z.string(),
  options: z.record(z.string(), z.unknown()),
  imageId: z.string().nullable(),
  layers: z.number().nullable(),
  resolution: z.unknown(),
  generatedDockerfile: z.string().nullable(),
  requirementsTxt: z.string().nullable(),
  sbom: z.unknown(),
  scan: z.unknown(),
});
export type TBuildOut = z.infer<typeof ZBuild>;

type TBuildRow = {
  id: string;
  tag: string;
  status: z.infer<typeof ZBuildStatus>;
  hostId: string | null;
  host?: { id: string; name: string } | null;
  dockerfileAi: string;
  options: unknown;
  resolution: unknown;
  generatedDockerfile: string | null;
  requirementsTxt: string | null;
  sbom: unknown;
  scan: unknown;
  imageId: string | null;
  sizeBytes: bigint | null;
  layers: number | null;
  durationMs: number | null;
  failedStep: string | null;
  error: string | null;
  jobId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function summary(b: TBuildRow): z.infer<typeof ZBuildSummary> {
  const r = (b.resolution ?? null) as { target?: { name?: string }; engine?: { name?: string } } | null;
  const scan = (b.scan ?? null) as { vulnerabilities?: unknown[] } | null;
  return {
    id: b.id,
    tag: b.tag,
    status: b.status,
    host: b.host ? { id: b.host.id, name: b.host.name } : null,
    target: r?.target?.name ?? null,
    engine: r?.engine?.name ?? null,
    durationMs: b.durationMs,
    sizeBytes: b.sizeBytes === null ? null : Number(b.sizeBytes),
    cveCount: Array.isArray(scan?.vulnerabilities) ? scan.vulnerabilities.length : null,
    failedStep: b.failedStep,
    error: b.error,
    jobId: b.jobId,
    createdAt: b.createdAt.toISOString(),
    startedAt: iso(b.startedAt),
    finishedAt: iso(b.finishedAt),
  };
}

/** Options as shown back: inline context files by path only (their bytes can be megabytes). */
function optionsOut(options: unknown): Record<string, unknown> {
  const o = { ...((options ?? {}) as Record<string, unknown>) };
  if (o.contextFiles && typeof o.contextFiles === "object") o.contextFiles = Object.keys(o.contextFiles);
  // Build args are secrets at rest (tokens): only their names are shown back.
  delete o.buildArgsEnc;
  if (o.buildArgs && typeof o.buildArgs === "object") o.buildArgs = Object.keys(o.buildArgs);
  return o;
}

const toBuildOut = (b: TBuildRow): TBuildOut => ({
  ...summary(b),
  dockerfileAi: b.dockerfileAi,
  options: optionsOut(b.options),
  imageId: b.imageId,
  layers: b.layers,
  resolution: b.resolution ?? null,
  generatedDockerfile: b.generatedDockerfile,
  requirementsTxt: b.requirementsTxt,
  sbom: b.sbom ?? null,
  scan: b.scan ?? null,
});

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as object;

async function pickHost(ctx: TServiceCtx, hostId: string | undefined) {
  if (hostId) return findHost(ctx, hostId);
  const hosts = await ctx.deps.prisma.host.findMany({
    where: { orgId: ctx.actor.orgId },
    orderBy: { createdAt: "asc" },
  });
  const chosen = hosts.length === 1 ? hosts[0] : hosts.find((h) => h.name === "local");
  if (!chosen) {
    throw new DomainError(
      "VALIDATION",
      hosts.length === 0
        ? "hostId: register a Docker host first (Hosts page or POST /api/v1/hosts)"
        : `hostId: choose a host (${hosts.map((h) => h.name).join(", ")})`,
      { field: "hostId", choices: hosts.map((h) => h.id) },
    );
  }
  return chosen;
}

/** Checks the file (parse + resolve) first; only a plan that resolves becomes a Build and a job. */
export async function createBuild(ctx: TServiceCtx, input: TCreateBuild): Promise<TBuildOut> {
  requireRole(ctx.actor, "member");
  const v = ZCreateBuild.parse(input);
  const p = plan(v, v.tag);
  const host = await pickHost(ctx, v.hostId);
  const options = {
    ...(v.cuda ? { cuda: v.cuda } : {}),
    ...(v.quantize ? { quantize: v.quantize } : {}),
    ...(v.optimize ? { optimize: v.optimize } : {}),
    ...(v.securityScan !== undefined ? { securityScan: v.securityScan } : {}),
    ...(v.allowExperimental ? { allowExperimental: true } : {}),
    ...(v.buildArgs
      ? {
          buildArgsEnc: encryptSecret(JSON.stringify(v.buildArgs), ctx.deps.secretKeyHex),
          buildArgNames: Object.keys(v.buildArgs),
        }
      : {}),
    ...(v.contextFiles ? { contextFiles: v.contextFiles } : {}),
  };
  const row = await ctx.deps.prisma.build.create({
    data: {
      orgId: ctx.actor.orgId,
      hostId: host.id,
      tag: v.tag,
      dockerfileAi: v.dockerfileAi,
      options,
      status: "queued",
      resolution: asJson(p.resolution),
      generatedDockerfile: p.dockerfile,
      requirementsTxt: p.requirements,
      sbom: asJson(p.sbom),
      scan: asJson(p.scan),
      createdById: ctx.actor.userId,
    },
  });
  const job = await enqueue(ctx, "build.run", { buildId: row.id });
  const saved = await ctx.deps.prisma.build.update({
    where: { id: row.id },
    data: { jobId: job.id },
    include: { host: { select: { id: true, name: true } } },
  });
  await audit(ctx, {
    action: "build.create",
    targetType: "Build",
    targetId: row.id,
    after: {
      tag: v.tag,
      hostId: host.id,
      jobId: job.id,
      options: optionsOut(options),
    },
  });
  return toBuildOut(saved);
}

export const ZListBuilds = z.object({
  status: ZBuildStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
});

export async function listBuilds(ctx: TServiceCtx, input: z.input<typeof ZListBuilds> = {}) {
  const q = ZListBuilds.parse(input);
  const rows = await ctx.deps.prisma.build.findMany({
    where: { orgId: ctx.actor.orgId, ...(q.status ? { status: q.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { host: { select: { id: true, name: true } } },
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(summary),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

async function findBuild(ctx: TServiceCtx, id: string) {
  const b = await ctx.deps.prisma.build.findFirst({
    where: { id, orgId: ctx.actor.orgId },
    include: { host: { select: { id: true, name: true } } },
  });
  if (!b) throw new DomainError("NOT_FOUND", `build ${id} not found`, { field: "id" });
  return b;
}

export async function getBuild(ctx: TServiceCtx, id: string): Promise<TBuildOut> {
  return toBuildOut(await findBuild(ctx, id));
}

/** Queued: removed and marked cancelled now; running: the worker aborts the Docker build. */
export async function cancelBuild(ctx: TServiceCtx, id: string) {
  requireRole(ctx.actor, "member");
  const b = await findBuild(ctx, id);
  if (b.status === "succeeded" || b.status === "failed" || b.status === "cancelled")
    return { outcome: "finished" as const, status: b.status };
  let outcome: "cancelled" | "cancelling" | "finished" = "cancelled";
  if (b.jobId) {
    const res = await requestCancel(
      { prisma: ctx.deps.prisma, redis: ctx.deps.redis, queues: ctx.deps.queues },
      b.jobId,
      ctx.actor.orgId,
    );
    outcome = res.outcome;
  }
  // A job removed before it ran never reaches the processor, so the row is finished here.
  if (outcome !== "cancelling" && b.status === "queued") {
    await ctx.deps.prisma.build.updateMany({
      where: { id: b.id, status: "queued" },
      data: { status: "cancelled", error: "cancelled", finishedAt: new Date() },
    });
  }
  const now = await findBuild(ctx, id);
  await audit(ctx, {
    action: "build.cancel",
    targetType: "Build",
    targetId: b.id,
    before: { status: b.status },
    after: { outcome, status: now.status },
  });
  return { outcome, status: now.status };
}
