// A member of org A must not read, list or change anything of org B — through every tRPC procedure and
// every REST route. The tables below must name every procedure and route: adding one without a case
// here fails the "covers every …" tests.
import { SEED_DOCKERFILE_AI } from "@aitk/core/build/fixtures";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allRoutes } from "../src/server/rest/routes";
import { createFixture, procedurePaths, type TFixture } from "./fixtures";
import { callRoute, restRoutes, type TRestRoute } from "./rest";

type TTenant = TFixture["a"];
type TCaller = ReturnType<TFixture["caller"]>;

const PUBLIC_UPSTREAM = "https://93.184.215.14/v1";

const DEPLOY_YAML = `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: tenant-a-tiny
spec:
  model:
    name: aitk-tiny
  runtime:
    engine: aitk
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 1
`;

const trpcCases: Record<string, (c: TCaller, b: TTenant) => Promise<unknown>> = {
  "account.signUp": (c) =>
    c.account.signUp({ email: `new-${Date.now()}@test.local`, password: "long enough pw", orgName: "New" }),
  "account.me": (c) => c.account.me(),
  "account.createOrg": (c) => c.account.createOrg({ name: "Another" }),
  "account.switchOrg": (c, b) => c.account.switchOrg({ orgId: b.orgId }),
  "account.acceptInvite": (c, b) => c.account.acceptInvite({ token: b.inviteToken }),
  "org.get": (c) => c.org.get(),
  "org.update": (c) => c.org.update({ name: "Renamed A", allowLoopbackUpstreams: true }),
  "org.members": (c) => c.org.members(),
  "org.changeRole": (c, b) => c.org.changeRole({ memberId: b.ownerMembershipId, role: "viewer" }),
  "org.removeMember": (c, b) => c.org.removeMember({ memberId: b.ownerMembershipId }),
  "org.invites": (c) => c.org.invites(),
  "org.invite": (c) => c.org.invite({ email: `someone-${Date.now()}@test.local`, role: "member" }),
  "org.revokeInvite": (c, b) => c.org.revokeInvite({ inviteId: b.inviteId }),
  "apiKeys.list": (c) => c.apiKeys.list(),
  "apiKeys.create": (c) => c.apiKeys.create({ name: "tenant-test" }),
  "apiKeys.revoke": (c, b) => c.apiKeys.revoke({ id: b.keyId }),
  "hosts.list": (c) => c.hosts.list(),
  "hosts.get": (c, b) => c.hosts.get({ id: b.hostId }),
  "hosts.register": (c) =>
    c.hosts.register({
      name: `h-${Date.now()}`,
      connection: { type: "unix", socketPath: "/var/run/docker.sock" },
    }),
  "hosts.remove": (c, b) => c.hosts.remove({ id: b.hostId }),
  "hosts.checkNow": (c, b) => c.hosts.checkNow({ id: b.hostId }),
  "hosts.containers": (c, b) => c.hosts.containers({ id: b.hostId }),
  "hosts.containerLogs": (c, b) => c.hosts.containerLogs({ id: b.hostId, containerId: "abc" }),
  "jobs.list": (c) => c.jobs.list(),
  "jobs.get": (c, b) => c.jobs.get({ id: b.jobId }),
  "jobs.logs": (c, b) => c.jobs.logs({ id: b.jobId }),
  "jobs.runDemo": (c) => c.jobs.runDemo({ steps: 1, stepMs: 0 }),
  "jobs.cancel": (c, b) => c.jobs.cancel({ id: b.jobId }),
  "models.list": (c) => c.models.list(),
  "models.register": (c) => c.models.register({ name: `m-${Date.now()}`, upstreamUrl: PUBLIC_UPSTREAM }),
  "models.remove": (c, b) => c.models.remove({ id: b.modelId }),
  "models.setEnabled": (c, b) => c.models.setEnabled({ id: b.modelId, enabled: false }),
  "audit.list": (c) => c.audit.list(),
  "audit.facets": (c) => c.audit.facets(),
  "gateway.overview": (c) => c.gateway.overview(),
  "gateway.checkUpstream": (c) => c.gateway.checkUpstream({ upstreamUrl: PUBLIC_UPSTREAM }),
  "gateway.createPlaygroundKey": (c) => c.gateway.createPlaygroundKey(),
  "gateway.revokePlaygroundKey": (c, b) => c.gateway.revokePlaygroundKey({ id: b.keyId }),
  "simulate.catalog": (c) => c.simulate.catalog(),
  "simulate.run": (c) => c.simulate.run({ scenarios: [{ device: "nvidia-h100", model: "llama-3.1-8b" }] }),
  "simulate.sweep": (c) =>
    c.simulate.sweep({
      sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [1, 2] } },
    }),
  "simulate.list": (c) => c.simulate.list(),
  "simulate.get": (c, b) => c.simulate.get({ id: b.jobId }),
  "builds.list": (c) => c.builds.list(),
  "builds.get": (c, b) => c.builds.get({ id: b.jobId }),
  "builds.dryRun": (c) => c.builds.dryRun({ dockerfileAi: SEED_DOCKERFILE_AI, allowExperimental: true }),
  "builds.create": (c, b) =>
    c.builds.create({
      dockerfileAi: SEED_DOCKERFILE_AI,
      tag: "t:1",
      hostId: b.hostId,
      allowExperimental: true,
    }),
  "builds.cancel": (c, b) => c.builds.cancel({ id: b.jobId }),
  "compat.graph": (c) => c.compat.graph({ engine: "vllm" }),
  "usage.dashboard": (c) => c.usage.dashboard({ range: "30d" }),
  "usage.summary": (c) => c.usage.summary({ from: "2020-01-01T00:00:00Z" }),
  "billing.overview": (c) => c.billing.overview(),
  "billing.grafana": (c) => c.billing.grafana(),
  // Stripe is not configured in this fixture: these refuse with PRECONDITION (nothing to leak).
  "billing.linkCustomer": (c) => c.billing.linkCustomer().catch(stripeOff),
  "billing.subscribe": (c) => c.billing.subscribe().catch(stripeOff),
  "billing.cancel": (c) => c.billing.cancel().catch(stripeOff),
  "deployments.list": (c) => c.deployments.list(),
  "deployments.get": (c, b) => c.deployments.get({ id: b.jobId }),
  "deployments.revisions": (c, b) => c.deployments.revisions({ id: b.jobId }),
  "deployments.create": (c) => c.deployments.create({ yaml: DEPLOY_YAML, apply: false }),
  "deployments.redeploy": (c, b) => c.deployments.redeploy({ id: b.jobId }),
  "deployments.rollback": (c, b) => c.deployments.rollback({ id: b.jobId, revision: 1 }),
  "deployments.render": (c) => c.deployments.render({ yaml: DEPLOY_YAML }),
  "deployments.renderStored": (c, b) => c.deployments.renderStored({ id: b.jobId }),
  "deployments.cost": (c, b) => c.deployments.cost({ id: b.jobId }),
  "deployments.logs": (c, b) => c.deployments.logs({ id: b.jobId, replicaId: "abc" }),
  "deployments.schema": (c) => c.deployments.schema(),
  "prices.list": (c) => c.prices.list(),
  "prices.create": (c) => c.prices.create({ model: "tenant-model", inputUsdPerMTok: 1, outputUsdPerMTok: 2 }),
  "prices.remove": (c, b) => c.prices.remove({ id: b.keyId }),
};

