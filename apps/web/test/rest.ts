// Finds every REST route module under src/app/api/v1 and calls its handlers directly with a Request.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const V1_DIR = join(import.meta.dirname, "../src/app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type THttpMethod = (typeof METHODS)[number];

type THandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

export type TRestRoute = {
  /** "/hosts/{id}/check" (catch-all segments as "{...rest}"). */
  path: string;
  method: THttpMethod;
  handler: THandler;
};

function routeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (name === "route.ts") out.push(p);
  }
  return out;
}

export async function restRoutes(): Promise<TRestRoute[]> {
  const routes: TRestRoute[] = [];
  for (const file of routeFiles(V1_DIR)) {
    const rel = relative(V1_DIR, file).replace(/\/?route\.ts$/, "");
    const path = `/${rel.replace(/\[(\.\.\.)?([^\]]+)\]/g, (_m, dots, n) => `{${dots ?? ""}${n}}`)}`;
    const mod = (await import(file)) as Record<string, unknown>;
    for (const m of METHODS) {
      if (typeof mod[m] === "function") routes.push({ path, method: m, handler: mod[m] as THandler });
    }
  }
  return routes.sort((x, y) => `${x.path} ${x.method}`.localeCompare(`${y.path} ${y.method}`));
}

export async function callRoute(
  route: TRestRoute,
  opts: {
    params?: Record<string, string>;
    key?: string | null;
    body?: unknown;
    rawBody?: string;
    query?: string;
  },
): Promise<{ status: number; body: unknown; text: string }> {
  let url = `http://127.0.0.1:3000/api/v1${route.path}`;
  for (const [k, v] of Object.entries(opts.params ?? {})) url = url.replace(`{${k}}`, encodeURIComponent(v));
  url = url.replace("{...rest}", "nothing/here");
  if (opts.query) url += `?${opts.query}`;
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = new Request(url, {
    method: route.method,
    headers,
    ...(body !== undefined && route.method !== "GET" ? { body } : {}),
  });
  const params: Record<string, string | string[]> = { ...(opts.params ?? {}) };
  if (route.path.includes("{...rest}")) params.rest = ["nothing", "here"];
  const res = await route.handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}
