// No Kubernetes cluster runs on these machines: a stand-in API server on a random port answers the
// three reads the health check makes, so the request shape (paths, bearer token) is what is tested.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encryptSecret, generateSecretKeyHex } from "@aitk/core/crypto/secrets";
import { checkHostHealth, recordHostHealth } from "@aitk/db/docker/health";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "./helpers";

let server: Server;
let base: string;
let db: TTestDatabase;
const seen: { url: string; auth: string | undefined }[] = [];

const node = (gpus?: string) => ({
  status: {
    capacity: { cpu: "8", memory: "32Gi" },
    allocatable: gpus ? { "nvidia.com/gpu": gpus } : {},
    nodeInfo: { osImage: "Ubuntu 22.04.4 LTS", kernelVersion: "6.5.0", architecture: "amd64" },
    images: [{}, {}, {}],
  },
});

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? "", auth: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    if (req.headers.authorization !== "Bearer tok-123") {
      res.statusCode = 401;
      return res.end(JSON.stringify({ kind: "Status", message: "Unauthorized" }));
    }
    if (req.url === "/version") {
      return res.end(
        JSON.stringify({ gitVersion: "v1.31.2", major: "1", minor: "31", platform: "linux/amd64" }),
      );
    }
    if (req.url === "/api/v1/nodes") return res.end(JSON.stringify({ items: [node("4"), node()] }));
    if (req.url?.startsWith("/api/v1/pods")) {
      const running = req.url.includes("Running");
      return res.end(JSON.stringify({ items: [{}], metadata: { remainingItemCount: running ? 6 : 9 } }));
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = await createTestDatabase();
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db?.drop();
});

describe("kubernetes hosts", () => {
  it("reads version, nodes, GPUs and pod counts with the decrypted bearer token", async () => {
    const key = generateSecretKeyHex();
    const credentialsEnc = encryptSecret(JSON.stringify({ token: "tok-123" }), key);
    const r = await checkHostHealth(
      { kind: "kubernetes", endpoint: base, credentialsEnc },
      { secretKeyHex: key },
    );
    expect(r).toMatchObject({
      ok: true,
      kind: "kubernetes",
      version: "v1.31.2",
      apiVersion: "1.31",
      os: "Ubuntu 22.04.4 LTS",
      ncpu: 16,
      memBytes: 64 * 1024 ** 3,
      nodes: 2,
      gpus: { count: 4, nvidiaRuntime: true },
      images: 6,
      containers: 10,
      containersRunning: 7,
    });
    expect(seen.every((s) => s.auth === "Bearer tok-123")).toBe(true);

    const org = await createOrg(db.prisma);
    const host = await db.prisma.host.create({
      data: { orgId: org.id, name: "k8s", kind: "kubernetes", endpoint: base, credentialsEnc },
    });
    const stored = await recordHostHealth(db.prisma, host.id, r);
    expect(stored.status).toBe("healthy");
    expect(stored.info).toMatchObject({ kind: "kubernetes", nodes: 2 });
  });

  it("reports the API server's refusal", async () => {
    const r = await checkHostHealth({ kind: "kubernetes", endpoint: base });
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining("HTTP 401: Unauthorized") });
  });
});
