import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * CORS for the dashboard's "Try it" playground, which calls the gateway from the browser on another
 * origin. Only the configured origins are echoed back; credentials (cookies) are never allowed, since
 * the gateway authenticates with a Bearer key the page sends explicitly.
 */
export type TCors = {
  /** Sets the headers when the request's Origin is allowed; true when it answered a preflight. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
};

const ALLOW_HEADERS = "authorization, content-type, x-request-id";
const EXPOSE_HEADERS =
  "x-request-id, x-aitk-model, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, " +
  "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, " +
  "x-ratelimit-reset-tokens, retry-after";

export function parseOrigins(list: string): Set<string> {
  return new Set(
    list
      .split(",")
      .map((s) => s.trim().replace(/\/+$/, ""))
      .filter(Boolean),
  );
}

export function createCors(origins: Set<string>): TCors {
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined || !origins.has(origin)) return false;
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      if (req.method !== "OPTIONS") {
        res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
        return false;
      }
      res.statusCode = 204;
      res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
      res.setHeader("access-control-allow-headers", ALLOW_HEADERS);
      res.setHeader("access-control-max-age", "600");
      res.end();
      req.resume();
      return true;
    },
  };
}
