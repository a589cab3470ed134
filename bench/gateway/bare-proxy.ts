// The floor for any Node.js gateway on this machine: node:http in, one keep-alive undici Pool out,
// the body buffered and relayed, nothing else (no auth, limits, ledger, metrics or logs). The bench
// runs it beside our gateway so "added latency" can be split into what Node's proxying costs here
// and what our features add on top. Usage: bare-proxy.ts <upstream-origin>; prints {"port":n}.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const pool = new Pool(process.argv[2]!, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    try {
      const up = await pool.request({
        path: req.url ?? "/",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      const body = Buffer.from(await up.body.arrayBuffer());
      res.writeHead(up.statusCode, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
