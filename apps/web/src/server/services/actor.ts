import { DomainError } from "@aitk/core/errors";
import type { Role } from "@aitk/db/enums";
import type { TDeps } from "../deps";

/** Who is acting, in which organization: a signed-in member (dashboard) or an API key (REST). */
export interface TActor {
  orgId: string;
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
  ip: string | null;
}

export interface TServiceCtx {
  deps: TDeps;
  actor: TActor;
}

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const roleAtLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

export function requireRole(actor: TActor, min: Role): void {
  if (!roleAtLeast(actor.role, min)) {
    throw new DomainError("FORBIDDEN", `this action needs the ${min} role or higher; you are ${actor.role}`, {
      requiredRole: min,
    });
  }
}

/** API key scopes for the management API (the gateway only looks at "inference"). */
export const API_KEY_SCOPES = ["inference", "read", "write", "admin", "api"] as const;
export type TApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * The role an API key acts with on /api/v1: its strongest management scope. "api" (what the demo seed
 * script issues) is full API access, the same as "admin".
 */
export function roleOfScopes(scopes: readonly string[]): Role | null {
  if (scopes.includes("admin") || scopes.includes("api")) return "admin";
  if (scopes.includes("write")) return "member";
  if (scopes.includes("read")) return "viewer";
  return null;
}
