import { decryptSecret } from "@aitk/core/crypto/secrets";
// build.run: Dockerfile.ai → resolved plan → image built on a Docker host through the Engine API.
// The build context is streamed as a tar (generated Dockerfile + requirements.txt + inline context
// files); steps, logs and progress go to the job's live stream; the Build row records the outcome.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { BuildStreamParser, type TBuildEvent } from "@aitk/core/build/dockerStream";
import {
  osvEcosystemFromOsRelease,
  parseDpkgStatus,
  type TOsPackage,
  type TPyPackage,
} from "@aitk/core/build/inventory";
import { ZBuildOptions, type TBuildOptions } from "@aitk/core/build/options";
import { planBuild, type TBuildPlan } from "@aitk/core/build/plan";
import { buildSbom } from "@aitk/core/build/sbom";
import { scanResolution } from "@aitk/core/build/scan";
import { isDomainError, notFound } from "@aitk/core/errors";
import type { Prisma } from "@aitk/db";
import { connectDockerHost } from "@aitk/db/docker/connect";
import type Docker from "dockerode";
import tar from "tar-stream";
import { defineProcessor } from "../processor";

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

/** A context file: base64 text (mode 0644) or base64 with an explicit mode (e.g. 0o755 for binaries). */
export type TContextFile = string | { base64: string; mode: number };

/** The build context as a tar stream: generated files win over context files of the same name. */
export function contextTar(
  generated: Record<string, string>,
  contextFiles: Record<string, TContextFile> = {},
): Readable {
  const pack = tar.pack();
  const entries = new Map<string, { data: Buffer; mode: number }>();
  for (const [path, f] of Object.entries(contextFiles)) {
    entries.set(
      path,
      typeof f === "string"
        ? { data: Buffer.from(f, "base64"), mode: 0o644 }
        : { data: Buffer.from(f.base64, "base64"), mode: f.mode },
    );
  }
  for (const [path, text] of Object.entries(generated))
    entries.set(path, { data: Buffer.from(text, "utf8"), mode: 0o644 });
  // Fixed mtime and sorted order: the same input gives the same tar, so the layer cache hits.
  const mtime = new Date(0);
  const dirs = new Set<string>();
  for (const path of [...entries.keys()].sort()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!dirs.has(dir)) {
        dirs.add(dir);
        pack.entry({ name: `${dir}/`, type: "directory", mode: 0o755, mtime });
      }
    }
    const e = entries.get(path) as { data: Buffer; mode: number };
    pack.entry({ name: path, mode: e.mode, mtime }, e.data);
  }
  pack.finalize();
  // tar-stream packs are streamx streams; the Engine API client wants a Node stream.
  return Readable.from(pack);
}

export interface TDockerBuildResult {
  imageId: string | null;
  error: { message: string; step: string | null } | null;
  steps: number;
}

/** POST /build (classic builder) and follow its stream until the end. Rejects with the abort reason on cancel. */
export async function runDockerBuild(
  docker: Docker,
  context: Readable,
  o: {
    tag: string;
    /** Only for foreign-architecture targets (linux/arm64); omitted, the host's own platform is built. */
    platform?: string;
    network?: string;
    buildArgs?: Record<string, string>;
    signal?: AbortSignal;
    onEvent?: (e: TBuildEvent) => Promise<void> | void;
  },
): Promise<TDockerBuildResult> {
  const stream = (await docker.buildImage(context, {
    t: o.tag,
    dockerfile: "Dockerfile",
    rm: true,
    forcerm: true,
    version: "1",
    networkmode: o.network ?? "host",
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.buildArgs ? { buildargs: o.buildArgs } : {}),
    ...(o.signal ? { abortSignal: o.signal } : {}),
  })) as Readable;
  const parser = new BuildStreamParser();
  let steps = 0;
  const onAbort = () => stream.destroy();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      for (const e of parser.push(String(chunk))) {
        if (e.type === "step") steps++;
        await o.onEvent?.(e);
      }
    }
    for (const e of parser.end()) await o.onEvent?.(e);
  } catch (e) {
    if (o.signal?.aborted) throw o.signal.reason;
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
  if (o.signal?.aborted) throw o.signal.reason;
  return { imageId: parser.state.error ? null : parser.state.imageId, error: parser.state.error, steps };
}

