import { currentLogin, requireLogin, type TLogin } from "../config";
import { ApiUnavailableError, errorFromResponse } from "./errors";

export interface TRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Milliseconds before the request is abandoned (default 30 s). */
  timeoutMs?: number;
}

/** A small typed client for /api/v1 with the API key as Bearer token. */
export class ApiClient {
  readonly apiUrl: string;
  readonly #apiKey: string;

  constructor(login: Pick<TLogin, "apiUrl" | "apiKey">) {
    this.apiUrl = login.apiUrl.replace(/\/+$/, "");
    this.#apiKey = login.apiKey;
  }

  url(path: string, query?: TRequest["query"]): string {
    const u = new URL(`${this.apiUrl}${path.startsWith("/") ? path : `/${path}`}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request<T>(method: string, path: string, req: TRequest = {}): Promise<T> {
    const what = `${method} ${path}`;
    const send = () =>
      fetch(this.url(path, req.query), {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: "application/json",
          ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
      });
    let res: Response;
    try {
      res = await send().catch(async (e: Error) => {
        // A reused keep-alive socket the server just closed fails before any answer: reads are
        // safe to send again; writes are not (the server may have acted on them).
        if (method !== "GET" || e.name === "TimeoutError") throw e;
        await new Promise((r) => setTimeout(r, 200));
        return send();
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const reason =
        err.name === "TimeoutError"
          ? "timed out"
          : (err.cause?.code ?? err.cause?.message ?? err.message ?? "network error");
      throw new ApiUnavailableError(`cannot reach the aitk API at ${this.apiUrl} (${reason})`);
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, text, what, this.apiUrl);
    if (res.status === 204 || !text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiUnavailableError(
        `${what}: the server at ${this.apiUrl} did not answer JSON (is --api-url the aitk dashboard?)`,
      );
    }
  }

  get<T>(path: string, query?: TRequest["query"]) {
    return this.request<T>("GET", path, { query });
  }

  post<T>(path: string, body?: unknown, query?: TRequest["query"]) {
    return this.request<T>("POST", path, { body: body ?? {}, query });
  }

  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }
}

/** Client for the stored/env login; exits 2 with "run aitk login" when there is none. */
export function connect(): ApiClient {
  return new ApiClient(requireLogin());
}

/** Client when logged in, else null (commands with a local fallback). */
export function connectIfLoggedIn(): ApiClient | null {
  const l = currentLogin();
  return l ? new ApiClient(l) : null;
}

/** Path segment for an id typed by the user. */
export const seg = (id: string) => encodeURIComponent(id);
