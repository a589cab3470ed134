import { DomainError, notFound } from "@aitk/core/errors";
import {
  connectDockerHost,
  describeDockerError,
  type THostConnectOptions,
  type THostTarget,
  withTimeout,
} from "./connect";

export type TContainerSummary = {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  createdAt: string;
  labels: Record<string, string>;
  ports: { privatePort: number; publicPort: number | null; type: string }[];
};

const unavailable = (host: THostTarget, e: unknown) =>
  new DomainError("UNAVAILABLE", `docker host unreachable: ${describeDockerError(host, e)}`);

/** Containers on a host (`docker ps -a` by default), newest first. */
export async function listContainers(
  host: THostTarget,
  opts: THostConnectOptions & { all?: boolean; labels?: string[] } = {},
): Promise<TContainerSummary[]> {
  const docker = connectDockerHost(host, opts);
  let list: Awaited<ReturnType<typeof docker.listContainers>>;
  try {
    list = await withTimeout(
      docker.listContainers({
        all: opts.all ?? true,
        ...(opts.labels?.length ? { filters: { label: opts.labels } } : {}),
      }),
      opts.timeoutMs ?? 10_000,
      "listing containers",
    );
  } catch (e) {
    throw unavailable(host, e);
  }
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ""),
    image: c.Image,
    state: c.State,
    status: c.Status,
    createdAt: new Date(c.Created * 1000).toISOString(),
    labels: c.Labels ?? {},
    ports: (c.Ports ?? []).map((p) => ({
      privatePort: p.PrivatePort,
      publicPort: p.PublicPort ?? null,
      type: p.Type,
    })),
  }));
}

export type TLogLine = { stream: "stdout" | "stderr"; text: string };

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream type, 3 zero bytes, big-endian
 * length) into lines. Containers with a TTY send raw text instead, all of it stdout.
 */
export function demuxDockerLogs(buf: Buffer, tty: boolean): TLogLine[] {
  const chunks: { stream: "stdout" | "stderr"; text: string }[] = [];
  if (tty) {
    chunks.push({ stream: "stdout", text: buf.toString("utf8") });
  } else {
    let off = 0;
    while (off + 8 <= buf.length) {
      const type = buf[off];
      const len = buf.readUInt32BE(off + 4);
      const body = buf.subarray(off + 8, off + 8 + len);
      chunks.push({ stream: type === 2 ? "stderr" : "stdout", text: body.toString("utf8") });
      off += 8 + len;
    }
  }
  const lines: TLogLine[] = [];
  // Frames do not align with lines: join consecutive frames of the same stream before splitting.
  let cur: { stream: "stdout" | "stderr"; text: string } | null = null;
  const flush = () => {
    if (!cur) return;
    const parts = cur.text.split(/\r?\n/);
    if (parts[parts.length - 1] === "") parts.pop();
    for (const p of parts) lines.push({ stream: cur.stream, text: p });
    cur = null;
  };
  for (const c of chunks) {
    if (cur && cur.stream === c.stream) cur.text += c.text;
    else {
      flush();
      cur = { ...c };
    }
  }
  flush();
  return lines;
}

/** The last `tail` log lines of a container (stdout and stderr, in order). */
export async function containerLogs(
  host: THostTarget,
  containerId: string,
  tail = 200,
  opts: THostConnectOptions & { timestamps?: boolean } = {},
): Promise<TLogLine[]> {
  const docker = connectDockerHost(host, opts);
  const container = docker.getContainer(containerId);
  try {
    const ms = opts.timeoutMs ?? 10_000;
    const info = await withTimeout(container.inspect(), ms, "inspecting the container");
    const buf = (await withTimeout(
      container.logs({
        stdout: true,
        stderr: true,
        follow: false,
        tail: Math.max(0, Math.min(10_000, Math.floor(tail))),
        timestamps: opts.timestamps ?? false,
      }),
      ms,
      "reading container logs",
    )) as unknown as Buffer;
    return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(buf), Boolean(info.Config?.Tty));
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw notFound("container", containerId);
    throw unavailable(host, e);
  }
}
