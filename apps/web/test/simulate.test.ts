// Simulate through tRPC and REST: catalog, inline runs (one scenario, lists, small sweeps), bad ids
// answered 400 with the valid ids, big sweeps as a simulate.sweep job run by a real worker, and
// tenant isolation of stored simulations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestWorker, waitFor } from "../../worker/test/helpers";
import { createFixture, type TFixture, trpcError } from "./fixtures";
import { callRoute, restRoutes, type TRestRoute } from "./rest";

let f: TFixture;
let routes: TRestRoute[];
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
const route = (method: string, path: string) => {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};
type TErr = { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } };

const H100_8B = { device: "nvidia-h100", model: "llama-3.1-8b", quant: "bf16", engine: "vllm" };

beforeAll(async () => {
  f = await createFixture();
  routes = await restRoutes();
});

afterAll(async () => {
  await worker?.close();
  await f?.close();
});

describe("simulate (tRPC)", () => {
  it("catalog lists devices, models, quants and engines with ids and names", async () => {
    const c = await f.caller(f.a.viewerId).simulate.catalog();
    expect(c.devices.map((d) => d.id)).toContain("nvidia-h100-sxm5-80gb");
    expect(c.models.map((m) => m.id)).toEqual(expect.arrayContaining(["llama-3.1-8b", "llama-3.1-70b"]));
    expect(c.quants.map((q) => q.id)).toEqual(expect.arrayContaining(["bf16", "q4_k_m"]));
    expect(c.engines.map((e) => e.id)).toEqual(expect.arrayContaining(["vllm", "llama.cpp"]));
    for (const d of c.devices) expect(d.name).toBeTruthy();
    expect(c.limits.inlinePoints).toBe(500);
  });

  it("runs one scenario inline: the verdict has memory, capacity, latency, power and bounds", async () => {
    // A viewer may simulate: it is a pure computation.
    const out = await f.caller(f.a.viewerId).simulate.run({ scenarios: [{ ...H100_8B, batch: 8 }] });
    expect(out.points).toHaveLength(1);
    const p = out.points[0]!;
    expect(p).toMatchObject({ device: "nvidia-h100-sxm5-80gb", model: "llama-3.1-8b", fits: true, batch: 8 });
    expect(p.oomReason).toBeNull();
    // Llama-3.1-8B in bf16 is ~16 GB of weights; vLLM's KV capacity on an H100 is in the 400k-token range.
    expect(p.weightsBytes).toBeGreaterThan(15e9);
    expect(p.weightsBytes).toBeLessThan(17e9);
    expect(p.kvCapacityTokens).toBeGreaterThan(300_000);
    expect(p.maxConcurrency).toBeGreaterThan(1);
    for (const k of ["ttftMs", "tokensPerS", "powerW", "energyPerTokenJ"] as const)
      expect(p[k]).toBeGreaterThan(0);
    expect(["memory", "compute", "overhead"]).toContain(p.boundDecode);
    expect(["memory", "compute", "overhead"]).toContain(p.boundPrefill);
  });

  it("says OOM with the reason when the model does not fit", async () => {
    const out = await f.caller(f.a.ownerId).simulate.run({
      scenarios: [{ device: "nvidia-l4", model: "llama-3.1-70b", quant: "bf16", engine: "vllm" }],
    });
    const p = out.points[0]!;
    expect(p.fits).toBe(false);
    expect(p.oomReason).toMatch(/\w/);
  });

  it("runs a small sweep inline, devices side by side across batch and context", async () => {
    const out = await f.caller(f.a.ownerId).simulate.run({
      sweep: {
        base: { device: "nvidia-h100", model: "llama-3.1-8b" },
        vary: { device: ["nvidia-h100", "nvidia-a100"], batch: [1, 8, 32], contextTokens: [1024, 8192] },
      },
    });
    expect(out.points).toHaveLength(12);
    const devices = new Set(out.points.map((p) => p.device));
    expect(devices.size).toBe(2);
    // Decoding a bigger batch yields more tokens/s on the same device and context.
    const h100 = out.points.filter((p) => p.device === "nvidia-h100-sxm5-80gb" && p.contextTokens === 1024);
    expect(h100.map((p) => p.batch)).toEqual([1, 8, 32]);
    expect(h100[2]!.tokensPerS).toBeGreaterThan(h100[0]!.tokensPerS);
  });

  it("refuses a sweep too big to answer inline, pointing at simulate.sweep", async () => {
    const e = await trpcError(
      f.caller(f.a.ownerId).simulate.run({
        sweep: {
          base: { device: "nvidia-h100", model: "llama-3.1-8b" },
          vary: {
            batch: Array.from({ length: 30 }, (_, i) => i + 1),
            contextTokens: Array.from({ length: 20 }, (_, i) => 512 * (i + 1)),
          },
        },
      }),
    );
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toContain("sweep.vary");
    expect(e.message).toContain("simulate.sweep");
  });

  it("names the field and lists the valid ids for unknown device, model and engine", async () => {
    const c = f.caller(f.a.ownerId);
    const dev = await trpcError(
      c.simulate.run({ scenarios: [{ device: "nvidia-h1000", model: "llama-3.1-8b" }] }),
    );
    expect(dev.code).toBe("BAD_REQUEST");
    expect(dev.message).toContain("scenarios.0.device");
    expect(dev.message).toContain("nvidia-h100-sxm5-80gb");
    const model = await trpcError(c.simulate.run({ scenarios: [{ device: "nvidia-h100", model: "gpt-9" }] }));
    expect(model.message).toContain("scenarios.0.model");
    expect(model.message).toContain("llama-3.1-8b");
    const eng = await trpcError(
      c.simulate.run({ sweep: { base: { ...H100_8B, engine: "warp-drive" }, vary: {} } }),
    );
    expect(eng.message).toContain("sweep.base.engine");
    expect(eng.message).toContain("vllm");
    const neither = await trpcError(c.simulate.run({}));
    expect(neither.message).toContain("scenarios");
  });
});

