// One replica on a Docker host: a container built from the core's Engine API body (host networking, its
// own port, read-only root, no capabilities, no new privileges, aitk labels), its health gate, its
// in-flight count for draining, and its removal.
import { createServer } from "node:net";
import {
  engineApiBody,
  planTarget,
  type TAIDeployment,
  type TTarget,
  type TTargetPlan,
} from "@aitk/core/deploy/index";
import { demuxDockerLogs } from "@aitk/db/docker/containers";
import { parseDockerEndpoint } from "@aitk/db/docker/endpoint";
import type Docker from "dockerode";

export const PORT_RANGE: [number, number] = [20000, 29999];

export interface TReplicaSpec {
  orgId: string;
  deploymentId: string;
  revisionId: string;
  revisionNumber: number;
  replicaId: string;
  index: number;
  port: number;
}

/** The address containers on this host are reached at (host networking: the host's own address). */
export function hostAddress(endpoint: string): string {
  const ep = parseDockerEndpoint(endpoint);
  if (ep.protocol === "unix") return "127.0.0.1";
  return ep.host;
}

/** A target's plan with the engine listening on `port` (host networking: every replica needs its own). */
export function replicaPlan(
  spec: TAIDeployment,
  target: TTarget,
  port: number,
  strategy?: string,
): TTargetPlan {
  const withPort: TAIDeployment = {
    ...spec,
    spec: { ...spec.spec, runtime: { ...spec.spec.runtime, port } },
  };
  return planTarget(withPort, target, strategy ? { strategy: strategy as never } : {});
}

export const containerName = (deployment: string, target: string, revision: number, index: number) =>
  `aitk-${deployment}-${target}-r${revision}-${index}`.slice(0, 120);

/** Engine API create body for one replica. */
export function replicaBody(plan: TTargetPlan, r: TReplicaSpec): Docker.ContainerCreateOptions {
  const body = engineApiBody(plan) as unknown as Docker.ContainerCreateOptions & {
    HostConfig: Docker.HostConfig;
    Labels: Record<string, string>;
  };
  return {
    ...body,
    name: containerName(plan.deployment, plan.target.name, r.revisionNumber, r.index),
    Labels: {
      ...body.Labels,
      "aitk.io/org": r.orgId,
      "aitk.io/deployment-id": r.deploymentId,
      "aitk.io/revision": r.revisionId,
      "aitk.io/revision-number": String(r.revisionNumber),
      "aitk.io/replica": r.replicaId,
      "aitk.io/port": String(r.port),
    },
    // No bridge here, and replicas are reached on the host's address: host networking, one port each.
    ExposedPorts: {},
    HostConfig: {
      ...body.HostConfig,
      NetworkMode: "host",
      // The worker's health gate decides; Docker restarting a crashing engine would only hide the failure.
      RestartPolicy: { Name: "no" },
    },
  };
}

function portBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * A port no aitk container on the host claims; on the local host also one nothing listens on. Random
 * start so concurrent rollouts rarely race for the same port.
 */
export async function freePort(docker: Docker, local: boolean, taken: Set<number>): Promise<number> {
  const used = new Set(taken);
  const list = await docker.listContainers({ all: true, filters: { label: ["aitk.io/port"] } });
  for (const c of list) used.add(Number(c.Labels["aitk.io/port"]));
  const [lo, hi] = PORT_RANGE;
  const span = hi - lo + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const p = lo + ((start + i) % span);
    if (used.has(p) || taken.has(p)) continue;
    // Claimed before the (async) bind test, so replicas started in parallel never share a port.
    taken.add(p);
    if (local && !(await portBindable(p))) {
      taken.delete(p);
      continue;
    }
    return p;
  }
  throw new Error(`no free port in ${lo}-${hi} on the host`);
}

export async function createAndStart(
  docker: Docker,
  body: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  // A leftover of an earlier try with the same name is ours: replace it.
  if (body.name)
    await docker
      .getContainer(body.name)
      .remove({ force: true })
      .catch(() => undefined);
  const c = await docker.createContainer(body);
  await c.start();
  return c;
}

export async function tailLogs(docker: Docker, id: string, lines = 20): Promise<string[]> {
  try {
    const c = docker.getContainer(id);
    const info = await c.inspect();
    const buf = (await c.logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
    return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(buf), Boolean(info.Config?.Tty)).map(
      (l) => l.text,
    );
  } catch {
    return [];
  }
}

export type THealthResult = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Waits until the replica answers its startup path with 200, or fails early when the container stops
 * (with its last log lines in the reason), or when `timeoutMs` passes.
 */
export async function waitHealthy(
  docker: Docker,
  containerId: string,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<THealthResult> {
  const t0 = Date.now();
  const c = docker.getContainer(containerId);
  let last = "no answer yet";
  for (let i = 0; ; i++) {
    if (signal?.aborted) return { ok: false, reason: "cancelled" };
    if (i % 4 === 0) {
      const info = await c.inspect().catch(() => null);
      if (!info) return { ok: false, reason: "container disappeared" };
      if (!info.State.Running) {
        const logs = await tailLogs(docker, containerId, 8);
        return {
          ok: false,
          reason: `container exited with code ${info.State.ExitCode}${logs.length ? `: ${logs.join(" | ").slice(-600)}` : ""}`,
        };
      }
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel().catch(() => undefined);
      if (r.status === 200) return { ok: true, ms: Date.now() - t0 };
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() - t0 > timeoutMs)
      return { ok: false, reason: `not healthy after ${Math.round(timeoutMs / 1000)} s (${last})` };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Requests running + waiting on a replica, from its Prometheus metrics (null when it has none). */
export async function inFlight(metricsUrl: string, names: (string | null)[]): Promise<number | null> {
  const wanted = names.filter((n): n is string => Boolean(n));
  if (!wanted.length) return null;
  try {
    const r = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) });
    if (!r.ok) return null;
    const text = await r.text();
    let sum = 0;
    for (const line of text.split("\n")) {
      if (line.startsWith("#")) continue;
      const name = line.split(/[{\s]/, 1)[0];
      if (name && wanted.includes(name)) sum += Number(line.trim().split(/\s+/).pop()) || 0;
    }
    return sum;
  } catch {
    return null;
  }
}

export async function removeContainer(docker: Docker, id: string, stopSeconds: number): Promise<void> {
  const c = docker.getContainer(id);
  await c.stop({ t: stopSeconds }).catch(() => undefined);
  await c.remove({ force: true, v: false }).catch(() => undefined);
}
