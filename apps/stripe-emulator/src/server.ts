import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { obj, str, type TRequestContext, type TRoute } from "./context";
import { StripeError } from "./errors";
import { decodeForm, type TForm } from "./form";
import { billingRoutes, meterEventStream } from "./routes-billing";
import { coreRoutes } from "./routes-core";
import { finalizeInvoice, subscriptionRoutes } from "./routes-subscriptions";
import { Store } from "./store";
import { API_VERSION, type TStaticEndpoint, WebhookDispatcher } from "./webhooks";

export type TEmulatorOptions = {
  /** The secret key clients must send (Authorization: Bearer …). */
  secretKey: string;
  /** JSON file to keep state in across restarts; in memory only when unset. */
  statePath?: string;
  /** A webhook endpoint configured out of band (like `stripe listen --forward-to`). */
  webhook?: TStaticEndpoint;
  webhookRetryDelaysMs?: number[];
};

const routes: TRoute[] = [coreRoutes, billingRoutes, subscriptionRoutes];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 8 * 1024 * 1024)
        reject(new StripeError(413, "invalid_request_error", "Request body too large."));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization ?? "";
  if (h.startsWith("Bearer ")) return h.slice(7).trim();
  if (h.startsWith("Basic ")) return Buffer.from(h.slice(6), "base64").toString("utf8").split(":")[0];
  return undefined;
}

export function createEmulator(options: TEmulatorOptions) {
  const store = new Store(options.statePath);
  const webhooks = new WebhookDispatcher(store, options.webhook, options.webhookRetryDelaysMs);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = `req_${randomBytes(10).toString("hex")}`;
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
      res.writeHead(status, {
        "content-type": "application/json",
        "request-id": requestId,
        "stripe-version": String(req.headers["stripe-version"] ?? API_VERSION),
        ...extra,
      });
      res.end(text);
      return text;
    };
    try {
      const url = new URL(req.url ?? "/", "http://emulator");
      const method = (req.method ?? "GET").toUpperCase();
      const raw = method === "GET" || method === "DELETE" ? url.search.slice(1) : await readBody(req);
      if (url.pathname === "/health") return send(200, { ok: true });
      const [, version, ...segments] = url.pathname.split("/").filter((x, i) => i === 0 || x !== "");
      const isJson = String(req.headers["content-type"] ?? "").includes("application/json");
      let params: TForm;
      try {
        params = isJson && raw ? (JSON.parse(raw) as TForm) : decodeForm(raw);
      } catch {
        throw new StripeError(400, "invalid_request_error", "Invalid request body: could not parse it.");
      }
      const ctx: TRequestContext = {
        method,
        segments,
        version: version === "v2" ? "v2" : "v1",
        params,
        store,
        requestId,
        idempotencyKey: req.headers["idempotency-key"] as string | undefined,
        emit: (type, object) =>
          webhooks.emit(type, object, { id: requestId, idempotencyKey: ctx.idempotencyKey }),
      };

      if (version === "_emulator") return send(200, control(ctx));

      if (version === "v2" && segments.join("/") === "billing/meter_event_stream" && method === "POST") {
        const r = meterEventStream(ctx, bearer(req));
        return send(r.status, r.body);
      }
      const key = bearer(req);
      if (!key) {
        throw new StripeError(
          401,
          "invalid_request_error",
          "You did not provide an API key. Provide your API key in the Authorization header, using Bearer auth.",
        );
      }
      if (key !== options.secretKey) {
        throw new StripeError(
          401,
          "invalid_request_error",
          `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        );
      }
      if (version !== "v1" && version !== "v2")
        throw new StripeError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}).`,
        );

      // Idempotency-Key: a retried POST gets the first response back; other parameters are an error.
      const idemKey = method === "POST" ? ctx.idempotencyKey : undefined;
      const paramsHash = createHash("sha256").update(`${method} ${url.pathname} ${raw}`).digest("hex");
      if (idemKey) {
        store.expire();
        const prior = store.state.idempotency[`${key}:${idemKey}`];
        if (prior) {
          if (prior.paramsHash !== paramsHash) {
            throw new StripeError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            );
          }
          return send(prior.status, prior.body, { "idempotent-replayed": "true" });
        }
      }
      let result: { status?: number; body: unknown } | undefined;
      for (const r of routes) {
        result = r(ctx);
        if (result) break;
      }
      if (!result)
        throw new StripeError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}).`,
        );
      const status = result.status ?? 200;
      const text = send(status, result.body);
      if (idemKey)
        store.state.idempotency[`${key}:${idemKey}`] = {
          key: idemKey,
          paramsHash,
          status,
          body: text,
          at: Math.floor(Date.now() / 1000),
        };
      store.touch();
    } catch (e) {
      const err =
        e instanceof StripeError
          ? e
          : new StripeError(500, "api_error", e instanceof Error ? e.message : String(e));
      send(err.status, err.body());
    }
  }

  function control(ctx: TRequestContext) {
    const what = ctx.segments.join("/");
    if (what === "invoices/finalize" && ctx.method === "POST") {
      const customer = str(ctx.params.customer);
      if (!customer)
        throw new StripeError(
          400,
          "invalid_request_error",
          "Missing required param: customer.",
          "parameter_missing",
          "customer",
        );
      return finalizeInvoice(ctx, customer);
    }
    if (what === "events/trigger" && ctx.method === "POST") {
      const type = str(ctx.params.type);
      const id = str(ctx.params.object);
      const o = id ? store.get(id) : undefined;
      if (!type || !o)
        throw new StripeError(
          400,
          "invalid_request_error",
          "type and object (an existing object id) are required.",
        );
      ctx.emit(type, { ...o, ...obj(ctx.params.override) } as never);
      return { ok: true };
    }
    if (what === "state" && ctx.method === "GET") {
      return {
        meterEvents: store.state.meterEvents.length,
        objects: Object.keys(store.state.objects).length,
        deliveries: webhooks.deliveries,
      };
    }
    throw new StripeError(
      404,
      "invalid_request_error",
      `Unknown emulator control: ${ctx.method} /_emulator/${what}`,
    );
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  return {
    server,
    store,
    webhooks,
    listen(port: number, host = "127.0.0.1"): Promise<number> {
      return new Promise((resolve) =>
        server.listen(port, host, () => resolve((server.address() as { port: number }).port)),
      );
    },
    close(): Promise<void> {
      store.flush();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
