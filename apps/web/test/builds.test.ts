// Builds and the compatibility graph through tRPC and REST: dry runs, parse/resolve errors with
// line:column, Build rows + build.run jobs, cancel, and tenant isolation of builds. The image build
// itself is the worker's (apps/worker/test/build.test.ts); no worker consumes build.run here.
import { dockerfileAi, SEED_DOCKERFILE_AI } from "@aitk/core/build/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture, type TFixture, trpcError } from "./fixtures";
import { callRoute, restRoutes, type TRestRoute } from "./rest";

let f: TFixture;
let routes: TRestRoute[];
const route = (method: string, path: string) => {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};
type TErr = { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } };

/** The seed's example with an engine that loads GGUF natively (vLLM + q4_k_m needs allowExperimental). */
const GOOD = SEED_DOCKERFILE_AI.replace("ENGINE vllm", "ENGINE llama.cpp");

beforeAll(async () => {
  f = await createFixture();
  routes = await restRoutes();
});

afterAll(async () => {
  await f?.close();
});

describe("dry run", () => {
  it("returns the resolution with its reasons, the generated files, the SBOM and the scan", async () => {
    const out = await f.caller(f.a.memberId).builds.dryRun({ dockerfileAi: GOOD, tag: "llama:1" });
    const r = out.resolution as {
      engine: { name: string };
      target: { name: string };
      decisions: { topic: string; why: string }[];
    };
    expect(r.engine.name).toBe("llama.cpp");
    expect(r.target.name).toBe("nvidia-h100");
    expect(r.decisions.length).toBeGreaterThan(2);
    for (const d of r.decisions) expect(d.why).toMatch(/\w/);
    expect(out.dockerfile).toMatch(/^FROM /m);
    expect(out.dockerfile).toContain("HEALTHCHECK");
    expect(out.sbom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    expect(out.scan).toHaveProperty("vulnerabilities");
    expect(typeof out.requirements).toBe("string");
  });

  it("is deterministic (same input → same files)", async () => {
    const c = f.caller(f.a.memberId);
    const x = await c.builds.dryRun({ dockerfileAi: GOOD });
    const y = await c.builds.dryRun({ dockerfileAi: GOOD });
    expect(x.dockerfile).toBe(y.dockerfile);
    expect(x.requirements).toBe(y.requirements);
  });

  it("parse errors are 400 with line:column and a suggestion", async () => {
    const text = "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTISE q4_k_m\n";
    const e = await trpcError(f.caller(f.a.memberId).builds.dryRun({ dockerfileAi: text }));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toMatch(/Dockerfile\.ai:3:1/);
    expect(e.message).toContain("QUANTIZE");

    const res = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      query: "dryRun=true",
      body: { dockerfileAi: text },
    });
    expect(res.status).toBe(400);
    const err = (res.body as TErr).error;
    expect(err.field).toBe("dockerfileAi");
    expect(err.details?.position).toEqual({ line: 3, column: 1 });
  });

  it("resolution clashes say which constraints collide and how to fix them", async () => {
    const res = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      query: "dryRun=true",
      body: { dockerfileAi: dockerfileAi({ ENGINE: "vllm", TARGET: "apple-m4" }) },
    });
    expect(res.status).toBe(400);
    const err = (res.body as TErr).error;
    expect(err.message).toMatch(/vLLM/);
    expect(err.details?.position).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(Array.isArray(err.details?.clashes)).toBe(true);
  });

  it("options are checked and named", async () => {
    const c = f.caller(f.a.memberId);
    expect((await trpcError(c.builds.dryRun({ dockerfileAi: GOOD, cuda: "twelve" }))).message).toContain(
      "cuda",
    );
    expect(
      (await trpcError(c.builds.dryRun({ dockerfileAi: GOOD, quantize: "q3" as never }))).message,
    ).toContain("quantize");
    expect((await trpcError(c.builds.dryRun({ dockerfileAi: "" }))).message).toContain("dockerfileAi");
  });

  it("a viewer cannot draft builds", async () => {
    expect((await trpcError(f.caller(f.a.viewerId).builds.dryRun({ dockerfileAi: GOOD }))).code).toBe(
      "FORBIDDEN",
    );
  });
});

