import { DomainError, validationError } from "@aitk/core/errors";
import { decryptSecret } from "@aitk/core/crypto/secrets";
import Docker from "dockerode";
import { parseDockerEndpoint, parseHostCredentials, type THostCredentials } from "./endpoint";

/** The Host row fields a connection needs. */
export type THostTarget = {
  id?: string;
  kind?: string;
  endpoint: string;
  credentialsEnc?: string | null;
};

export type THostConnectOptions = {
  /** AITK_SECRET_KEY (64 hex chars): decrypts Host.credentialsEnc. */
  secretKeyHex?: string;
  /** Turns Host.credentialsEnc into its JSON plaintext (e.g. `(enc) => decryptSecret(enc, keyHex)`). */
  decrypt?: (enc: string) => string;
  /** Per-request timeout; a dead host fails instead of hanging a job or a page. */
  timeoutMs?: number;
};

/** The host's decrypted credentials ({} when it has none). */
export function hostCredentials(host: THostTarget, opts: THostConnectOptions): THostCredentials {
  if (!host.credentialsEnc) return {};
  const decrypt =
    opts.decrypt ?? (opts.secretKeyHex ? (enc: string) => decryptSecret(enc, opts.secretKeyHex!) : null);
  if (!decrypt) {
    throw new DomainError("PRECONDITION", "host has encrypted credentials but no secret key was configured");
  }
  let plain: string;
  try {
    plain = decrypt(host.credentialsEnc);
  } catch {
    throw new DomainError(
      "PRECONDITION",
      "host credentials cannot be decrypted with the configured secret key",
    );
  }
  return parseHostCredentials(plain);
}

/** A dockerode client for a Docker host (unix socket, tcp with optional TLS, or ssh). */
export function connectDockerHost(host: THostTarget, opts: THostConnectOptions = {}): Docker {
  if (host.kind && host.kind !== "docker") {
    throw validationError(`host kind "${host.kind}" is not a Docker engine`, { field: "kind" });
  }
  const creds = hostCredentials(host, opts);
  const hasTls = Boolean(creds.cert || creds.key || creds.ca);
  const ep = parseDockerEndpoint(host.endpoint, { tls: hasTls });
  const timeout = opts.timeoutMs ?? 10_000;
  switch (ep.protocol) {
    case "unix":
      return new Docker({ socketPath: ep.socketPath, timeout });
    case "http":
      return new Docker({ protocol: "http", host: ep.host, port: ep.port, timeout });
    case "https":
      return new Docker({
        protocol: "https",
        host: ep.host,
        port: ep.port,
        timeout,
        ...(creds.ca ? { ca: creds.ca } : {}),
        ...(creds.cert ? { cert: creds.cert } : {}),
        ...(creds.key ? { key: creds.key } : {}),
      });
    case "ssh": {
      const username = ep.username ?? creds.username;
      if (!username) {
        throw validationError(`ssh endpoint "${host.endpoint}" needs a user (ssh://user@host)`, {
          field: "endpoint",
        });
      }
      return new Docker({
        protocol: "ssh",
        host: ep.host,
        port: ep.port,
        username,
        // No `timeout` here: docker-modem would call setTimeout on the ssh channel, which has none, and
        // throw from inside Node's HTTP client (an uncaught exception). Calls are bounded by withTimeout.
        sshOptions: {
          readyTimeout: timeout,
          ...(creds.privateKey ? { privateKey: creds.privateKey } : {}),
          ...(creds.passphrase ? { passphrase: creds.passphrase } : {}),
          ...(creds.password ? { password: creds.password } : {}),
        },
      } as Docker.DockerOptions);
    }
  }
}

/**
 * Bounds a Docker call: dockerode's own timeout covers unix/tcp requests but not ssh ones, and a host
 * that accepts the connection and then says nothing must still fail the call.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Turns a connection failure into a message that names the host and the cause. */
export function describeDockerError(host: THostTarget, e: unknown): string {
  const err = e as { code?: string; message?: string; statusCode?: number; json?: { message?: string } };
  const cause = err?.json?.message ?? err?.message ?? String(e);
  return `${host.endpoint}: ${err?.code && !cause.includes(err.code) ? `${err.code} ` : ""}${cause}`.trim();
}
