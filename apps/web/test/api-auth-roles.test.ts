// API key authentication on /api/v1, role checks on tRPC and REST, and bad input answered 4xx with the
// field named (never a 500).
import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture, procedurePaths, type TFixture } from "./fixtures";
import { callRoute, restRoutes, type TRestRoute } from "./rest";

let f: TFixture;
let routes: TRestRoute[];
const route = (method: string, path: string) => {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};

beforeAll(async () => {
  f = await createFixture();
  routes = await restRoutes();
});

afterAll(async () => {
  await f?.close();
});

type TErr = { error: { code: string; message: string; field?: string } };

describe("API key authentication", () => {
  async function expect401(key: string | null, why: RegExp) {
    const res = await callRoute(route("GET", "/me"), { key });
    expect(res.status).toBe(401);
    expect((res.body as TErr).error.code).toBe("UNAUTHORIZED");
    expect((res.body as TErr).error.message).toMatch(why);
  }

  it("accepts a valid key and acts in its org", async () => {
    const res = await callRoute(route("GET", "/me"), { key: f.a.key });
    expect(res.status).toBe(200);
    expect((res.body as { org: { id: string } }).org.id).toBe(f.a.orgId);
    const used = await f.prisma.apiKey.findUniqueOrThrow({ where: { id: f.a.keyId } });
    await new Promise((r) => setTimeout(r, 50));
    expect(used).toBeTruthy();
  });

  it("refuses a missing, malformed or unknown key with 401", async () => {
    await expect401(null, /missing Authorization/);
    await expect401("not-a-key", /invalid API key/);
    await expect401(generateApiKey().key, /invalid API key/);
    await expect401(`${f.a.key.slice(0, -1)}x`, /invalid API key/);
  });

  it("refuses a revoked key with 401", async () => {
    const k = generateApiKey();
    await f.prisma.apiKey.create({
      data: {
        orgId: f.a.orgId,
        name: "revoked",
        prefix: k.prefix,
        hash: k.hash,
        scopes: ["read"],
        revokedAt: new Date(),
      },
    });
    await expect401(k.key, /revoked/);
  });

  it("refuses an expired key with 401", async () => {
    const k = generateApiKey();
    await f.prisma.apiKey.create({
      data: {
        orgId: f.a.orgId,
        name: "expired",
        prefix: k.prefix,
        hash: k.hash,
        scopes: ["read"],
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    await expect401(k.key, /expired/);
  });

  it("a key revoked through the API stops working at once", async () => {
    const created = await callRoute(route("POST", "/keys"), {
      key: f.a.key,
      body: { name: "short-lived", scopes: ["read"] },
    });
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body as { key: string; apiKey: { id: string; prefix: string } };
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect((await callRoute(route("GET", "/me"), { key })).status).toBe(200);
    const listed = await callRoute(route("GET", "/keys"), { key: f.a.key });
    expect(listed.text).not.toContain(key);
    expect(
      (await callRoute(route("DELETE", "/keys/{id}"), { key: f.a.key, params: { id: apiKey.id } })).status,
    ).toBe(200);
    const res = await callRoute(route("GET", "/me"), { key });
    expect(res.status).toBe(401);
  });

  it("an inference-only key cannot use the management API (403)", async () => {
    const k = generateApiKey();
    await f.prisma.apiKey.create({
      data: { orgId: f.a.orgId, name: "inf", prefix: k.prefix, hash: k.hash, scopes: ["inference"] },
    });
    const res = await callRoute(route("GET", "/me"), { key: k.key });
    expect(res.status).toBe(403);
  });

  it("every authenticated route refuses a request without a key", async () => {
    for (const r of routes) {
      if (r.path === "/openapi.json" || r.path.includes("{...rest}")) continue;
      const res = await callRoute(r, { key: null, params: { id: "x", containerId: "y" }, body: {} });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
  });
});

describe("roles", () => {
  // User-level procedures act on the caller's own account, not inside an org.
  const USER_LEVEL = new Set([
    "account.signUp",
    "account.createOrg",
    "account.switchOrg",
    "account.acceptInvite",
  ]);

  const inputs: Record<string, unknown> = {
    "org.update": { name: "x" },
    "org.changeRole": { memberId: "m", role: "viewer" },
    "org.removeMember": { memberId: "m" },
    "org.invite": { email: "x@test.local" },
    "org.revokeInvite": { inviteId: "i" },
    "apiKeys.create": { name: "k" },
    "apiKeys.revoke": { id: "k" },
    "hosts.register": { name: "h", connection: { type: "unix", socketPath: "/var/run/docker.sock" } },
    "hosts.remove": { id: "h" },
    "hosts.checkNow": { id: "h" },
    "jobs.runDemo": {},
    "jobs.cancel": { id: "j" },
    "models.register": { name: "m", upstreamUrl: "https://93.184.215.14/v1" },
    "models.remove": { id: "m" },
    "models.setEnabled": { id: "m", enabled: false },
    "gateway.createPlaygroundKey": undefined,
    "gateway.revokePlaygroundKey": { id: "k" },
    "simulate.sweep": { sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" } } },
    "builds.dryRun": { dockerfileAi: "FROM x\n" },
    "builds.create": { dockerfileAi: "FROM x\n", tag: "x:1" },
    "builds.cancel": { id: "b" },
    "deployments.create": { yaml: "x" },
    "deployments.redeploy": { id: "d" },
    "deployments.rollback": { id: "d", revision: 1 },
    "deployments.render": { yaml: "x" },
    "prices.create": { model: "m", inputUsdPerMTok: 1, outputUsdPerMTok: 2 },
    "prices.remove": { id: "p" },
    "billing.linkCustomer": undefined,
    "billing.subscribe": undefined,
    "billing.cancel": undefined,
  };

  it("a viewer cannot call any org mutation", async () => {
    const caller = f.caller(f.a.viewerId) as unknown as Record<
      string,
      Record<string, (i?: unknown) => Promise<unknown>>
    >;
    const mutations = procedurePaths().filter((p) => p.type === "mutation" && !USER_LEVEL.has(p.path));
    expect(mutations.length).toBeGreaterThan(10);
    for (const { path } of mutations) {
      expect(path in inputs, `no input for ${path}`).toBe(true);
      const [ns, name] = path.split(".") as [string, string];
      const err = await caller[ns]![name]!(inputs[path]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `${path} succeeded for a viewer`).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code, `${path}: ${(err as Error).message}`).toBe("FORBIDDEN");
    }
    expect(await f.prisma.auditLog.count({ where: { actorUserId: f.a.viewerId } })).toBe(0);
  });

  it("a viewer can read", async () => {
    const c = f.caller(f.a.viewerId);
    expect((await c.org.get()).role).toBe("viewer");
    expect((await c.jobs.list()).items.length).toBeGreaterThan(0);
    await expect(c.audit.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("a member can run jobs and create keys but not manage the org", async () => {
    const c = f.caller(f.a.memberId);
    const job = await c.jobs.runDemo({ steps: 1, stepMs: 0 });
    expect(job.state).toBe("queued");
    await expect(c.org.update({ name: "no" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.apiKeys.create({ name: "admin-key", scopes: ["admin"] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const audit = await f.prisma.auditLog.findFirst({
      where: { actorUserId: f.a.memberId, action: "job.create" },
    });
    expect(audit?.targetId).toBe(job.id);
  });

  it("only owners change owners, and the last owner stays", async () => {
    const owner = f.caller(f.a.ownerId);
    await expect(
      owner.org.changeRole({ memberId: f.a.ownerMembershipId, role: "admin" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
  });

  it("a read-scoped key cannot write through REST (403)", async () => {
    for (const r of routes.filter((x) => x.method !== "GET" && !x.path.includes("{...rest}"))) {
      const res = await callRoute(r, { key: f.a.readKey, params: { id: "x" }, body: {} });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
    }
  });
});

describe("bad input", () => {
  it("tRPC names the field", async () => {
    const c = f.caller(f.a.ownerId);
    const cases: [() => Promise<unknown>, string][] = [
      [() => c.apiKeys.create({ name: "" }), "name"],
      [() => c.hosts.register({ name: "bad name!", connection: { type: "unix", socketPath: "/x" } }), "name"],
      [
        () => c.hosts.register({ name: "ok", connection: { type: "unix", socketPath: "relative" } }),
        "connection.socketPath",
      ],
      [
        () =>
          c.hosts.register({ name: "ok2", connection: { type: "ssh", host: "h", username: "u" } as never }),
        "connection.privateKey",
      ],
      [() => c.models.register({ name: "m1", upstreamUrl: "http://169.254.169.254/latest" }), "upstreamUrl"],
      [() => c.models.register({ name: "m2", upstreamUrl: "http://127.0.0.1:8080/v1" }), "upstreamUrl"],
      [() => c.models.register({ name: "m3", upstreamUrl: "ftp://x" }), "upstreamUrl"],
      [() => c.org.invite({ email: "nope" }), "email"],
      [() => c.jobs.runDemo({ steps: 0 }), "steps"],
      [() => c.account.signUp({ email: "someone@example.com", password: "short", orgName: "x" }), "password"],
      [() => c.apiKeys.create({ name: "x", expiresAt: new Date(Date.now() - 1000) }), "expiresAt"],
    ];
    for (const [run, field] of cases) {
      const err = (await run().then(
        () => null,
        (e: unknown) => e,
      )) as TRPCError | null;
      expect(err, `expected an error naming ${field}`).toBeInstanceOf(TRPCError);
      expect(err!.code).toBe("BAD_REQUEST");
      expect(err!.message).toContain(field);
    }
  });

  it("REST answers 400 with the field named, never 500", async () => {
    const cases: [TRestRoute, { body?: unknown; rawBody?: string; query?: string }, string][] = [
      [route("POST", "/keys"), { body: { name: "" } }, "name"],
      [route("POST", "/keys"), { body: { name: "k", scopes: ["root"] } }, "scopes.0"],
      [route("POST", "/keys"), { rawBody: "{not json" }, "body"],
      [route("POST", "/jobs"), { body: { steps: "many" } }, "steps"],
      [
        route("POST", "/hosts"),
        { body: { name: "h", connection: { type: "carrier-pigeon" } } },
        "connection.type",
      ],
      [route("POST", "/models"), { body: { name: "m", upstreamUrl: "http://10.0.0.1/v1" } }, "upstreamUrl"],
      [route("POST", "/models"), { body: { upstreamUrl: "https://93.184.215.14/v1" } }, "name"],
      [route("GET", "/jobs"), { query: "limit=abc" }, "query.limit"],
      [route("GET", "/audit"), { query: "since=not-a-date" }, "query.since"],
    ];
    for (const [r, opts, field] of cases) {
      const res = await callRoute(r, { key: f.a.key, ...opts });
      const what = `${r.method} ${r.path} ${JSON.stringify(opts)} → ${res.status} ${res.text}`;
      expect(res.status, what).toBe(400);
      expect((res.body as TErr).error.field, what).toBe(field);
      expect((res.body as TErr).error.message, what).toContain(field);
    }
  });

  it("every write route survives garbage bodies with a 4xx", async () => {
    const garbage = [null, [], "x", 42, { name: { nested: true } }, { connection: null }];
    for (const r of routes.filter((x) => x.method === "POST" && !x.path.includes("{...rest}"))) {
      for (const g of garbage) {
        const res = await callRoute(r, { key: f.a.key, params: { id: f.a.jobId }, body: g });
        expect(res.status, `${r.path} ${JSON.stringify(g)} → ${res.text}`).toBeLessThan(500);
      }
    }
  });
});
