// Every org mutation leaves an audit row; the OpenAPI document covers every operation and its schemas
// are valid JSON Schema 2020-12.
import { SEED_DOCKERFILE_AI } from "@aitk/core/build/fixtures";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator } from "../../stripe-emulator/src/server";
import { GET as openapi } from "../src/app/api/v1/openapi.json/route";
import { allRoutes } from "../src/server/rest/routes";
import { createFixture, procedurePaths, type TFixture } from "./fixtures";

let f: TFixture;
// Billing mutations talk to Stripe: the in-repo emulator stands in for it here.
const stripeEmulator = createEmulator({ secretKey: "sk_test_audit" });
beforeAll(async () => {
  f = await createFixture();
  const port = await stripeEmulator.listen(0);
  f.deps.stripe = {
    secretKey: "sk_test_audit",
    host: "127.0.0.1",
    port,
    protocol: "http",
    webhookSecret: "whsec_audit",
  };
});
afterAll(async () => {
  await stripeEmulator.close();
  await f?.close();
});

const DEPLOY_YAML = `apiVersion: aitk/v1
kind: AIDeployment
metadata: { name: audited }
spec:
  model: { name: aitk-tiny }
  runtime: { engine: aitk }
  targets: [{ name: local, platform: docker, host: local, image: "aitk/engine:local" }]
`;