describe("builds", () => {
  it("create: Build row with the plan, a build.run job, listed with host and CVE count", async () => {
    const c = f.caller(f.a.memberId);
    const b = await c.builds.create({ dockerfileAi: GOOD, tag: "llama-gguf:1.0", optimize: "for-size" });
    expect(b).toMatchObject({
      status: "queued",
      tag: "llama-gguf:1.0",
      host: { id: f.a.hostId, name: "local" },
    });
    expect(b.engine).toBe("llama.cpp");
    expect(b.generatedDockerfile).toContain("FROM");
    expect(b.options).toMatchObject({ optimize: "for-size" });
    const job = await f.prisma.job.findUniqueOrThrow({ where: { id: b.jobId! } });
    expect(job).toMatchObject({ kind: "build.run", orgId: f.a.orgId });
    expect(job.payload).toMatchObject({ buildId: b.id });

    const list = await f.caller(f.a.viewerId).builds.list();
    const row = list.items.find((x) => x.id === b.id);
    expect(row).toMatchObject({ tag: "llama-gguf:1.0", status: "queued", host: { name: "local" } });
    expect(typeof row?.cveCount).toBe("number");
    const got = await f.caller(f.a.viewerId).builds.get({ id: b.id });
    expect(got.dockerfileAi).toBe(GOOD);
    expect(got.sbom).toMatchObject({ bomFormat: "CycloneDX" });
    const audit = await f.prisma.auditLog.findFirst({ where: { action: "build.create", targetId: b.id } });
    expect(audit?.actorUserId).toBe(f.a.memberId);
  });

  it("build args (tokens) are encrypted at rest; only their names are shown and audited", async () => {
    const c = f.caller(f.a.memberId);
    const b = await c.builds.create({
      dockerfileAi: GOOD,
      tag: "with-token:1",
      buildArgs: { HF_TOKEN: "hf_s3cret_value" },
    });
    expect(b.options).toMatchObject({ buildArgNames: ["HF_TOKEN"] });
    expect(JSON.stringify(b)).not.toContain("hf_s3cret_value");
    const raw = await f.prisma.build.findUniqueOrThrow({ where: { id: b.id } });
    expect(JSON.stringify(raw.options)).not.toContain("hf_s3cret_value");
    expect((raw.options as { buildArgsEnc?: string }).buildArgsEnc).toMatch(/^v1:/);
    const audit = await f.prisma.auditLog.findFirstOrThrow({
      where: { action: "build.create", targetId: b.id },
    });
    expect(JSON.stringify(audit.after)).not.toContain("hf_s3cret_value");
  });

  it("create refuses bad files, tags and hosts with the field named", async () => {
    const c = f.caller(f.a.memberId);
    const parse = await trpcError(
      c.builds.create({ dockerfileAi: `${GOOD}TARGTE nvidia-h100\n`, tag: "x:1" }),
    );
    expect(parse.message).toMatch(/Dockerfile\.ai:13:1/);
    const tag = await trpcError(c.builds.create({ dockerfileAi: GOOD, tag: "Not A Tag" }));
    expect(tag.code).toBe("BAD_REQUEST");
    expect(tag.message).toContain("tag");
    const host = await trpcError(c.builds.create({ dockerfileAi: GOOD, tag: "x:1", hostId: "nope" }));
    expect(host.code).toBe("NOT_FOUND");
    expect(await f.prisma.build.count({ where: { tag: "x:1" } })).toBe(0);
  });

  it("cancel: a queued build is dropped and marked cancelled", async () => {
    const c = f.caller(f.a.memberId);
    const b = await c.builds.create({ dockerfileAi: GOOD, tag: "to-cancel:1" });
    const res = await c.builds.cancel({ id: b.id });
    expect(res).toEqual({ outcome: "cancelled", status: "cancelled" });
    expect((await f.prisma.job.findUniqueOrThrow({ where: { id: b.jobId! } })).state).toBe("cancelled");
    expect(await c.builds.cancel({ id: b.id })).toEqual({ outcome: "finished", status: "cancelled" });
  });

  it("REST: POST /builds (201), ?dryRun=true, GET list/one, cancel", async () => {
    const dry = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      query: "dryRun=true",
      body: { dockerfileAi: GOOD },
    });
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body).toHaveProperty("dockerfile");
    expect(await f.prisma.build.count({ where: { orgId: f.a.orgId, tag: "rest:1" } })).toBe(0);

    const created = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      body: { dockerfileAi: GOOD, tag: "rest:1", hostId: f.a.hostId, securityScan: true },
    });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { id: string }).id;
    const list = await callRoute(route("GET", "/builds"), { key: f.a.readKey });
    expect((list.body as { items: { id: string }[] }).items.map((x) => x.id)).toContain(id);
    const one = await callRoute(route("GET", "/builds/{id}"), { key: f.a.readKey, params: { id } });
    expect(one.status).toBe(200);
    expect((one.body as { options: unknown }).options).toMatchObject({ securityScan: true });
    const cancel = await callRoute(route("POST", "/builds/{id}/cancel"), { key: f.a.key, params: { id } });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ status: "cancelled" });

    // Inline context files (MODEL ./model) are stored for the worker but shown back by path only.
    const withFiles = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      body: {
        dockerfileAi:
          'FROM ai-base:2026\nMODEL ./model\nENGINE custom\nTARGET cpu\nAUTO_REQ false\nCMD ["/bin/sh"]\n',
        tag: "ctx:1",
        contextFiles: { "model/config.json": Buffer.from("{}").toString("base64") },
      },
    });
    expect(withFiles.status, withFiles.text).toBe(201);
    expect((withFiles.body as { options: unknown }).options).toMatchObject({
      contextFiles: ["model/config.json"],
    });
    const stored = await f.prisma.build.findUniqueOrThrow({
      where: { id: (withFiles.body as { id: string }).id },
    });
    expect(stored.options).toMatchObject({ contextFiles: { "model/config.json": "e30=" } });
    const outside = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      body: { dockerfileAi: GOOD, tag: "ctx:2", contextFiles: { "../etc/passwd": "eA==" } },
    });
    expect(outside.status).toBe(400);
    expect((outside.body as TErr).error.field).toContain("contextFiles");

    const bad = await callRoute(route("POST", "/builds"), { key: f.a.key, body: { dockerfileAi: GOOD } });
    expect(bad.status).toBe(400);
    expect((bad.body as TErr).error.field).toBe("tag");
    const badQuery = await callRoute(route("GET", "/builds"), { key: f.a.key, query: "status=exploded" });
    expect(badQuery.status).toBe(400);
    expect((badQuery.body as TErr).error.field).toBe("query.status");
  });
});

