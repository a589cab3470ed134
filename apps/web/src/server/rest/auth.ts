import { hashApiKey, isApiKeyFormat } from "@aitk/core/crypto/apiKeys";
import { DomainError } from "@aitk/core/errors";
import type { TDeps } from "../deps";
import { roleOfScopes, type TActor } from "../services/actor";

export type TKeyActor = TActor & { apiKeyId: string; scopes: string[]; keyPrefix: string };

const unauthorized = (message: string) => new DomainError("UNAUTHORIZED", message);

/** Bearer API key → actor. Every refusal is a 401 with a reason that does not reveal other tenants. */
export async function authenticateApiKey(deps: TDeps, req: Request, ip: string | null): Promise<TKeyActor> {
  const header = req.headers.get("authorization");
  if (!header) throw unauthorized("missing Authorization header: send `Authorization: Bearer <API key>`");
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized("Authorization header must be `Bearer <API key>`");
  const key = m[1]!;
  if (!isApiKeyFormat(key)) throw unauthorized("invalid API key");
  const row = await deps.prisma.apiKey.findUnique({ where: { hash: hashApiKey(key) } });
  if (!row) throw unauthorized("invalid API key");
  if (row.revokedAt) throw unauthorized("API key has been revoked");
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw unauthorized("API key has expired");
  const role = roleOfScopes(row.scopes);
  if (!role) {
    throw new DomainError(
      "FORBIDDEN",
      "this API key only has the inference scope; create a key with the read or write scope for /api/v1",
    );
  }
  // Last-used is informational: do not fail (or slow) the request on it.
  deps.prisma.apiKey
    .update({ where: { id: row.id }, data: { lastUsedAt: new Date() } })
    .catch((err: Error) => deps.logger.warn({ err: err.message }, "could not update apiKey.lastUsedAt"));
  return {
    orgId: row.orgId,
    role,
    userId: null,
    apiKeyId: row.id,
    ip,
    scopes: row.scopes,
    keyPrefix: row.prefix,
  };
}