describe("audit", () => {
  // signUp/switchOrg act on the caller's session; dryRun is a POST that changes nothing.
  const NOT_AUDITED = new Set(["account.signUp", "account.switchOrg", "builds.dryRun", "deployments.render"]);

  it("every mutation writes an audit row", async () => {
    const c = f.caller(f.a.ownerId);
    const a = f.a;
    const viewerMembership = await f.prisma.membership.findFirstOrThrow({
      where: { orgId: a.orgId, userId: a.viewerId },
    });
    const memberMembership = await f.prisma.membership.findFirstOrThrow({
      where: { orgId: a.orgId, userId: a.memberId },
    });
    let buildId = "";
    let deploymentId = "";
    const steps: Record<string, () => Promise<unknown>> = {
      "account.createOrg": () => c.account.createOrg({ name: "Second" }),
      "account.acceptInvite": async () => {
        // The invitee signs up, then accepts A's invite with their own session.
        const inv = await f.prisma.invite.findUniqueOrThrow({ where: { id: a.inviteId } });
        const u = await f
          .caller(null)
          .account.signUp({ email: inv.email, password: "long enough pw", orgName: "Own" });
        return f.caller(u.userId, { email: inv.email }).account.acceptInvite({ token: a.inviteToken });
      },
      "org.update": () => c.org.update({ name: "Org a renamed" }),
      "org.changeRole": () => c.org.changeRole({ memberId: viewerMembership.id, role: "member" }),
      "org.removeMember": () => c.org.removeMember({ memberId: memberMembership.id }),
      "org.invite": () => c.org.invite({ email: "new-person@test.local" }),
      "org.revokeInvite": async () => {
        const { invite } = await c.org.invite({ email: "revoke-me@test.local" });
        return c.org.revokeInvite({ inviteId: invite.id });
      },
      "apiKeys.create": () => c.apiKeys.create({ name: "audited" }),
      "apiKeys.revoke": () => c.apiKeys.revoke({ id: a.keyId }),
      "builds.create": async () => {
        const b = await c.builds.create({
          dockerfileAi: SEED_DOCKERFILE_AI,
          tag: "audit:1",
          hostId: a.hostId,
          allowExperimental: true,
        });
        buildId = b.id;
        return b;
      },
      "builds.cancel": () => c.builds.cancel({ id: buildId }),
      "deployments.create": async () => {
        const d = await c.deployments.create({ yaml: DEPLOY_YAML, apply: false });
        deploymentId = d.deployment.id;
        return d;
      },
      "deployments.redeploy": () => c.deployments.redeploy({ id: deploymentId }),
      "deployments.rollback": async () => {
        // The worker would have finished revision 1; one rollout at a time.
        await f.prisma.revision.updateMany({ where: { deploymentId }, data: { status: "active" } });
        return c.deployments.rollback({ id: deploymentId, revision: 1 });
      },
      "simulate.sweep": () =>
        c.simulate.sweep({
          sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [1, 2] } },
        }),
      "hosts.register": () =>
        c.hosts.register({ name: "second", connection: { type: "tcp", host: "10.0.0.5", port: 2376 } }),
      "hosts.checkNow": () => c.hosts.checkNow({ id: a.hostId }),
      "hosts.remove": () => c.hosts.remove({ id: a.hostId }),
      "jobs.runDemo": () => c.jobs.runDemo({ steps: 1, stepMs: 0 }),
      "jobs.cancel": () => c.jobs.cancel({ id: a.jobId }),
      "models.register": () =>
        c.models.register({ name: "audited-model", upstreamUrl: "https://93.184.215.14/v1" }),
      "models.setEnabled": () => c.models.setEnabled({ id: a.modelId, enabled: false }),
      "models.remove": () => c.models.remove({ id: a.modelId }),
      "gateway.createPlaygroundKey": () => c.gateway.createPlaygroundKey(),
      "gateway.revokePlaygroundKey": async () => {
        const { apiKey } = await c.gateway.createPlaygroundKey();
        return c.gateway.revokePlaygroundKey({ id: apiKey.id });
      },
      "prices.create": () =>
        c.prices.create({ model: "audited-model", inputUsdPerMTok: 1, outputUsdPerMTok: 2 }),
      "prices.remove": async () => {
        // Only a scheduled (not yet effective) version can be withdrawn.
        const p = await c.prices.create({
          model: "audited-model-2",
          inputUsdPerMTok: 1,
          outputUsdPerMTok: 2,
          effectiveFrom: new Date(Date.now() + 86_400_000),
        });
        return c.prices.remove({ id: p.id });
      },
      "billing.linkCustomer": () => c.billing.linkCustomer(),
      "billing.subscribe": () => c.billing.subscribe(),
      "billing.cancel": () => c.billing.cancel(),
    };
    const mutations = procedurePaths().filter((p) => p.type === "mutation" && !NOT_AUDITED.has(p.path));
    const missing = mutations.map((m) => m.path).filter((p) => !(p in steps));
    expect(missing, "mutations without an audit case").toEqual([]);
    for (const [path, run] of Object.entries(steps)) {
      const before = await f.prisma.auditLog.count();
      await run();
      const after = await f.prisma.auditLog.count();
      expect(after, `${path} wrote no audit row`).toBeGreaterThan(before);
    }
    const rows = await c.audit.list({ action: "apiKey." });
    expect(rows.items.map((r) => r.action)).toEqual(
      expect.arrayContaining(["apiKey.create", "apiKey.revoke"]),
    );
    expect(JSON.stringify(rows)).not.toMatch(/"hash"|aitk_[0-9A-Za-z]{40}/);
    const host = await f.prisma.host.findFirstOrThrow({ where: { orgId: a.orgId, name: "second" } });
    expect(host.endpoint).toBe("tcp://10.0.0.5:2376");
  });

  it("local Docker hosts can be refused per installation", async () => {
    const c = f.caller(f.a.ownerId);
    f.deps.allowLocalHosts = false;
    try {
      for (const connection of [
        { type: "unix" as const, socketPath: "/var/run/docker.sock" },
        { type: "tcp" as const, host: "127.0.0.1", port: 2375 },
        { type: "tcp" as const, host: "localhost", port: 2375 },
      ]) {
        await expect(
          c.hosts.register({
            name: `local-${connection.type}-${Math.random().toString(36).slice(2, 6)}`,
            connection,
          }),
        ).rejects.toMatchObject({
          code: "FORBIDDEN",
        });
      }
    } finally {
      f.deps.allowLocalHosts = true;
    }
  });

  it("host credentials are stored encrypted", async () => {
    const c = f.caller(f.a.ownerId);
    await c.hosts.register({
      name: "ssh-box",
      connection: { type: "ssh", host: "10.0.0.9", username: "deploy", password: "s3cret-pass" },
    });
    const h = await f.prisma.host.findFirstOrThrow({ where: { orgId: f.a.orgId, name: "ssh-box" } });
    expect(h.endpoint).toBe("ssh://deploy@10.0.0.9:22");
    expect(h.credentialsEnc).toMatch(/^v1:/);
    expect(h.credentialsEnc).not.toContain("s3cret-pass");
    const listed = await c.hosts.list();
    expect(JSON.stringify(listed)).not.toContain("v1:");
  });
});

describe("OpenAPI", () => {
  it("documents every operation with valid schemas", async () => {
    const res = openapi(new Request("http://127.0.0.1:3000/api/v1/openapi.json"));
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const r of allRoutes)
      expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeTruthy();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const schemas: unknown[] = [];
    const walk = (v: unknown) => {
      if (!v || typeof v !== "object") return;
      const o = v as Record<string, unknown>;
      if (o.schema && typeof o.schema === "object" && !("$ref" in (o.schema as object)))
        schemas.push(o.schema);
      for (const x of Object.values(o)) walk(x);
    };
    walk(doc.paths);
    expect(schemas.length).toBeGreaterThan(20);
    for (const s of schemas) expect(() => ajv.compile(s as object)).not.toThrow();
  });
});
