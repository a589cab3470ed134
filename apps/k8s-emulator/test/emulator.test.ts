import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createK8sEmulator } from "../src/server";

// Driven only through the official @kubernetes/client-node, the way aitk's Kubernetes apply path talks
// to a real cluster.

const token = "emulator-token";
let emulator: ReturnType<typeof createK8sEmulator>;
let kc: KubeConfig;

beforeAll(async () => {
  emulator = createK8sEmulator({ token, rolloutDelayMs: 100 });
  const port = await emulator.listen(0);
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "emu", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "aitk", token }],
    contexts: [{ name: "emu", cluster: "emu", user: "aitk" }],
    currentContext: "emu",
  });
});
afterAll(() => emulator.close());

const deployment = (image: string, replicas = 2): KubernetesObject & { spec: Record<string, any> } => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "llm", namespace: "ai", labels: { app: "llm" } },
  spec: {
    replicas,
    selector: { matchLabels: { app: "llm" } },
    template: {
      metadata: { labels: { app: "llm" } },
      spec: { containers: [{ name: "vllm", image, ports: [{ containerPort: 8080 }] }] },
    },
  },
});

async function waitAvailable(apps: AppsV1Api, name: string) {
  for (let i = 0; i < 100; i++) {
    const d = await apps.readNamespacedDeployment({ name, namespace: "ai" });
    const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
    if (
      d.status?.observedGeneration === d.metadata?.generation &&
      progressing?.reason !== "ReplicaSetUpdated"
    )
      return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("rollout did not settle");
}

describe("Kubernetes API emulator through @kubernetes/client-node", () => {
  it("refuses a missing token", async () => {
    const bad = new KubeConfig();
    bad.loadFromOptions({
      clusters: kc.getClusters(),
      users: [{ name: "aitk", token: "nope" }],
      contexts: kc.getContexts(),
      currentContext: "emu",
    });
    await expect(bad.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });

  it("server-side applies a Deployment, rolls it out and reports status", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await expect(
      objects.patch(
        deployment("vllm:0.6"),
        undefined,
        undefined,
        "aitk",
        true,
        PatchStrategy.ServerSideApply,
      ),
    ).rejects.toMatchObject({
      code: 404,
    });
    await core.createNamespace({ body: { metadata: { name: "ai" } } });
    const applied = await objects.patch(
      deployment("vllm:0.6"),
      undefined,
      undefined,
      "aitk",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.metadata?.generation).toBe(1);
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await waitAvailable(apps, "llm");
    expect(d.status?.readyReplicas).toBe(2);
    expect(d.status?.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    const pods = await core.listNamespacedPod({ namespace: "ai", labelSelector: "app=llm" });
    expect(pods.items).toHaveLength(2);

    // Re-applying the same spec changes nothing; a new image bumps the generation.
    const again = await objects.patch(
      deployment("vllm:0.6"),
      undefined,
      undefined,
      "aitk",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(again.metadata?.generation).toBe(1);
    const v2 = await objects.patch(
      deployment("vllm:0.7", 3),
      undefined,
      undefined,
      "aitk",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(v2.metadata?.generation).toBe(2);
    expect((await waitAvailable(apps, "llm")).status?.readyReplicas).toBe(3);
  });

  it("reports apply conflicts between field managers unless forced", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const other = deployment("vllm:0.7", 5);
    await expect(
      objects.patch(other, undefined, undefined, "kubectl", false, PatchStrategy.ServerSideApply),
    ).rejects.toMatchObject({ code: 409 });
    const forced = await objects.patch(
      other,
      undefined,
      undefined,
      "kubectl",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((forced.spec as { replicas: number }).replicas).toBe(5);
  });

  it("rejects invalid objects with 422 naming the field", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const bad = deployment("x");
    (bad.spec as Record<string, unknown>).replicas = "many";
    const err = await objects
      .patch(bad, undefined, undefined, "aitk", true, PatchStrategy.ServerSideApply)
      .catch((e) => e);
    expect(err.code).toBe(422);
    expect(String(err.body)).toMatch(/replicas/);
  });

  it("fails a rollout whose image cannot start, and streams it through a watch", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const events: string[] = [];
    const w = await new Watch(kc).watch(
      "/apis/apps/v1/namespaces/ai/deployments",
      { fieldSelector: "metadata.name=broken" },
      (type, obj) =>
        events.push(
          `${type}:${obj.status?.conditions?.find((c: { type: string }) => c.type === "Progressing")?.reason ?? "-"}`,
        ),
      () => {},
    );
    const broken = {
      ...deployment("registry/fail:1"),
      metadata: { name: "broken", namespace: "ai", labels: { app: "broken" } },
    };
    broken.spec.selector.matchLabels.app = "broken";
    broken.spec.template.metadata.labels.app = "broken";
    await objects.patch(broken, undefined, undefined, "aitk", true, PatchStrategy.ServerSideApply);
    const d = await waitAvailable(kc.makeApiClient(AppsV1Api), "broken");
    expect(d.status?.conditions?.find((c) => c.type === "Progressing")?.reason).toBe(
      "ProgressDeadlineExceeded",
    );
    for (let i = 0; i < 40 && !events.some((e) => e.endsWith("ProgressDeadlineExceeded")); i++)
      await new Promise((r) => setTimeout(r, 25));
    w.abort();
    expect(events).toContain("MODIFIED:ProgressDeadlineExceeded");
    await objects.delete(broken);
    await expect(
      kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "broken", namespace: "ai" }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
