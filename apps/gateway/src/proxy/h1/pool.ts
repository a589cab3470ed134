import { connect, type LookupFunction, type Socket } from "node:net";
import { H1Body, type TUpstreamBody } from "./body";
import { H1ParseError, H1ResponseParser, type TH1Headers } from "./parser";

/**
 * The gateway's client for plain-HTTP upstreams (vLLM, TGI, llama-server, Ollama, the embedded engine):
 * a keep-alive pool of HTTP/1.1 connections, one request at a time per connection, the request head and
 * body written in one write(2). It replaces undici on this path because in bench/gateway undici was the
 * larger half of what a minimal Node proxy costs per request; HTTPS upstreams still go through undici.
 *
 * Errors carry undici's codes, so the caller's failover logic treats both clients alike: connect
 * failures (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT), a connection lost before the response
 * (UND_ERR_SOCKET), timeouts (UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT), abort (UND_ERR_ABORTED).
 * A request whose reused connection turns out to be closed by the upstream (its keep-alive ran out
 * just then) is sent once more on a new connection, as nothing of it was answered.
 */

export type TUpstreamResponse = {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: TUpstreamBody;
};

/** What the gateway passes for a request; `signal` is anything with once/removeListener (ClientGone). */
export type TUpstreamRequest = {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | string;
  signal?: {
    aborted: boolean;
    once(ev: "abort", fn: () => void): unknown;
    removeListener(ev: "abort", fn: () => void): unknown;
  };
};

export interface TUpstreamClient {
  request(req: TUpstreamRequest): Promise<TUpstreamResponse>;
  close(): Promise<void>;
}

export type TH1PoolOptions = {
  connections: number;
  /** Idle connections are closed after this (or after the upstream's own `Keep-Alive: timeout` − 1 s). */
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectTimeoutMs: number;
  lookup?: LookupFunction;
};

function codedError(code: string, message: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

const UNSAFE = /[\r\n\0]/;

/**
 * One read buffer for every upstream socket (net's `onread`): reads are delivered one at a time on this
 * thread and each is copied out before the next. Without it every read got an ArrayBuffer of its own,
 * and freeing those was a third of each young-generation GC pause (`scavenge.sweep_array_buffers` in
 * `--trace-gc-nvp`).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

type TExchange = {
  req: TUpstreamRequest;
  resolve: (r: TUpstreamResponse) => void;
  reject: (e: Error) => void;
  body: H1Body | null;
  /** The connection was used before: a close before any byte of the answer is retried once. */
  reused: boolean;
  retried: boolean;
  gotBytes: boolean;
  deadline: number;
  onAbort: () => void;
};

class Conn {
  readonly parser: H1ResponseParser;
  ex: TExchange | null = null;
  idleUntil = 0;
  keepAliveMs: number;
  used = false;
  dead = false;

