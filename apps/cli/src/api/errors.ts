import { UsageError } from "../errors";

/** The server refused the request (4xx): bad input, unknown id, missing scope. Exit 2. */
export class ApiError extends UsageError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The server failed (5xx) or could not be reached. Exit 1: retrying later may work. */
export class ApiUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ApiUnavailableError";
  }
}

interface TErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; details?: unknown };
}

/** Maps a non-2xx response (body already read) to the error the CLI reports. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  what: string,
  apiUrl: string,
): ApiError | ApiUnavailableError {
  let body: TErrorBody = {};
  try {
    body = JSON.parse(bodyText) as TErrorBody;
  } catch {
    // not JSON (a proxy's HTML page): fall back to the status
  }
  const e = body.error ?? {};
  const code = typeof e.code === "string" ? e.code : `HTTP_${status}`;
  const field = typeof e.field === "string" ? e.field : undefined;
  const details =
    e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : undefined;
  let message = typeof e.message === "string" && e.message ? e.message : `HTTP ${status}`;
  // The server's messages usually start with the field ("tag: must be …"); add it when they do not.
  if (field && !message.startsWith(`${field}:`) && !message.includes(field)) message = `${field}: ${message}`;
  if (status >= 500) return new ApiUnavailableError(`${what} failed on the server: ${message}`, status);
  if (status === 401) {
    return new ApiError(
      `${message} (${apiUrl}) — run aitk login with a valid API key`,
      status,
      code,
      field,
      details,
    );
  }
  if (status === 403) return new ApiError(`forbidden: ${message}`, status, code, field, details);
  return new ApiError(message, status, code, field, details);
}