function stripeOff(e: unknown) {
  if (e instanceof TRPCError && e.code === "PRECONDITION_FAILED") return null;
  throw e;
}

type TRestCase = { params?: (b: TTenant) => Record<string, string>; body?: unknown; public?: boolean };

const restCases: Record<string, TRestCase> = {
  "GET /me": {},
  "GET /hosts": {},
  "POST /hosts": {
    body: { name: "rest-host", connection: { type: "unix", socketPath: "/var/run/docker.sock" } },
  },
  "GET /hosts/{id}": { params: (b) => ({ id: b.hostId }) },
  "DELETE /hosts/{id}": { params: (b) => ({ id: b.hostId }) },
  "POST /hosts/{id}/check": { params: (b) => ({ id: b.hostId }) },
  "GET /hosts/{id}/containers": { params: (b) => ({ id: b.hostId }) },
  "GET /hosts/{id}/containers/{containerId}/logs": { params: (b) => ({ id: b.hostId, containerId: "abc" }) },
  "GET /jobs": {},
  "POST /jobs": { body: { steps: 1, stepMs: 0 } },
  "GET /jobs/{id}": { params: (b) => ({ id: b.jobId }) },
  "GET /jobs/{id}/logs": { params: (b) => ({ id: b.jobId }) },
  "POST /jobs/{id}/cancel": { params: (b) => ({ id: b.jobId }) },
  "GET /keys": {},
  "POST /keys": { body: { name: "rest-key" } },
  "DELETE /keys/{id}": { params: (b) => ({ id: b.keyId }) },
  "GET /models": {},
  "POST /models": { body: { name: "rest-model", upstreamUrl: PUBLIC_UPSTREAM } },
  "DELETE /models/{id}": { params: (b) => ({ id: b.modelId }) },
  "GET /audit": {},
  "GET /audit/export": {},
  "POST /simulate": { body: { device: "nvidia-h100", model: "llama-3.1-8b" } },
  "POST /simulations": {
    body: { sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [1, 2] } } },
  },
  "GET /simulations": {},
  "GET /simulations/{id}": { params: (b) => ({ id: b.jobId }) },
  "POST /builds": {
    body: { dockerfileAi: SEED_DOCKERFILE_AI, tag: "rest-build:1", allowExperimental: true },
  },
  "GET /builds": {},
  "GET /builds/{id}": { params: (b) => ({ id: b.jobId }) },
  "POST /builds/{id}/cancel": { params: (b) => ({ id: b.jobId }) },
  "GET /compat": {},
  "POST /deployments": {
    body: { yaml: DEPLOY_YAML.replace("tenant-a-tiny", "tenant-a-rest"), apply: false },
  },
  "GET /deployments": {},
  "GET /deployments/schema": {},
  "POST /deployments/render": { body: { yaml: DEPLOY_YAML } },
  "GET /deployments/{id}": { params: (b) => ({ id: b.jobId }) },
  "POST /deployments/{id}/apply": { params: (b) => ({ id: b.jobId }), body: {} },
  "GET /deployments/{id}/revisions": { params: (b) => ({ id: b.jobId }) },
  "POST /deployments/{id}/rollback": { params: (b) => ({ id: b.jobId }), body: { revision: 1 } },
  "GET /deployments/{id}/render": { params: (b) => ({ id: b.jobId }) },
  "GET /deployments/{id}/cost": { params: (b) => ({ id: b.jobId }) },
  "GET /deployments/{id}/replicas/{replicaId}/logs": { params: (b) => ({ id: b.jobId, replicaId: "abc" }) },
  "GET /usage": {},
  "GET /openapi.json": { public: true },
  "GET /{...rest}": {},
  "POST /{...rest}": {},
  "PUT /{...rest}": {},
  "PATCH /{...rest}": {},
  "DELETE /{...rest}": {},
};