  constructor(
    readonly pool: H1Pool,
    readonly socket: Socket,
  ) {
    this.keepAliveMs = pool.opts.keepAliveTimeoutMs;
    this.parser = new H1ResponseParser({
      head: (status, headers) => this.onHead(status, headers),
      data: (c) => {
        const ex = this.ex;
        if (!ex) return;
        ex.deadline = Date.now() + pool.opts.bodyTimeoutMs;
        ex.body?.push(c);
      },
      complete: (keepAlive) => this.onComplete(keepAlive),
    });
    socket.setNoDelay(true);
    socket.on("end", () => {
      if (this.ex && this.parser.untilClose) {
        try {
          this.parser.end();
        } catch {}
      }
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(codedError("UND_ERR_SOCKET", "other side closed")));
  }

  /** Bytes read from the upstream (a copy: the read buffer is shared, see READ_BUFFER). */
  onData(d: Buffer): void {
    if (this.ex) this.ex.gotBytes = true;
    else if (!this.dead) {
      this.kill(); // nothing was asked: an upstream talking out of turn
      return;
    }
    try {
      this.parser.feed(d);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private onHead(status: number, headers: TH1Headers): void {
    const ex = this.ex;
    if (!ex) return;
    const ka = headers["keep-alive"];
    const m = ka ? /timeout=(\d+)/i.exec(ka) : null;
    if (m)
      this.keepAliveMs = Math.max(
        1_000,
        Math.min(this.pool.opts.keepAliveTimeoutMs, (Number(m[1]) - 1) * 1000),
      );
    ex.deadline = Date.now() + this.pool.opts.bodyTimeoutMs;
    ex.body = new H1Body({
      pause: () => this.socket.pause(),
      resume: () => this.socket.resume(),
      abort: (e) => this.fail(e),
    });
    ex.resolve({ statusCode: status, headers, body: ex.body });
  }

  private onComplete(keepAlive: boolean): void {
    const ex = this.ex;
    this.ex = null;
    if (ex) {
      ex.req.signal?.removeListener("abort", ex.onAbort);
      ex.body?.end();
    }
    if (keepAlive && !this.dead) this.pool.release(this);
    else this.kill();
  }

  start(ex: TExchange): void {
    this.ex = ex;
    ex.reused = this.used;
    this.used = true;
    ex.deadline = Date.now() + this.pool.opts.headersTimeoutMs;
    this.parser.reset(ex.req.method === "HEAD");
    const { req } = ex;
    const body = req.body;
    const bodyLen = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.pool.host}\r\nconnection: keep-alive\r\n`;
    for (const k in req.headers) head += `${k}: ${req.headers[k]}\r\n`;
    head += `content-length: ${bodyLen}\r\n\r\n`;
    // Head and body in one buffer (from node's pool when small) and one write: no corked writev.
    const out = Buffer.allocUnsafe(head.length + bodyLen);
    out.write(head, 0, "latin1");
    if (typeof body === "string") out.write(body, head.length, "utf8");
    else body.copy(out, head.length);
    this.socket.write(out);
  }

  /** The connection broke (or was stopped): the exchange on it fails, or is retried if unanswered. */
  fail(err: Error): void {
    const ex = this.ex;
    this.ex = null;
    this.kill();
    if (!ex) return;
    if (ex.body) {
      ex.req.signal?.removeListener("abort", ex.onAbort);
      const e =
        err instanceof H1ParseError
          ? err
          : codedError((err as { code?: string }).code ?? "UND_ERR_SOCKET", err.message);
      ex.body.fail(e);
      return;
    }
    const code = (err as { code?: string }).code;
    if (
      ex.reused &&
      !ex.gotBytes &&
      !ex.retried &&
      !ex.req.signal?.aborted &&
      code !== "UND_ERR_HEADERS_TIMEOUT"
    ) {
      ex.retried = true;
      this.pool.dispatch(ex, true);
      return;
    }
    ex.req.signal?.removeListener("abort", ex.onAbort);
    ex.reject(code ? err : codedError("UND_ERR_SOCKET", err.message));
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    this.socket.destroy();
  }
}

export class H1Pool implements TUpstreamClient {
  readonly host: string;
  private readonly port: number;
  private readonly hostname: string;
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly waiting: TExchange[] = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    origin: string,
    readonly opts: TH1PoolOptions,
  ) {
    const u = new URL(origin);
    if (u.protocol !== "http:") throw new Error(`H1Pool speaks plain HTTP only, not ${u.protocol}`);
    this.hostname = u.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(u.port || 80);
    this.host = u.host;
    // One coarse timer per pool for every deadline: per-request timers cost more than they are worth.
    this.timer = setInterval(() => this.sweep(), 1_000);
    this.timer.unref();
  }

  request(req: TUpstreamRequest): Promise<TUpstreamResponse> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(codedError("UND_ERR_CLOSED", "upstream pool closed"));
      if (UNSAFE.test(req.path)) return reject(codedError("UND_ERR_INVALID_ARG", "invalid request path"));
      for (const k in req.headers) {
        if (UNSAFE.test(k) || UNSAFE.test(req.headers[k]!)) {
          return reject(codedError("UND_ERR_INVALID_ARG", `invalid header ${JSON.stringify(k)}`));
        }
      }
      if (req.signal?.aborted) return reject(codedError("UND_ERR_ABORTED", "request aborted"));
      const ex: TExchange = {
        req,
        resolve,
        reject,
        body: null,
        reused: false,
        retried: false,
        gotBytes: false,
        deadline: 0,
        onAbort: () => this.abort(ex),
      };
      req.signal?.once("abort", ex.onAbort);
      this.dispatch(ex, false);
    });
  }

  private abort(ex: TExchange): void {
    const err = codedError("UND_ERR_ABORTED", "request aborted");
    const w = this.waiting.indexOf(ex);
    if (w >= 0) {
      this.waiting.splice(w, 1);
      ex.reject(err);
      return;
    }
    for (const c of this.all) {
      if (c.ex === ex) {
        c.fail(err);
        return;
      }
    }
  }

  /** Runs an exchange on an idle connection, a new one, or queues it. `fresh`: never an idle one. */
  dispatch(ex: TExchange, fresh: boolean): void {
    if (!fresh) {
      const now = Date.now();
      for (let c = this.idle.pop(); c; c = this.idle.pop()) {
        if (c.dead) continue;
        if (c.idleUntil <= now) {
          c.kill();
          continue;
        }
        c.start(ex);
        return;
      }
    }
    if (this.all.size >= this.opts.connections) {
      this.waiting.push(ex);
      return;
    }
    this.open(ex);
  }

  private open(ex: TExchange): void {
    let conn: Conn | null = null;
    const socket = connect({
      host: this.hostname,
      port: this.port,
      lookup: this.opts.lookup,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          // Copied out before the next read reuses the buffer; under 4 KiB the copy is a slice of
          // node's shared pool, not an ArrayBuffer of its own.
          const d = Buffer.allocUnsafe(n);
          d.set(buf.subarray(0, n));
          conn?.onData(d);
          return true;
        },
      },
    });
    conn = new Conn(this, socket);
    this.all.add(conn);
    const connectTimer = setTimeout(() => {
      conn.fail(codedError("UND_ERR_CONNECT_TIMEOUT", `connect timeout to ${this.host}`));
    }, this.opts.connectTimeoutMs);
    connectTimer.unref();
    // Until connected, a failure is a connect error (ECONNREFUSED …) and is never retried here.
    conn.ex = ex;
    ex.reused = false;
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      if (conn.dead) return;
      conn.start(ex);
    });
    socket.once("close", () => clearTimeout(connectTimer));
  }

  /** A connection finished its exchange: next queued request, or idle. */
  release(c: Conn): void {
    const next = this.waiting.shift();
    if (next) {
      c.start(next);
      return;
    }
    c.idleUntil = Date.now() + c.keepAliveMs;
    this.idle.push(c);
  }

  forget(c: Conn): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A slot opened: a queued request gets a new connection.
    if (!this.closed && this.waiting.length > 0 && this.all.size < this.opts.connections) {
      this.open(this.waiting.shift()!);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.all) {
      if (c.ex && c.ex.deadline > 0 && c.ex.deadline <= now) {
        c.fail(
          c.ex.body
            ? codedError("UND_ERR_BODY_TIMEOUT", "upstream body timeout")
            : codedError("UND_ERR_HEADERS_TIMEOUT", "upstream headers timeout"),
        );
      } else if (!c.ex && c.idleUntil <= now) c.kill();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const ex of this.waiting.splice(0)) ex.reject(codedError("UND_ERR_CLOSED", "upstream pool closed"));
    for (const c of [...this.all]) {
      if (c.ex) c.fail(codedError("UND_ERR_CLOSED", "upstream pool closed"));
      else c.kill();
    }
  }
}
