// Gateway benchmark (a script, not a test): direct vs our gateway (auth, rate limits, ledger on) vs
// Portkey gateway 1.15.2, all on loopback, load from wrk. See README.md in this folder.
//
//   npx tsx bench/gateway/run.ts [--duration=8] [--warmup=2] [--no-portkey] [--log-level=info]
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import { cpus, loadavg, setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { createRedis } from "@aitk/db";
import { createTestDatabase } from "@aitk/db/testing";
import { nginxBinary, nginxConfig } from "./nginx";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const s = a.replace(/^--/, "");
    const i = s.indexOf("=");
    return (i < 0 ? [s, "true"] : [s.slice(0, i), s.slice(i + 1)]) as [string, string];
  }),
);
const DURATION = Number(args.get("duration") ?? 8);
const WARMUP = Number(args.get("warmup") ?? 2);
const WITH_PORTKEY = !args.has("no-portkey") && (!args.get("only") || args.get("only")!.includes("portkey"));
const LOG_LEVEL = args.get("log-level") ?? "info";
/** e.g. --only=direct,aitk to skip targets; --node-args="--cpu-prof" for the gateway process. */
const ONLY = args.get("only")?.split(",") ?? null;
/**
 * --nice=-10 runs wrk, the upstream and both gateways at a higher scheduling priority (all alike), so
 * unrelated work on a shared machine disturbs the comparison less. Redis and Postgres keep theirs.
 */
const NICE = Number(args.get("nice") ?? 0);
/**
 * By default the bench starts its own redis-server (same settings as the shared one: no AOF, no RDB
 * snapshots) on a free port, so other users of the shared Redis do not skew the round trips;
 * --shared-redis uses REDIS_URL / 127.0.0.1:6379 instead.
 */
const SHARED_REDIS = args.has("shared-redis");
/**
 * --redis-socket: the gateways reach the private redis-server over a unix socket (REDIS_URL set to its
 * path), as a gateway co-located with Redis can; a loopback TCP round trip costs more here.
 */
const REDIS_SOCKET = args.has("redis-socket") && !SHARED_REDIS;
const SCENARIOS = args.get("scenarios")?.split(",") ?? ["20ms", "instant"];
/** Connection counts for the instant upstream: 32 (saturation) by default; 1 shows the bare per-hop cost. */
const INSTANT_CONNS = (args.get("instant-conns") ?? "32").split(",").map(Number);
/** Connection counts for the 20 ms upstream: c = 1 and c = 32 by default (--conns=32 for only one). */
const CONNS = (args.get("conns") ?? "1,32").split(",").map(Number);
/** Node flags of the gateway processes: by default those `npm run up` and docker-compose use. */
const GW_NODE_ARGS = (args.get("node-args") ?? "--max-semi-space-size=32 --min-semi-space-size=32")
  .split(" ")
  .filter(Boolean);
/**
 * --pin: the gateways under test (bare, aitk, aitk-wal, portkey) run on CPU 1 only, and wrk, the
 * upstream and Redis on CPU 0, so a gateway never waits for the load generator's core (as on a server
 * where the clients are elsewhere). Each gateway still gets exactly one core, the same for all.
 */
const PIN = args.has("pin") && cpus().length >= 2;
/**
 * --variant-node-args="..." and/or --variant-env=K=V,K=V: a third gateway, "aitk-v", is the default one
 * (ledger in Redis) started with these Node flags / settings instead, measured in the same rounds.
 */