describe("tenant isolation of builds", () => {
  it("org A cannot see, cancel or build on org B's resources", async () => {
    const bBuild = await f.caller(f.b.ownerId).builds.create({ dockerfileAi: GOOD, tag: "b-secret:1" });
    const a = f.caller(f.a.ownerId, { requestedOrgId: f.b.orgId });
    expect((await trpcError(a.builds.get({ id: bBuild.id }))).code).toBe("NOT_FOUND");
    expect((await trpcError(a.builds.cancel({ id: bBuild.id }))).code).toBe("NOT_FOUND");
    expect(
      (await trpcError(a.builds.create({ dockerfileAi: GOOD, tag: "x:2", hostId: f.b.hostId }))).code,
    ).toBe("NOT_FOUND");
    expect(JSON.stringify(await a.builds.list({ limit: 200 }))).not.toContain(bBuild.id);

    for (const [method, path] of [
      ["GET", "/builds/{id}"],
      ["POST", "/builds/{id}/cancel"],
    ] as const) {
      const res = await callRoute(route(method, path), { key: f.a.key, params: { id: bBuild.id } });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await callRoute(route("GET", "/builds"), { key: f.a.key });
    expect(list.text).not.toContain(bBuild.id);
    const onB = await callRoute(route("POST", "/builds"), {
      key: f.a.key,
      body: { dockerfileAi: GOOD, tag: "x:3", hostId: f.b.hostId },
    });
    expect(onB.status).toBe(404);
    const row = await f.prisma.build.findUniqueOrThrow({ where: { id: bBuild.id } });
    expect(row.status).toBe("queued");
    expect(await f.prisma.build.count({ where: { hostId: f.b.hostId, orgId: f.a.orgId } })).toBe(0);
  });
});

describe("compatibility graph", () => {
  it("lists engine rows down to torch, CUDA, images and driver floor, with provenance", async () => {
    const g = await f.caller(f.a.viewerId).compat.graph();
    expect(new Set(g.rows.map((r) => r.engine))).toEqual(
      new Set(["vllm", "tgi", "tensorrt-llm", "llama.cpp"]),
    );
    const vllm = g.rows.find((r) => r.engine === "vllm" && r.cuda.length > 0)!;
    expect(vllm.torch).toMatch(/^\d+\.\d+/);
    expect(vllm.cuda[0]!.driverFloor).toMatch(/^\d+/);
    expect(vllm.provenance).toMatch(/\w/);
    expect(g.targets.map((t) => t.name)).toContain("apple-m4");
    expect(g.provenance).toBeTruthy();
  });

  it("filters by engine version, CUDA and target", async () => {
    const c = f.caller(f.a.viewerId);
    const v = await c.compat.graph({ engine: "vllm", version: "0.6.4" });
    expect(v.rows.length).toBeGreaterThan(0);
    for (const r of v.rows) expect(r.engine).toBe("vllm");
    const cuda = await c.compat.graph({ cuda: "12.4" });
    for (const r of cuda.rows) for (const p of r.cuda) expect(p.cuda).toBe("12.4");
    const apple = await c.compat.graph({ target: "apple-m4" });
    expect(apple.targets).toHaveLength(1);
    expect(apple.targets[0]!.engines.vllm?.level).toBe("no");
    expect(apple.rows.some((r) => r.engine === "vllm")).toBe(false);
    // AMD: vLLM rows stay, with the ROCm release of their torch instead of CUDA paths.
    const amd = await c.compat.graph({ engine: "vllm", target: "amd-mi300" });
    expect(amd.rows.length).toBeGreaterThan(0);
    expect(amd.rows.every((r) => r.cuda.length === 0)).toBe(true);
    expect(amd.rows.some((r) => r.rocm !== null)).toBe(true);
  });

  it("REST GET /api/v1/compat with filters; bad filters are 400 naming the query field", async () => {
    const ok = await callRoute(route("GET", "/compat"), { key: f.a.readKey, query: "engine=tgi" });
    expect(ok.status).toBe(200);
    expect((ok.body as { rows: { engine: string }[] }).rows.every((r) => r.engine === "tgi")).toBe(true);
    const bad = await callRoute(route("GET", "/compat"), { key: f.a.readKey, query: "cuda=banana" });
    expect(bad.status).toBe(400);
    expect((bad.body as TErr).error.field).toBe("query.cuda");
    const badEngine = await callRoute(route("GET", "/compat"), { key: f.a.readKey, query: "engine=warp" });
    expect((badEngine.body as TErr).error.field).toBe("query.engine");
  });
});
