// deploy.apply to a Kubernetes host, against the in-repo API emulator (no cluster can run here):
// server-side apply with field manager "aitk", status watching until Available, and an automatic
// rollback when a rollout exceeds its progress deadline.
import { randomBytes } from "node:crypto";
import { encryptSecret, generateSecretKeyHex } from "@aitk/core/crypto/secrets";
import { parseDeploymentYaml } from "@aitk/core/deploy/parse";
import { createRedis, type TRedis } from "@aitk/db";
import { createTestDatabase, type TTestDatabase } from "@aitk/db/testing";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createK8sEmulator } from "../../k8s-emulator/src/server";
import { applyRevision } from "../src/deploy/apply";

const token = `tok-${randomBytes(6).toString("hex")}`;
const secretKeyHex = generateSecretKeyHex();
let emulator: ReturnType<typeof createK8sEmulator>;
let kc: KubeConfig;
let db: TTestDatabase;
let redis: TRedis;
let orgId: string;
let deploymentId: string;
const logs: string[] = [];

const yaml = (image: string, strategy = "rolling") => `
apiVersion: aitk/v1
kind: AIDeployment
metadata: { name: llm }
spec:
  model: { name: meta-llama/Llama-3.2-1B-instruct, quantization: q4_k_m }
  runtime: { engine: llama.cpp, version: server-b6000 }
  strategy: ${strategy}
  targets:
    - name: prod
      platform: kubernetes
      cluster: emu
      namespace: ai
      image: ${image}
      replicas: 2
`;

let number = 0;
async function revision(text: string) {
  const { spec } = parseDeploymentYaml(text, "aitk-deploy.yaml");
  const r = await db.prisma.revision.create({
    data: {
      orgId,
      deploymentId,
      number: ++number,
      spec: JSON.parse(JSON.stringify(spec)),
      rollout: { request: {} },
    },
  });
  return r.id;
}

const deps = () => ({
  prisma: db.prisma,
  redis,
  invalidateChannel: `t${randomBytes(3).toString("hex")}:aitk:invalidate`,
  secretKeyHex,
  log: async (l: string) => {
    logs.push(l);
  },
});

beforeAll(async () => {
  emulator = createK8sEmulator({ token, rolloutDelayMs: 150 });
  const port = await emulator.listen(0);
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "emu", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "t", token }],
    contexts: [{ name: "emu", cluster: "emu", user: "t" }],
    currentContext: "emu",
  });
  db = await createTestDatabase();
  redis = createRedis("redis://127.0.0.1:6379");
  orgId = (
    await db.prisma.organization.create({
      data: { name: "k8s", slug: `k8s-${randomBytes(3).toString("hex")}` },
    })
  ).id;
  await db.prisma.host.create({
    data: {
      orgId,
      name: "emu",
      kind: "kubernetes",
      endpoint: `http://127.0.0.1:${port}`,
      credentialsEnc: encryptSecret(JSON.stringify({ token }), secretKeyHex),
    },
  });
  deploymentId = (await db.prisma.deployment.create({ data: { orgId, name: "llm", specYaml: "", spec: {} } }))
    .id;
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  redis?.disconnect();
  await db?.drop();
});

const image = async (name: string) =>
  (await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: "ai" })).spec?.template.spec
    ?.containers[0]?.image;

describe("deploy.apply to Kubernetes (API emulator)", () => {
  it("server-side applies the rendered objects and waits until Available", async () => {
    const rev = await revision(yaml("ghcr.io/ggml-org/llama.cpp:server-b6000"));
    const out = await applyRevision(deps(), rev);
    expect(out.status, out.error).toBe("active");
    expect(out.targets.prod?.state).toBe("active");
    const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "llm", namespace: "ai" });
    expect(d.status?.availableReplicas).toBe(2);
    expect(d.metadata?.managedFields?.some((f) => f.manager === "aitk" && f.operation === "Apply")).toBe(
      true,
    );
    const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: "llm", namespace: "ai" });
    expect(svc.spec?.sessionAffinity).toBe("ClientIP");
    expect(logs.some((l) => l.includes("is Available"))).toBe(true);
  });

  it("rolls back to the previous revision when the rollout exceeds its deadline", async () => {
    const rev = await revision(yaml("registry.example/fail:1"));
    const out = await applyRevision(deps(), rev);
    expect(out.status).toBe("rolled_back");
    expect(out.error).toMatch(/ProgressDeadlineExceeded/);
    expect(await image("llm")).toBe("ghcr.io/ggml-org/llama.cpp:server-b6000");
    const dep = await db.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    expect(dep.status).toBe("active");
    expect(
      (await db.prisma.revision.findUniqueOrThrow({ where: { id: dep.currentRevisionId! } })).number,
    ).toBe(1);
  });

  it("blue-green: new track Available before the Service selector flips; a failing track is dropped", async () => {
    const rev = await revision(yaml("ghcr.io/ggml-org/llama.cpp:server-b6001", "blue-green"));
    const out = await applyRevision(deps(), rev);
    expect(out.status, out.error).toBe("active");
    const track = out.targets.prod?.track;
    expect(track).toBeDefined();
    const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: "llm", namespace: "ai" });
    expect(svc.spec?.selector?.["aitk.io/track"]).toBe(track);
    expect(await image(`llm-${track}`)).toBe("ghcr.io/ggml-org/llama.cpp:server-b6001");
    // The rolling revision's Deployment is pruned once the new track serves.
    await expect(
      kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "llm", namespace: "ai" }),
    ).rejects.toMatchObject({ code: 404 });

    const bad = await revision(yaml("registry.example/fail:2", "blue-green"));
    const failed = await applyRevision(deps(), bad);
    expect(failed.status).toBe("rolled_back");
    const after = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: "llm", namespace: "ai" });
    expect(after.spec?.selector?.["aitk.io/track"]).toBe(track);
    const other = track === "blue" ? "green" : "blue";
    await expect(
      kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: `llm-${other}`, namespace: "ai" }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