const VARIANT_NODE_ARGS = args.get("variant-node-args") ?? "";
const VARIANT_ENV: Record<string, string> = Object.fromEntries(
  (args.get("variant-env") ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
/** --repeat=N: the 20 ms scenario is measured N times, the targets interleaved; medians are summarised. */
const REPEAT = Math.max(1, Number(args.get("repeat") ?? 1));
const PORTKEY_DIR = process.env.PORTKEY_DIR ?? "/tmp/portkey";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const children: ChildProcess[] = [];

/** GET on a fresh connection (the pooled one from start-up may have been closed by the server since). */
function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitHttp(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<void> {
  const t = Date.now();
  for (;;) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {}
    if (Date.now() - t > timeoutMs) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function ensureWrk(): void {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (e) {
    // wrk --version exits 1 but runs; only a missing binary throws ENOENT.
    if ((e as { code?: string }).code === "ENOENT") {
      throw new Error("wrk is not installed: flock /tmp/aitk-apt.lock apt-get install -y wrk");
    }
  }
}

function ensurePortkey(): string {
  const entry = join(PORTKEY_DIR, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (existsSync(entry)) return entry;
  mkdirSync(PORTKEY_DIR, { recursive: true });
  // Newer @hono/node-server breaks Portkey streaming (TypeError: immutable); pin what its lockfile has.
  writeFileSync(
    join(PORTKEY_DIR, "package.json"),
    JSON.stringify({
      private: true,
      dependencies: { "@portkey-ai/gateway": "1.15.2" },
      overrides: { "@hono/node-server": "1.13.5", hono: "4.9.7" },
    }),
  );
  console.log(`installing @portkey-ai/gateway@1.15.2 into ${PORTKEY_DIR} …`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: PORTKEY_DIR, stdio: "inherit" });
  return entry;
}

/**
 * stdout "pipe" only for processes whose output is read; the others write to a file. (wrk runs
 * synchronously here, so a piped child's logs would fill the pipe and stall it.)
 */
function start(
  cmd: string,
  argv: string[],
  env: Record<string, string> = {},
  logFile?: string,
): ChildProcess {
  const out = logFile ? openSync(logFile, "w") : "pipe";
  const p = spawn(cmd, argv, {
    env: { ...process.env, ...env },
    stdio: ["ignore", out, logFile ? out : "inherit"],
  });
  children.push(p);
  if (NICE !== 0 && p.pid) setPriority(p.pid, NICE);
  return p;
}

/** Waits for the first line of a child's log file that is a JSON object (its start-up report). */
async function firstJsonLine<T>(file: string, timeoutMs = 30_000): Promise<T> {
  const t = Date.now();
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const line = text.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
    if (line) return JSON.parse(line) as T;
    if (Date.now() - t > timeoutMs) throw new Error(`${file}: no start-up line`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pins every thread of a running process to one CPU (see --pin). */
function pin(pid: number | undefined, cpu: 0 | 1): void {
  if (!PIN || !pid) return;
  execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
}

type TTarget = { name: string; url: string; headers: Record<string, string>; pid?: number; port?: number };

/** The gateway histograms whose means say where its own time goes. */
const INTERNALS = {
  before: "gateway_overhead_seconds",
  limit: "gateway_ratelimit_seconds",
  ledger: "gateway_ledger_write_seconds",
} as const;
type TInternals = Record<
  keyof typeof INTERNALS | "limitBatch" | "ledgerBatch",
  { sum: number; count: number }
>;

async function internals(port: number): Promise<TInternals> {
  const text = await getText(`http://127.0.0.1:${port}/metrics`);
  const read = (m: string) => ({
    sum: Number(text.match(new RegExp(`^${m}_sum (\\S+)`, "m"))?.[1] ?? 0),
    count: Number(text.match(new RegExp(`^${m}_count (\\S+)`, "m"))?.[1] ?? 0),
  });
  const batch = (kind: string) => ({
    sum: Number(
      text.match(new RegExp(`^gateway_redis_batch_size_sum\\{kind="${kind}"\\} (\\S+)`, "m"))?.[1] ?? 0,
    ),
    count: Number(
      text.match(new RegExp(`^gateway_redis_batch_size_count\\{kind="${kind}"\\} (\\S+)`, "m"))?.[1] ?? 0,
    ),
  });
  return {
    before: read(INTERNALS.before),
    limit: read(INTERNALS.limit),
    ledger: read(INTERNALS.ledger),
    limitBatch: batch("limit"),
    ledgerBatch: batch("ledger"),
  };
}

/** Mean of each internal histogram between two snapshots, in ms. */
function internalsLine(a: TInternals, b: TInternals): string {
  const mean = (k: keyof TInternals) => {
    const n = b[k].count - a[k].count;
    return n > 0 ? `${(((b[k].sum - a[k].sum) / n) * 1000).toFixed(3)}` : "n/a";
  };
  const per = (k: "limitBatch" | "ledgerBatch") => {
    const n = b[k].count - a[k].count;
    return n > 0 ? ((b[k].sum - a[k].sum) / n).toFixed(1) : "n/a";
  };
  return (
    `before-forward ${mean("before")} ms (limit ${mean("limit")}), ledger ${mean("ledger")} ms; ` +
    `calls per Redis command: limit ${per("limitBatch")}, ledger ${per("ledgerBatch")}`
  );
}

/** utime + stime of a process in microseconds, from /proc (Linux). */
/** CPU time of a process in µs: user + system, and the system (kernel) part alone. */
function cpuUs(pid: number): number {
  return cpuSplitUs(pid)[0];
}

function cpuSplitUs(pid: number): [total: number, sys: number] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const user = Number(f[11]);
    const sys = Number(f[12]);
    return [((user + sys) / 100) * 1e6, (sys / 100) * 1e6]; // USER_HZ = 100 on Linux
  } catch {
    return [Number.NaN, Number.NaN];
  }
}
type TResult = {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  /** CPU time (user + system) the gateway process spent per request: robust against a busy machine. */
  cpuUsPerReq?: number;
  /** wrk's whole latency histogram, µs → count: rounds are pooled into one distribution for the summary. */
  hist?: Map<number, number>;
};

function wrkScript(t: TTarget, model: string): string {
  const body = JSON.stringify({
    model,
    messages: [{ role: "user", content: "Say hello in one short sentence." }],
    max_tokens: 16,
  });
  const headers = Object.entries({ "Content-Type": "application/json", ...t.headers })
    .map(([k, v]) => `wrk.headers["${k}"] = "${v}"`)
    .join("\n");
  const file = join(tmpdir(), `aitk-bench-${randomBytes(4).toString("hex")}.lua`);
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.body = '${body}'
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nRESULT {"requests":%d,"duration":%d,"errors":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
  local parts = {}
  for i = 1, #latency do
    local v, c = latency(i)
    parts[#parts + 1] = string.format('%d:%d', v, c)
  end
  io.write('HIST ' .. table.concat(parts, ',') .. '\\n')
end
`,
  );
  return file;
}

function wrk(t: TTarget, model: string, conns: number, seconds: number): TResult {
  const script = wrkScript(t, model);
  const threads = conns === 1 ? 1 : 2;
  const prefix = [
    ...(PIN ? ["taskset", "-c", "0"] : []),
    ...(NICE !== 0 ? ["nice", "-n", String(NICE)] : []),
  ];
  const out = execFileSync(
    prefix[0] ?? "wrk",
    [
      ...prefix.slice(1),
      ...(prefix.length > 0 ? ["wrk"] : []),
      "-t",
      String(threads),
      "-c",
      String(conns),
      "-d",
      `${seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      t.url,
    ],
    { encoding: "utf8" },
  );
  rmSync(script, { force: true });
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`wrk output without result:\n${out}`);
  const r = JSON.parse(line.slice(7)) as {
    requests: number;
    duration: number;
    errors: number;
    non2xx: number;
    p50: number;
    p90: number;
    p99: number;
  };
  return {
    rps: r.requests / (r.duration / 1e6),
    p50: r.p50 / 1000,
    p90: r.p90 / 1000,
    p99: r.p99 / 1000,
    errors: r.errors,
    non2xx: r.non2xx,
    requests: r.requests,
    hist: parseHist(out.split("\n").find((l) => l.startsWith("HIST "))),
  };
}

function parseHist(line: string | undefined): Map<number, number> | undefined {
  if (!line) return undefined;
  const h = new Map<number, number>();
  for (const pair of line.slice(5).trim().split(",")) {
    const [v, c] = pair.split(":").map(Number);
    if (Number.isFinite(v) && Number.isFinite(c)) h.set(v!, (h.get(v!) ?? 0) + c!);
  }
  return h;
}

/** Percentile (ms) of several rounds' histograms taken as one distribution; NaN if a round lacks one. */
function pooledPercentile(rs: TResult[], p: number): number {
  const all = new Map<number, number>();
  for (const r of rs) {
    if (!r.hist) return Number.NaN;
    for (const [v, c] of r.hist) all.set(v, (all.get(v) ?? 0) + c);
  }
  const values = [...all.keys()].sort((a, b) => a - b);
  const total = values.reduce((n, v) => n + all.get(v)!, 0);
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const v of values) {
    seen += all.get(v)!;
    if (seen >= rank) return v / 1000;
  }
  return Number.NaN;
}

async function measure(t: TTarget, model: string, conns: number): Promise<TResult> {
  if (WARMUP > 0) wrk(t, model, conns, WARMUP);
  const cpu0 = t.pid ? cpuSplitUs(t.pid) : null;
  const in0 = t.port ? await internals(t.port) : null;
  const r = wrk(t, model, conns, DURATION);
  const in1 = t.port ? await internals(t.port) : null;
  // Tick-sampled accounting (10 ms): only meaningful over many requests.
  let sysShare = Number.NaN;
  if (t.pid && cpu0 && r.requests >= 2000) {
    const [total, sys] = cpuSplitUs(t.pid);
    r.cpuUsPerReq = (total - cpu0[0]) / r.requests;
    sysShare = (sys - cpu0[1]) / (total - cpu0[0]);
  }
  console.log(
    `  ${t.name.padEnd(8)} c=${String(conns).padEnd(3)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms` +
      (r.cpuUsPerReq
        ? `  gateway CPU ${r.cpuUsPerReq.toFixed(0)} µs/req (${(sysShare * 100).toFixed(0)} % kernel)`
        : "") +
      (r.errors || r.non2xx ? `  errors ${r.errors} non-2xx ${r.non2xx}` : "") +
      (in0 && in1 ? `\n${" ".repeat(16)}${internalsLine(in0, in1)}` : ""),
  );
  return r;
}

/**
 * Bundles a TypeScript entry with the production bundler (scripts/bundle.mjs, as `npm run build`) into
 * `dir`, which must sit inside the repository so that the bundle's external packages resolve from
 * node_modules. Processes then run on plain `node`: under `--import tsx` a loader thread with its own
 * heap shares the pinned core, and its garbage collections (10–20 ms) showed up as the gateway's p99.
 */
function bundle(entry: string, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  execFileSync(process.execPath, [join(ROOT, "scripts/bundle.mjs"), entry, out], {
    cwd: ROOT,
    stdio: "inherit",
  });
  return out;
}

async function main(): Promise<void> {
  ensureWrk();
  const benchDist = join(ROOT, "bench/gateway/dist");
  const gatewayJs = bundle(
    join(ROOT, "apps/gateway/src/main.ts"),
    join(ROOT, "apps/gateway/dist"),
    "bench-main.js",
  );
  const bareJs = bundle(join(ROOT, "bench/gateway/bare-proxy.ts"), benchDist, "bare-proxy.js");
  const upstreamJs = bundle(join(ROOT, "bench/gateway/upstream.ts"), benchDist, "upstream.js");
  const portkeyEntry = WITH_PORTKEY ? ensurePortkey() : null;

  // Upstreams (own process).
  pin(process.pid, 0);
  const upProc = start(process.execPath, [upstreamJs, "20"]);
  pin(upProc.pid, 0);
  const ports = await new Promise<{ delayed: number; instant: number }>((resolve) => {
    createInterface({ input: upProc.stdout! }).once("line", (l) => resolve(JSON.parse(l)));
  });

  // Our gateway with a real org, key, models, Postgres and Redis; limits high enough not to refuse.
  const db = await createTestDatabase();
  const prefix = `bench${randomBytes(3).toString("hex")}:`;
  const org = await db.prisma.organization.create({
    data: {
      name: "bench",
      slug: "bench",
      plan: "paid",
      rpmLimit: 1_000_000_000,
      tpmLimit: 2_000_000_000,
      allowLoopbackUpstreams: true,
    },
  });
  const k = generateApiKey();
  await db.prisma.apiKey.create({
    data: {
      orgId: org.id,
      name: "bench",
      prefix: k.prefix,
      hash: k.hash,
      rpmLimit: 1_000_000_000,
      tpmLimit: 2_000_000_000,
    },
  });
  for (const [name, port] of [
    ["bench-20ms", ports.delayed],
    ["bench-0ms", ports.instant],
  ] as const) {
    await db.prisma.servedModel.create({
      data: {
        orgId: org.id,
        name,
        endpoints: { create: [{ orgId: org.id, url: `http://127.0.0.1:${port}/v1` }] },
      },
    });
  }
  let redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!SHARED_REDIS) {
    const port = await freePort();
    const socket = join(tmpdir(), `aitk-bench-redis-${port}.sock`);
    const redisProc = start(
      "redis-server",
      [
        ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...(REDIS_SOCKET ? ["--unixsocket", socket, "--unixsocketperm", "700"] : []),
      ],
      {},
      join(tmpdir(), "aitk-bench-redis.log"),
    );
    pin(redisProc.pid, 0);
    redisUrl = REDIS_SOCKET ? socket : `redis://127.0.0.1:${port}`;
    const probe = createRedis(redisUrl, { retryStrategy: (n) => (n > 50 ? null : 100) });
    probe.on("error", () => {}); // refused until redis-server is up; retried
    await probe.ping();
    probe.disconnect();
  }
  const walDir = join(tmpdir(), `${prefix.slice(0, -1)}-wal`);
  const startAitk = async (
    wal: "redis" | "file",
    nodeArgs = GW_NODE_ARGS,
    extraEnv: Record<string, string> = {},
    name = wal,
  ) => {
    const port = await freePort();
    const p = start(
      process.execPath,
      [...nodeArgs, gatewayJs],
      {
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        AITK_REDIS_PREFIX: prefix,
        GATEWAY_PORT: String(port),
        LOG_LEVEL,
        GATEWAY_LEDGER_SPOOL: join(tmpdir(), `${prefix.slice(0, -1)}-${wal}-spool.jsonl`),
        GATEWAY_LEDGER_WAL: wal,
        GATEWAY_LEDGER_WAL_DIR: walDir,
        ...extraEnv,
      },
      join(tmpdir(), `aitk-bench-gateway-${name}.log`),
    );
    await waitHttp(`http://127.0.0.1:${port}/health`);
    pin(p.pid, 1);
    return { port, pid: p.pid! };
  };
  const want = (name: string) => !ONLY || ONLY.includes(name);
  // "aitk": ledger write-ahead = XADD before each response (the default); "aitk-wal": local file WAL.
  const aitk = want("aitk") ? await startAitk("redis") : null;
  const aitkWal = want("aitk-wal") ? await startAitk("file") : null;
  // "aitk-v": the default gateway with other Node flags and/or settings, measured side by side.
  const aitkV =
    VARIANT_NODE_ARGS || Object.keys(VARIANT_ENV).length > 0
      ? await startAitk(
          "redis",
          VARIANT_NODE_ARGS ? VARIANT_NODE_ARGS.split(" ").filter(Boolean) : GW_NODE_ARGS,
          VARIANT_ENV,
          "variant",
        )
      : null;
  // "bare": the floor of any Node proxy here (node:http → undici, nothing else), one per upstream.
  const bare = new Map<number, { port: number; pid: number }>();
  if (want("bare")) {
    for (const upstreamPort of [ports.delayed, ports.instant]) {
      // Same Node flags as our gateway, so the floor is measured under the same heap settings.
      const p = start(
        process.execPath,
        [...GW_NODE_ARGS, bareJs, `http://127.0.0.1:${upstreamPort}`],
        {},
        join(tmpdir(), `aitk-bench-bare-${upstreamPort}.log`),
      );
      const port = await firstJsonLine<{ port: number }>(
        join(tmpdir(), `aitk-bench-bare-${upstreamPort}.log`),
      ).then((l) => l.port);
      pin(p.pid, 1);
      bare.set(upstreamPort, { port, pid: p.pid! });
    }
  }

  // "nginx": the floor of a C proxy (only when Debian's nginx is installed), one process for both upstreams.
  const nginx = new Map<number, { port: number; pid: number }>();
  const nginxBin = want("nginx") ? nginxBinary() : null;
  if (want("nginx") && !nginxBin)
    console.log("nginx reference skipped: no nginx binary (apt-get install nginx-light)");
  if (nginxBin) {
    const routes = [];
    for (const upstream of [ports.delayed, ports.instant]) {
      let listen = await freePort();
      while (routes.some((r) => r.listen === listen)) listen = await freePort();
      routes.push({ listen, upstream });
    }
    const conf = nginxConfig(join(tmpdir(), `aitk-bench-nginx-${process.pid}`), routes);
    const p = start(nginxBin, ["-c", conf, "-e", "stderr"], {}, join(tmpdir(), "aitk-bench-nginx.log"));
    for (const r of routes) {
      await waitHttp(`http://127.0.0.1:${r.listen}/`);
      nginx.set(r.upstream, { port: r.listen, pid: p.pid! });
    }
    pin(p.pid, 1);
  }

  let pkPort = 0;
  let pkPid = 0;
  if (portkeyEntry) {
    pkPort = await freePort();
    pkPid = start(
      process.execPath,
      [portkeyEntry, `--port=${pkPort}`, "--headless"],
      {},
      join(tmpdir(), "aitk-bench-portkey.log"),
    ).pid!;
    await waitHttp(`http://127.0.0.1:${pkPort}/`);
    pin(pkPid, 1);
  }

  const auth = { Authorization: `Bearer ${k.key}` };
  const chat = (port: number) => `http://127.0.0.1:${port}/v1/chat/completions`;
  /** A reference proxy (no auth) in front of this upstream, if it was started. */
  const reference = (
    name: string,
    procs: Map<number, { port: number; pid: number }>,
    upstreamPort: number,
  ) => {
    const p = procs.get(upstreamPort);
    return p ? [{ name, url: chat(p.port), headers: {}, pid: p.pid }] : [];
  };
  /** One of our gateways (it routes both upstreams by model name), if it was started. */
  const ours = (name: string, g: { port: number; pid: number } | null | undefined) =>
    g ? [{ name, url: chat(g.port), headers: auth, pid: g.pid, port: g.port }] : [];
  const targets = (upstreamPort: number): TTarget[] => {
    const list: TTarget[] = [
      { name: "direct", url: chat(upstreamPort), headers: {} },
      ...reference("bare", bare, upstreamPort),
      ...reference("nginx", nginx, upstreamPort),
      ...ours("aitk", aitk),
      ...ours("aitk-wal", aitkWal),
      ...ours("aitk-v", aitkV),
    ];
    if (pkPort) {
      list.push({
        name: "portkey",
        url: `http://127.0.0.1:${pkPort}/v1/chat/completions`,
        pid: pkPid,
        headers: {
          Authorization: "Bearer dummy",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `http://127.0.0.1:${upstreamPort}/v1`,
        },
      });
    }
    return ONLY ? list.filter((t) => ONLY.includes(t.name)) : list;
  };

  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}; ${DURATION}s runs after ${WARMUP}s warm-up; gateway LOG_LEVEL=${LOG_LEVEL};${PIN ? " pinned: gateways on CPU 1, wrk/upstream/redis on CPU 0;" : ""} redis ${SHARED_REDIS ? "shared" : REDIS_SOCKET ? "private, unix socket" : "private"}; nice ${NICE}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  const results: Record<string, Record<string, TResult>> = {};
  /** Every round of the 20 ms scenario (--repeat), for medians. */
  const rounds: Record<string, Record<string, TResult[]>> = {};
  if (SCENARIOS.includes("20ms")) console.log("\n20 ms upstream:");
  for (const c of SCENARIOS.includes("20ms") ? CONNS : []) {
    for (let round = 0; round < REPEAT; round++) {
      if (REPEAT > 1) console.log(`  round ${round + 1}/${REPEAT}`);
      for (const t of targets(ports.delayed)) {
        const r = await measure(t, t.name.startsWith("aitk") ? "bench-20ms" : "bench", c);
        results[`20ms c=${c}`] ??= {};
        results[`20ms c=${c}`]![t.name] = r;
        rounds[`20ms c=${c}`] ??= {};
        const row = rounds[`20ms c=${c}`]!;
        row[t.name] = [...(row[t.name] ?? []), r];
      }
    }
  }
  if (SCENARIOS.includes("instant")) console.log("\ninstant upstream (saturation):");
  for (const c of SCENARIOS.includes("instant") ? INSTANT_CONNS : []) {
    for (const t of targets(ports.instant)) {
      results[`instant c=${c}`] ??= {};
      results[`instant c=${c}`]![t.name] = await measure(
        t,
        t.name.startsWith("aitk") ? "bench-0ms" : "bench",
        c,
      );
    }
  }

  console.log(
    `\nsummary (added = gateway − direct${REPEAT > 1 ? `; median of ${REPEAT} interleaved rounds, each round's gateway against that round's direct, [min–max]` : ""}):`,
  );
  const median = (xs: number[]) => {
    const a = [...xs].sort((x, y) => x - y);
    return a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
  };
  const spread = (xs: number[]) =>
    xs.length > 1 ? ` [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]` : "";
  for (const c of SCENARIOS.includes("20ms") ? CONNS : []) {
    const row = rounds[`20ms c=${c}`]!;
    const d = row.direct!;
    for (const g of ["nginx", "bare", "aitk", "aitk-wal", "aitk-v", "portkey"]) {
      const rs = row[g];
      if (!rs) continue;
      const p50 = rs.map((r, i) => r.p50 - d[i]!.p50);
      const p99 = rs.map((r, i) => r.p99 - d[i]!.p99);
      const thr = rs.map((r, i) => r.rps / d[i]!.rps);
      const cpu = rs.map((r) => r.cpuUsPerReq).filter((x): x is number => x !== undefined);
      console.log(
        `  c=${String(c).padEnd(3)} ${g.padEnd(8)} added p50 ${median(p50).toFixed(2)} ms${spread(p50)}, added p99 ${median(p99).toFixed(2)} ms${spread(p99)}, throughput ${median(thr).toFixed(3)} × direct` +
          (cpu.length ? `, CPU ${median(cpu).toFixed(0)} µs/req` : ""),
      );
      if (rs.length > 1) {
        const pooled = (p: number) => (pooledPercentile(rs, p) - pooledPercentile(d, p)).toFixed(2);
        console.log(
          `           pooled over the ${rs.length} rounds (${rs.reduce((n, r) => n + r.requests, 0)} requests): added p50 ${pooled(50)} ms, p90 ${pooled(90)} ms, p99 ${pooled(99)} ms, p99.9 ${pooled(99.9)} ms`,
        );
      }
    }
  }
  const sat = results["instant c=32"];
  if (sat) {
    const pk = sat.portkey;
    for (const g of ["direct", "nginx", "bare", "aitk", "aitk-wal", "aitk-v", "portkey"]) {
      const r = sat[g];
      if (!r) continue;
      console.log(
        `  saturated ${g.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s` +
          (pk && g.startsWith("aitk") ? ` = ${(r.rps / pk.rps).toFixed(2)}× portkey` : "") +
          (r.cpuUsPerReq
            ? `; ${r.cpuUsPerReq.toFixed(0)} µs CPU/request ≈ ${(1e6 / r.cpuUsPerReq).toFixed(0)} req/s per free core` +
              (pk?.cpuUsPerReq && g !== "portkey"
                ? ` (${(pk.cpuUsPerReq / r.cpuUsPerReq).toFixed(2)}× portkey)`
                : "")
            : ""),
      );
    }
  }
  writeFileSync(
    join(tmpdir(), "aitk-gateway-bench.json"),
    JSON.stringify(
      { at: new Date().toISOString(), pinned: PIN, results, rounds },
      (k, v) => (k === "hist" ? undefined : v),
      2,
    ),
  );

  // Where the gateway's time goes (its own histograms, whole run): mean per request.
  for (const [name, g] of [
    ["aitk", aitk],
    ["aitk-wal", aitkWal],
    ["aitk-v", aitkV],
  ] as const) {
    if (!g) continue;
    const metrics = await getText(`http://127.0.0.1:${g.port}/metrics`);
    const mean = (m: string) => {
      const sum = Number(metrics.match(new RegExp(`^${m}_sum (\\S+)`, "m"))?.[1]);
      const count = Number(metrics.match(new RegExp(`^${m}_count (\\S+)`, "m"))?.[1]);
      return count ? `${((sum / count) * 1000).toFixed(3)} ms` : "n/a";
    };
    console.log(
      `  ${name} internals (mean over the run): before forwarding ${mean("gateway_overhead_seconds")}` +
        ` (rate-limit script ${mean("gateway_ratelimit_seconds")}), ledger write ${mean("gateway_ledger_write_seconds")}`,
    );
  }
  if (SHARED_REDIS) {
    const redis = createRedis(redisUrl);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
    redis.disconnect();
  }
  // The private redis-server (and everything in it) goes away with the other children.
  for (const p of children) p.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  rmSync(walDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), `aitk-bench-nginx-${process.pid}`), { recursive: true, force: true });
  await db.drop();
}

main().catch((e) => {
  console.error(e);
  for (const p of children) p.kill("SIGKILL");
  process.exit(1);
});