describe("simulate (REST)", () => {
  it("POST /simulate: an object gives one result, an array gives results in the same order", async () => {
    const one = await callRoute(route("POST", "/simulate"), { key: f.a.key, body: H100_8B });
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ device: "nvidia-h100-sxm5-80gb", fits: true });
    for (const k of ["weightsBytes", "kvBytes", "prefillMs", "decodeMsPerStep", "tokensPerS", "powerW"])
      expect(typeof (one.body as Record<string, unknown>)[k]).toBe("number");

    const list = [
      { ...H100_8B, batch: 1, promptTokens: 512, contextTokens: 512, phase: "prefill", tp: 1 },
      { device: "nvidia-a100", model: "llama-3.2-1b", batch: 4, phase: "decode", tp: 1 },
      { device: "nvidia-h100", model: "llama-3.1-70b", quant: "fp8", engine: "vllm", tp: 2 },
    ];
    const many = await callRoute(route("POST", "/simulate"), { key: f.a.key, body: list });
    expect(many.status, many.text).toBe(200);
    const arr = many.body as { model: string; phase: string; tp: number }[];
    expect(arr.map((r) => r.model)).toEqual(["llama-3.1-8b", "llama-3.2-1b", "llama-3.1-70b"]);
    expect(arr[0]!.phase).toBe("prefill");
    expect(arr[2]!.tp).toBe(2);
  });

  it("POST /simulate: bad ids → 400 naming the field with the valid ids", async () => {
    const bad = await callRoute(route("POST", "/simulate"), {
      key: f.a.key,
      body: { device: "tpu-v9", model: "llama-3.1-8b" },
    });
    expect(bad.status).toBe(400);
    const e = (bad.body as TErr).error;
    expect(e.field).toBe("device");
    expect(e.message).toContain("nvidia-h100-sxm5-80gb");
    expect(e.details?.choices).toEqual(expect.arrayContaining(["nvidia-h100-sxm5-80gb"]));

    const inList = await callRoute(route("POST", "/simulate"), {
      key: f.a.key,
      body: [H100_8B, { ...H100_8B, engine: "nope" }],
    });
    expect(inList.status).toBe(400);
    expect((inList.body as TErr).error.field).toBe("[1].engine");
    expect((inList.body as TErr).error.message).toContain("vllm");

    for (const body of [[], "x", 42, { device: "nvidia-h100" }, { ...H100_8B, batch: 0 }]) {
      const res = await callRoute(route("POST", "/simulate"), { key: f.a.key, body });
      expect(res.status, `${JSON.stringify(body)} → ${res.text}`).toBe(400);
      expect((res.body as TErr).error.message).toMatch(/body|model|batch/);
    }
  });

  it("documents the simulate routes in the OpenAPI document", async () => {
    const res = await callRoute(route("GET", "/openapi.json"), {});
    const doc = res.body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/simulate", "/simulations", "/simulations/{id}"]),
    );
    expect(JSON.stringify(doc.paths["/simulate"]?.post?.requestBody)).toContain("promptTokens");
  });
});

