// Read-only views of a registered Docker host (containers, logs), fetched live on request. The host must
// belong to the actor's org; credentials are decrypted only inside @aitk/db/docker.
import { containerLogs as dockerLogs, listContainers as dockerList } from "@aitk/db/docker/containers";
import { z } from "zod";
import type { TServiceCtx } from "./actor";
import { findHost } from "./hosts";

const TIMEOUT_MS = 8000;

export async function listContainers(ctx: TServiceCtx, hostId: string, opts: { all?: boolean } = {}) {
  const host = await findHost(ctx, hostId);
  return dockerList(host, {
    secretKeyHex: ctx.deps.secretKeyHex,
    timeoutMs: TIMEOUT_MS,
    all: opts.all ?? true,
  });
}

export const ZContainerLogsQuery = z.object({
  containerId: z
    .string()
    .min(1, "is required")
    .max(128)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be a container id or name"),
  tail: z.coerce.number().int().min(1).max(5000).default(200),
});

export async function containerLogs(
  ctx: TServiceCtx,
  hostId: string,
  q: z.input<typeof ZContainerLogsQuery>,
) {
  const { containerId, tail } = ZContainerLogsQuery.parse(q);
  const host = await findHost(ctx, hostId);
  const lines = await dockerLogs(host, containerId, tail, {
    secretKeyHex: ctx.deps.secretKeyHex,
    timeoutMs: TIMEOUT_MS,
  });
  return { lines };
}
