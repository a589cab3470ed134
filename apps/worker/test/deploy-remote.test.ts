// A "remote" Docker host (tcp://127.0.0.2:PORT, a TCP relay to the local socket): the engine binds every
// address there, so each replica gets its own key, stored encrypted on its endpoint; the gateway sends
// it, a caller without it is refused.
import { randomBytes } from "node:crypto";
import { createConnection, createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { decryptSecret, generateSecretKeyHex } from "@aitk/core/crypto/secrets";
import { parseDeploymentYaml } from "@aitk/core/deploy/parse";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import Docker from "dockerode";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../gateway/src/env";
import { createGateway, type TGateway } from "../../gateway/src/server";
import { applyRevision } from "../src/deploy/apply";
import { ensureEngineImage } from "../src/deploy/engineImage";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const secretKeyHex = generateSecretKeyHex();
const prefix = `tremote${randomBytes(3).toString("hex")}:`;
const name = `remote-${randomBytes(2).toString("hex")}`;
let relay: Server;
let db: TTestDatabase;
let redis: TRedis;
let gw: TGateway;
let gwUrl: string;
let apiKey: string;
let orgId: string;

beforeAll(async () => {
  await ensureEngineImage(docker, resolve(import.meta.dirname, "../../.."));
  relay = createServer((c) => {
    const up = createConnection("/var/run/docker.sock");
    c.pipe(up).pipe(c);
    c.on("error", () => up.destroy());
    up.on("error", () => c.destroy());
  });
  await new Promise<void>((ok) => relay.listen(0, "127.0.0.2", ok));
  const port = (relay.address() as { port: number }).port;
  db = await createTestDatabase();
  redis = createRedis("redis://127.0.0.1:6379");
  orgId = (
    await db.prisma.organization.create({
      data: {
        name: "remote",
        slug: `remote-${randomBytes(3).toString("hex")}`,
        plan: "paid",
        allowLoopbackUpstreams: true,
      },
    })
  ).id;
  await db.prisma.host.create({
    data: { orgId, name: "gpu-box", kind: "docker", endpoint: `tcp://127.0.0.2:${port}` },
  });
  const k = generateApiKey();
  await db.prisma.apiKey.create({
    data: { orgId, name: "t", prefix: k.prefix, hash: k.hash, scopes: ["inference"] },
  });
  apiKey = k.key;
  gw = await createGateway(
    loadEnv({ DATABASE_URL: db.url, AITK_REDIS_PREFIX: prefix, AITK_SECRET_KEY: secretKeyHex }),
    {
      prisma: db.prisma,
      log: pino({ level: "silent" }),
      decrypt: (enc: string) => decryptSecret(enc, secretKeyHex),
    },
  );
  gwUrl = `http://127.0.0.1:${await gw.listen(0, "127.0.0.1")}`;
}, 180_000);

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`aitk.io/org=${orgId}`] } }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  await gw?.close();
  relay?.close();
  redis?.disconnect();
  await db?.drop();
});

describe("deploy.apply to a remote Docker host", () => {
  it("protects the engine with a per-replica key that only the gateway holds", async () => {
    const { spec } = parseDeploymentYaml(`apiVersion: aitk/v1
kind: AIDeployment
metadata: { name: ${name} }
spec:
  model: { name: aitk-tiny, servedName: ${name} }
  runtime: { engine: aitk, env: { ENGINE_DEFAULT_MAX_TOKENS: "4" } }
  strategy: { type: rolling, gates: { healthTimeout: 40s } }
  targets: [{ name: box, platform: docker, host: gpu-box, image: "aitk/engine:local", replicas: 1 }]
`);
    const d = await db.prisma.deployment.create({ data: { orgId, name, specYaml: "", spec: {} } });
    const rev = await db.prisma.revision.create({
      data: {
        orgId,
        deploymentId: d.id,
        number: 1,
        spec: JSON.parse(JSON.stringify(spec)),
        rollout: { request: {} },
      },
    });
    const out = await applyRevision(
      {
        prisma: db.prisma,
        redis,
        invalidateChannel: `${prefix}aitk:invalidate`,
        secretKeyHex,
        log: async () => {},
      },
      rev.id,
    );
    expect(out.status, out.error).toBe("active");
    const ep = await db.prisma.endpoint.findFirstOrThrow({ where: { orgId } });
    expect(ep.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/v1$/);
    expect(ep.upstreamApiKeyEnc).toBeTruthy();
    const key = decryptSecret(ep.upstreamApiKeyEnc!, secretKeyHex);
    const body = JSON.stringify({ model: name, prompt: "Hi", max_tokens: 2 });
    const direct = await fetch(`${ep.url}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(direct.status).toBe(401);
    const keyed = await fetch(`${ep.url}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body,
    });
    expect(keyed.status).toBe(200);
    const viaGateway = await fetch(`${gwUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body,
    });
    const health = await fetch(`${gwUrl}/v1/aitk/endpoints`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(viaGateway.status, `${await viaGateway.clone().text()} ${await health.text()}`).toBe(200);
  }, 120_000);
});