describe("big sweeps as a job", () => {
  it("simulate.sweep stores a Simulation, a worker runs it with progress, the points come back", async () => {
    worker = await startTestWorker(
      f.prisma,
      "postgresql://postgres@127.0.0.1:5432/unused",
      f.deps.queues.prefix,
      {
        kinds: ["simulate.sweep"],
      },
    );
    const c = f.caller(f.a.memberId);
    const vary = {
      device: ["nvidia-h100", "nvidia-a100", "nvidia-l4"],
      batch: [1, 2, 4, 8, 16, 32, 64, 128],
      contextTokens: [512, 1024, 2048, 4096, 8192, 16384, 32768],
      tp: [1, 2, 4],
    };
    const sim = await c.simulate.sweep({
      name: "three devices",
      sweep: { base: { device: "nvidia-h100", model: "llama-3.1-8b" }, vary },
    });
    expect(sim.points).toBe(3 * 8 * 7 * 3);
    expect(sim.jobId).toBeTruthy();
    const job = await f.prisma.job.findUniqueOrThrow({ where: { id: sim.jobId! } });
    expect(job.kind).toBe("simulate.sweep");

    const done = await waitFor(
      async () => {
        const s = await c.simulate.get({ id: sim.id });
        return s.status === "completed" || s.status === "failed" ? s : null;
      },
      "the sweep to finish",
      30_000,
    );
    expect(done.status, String(done.error)).toBe("completed");
    expect(done.result?.points).toHaveLength(504);
    // The row is stored before the handler returns; the Job row finishes just after.
    const finished = await waitFor(
      async () => {
        const j = await f.prisma.job.findUniqueOrThrow({ where: { id: sim.jobId! } });
        return j.state === "active" || j.state === "queued" ? null : j;
      },
      "the job to finish",
      10_000,
    );
    expect(finished.state).toBe("completed");
    expect(finished.progress).toBe(100);

    const list = await c.simulate.list();
    expect(list.items.map((s) => s.id)).toContain(sim.id);
    expect(list.items.find((s) => s.id === sim.id)?.result).toBeNull();

    const rest = await callRoute(route("GET", "/simulations/{id}"), {
      key: f.a.readKey,
      params: { id: sim.id },
    });
    expect(rest.status).toBe(200);
    expect((rest.body as { result: { points: unknown[] } }).result.points).toHaveLength(504);
  });

  it("POST /simulations starts a sweep; bad input is 400 with the field", async () => {
    const ok = await callRoute(route("POST", "/simulations"), {
      key: f.a.key,
      body: { sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [1, 2, 3] } } },
    });
    expect(ok.status, ok.text).toBe(202);
    expect((ok.body as { points: number }).points).toBe(3);
    const bad = await callRoute(route("POST", "/simulations"), {
      key: f.a.key,
      body: { sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [0] } } },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as TErr).error.field).toBe("sweep.vary.batch.0");
  });

  it("a viewer cannot start a sweep", async () => {
    const e = await trpcError(
      f
        .caller(f.a.viewerId)
        .simulate.sweep({ sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" } } }),
    );
    expect(e.code).toBe("FORBIDDEN");
  });
});

describe("tenant isolation of simulations", () => {
  it("org A cannot read org B's simulation through tRPC or REST", async () => {
    const bSim = await f.caller(f.b.ownerId).simulate.sweep({
      sweep: { base: { device: "nvidia-h100", model: "llama-3.2-1b" }, vary: { batch: [1, 2] } },
    });
    const a = f.caller(f.a.ownerId, { requestedOrgId: f.b.orgId });
    expect((await trpcError(a.simulate.get({ id: bSim.id }))).code).toBe("NOT_FOUND");
    expect((await a.simulate.list({ limit: 100 })).items.map((s) => s.id)).not.toContain(bSim.id);
    const res = await callRoute(route("GET", "/simulations/{id}"), { key: f.a.key, params: { id: bSim.id } });
    expect(res.status).toBe(404);
    const list = await callRoute(route("GET", "/simulations"), { key: f.a.key });
    expect(list.text).not.toContain(bSim.id);
    // B still sees it.
    expect((await f.caller(f.b.ownerId).simulate.get({ id: bSim.id })).id).toBe(bSim.id);
  });
});
