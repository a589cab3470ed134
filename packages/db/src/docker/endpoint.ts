// Host endpoints as users type them, parsed into what dockerode needs. Pure: no connection is made here.
import { validationError } from "@aitk/core/errors";
import { z } from "zod";

export type TDockerEndpoint =
  | { protocol: "unix"; socketPath: string }
  | { protocol: "http" | "https"; host: string; port: number }
  | { protocol: "ssh"; host: string; port: number; username: string | null };

/**
 * unix:///var/run/docker.sock (or a bare absolute path), tcp://host:2376 (TLS when the host has TLS
 * credentials, plain HTTP otherwise), http(s)://host:port, ssh://user@host[:port].
 */
export function parseDockerEndpoint(endpoint: string, opts: { tls?: boolean } = {}): TDockerEndpoint {
  const raw = endpoint.trim();
  if (raw.startsWith("/")) return { protocol: "unix", socketPath: raw };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw validationError(
      `invalid host endpoint "${endpoint}": expected unix://, tcp://, https:// or ssh://`,
      {
        field: "endpoint",
      },
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  switch (url.protocol) {
    case "unix:": {
      const socketPath = decodeURIComponent(url.pathname || url.host);
      if (!socketPath.startsWith("/")) {
        throw validationError(`invalid unix socket endpoint "${endpoint}": use unix:///path/to/docker.sock`, {
          field: "endpoint",
        });
      }
      return { protocol: "unix", socketPath };
    }
    case "tcp:":
    case "http:":
    case "https:": {
      if (!host) throw validationError(`host endpoint "${endpoint}" has no host name`, { field: "endpoint" });
      const tls = url.protocol === "https:" || (url.protocol === "tcp:" && opts.tls === true);
      const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
      return { protocol: tls ? "https" : "http", host, port };
    }
    case "ssh:":
      if (!host) throw validationError(`host endpoint "${endpoint}" has no host name`, { field: "endpoint" });
      return {
        protocol: "ssh",
        host,
        port: url.port ? Number(url.port) : 22,
        username: url.username ? decodeURIComponent(url.username) : null,
      };
    default:
      throw validationError(
        `unsupported host endpoint scheme "${url.protocol.replace(/:$/, "")}": use unix, tcp, https or ssh`,
        { field: "endpoint", choices: ["unix", "tcp", "https", "ssh"] },
      );
  }
}

/** Decrypted Host.credentialsEnc: TLS material for tcp, a key or password for ssh, a token for Kubernetes. */
export const ZHostCredentials = z
  .object({
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    privateKey: z.string().optional(),
    passphrase: z.string().optional(),
    password: z.string().optional(),
    username: z.string().optional(),
    token: z.string().optional(),
  })
  .strict();
export type THostCredentials = z.infer<typeof ZHostCredentials>;

export function parseHostCredentials(json: string): THostCredentials {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw validationError("host credentials are not valid JSON", { field: "credentials" });
  }
  const res = ZHostCredentials.safeParse(value);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue?.path.join(".") || (issue && "keys" in issue ? String(issue.keys) : "");
    throw validationError(`invalid host credentials${field ? ` (${field})` : ""}: ${issue?.message}`, {
      field: field ? `credentials.${field}` : "credentials",
    });
  }
  return res.data;
}
