// Deployments through REST and tRPC: specs with line:column errors, revisions + deploy.apply jobs,
// one-click rollback, render/cost/schema, the signed-model policy, roles and tenant isolation. The
// rollout itself is the worker's (apps/worker/test/deploy-*.test.ts); no worker consumes jobs here.
import { parseDeploymentYaml } from "@aitk/core/deploy/parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture, type TFixture } from "./fixtures";
import { callRoute, restRoutes, type TRestRoute } from "./rest";

let f: TFixture;
let routes: TRestRoute[];
const route = (method: string, path: string) => {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};
type TErr = { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } };
type TApplyOut = {
  deployment: { id: string; name: string; status: string };
  revision: { id: string; number: number; status: string; rollbackOf: number | null } | null;
  jobId: string | null;
};

const yaml = (version: string, name = "web-tiny") => `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: ${name}
  version: "${version}"
spec:
  model:
    name: aitk-tiny
    servedName: ${name}
  runtime:
    engine: aitk
  strategy: blue-green
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 2
    - name: k8s
      platform: kubernetes
      namespace: ai
      replicas: 1
`;

beforeAll(async () => {
  f = await createFixture();
  routes = await restRoutes();
});

afterAll(async () => {
  await f?.close();
});

async function finish(revisionId: string, status: "active" | "failed") {
  const rev = await f.prisma.revision.update({ where: { id: revisionId }, data: { status } });
  if (status === "active")
    await f.prisma.deployment.update({
      where: { id: rev.deploymentId },
      data: { status: "active", currentRevisionId: rev.id },
    });
}

