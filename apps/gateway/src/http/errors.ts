import type { ServerResponse } from "node:http";

/** OpenAI error body: { error: { message, type, param, code } }. */
export type TApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "api_error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: TApiErrorType,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(type: string, message: string, code: string | null, param: string | null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  sendJson(res, e.status, errorBody(e.type, e.message, e.code, e.param), e.headers);
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, "invalid_request_error", message, code, param);
