// Response shapes of the /api/v1 operations the CLI uses (see /api/v1/openapi.json). Only the fields
// the CLI reads are typed; `--json` output passes the server's objects through unchanged.

export type TJobState = "queued" | "active" | "completed" | "failed" | "cancelled";
export const TERMINAL_JOB_STATES: readonly TJobState[] = ["completed", "failed", "cancelled"];

export interface TMe {
  org: { id: string; name: string; slug: string; plan: string; requireSignedModels?: boolean };
  apiKey: { id: string; prefix: string; scopes: string[] };
  role: string;
}

export interface TJob {
  id: string;
  kind: string;
  state: TJobState;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result?: unknown;
}

export interface TJobLogLine {
  seq: number;
  ts: string;
  level: string;
  line: string;
}

export interface TPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface THost {
  id: string;
  name: string;
  kind: string;
  endpoint: string;
  status: "unknown" | "healthy" | "unhealthy";
  lastCheckedAt: string | null;
  lastError: string | null;
}

export interface TApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  allowedModels: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface TBuild {
  id: string;
  tag: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  host: { id: string; name: string } | null;
  target: string | null;
  engine: string | null;
  durationMs: number | null;
  sizeBytes: number | null;
  cveCount: number | null;
  failedStep: string | null;
  error: string | null;
  jobId: string | null;
  imageId?: string | null;
  createdAt: string;
}
