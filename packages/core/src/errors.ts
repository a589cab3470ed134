// Typed domain errors. Domain code throws these; tRPC, REST, the gateway and the CLI each map them
// to their own response shape in exactly one place (HTTP status via `httpStatus`).

export type TDomainErrorCode =
  | "VALIDATION"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "PRECONDITION";

export interface TErrorPosition {
  line: number;
  column: number;
}

export interface TDomainErrorDetails {
  /** The offending field (dotted path), when there is one. */
  field?: string;
  /** 1-based position in a file (Dockerfile.ai, aitk-deploy.yaml, …). */
  position?: TErrorPosition;
  /** Valid choices, for "unknown X" errors. */
  choices?: string[];
  /** Extra machine-readable context. */
  [key: string]: unknown;
}

const STATUS: Record<TDomainErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION: 412,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export class DomainError extends Error {
  readonly code: TDomainErrorCode;
  readonly details: TDomainErrorDetails;

  constructor(code: TDomainErrorCode, message: string, details: TDomainErrorDetails = {}) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return STATUS[this.code];
  }

  toJSON() {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export const validationError = (message: string, details?: TDomainErrorDetails) =>
  new DomainError("VALIDATION", message, details);
export const notFound = (what: string, id?: string) =>
  new DomainError("NOT_FOUND", id ? `${what} ${id} not found` : `${what} not found`);
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const conflict = (message: string, details?: TDomainErrorDetails) =>
  new DomainError("CONFLICT", message, details);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

export const httpStatusOf = (code: TDomainErrorCode): number => STATUS[code];
