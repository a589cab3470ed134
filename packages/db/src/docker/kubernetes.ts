// Health of a Kubernetes host: API server version plus what the nodes report (CPU, memory, GPUs as the
// nvidia.com/gpu extended resource) and pod counts. Plain HTTPS with the host's bearer token / client
// certificate: no kubeconfig on disk, nothing but the API server reached.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { validationError } from "@aitk/core/errors";
import type { THostCredentials } from "./endpoint";

export type TKubeReport = {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernel: string;
  ncpu: number;
  memBytes: number;
  nodes: number;
  gpuCount: number;
  images: number;
  pods: number;
  podsRunning: number;
};

const UNITS: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  K: 1e3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Kubernetes quantities ("16Gi", "4", "3500m"). */
export function parseQuantity(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  if (m[2] === "m") return n / 1000;
  return n * (UNITS[m[2]!] ?? 1);
}

type TNode = {
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    nodeInfo?: { osImage?: string; kernelVersion?: string; architecture?: string };
    images?: unknown[];
  };
};

function getJson(base: URL, path: string, creds: THostCredentials, timeoutMs: number): Promise<unknown> {
  const url = new URL(path, base);
  const https = url.protocol === "https:";
  const req = (https ? httpsRequest : httpRequest)(url, {
    method: "GET",
    headers: {
      accept: "application/json",
      ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}),
    },
    timeout: timeoutMs,
    ...(https
      ? {
          ...(creds.ca ? { ca: creds.ca } : {}),
          ...(creds.cert ? { cert: creds.cert } : {}),
          ...(creds.key ? { key: creds.key } : {}),
        }
      : {}),
  });
  return new Promise((resolve, reject) => {
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 0) >= 400) {
          let msg = body.slice(0, 200);
          try {
            msg = (JSON.parse(body) as { message?: string }).message ?? msg;
          } catch {}
          return reject(new Error(`GET ${url.pathname} → HTTP ${res.statusCode}: ${msg}`));
        }
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`GET ${url.pathname}: response is not JSON`));
        }
      });
    });
    req.end();
  });
}

/** Reads the cluster's state; throws with the API server's message on failure. */
export async function readKubernetesReport(
  endpoint: string,
  creds: THostCredentials,
  timeoutMs = 5000,
): Promise<TKubeReport> {
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw validationError(`invalid Kubernetes API URL "${endpoint}"`, { field: "endpoint" });
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw validationError(`Kubernetes API URL must be https:// (got "${endpoint}")`, { field: "endpoint" });
  }
  const version = (await getJson(base, "/version", creds, timeoutMs)) as {
    gitVersion?: string;
    major?: string;
    minor?: string;
    platform?: string;
  };
  const [nodes, pods, running] = (await Promise.all([
    getJson(base, "/api/v1/nodes", creds, timeoutMs),
    getJson(base, "/api/v1/pods?limit=1", creds, timeoutMs),
    getJson(base, "/api/v1/pods?limit=1&fieldSelector=status.phase%3DRunning", creds, timeoutMs),
  ])) as [{ items?: TNode[] }, TPodList, TPodList];
  const items = nodes.items ?? [];
  const first = items[0]?.status?.nodeInfo;
  const [os, arch] = (version.platform ?? "/").split("/");
  return {
    version: version.gitVersion ?? "unknown",
    apiVersion: version.major ? `${version.major}.${(version.minor ?? "").replace(/\+$/, "")}` : "unknown",
    os: first?.osImage ?? os ?? "",
    arch: first?.architecture ?? arch ?? "",
    kernel: first?.kernelVersion ?? "",
    ncpu: items.reduce((n, x) => n + parseQuantity(x.status?.capacity?.cpu), 0),
    memBytes: items.reduce((n, x) => n + parseQuantity(x.status?.capacity?.memory), 0),
    nodes: items.length,
    gpuCount: items.reduce((n, x) => n + parseQuantity(x.status?.allocatable?.["nvidia.com/gpu"]), 0),
    images: items.reduce((n, x) => n + (x.status?.images?.length ?? 0), 0),
    pods: countOf(pods),
    podsRunning: countOf(running),
  };
}

type TPodList = { items?: unknown[]; metadata?: { remainingItemCount?: number } };
const countOf = (l: TPodList) => (l.items?.length ?? 0) + (l.metadata?.remainingItemCount ?? 0);
