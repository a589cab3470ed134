import type { TPrisma } from "../client";
import {
  connectDockerHost,
  describeDockerError,
  hostCredentials,
  withTimeout,
  type THostConnectOptions,
  type THostTarget,
} from "./connect";
import { readKubernetesReport } from "./kubernetes";

export type TGpuReport = {
  /** The nvidia container runtime is registered with the engine (docker info Runtimes). */
  nvidiaRuntime: boolean;
  /** GPUs the engine advertises as generic resources (swarm-style NVIDIA-GPU entries), when it does. */
  count: number | null;
  /** Running containers that asked for GPUs (HostConfig.DeviceRequests or the nvidia runtime). */
  inUse: number;
  runtimes: string[];
};

export type THostHealth =
  | {
      ok: true;
      kind: "docker" | "kubernetes";
      version: string;
      apiVersion: string;
      os: string;
      arch: string;
      kernel: string;
      ncpu: number;
      memBytes: number;
      gpus: TGpuReport;
      images: number;
      /** Containers (Docker) or pods (Kubernetes). */
      containers: number;
      containersRunning: number;
      /** Kubernetes nodes; null for a Docker engine. */
      nodes: number | null;
      latencyMs: number;
      checkedAt: string;
    }
  | { ok: false; error: string; latencyMs: number; checkedAt: string };

type TGenericResource = {
  DiscreteResourceSpec?: { Kind?: string; Value?: number };
  NamedResourceSpec?: { Kind?: string; Value?: string };
};

function countGenericGpus(resources: TGenericResource[] | null | undefined): number | null {
  if (!resources?.length) return null;
  let n = 0;
  for (const r of resources) {
    if (r.DiscreteResourceSpec && /gpu/i.test(r.DiscreteResourceSpec.Kind ?? "")) {
      n += r.DiscreteResourceSpec.Value ?? 0;
    }
    if (r.NamedResourceSpec && /gpu/i.test(r.NamedResourceSpec.Kind ?? "")) n += 1;
  }
  return n;
}

/**
 * Docker: pings the engine and reads `docker version` + `docker info`; Kubernetes: reads the API
 * server's version, nodes and pod counts. Never throws for an unreachable or broken
 * host: the failure comes back as `{ ok: false, error }` so callers can store it.
 */
export async function checkHostHealth(
  host: THostTarget,
  opts: THostConnectOptions = {},
): Promise<THostHealth> {
  if (host.kind === "kubernetes") return checkKubernetesHealth(host, opts);
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  const budgetMs = opts.timeoutMs ?? 10_000;
  try {
    const docker = connectDockerHost(host, { timeoutMs: budgetMs, ...opts });
    return await withTimeout(readDockerReport(docker, started, checkedAt), budgetMs, "health check");
  } catch (e) {
    return {
      ok: false,
      error: describeDockerError(host, e),
      latencyMs: Math.round(performance.now() - started),
      checkedAt,
    };
  }
}

async function readDockerReport(
  docker: ReturnType<typeof connectDockerHost>,
  started: number,
  checkedAt: string,
): Promise<THostHealth> {
  await docker.ping();
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const [version, info] = await Promise.all([docker.version(), docker.info()]);
  const runtimes = Object.keys((info.Runtimes as Record<string, unknown> | undefined) ?? {}).sort();
  const nvidiaRuntime = runtimes.some((r) => r.includes("nvidia"));
  let inUse = 0;
  if ((info.ContainersRunning ?? 0) > 0) {
    const running = await docker.listContainers({ all: false });
    const inspected = await Promise.all(
      running.slice(0, 200).map((c) =>
        docker
          .getContainer(c.Id)
          .inspect()
          .catch(() => null),
      ),
    );
    for (const c of inspected) {
      const hc = c?.HostConfig as
        | { DeviceRequests?: { Driver?: string; Capabilities?: string[][] }[] | null; Runtime?: string }
        | undefined;
      const wantsGpu =
        hc?.Runtime?.includes("nvidia") ||
        (hc?.DeviceRequests ?? []).some(
          (d) => d.Driver === "nvidia" || (d.Capabilities ?? []).some((caps) => caps.includes("gpu")),
        );
      if (wantsGpu) inUse += 1;
    }
  }
  return {
    ok: true,
    kind: "docker",
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: info.OperatingSystem ?? version.Os,
    arch: version.Arch,
    kernel: version.KernelVersion ?? info.KernelVersion ?? "",
    ncpu: info.NCPU ?? 0,
    memBytes: info.MemTotal ?? 0,
    gpus: {
      nvidiaRuntime,
      count: countGenericGpus(info.GenericResources as TGenericResource[] | undefined),
      inUse,
      runtimes,
    },
    images: info.Images ?? 0,
    containers: info.Containers ?? 0,
    containersRunning: info.ContainersRunning ?? 0,
    nodes: null,
    latencyMs,
    checkedAt,
  };
}

async function checkKubernetesHealth(host: THostTarget, opts: THostConnectOptions): Promise<THostHealth> {
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  try {
    const r = await readKubernetesReport(host.endpoint, hostCredentials(host, opts), opts.timeoutMs ?? 5000);
    return {
      ok: true,
      kind: "kubernetes",
      version: r.version,
      apiVersion: r.apiVersion,
      os: r.os,
      arch: r.arch,
      kernel: r.kernel,
      ncpu: r.ncpu,
      memBytes: r.memBytes,
      gpus: { nvidiaRuntime: r.gpuCount > 0, count: r.gpuCount, inUse: 0, runtimes: [] },
      images: r.images,
      containers: r.pods,
      containersRunning: r.podsRunning,
      nodes: r.nodes,
      latencyMs: Math.round(performance.now() - started),
      checkedAt,
    };
  } catch (e) {
    return {
      ok: false,
      error: `${host.endpoint}: ${e instanceof Error ? e.message : String(e)}`,
      latencyMs: Math.round(performance.now() - started),
      checkedAt,
    };
  }
}

/**
 * Stores a health report on the Host row: status, lastCheckedAt, lastError, and the report as `info`
 * (a failed check keeps the last good report so the page still shows what the host was).
 */
export async function recordHostHealth(prisma: TPrisma, hostId: string, report: THostHealth) {
  return prisma.host.update({
    where: { id: hostId },
    data: report.ok
      ? { status: "healthy", lastCheckedAt: new Date(report.checkedAt), lastError: null, info: report }
      : { status: "unhealthy", lastCheckedAt: new Date(report.checkedAt), lastError: report.error },
  });
}
