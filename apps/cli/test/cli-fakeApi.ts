// A small stand-in for the control plane's /api/v1, served on a random port, so the CLI's HTTP
// behaviour (auth header, error bodies, status codes, polling) is exercised through real sockets.
// The real API is covered by test/e2e/cli.test.ts against a running stack.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const GOOD_KEY = `aitk_${"A".repeat(40)}`;
export const OTHER_KEY = `aitk_${"B".repeat(40)}`;

export interface TFakeJob {
  id: string;
  kind: string;
  /** States the job walks through, one per GET /jobs/{id}. */
  script: { state: string; progress: number; message?: string; lines?: string[]; error?: string }[];
  step: number;
  lines: { seq: number; ts: string; level: string; line: string }[];
}

export interface TFake {
  url: string;
  requests: { method: string; path: string; auth: string | undefined; body: unknown }[];
  jobs: Map<string, TFakeJob>;
  keys: { id: string; name: string; prefix: string; scopes: string[]; revokedAt: string | null }[];
  /** Next responses forced for a path (status + body), consumed in order. */
  force: Map<string, { status: number; body: unknown; times?: number }>;
  buildOutcome: "succeeded" | "failed";
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

function jobOut(j: TFakeJob) {
  const s = j.script[Math.min(j.step, j.script.length - 1)]!;
  return {
    id: j.id,
    kind: j.kind,
    state: s.state,
    progress: s.progress,
    progressMessage: s.message ?? null,
    payload: {},
    result: null,
    error: s.error ?? null,
    attempts: 1,
    cancelRequested: false,
    createdById: null,
    createdAt: now(),
    startedAt: now(),
    finishedAt: ["completed", "failed", "cancelled"].includes(s.state) ? now() : null,
  };
}

export function addJob(fake: TFake, id: string, script: TFakeJob["script"], kind = "demo.run") {
  fake.jobs.set(id, { id, kind, script, step: 0, lines: [] });
}

export async function startFakeApi(): Promise<TFake> {
  const fake: TFake = {
    url: "",
    requests: [],
    jobs: new Map(),
    keys: [{ id: "key_1", name: "demo", prefix: GOOD_KEY.slice(0, 12), scopes: ["api"], revokedAt: null }],
    force: new Map(),
    buildOutcome: "succeeded",
    close: async () => undefined,
  };
  const builds = new Map<string, Record<string, unknown>>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body === undefined ? "" : JSON.stringify(body));
  };
  const err = (res: ServerResponse, status: number, code: string, message: string, field?: string) =>
    send(res, status, { error: { code, message, ...(field ? { field } : {}) } });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? JSON.parse(text) : undefined;
    const path = url.pathname.replace(/^\/api\/v1/, "");
    fake.requests.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      auth: req.headers.authorization,
      body,
    });
    if (!url.pathname.startsWith("/api/v1/")) return err(res, 404, "NOT_FOUND", "not an API path");
    const forced = fake.force.get(`${req.method} ${path}`);
    if (forced) {
      forced.times = (forced.times ?? 1) - 1;
      if (forced.times <= 0) fake.force.delete(`${req.method} ${path}`);
      if (forced.status === 0) {
        req.socket.destroy();
        return;
      }
      return send(res, forced.status, forced.body);
    }
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${GOOD_KEY}` && auth !== `Bearer ${OTHER_KEY}`) {
      return err(res, 401, "UNAUTHORIZED", "invalid API key");
    }
    const m = (method: string, re: RegExp) => (req.method === method ? re.exec(path) : null);
    if (req.method === "GET" && path === "/me") {
      return send(res, 200, {
        org: { id: "org_1", name: "Demo", slug: "demo", plan: "paid" },
        apiKey: { id: "key_1", prefix: auth.slice(7, 19), scopes: ["api"] },
        role: "admin",
      });
    }
    if (req.method === "GET" && path === "/hosts") {
      return send(res, 200, {
        items: [
          {
            id: "host_1",
            name: "local",
            kind: "docker",
            endpoint: "unix:///var/run/docker.sock",
            status: "healthy",
            lastCheckedAt: now(),
            lastError: null,
          },
        ],
      });
    }
    if (req.method === "GET" && path === "/jobs") {
      return send(res, 200, { items: [...fake.jobs.values()].map(jobOut), nextCursor: null });
    }
    const jobGet = m("GET", /^\/jobs\/([^/]+)$/);
    if (jobGet) {
      const j = fake.jobs.get(decodeURIComponent(jobGet[1]!));
      if (!j) return err(res, 404, "NOT_FOUND", `job ${jobGet[1]} not found`, "id");
      const s = j.script[Math.min(j.step, j.script.length - 1)]!;
      for (const line of s.lines ?? [])
        j.lines.push({ seq: j.lines.length + 1, ts: now(), level: "info", line });
      s.lines = [];
      const out = jobOut(j);
      j.step += 1;
      return send(res, 200, out);
    }
    const jobLogs = m("GET", /^\/jobs\/([^/]+)\/logs$/);
    if (jobLogs) {
      const j = fake.jobs.get(decodeURIComponent(jobLogs[1]!));
      if (!j) return err(res, 404, "NOT_FOUND", `job ${jobLogs[1]} not found`, "id");
      return send(res, 200, { lines: j.lines });
    }
    const jobCancel = m("POST", /^\/jobs\/([^/]+)\/cancel$/);
    if (jobCancel) {
      return send(res, 202, { outcome: "cancelling", state: "active" });
    }
    if (req.method === "GET" && path === "/keys") return send(res, 200, { items: fake.keys.map(keyOut) });
    if (req.method === "POST" && path === "/keys") {
      if (!body?.name) return err(res, 400, "VALIDATION", "name: is required", "name");
      if (body.scopes?.includes("admin")) {
        return err(res, 403, "FORBIDDEN", "creating an admin key needs the admin role");
      }
      const id = `key_${fake.keys.length + 1}`;
      const key = `aitk_${String(fake.keys.length + 1)
        .repeat(40)
        .slice(0, 40)}`;
      const row = {
        id,
        name: body.name,
        prefix: key.slice(0, 12),
        scopes: body.scopes ?? ["inference", "read", "write"],
        revokedAt: null,
      };
      fake.keys.push(row);
      return send(res, 201, { key, apiKey: keyOut(row) });
    }
    const keyDel = m("DELETE", /^\/keys\/([^/]+)$/);
    if (keyDel) {
      const k = fake.keys.find((x) => x.id === decodeURIComponent(keyDel[1]!));
      if (!k) return err(res, 404, "NOT_FOUND", `API key ${keyDel[1]} not found`, "id");
      k.revokedAt = now();
      return send(res, 200, keyOut(k));
    }
    if (req.method === "POST" && path === "/builds") {
      if (body.hostId && body.hostId !== "host_1")
        return err(res, 404, "NOT_FOUND", "host not found", "hostId");
      const id = `build_${builds.size + 1}`;
      const jobId = `job_b${builds.size + 1}`;
      const failed = fake.buildOutcome === "failed";
      addJob(
        fake,
        jobId,
        [
          {
            state: "active",
            progress: 5,
            message: "resolved",
            lines: ["resolved meta-llama/Llama-3.2-1B-instruct → vllm"],
          },
          {
            state: "active",
            progress: 50,
            message: "Step 2/4",
            lines: ["Step 1/4 : FROM x", "Step 2/4 : RUN y"],
          },
          failed
            ? { state: "failed", progress: 50, error: "RUN y: exit 1", lines: ["error: exit 1"] }
            : { state: "completed", progress: 100, lines: ["Successfully tagged"] },
        ],
        "build.run",
      );
      const b = {
        id,
        tag: body.tag,
        status: failed ? "failed" : "succeeded",
        host: { id: "host_1", name: "local" },
        target: "nvidia-h100",
        engine: "vllm",
        durationMs: 1234,
        sizeBytes: 5_000_000,
        cveCount: 0,
        failedStep: failed ? "RUN y" : null,
        error: failed ? "exit 1" : null,
        jobId,
        imageId: "sha256:0123456789abcdef0123",
        createdAt: now(),
        startedAt: now(),
        finishedAt: now(),
        dockerfileAi: body.dockerfileAi,
      };
      builds.set(id, b);
      return send(res, 201, { ...b, status: "queued" });
    }
    const buildGet = m("GET", /^\/builds\/([^/]+)$/);
    if (buildGet) {
      const b = builds.get(decodeURIComponent(buildGet[1]!));
      if (!b) return err(res, 404, "NOT_FOUND", `build ${buildGet[1]} not found`, "id");
      return send(res, 200, b);
    }
    if (req.method === "GET" && path === "/builds") {
      return send(res, 200, { items: [...builds.values()], nextCursor: null });
    }
    return err(res, 404, "NOT_FOUND", `no such API route: ${req.method} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => err(res, 500, "INTERNAL", e.message));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}

function keyOut(k: TFake["keys"][number]) {
  return {
    ...k,
    allowedModels: [],
    rpmLimit: null,
    tpmLimit: null,
    expiresAt: null,
    lastUsedAt: null,
    createdAt: now(),
  };
}
