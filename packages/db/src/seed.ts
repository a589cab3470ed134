import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import { hashPassword, verifyPassword } from "@aitk/core/crypto/password";
import { encryptSecret } from "@aitk/core/crypto/secrets";
import type { TPrisma } from "./client";

export type TSeedDemoOptions = {
  /** AITK_SECRET_KEY (64 hex); encrypts the engine API key when one is given. */
  secretKeyHex: string;
  /** Base URL of the embedded engine's OpenAI-compatible API, e.g. http://127.0.0.1:4100/v1 */
  engineUrl: string;
  adminEmail?: string;
  adminPassword: string;
  /** API key the embedded engine expects, if any (stored encrypted). */
  engineApiKey?: string;
};

export type TSeedDemoResult = {
  orgId: string;
  userId: string;
  apiKeyId: string;
  /** Plaintext of the demo API key, only when this run created it; null when it already existed. */
  apiKey: string | null;
  hostId: string;
  servedModelId: string;
  endpointId: string;
  priceId: string;
};

export const DEMO_ORG_SLUG = "demo";
export const DEMO_MODEL = "aitk-tiny";
export const DEMO_API_KEY_NAME = "demo";
/** The demo key serves the gateway (inference) and the REST API as an org admin (api), for the CLI and scripts. */
export const DEMO_API_KEY_SCOPES = ["inference", "api"];
export const DEFAULT_ADMIN_EMAIL = "admin@aitk.local";
/** $0.10 / $0.20 per million tokens in / out, in micro-USD per 1M tokens. */
export const DEMO_PRICE = { inputMicroUsdPerMTok: 100_000, outputMicroUsdPerMTok: 200_000 } as const;
// A fixed date before any usage, so re-seeding never creates a "newer" default price.
const PRICE_EFFECTIVE_FROM = new Date("2024-01-01T00:00:00Z");

/**
 * Demo tenant for `npm run up` and end-to-end tests. Idempotent: a second run finds every row and
 * changes nothing (except putting back demo settings that were edited). Runs under an advisory lock so
 * two concurrent seeds cannot both create the rows that have no unique key (API key, endpoint, price).
 */
export async function seedDemo(prisma: TPrisma, options: TSeedDemoOptions): Promise<TSeedDemoResult> {
  const email = (options.adminEmail ?? DEFAULT_ADMIN_EMAIL).toLowerCase();
  const upstreamApiKeyEnc = options.engineApiKey
    ? encryptSecret(options.engineApiKey, options.secretKeyHex)
    : null;
  // Validates the key early even when nothing is encrypted: a bad AITK_SECRET_KEY should fail the seed.
  encryptSecret("", options.secretKeyHex);

  const existingUser = await prisma.user.findUnique({ where: { email } });
  const passwordHash =
    existingUser && (await verifyPassword(options.adminPassword, existingUser.passwordHash))
      ? existingUser.passwordHash
      : await hashPassword(options.adminPassword);

  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('aitk.seedDemo'))`;

      const demoOrg = { plan: "paid", allowLoopbackUpstreams: true } as const;
      const foundOrg = await tx.organization.findUnique({ where: { slug: DEMO_ORG_SLUG } });
      const org = !foundOrg
        ? await tx.organization.create({ data: { name: "Demo", slug: DEMO_ORG_SLUG, ...demoOrg } })
        : foundOrg.plan !== demoOrg.plan || !foundOrg.allowLoopbackUpstreams
          ? await tx.organization.update({ where: { id: foundOrg.id }, data: demoOrg })
          : foundOrg;

      const foundUser = await tx.user.findUnique({ where: { email } });
      const user = !foundUser
        ? await tx.user.create({ data: { email, name: "Admin", passwordHash } })
        : foundUser.passwordHash !== passwordHash
          ? await tx.user.update({ where: { id: foundUser.id }, data: { passwordHash } })
          : foundUser;

      await tx.membership.upsert({
        where: { orgId_userId: { orgId: org.id, userId: user.id } },
        create: { orgId: org.id, userId: user.id, role: "owner" },
        update: { role: "owner" },
      });

      let apiKey: string | null = null;
      let key = await tx.apiKey.findFirst({
        where: { orgId: org.id, name: DEMO_API_KEY_NAME, revokedAt: null },
        orderBy: { createdAt: "asc" },
      });
      if (!key) {
        const generated = generateApiKey();
        key = await tx.apiKey.create({
          data: {
            orgId: org.id,
            name: DEMO_API_KEY_NAME,
            prefix: generated.prefix,
            hash: generated.hash,
            scopes: DEMO_API_KEY_SCOPES,
            createdById: user.id,
          },
        });
        apiKey = generated.key;
      } else if (DEMO_API_KEY_SCOPES.some((s) => !key!.scopes.includes(s))) {
        key = await tx.apiKey.update({ where: { id: key.id }, data: { scopes: DEMO_API_KEY_SCOPES } });
      }

      const host = await tx.host.upsert({
        where: { orgId_name: { orgId: org.id, name: "local" } },
        create: { orgId: org.id, name: "local", kind: "docker", endpoint: "unix:///var/run/docker.sock" },
        update: {},
      });

      const model = await tx.servedModel.upsert({
        where: { orgId_name: { orgId: org.id, name: DEMO_MODEL } },
        create: {
          orgId: org.id,
          name: DEMO_MODEL,
          kind: "embedded",
          description: "Tiny built-in model served by the embedded engine (CPU, for demos and tests)",
          tier: 0,
        },
        update: {},
      });

      let endpoint = await tx.endpoint.findFirst({
        where: { servedModelId: model.id },
        orderBy: { createdAt: "asc" },
      });
      if (!endpoint) {
        endpoint = await tx.endpoint.create({
          data: { orgId: org.id, servedModelId: model.id, url: options.engineUrl, upstreamApiKeyEnc },
        });
      } else if (endpoint.url !== options.engineUrl || (upstreamApiKeyEnc && !endpoint.upstreamApiKeyEnc)) {
        // The engine moved (another port) or now needs a key: point the demo model at it.
        endpoint = await tx.endpoint.update({
          where: { id: endpoint.id },
          data: { url: options.engineUrl, ...(upstreamApiKeyEnc ? { upstreamApiKeyEnc } : {}) },
        });
      }

      const price =
        (await tx.price.findFirst({
          where: { orgId: null, model: DEMO_MODEL },
          orderBy: { effectiveFrom: "asc" },
        })) ??
        (await tx.price.create({
          data: { orgId: null, model: DEMO_MODEL, ...DEMO_PRICE, effectiveFrom: PRICE_EFFECTIVE_FROM },
        }));

      return {
        orgId: org.id,
        userId: user.id,
        apiKeyId: key.id,
        apiKey,
        hostId: host.id,
        servedModelId: model.id,
        endpointId: endpoint.id,
        priceId: price.id,
      };
    },
    { timeout: 30_000, maxWait: 30_000 },
  );
}
