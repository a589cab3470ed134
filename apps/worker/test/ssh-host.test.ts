// The ssh:// endpoint end to end: a throwaway sshd on 127.0.0.1 (random port, its own keys, killed at
// the end) in front of the local engine; dockerode runs `docker system dial-stdio` through it.
// Skipped where openssh-server is not installed.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptSecret, generateSecretKeyHex } from "@aitk/core/crypto/secrets";
import { listContainers } from "@aitk/db/docker/containers";
import { checkHostHealth } from "@aitk/db/docker/health";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SSHD = "/usr/sbin/sshd";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port: number, timeoutMs: number) {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1", () => {
        s.end();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!existsSync(SSHD) || process.getuid?.() !== 0)("ssh docker hosts", () => {
  let dir: string;
  let sshd: ChildProcess | undefined;
  let port: number;
  let privateKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aitk-sshd-"));
    for (const name of ["host", "client"]) {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, name)]);
    }
    privateKey = readFileSync(join(dir, "client"), "utf8");
    writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client.pub")));
    port = await freePort();
    writeFileSync(
      join(dir, "sshd_config"),
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${join(dir, "host")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "StrictModes no",
        "UsePAM no",
      ].join("\n"),
    );
    mkdirSync("/run/sshd", { recursive: true });
    sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
    await waitForPort(port, 10_000);
  });

  afterAll(() => {
    sshd?.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("checks the engine's health through ssh with the decrypted private key", async () => {
    const key = generateSecretKeyHex();
    const host = {
      endpoint: `ssh://root@127.0.0.1:${port}`,
      credentialsEnc: encryptSecret(JSON.stringify({ privateKey }), key),
    };
    const r = await checkHostHealth(host, { secretKeyHex: key, timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: true, kind: "docker" });
    if (r.ok) {
      expect(r.version).toBe(
        execFileSync("docker", ["version", "--format", "{{.Server.Version}}"]).toString().trim(),
      );
    }
    const list = await listContainers(host, { secretKeyHex: key, timeoutMs: 15_000 });
    expect(Array.isArray(list)).toBe(true);
  });

  it("reports a refused key as an unhealthy host, not a crash", async () => {
    const other = mkdtempSync(join(tmpdir(), "aitk-sshk-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(other, "k")]);
    const wrongKey = readFileSync(join(other, "k"), "utf8");
    rmSync(other, { recursive: true, force: true });
    const key = generateSecretKeyHex();
    const r = await checkHostHealth(
      {
        endpoint: `ssh://root@127.0.0.1:${port}`,
        credentialsEnc: encryptSecret(JSON.stringify({ privateKey: wrongKey }), key),
      },
      { secretKeyHex: key, timeoutMs: 15_000 },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/authentication/i);
  });
});