function bIds(b: TTenant): string[] {
  return [
    b.orgId,
    b.ownerId,
    b.viewerId,
    b.memberId,
    b.keyId,
    b.hostId,
    b.jobId,
    b.modelId,
    b.inviteId,
    b.ownerMembershipId,
  ];
}

function expectNoLeak(value: unknown, b: TTenant, what: string) {
  const text = JSON.stringify(value) ?? "";
  for (const id of bIds(b)) expect(text, `${what} leaked an id of org B`).not.toContain(id);
}

/** B's rows are exactly as the fixture made them. */
async function expectBUntouched(f: TFixture) {
  const { prisma, b, a } = f;
  const org = await prisma.organization.findUniqueOrThrow({ where: { id: b.orgId } });
  expect(org.name).toBe("Org b");
  expect(org.allowLoopbackUpstreams).toBe(false);
  expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: b.keyId } })).revokedAt).toBeNull();
  expect(await prisma.host.count({ where: { id: b.hostId } })).toBe(1);
  const job = await prisma.job.findUniqueOrThrow({ where: { id: b.jobId } });
  expect(job.state).toBe("queued");
  expect(job.cancelRequested).toBe(false);
  const model = await prisma.servedModel.findUniqueOrThrow({ where: { id: b.modelId } });
  expect(model.enabled).toBe(true);
  const invite = await prisma.invite.findUniqueOrThrow({ where: { id: b.inviteId } });
  expect(invite.acceptedAt).toBeNull();
  expect((await prisma.membership.findUniqueOrThrow({ where: { id: b.ownerMembershipId } })).role).toBe(
    "owner",
  );
  expect(await prisma.membership.count({ where: { orgId: b.orgId } })).toBe(3);
  expect(await prisma.membership.count({ where: { orgId: b.orgId, userId: a.ownerId } })).toBe(0);
  expect(await prisma.apiKey.count({ where: { orgId: b.orgId } })).toBe(2);
  expect(await prisma.host.count({ where: { orgId: b.orgId } })).toBe(1);
  expect(await prisma.servedModel.count({ where: { orgId: b.orgId } })).toBe(1);
  expect(await prisma.job.count({ where: { orgId: b.orgId } })).toBe(1);
  expect(await prisma.invite.count({ where: { orgId: b.orgId } })).toBe(1);
  expect(await prisma.auditLog.count({ where: { orgId: b.orgId } })).toBe(0);
}

