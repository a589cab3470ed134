// The remote half of `aitk build`: submit the checked Dockerfile.ai to POST /api/v1/builds, follow the
// build job's logs and progress, and report the Build row's outcome.
import { cliEnv } from "../env";
import { UsageError } from "../errors";
import { followJob } from "../ui/follow";
import { duration } from "../ui/table";
import { type ApiClient, seg } from "./client";
import { ApiUnavailableError } from "./errors";
import type { TBuild, THost } from "./types";

export interface TRemoteBuild {
  file: string;
  dockerfileAi: string;
  tag: string;
  host?: string;
  cuda?: string;
  quantize?: string;
  optimize?: string;
  securityScan: boolean;
  allowExperimental: boolean;
  json: boolean;
  /** Where the model comes from, as the local resolution saw it. */
  modelSource: string;
}

async function hostIdOf(client: ApiClient, ref: string): Promise<string> {
  const { items } = await client.get<{ items: THost[] }>("/hosts");
  const h = items.find((x) => x.name === ref || x.id === ref);
  if (!h) {
    throw new UsageError(
      `--host "${ref}" is not a host of this organization${items.length ? `; hosts: ${items.map((x) => x.name).join(", ")}` : " (none registered)"}`,
    );
  }
  return h.id;
}

const mb = (b: number | null) => (b === null ? "-" : `${(b / 1e6).toFixed(1)} MB`);

/** Submits and follows a build; returns the exit code (0 built, 1 failed or cancelled). */
export async function remoteBuild(client: ApiClient, o: TRemoteBuild): Promise<number> {
  if (o.modelSource === "local") {
    throw new UsageError(
      `${o.file}: MODEL is a local path, which the control plane cannot read; build on this machine with --local`,
    );
  }
  const body = {
    dockerfileAi: o.dockerfileAi,
    tag: o.tag,
    ...(o.host ? { hostId: await hostIdOf(client, o.host) } : {}),
    ...(o.cuda ? { cuda: o.cuda } : {}),
    ...(o.quantize ? { quantize: o.quantize } : {}),
    ...(o.optimize ? { optimize: o.optimize } : {}),
    ...(o.securityScan ? { securityScan: true } : {}),
    ...(o.allowExperimental ? { allowExperimental: true } : {}),
  };
  const created = await client.post<TBuild>("/builds", body).catch((e: unknown) => {
    if (e instanceof ApiUnavailableError) {
      throw new ApiUnavailableError(`${e.message}; to build with this machine's docker instead, add --local`);
    }
    throw e;
  });
  if (!o.json) {
    console.error(
      `Build ${created.id} of ${created.tag} queued on ${created.host?.name ?? "the default host"} via ${client.apiUrl} (job ${created.jobId ?? "-"})`,
    );
  }
  if (created.jobId) {
    await followJob(client, created.jobId, {
      follow: true,
      json: false,
      silent: o.json,
      label: `build ${created.tag}`,
    });
  }
  // The worker records the Build row's outcome as the job ends; give it a moment to land.
  let b = await client.get<TBuild>(`/builds/${seg(created.id)}`);
  for (let i = 0; i < 20 && (b.status === "queued" || b.status === "running"); i++) {
    await new Promise((r) => setTimeout(r, cliEnv.pollMs));
    b = await client.get<TBuild>(`/builds/${seg(created.id)}`);
  }
  const ok = b.status === "succeeded";
  if (o.json) {
    console.log(JSON.stringify({ ok, build: b }));
  } else if (ok) {
    console.log(
      `Build successful: ${b.tag} (image ${b.imageId?.slice(0, 19) ?? "-"}, ${mb(b.sizeBytes)}, ${duration(b.durationMs)}${b.cveCount !== null ? `, ${b.cveCount} CVEs` : ""}; build ${b.id})`,
    );
  } else {
    console.error(
      `aitk: build ${b.id} ${b.status}${b.failedStep ? ` at ${b.failedStep}` : ""}${b.error ? `: ${b.error}` : ""} (aitk logs ${b.id})`,
    );
  }
  return ok ? 0 : 1;
}
