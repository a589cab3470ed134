import { createServer as createHttpServer, type Server } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ClientGone } from "../abort";
import { H1Pool, type TH1PoolOptions } from "./pool";

const OPTS: TH1PoolOptions = {
  connections: 8,
  keepAliveTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  connectTimeoutMs: 2_000,
};
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f(); // pools before servers
});

async function listen(s: Server | NetServer): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  cleanup.push(() => new Promise((r) => s.close(r)));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function pool(origin: string, opts: Partial<TH1PoolOptions> = {}): H1Pool {
  const p = new H1Pool(origin, { ...OPTS, ...opts });
  cleanup.push(() => p.close());
  return p;
}

const post = (p: H1Pool, body = "{}", signal?: ClientGone) =>
  p.request({ path: "/v1/x", method: "POST", headers: { "content-type": "application/json" }, body, signal });

function text(body: AsyncIterable<Buffer>): Promise<string> {
  return (async () => {
    let s = "";
    for await (const c of body) s += c.toString();
    return s;
  })();
}

describe("H1Pool against node:http", () => {
  it("sends method, path, headers and body; reuses one keep-alive connection", async () => {
    let conns = 0;
    const seen: string[] = [];
    const srv = createHttpServer((req, res) => {
      let b = "";
      req.on("data", (c) => {
        b += c;
      });
      req.on("end", () => {
        seen.push(`${req.method} ${req.url} ${req.headers["content-type"]} ${b}`);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ echo: b }));
      });
    });
    srv.on("connection", () => conns++);
    const p = pool(await listen(srv));
    for (let i = 0; i < 3; i++) {
      const r = await post(p, `{"i":${i}}`);
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(await text(r.body))).toEqual({ echo: `{"i":${i}}` });
    }
    expect(seen).toEqual([0, 1, 2].map((i) => `POST /v1/x application/json {"i":${i}}`));
    expect(conns).toBe(1);
  });

  it("bodies of every size arrive byte-exact while connections interleave on the shared read buffer", async () => {
    // Distinct bytes per response and size, so a read that leaked into another connection's body shows.
    const body = (n: number, seed: number) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
      return b;
    };
    const sizes = [0, 1, 4095, 4096, 65_535, 65_536, 65_537, 1_000_003];
    const srv = createHttpServer((req, res) => {
      const n = Number(req.url!.split("/").pop());
      req.resume();
      req.on("end", () => {
        const b = body(n, n % 251);
        // Chunked for half of them: framing through the shared buffer too.
        if (n % 2) res.writeHead(200, { "content-type": "application/octet-stream" });
        else res.writeHead(200, { "content-length": String(b.length) });
        res.end(b);
      });
    });
    const p = pool(await listen(srv));
    const got = await Promise.all(
      [...sizes, ...sizes].map(async (n) => {
        const r = await p.request({ path: `/b/${n}`, method: "POST", headers: {}, body: "" });
        const chunks: Buffer[] = [];
        for await (const c of r.body) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      }),
    );
    got.forEach((b, i) => {
      const n = [...sizes, ...sizes][i]!;
      expect(b.length).toBe(n);
      expect(b.equals(body(n, n % 251))).toBe(true);
    });
  });

  it("streams chunked SSE as it arrives", async () => {
    const srv = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      setTimeout(() => {
        res.write("data: 2\n\n");
        res.end("data: [DONE]\n\n");
      }, 100);
    });
    const p = pool(await listen(srv));
    const r = await post(p);
    const got: { at: number; c: string }[] = [];
    const t0 = Date.now();
    for await (const c of r.body) got.push({ at: Date.now() - t0, c: c.toString() });
    expect(got.map((g) => g.c).join("")).toBe("data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
    expect(got[0]!.at).toBeLessThan(80); // the first event did not wait for the rest
  });

  it("a connection the upstream closed while idle is not used: the next request still succeeds", async () => {
    const srv = createHttpServer((req, res) => {
      req.resume();
      res.end("ok");
    });
    srv.keepAliveTimeout = 50;
    const p = pool(await listen(srv));
    expect(await text((await post(p)).body)).toBe("ok");
    await new Promise((r) => setTimeout(r, 150));
    expect(await text((await post(p)).body)).toBe("ok");
  });

  it("keeps at most `connections` sockets and queues the rest", async () => {
    let open = 0;
    let peak = 0;
    const srv = createHttpServer((req, res) => {
      req.resume();
      setTimeout(() => res.end("ok"), 30);
    });
    srv.on("connection", (s) => {
      peak = Math.max(peak, ++open);
      s.on("close", () => open--);
    });
    const p = pool(await listen(srv), { connections: 2 });
    const out = await Promise.all(Array.from({ length: 6 }, async () => text((await post(p)).body)));
    expect(out).toEqual(Array(6).fill("ok"));
    expect(peak).toBe(2);
  });

  it("client abort: before the answer the request rejects, during the body the body errors", async () => {
    const srv = createHttpServer((req, res) => {
      req.resume();
      if (req.url === "/slow-head") return; // never answers
      res.writeHead(200);
      res.write("part");
    });
    const origin = await listen(srv);
    const p = pool(origin);
    const gone = new ClientGone();
    const pending = p.request({ path: "/slow-head", method: "POST", headers: {}, body: "", signal: gone });
    setTimeout(() => gone.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: "UND_ERR_ABORTED" });

    const gone2 = new ClientGone();
    const r = await post(p, "{}", gone2);
    setTimeout(() => gone2.abort(), 50);
    await expect(text(r.body)).rejects.toMatchObject({ code: "UND_ERR_ABORTED" });
  });
});

describe("H1Pool failures", () => {
  it("connection refused is ECONNREFUSED (the caller fails over)", async () => {
    const srv = createNetServer();
    const origin = await listen(srv);
    await new Promise((r) => srv.close(r));
    await expect(post(pool(origin))).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("a reused connection closed before any answer is retried once on a new one", async () => {
    let n = 0;
    const srv = createNetServer((s: Socket) => {
      const id = ++n;
      let reqs = 0;
      s.on("data", () => {
        reqs++;
        // Connection 1 answers its first request, then dies on the second without a byte.
        if (id === 1 && reqs === 2) return s.destroy();
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      });
    });
    const p = pool(await listen(srv));
    expect(await text((await post(p)).body)).toBe("ok");
    expect(await text((await post(p)).body)).toBe("ok");
    expect(n).toBe(2);
  });

  it("an upstream that dies mid-body errors the body with UND_ERR_SOCKET", async () => {
    const srv = createNetServer((s: Socket) => {
      s.on("data", () => {
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
        setTimeout(() => s.destroy(), 20);
      });
    });
    const r = await post(pool(await listen(srv)));
    await expect(text(r.body)).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
  });

  it("no answer within the headers timeout is UND_ERR_HEADERS_TIMEOUT", async () => {
    const srv = createNetServer((s: Socket) => s.resume());
    const p = pool(await listen(srv), { headersTimeoutMs: 200 });
    await expect(post(p)).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });
  });

  it("refuses header values that would split the request", async () => {
    const p = pool("http://127.0.0.1:9");
    await expect(
      p.request({ path: "/", method: "POST", headers: { "x-id": "a\r\nx-evil: 1" }, body: "" }),
    ).rejects.toMatchObject({ code: "UND_ERR_INVALID_ARG" });
  });
});