let f: TFixture;

beforeAll(async () => {
  f = await createFixture();
});

afterAll(async () => {
  await f?.close();
});

describe("tRPC tenant isolation", () => {
  it("covers every procedure of the router", () => {
    const missing = procedurePaths()
      .map((p) => p.path)
      .filter((p) => !(p in trpcCases));
    expect(missing, "procedures without a tenant-isolation case").toEqual([]);
    const stale = Object.keys(trpcCases).filter((k) => !procedurePaths().some((p) => p.path === k));
    expect(stale, "cases for procedures that no longer exist").toEqual([]);
  });

  for (const forgedCookie of [false, true]) {
    it(`owner of A cannot see or change B${forgedCookie ? " (even with B's id in the org cookie)" : ""}`, async () => {
      const caller = f.caller(f.a.ownerId, { requestedOrgId: forgedCookie ? f.b.orgId : f.a.orgId });
      for (const [path, run] of Object.entries(trpcCases)) {
        try {
          const out = await run(caller, f.b);
          expectNoLeak(out, f.b, path);
        } catch (e) {
          expect(e, `${path} threw ${String(e)}`).toBeInstanceOf(TRPCError);
          // Messages may echo the id the caller sent; they must not say more than "not found".
          expect(["NOT_FOUND", "FORBIDDEN"], `${path}: ${(e as Error).message}`).toContain(
            (e as TRPCError).code,
          );
        }
      }
      await expectBUntouched(f);
    });
  }

  it("the org cookie cannot select an org the user is not a member of", async () => {
    const org = await f.caller(f.a.ownerId, { requestedOrgId: f.b.orgId }).org.get();
    expect(org.id).toBe(f.a.orgId);
  });
});

describe("REST tenant isolation", () => {
  let routes: TRestRoute[];
  beforeAll(async () => {
    routes = await restRoutes();
  });

  it("every operation of the API has a route file, and every route file a case here", () => {
    const files = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const undocumented = allRoutes.map((d) => `${d.method} ${d.path}`).filter((k) => !files.has(k));
    expect(undocumented, "route definitions without a route.ts").toEqual([]);
    const missing = [...files].filter((k) => !(k in restCases));
    expect(missing, "REST routes without a tenant-isolation case").toEqual([]);
  });

  it("an admin key of A cannot see or change B through any route", async () => {
    for (const r of routes) {
      const c = restCases[`${r.method} ${r.path}`];
      if (!c) continue;
      const res = await callRoute(r, { key: f.a.key, params: c.params?.(f.b), body: c.body });
      const what = `${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 200)}`;
      expect(res.status, what).toBeLessThan(500);
      if (res.status >= 400) expect([403, 404], what).toContain(res.status);
      else expectNoLeak(res.body, f.b, what);
    }
    await expectBUntouched(f);
  });

  it("B's own key still sees B's resources (the cases above were real lookups)", async () => {
    const get = routes.find((r) => r.method === "GET" && r.path === "/jobs/{id}")!;
    const res = await callRoute(get, { key: f.b.key, params: { id: f.b.jobId } });
    expect(res.status).toBe(200);
    expect((res.body as { id: string }).id).toBe(f.b.jobId);
  });
});