async function readFileFromImage(docker: Docker, imageId: string, path: string): Promise<string | null> {
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: ["/aitk-inventory"],
    NetworkDisabled: true,
  });
  try {
    const archive = (await container.getArchive({ path })) as unknown as Readable;
    const extract = tar.extract();
    let text: string | null = null;
    const done = new Promise<void>((resolve, reject) => {
      extract.on("entry", (_h, s, next) => {
        const bufs: Buffer[] = [];
        s.on("data", (b: unknown) => bufs.push(b as Buffer));
        s.on("end", () => {
          text ??= Buffer.concat(bufs).toString("utf8");
          next();
        });
        s.resume();
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
    });
    archive.pipe(extract);
    await done;
    return text;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

// Lists the venv's distributions with importlib.metadata; runs inside the image with no network.
const PY_INVENTORY = `import importlib.metadata as m, json
print(json.dumps(sorted([[d.metadata["Name"], d.version, d.metadata.get("License-Expression") or d.metadata.get("License") or ""] for d in m.distributions() if d.metadata["Name"]])))`;

/** Python packages installed in the image's /opt/venv (empty when it has none). */
export async function pythonInventory(
  docker: Docker,
  imageId: string,
  timeoutMs = 60_000,
): Promise<TPyPackage[]> {
  const container = await docker.createContainer({
    Image: imageId,
    Entrypoint: ["/opt/venv/bin/python"],
    Cmd: ["-c", PY_INVENTORY],
    NetworkDisabled: true,
    HostConfig: { NetworkMode: "none" },
  });
  try {
    try {
      await container.start();
    } catch {
      return []; // no /opt/venv/bin/python in this image
    }
    const timer = setTimeout(() => container.kill().catch(() => undefined), timeoutMs);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    clearTimeout(timer);
    if (StatusCode !== 0) return [];
    const raw = (await container.logs({ stdout: true, stderr: false })) as Buffer;
    const out = demux(raw).trim();
    const rows = JSON.parse(out || "[]") as unknown;
    if (!Array.isArray(rows)) return [];
    return rows
      .filter(
        (r): r is [string, string, string] =>
          Array.isArray(r) && typeof r[0] === "string" && typeof r[1] === "string",
      )
      .map(([name, version, license]) => ({
        name,
        version,
        ...(typeof license === "string" && license && license.length < 100 && license !== "UNKNOWN"
          ? { license }
          : {}),
      }));
  } catch {
    return [];
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** The payload of a non-TTY container log stream (8-byte frame headers). */
function demux(buf: Buffer): string {
  let out = "";
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}

/** Installed OS (dpkg) and Python (venv) packages of a built image, where it has them. */
export async function imageInventory(
  docker: Docker,
  imageId: string,
): Promise<{ osPackages?: TOsPackage[]; osEcosystem?: string; pythonPackages?: TPyPackage[] }> {
  const inv: { osPackages?: TOsPackage[]; osEcosystem?: string; pythonPackages?: TPyPackage[] } = {};
  const status = await readFileFromImage(docker, imageId, "/var/lib/dpkg/status");
  if (status) {
    inv.osPackages = parseDpkgStatus(status);
    const eco = osvEcosystemFromOsRelease(
      (await readFileFromImage(docker, imageId, "/etc/os-release")) ?? "",
    );
    if (eco) inv.osEcosystem = eco;
  }
  const py = await pythonInventory(docker, imageId);
  if (py.length) inv.pythonPackages = py;
  return inv;
}

/** A failure already recorded on the Build row. */
class BuildFailed extends Error {}

export default defineProcessor("build.run", async (ctx) => {
  const { orgId, buildId } = ctx.payload;
  const build = await ctx.prisma.build.findFirst({ where: { id: buildId, orgId }, include: { host: true } });
  if (!build) throw notFound("build", buildId);
  if (build.status === "cancelled") return { buildId, status: "cancelled" };
  const t0 = Date.now();
  const update = (data: Prisma.BuildUpdateInput) =>
    ctx.prisma.build.update({ where: { id: build.id }, data });
  await update({
    status: "running",
    startedAt: new Date(),
    finishedAt: null,
    error: null,
    failedStep: null,
    ...(ctx.job ? { jobId: ctx.job.id } : {}),
  });

  const fail = async (step: string | null, message: string): Promise<never> => {
    await update({
      status: "failed",
      failedStep: step,
      error: message,
      finishedAt: new Date(),
      durationMs: Date.now() - t0,
    });
    await ctx.log(`build failed${step ? ` at ${step}` : ""}: ${message}`, "error");
    throw new BuildFailed(`build ${build.id} failed${step ? ` at ${step}` : ""}: ${message}`);
  };

  // Anything unexpected (host unreachable, wrong host kind, engine errors) still lands on the Build row.
  const run = async () => {
    const parsedOpts = ZBuildOptions.safeParse(build.options ?? {});
    if (!parsedOpts.success)
      return fail(
        "options",
        parsedOpts.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; "),
      );
    const opts: TBuildOptions = parsedOpts.data;
    let buildArgs = opts.buildArgs;
    if (opts.buildArgsEnc) {
      if (!ctx.config.AITK_SECRET_KEY)
        return fail("options", "build args are encrypted but AITK_SECRET_KEY is not set");
      try {
        buildArgs = JSON.parse(decryptSecret(opts.buildArgsEnc, ctx.config.AITK_SECRET_KEY)) as Record<
          string,
          string
        >;
      } catch {
        return fail("options", "build args cannot be decrypted: AITK_SECRET_KEY differs from the web app's");
      }
    }

    let plan: TBuildPlan;
    try {
      plan = planBuild(build.dockerfileAi, {
        image: build.tag,
        ...(opts.cuda ? { cuda: opts.cuda } : {}),
        ...(opts.quantize ? { quantize: opts.quantize } : {}),
        ...(opts.optimize ? { optimize: opts.optimize } : {}),
        ...(opts.allowExperimental ? { allowExperimental: true } : {}),
      });
    } catch (e) {
      if (isDomainError(e)) return fail("resolve", e.message);
      throw e;
    }
    const r = plan.resolution;
    await update({
      resolution: asJson(r),
      generatedDockerfile: plan.dockerfile,
      requirementsTxt: plan.requirements,
      sbom: asJson(plan.sbom),
      scan: asJson(plan.scan),
    });
    await ctx.log(
      `resolved ${r.model.ref} → ${r.engine.name}${r.engine.version ? ` ${r.engine.version}` : ""} on ${r.target.name}`,
    );
    for (const d of r.decisions) await ctx.log(`  ${d.topic}: ${d.choice} — ${d.why}`);
    for (const w of r.warnings) await ctx.log(`  warning: ${w}`, "warn");
    await ctx.progress(5, "resolved");

    const docker = connectDockerHost(build.host ?? { endpoint: `unix://${ctx.config.DOCKER_SOCKET}` }, {
      ...(ctx.config.AITK_SECRET_KEY ? { secretKeyHex: ctx.config.AITK_SECRET_KEY } : {}),
    });
    const context = contextTar(
      { Dockerfile: plan.dockerfile, "requirements.txt": plan.requirements },
      opts.contextFiles,
    );
    let result: TDockerBuildResult;
    try {
      result = await runDockerBuild(docker, context, {
        tag: build.tag,
        ...(r.target.platform !== "linux/amd64" ? { platform: r.target.platform } : {}),
        ...(opts.network ? { network: opts.network } : {}),
        ...(buildArgs ? { buildArgs } : {}),
        signal: ctx.signal,
        onEvent: async (e) => {
          if (e.type === "step") {
            await ctx.log(`Step ${e.index}/${e.total} : ${e.instruction}`);
            await ctx.progress(
              5 + Math.floor((85 * e.index) / e.total),
              `step ${e.index}/${e.total}: ${e.instruction.slice(0, 80)}`,
            );
          } else if (e.type === "log") await ctx.log(e.text);
          else if (e.type === "error") await ctx.log(e.message, "error");
        },
      });
    } catch (e) {
      if (ctx.signal.aborted) {
        const cancelled = ctx.signal.reason === "cancel";
        await update(
          cancelled
            ? { status: "cancelled", error: "cancelled", finishedAt: new Date(), durationMs: Date.now() - t0 }
            : { status: "queued" },
        );
        if (cancelled) await ctx.log("build cancelled", "warn");
        throw e;
      }
      return fail(null, e instanceof Error ? e.message : String(e));
    }
    if (result.error || !result.imageId)
      return fail(result.error?.step ?? null, result.error?.message ?? "the engine reported no image id");

    const image = await docker.getImage(result.imageId).inspect();
    const layers = image.RootFS?.Layers?.length ?? 0;
    await ctx.progress(92, "scanning");
    const inv = await imageInventory(docker, image.Id);
    const scan = scanResolution({ resolution: r, ...inv });
    // Weights copied from the build context are hashed for the SBOM (downloaded ones are hashed by the
    // weights stage's own tooling, not here).
    const modelHashes: Record<string, string> = {};
    if (r.model.source === "local") {
      const prefix = r.model.ref.replace(/^\.\//, "").replace(/\/+$/, "");
      for (const [path, b64] of Object.entries(opts.contextFiles ?? {})) {
        if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
        const inImage = `${r.model.pathInImage}${path.slice(prefix.length)}`;
        modelHashes[inImage] = createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex");
      }
    }
    const sbom = buildSbom({
      resolution: r,
      image: build.tag,
      imageId: image.Id,
      ...inv,
      modelHashes,
      vulnerabilities: scan.vulnerabilities,
      timestamp: new Date().toISOString(),
    });
    const durationMs = Date.now() - t0;
    await update({
      status: "succeeded",
      imageId: image.Id,
      sizeBytes: BigInt(image.Size),
      layers,
      durationMs,
      finishedAt: new Date(),
      sbom: asJson(sbom),
      scan: asJson(scan),
    });
    const vulns = scan.vulnerabilities.length;
    await ctx.log(
      `built ${build.tag} ${image.Id.slice(0, 19)}: ${(image.Size / 1e6).toFixed(1)} MB, ${layers} layers, ${(durationMs / 1000).toFixed(1)} s; ${vulns} known vulnerabilit${vulns === 1 ? "y" : "ies"}`,
    );
    await ctx.progress(100, "built");
    return {
      buildId: build.id,
      imageId: image.Id,
      sizeBytes: image.Size,
      layers,
      durationMs,
      vulnerabilities: vulns,
    };
  };
  try {
    return await run();
  } catch (e) {
    if (e instanceof BuildFailed || ctx.signal.aborted) throw e;
    return fail(null, isDomainError(e) || e instanceof Error ? e.message : String(e));
  }
});