describe("deployments API", () => {
  let id: string;

  it("refuses a malformed spec with 400 and the YAML line:column", async () => {
    const bad = yaml("1").replace("      replicas: 2", "      replicas: two");
    const res = await callRoute(route("POST", "/deployments"), { key: f.a.key, body: { yaml: bad } });
    expect(res.status).toBe(400);
    const e = (res.body as TErr).error;
    expect(e.code).toBe("VALIDATION");
    expect(e.message).toMatch(/aitk-deploy\.yaml:18:\d+: .*replicas/);
    expect(e.details?.position).toEqual({ line: 18, column: expect.any(Number) });
  });

  it("creates the deployment and its first revision with a deploy.apply job", async () => {
    const res = await callRoute(route("POST", "/deployments"), { key: f.a.key, body: { yaml: yaml("1") } });
    expect(res.status, res.text).toBe(201);
    const out = res.body as TApplyOut;
    id = out.deployment.id;
    expect(out.deployment).toMatchObject({ name: "web-tiny", status: "deploying" });
    expect(out.revision).toMatchObject({ number: 1, status: "pending" });
    const job = await f.prisma.job.findUniqueOrThrow({ where: { id: out.jobId! } });
    expect(job).toMatchObject({ kind: "deploy.apply", orgId: f.a.orgId });
    expect(job.payload).toMatchObject({ revisionId: out.revision!.id });

    // One rollout at a time.
    const again = await callRoute(route("POST", `/deployments/{id}/apply`), {
      key: f.a.key,
      params: { id },
      body: {},
    });
    expect(again.status).toBe(409);
    await finish(out.revision!.id, "active");
  });

  it("applies a changed spec to chosen targets with another strategy, and rolls back in one call", async () => {
    const res = await callRoute(route("POST", "/deployments"), {
      key: f.a.key,
      body: { yaml: yaml("2"), targets: ["local"], strategy: "canary" },
    });
    expect(res.status, res.text).toBe(201);
    const out = res.body as TApplyOut;
    expect(out.revision).toMatchObject({ number: 2 });
    const rev2 = await f.prisma.revision.findUniqueOrThrow({ where: { id: out.revision!.id } });
    expect(rev2.rollout).toMatchObject({ request: { targets: ["local"], strategy: "canary" } });
    expect(rev2.strategy).toBe("canary");
    await finish(rev2.id, "active");
    await f.prisma.revision.updateMany({
      where: { deploymentId: id, number: 1 },
      data: { status: "superseded" },
    });

    const bad = await callRoute(route("POST", "/deployments"), {
      key: f.a.key,
      body: { yaml: yaml("3"), targets: ["nope"] },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as TErr).error.message).toMatch(/unknown target "nope"/);

    const rb = await callRoute(route("POST", "/deployments/{id}/rollback"), {
      key: f.a.key,
      params: { id },
      body: { revision: 1 },
    });
    expect(rb.status, rb.text).toBe(202);
    const r3 = (rb.body as TApplyOut).revision!;
    expect(r3).toMatchObject({ number: 3, rollbackOf: 1 });
    const [one, three] = await Promise.all([
      f.prisma.revision.findFirstOrThrow({ where: { deploymentId: id, number: 1 } }),
      f.prisma.revision.findFirstOrThrow({ where: { deploymentId: id, number: 3 } }),
    ]);
    expect(three.spec).toEqual(one.spec);
    // "Deploy again" after a rollback applies the restored spec, not the one rolled back from.
    const stored = await f.prisma.deployment.findUniqueOrThrow({ where: { id } });
    expect(stored.specYaml).toMatch(/^# revision 1's spec, restored by rollback \(revision 3\)/);
    expect(parseDeploymentYaml(stored.specYaml).spec).toEqual(one.spec);
    await finish(r3.id, "active");

    const revs = await callRoute(route("GET", "/deployments/{id}/revisions"), {
      key: f.a.readKey,
      params: { id },
    });
    expect((revs.body as { items: { number: number }[] }).items.map((r) => r.number)).toEqual([3, 2, 1]);
    const got = await callRoute(route("GET", "/deployments/{id}"), { key: f.a.readKey, params: { id } });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      name: "web-tiny",
      currentRevision: 3,
      targets: [{ name: "local" }, { name: "k8s" }],
    });
  });

  it("renders files, estimates cost and publishes the JSON Schema", async () => {
    const r = await callRoute(route("POST", "/deployments/render"), {
      key: f.a.key,
      body: { yaml: yaml("1") },
    });
    expect(r.status, r.text).toBe(200);
    const files = (r.body as { files: { path: string }[] }).files.map((x) => x.path);
    expect(files).toContain("local/docker-compose.yml");
    expect(files).toContain("local/container.json");
    expect(files.some((p) => p.startsWith("k8s/deployment"))).toBe(true);
    const stored = await callRoute(route("GET", "/deployments/{id}/render"), {
      key: f.a.readKey,
      params: { id },
      query: "target=k8s",
    });
    expect((stored.body as { targets: { target: string }[] }).targets.map((t) => t.target)).toEqual(["k8s"]);
    const cost = await callRoute(route("GET", "/deployments/{id}/cost"), {
      key: f.a.readKey,
      params: { id },
    });
    expect(cost.status).toBe(200);
    expect(cost.body).toHaveProperty("targets");
    const schema = await callRoute(route("GET", "/deployments/schema"), { key: f.a.readKey });
    expect(schema.status).toBe(200);
    expect(schema.body).toMatchObject({ $id: expect.stringContaining("AIDeployment") });
  });

  it("refuses unsigned models when the organization requires signed ones", async () => {
    await f.prisma.organization.update({ where: { id: f.a.orgId }, data: { requireSignedModels: true } });
    try {
      const res = await callRoute(route("POST", "/deployments"), {
        key: f.a.key,
        body: { yaml: yaml("1", "signed-only") },
      });
      expect(res.status).toBe(412);
      expect((res.body as TErr).error.message).toMatch(/requires signed models.*aitk-tiny/);
    } finally {
      await f.prisma.organization.update({ where: { id: f.a.orgId }, data: { requireSignedModels: false } });
    }
  });

  it("keeps tenants apart and needs the member role to deploy", async () => {
    const other = await callRoute(route("GET", "/deployments/{id}"), { key: f.b.key, params: { id } });
    expect(other.status).toBe(404);
    const list = await callRoute(route("GET", "/deployments"), { key: f.b.key });
    expect((list.body as { items: unknown[] }).items).toEqual([]);
    const ro = await callRoute(route("POST", "/deployments"), {
      key: f.a.readKey,
      body: { yaml: yaml("9") },
    });
    expect(ro.status).toBe(403);
    const viaTrpc = await f.caller(f.a.memberId).deployments.list();
    expect(viaTrpc.items.map((d) => d.name)).toContain("web-tiny");
  });
});
